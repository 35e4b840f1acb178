/* ping: is the daemon there, which version, how many sessions. */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static void
cmd_ping_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;

	(void)args;
	o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(AGD_VERSION));
	json_object_object_add(o, "sessions", json_object_new_int(session_count()));
	ctl_reply(c, 200, o);
}

const struct cmd_entry cmd_ping_entry = {
	"ping", cmd_ping_exec, AGD_ROLE_NONE, 0, NULL
};
