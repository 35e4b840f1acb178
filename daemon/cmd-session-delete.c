/*
 * session.delete {name, keepWorkers}: 200 and the session object once its
 * process group is gone. A worker's worktree, a parent's workers: worker.c.
 */
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "waiter.h"
#include "worker.h"

/* A keepWorkers that is not a boolean is as if absent: the workers go too. */
static const struct agd_field cmd_session_delete_fields[] = {
	CMD_FIELD_NAME,
	{ .name = "keepWorkers", .type = AGD_FIELD_BOOL, .flags = AGD_FIELD_WRONGABSENT },
	{ .name = NULL }
};

static void
cmd_session_delete_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	struct waiter	*w;
	const char	*name = agd_field_string(args, "name", NULL);
	int64_t		 id;
	int		 ended = 0, keep = 0;

	agd_json_get_bool(args, "keepWorkers", &keep);
	w = cmd_wait(c);
	if (worker_delete(w, name, keep))
		return;
	if ((s = session_find(name)) == NULL || s->state == SESSION_ENDED) {
		/* Deleting what has already ended changes nothing and says so. */
		if ((id = persist_lookup(name, &ended)) != 0)
			waiter_reply_session(w, 200, id);
		else
			waiter_error(w, AGD_ERR_NOT_FOUND, "no such session: %s", name);
		return;
	}
	session_wait_ended(s, w);
	session_kill(s);
}

const struct cmd_entry cmd_session_delete_entry = {
	"session.delete", cmd_session_delete_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_MANAGE, cmd_session_delete_fields
};
