/*
 * GET /api/agents/machines: "local" and the machines of the daemon's config, each
 * with whether ssh reaches it now (op machine.list: agentd probes them all at
 * once, through their ControlMaster when there is one, within a few seconds).
 *
 * A bare array, as the seed's UI maps it: each {id, label, host, user, port, cwd}
 * (label the id, cwd the machine's work_root, or for "local" the API's home) with
 * agentd's workRoot, reachable, error and checkedMs beside.
 */
#include <string.h>

#include "api.h"
#include "json.h"

static int	api_machines_exec(struct req *);

const struct api_entry api_machines_entry = {
	.method = "GET",
	.path = "/api/agents/machines",
	.flags = 0,
	.exec = api_machines_exec
};

static int
api_machines_exec(struct req *req)
{
	struct json_object	*body, *arr, *e, *v;
	const char		*id, *root;
	size_t			 i, n;
	int			 status;

	if (ctl_call(req, "machine.list", NULL, CTL_TIMEOUT_MS, &status, &body) == -1)
		return (0);
	if (status != 200 || !json_object_object_get_ex(body, "machines", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		reply_json_put(req, status, body);
		return (0);
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		id = json_object_get_string(json_object_object_get_ex(e, "id", &v) ?
		    v : NULL);
		json_object_object_add(e, "label", id != NULL ?
		    json_object_new_string(id) : NULL);
		root = json_object_object_get_ex(e, "workRoot", &v) && v != NULL ?
		    json_object_get_string(v) : NULL;
		if (root == NULL && id != NULL && strcmp(id, "local") == 0)
			root = home_root();
		json_object_object_add(e, "cwd", root != NULL ?
		    json_object_new_string(root) : NULL);
	}
	reply_json(req, 200, arr);
	json_object_put(body);
	return (0);
}
