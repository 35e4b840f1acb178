/*
 * What the files of the session subsystem share among themselves - session.c (the
 * lifecycle), session-holder.c (the holder's connection and messages),
 * session-input.c (input and messages), session-record.c (output and events) and
 * session-notify.c (subscribers) - and no other file
 * uses. The rest of the daemon sees sessions through agentd.h.
 */
#ifndef AGENTD_SESSION_H
#define AGENTD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "agentd.h"

/* session.c */
/* Send the holder a message of type with payload [p, p+n) (copied); none without one. */
void	session_send(struct session *, int type, const void *p, size_t n);

/* session-input.c */
/* What ends a line typed to s's agent: a TUI's Enter, a stream's newline. */
const char *session_enter(struct session *);
/* Send [p, p+n) as HP_INPUT frames of at most HP_DATA_MAX (a holder's limit is HP_MAX). */
void	session_send_input(struct session *, const uint8_t *p, size_t n);
struct hp_hello;
/*
 * The holder's HP_INPUTACK: it took its input up to taken (its count since it
 * started). 0, or -1 if that is not within what was sent.
 */
int	session_input_acked(struct session *, uint64_t taken);
/* Its hello: the input counts start, or what it did not take is sent again. */
void	session_input_resume(struct session *, const struct hp_hello *);
/*
 * s is being killed: drop input held for it and, if input sent before the kill is
 * still unwritten a moment later (the holder does not read, so it will not see the
 * kill), SIGTERM the agent's group, SIGKILL after kill_grace_ms (s->stuck_ev).
 */
void	session_kill_stuck(struct session *);

/* session.c, for session-holder.c */
/*
 * The holder connection's event callback (arg: s): a broken connection is made
 * again while the holder lives (session_holder_lost); a retired s is freed.
 */
void	session_holder_event_cb(struct bufferevent *, short what, void *arg);
/* Answer the create waiting on s: status 201, or 0 with error. */
void	session_reply_create(struct session *, int status, const char *error);
/* s has ended (status: waitpid()'s, if has_status): record it, tell, retire s. */
void	session_end(struct session *, int has_status, int status, const char *reason);

/* session-holder.c */
/*
 * A new secret for s, whose holder is pid holder, recorded 0600 in its directory.
 * 0, or -1 (logged: the holder then takes no connection but its first).
 */
int	session_holder_key(struct session *, pid_t holder);
/* s's connection to its holder is fd (taken): its messages are read from now on. */
void	session_attach(struct session *, int fd);
/* After a restart: reach s's holder, proving we are the daemon; retry while it lives. */
void	session_holder_adopt(struct session *);
/* The connection to s's holder is gone: connect again while it lives, else end s. */
void	session_holder_lost(struct session *);

/* session-direct.c */
/*
 * After the holder's hello: ask it for the terminal, to write input to it
 * directly (tty sessions; nothing changes if it cannot be had).
 */
void	session_direct_start(struct session *);
/* The holder's HP_DIRECTOK: what it had is written; input goes to the terminal now. */
void	session_direct_ok(struct session *);
/* Input while s->direct is SESSION_DIRECT_ON: written, or held in s->pending. */
void	session_direct_input(struct session *, const void *p, size_t n);
/* The holder's connection is gone (or the session): back to HP_INPUT, fd closed. */
void	session_direct_stop(struct session *);
/*
 * The size that is due (s->resize_due: s->cols x s->rows), in the order the
 * client sent it: after the input held before it (the first s->resize_at bytes of
 * s->pending) and before what came after, on the terminal itself while input goes
 * there (a resize sent to the holder would reach the terminal after input written
 * behind it), else to the holder (HP_RESIZE) once it is there; called again where
 * held input goes (or is dropped) and when the holder says hello.
 */
void	session_resize_flush(struct session *);

/* session-record.c */
/*
 * Output from the holder: [p, p+n) at holder offset off (resends and overlaps are
 * dropped, a gap is logged). Sets s->ack_due. Borrows p. 0, or -1 if the log could
 * not take it (a full disk, logged): nothing of it is recorded or acknowledged, s is
 * as before, and the same message must be given again later.
 */
int	session_output(struct session *, uint64_t off, const uint8_t *p, size_t n);
/*
 * Record what session_output gathered (after each read from the holder: one
 * record for the read), keeping back a split UTF-8 sequence. 0, or -1 if the log
 * refused it (it stays gathered, unacknowledged, for the retry).
 */
int	session_output_flush(struct session *);
/* Record the bytes of a split UTF-8 sequence held back so far (the session ends). */
void	session_flush_tail(struct session *);

/* session-notify.c */
/* A new session's subscriptions: those to every session (session_subscribe_all). */
void	session_subs_init(struct session *);
/* Tell every subscriber of s, in rank order. data is borrowed for the call. */
void	session_notify(struct session *, enum session_note_type, uint64_t seq,
	    const void *data, size_t len);
/*
 * s is about to start: argv is its command (subscribers may append), NULL if adopted;
 * spec (NULL if adopted) is what its agent needs of its sandbox (the adapter fills it).
 */
void	session_notify_launch(struct session *, char ***argv, struct spawn_spec *);
/* Offer text (event seq) to the subscribers: 1 if one delivers it (an adapter). */
int	session_notify_message(struct session *, const char *text, uint64_t seq);
/* A stream session's line of output (NUL-terminated): 1 if a subscriber read it. */
int	session_notify_line(struct session *, const char *line, size_t len);
/* 1 if a subscriber (the adapter, its queue full) would refuse a message now. */
int	session_notify_full(struct session *);
/* The terminal is now cols x rows. */
void	session_notify_resize(struct session *, int cols, int rows);
/* s is being freed: tell SESSION_NOTE_FREED and drop every subscription. */
void	session_subs_free(struct session *);
/* At daemon exit, after every session is freed: drop the subscriptions to all. */
void	session_watch_free_all(void);

#endif
