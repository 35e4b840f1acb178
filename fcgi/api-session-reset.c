/*
 * POST /api/agents/sessions/:name/reset: clear the terminal buffer and reset
 * the session state (op session.reset). The body is optional; if there is
 * one it must be a JSON object, and it is otherwise ignored. The reply is
 * {"reset": true, ...the session object}.
 */
#include "api.h"

static int	api_session_reset_exec(struct req *);

const struct api_entry api_session_reset_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/reset",
	.flags = API_BODY_OPT,
	.exec = api_session_reset_exec
};

static int
api_session_reset_exec(struct req *req)
{
	struct json_object	*args;

	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	ctl_relay_flag(req, "session.reset", args, "reset");
	json_object_put(args);
	return (0);
}
