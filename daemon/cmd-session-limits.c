/*
 * session.limits {name, maxCostUsd, maxTokens}: the session's caps (0 removes
 * one, an absent one stays); 200 and the session object.
 */
#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_session_limits_fields[] = {
	CMD_FIELD_NAME,
	AGD_FIELDS_LIMITS,
	{ .name = NULL }
};

static void
cmd_session_limits_exec(struct ctl_client *c, struct json_object *args)
{
	struct session		*s = cmd_session(args);
	struct json_object	*cost, *tokens;
	int			 has_cost, has_tokens;

	has_cost = json_object_object_get_ex(args, "maxCostUsd", &cost);
	has_tokens = json_object_object_get_ex(args, "maxTokens", &tokens);
	agent_limits(s, has_cost, has_cost ? json_object_get_double(cost) : 0, has_tokens,
	    has_tokens ? json_object_get_int64(tokens) : 0);
	ctl_reply(c, 200, persist_session_json(s->id));
}

const struct cmd_entry cmd_session_limits_entry = {
	"session.limits", cmd_session_limits_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_limits_fields
};
