/* worker.link {name, state, reason}: a remote worker's loop reports its link. */
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "worker.h"

#define CMD_LINK_REASON_MAX	512	/* what ssh said, in the event */
#define CMD_LINK_NAME_SHOWN	64	/* an unknown name in the error */

static void
cmd_worker_link_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	struct worker_rec	 w;
	const char		*name = NULL, *state = NULL, *reason = NULL;

	if (args == NULL || agd_json_get_string(args, "name", &name) == -1 ||
	    agd_json_get_string(args, "state", &state) == -1 ||
	    agd_json_get_string(args, "reason", &reason) == -1 || name == NULL ||
	    state == NULL || (strcmp(state, "up") != 0 && strcmp(state, "down") != 0)) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "name, state (up or down), reason");
		return;
	}
	if ((s = session_find(name)) == NULL || s->state == SESSION_ENDED) {
		ctl_error(c, AGD_ERR_NOT_FOUND, "no live session %.*s", CMD_LINK_NAME_SHOWN,
		    name);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(state));
	if (persist_worker_load(s->id, &w) == 0 && w.machine != NULL)
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
	"worker.link", cmd_worker_link_exec, AGD_ROLE_ADMIN, 0
};
