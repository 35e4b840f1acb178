/*
 * POST /api/agents/sessions: create a session and start its agent.
 *
 * The body is checked here with the error words of DESIGN.md, the seed's
 * aliases are mapped to the canonical names (cwd -> workingDirectory, mode ->
 * permissionMode, task -> prompt; dangerouslySkipPermissions ->
 * bypassPermissions; sessionType -> transport, its "pty" -> "tty"; no
 * workingDirectory is the home, home.c), and op
 * session.create goes to agentd, which checks
 * again, including what needs the filesystem (422 bad_directory) and the agent
 * type (400 invalid_agent_type: the built-in types are the daemon's). The
 * reply is the session object with "sessionName" (what the seed's UI opens).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "agd.h"
#include "api.h"
#include "conf.h"
#include "field.h"
#include "valid.h"
#include "xmalloc.h"

static int	api_session_create_exec(struct req *);

static int
api_create_mode(const char *mode)
{
	return (agd_mode_parse(mode) != -1);
}

static int
api_create_transport(const char *t)
{
	return (strcmp(t, "tty") == 0 || strcmp(t, "pty") == 0 || strcmp(t, "stream") == 0);
}

static int
api_create_absolute(const char *path)
{
	return (path[0] == '/');
}

/* A trustWhy past this is cut (at a character): the daemon takes PATH_MAX + 256. */
#define API_TRUST_WHY_MAX	1024

/*
 * Whether the agent may trust its folder (run the folder's own settings and
 * hooks): only one the caller may change, in a project root (home_may_trust).
 * Always set here, whatever the client sent; a machine's folder is not ours to
 * judge (its session runs agentd's own loop, which answers no dialog). The
 * directory checked goes along (trustDev, trustIno): the daemon trusts the
 * folder only if it finds that one at the path (a rename in between: not).
 */
static void
api_create_trust(struct req *req)
{
	const char	*cwd, *mid;
	char		*why;
	size_t		 n;
	long long	 dev = 0, ino = 0;
	int		 trust = 0;

	mid = agd_field_string(req->args, "machine", NULL);
	cwd = agd_field_string(req->args, "workingDirectory", NULL);
	if (mid != NULL && strcmp(mid, "local") != 0)
		why = xstrdup("a folder on another machine");
	else
		trust = home_may_trust(req, cwd, &why, &dev, &ino);
	if ((n = strlen(why)) > API_TRUST_WHY_MAX) {
		n = API_TRUST_WHY_MAX;
		while (n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80)
			n--;
		why[n] = '\0';
	}
	json_object_object_add(req->args, "trustFolder", json_object_new_boolean(trust));
	json_object_object_add(req->args, "trustWhy", json_object_new_string(why));
	if (trust) {
		json_object_object_add(req->args, "trustDev", json_object_new_int64(dev));
		json_object_object_add(req->args, "trustIno", json_object_new_int64(ino));
	}
	free(why);
}

static const struct agd_field api_session_create_fields[] = {
	{ .name = "name", .flags = AGD_FIELD_REQUIRED, .valid = agd_valid_name,
	  .code = AGD_ERR_INVALID_NAME, .msg = "invalid session name" },
	/* Which types there are is the daemon's to say (its agent kinds and the config). */
	{ .name = "agentType", .flags = AGD_FIELD_REQUIRED,
	  .code = AGD_ERR_INVALID_AGENT_TYPE, .msg = "unknown agent type" },
	{ .name = "permissionMode", .alias = "mode", .valid = api_create_mode,
	  .code = AGD_ERR_INVALID_PERMISSION_MODE, .msg = "unknown permission mode" },
	/* Absent or "": the home ("leave empty to use the home directory"). */
	{ .name = "workingDirectory", .alias = "cwd", .flags = AGD_FIELD_EMPTYABSENT,
	  .valid = api_create_absolute, .max = PATH_MAX - 1,
	  .code = AGD_ERR_RELATIVE_PATH, .msg = "workingDirectory must be an absolute path",
	  .long_code = AGD_ERR_INVALID_FIELD, .long_msg = "workingDirectory: too long" },
	{ .name = "prompt", .alias = "task", .max = AGD_MESSAGE_MAX,
	  .long_code = AGD_ERR_TOO_LARGE, .long_msg = "prompt longer than %lld bytes" },
	{ .name = "transport", .alias = "sessionType", .valid = api_create_transport,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "transport: tty or stream"
	  " (sessionType: pty or stream)" },
	AGD_FIELDS_LIMITS,
	/* The old clients' host: a machine of the config (the daemon says which). */
	{ .name = "machine", .alias = "host", .flags = AGD_FIELD_EMPTYABSENT,
	  .max = AGD_NAME_MAX, .code = AGD_ERR_UNKNOWN_MACHINE, .msg = "unknown machine" },
	{ .name = NULL }
};

const struct api_entry api_session_create_entry = {
	.method = "POST",
	.path = "/api/agents/sessions",
	.flags = API_BODY,
	.fields = api_session_create_fields,
	.exec = api_session_create_exec
};

static int
api_session_create_exec(struct req *req)
{
	struct json_object	*body;
	const char		*mode, *name, *t;
	int			 m = AGD_MODE_DEFAULT, status;

	/* The older name of bypassPermissions goes to agentd as the new one. */
	if ((mode = agd_field_string(req->args, "permissionMode", NULL)) != NULL)
		m = agd_mode_parse(mode);
	json_object_object_add(req->args, "permissionMode",
	    json_object_new_string(agd_mode_name(m)));
	/* The older name of tty goes to agentd as the new one. */
	if ((t = agd_field_string(req->args, "transport", NULL)) != NULL)
		json_object_object_add(req->args, "transport", json_object_new_string(
		    strcmp(t, "stream") == 0 ? "stream" : "tty"));
	if (agd_field_string(req->args, "workingDirectory", NULL) == NULL)
		json_object_object_add(req->args, "workingDirectory",
		    json_object_new_string(home_root()));
	api_create_trust(req);
	if (ctl_call(req, "session.create", req->args, CTL_TIMEOUT_MS, &status,
	    &body) == -1)
		return (0);
	/* The seed's UI opens the new session by this name. */
	name = agd_field_string(req->args, "name", NULL);
	if (status == 201 && json_object_is_type(body, json_type_object))
		json_object_object_add(body, "sessionName", json_object_new_string(name));
	reply_json_put(req, status, body);
	return (0);
}
