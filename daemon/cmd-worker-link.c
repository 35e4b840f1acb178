/*
 * worker.link {name, key, state, reason}: a remote worker's loop reports its link
 * (agentd link, over HOME/run/hook.sock with the session's key, CMD_KEYED).
 */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "worker.h"

#define CMD_LINK_REASON_MAX	512	/* what ssh said, in the event */
#define CMD_LINK_NAME_SHOWN	64	/* an unknown name in the error */

static int
cmd_link_state(const char *s)
{
	return (strcmp(s, "up") == 0 || strcmp(s, "down") == 0);
}

/* Whatever is wrong, one answer: the worker loop's shell script sent it. */
#define CMD_LINK_FIELD	.code = AGD_ERR_INVALID_FIELD, \
			.msg = "name, state (up or down), reason"
static const struct agd_field cmd_worker_link_fields[] = {
	{ .name = "name", .flags = AGD_FIELD_REQUIRED | AGD_FIELD_ONEERROR, CMD_LINK_FIELD },
	{ .name = "state", .flags = AGD_FIELD_REQUIRED | AGD_FIELD_ONEERROR,
	  .valid = cmd_link_state, CMD_LINK_FIELD },
	{ .name = "reason", .flags = AGD_FIELD_ONEERROR, CMD_LINK_FIELD },
	{ .name = NULL }
};

static void
cmd_worker_link_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	struct worker_rec	 w;
	const char		*name, *state, *reason;

	name = agd_field_string(args, "name", NULL);
	state = agd_field_string(args, "state", NULL);
	reason = agd_field_string(args, "reason", NULL);
	if ((s = session_find(name)) == NULL || s->state == SESSION_ENDED) {
		ctl_error(c, AGD_ERR_NOT_FOUND, "no live session %.*s", CMD_LINK_NAME_SHOWN,
		    name);
		return;
	}
	/* Only a remote worker has a link loop (a claude's key is not for this). */
	if (persist_worker_load(s->id, &w) != 0 || w.machine == NULL) {
		worker_rec_clear(&w);
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: %.*s is not a remote worker",
		    CMD_LINK_NAME_SHOWN, name);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "machine", json_object_new_string(w.machine));
	worker_rec_clear(&w);
	if (reason != NULL)
		json_object_object_add(o, "reason",
		    json_object_new_string_len(reason,
		    (int)strnlen(reason, CMD_LINK_REASON_MAX)));
	session_event(s, "link", o);
	log_info("session %s: link %s%s%s", s->name, state, reason != NULL ? ": " : "",
	    reason != NULL ? reason : "");
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_worker_link_entry = {
	"worker.link", cmd_worker_link_exec, AGD_ROLE_NONE, CMD_KEYED,
	cmd_worker_link_fields
};
