/* session.message {name, message}: a message to the agent, as a turn. */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static void
cmd_session_message_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	const char		*text;
	uint64_t		 seq;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "message", 1, &text) == -1)
		return;
	if (*text == '\0' || strlen(text) > AGD_MESSAGE_MAX) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "message: must be 1 to %d bytes",
		    AGD_MESSAGE_MAX);
		return;
	}
	seq = session_message(s, text, c->user);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "delivered", json_object_new_boolean(1));
	ctl_reply(c, 200, o);
}

const struct cmd_entry cmd_session_message_entry = {
	"session.message", cmd_session_message_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE
};
