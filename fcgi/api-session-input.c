/*
 * POST /api/agents/sessions/:name/input {data}: write raw bytes to the agent's
 * terminal (op session.input). Ours, for tests and terminal clients; the
 * body limit bounds data.
 */
#include "api.h"

static int	api_session_input_exec(struct req *);

const struct api_entry api_session_input_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/input",
	.flags = API_BODY,
	.exec = api_session_input_exec
};

static int
api_session_input_exec(struct req *req)
{
	struct json_object	*args;
	const char		*data;
	size_t			 len;

	if (request_string(req->json, "data", NULL, &data, &len) != 1 ||
	    len == 0) {
		reply_error(req, "invalid_field",
		    "data: must be a non-empty string");
		return (0);
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "data",
	    json_object_new_string_len(data, (int)len));
	ctl_relay(req, "session.input", args);
	json_object_put(args);
	return (0);
}
