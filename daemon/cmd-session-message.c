/* session.message {name, message}: a message to the agent, as a turn. */
#include <string.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_session_message_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "message", .flags = AGD_FIELD_REQUIRED | AGD_FIELD_NONEMPTY,
	  .max = AGD_MESSAGE_MAX, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "message: must be 1 to %lld bytes", CMD_MISSING("message") },
	{ .name = NULL }
};

static void
cmd_session_message_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s = cmd_session(args);
	const char		*text = agd_field_string(args, "message", NULL);
	uint64_t		 seq;
	enum agd_err		 code;

	/* Typed, it would be nothing but an Enter: not a turn. */
	if (!agent_text_typeable(s, text)) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "message: only control characters,"
		    " which are not typed into the terminal of %s", s->name);
		return;
	}
	if (session_message(s, text, c->user, &seq, &code) == -1) {
		if (code == AGD_ERR_CAPPED)
			ctl_error(c, code, "%s reached its cost or token cap: raise it"
			    " (POST .../limits) to send more", s->name);
		else if (code == AGD_ERR_QUEUE_FULL)
			ctl_error(c, code, "%d messages wait for the agent of %s already",
			    agentd_conf->message_queue_max, s->name);
		else
			ctl_error(c, code, "the terminal of %s is not reading its input",
			    s->name);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "delivered", json_object_new_boolean(1));
	ctl_reply(c, 200, o);
}

const struct cmd_entry cmd_session_message_entry = {
	"session.message", cmd_session_message_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_message_fields
};
