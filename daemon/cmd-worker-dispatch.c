/*
 * worker.dispatch {parentSession, task, issue, branch, agent, machine}: checks
 * everything that needs no machine here (worker.c makes the worker), and
 * answers 201 with the worker's session object once its agent runs.
 */
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "valid.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

#define CMD_TASK_MAX		AGD_MESSAGE_MAX	/* the task becomes the prompt */
#define CMD_ARG_SHOWN		64		/* an unknown value in its error */

/* A string argument, "" as none: -1 (and the reply) if wrong or missing. */
static int
cmd_worker_arg(struct ctl_client *c, struct json_object *args, const char *key,
    int required, const char **out)
{
	*out = NULL;
	if (args == NULL || agd_json_get_string(args, key, out) == -1) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "%s: must be a string", key);
		return (-1);
	}
	if (required && (*out == NULL || **out == '\0')) {
		ctl_error(c, AGD_ERR_INVALID_FIELD, "%s: missing", key);
		return (-1);
	}
	if (*out != NULL && **out == '\0')
		*out = NULL;
	return (0);
}

/* The running parent named pname that c may dispatch from, else a reply. */
static struct session *
cmd_worker_parent(struct ctl_client *c, const char *pname)
{
	struct session	*parent;
	char		*creator;
	int		 ended = 0, ok;

	if ((parent = session_find(pname)) == NULL || parent->state == SESSION_ENDED) {
		if (persist_lookup(pname, &ended) != 0)
			ctl_error(c, AGD_ERR_PARENT_NOT_RUNNING, "parent session has ended: %s",
			    pname);
		else
			ctl_error(c, AGD_ERR_NOT_FOUND, "no such session: %s", pname);
		return (NULL);
	}
	creator = persist_creator(parent->id);
	ok = agd_auth_may_manage(agentd_conf, c->role, c->user, creator);
	free(creator);
	if (!ok) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: needs the admin role to dispatch"
		    " from another user's session");
		return (NULL);
	}
	return (parent);
}

static void
cmd_worker_dispatch_exec(struct ctl_client *c, struct json_object *args)
{
	struct worker_spec		 ws;
	struct worktree			 head;
	struct session			*parent;
	const struct agd_machine	*m = NULL;
	const char			*pname, *task, *issue, *branch, *agent, *mid;
	char				*cause, *name = NULL, *bname = NULL;
	long long			 number = 0;
	int				 rc;

	if (cmd_worker_arg(c, args, "parentSession", 1, &pname) == -1 ||
	    cmd_worker_arg(c, args, "task", 1, &task) == -1 ||
	    cmd_worker_arg(c, args, "issue", 0, &issue) == -1 ||
	    cmd_worker_arg(c, args, "branch", 0, &branch) == -1 ||
	    cmd_worker_arg(c, args, "agent", 0, &agent) == -1 ||
	    cmd_worker_arg(c, args, "machine", 0, &mid) == -1 ||
	    cmd_valid_name(c, pname, "parentSession: invalid session name") == -1)
		return;
	free(c->audit_session);
	c->audit_session = xstrdup(pname);
	if (strlen(task) > CMD_TASK_MAX) {
		ctl_error(c, AGD_ERR_TOO_LARGE, "task longer than %d bytes", CMD_TASK_MAX);
		return;
	}
	if (issue != NULL) {
		if (!agd_valid_issue_url(issue)) {
			ctl_error(c, AGD_ERR_INVALID_FIELD, "issue: must be an http:// or"
			    " https:// URL");
			return;
		}
		number = agd_issue_number(issue);
	}
	if (mid != NULL && strcmp(mid, "local") != 0 &&
	    (m = machine_find(mid)) == NULL) {
		ctl_error(c, AGD_ERR_UNKNOWN_MACHINE, "unknown machine: %.*s", CMD_ARG_SHOWN,
		    mid);
		return;
	}
	if ((parent = cmd_worker_parent(c, pname)) == NULL)
		return;
	if (m != NULL && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: a remote machine needs the admin"
		    " role");
		return;
	}
	if (parent->mode == AGD_MODE_BYPASS && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: permissionMode bypassPermissions"
		    " needs the admin role");
		return;
	}
	if (agent != NULL && agd_conf_agent(agentd_conf, agent) == NULL) {
		ctl_error(c, AGD_ERR_INVALID_AGENT_TYPE, "unknown agent type: %.*s",
		    CMD_ARG_SHOWN, agent);
		return;
	}
	if (branch == NULL) {
		if (number == 0) {
			ctl_error(c, AGD_ERR_INVALID_FIELD, "branch: missing (and no issue"
			    " number to derive it from)");
			return;
		}
		xasprintf(&bname, "issue-%lld", number);
		branch = bname;
	}
	if (!worktree_branch_valid(branch, &cause)) {
		ctl_error(c, AGD_ERR_INVALID_BRANCH, "%s", cause);
		free(cause);
		goto out;
	}
	name = worker_name(pname, branch);
	if (session_find(name) != NULL) {
		ctl_error(c, AGD_ERR_EXISTS, "duplicate session: %s", name);
		goto out;
	}
	if (session_count() >= agentd_conf->max_sessions) {
		ctl_error(c, AGD_ERR_TOO_MANY_SESSIONS, "too many sessions: the limit is %d",
		    agentd_conf->max_sessions);
		goto out;
	}
	memset(&head, 0, sizeof head);
	if ((rc = worktree_head(parent->cwd, &head, &cause)) != 0) {
		ctl_error(c, worker_git_err(rc), "%s", cause);
		free(cause);
		worktree_clear(&head);
		goto out;
	}
	free(c->audit_session);
	c->audit_session = xstrdup(name);

	memset(&ws, 0, sizeof ws);
	ws.machine = m;
	ws.parent = parent;
	ws.type = agent != NULL ? agent : parent->agent_type;
	ws.task = task;
	ws.issue = issue;
	ws.issue_number = number;
	ws.branch = branch;
	ws.name = name;
	ws.creator = c->user;
	ws.head = &head;
	worker_dispatch(cmd_wait(c), &ws);
out:
	free(name);
	free(bname);
}

const struct cmd_entry cmd_worker_dispatch_entry = {
	"worker.dispatch", cmd_worker_dispatch_exec, AGD_ROLE_OPERATOR, CMD_AUDIT
};
