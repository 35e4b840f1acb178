/*
 * DELETE /api/agents/sessions/:name: terminate the agent (op session.delete).
 * agentd answers once the process group is gone, after up to kill_grace_ms.
 */
#include "api.h"

static int	api_session_delete_exec(struct req *);

const struct api_entry api_session_delete_entry = {
	.method = "DELETE",
	.path = "/api/agents/sessions/:name",
	.flags = 0,
	.exec = api_session_delete_exec
};

static int
api_session_delete_exec(struct req *req)
{
	struct json_object	*args;

	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	ctl_relay(req, "session.delete", args);
	json_object_put(args);
	return (0);
}
