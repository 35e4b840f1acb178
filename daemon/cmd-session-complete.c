/* session.complete {name, status, comment}: how the session's work ended. */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"

static const struct agd_field cmd_session_complete_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "status", .flags = AGD_FIELD_REQUIRED, .valid = agd_valid_completion,
	  .code = AGD_ERR_INVALID_FIELD,
	  .msg = "status: one of success, failure, partial, cancelled",
	  CMD_MISSING("status") },
	{ .name = "comment", .max = AGD_COMMENT_MAX, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "comment: at most %lld bytes" },
	{ .name = NULL }
};

static void
cmd_session_complete_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	const char		*name, *status, *comment;
	int64_t			 id;
	int			 changed = 0;

	name = agd_field_string(args, "name", NULL);
	status = agd_field_string(args, "status", NULL);
	comment = agd_field_string(args, "comment", NULL);
	if ((id = cmd_row(c, name)) == 0)
		return;
	if (persist_complete(id, status, comment, &changed) == -1) {
		ctl_error(c, AGD_ERR_INTERNAL, "cannot store the completion");
		return;
	}
	s = session_find(name);
	if (changed && s != NULL && s->id == id) {
		o = json_object_new_object();
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "comment",
		    comment != NULL ? json_object_new_string(comment) : NULL);
		json_object_object_add(o, "from", json_object_new_string(c->user));
		session_event(s, "completed", o);
	}
	ctl_reply(c, 200, persist_session_json(id));
}

const struct cmd_entry cmd_session_complete_entry = {
	"session.complete", cmd_session_complete_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE, cmd_session_complete_fields
};
