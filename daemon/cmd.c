/*
 * The control commands: the table (one entry per cmd-*.c, tmux's cmd_table),
 * who asks (the actor), the role each command needs, and the check of every
 * command's fields (its lib/field.h table) before its exec. Every argument is
 * checked again here, whatever agentd-fcgi checked: the daemon trusts no client.
 */
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "valid.h"
#include "waiter.h"
#include "xmalloc.h"

/* How much of what a client sent goes into a message or the audit. */
#define CMD_OP_SHOWN		64		/* an unknown op in its error */
#define CMD_ADDR_MAX		64		/* the actor's address */
#define CMD_AUDIT_NAME_MAX	(AGD_NAME_MAX + 8)	/* args.name in the audit */

extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_session_create_entry;
extern const struct cmd_entry cmd_session_message_entry;
extern const struct cmd_entry cmd_session_input_entry;
extern const struct cmd_entry cmd_session_resize_entry;
extern const struct cmd_entry cmd_session_reset_entry;
extern const struct cmd_entry cmd_session_delete_entry;
extern const struct cmd_entry cmd_worker_dispatch_entry;
extern const struct cmd_entry cmd_worker_link_entry;
extern const struct cmd_entry cmd_machine_list_entry;
extern const struct cmd_entry cmd_session_complete_entry;
extern const struct cmd_entry cmd_worker_clear_entry;
extern const struct cmd_entry cmd_session_approval_entry;
extern const struct cmd_entry cmd_session_limits_entry;
extern const struct cmd_entry cmd_session_debrief_entry;
extern const struct cmd_entry cmd_files_upload_entry;
extern const struct cmd_entry cmd_audit_refusal_entry;
extern const struct cmd_entry cmd_agent_hook_entry;
extern const struct cmd_entry cmd_daemon_metrics_entry;

static const struct cmd_entry *cmd_table[] = {
	&cmd_ping_entry,
	&cmd_session_create_entry,
	&cmd_session_message_entry,
	&cmd_session_input_entry,
	&cmd_session_resize_entry,
	&cmd_session_reset_entry,
	&cmd_session_delete_entry,
	&cmd_worker_dispatch_entry,
	&cmd_worker_link_entry,
	&cmd_machine_list_entry,
	&cmd_session_complete_entry,
	&cmd_worker_clear_entry,
	&cmd_session_approval_entry,
	&cmd_session_limits_entry,
	&cmd_session_debrief_entry,
	&cmd_files_upload_entry,
	&cmd_audit_refusal_entry,
	&cmd_agent_hook_entry,
	&cmd_daemon_metrics_entry,
};

int64_t
cmd_row(struct ctl_client *c, const char *name)
{
	int64_t	id;
	int	ended = 0;

	if ((id = persist_lookup(name, &ended)) == 0)
		ctl_error(c, AGD_ERR_NOT_FOUND, "no such session: %s", name);
	return (id);
}

/* 0 if the session called name is live, else -1 and 404, or 409 session_ended. */
static int
cmd_live(struct ctl_client *c, const char *name)
{
	struct session	*s;
	int		 ended = 0;

	if ((s = session_find(name)) != NULL && s->state != SESSION_ENDED)
		return (0);
	if (persist_lookup(name, &ended) != 0)
		ctl_error(c, AGD_ERR_SESSION_ENDED, "session has ended: %s", name);
	else
		ctl_error(c, AGD_ERR_NOT_FOUND, "no such session: %s", name);
	return (-1);
}

struct session *
cmd_session(struct json_object *args)
{
	return (session_find(agd_field_string(args, "name", NULL)));
}

/*
 * Check e's fields in args, in the order of its table, and reply at the first
 * refusal. When fields[0] (a session's name) has passed, whatever comes after
 * it: a CMD_LIVE command's session is looked up, so an unknown or ended session
 * is answered before a bad field after the name; a CMD_AUDIT_FIRST command's
 * audit names it. Returns the checked args (the caller puts them), or NULL.
 */
static struct json_object *
cmd_check(struct ctl_client *c, const struct cmd_entry *e, struct json_object *args)
{
	struct agd_field_error	 err;
	struct json_object	*checked;
	const char		*first = NULL;

	checked = agd_fields_check(e->fields, args, &err);
	/* err.field is its spec's own name: fields[0] failed only if it is that one. */
	if (checked != NULL || err.field != e->fields[0].name)
		agd_json_get_string(args, e->fields[0].name, &first);
	if (first != NULL && (e->flags & CMD_AUDIT_FIRST)) {
		free(c->audit_session);
		c->audit_session = xstrdup(first);
	}
	if (first != NULL && (e->flags & CMD_LIVE) && cmd_live(c, first) == -1) {
		json_object_put(checked);
		return (NULL);
	}
	if (checked == NULL)
		ctl_error(c, err.code, "%s", err.msg);
	return (checked);
}

/* The waiter of c is answered: the reply goes out and c reads again. */
static void
cmd_wait_done(struct waiter *w, int status, struct json_object *body)
{
	struct ctl_client	*c = w->client;

	c->wait = NULL;
	free(w);
	ctl_reply(c, status, body);
}

struct waiter *
cmd_wait(struct ctl_client *c)
{
	struct waiter	*w;

	w = xcalloc(1, sizeof *w);
	w->done = cmd_wait_done;
	w->client = c;
	c->wait = w;
	return (w);
}

/*
 * Who asks: the actor agentd-fcgi sends (the user nginx or the access token
 * established), its role from the config's lists. A request without an actor is
 * nobody's: only ping is answered (cmd_dispatch). 1 if there is no actor.
 */
static int
cmd_identify(struct ctl_client *c)
{
	const char	*user = NULL, *groups = NULL, *addr = NULL;

	free(c->user);
	free(c->addr);
	c->user = c->addr = NULL;
	if (c->actor == NULL) {
		c->user = xstrdup("-");
		c->role = AGD_ROLE_NONE;
		return (1);
	}
	if (!json_object_is_type(c->actor, json_type_object) ||
	    agd_json_get_string(c->actor, "user", &user) == -1 ||
	    agd_json_get_string(c->actor, "groups", &groups) == -1 ||
	    agd_json_get_string(c->actor, "addr", &addr) == -1)
		return (-1);
	if (user != NULL && *user != '\0' && !agd_auth_valid_user(user))
		return (-1);
	if (addr != NULL)
		c->addr = xstrndup(addr, CMD_ADDR_MAX);
	if (agentd_conf->auth == AGD_AUTH_NONE) {
		c->user = xstrdup(user != NULL && *user != '\0' ? user : "local");
		c->role = AGD_ROLE_ADMIN;
		return (0);
	}
	if (user == NULL || *user == '\0') {
		c->user = xstrdup("-");
		c->role = AGD_ROLE_NONE;
		return (0);
	}
	c->user = xstrdup(user);
	c->role = agd_auth_role(agentd_conf, user, groups);
	return (0);
}

/* The live session whose key args.key is (args.name's), or NULL. */
static struct session *
cmd_key_find(struct json_object *args)
{
	struct session	*s;
	const char	*name = NULL, *key = NULL;

	if (args == NULL || agd_json_get_string(args, "name", &name) == -1 ||
	    agd_json_get_string(args, "key", &key) == -1 || name == NULL || key == NULL ||
	    (s = session_find(name)) == NULL || s->key[0] == '\0' ||
	    !agd_token_equal(s->key, key, strlen(key)))
		return (NULL);
	return (s);
}

int64_t
cmd_key_session(struct json_object *args)
{
	struct session	*s = cmd_key_find(args);

	return (s != NULL ? s->id : 0);
}

/*
 * A session's own report (CMD_KEYED): 1 if args.key is the key of the live
 * session args.name, compared in constant time. The session is then who asks.
 */
static int
cmd_keyed(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;

	if ((s = cmd_key_find(args)) == NULL)
		return (0);
	free(c->user);
	free(c->addr);
	c->addr = NULL;
	xasprintf(&c->user, "session %s", s->name);
	c->role = AGD_ROLE_NONE;
	return (1);
}

/* 1 if c may change the session named by args (its creator, or a manager). */
static int
cmd_may_manage(struct ctl_client *c, struct json_object *args)
{
	const char	*name = NULL;
	char		*creator;
	int64_t		 id;
	int		 ended, ok;

	if (args == NULL || agd_json_get_string(args, "name", &name) == -1 ||
	    name == NULL || !agd_valid_name(name))
		return (1);		/* the command itself answers the bad name */
	if ((id = persist_lookup(name, &ended)) == 0)
		return (1);		/* and the unknown session */
	creator = persist_creator(id);
	ok = agd_auth_may_manage(agentd_conf, c->role, c->user, creator);
	free(creator);
	return (ok);
}

void
cmd_dispatch(struct ctl_client *c, const char *op, struct json_object *args)
{
	const struct cmd_entry	*e = NULL;
	struct json_object	*checked;
	const char		*name = NULL;
	size_t			 i;
	int			 anon = 0;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(cmd_table[i]->name, op) == 0) {
			e = cmd_table[i];
			break;
		}
	}
	if (e != NULL && (e->flags & CMD_KEYED)) {
		/* Its key is who asks: the actor, if any, is not heard. */
		if (!cmd_keyed(c, args)) {
			ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: not the key of a live"
			    " session of that name");
			return;
		}
	} else if (c->narrow) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: the sessions' socket takes"
		    " only a session's own hook and link reports");
		return;
	} else if ((anon = cmd_identify(c)) == -1) {
		ctl_error(c, AGD_ERR_BAD_REQUEST, "malformed actor");
		return;
	}
	if (e == NULL) {
		ctl_error(c, AGD_ERR_BAD_REQUEST, "unknown operation: %.*s", CMD_OP_SHOWN, op);
		return;
	}
	if (anon && e->role > AGD_ROLE_NONE) {
		ctl_error(c, AGD_ERR_UNAUTHENTICATED, "a control request names its actor");
		return;
	}
	if (e->flags & CMD_AUDIT) {
		c->audit_op = xstrdup(op);
		if (args != NULL && agd_json_get_string(args, "name", &name) == 0 &&
		    name != NULL)
			c->audit_session = xstrndup(name, CMD_AUDIT_NAME_MAX);
	}
	if (agentd_exiting && strcmp(op, "ping") != 0) {
		ctl_error(c, AGD_ERR_DAEMON_UNAVAILABLE, "agentd is shutting down");
		return;
	}
	if (agentd_conf->auth == AGD_AUTH_PROXY && c->role == AGD_ROLE_NONE &&
	    strcmp(c->user, "-") == 0 && e->role > AGD_ROLE_NONE) {
		ctl_error(c, AGD_ERR_UNAUTHENTICATED, "authentication required");
		return;
	}
	if (c->role < e->role) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: needs the %s role",
		    agd_role_name(e->role));
		return;
	}
	if ((e->flags & CMD_MANAGE) && !cmd_may_manage(c, args)) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: needs the admin role to change"
		    " another user's session");
		return;
	}
	if (e->fields == NULL) {
		e->exec(c, NULL);
		return;
	}
	if ((checked = cmd_check(c, e, args)) == NULL)
		return;
	e->exec(c, checked);
	json_object_put(checked);
}
