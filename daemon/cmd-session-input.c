/* session.input {name, data}: raw bytes to the agent's terminal. */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_session_input_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "data", .flags = AGD_FIELD_REQUIRED, .max = AGD_MESSAGE_MAX,
	  .code = AGD_ERR_TOO_LARGE, .msg = "input longer than %lld bytes",
	  CMD_MISSING("data") },
	{ .name = NULL }
};

static void
cmd_session_input_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s = cmd_session(args);
	const char	*data = agd_field_string(args, "data", NULL);

	if (!session_takes_keys(s)) {
		ctl_error(c, AGD_ERR_NOT_A_TERMINAL, "%s is a stream session: send it"
		    " messages", s->name);
		return;
	}
	if (session_input(s, data, strlen(data)) == -1) {
		ctl_error(c, AGD_ERR_INPUT_FULL, "the terminal of %s is not reading its input:"
		    " %zu bytes wait for it", s->name, session_input_queued(s));
		return;
	}
	session_note_input(s, c->user, strlen(data));
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_session_input_entry = {
	"session.input", cmd_session_input_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_input_fields
};
