/*
 * agent.hook {name, key, event}: a hook of the agent reports (agentd hook NAME,
 * over HOME/run/hook.sock with the session's key: cmd.c checks it, CMD_KEYED).
 * A hook that asks for an approval is answered once it is decided (the decision
 * it prints for its agent).
 */
#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_agent_hook_fields[] = {
	{ .name = "name", .flags = AGD_FIELD_REQUIRED, CMD_MISSING("name") },
	{ .name = "event", .type = AGD_FIELD_OBJECT, .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "event: must be an object" },
	{ .name = NULL }
};

static void
cmd_agent_hook_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*ev;
	struct session		*s;

	json_object_object_get_ex(args, "event", &ev);
	if ((s = cmd_session(args)) != NULL && s->state != SESSION_ENDED)
		agent_hook(s, ev, cmd_wait(c));
	else
		ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_agent_hook_entry = {
	"agent.hook", cmd_agent_hook_exec, AGD_ROLE_NONE, CMD_KEYED, cmd_agent_hook_fields
};
