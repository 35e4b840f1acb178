/* agent.hook {name, event}: a hook of the agent reports (agentd hook NAME). */
#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static void
cmd_agent_hook_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*ev;
	struct session		*s;
	const char		*name;

	if (cmd_string(c, args, "name", 1, &name) == -1)
		return;
	if (!json_object_object_get_ex(args, "event", &ev) ||
	    !json_object_is_type(ev, json_type_object)) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "event: must be an object");
		return;
	}
	if ((s = session_find(name)) != NULL && s->state != SESSION_ENDED)
		agent_hook(s, ev);
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_agent_hook_entry = {
	"agent.hook", cmd_agent_hook_exec, AGD_ROLE_ADMIN, 0
};
