/*
 * session.create {name, agentType, workingDirectory, permissionMode, prompt,
 * transport, maxCostUsd, maxTokens, machine, trustFolder, trustWhy}: 201 and
 * the session object once the agent runs (the holder's hello). machine absent or
 * "local": here; a machine of
 * the config: the agent runs there over ssh as a remote worker's does (worker.c,
 * worker_session_remote), on a terminal, in workingDirectory on that machine;
 * another: 422 unknown_machine. trustFolder: agentd-fcgi found the working
 * directory in a project root the caller may change (absent: not trusted, the
 * agent's trust dialog is left to a person); trustWhy says how or why not;
 * trustDev and trustIno the directory it checked (another there now: not trusted).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "valid.h"
#include "waiter.h"
#include "worker.h"

/* A trustWhy is a sentence of agentd-fcgi's with a path in it. */
#define CMD_TRUST_WHY_MAX	(PATH_MAX + 256)

static int
cmd_create_mode(const char *mode)
{
	return (agd_mode_parse(mode) != -1);
}

static int
cmd_create_transport(const char *t)
{
	return (session_transport_parse(t) != -1);
}

static int
cmd_create_absolute(const char *path)
{
	return (path[0] == '/');
}

/* Whether the agent type exists is session_create's to say (422 or 400). */
static const struct agd_field cmd_session_create_fields[] = {
	{ .name = "name", .flags = AGD_FIELD_REQUIRED, .valid = agd_valid_name,
	  .code = AGD_ERR_INVALID_NAME, .msg = "invalid session name: must match"
	  " ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", CMD_MISSING("name") },
	{ .name = "agentType", .flags = AGD_FIELD_REQUIRED, CMD_MISSING("agentType") },
	{ .name = "permissionMode", .valid = cmd_create_mode,
	  .code = AGD_ERR_INVALID_PERMISSION_MODE, .msg = "unknown permission mode" },
	{ .name = "workingDirectory", .flags = AGD_FIELD_REQUIRED,
	  .valid = cmd_create_absolute, .code = AGD_ERR_RELATIVE_PATH,
	  .msg = "working directory not absolute", CMD_MISSING("workingDirectory") },
	{ .name = "prompt", .max = AGD_MESSAGE_MAX, .code = AGD_ERR_TOO_LARGE,
	  .msg = "prompt longer than %lld bytes" },
	{ .name = "transport", .alias = "sessionType", .valid = cmd_create_transport,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "transport: tty or stream" },
	AGD_FIELDS_LIMITS,
	{ .name = "machine", .flags = AGD_FIELD_EMPTYABSENT, .max = AGD_NAME_MAX,
	  .code = AGD_ERR_UNKNOWN_MACHINE, .msg = "unknown machine" },
	{ .name = "trustFolder", .type = AGD_FIELD_BOOL, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "trustFolder: a boolean" },
	{ .name = "trustWhy", .max = CMD_TRUST_WHY_MAX, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "trustWhy: at most %lld bytes" },
	{ .name = "trustDev", .type = AGD_FIELD_INT, .max = LLONG_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "trustDev: an integer" },
	{ .name = "trustIno", .type = AGD_FIELD_INT, .max = LLONG_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "trustIno: an integer" },
	{ .name = NULL }
};

static void
cmd_session_create_exec(struct ctl_client *c, struct json_object *args)
{
	struct session		*s;
	struct session_opts	 opts = { NULL, 0, SESSION_TTY, -1, -1, 0, NULL, 0, 0 };
	const struct agd_machine *mach = NULL;
	struct json_object	*v;
	const char		*name, *type, *cwd, *mode, *prompt, *transport, *mid;
	enum agd_err		 code;
	char			*cause;
	int			 m = AGD_MODE_DEFAULT;

	name = agd_field_string(args, "name", NULL);
	type = agd_field_string(args, "agentType", NULL);
	cwd = agd_field_string(args, "workingDirectory", NULL);
	prompt = agd_field_string(args, "prompt", NULL);
	mid = agd_field_string(args, "machine", NULL);
	if (mid != NULL && strcmp(mid, "local") != 0 && (mach = machine_find(mid)) == NULL) {
		ctl_error(c, AGD_ERR_UNKNOWN_MACHINE, "unknown machine: %s", mid);
		return;
	}
	if ((mode = agd_field_string(args, "permissionMode", NULL)) != NULL)
		m = agd_mode_parse(mode);
	if (m == AGD_MODE_BYPASS && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: permissionMode bypassPermissions"
		    " needs the admin role");
		return;
	}
	if ((transport = agd_field_string(args, "transport", NULL)) != NULL)
		opts.transport = session_transport_parse(transport);
	if (json_object_object_get_ex(args, "maxCostUsd", &v))
		opts.max_cost = json_object_get_double(v);
	if (json_object_object_get_ex(args, "maxTokens", &v))
		opts.max_tokens = json_object_get_int64(v);
	if (json_object_object_get_ex(args, "trustFolder", &v))
		opts.trust = json_object_get_boolean(v);
	if (json_object_object_get_ex(args, "trustDev", &v))
		opts.trust_dev = json_object_get_int64(v);
	if (json_object_object_get_ex(args, "trustIno", &v))
		opts.trust_ino = json_object_get_int64(v);
	opts.trust_why = agd_field_string(args, "trustWhy", NULL);
	if (agent_transport_check(type, opts.transport, &cause) == -1) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "%s", cause);
		free(cause);
		return;
	}
	if (mach != NULL) {
		if (c->role < AGD_ROLE_ADMIN) {
			ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: a remote machine needs"
			    " the admin role");
			return;
		}
		if (opts.transport != SESSION_TTY) {
			ctl_error(c, AGD_ERR_INVALID_FIELD, "transport: a session on a"
			    " machine runs on a terminal (tty)");
			return;
		}
		worker_session_remote(cmd_wait(c), mach, name, type, cwd, m, prompt,
		    c->user);
		return;
	}
	s = session_create(name, type, cwd, m, prompt, c->user, &opts, &code, &cause);
	if (s == NULL) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	session_wait_running(s, cmd_wait(c));
}

const struct cmd_entry cmd_session_create_entry = {
	"session.create", cmd_session_create_exec, AGD_ROLE_OPERATOR, CMD_AUDIT,
	cmd_session_create_fields
};
