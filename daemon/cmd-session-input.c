/* session.input {name, data}: raw bytes to the agent's terminal. */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static void
cmd_session_input_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*data;

	if ((s = cmd_live(c, args)) == NULL ||
	    cmd_string(c, args, "data", 1, &data) == -1)
		return;
	if (strlen(data) > AGD_MESSAGE_MAX) {
		ctl_error(c, AGD_ERR_TOO_LARGE, "input longer than %d bytes", AGD_MESSAGE_MAX);
		return;
	}
	session_input(s, data, strlen(data));
	session_note_input(s, c->user, strlen(data));
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_session_input_entry = {
	"session.input", cmd_session_input_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE
};
