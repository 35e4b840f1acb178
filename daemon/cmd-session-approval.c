/* session.approval {name, decision}: answer the agent's pending permission prompt. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "waiter.h"

static void
cmd_session_approval_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*decision;
	enum agd_err	 code;
	char		*cause;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "decision", 1, &decision) == -1)
		return;
	if (strcmp(decision, "allow") != 0 && strcmp(decision, "deny") != 0) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "decision: allow or deny");
		return;
	}
	if (agent_approve(s, strcmp(decision, "allow") == 0, &code, &cause) == -1) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	ctl_reply(c, 200, persist_session_json(s->id));
}

const struct cmd_entry cmd_session_approval_entry = {
	"session.approval", cmd_session_approval_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE
};
