/* session.reset {name}: viewers start drawing afresh from this point. */
#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_session_reset_fields[] = {
	CMD_FIELD_NAME,
	{ .name = NULL }
};

static void
cmd_session_reset_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s = cmd_session(args);

	o = json_object_new_object();
	json_object_object_add(o, "from", json_object_new_string(c->user));
	/* New viewers start drawing after this point: the old screen is gone. */
	s->reset_seq = session_event(s, "reset", o);
	persist_reset(s);
	agent_reset(s);
	ctl_reply(c, 200, persist_session_json(s->id));
}

const struct cmd_entry cmd_session_reset_entry = {
	"session.reset", cmd_session_reset_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_reset_fields
};
