/* machine.list: this machine and every configured one, each probed over ssh. */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "worker.h"

static void
cmd_machine_list_exec(struct ctl_client *c, struct json_object *args)
{
	(void)args;
	machine_list(cmd_wait(c));
}

const struct cmd_entry cmd_machine_list_entry = {
	"machine.list", cmd_machine_list_exec, AGD_ROLE_VIEWER, 0, NULL
};
