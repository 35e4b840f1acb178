/*
 * The control commands: one table, one function each. Every argument is checked
 * again here, whatever agentd-fcgi checked: the daemon trusts no client.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "valid.h"
#include "worker.h"
#include "xmalloc.h"

struct cmd_entry {
	const char	*op;
	void		(*exec)(struct ctl_client *, struct json_object *);
	int		 role;		/* the least role that may run it */
	int		 flags;
#define CMD_AUDIT	0x1		/* a change: recorded in the audit table */
#define CMD_MANAGE	0x2		/* changes the named session: creator or admin */
};

/* A string argument; reply 400 and return -1 if it has the wrong type or is missing. */
static int
cmd_string(struct ctl_client *c, struct json_object *args, const char *key,
    int required, const char **out)
{
	*out = NULL;
	if (args == NULL || agd_json_get_string(args, key, out) == -1) {
		ctl_error(c, "invalid_field", "%s: must be a string", key);
		return (-1);
	}
	if (*out == NULL && required) {
		ctl_error(c, "invalid_field", "%s: missing", key);
		return (-1);
	}
	return (0);
}

/* Who asked (set by cmd_dispatch from the actor). */
static const char *
cmd_actor(struct ctl_client *c)
{
	return (c->user);
}

/*
 * The live session named by args.name. Replies (404, 409 or 400) and returns NULL if
 * there is none.
 */
static struct session *
cmd_live(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name;
	int		 ended = 0;

	if (cmd_string(c, args, "name", 1, &name) == -1)
		return (NULL);
	if (!agd_valid_name(name)) {
		ctl_error(c, "invalid_name", "invalid session name");
		return (NULL);
	}
	if ((s = session_find(name)) != NULL && s->state != SESSION_ENDED)
		return (s);
	if (persist_lookup(name, &ended) != 0)
		ctl_error(c, "session_ended", "session has ended: %s", name);
	else
		ctl_error(c, "not_found", "no such session: %s", name);
	return (NULL);
}

static void
cmd_ping(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;

	(void)args;
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(AGD_VERSION));
	json_object_object_add(o, "sessions", json_object_new_int(session_count()));
	ctl_reply(c, 200, o);
}

static void
cmd_session_create(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name, *type, *cwd, *mode = NULL, *prompt = NULL;
	char		*code, *cause;
	int		 m = AGD_MODE_DEFAULT;

	if (cmd_string(c, args, "name", 1, &name) == -1 ||
	    cmd_string(c, args, "agentType", 1, &type) == -1 ||
	    cmd_string(c, args, "workingDirectory", 1, &cwd) == -1 ||
	    cmd_string(c, args, "permissionMode", 0, &mode) == -1 ||
	    cmd_string(c, args, "prompt", 0, &prompt) == -1)
		return;
	if (!agd_valid_name(name)) {
		ctl_error(c, "invalid_name", "invalid session name: must match"
		    " ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
		return;
	}
	if (mode != NULL && (m = agd_mode_parse(mode)) == -1) {
		ctl_error(c, "invalid_permission_mode", "unknown permission mode");
		return;
	}
	if (m == AGD_MODE_BYPASS && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, "forbidden", "forbidden: permissionMode bypassPermissions"
		    " needs the admin role");
		return;
	}
	if (cwd[0] != '/') {
		ctl_error(c, "relative_path", "working directory not absolute");
		return;
	}
	if (prompt != NULL && strlen(prompt) > AGD_MESSAGE_MAX) {
		ctl_error(c, "too_large", "prompt longer than %d bytes", AGD_MESSAGE_MAX);
		return;
	}
	s = session_create(name, type, cwd, m, prompt, cmd_actor(c), NULL, &code,
	    &cause);
	if (s == NULL) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	/* The reply (201, with the pid) goes out when the holder says hello. */
	s->create_waiter = c;
	c->waiting = s;
}

static void
cmd_session_message(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	const char		*text;
	uint64_t		 seq;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "message", 1, &text) == -1)
		return;
	if (*text == '\0' || strlen(text) > AGD_MESSAGE_MAX) {
		ctl_error(c, "invalid_field", "message: must be 1 to %d bytes",
		    AGD_MESSAGE_MAX);
		return;
	}
	seq = session_message(s, text, cmd_actor(c));
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "delivered", json_object_new_boolean(1));
	ctl_reply(c, 200, o);
}

static void
cmd_session_input(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*data;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "data", 1, &data) == -1)
		return;
	if (strlen(data) > AGD_MESSAGE_MAX) {
		ctl_error(c, "too_large", "input longer than %d bytes", AGD_MESSAGE_MAX);
		return;
	}
	session_input(s, data, strlen(data));
	session_note_input(s, cmd_actor(c), strlen(data));
	ctl_reply(c, 200, json_object_new_object());
}

static void
cmd_session_resize(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	long long	 cols = 0, rows = 0;

	if ((s = cmd_live(c, args)) == NULL)
		return;
	if (agd_json_get_int(args, "cols", &cols) == -1 ||
	    agd_json_get_int(args, "rows", &rows) == -1 ||
	    cols < 1 || cols > 1000 || rows < 1 || rows > 1000) {
		ctl_error(c, "invalid_field", "cols and rows: integers from 1 to 1000");
		return;
	}
	session_resize(s, (int)cols, (int)rows);
	ctl_reply(c, 200, json_object_new_object());
}

static void
cmd_session_reset(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;

	if ((s = cmd_live(c, args)) == NULL)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "from", json_object_new_string(cmd_actor(c)));
	/* New viewers start drawing after this point: the old screen is gone. */
	s->reset_seq = session_event(s, "reset", o);
	persist_reset(s);
	ws_session_reset(s);
	agent_reset(s);
	ctl_reply(c, 200, persist_session_json(s->id));
}

static void
cmd_session_delete(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name;
	int64_t		 id;
	int		 ended = 0;

	if (cmd_string(c, args, "name", 1, &name) == -1)
		return;
	if (!agd_valid_name(name)) {
		ctl_error(c, "invalid_name", "invalid session name");
		return;
	}
	/* A worker's worktree, a parent's workers: cmd-worker.c. */
	if (worker_delete(c, name, args))
		return;
	if ((s = session_find(name)) == NULL || s->state == SESSION_ENDED) {
		/* Deleting what has already ended changes nothing and says so. */
		if ((id = persist_lookup(name, &ended)) != 0)
			ctl_reply(c, 200, persist_session_json(id));
		else
			ctl_error(c, "not_found", "no such session: %s", name);
		return;
	}
	TAILQ_INSERT_TAIL(&s->waiters, c, wentry);
	c->waiting = s;
	session_kill(s);
}

static void
cmd_session_complete(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	const char		*name, *status, *comment = NULL;
	int64_t			 id;
	int			 ended = 0, changed = 0;

	if (cmd_string(c, args, "name", 1, &name) == -1 ||
	    cmd_string(c, args, "status", 1, &status) == -1 ||
	    cmd_string(c, args, "comment", 0, &comment) == -1)
		return;
	if (!agd_valid_name(name)) {
		ctl_error(c, "invalid_name", "invalid session name");
		return;
	}
	if (!agd_valid_completion(status)) {
		ctl_error(c, "invalid_field",
		    "status: one of success, failure, partial, cancelled");
		return;
	}
	if (comment != NULL && strlen(comment) > AGD_COMMENT_MAX) {
		ctl_error(c, "invalid_field", "comment: at most %d bytes", AGD_COMMENT_MAX);
		return;
	}
	if ((id = persist_lookup(name, &ended)) == 0) {
		ctl_error(c, "not_found", "no such session: %s", name);
		return;
	}
	if (persist_complete(id, status, comment, &changed) == -1) {
		ctl_error(c, "internal", "cannot store the completion");
		return;
	}
	s = session_find(name);
	if (changed && s != NULL && s->id == id) {
		o = json_object_new_object();
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "comment",
		    comment != NULL ? json_object_new_string(comment) : NULL);
		json_object_object_add(o, "from", json_object_new_string(cmd_actor(c)));
		session_event(s, "completed", o);
	}
	ctl_reply(c, 200, persist_session_json(id));
}

/*
 * files.upload {status, where, count}: agentd-fcgi wrote files (only the daemon
 * writes SQLite); the audit row takes the status of the handler's reply.
 */
static void
cmd_files_upload(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	const char		*where = NULL;
	long long		 status = 200;

	if (args != NULL) {
		agd_json_get_int(args, "status", &status);
		agd_json_get_string(args, "where", &where);
	}
	if (where != NULL) {
		free(c->audit_session);
		c->audit_session = xstrndup(where, 512);
	}
	if (status < 200 || status > 599)
		status = 500;
	o = status < 400 ? json_object_new_object() :
	    agd_json_error("upload_failed", "the upload was refused");
	ctl_reply(c, (int)status, o);
}

/* POST pre-kill-debrief: the agent's own report, or agentd's. */
static void
cmd_session_debrief(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name;
	int64_t		 id;
	int		 ended = 0, async = 0;

	if (cmd_string(c, args, "name", 1, &name) == -1)
		return;
	if (!agd_valid_name(name)) {
		ctl_error(c, "invalid_name", "invalid session name");
		return;
	}
	if (agd_json_get_bool(args, "async", &async) == -1) {
		ctl_error(c, "invalid_field", "async: must be a boolean");
		return;
	}
	if ((id = persist_lookup(name, &ended)) == 0) {
		ctl_error(c, "not_found", "no such session: %s", name);
		return;
	}
	s = session_find(name);
	if (s != NULL && s->id != id)
		s = NULL;
	debrief_start(c, s, id, async);
}

/* POST approval: answer the agent's pending permission prompt. */
static void
cmd_session_approval(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*decision, *code;
	char		*cause;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "decision", 1, &decision) == -1)
		return;
	if (strcmp(decision, "allow") != 0 && strcmp(decision, "deny") != 0) {
		ctl_error(c, "invalid_field", "decision: allow or deny");
		return;
	}
	if (agent_approve(s, strcmp(decision, "allow") == 0, &code, &cause) == -1) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	ctl_reply(c, 200, persist_session_json(s->id));
}

/* A hook of the agent reports (agentd hook NAME, run by claude). */
static void
cmd_agent_hook(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*ev;
	struct session		*s;
	const char		*name;

	if (cmd_string(c, args, "name", 1, &name) == -1)
		return;
	if (!json_object_object_get_ex(args, "event", &ev) ||
	    !json_object_is_type(ev, json_type_object)) {
		ctl_error(c, "invalid_field", "event: must be an object");
		return;
	}
	if ((s = session_find(name)) != NULL && s->state != SESSION_ENDED)
		agent_hook(s, ev);
	ctl_reply(c, 200, json_object_new_object());
}

static void
cmd_daemon_shutdown(struct ctl_client *c, struct json_object *args)
{
	int	terminate = 1;

	if (args != NULL && agd_json_get_bool(args, "terminate", &terminate) == -1) {
		ctl_error(c, "invalid_field", "terminate: must be a boolean");
		return;
	}
	log_info("shutdown requested (%s agents)", terminate ? "terminating" : "keeping");
	agentd_exiting = 1;
	c->shutdown_wait = 1;
	if (terminate) {
		session_kill_all();
		server_shutdown_check();
		return;
	}
	c->shutdown_wait = 0;
	ctl_reply(c, 200, json_object_new_object());
	event_base_loopexit(agentd_base, NULL);
}

static const struct cmd_entry cmd_table[] = {
	{ "ping",		cmd_ping,		AGD_ROLE_NONE,	   0 },
	{ "session.create",	cmd_session_create,	AGD_ROLE_OPERATOR, CMD_AUDIT },
	{ "session.message",	cmd_session_message,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.input",	cmd_session_input,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.resize",	cmd_session_resize,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.reset",	cmd_session_reset,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.delete",	cmd_session_delete,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "worker.dispatch",	cmd_worker_dispatch,	AGD_ROLE_OPERATOR, CMD_AUDIT },
	{ "worker.link",	cmd_worker_link,	AGD_ROLE_ADMIN,	   0 },
	{ "machine.list",	cmd_machine_list,	AGD_ROLE_VIEWER,   0 },
	{ "session.complete",	cmd_session_complete,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.approval",	cmd_session_approval,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "session.debrief",	cmd_session_debrief,	AGD_ROLE_OPERATOR, CMD_AUDIT | CMD_MANAGE },
	{ "files.upload",	cmd_files_upload,	AGD_ROLE_OPERATOR, CMD_AUDIT },
	{ "agent.hook",		cmd_agent_hook,		AGD_ROLE_ADMIN,	   0 },
	{ "daemon.shutdown",	cmd_daemon_shutdown,	AGD_ROLE_ADMIN,	   CMD_AUDIT },
};

/*
 * Who asks. Without an actor the request comes from this machine's own user over
 * the 0600 socket (agentd shutdown): the local admin. With one, the role comes from
 * the config's lists, as for every request that nginx authenticated.
 */
static int
cmd_identify(struct ctl_client *c)
{
	const char	*user = NULL, *groups = NULL, *addr = NULL;

	free(c->user);
	free(c->addr);
	c->user = c->addr = NULL;
	if (c->actor == NULL) {
		c->user = xstrdup("local");
		c->role = AGD_ROLE_ADMIN;
		return (0);
	}
	if (!json_object_is_type(c->actor, json_type_object) ||
	    agd_json_get_string(c->actor, "user", &user) == -1 ||
	    agd_json_get_string(c->actor, "groups", &groups) == -1 ||
	    agd_json_get_string(c->actor, "addr", &addr) == -1)
		return (-1);
	if (user != NULL && *user != '\0' && !agd_auth_valid_user(user))
		return (-1);
	if (addr != NULL)
		c->addr = xstrndup(addr, 64);
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
	const char		*name = NULL;
	size_t			 i;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcmp(cmd_table[i].op, op) == 0) {
			e = &cmd_table[i];
			break;
		}
	}
	if (cmd_identify(c) == -1) {
		ctl_error(c, "bad_request", "malformed actor");
		return;
	}
	if (e == NULL) {
		ctl_error(c, "bad_request", "unknown operation: %.64s", op);
		return;
	}
	if (e->flags & CMD_AUDIT) {
		c->audit_op = xstrdup(op);
		if (args != NULL && agd_json_get_string(args, "name", &name) == 0 &&
		    name != NULL)
			c->audit_session = xstrndup(name, AGD_NAME_MAX + 8);
	}
	if (agentd_exiting && strcmp(op, "ping") != 0) {
		ctl_error(c, "daemon_unavailable", "agentd is shutting down");
		return;
	}
	if (agentd_conf->auth == AGD_AUTH_PROXY && c->role == AGD_ROLE_NONE &&
	    strcmp(c->user, "-") == 0 && e->role > AGD_ROLE_NONE) {
		ctl_error(c, "unauthenticated", "authentication required");
		return;
	}
	if (c->role < e->role) {
		ctl_error(c, "forbidden", "forbidden: needs the %s role",
		    agd_role_name(e->role));
		return;
	}
	if ((e->flags & CMD_MANAGE) && !cmd_may_manage(c, args)) {
		ctl_error(c, "forbidden", "forbidden: needs the admin role to change"
		    " another user's session");
		return;
	}
	e->exec(c, args);
}
