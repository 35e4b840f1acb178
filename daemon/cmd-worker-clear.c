/*
 * worker.clear {name}: the ended workers of the newest session of that name no
 * longer listed as its workers (the seed CLI's DELETE .../workers/done). Their
 * records and history stay (GET by name, ?all=1); only the link to the parent
 * goes. A worktree a worker left behind stays as it is: DELETE the worker first
 * to settle it (README "Workers").
 */
#include <stdlib.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "persist-worker.h"

static const struct agd_field cmd_worker_clear_fields[] = {
	CMD_FIELD_NAME,
	{ .name = NULL }
};

static void
cmd_worker_clear_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o, *arr;
	const char		*name = agd_field_string(args, "name", NULL);
	char			**names;
	int64_t			 id;
	size_t			 i, n;

	if ((id = cmd_row(c, name)) == 0)
		return;
	n = persist_workers_clear(id, &names);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object_array_add(arr, json_object_new_string(names[i]));
		free(names[i]);
	}
	free(names);
	o = json_object_new_object();
	json_object_object_add(o, "removed", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "names", arr);
	ctl_reply(c, 200, o);
}

const struct cmd_entry cmd_worker_clear_entry = {
	"worker.clear", cmd_worker_clear_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE, cmd_worker_clear_fields
};
