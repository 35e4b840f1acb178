/*
 * DELETE /api/agents/sessions/:name: terminate the agent (op session.delete).
 * agentd answers once the process group is gone, after up to kill_grace_ms.
 * A parent's workers are stopped too, unless ?keepWorkers=1; a worker's worktree
 * is removed if nothing would be lost (doc/DESIGN.md, "Workers"). The reply is
 * {"killed": true, ...the session object}, as the seed's clients check it.
 */
#include <string.h>

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
	const char		*keep;
	int			 k = 0;

	if ((keep = request_query(req, "keepWorkers")) != NULL) {
		if (strcmp(keep, "1") == 0 || strcmp(keep, "true") == 0)
			k = 1;
		else if (strcmp(keep, "0") != 0 && strcmp(keep, "false") != 0) {
			reply_error(req, AGD_ERR_INVALID_FIELD, "keepWorkers: must be 1 or 0");
			return (0);
		}
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	if (k)
		json_object_object_add(args, "keepWorkers", json_object_new_boolean(1));
	ctl_relay_flag(req, "session.delete", args, "killed");
	json_object_put(args);
	return (0);
}
