/*
 * DELETE /api/agents/sessions/:name/workers/done: the seed CLI's clean-up - the
 * ended workers of that session no longer listed as its workers (op
 * worker.clear; their records stay). Reply {removed: N, names: [...]}.
 */
#include "api.h"

static int	api_worker_clear_exec(struct req *);

const struct api_entry api_worker_clear_entry = {
	.method = "DELETE",
	.path = "/api/agents/sessions/:name/workers/done",
	.flags = 0,
	.exec = api_worker_clear_exec
};

static int
api_worker_clear_exec(struct req *req)
{
	struct json_object	*args;

	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	ctl_relay(req, "worker.clear", args);
	json_object_put(args);
	return (0);
}
