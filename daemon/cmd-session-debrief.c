/*
 * session.debrief {name, async}: the agent's own report of what it did, or
 * agentd's; answered by debrief.c through the waiter (at once, or when the
 * agent's turn ends or the deadline passes).
 */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"

static const struct agd_field cmd_session_debrief_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "async", .type = AGD_FIELD_BOOL },
	{ .name = NULL }
};

static void
cmd_session_debrief_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name = agd_field_string(args, "name", NULL);
	int64_t		 id;
	int		 async = 0;

	agd_json_get_bool(args, "async", &async);
	if ((id = cmd_row(c, name)) == 0)
		return;
	s = session_find(name);
	if (s != NULL && s->id != id)
		s = NULL;
	debrief_start(cmd_wait(c), s, id, async);
}

const struct cmd_entry cmd_session_debrief_entry = {
	"session.debrief", cmd_session_debrief_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE, cmd_session_debrief_fields
};
