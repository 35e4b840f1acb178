/*
 * POST /api/agents/sessions: create a session and start its agent.
 *
 * The body is checked here with the error words of DESIGN.md, the seed's
 * aliases are mapped to the canonical names (cwd -> workingDirectory, mode ->
 * permissionMode, task -> prompt; dangerouslySkipPermissions ->
 * bypassPermissions), and op session.create goes to agentd, which checks
 * again, including what needs the filesystem (422 bad_directory).
 */
#include <limits.h>
#include <stdlib.h>

#include "agd.h"
#include "api.h"
#include "conf.h"
#include "valid.h"

static int	api_session_create_exec(struct req *);

const struct api_entry api_session_create_entry = {
	.method = "POST",
	.path = "/api/agents/sessions",
	.flags = API_BODY,
	.exec = api_session_create_exec
};

static int
api_session_create_exec(struct req *req)
{
	struct json_object	*o = req->json, *args;
	const char		*name, *type, *mode, *wd, *prompt;
	size_t			 nlen, tlen, mlen, wlen, plen;
	int			 rc, m = AGD_MODE_DEFAULT;

	if ((rc = request_string(o, "name", NULL, &name, &nlen)) == -1) {
		reply_error(req, "invalid_field", "name: must be a string");
		return (0);
	}
	if (rc == 0 || !agd_valid_name(name)) {
		reply_error(req, "invalid_name", "invalid session name");
		return (0);
	}
	if ((rc = request_string(o, "agentType", NULL, &type, &tlen)) == -1) {
		reply_error(req, "invalid_field",
		    "agentType: must be a string");
		return (0);
	}
	if (rc == 0 || agd_conf_agent(api.conf, type) == NULL) {
		reply_error(req, "invalid_agent_type", "unknown agent type");
		return (0);
	}
	if ((rc = request_string(o, "permissionMode", "mode", &mode,
	    &mlen)) == -1) {
		reply_error(req, "invalid_field",
		    "permissionMode: must be a string");
		return (0);
	}
	if (rc == 1 && (m = agd_mode_parse(mode)) == -1) {
		reply_error(req, "invalid_permission_mode",
		    "unknown permission mode");
		return (0);
	}
	if ((rc = request_string(o, "workingDirectory", "cwd", &wd,
	    &wlen)) == -1) {
		reply_error(req, "invalid_field",
		    "workingDirectory: must be a string");
		return (0);
	}
	if (rc == 0 || wd[0] != '/') {
		reply_error(req, "relative_path",
		    "workingDirectory must be an absolute path");
		return (0);
	}
	if (wlen >= PATH_MAX) {
		reply_error(req, "invalid_field", "workingDirectory: too long");
		return (0);
	}
	if ((rc = request_string(o, "prompt", "task", &prompt, &plen)) == -1) {
		reply_error(req, "invalid_field", "prompt: must be a string");
		return (0);
	}
	if (plen > AGD_MESSAGE_MAX) {
		reply_error(req, "too_large", "prompt longer than %d bytes",
		    AGD_MESSAGE_MAX);
		return (0);
	}

	args = json_object_new_object();
	json_object_object_add(args, "name",
	    json_object_new_string_len(name, (int)nlen));
	json_object_object_add(args, "agentType",
	    json_object_new_string_len(type, (int)tlen));
	json_object_object_add(args, "workingDirectory",
	    json_object_new_string_len(wd, (int)wlen));
	json_object_object_add(args, "permissionMode",
	    json_object_new_string(agd_mode_name(m)));
	if (prompt != NULL)
		json_object_object_add(args, "prompt",
		    json_object_new_string_len(prompt, (int)plen));
	ctl_relay(req, "session.create", args);
	json_object_put(args);
	return (0);
}
