/* session.complete {name, status, comment}: how the session's work ended. */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "valid.h"

static void
cmd_session_complete_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	const char		*name, *status, *comment = NULL;
	int64_t			 id;
	int			 changed = 0;

	if (cmd_string(c, args, "name", 1, &name) == -1 ||
	    cmd_string(c, args, "status", 1, &status) == -1 ||
	    cmd_string(c, args, "comment", 0, &comment) == -1 ||
	    cmd_valid_name(c, name, NULL) == -1)
		return;
	if (!agd_valid_completion(status)) {
		ctl_error(c, AGD_ERR_INVALID_FIELD,
		    "status: one of success, failure, partial, cancelled");
		return;
	}
	if (comment != NULL && strlen(comment) > AGD_COMMENT_MAX) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "comment: at most %d bytes", AGD_COMMENT_MAX);
		return;
	}
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
	CMD_AUDIT | CMD_MANAGE
};
