/*
 * POST /api/agents/sessions/:name/complete {status, comment}: mark the session
 * completed (op session.complete). status is one of success, failure, partial,
 * cancelled; comment is an optional string of at most AGD_COMMENT_MAX bytes.
 */
#include "agd.h"
#include "api.h"
#include "field.h"
#include "valid.h"

static int	api_session_complete_exec(struct req *);

static const struct agd_field api_session_complete_fields[] = {
	{ .name = "status", .flags = AGD_FIELD_REQUIRED | AGD_FIELD_ONEERROR,
	  .valid = agd_valid_completion, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "status: must be success, failure, partial or cancelled" },
	{ .name = "comment", .flags = AGD_FIELD_ONEERROR, .max = AGD_COMMENT_MAX,
	  .code = AGD_ERR_INVALID_FIELD,
	  .msg = "comment: must be a string of at most %lld bytes" },
	{ .name = NULL }
};

const struct api_entry api_session_complete_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/complete",
	.flags = API_BODY,
	.fields = api_session_complete_fields,
	.exec = api_session_complete_exec
};

static int
api_session_complete_exec(struct req *req)
{
	ctl_relay_named(req, "session.complete");
	return (0);
}
