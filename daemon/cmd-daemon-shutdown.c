/*
 * daemon.shutdown {terminate}: end every agent and answer when all have ended
 * (then the loop stops), or leave them to their holders and stop now.
 */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "log.h"

static const struct agd_field cmd_daemon_shutdown_fields[] = {
	{ .name = "terminate", .type = AGD_FIELD_BOOL },
	{ .name = NULL }
};

static void
cmd_daemon_shutdown_exec(struct ctl_client *c, struct json_object *args)
{
	int	terminate = 1;

	agd_json_get_bool(args, "terminate", &terminate);
	log_info("shutdown requested (%s agents)", terminate ? "terminating" : "keeping");
	agentd_exiting = 1;
	if (terminate) {
		session_end_all(cmd_wait(c));
		return;
	}
	ctl_reply(c, 200, json_object_new_object());
	event_base_loopexit(agentd_base, NULL);
}

const struct cmd_entry cmd_daemon_shutdown_entry = {
	"daemon.shutdown", cmd_daemon_shutdown_exec, AGD_ROLE_ADMIN, CMD_AUDIT,
	cmd_daemon_shutdown_fields
};
