/*
 * session.debrief {name, async}: the agent's own report of what it did, or
 * agentd's; answered by debrief.c through the waiter (at once, or when the
 * agent's turn ends or the deadline passes).
 */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"

static void
cmd_session_debrief_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name;
	int64_t		 id;
	int		 async = 0;

	if (cmd_name(c, args, &name) == -1)
		return;
	if (agd_json_get_bool(args, "async", &async) == -1) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "async: must be a boolean");
		return;
	}
	if ((id = cmd_row(c, name)) == 0)
		return;
	s = session_find(name);
	if (s != NULL && s->id != id)
		s = NULL;
	debrief_start(cmd_wait(c), s, id, async);
}

const struct cmd_entry cmd_session_debrief_entry = {
	"session.debrief", cmd_session_debrief_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE
};
