/*
 * POST /api/agents/sessions/:name/message {message} (alias text): send a user
 * message to the agent (op session.message).
 */
#include "agd.h"
#include "api.h"

static int	api_session_message_exec(struct req *);

const struct api_entry api_session_message_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/message",
	.flags = API_BODY,
	.exec = api_session_message_exec
};

static int
api_session_message_exec(struct req *req)
{
	struct json_object	*args;
	const char		*msg;
	size_t			 len;
	int			 rc;

	rc = request_string(req->json, "message", "text", &msg, &len);
	if (rc != 1 || len == 0) {
		reply_error(req, "invalid_field",
		    "message: must be a non-empty string");
		return (0);
	}
	if (len > AGD_MESSAGE_MAX) {
		reply_error(req, "too_large", "message longer than %d bytes",
		    AGD_MESSAGE_MAX);
		return (0);
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "message",
	    json_object_new_string_len(msg, (int)len));
	ctl_relay(req, "session.message", args);
	json_object_put(args);
	return (0);
}
