/*
 * WebSocket viewers: what the ws*.c files share. nginx proxies upgrades of
 * /api/agents/sessions/<name> (also .../terminal and .../ws) to HOME/run/ws.sock.
 * The bare path speaks agentd's protocol; .../terminal and .../ws the seed
 * source's (its web UI's terminal and chat views: ws-seed.c).
 *
 *   ws-server.c   the listening socket, accept and the ping timer
 *   ws-upgrade.c  the HTTP upgrade: parse (ws-parse.c), identity, role, start point
 *   ws.c          one viewer's life: wslay glue, the pump, the disk reader, pings
 *   ws-ring.c     the recent output of a session, and the frames made of it
 *   ws-seed.c     what a viewer of the seed protocol is sent and may send
 *   ws-chat.c     the same for a stream session (the seed UI's chat view)
 *   ws-linger.c   hanging up without a reset
 *
 * Every viewer has a cursor (the last seq it was sent) and pulls: when its socket
 * can take more, the next records come from the session's in-memory ring of recent
 * output, or from the on-disk log if it has fallen behind the ring. So the agent's
 * output is always read and recorded at full speed, a slow viewer costs no memory
 * beyond its small queue, and nothing is skipped unless the log itself has rotated
 * it away (then the viewer is told with a resync message).
 */
#ifndef AGENTD_WS_H
#define AGENTD_WS_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <wslay/wslay.h>

#include "agentd.h"
#include "log.h"
#include "seqlog.h"

/* Bytes of the seq that starts every binary frame. */
#define WS_SEQ_LEN		8
/* The whole upgrade request: nginx sends a few headers, a client's cookies may add. */
#define WS_REQUEST_MAX		8192

/* One record of recent output or one event, as every viewer will send it. */
struct ws_rec {
	uint64_t		 seq;
	int			 type;		/* AGD_REC_TTY or AGD_REC_EVENT */
	size_t			 len;
	char			*json;		/* the text frame, built on first use */
	size_t			 json_len;
	TAILQ_ENTRY(ws_rec)	 entry;
	uint8_t			 bin[];		/* seq (binary frames) + data */
};

struct ws_ring {
	TAILQ_HEAD(ws_rec_list, ws_rec) recs;
	size_t			 bytes;		/* counted against ws_ring_bytes */
};

/* ws-audit.c: what a viewer did, counted until its next audit row. */
enum ws_audit_kind {
	WS_AUDIT_INPUT,
	WS_AUDIT_RESIZE,
	WS_AUDIT_MESSAGE,		/* a message the session took */
	WS_AUDIT_REFUSED,		/* a frame answered with an error */
	WS_AUDIT_KINDS
};
struct ws_tally {
	uint64_t		 start;		/* the last row's time (ms), 0: none yet */
	unsigned		 frames;	/* since that row */
	uint64_t		 bytes;
	int			 status;	/* of the last frame */
	char			 why[64];	/* its error word, "" if none */
};

/* What the viewers keep of one session: the argument of their subscription to it. */
struct ws_session {
	struct ws_ring		 ring;
	TAILQ_HEAD(, ws_client)	 viewers;
};

struct ws_client {
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct event		*tev;		/* handshake deadline, then close wait */
	int			 state;
#define WS_HANDSHAKE		0
#define WS_OPEN			1
	char			*req;		/* the upgrade request as it arrives */
	size_t			 req_len;

	wslay_event_context_ptr	 ctx;
	struct session		*s;		/* NULL once the session has ended */
	struct ws_session	*w;		/* s's ring and viewers; NULL with s */
	char			*dir;		/* its log directory */
	char			*name;
	int			 binary;
	int			 seed;		/* the seed protocol (ws-seed.c) */
	int			 unknown;	/* seed: no such session, closed 4004 */
	int			 killed;	/* seed: its exit event said terminated */
	int			 chat;		/* seed, of a stream session (ws-chat.c) */
	int			 replaying;	/* chat: gathering the replay frame */
	struct json_object	*chat_replay;	/* chat: its events so far */
	size_t			 chat_replay_bytes;
	struct json_object	*chat_exit;	/* chat: the exit frame, after the replay */
	uint64_t		 chat_raw;	/* chat: hash of the last record sent */
	int64_t			 chat_in;	/* chat: usage totals */
	int64_t			 chat_out;
	double			 chat_cost;
	int			 can_write;
	char			*user;
	int			 role;		/* AGD_ROLE_* (for the audit) */
	char			 request[AGD_REQUEST_ID_MAX + 1];	/* X-Request-Id */
	struct ws_tally		 audit[WS_AUDIT_KINDS];
	uint64_t		 cursor;	/* last seq queued */
	uint64_t		 end_seq;	/* when ended: the last seq there is */
	int			 ended;
	int			 closing;
	int			 on_disk;	/* reading the log, not the ring */
	struct agd_seqlog_cur	 cur;
	char			*rbuf;
	size_t			 rcap;
	int			 pings;		/* sent and not answered */
	int			 dead;		/* dropped: freed from the loop (ws_reap) */

	TAILQ_ENTRY(ws_client)	 sentry;	/* on its session's viewers */
	TAILQ_ENTRY(ws_client)	 entry;		/* on the list of all, or of the dropped */
};

/* ws-audit.c */
/* Count a frame of kind (status, its error word or NULL); a row when one is due. */
void		 ws_audit_frame(struct ws_client *, enum ws_audit_kind, int status,
		    size_t bytes, const char *why);
/* The viewer goes: a row for what was counted since its last. */
void		 ws_audit_close(struct ws_client *);
/* An upgrade refused with status (msg says why), counted per status. */
void		 ws_audit_upgrade(struct ws_client *, int status, const char *msg);
/* At exit: a row for the refused upgrades counted since their last. */
void		 ws_audit_flush(void);

/* ws-ring.c */
/* An empty ring. */
void		 ws_ring_init(struct ws_ring *);
/* Keep a copy of record [p, p+n) with this seq; drop the oldest past ws_ring_bytes. */
void		 ws_ring_add(struct ws_ring *, uint64_t seq, int type, const void *p,
		    size_t n);
/* Free every record (the ring stays usable). */
void		 ws_ring_clear(struct ws_ring *);
/* The record with this seq, or NULL (also for a NULL ring). Borrowed from the ring. */
struct ws_rec	*ws_ring_find(struct ws_ring *, uint64_t seq);
/* The text frame of r, built and counted in its ring on first use. Borrowed. */
const char	*ws_rec_json(struct ws_ring *, struct ws_rec *r, size_t *len);
/* The text frame of a record. Returns a string the caller frees; its length in *len. */
char		*ws_encode(uint64_t seq, int type, const uint8_t *p, size_t n, size_t *len);
/* Write seq big-endian into the WS_SEQ_LEN bytes at b. */
void		 ws_put_seq(uint8_t *b, uint64_t seq);

/* ws-upgrade.c */
/*
 * v's socket is readable in its handshake: read more of the upgrade request and,
 * once it is whole, answer it. Then v is either refused and freed, or open
 * (ws_open) and streaming.
 */
void		 ws_handshake_read(struct ws_client *v);

/* ws.c */
/* Queue a message of opcode with payload [p, p+n) (copied) for v. */
void		 ws_queue(struct ws_client *v, int opcode, const void *p, size_t n);
/* Queue o (taken) as a text frame. */
void		 ws_queue_json(struct ws_client *v, struct json_object *o);
/* Queue an error frame {"type":"error","error":msg,"code":code}. */
void		 ws_queue_error(struct ws_client *v, const char *code, const char *msg);
/* Queue the close frame (once): code and reason (NULL: none). */
void		 ws_close_with(struct ws_client *v, uint16_t code, const char *reason);
struct ws_msg;
/*
 * Do what a parsed client message says (m borrowed), for a viewer that may type
 * (the operator role; the creator or an admin) into a live session: input typed
 * (input_queue_bytes, recorded as input of v's user), a resize, or a message for
 * the agent (session_message). An error frame says why not.
 */
void		 ws_msg_apply(struct ws_client *v, const struct ws_msg *m);
/* A new connection on fd (taken over): wait for its upgrade request. */
struct ws_client *ws_client_new(int fd);
/* How many connections there are, open or in their handshake. */
int		 ws_client_count(void);
/*
 * 1 if v's user (v->user set) has ws_max_per_user other connections: one user
 * cannot take every one of ws_max_viewers (answered 429 too_many_connections).
 */
int		 ws_user_full(struct ws_client *v);
/*
 * The seq after which a viewer that asked for no offset starts: ws_replay_bytes
 * of recent output, never before the last reset. A live session's from its log's
 * marks (a few reads, whatever the log's size).
 */
uint64_t	 ws_replay_start(struct ws_client *v);
/*
 * Drop v: it leaves every list and gets no more callbacks at once, and is hung up
 * (without a reset) and freed from the loop, after the callback that dropped it
 * has returned - a caller up the stack (wslay_event_recv, a pump) may still hold
 * it. Everything that runs v checks v->dead after a call that can drop it.
 */
void		 ws_client_drop(struct ws_client *v);
/* Free every connection (daemon exit). */
void		 ws_client_free_all(void);
/*
 * v has been answered 101 and told where it starts: set up the framing, add it to
 * its session's viewers, say hello and start sending.
 */
void		 ws_open(struct ws_client *v);
/* Ping every open viewer; drop those that did not answer the last two. */
void		 ws_ping_all(void);
/* Subscribe the viewers to every session (ws_init, before there is any). */
void		 ws_session_watch(void);

/* ws-seed.c */
/* v (seed) has been answered 101: a viewer of no session is closed 4004. */
void		 ws_seed_open(struct ws_client *v);
/* Queue what a seed viewer gets of record [p, p+n) of this type, if anything. */
void		 ws_seed_rec(struct ws_client *v, int type, const uint8_t *p, size_t n);
/* A text message from a seed viewer: resize, input, tool_answer. */
void		 ws_seed_text(struct ws_client *v, const uint8_t *p, size_t n);
/* A binary message from a seed viewer: keystrokes. */
void		 ws_seed_binary(struct ws_client *v, const uint8_t *p, size_t n);
/* The reason of a seed viewer's normal close: "Session ended" or "Session killed". */
const char	*ws_seed_reason(struct ws_client *v);

/* ws-chat.c */
/* v (chat) starts: gather the replay frame. */
void		 ws_chat_open(struct ws_client *v);
/* v has read every record there is (so far): send the replay frame, once. */
void		 ws_chat_caught_up(struct ws_client *v);
/*
 * A recorded event ev (borrowed) for v: kept for the replay or sent, in claude's
 * stream-json shapes; exit (taken; NULL unless ev is the exit) is its exit frame.
 */
void		 ws_chat_event(struct ws_client *v, struct json_object *ev,
		    struct json_object *exit);
/* A parsed seed message (borrowed) for a stream session: input, tool_answer. */
void		 ws_chat_message(struct ws_client *v, const struct ws_msg *m);

/* ws-linger.c */
/* Shut our side of fd (taken over) and read and drop what the peer sends, briefly. */
void		 ws_hangup(int fd);
/* Close every lingering socket (daemon exit). */
void		 ws_linger_free_all(void);

#endif
