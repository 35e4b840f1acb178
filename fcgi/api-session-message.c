/*
 * POST /api/agents/sessions/:name/message {message} (alias text): send a user
 * message to the agent (op session.message).
 */
#include "agd.h"
#include "api.h"
#include "field.h"

static int	api_session_message_exec(struct req *);

static const struct agd_field api_session_message_fields[] = {
	{ .name = "message", .alias = "text", .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_NONEMPTY | AGD_FIELD_ONEERROR, .max = AGD_MESSAGE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "message: must be a non-empty string",
	  .long_code = AGD_ERR_TOO_LARGE, .long_msg = "message longer than %lld bytes" },
	{ .name = NULL }
};

const struct api_entry api_session_message_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/message",
	.flags = API_BODY,
	.fields = api_session_message_fields,
	.exec = api_session_message_exec
};

static int
api_session_message_exec(struct req *req)
{
	ctl_relay_named(req, "session.message");
	return (0);
}
