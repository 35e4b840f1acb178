/*
 * The protocol between agentd and a session's holder (agentd-holder), over a Unix
 * stream socket. A message is a 4-byte big-endian length (of type + payload), a type
 * byte and the payload. Offsets count the bytes the agent wrote to its terminal since
 * it started; they let a restarted daemon continue exactly where the log ends.
 */
#ifndef AGD_HPROTO_H
#define AGD_HPROTO_H

#include <stddef.h>
#include <stdint.h>

#define HP_HDR		5			/* type byte and uint32 length */
#define HP_MAX		(1024 * 1024 + 64)	/* largest message, header excluded */
#define HP_DATA_MAX	(64 * 1024)		/* largest DATA payload */
/*
 * Largest message a holder sends (type, offset, a full DATA payload): the daemon
 * refuses anything longer before copying it anywhere, whoever is at the socket.
 */
#define HP_FROM_HOLDER_MAX	(1 + 8 + HP_DATA_MAX)

/* holder -> daemon */
#define HP_HELLO	1	/* struct hp_hello */
#define HP_DATA		2	/* u64 offset of the first byte, then the bytes */
#define HP_EXIT		3	/* struct hp_exit: the agent has ended, all DATA sent */
/*
 * On a connection opened with HP_AUTH_PTY: no payload, the terminal's master
 * attached (SCM_RIGHTS); then the holder closes that connection.
 */
#define HP_PTYFD	4
/* Every HP_INPUT before the daemon's HP_DIRECT is written to the terminal. */
#define HP_DIRECTOK	5
/*
 * u64: the bytes of HP_INPUT taken (queued for the terminal, kept across the
 * daemon's connections) since the holder started; after each read that took some.
 * The daemon keeps what it sent until this says it was taken, and sends the rest
 * again on the next connection (the hello's in_taken) if one broke: input the
 * daemon acknowledged is not lost with a connection.
 */
#define HP_INPUTACK	6

/* daemon -> holder */
#define HP_RESUME	10	/* u64: the daemon has recorded everything before this */
#define HP_ACK		11	/* u64: recorded up to here, the holder may drop it */
#define HP_INPUT	12	/* bytes for the terminal */
#define HP_RESIZE	13	/* u16 cols, u16 rows */
#define HP_KILL		14	/* u32 grace ms: SIGTERM the group, SIGKILL after grace */
#define HP_EXITACK	15	/* the exit is recorded: the holder may go */
/*
 * The session's secret (HP_KEY_LEN bytes). The first message of the connection the
 * holder inherits gives it; every later connection must open with it, else the
 * holder closes it without a word (nothing is sent to it, nothing it sends is read).
 */
#define HP_AUTH		16
#define HP_KEY_LEN	32
/*
 * Like HP_AUTH, on a connection of its own: the daemon asks for the terminal, to
 * write input to it itself (a keystroke then crosses no holder). The connection
 * gets HP_PTYFD and is closed, never adopted; a -p (pipes) holder just closes it.
 */
#define HP_AUTH_PTY	17
/*
 * From now on the daemon writes to the terminal itself: answer HP_DIRECTOK once
 * the input before this is written (so nothing the daemon writes overtakes it).
 */
#define HP_DIRECT	18

struct hp_hello {
	uint32_t	version;	/* HP_VERSION */
	int32_t		pid;		/* the agent */
	int32_t		pgid;
	int32_t		exited;		/* 1 once the agent has ended */
	uint64_t	base;		/* lowest offset still held */
	uint64_t	end;		/* offset after the last byte read */
	uint64_t	in_taken;	/* version 2: as HP_INPUTACK's */
};
#define HP_VERSION	2	/* of this protocol, in the holder's hello */
/*
 * Version 1's hello (a holder started by an older agentd, still running after
 * the upgrade): no in_taken, no HP_INPUTACK; the daemon keeps nothing it sent.
 */
#define HP_VERSION_1		1
#define HP_HELLO_V1_SIZE	32
_Static_assert(offsetof(struct hp_hello, in_taken) == HP_HELLO_V1_SIZE,
    "version 1's hello is the start of version 2's");

struct hp_exit {
	int32_t		status;		/* waitpid() status */
	int32_t		pad;
	uint64_t	end;		/* total bytes the agent wrote */
};

static inline void
hp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
hp_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static inline void
hp_put64(uint8_t *p, uint64_t v)
{
	hp_put32(p, (uint32_t)(v >> 32));
	hp_put32(p + 4, (uint32_t)v);
}

static inline uint64_t
hp_get64(const uint8_t *p)
{
	return ((uint64_t)hp_get32(p) << 32 | hp_get32(p + 4));
}

#endif
