/*
 * POST /api/agents/sessions/:name/resize {cols, rows}: set the terminal size
 * (op session.resize). Ours, for tests and terminal clients.
 */
#include "api.h"
#include "field.h"

#define RESIZE_MAX	1000	/* columns or rows; larger is a mistake */

static int	api_session_resize_exec(struct req *);

static const struct agd_field api_session_resize_fields[] = {
	{ .name = "cols", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .min = 1, .max = RESIZE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "cols: must be 1 to %lld" },
	{ .name = "rows", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED |
	  AGD_FIELD_ONEERROR, .min = 1, .max = RESIZE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "rows: must be 1 to %lld" },
	{ .name = NULL }
};

const struct api_entry api_session_resize_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/resize",
	.flags = API_BODY,
	.fields = api_session_resize_fields,
	.exec = api_session_resize_exec
};

static int
api_session_resize_exec(struct req *req)
{
	ctl_relay_named(req, "session.resize");
	return (0);
}
