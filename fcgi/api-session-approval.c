/*
 * POST /api/agents/sessions/:name/approval {decision: "allow"|"deny"}: answer
 * the permission prompt the agent is waiting on (409 when nothing is pending).
 */
#include <string.h>

#include "api.h"

static int	api_session_approval_exec(struct req *);

const struct api_entry api_session_approval_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/approval",
	.flags = API_BODY,
	.exec = api_session_approval_exec
};

static int
api_session_approval_exec(struct req *req)
{
	struct json_object	*args;
	const char		*decision;
	size_t			 len;

	if (request_string(req->json, "decision", "approve", &decision, &len) == -1 ||
	    decision == NULL || (strcmp(decision, "allow") != 0 &&
	    strcmp(decision, "deny") != 0)) {
		reply_error(req, "invalid_field", "decision: allow or deny");
		return (0);
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "decision", json_object_new_string(decision));
	ctl_relay(req, "session.approval", args);
	json_object_put(args);
	return (0);
}
