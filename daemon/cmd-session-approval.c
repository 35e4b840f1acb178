/*
 * session.approval {name, decision, message, id}: answer the agent's pending
 * permission prompt (message: what a structured channel tells the agent why; id:
 * the pendingApproval.id the decision is for, 409 stale_approval if another waits).
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "waiter.h"

static int
cmd_approval_decision(const char *s)
{
	return (strcmp(s, "allow") == 0 || strcmp(s, "deny") == 0);
}

static const struct agd_field cmd_session_approval_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "decision", .flags = AGD_FIELD_REQUIRED, .valid = cmd_approval_decision,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "decision: allow or deny",
	  CMD_MISSING("decision") },
	{ .name = "message", .max = AGD_REASON_MAX, .code = AGD_ERR_TOO_LARGE,
	  .msg = "message longer than %lld bytes" },
	AGD_FIELD_APPROVAL_ID,
	{ .name = NULL }
};

static void
cmd_session_approval_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s = cmd_session(args);
	const char	*decision = agd_field_string(args, "decision", NULL);
	enum agd_err	 code;
	char		*cause;

	if (agent_approval_check(s, agd_field_string(args, "id", NULL), &code, &cause) == -1 ||
	    agent_approve(s, strcmp(decision, "allow") == 0,
	    agd_field_string(args, "message", NULL), c->user, &code, &cause) == -1) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	ctl_reply(c, 200, persist_session_json(s->id));
}

const struct cmd_entry cmd_session_approval_entry = {
	"session.approval", cmd_session_approval_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_approval_fields
};
