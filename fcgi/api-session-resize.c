/*
 * POST /api/agents/sessions/:name/resize {cols, rows}: set the terminal size
 * (op session.resize). Ours, for tests and terminal clients.
 */
#include "api.h"
#include "json.h"

#define RESIZE_MAX	1000	/* columns or rows; larger is a mistake */

static int	api_session_resize_exec(struct req *);

const struct api_entry api_session_resize_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/resize",
	.flags = API_BODY,
	.exec = api_session_resize_exec
};

static int
api_session_resize_exec(struct req *req)
{
	struct json_object	*args;
	long long		 cols = 0, rows = 0;

	if (agd_json_get_int(req->json, "cols", &cols) == -1 ||
	    cols < 1 || cols > RESIZE_MAX) {
		reply_error(req, "invalid_field", "cols: must be 1 to %d",
		    RESIZE_MAX);
		return (0);
	}
	if (agd_json_get_int(req->json, "rows", &rows) == -1 ||
	    rows < 1 || rows > RESIZE_MAX) {
		reply_error(req, "invalid_field", "rows: must be 1 to %d",
		    RESIZE_MAX);
		return (0);
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "cols", json_object_new_int64(cols));
	json_object_object_add(args, "rows", json_object_new_int64(rows));
	ctl_relay(req, "session.resize", args);
	json_object_put(args);
	return (0);
}
