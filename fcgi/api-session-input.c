/*
 * POST /api/agents/sessions/:name/input {data}: write raw bytes to the agent's
 * terminal (op session.input). Ours, for tests and terminal clients; the
 * body limit bounds data.
 */
#include "api.h"
#include "field.h"

static int	api_session_input_exec(struct req *);

static const struct agd_field api_session_input_fields[] = {
	{ .name = "data", .flags = AGD_FIELD_REQUIRED | AGD_FIELD_NONEMPTY |
	  AGD_FIELD_ONEERROR, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "data: must be a non-empty string" },
	{ .name = NULL }
};

const struct api_entry api_session_input_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/input",
	.flags = API_BODY,
	.fields = api_session_input_fields,
	.exec = api_session_input_exec
};

static int
api_session_input_exec(struct req *req)
{
	ctl_relay_named(req, "session.input");
	return (0);
}
