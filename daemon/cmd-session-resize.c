/* session.resize {name, cols, rows}: the agent's terminal size. */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"

#define CMD_RESIZE_MAX	1000	/* cols and rows: far past any real screen */

static const struct agd_field cmd_session_resize_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "cols", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .min = 1, .max = CMD_RESIZE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "cols and rows: integers from 1 to %lld" },
	{ .name = "rows", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .min = 1, .max = CMD_RESIZE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "cols and rows: integers from 1 to %lld" },
	{ .name = NULL }
};

static void
cmd_session_resize_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s = cmd_session(args);
	long long	 cols = 0, rows = 0;

	agd_json_get_int(args, "cols", &cols);
	agd_json_get_int(args, "rows", &rows);
	session_resize(s, (int)cols, (int)rows);
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_session_resize_entry = {
	"session.resize", cmd_session_resize_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE | CMD_LIVE, cmd_session_resize_fields
};
