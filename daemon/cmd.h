/*
 * The control commands' own definitions: one control connection (struct
 * ctl_client, server-client.c) and the command table's entries (cmd.c, one
 * cmd-*.c per operation). Only server-client.c and cmd*.c include this: below
 * them nobody sees a client, only a waiter (waiter.h).
 */
#ifndef CMD_H
#define CMD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include "err.h"
#include "field.h"
#include "log.h"
#include "valid.h"

/* An op's name as a request's log line gives it (the longest is 17 bytes; more is cut). */
#define CTL_OP_LOG_MAX	48

struct json_object;
struct session;
struct waiter;

/* One connection to the control socket (server-client.c). */
struct ctl_client {
	struct bufferevent	*bev;
	struct json_object	*actor;
	int			 narrow;	/* from the sessions' socket (hook.sock) */
	uint64_t		 pidns;		/* narrow: the peer's PID namespace (inode) */
	pid_t			 pid;		/* narrow: the peer (SO_PEERCRED) */
	uid_t			 uid;
	uint64_t		 since_ms;	/* narrow: connected */
	int64_t			 keyed;		/* narrow: the session its key proved, or 0 */
	struct event		*deadline;	/* narrow: closed when it passes */
	/* Who asks (from the actor, or the session of a key) and the audit note. */
	char			*user;
	char			*addr;
	int			 role;
	char			*audit_op;	/* set: the reply is audited */
	char			*audit_session;
	int			 busy;		/* a reply is outstanding */
	/* The request being answered, for its log line: op, id (nginx's; "": none), start. */
	char			 op[CTL_OP_LOG_MAX];
	char			 request[AGD_REQUEST_ID_MAX + 1];
	uint64_t		 t0;
	struct waiter		*wait;		/* that reply, held by a subsystem */
	TAILQ_ENTRY(ctl_client)	 entry;
};

/*
 * Send the reply {status, body} and audit it if the command is audited; the
 * client may send its next request. Takes ownership of body.
 */
void	 ctl_reply(struct ctl_client *, int status, struct json_object *body);
/*
 * The id of the live session whose key args (a keyed report's: name, key) hold,
 * compared in constant time; 0 if none. Nothing else is looked at or changed.
 */
int64_t	 cmd_key_session(struct json_object *args);
/* ctl_reply of the error code (lib/err.h) with a printf message. */
void	 ctl_error(struct ctl_client *, enum agd_err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * One control operation (tmux's cmd_entry): each cmd-*.c exports one. Its
 * fields are checked by cmd_dispatch before exec, which gets them checked: exec
 * only maps aliases and refuses what is cheap to refuse (a role, a lookup).
 */
struct cmd_entry {
	const char	*name;		/* the op of the request */
	/*
	 * Reply with ctl_reply/ctl_error, or hand a cmd_wait() to a subsystem.
	 * args (borrowed) holds what fields let through, under canonical names.
	 */
	void		(*exec)(struct ctl_client *, struct json_object *args);
	int		 role;		/* the least role that may run it */
	int		 flags;
#define CMD_AUDIT	0x1		/* a change: recorded in the audit table */
#define CMD_MANAGE	0x2		/* changes the named session: creator or admin */
#define CMD_LIVE	0x4		/* fields[0] names a session that must be live */
#define CMD_AUDIT_FIRST	0x8		/* the audit names the session of fields[0] */
#define CMD_KEYED	0x10		/* a session's own report: args.key is the key
					   of the session args.name (its hooks, its link
					   loop); the only kind the sessions' socket takes */
	/* The args (lib/field.h), in the order they are checked; NULL: none read. */
	const struct agd_field *fields;
};

/* A required field's refusal when it is absent, as the daemon words it. */
#define CMD_MISSING(key)	.missing_code = AGD_ERR_INVALID_FIELD, \
				.missing_msg = key ": missing"
/* args.name: a session's name (the first field of most session.* commands). */
#define CMD_FIELD_NAME		{ .name = "name", .flags = AGD_FIELD_REQUIRED, \
				  .valid = agd_valid_name, .code = AGD_ERR_INVALID_NAME, \
				  .msg = "invalid session name", CMD_MISSING("name") }

/*
 * Run request op with args (NULL or an object, borrowed) for c: identify the
 * actor, check the role, the fields (doc/DESIGN.md "Validation"), then the
 * command's exec.
 */
void	 cmd_dispatch(struct ctl_client *, const char *op, struct json_object *args);

/*
 * The reply will come later: a waiter for c that a subsystem holds and answers
 * (waiter.h). c reads no request until then. Returns the waiter (c's).
 */
struct waiter	*cmd_wait(struct ctl_client *);


/*
 * The live session named by the checked args of a CMD_LIVE command (cmd_dispatch
 * has made sure there is one). Owned by the session list.
 */
struct session	*cmd_session(struct json_object *args);
/* The row of the session called name, else 404 not_found and 0. */
int64_t		 cmd_row(struct ctl_client *, const char *name);

#endif
