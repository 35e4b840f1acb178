/*
 * The control commands' own definitions: one control connection (struct
 * ctl_client, server-client.c) and the command table's entries (cmd.c, one
 * cmd-*.c per operation). Only server-client.c and cmd*.c include this: below
 * them nobody sees a client, only a waiter (waiter.h).
 */
#ifndef CMD_H
#define CMD_H

#include <sys/queue.h>

#include <stdint.h>

#include "err.h"

struct json_object;
struct session;
struct waiter;

/* One connection to the control socket (server-client.c). */
struct ctl_client {
	struct bufferevent	*bev;
	struct json_object	*actor;
	/* Who asks (from the actor; no actor: the local admin) and the audit note. */
	char			*user;
	char			*addr;
	int			 role;
	char			*audit_op;	/* set: the reply is audited */
	char			*audit_session;
	int			 busy;		/* a reply is outstanding */
	struct waiter		*wait;		/* that reply, held by a subsystem */
	TAILQ_ENTRY(ctl_client)	 entry;
};

/*
 * Send the reply {status, body} and audit it if the command is audited; the
 * client may send its next request. Takes ownership of body.
 */
void	 ctl_reply(struct ctl_client *, int status, struct json_object *body);
/* ctl_reply of the error code (lib/err.h) with a printf message. */
void	 ctl_error(struct ctl_client *, enum agd_err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* One control operation (tmux's cmd_entry): each cmd-*.c exports one. */
struct cmd_entry {
	const char	*name;		/* the op of the request */
	/* Reply with ctl_reply/ctl_error, or hand a cmd_wait() to a subsystem. */
	void		(*exec)(struct ctl_client *, struct json_object *args);
	int		 role;		/* the least role that may run it */
	int		 flags;
#define CMD_AUDIT	0x1		/* a change: recorded in the audit table */
#define CMD_MANAGE	0x2		/* changes the named session: creator or admin */
};

/*
 * Run request op with args (NULL or an object, borrowed) for c: identify the
 * actor, check the role, then the command's exec.
 */
void	 cmd_dispatch(struct ctl_client *, const char *op, struct json_object *args);

/*
 * The reply will come later: a waiter for c that a subsystem holds and answers
 * (waiter.h). c reads no request until then. Returns the waiter (c's).
 */
struct waiter	*cmd_wait(struct ctl_client *);

/*
 * Field checks shared by the commands. Each replies 400 and returns -1 (or
 * NULL) when the field is wrong, so a command reads as its list of checks.
 */
/* args.key as a string (*out borrowed from args); required: present. */
int		 cmd_string(struct ctl_client *, struct json_object *args,
		    const char *key, int required, const char **out);
/* name is a valid session name, else invalid_name with msg (NULL: the usual). */
int		 cmd_valid_name(struct ctl_client *, const char *name,
		    const char *msg);
/* args.name: present and a valid session name. */
int		 cmd_name(struct ctl_client *, struct json_object *args,
		    const char **name);
/* The live session named by args.name, else 400, 404 or 409 session_ended. */
struct session	*cmd_live(struct ctl_client *, struct json_object *args);
/* The row of the session called name, else 404 not_found and 0. */
int64_t		 cmd_row(struct ctl_client *, const char *name);

#endif
