/*
 * POST /api/agents/sessions/:name/approval {decision: "allow"|"deny", message, id}:
 * answer the permission prompt the agent is waiting on (409 when nothing is
 * pending); message, for a deny, is the reason the agent is given; id, the
 * pendingApproval's, holds the decision to that request (409 stale_approval).
 */
#include <string.h>

#include "agd.h"
#include "api.h"
#include "field.h"

static int	api_session_approval_exec(struct req *);

static int
api_approval_decision(const char *d)
{
	return (strcmp(d, "allow") == 0 || strcmp(d, "deny") == 0);
}

static const struct agd_field api_session_approval_fields[] = {
	{ .name = "decision", .alias = "approve", .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .valid = api_approval_decision,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "decision: allow or deny" },
	{ .name = "message", .max = AGD_REASON_MAX, .long_code = AGD_ERR_TOO_LARGE,
	  .long_msg = "message longer than %lld bytes" },
	AGD_FIELD_APPROVAL_ID,
	{ .name = NULL }
};

const struct api_entry api_session_approval_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/approval",
	.flags = API_BODY,
	.fields = api_session_approval_fields,
	.exec = api_session_approval_exec
};

static int
api_session_approval_exec(struct req *req)
{
	ctl_relay_named(req, "session.approval");
	return (0);
}
