/*
 * files.upload {status, where, count}: agentd-fcgi wrote files (only the daemon
 * writes SQLite); the audit row takes the status of the handler's reply.
 */
#include <limits.h>
#include <stdlib.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "xmalloc.h"

#define CMD_UPLOAD_WHERE_MAX	512	/* the directory, as the audit keeps it */

/* agentd-fcgi's own report: what is not as expected is left out, not refused. */
static const struct agd_field cmd_files_upload_fields[] = {
	{ .name = "status", .type = AGD_FIELD_INT, .flags = AGD_FIELD_WRONGABSENT,
	  .min = LLONG_MIN, .max = LLONG_MAX },
	{ .name = "where", .flags = AGD_FIELD_WRONGABSENT },
	{ .name = NULL }
};

static void
cmd_files_upload_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	const char		*where = NULL;
	long long		 status = 200;

	agd_json_get_int(args, "status", &status);
	agd_json_get_string(args, "where", &where);
	if (where != NULL) {
		free(c->audit_session);
		c->audit_session = xstrndup(where, CMD_UPLOAD_WHERE_MAX);
	}
	if (status < 200 || status > 599)
		status = 500;
	o = status < 400 ? json_object_new_object() :
	    agd_json_error("upload_failed", "the upload was refused");
	ctl_reply(c, (int)status, o);
}

const struct cmd_entry cmd_files_upload_entry = {
	"files.upload", cmd_files_upload_exec, AGD_ROLE_OPERATOR, CMD_AUDIT,
	cmd_files_upload_fields
};
