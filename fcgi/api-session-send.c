/*
 * POST /api/agents/sessions/:name/send {text} (alias message): the seed clients'
 * immediate send - the text typed into the agent's terminal at once, then a
 * carriage return (two session.input ops), not queued behind a busy agent as
 * POST .../message is. The reply is {"sent": true}; an error is the daemon's
 * (404, 409 session_ended, 429 input_full).
 */
#include "agd.h"
#include "api.h"
#include "field.h"

static int	api_session_send_exec(struct req *);

/* The text and its carriage return fit one session.input each. */
static const struct agd_field api_session_send_fields[] = {
	{ .name = "text", .alias = "message", .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_NONEMPTY | AGD_FIELD_ONEERROR, .max = AGD_MESSAGE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "text: must be a non-empty string",
	  .long_code = AGD_ERR_TOO_LARGE, .long_msg = "text longer than %lld bytes" },
	{ .name = NULL }
};

const struct api_entry api_session_send_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/send",
	.flags = API_BODY,
	.fields = api_session_send_fields,
	.exec = api_session_send_exec
};

/* session.input of data to req's session: 0, or -1 once an error was replied. */
static int
api_send_input(struct req *req, const char *data)
{
	struct json_object	*args, *body;
	int			 status, rc = -1;

	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "data", json_object_new_string(data));
	if (ctl_call(req, "session.input", args, CTL_TIMEOUT_MS, &status, &body) == 0) {
		if (status / 100 == 2)
			rc = 0;
		else
			reply_json(req, status, body);
		json_object_put(body);
	}
	json_object_put(args);
	return (rc);
}

static int
api_session_send_exec(struct req *req)
{
	struct json_object	*o;

	if (api_send_input(req, agd_field_string(req->args, "text", NULL)) == -1 ||
	    api_send_input(req, "\r") == -1)
		return (0);
	o = json_object_new_object();
	json_object_object_add(o, "sent", json_object_new_boolean(1));
	reply_json_put(req, 200, o);
	return (0);
}
