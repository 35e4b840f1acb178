/*
 * One kind of waiter: a control command that answers later (tmux's
 * CMD_RETURN_WAIT and cmdq_continue). The command layer makes it for its client
 * (cmd_wait in cmd.c) and hands it to the subsystem that has the answer: create
 * until the agent runs, delete until the group is gone, debrief, shutdown, a
 * remote dispatch, machine.list. The subsystem keeps the pointer, holds it with
 * waiter_hold and finishes it exactly once with waiter_reply or waiter_error;
 * it never sees the client. If the client goes away first, the subsystem's
 * cancel callback is called and it must forget the waiter.
 */
#ifndef WAITER_H
#define WAITER_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stdint.h>

#include "err.h"

struct json_object;
struct waiter;

/* The holder's: the client has gone; forget w (it is freed after the call). */
typedef void	(*waiter_cancel_cb)(struct waiter *w, void *arg);

struct waiter {
	/* The command layer's: answer the client; takes ownership of body, frees w. */
	void			(*done)(struct waiter *, int status,
				    struct json_object *body);
	void			*client;
	/* The holder's (waiter_hold). */
	waiter_cancel_cb	 cancel;
	void			*cancel_arg;
	TAILQ_ENTRY(waiter)	 entry;		/* free for the holder's list */
};
TAILQ_HEAD(waiter_list, waiter);

/*
 * A subsystem keeps w: if the client goes away, cb(w, arg) is called once and w
 * is freed. Holding again (a dispatch handing its waiter to the new session)
 * replaces the callback; cb NULL: nobody is to be told.
 */
void	 waiter_hold(struct waiter *w, waiter_cancel_cb cb, void *arg);
/* Answer status and body; takes ownership of body. w is freed: forget it. */
void	 waiter_reply(struct waiter *w, int status, struct json_object *body);
/* Answer the error code (lib/err.h) with the message; w is freed. */
void	 waiter_error(struct waiter *w, enum agd_err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* waiter_error with a va_list: the body is {error, code word}, the status code's. */
void	 waiter_verror(struct waiter *w, enum agd_err code, const char *fmt,
	    va_list ap) __attribute__((format(printf, 3, 0)));
/* Answer status with the session object of row id (500 if it vanished). */
void	 waiter_reply_session(struct waiter *w, int status, int64_t id);
/* The command layer: the client has gone; tell the holder and free w. */
void	 waiter_cancel(struct waiter *w);

#endif
