/* session.resize {name, cols, rows}: the agent's terminal size. */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"

#define CMD_RESIZE_MAX	1000	/* cols and rows: far past any real screen */

static void
cmd_session_resize_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	long long	 cols = 0, rows = 0;

	if ((s = cmd_live(c, args)) == NULL)
		return;
	if (agd_json_get_int(args, "cols", &cols) == -1 ||
	    agd_json_get_int(args, "rows", &rows) == -1 ||
	    cols < 1 || cols > CMD_RESIZE_MAX || rows < 1 || rows > CMD_RESIZE_MAX) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "cols and rows: integers from 1 to %d",
		    CMD_RESIZE_MAX);
		return;
	}
	session_resize(s, (int)cols, (int)rows);
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_session_resize_entry = {
	"session.resize", cmd_session_resize_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE
};
