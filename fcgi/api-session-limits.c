/*
 * POST /api/agents/sessions/:name/limits {maxCostUsd, maxTokens}: change the
 * session's cost and token caps (op session.limits; 0 removes one, an absent
 * one stays). A cap raised past what the session used lifts its capped state.
 */
#include "agd.h"
#include "api.h"
#include "field.h"

static int	api_session_limits_exec(struct req *);

static const struct agd_field api_session_limits_fields[] = {
	AGD_FIELDS_LIMITS,
	{ .name = NULL }
};

const struct api_entry api_session_limits_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/limits",
	.flags = API_BODY,
	.fields = api_session_limits_fields,
	.exec = api_session_limits_exec
};

static int
api_session_limits_exec(struct req *req)
{
	ctl_relay_named(req, "session.limits");
	return (0);
}
