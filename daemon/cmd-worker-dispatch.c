/*
 * worker.dispatch {parentSession, task, issue, branch, agent, machine, workerType}:
 * checks everything that needs no machine here (worker.c makes the worker), and
 * answers 201 with the worker's session object once its agent runs.
 *
 * workerType is the seed CLI's: absent, the worker is <parent>.<branch> (branch
 * given, or issue-N from the issue); "factory", a worktree worker named
 * factory-<branch>-<unix time> (branch given, or feat-N from the issue);
 * "agent", an agent worker in the parent's own directory, no branch and no
 * worktree, named agent-<unix time>, on this machine. Both run on the stream
 * transport (the CLI lists its workers of sessionType stream) where their agent's
 * adapter has one and they run here; else on a terminal, as agentd's own.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "valid.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

/* Seconds after now a seed CLI worker's name may take (cmd_worker_timed_name). */
#define CMD_WORKER_NAME_TRIES	60

#define CMD_TASK_MAX		AGD_MESSAGE_MAX	/* the task becomes the prompt */
#define CMD_ARG_SHOWN		64		/* an unknown value in its error */

/* String arguments, "" as none. */
#define CMD_DISPATCH_OPT	AGD_FIELD_EMPTYABSENT
#define CMD_DISPATCH_REQ	(AGD_FIELD_EMPTYABSENT | AGD_FIELD_REQUIRED)

/*
 * The seed CLI's name of a worker, agent-<unix time> (branch NULL) or
 * factory-<branch>-<unix time>: a second worker in the same second takes the
 * next second that is free (the CLI reads the names by that pattern).
 */
static char *
cmd_worker_timed_name(const char *branch)
{
	long long	 when = (long long)time(NULL);
	char		*name = NULL;
	int		 i;

	for (i = 0; i < CMD_WORKER_NAME_TRIES; i++) {
		free(name);
		if (branch == NULL)
			xasprintf(&name, "agent-%lld", when + i);
		else
			name = worker_factory_name(branch, when + i);
		if (session_find(name) == NULL)
			break;
	}
	return (name);
}

static int
cmd_worker_type_valid(const char *t)
{
	return (strcmp(t, "agent") == 0 || strcmp(t, "factory") == 0);
}

/* Which machine and agent type there are is the configuration's: exec looks. */
static const struct agd_field cmd_worker_dispatch_fields[] = {
	{ .name = "parentSession", .flags = CMD_DISPATCH_REQ, .valid = agd_valid_name,
	  .code = AGD_ERR_INVALID_NAME, .msg = "parentSession: invalid session name",
	  CMD_MISSING("parentSession") },
	{ .name = "task", .flags = CMD_DISPATCH_REQ, .max = CMD_TASK_MAX,
	  .code = AGD_ERR_TOO_LARGE, .msg = "task longer than %lld bytes",
	  CMD_MISSING("task") },
	{ .name = "issue", .flags = CMD_DISPATCH_OPT, .valid = agd_valid_issue_url,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "issue: must be an http:// or https:// URL" },
	{ .name = "branch", .flags = CMD_DISPATCH_OPT },
	{ .name = "agent", .flags = CMD_DISPATCH_OPT },
	{ .name = "machine", .flags = CMD_DISPATCH_OPT },
	{ .name = "workerType", .flags = CMD_DISPATCH_OPT, .valid = cmd_worker_type_valid,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "workerType: agent or factory" },
	{ .name = NULL }
};

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
	const char			*pname, *task, *issue, *branch, *agent, *mid, *wtype;
	char				*cause, *name = NULL, *bname = NULL;
	long long			 number = 0;
	int				 rc, here = 0;

	pname = agd_field_string(args, "parentSession", NULL);
	task = agd_field_string(args, "task", NULL);
	issue = agd_field_string(args, "issue", NULL);
	branch = agd_field_string(args, "branch", NULL);
	agent = agd_field_string(args, "agent", NULL);
	mid = agd_field_string(args, "machine", NULL);
	wtype = agd_field_string(args, "workerType", NULL);
	if (wtype != NULL && strcmp(wtype, "agent") == 0) {
		here = 1;
		if (mid != NULL && strcmp(mid, "local") != 0) {
			ctl_error(c, AGD_ERR_INVALID_FIELD, "workerType agent: runs in the"
			    " parent's directory, on its machine");
			return;
		}
	}
	if (issue != NULL)
		number = agd_issue_number(issue);
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
	if (here) {
		branch = NULL;
		name = cmd_worker_timed_name(NULL);
	} else {
		if (branch == NULL) {
			if (number == 0) {
				ctl_error(c, AGD_ERR_INVALID_FIELD, "branch: missing (and no"
				    " issue number to derive it from)");
				return;
			}
			xasprintf(&bname, wtype != NULL ? "feat-%lld" : "issue-%lld",
			    number);
			branch = bname;
		}
		if (!worktree_branch_valid(branch, &cause)) {
			ctl_error(c, AGD_ERR_INVALID_BRANCH, "%s", cause);
			free(cause);
			goto out;
		}
		name = wtype != NULL ? cmd_worker_timed_name(branch) :
		    worker_name(pname, branch);
	}
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
	if (!here && (rc = worktree_head(parent->cwd, &head, &cause)) != 0) {
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
	ws.head = here ? NULL : &head;
	/*
	 * The seed CLI's workers run on the stream transport (it lists its workers
	 * of sessionType stream), where their agent has one and they run here.
	 */
	ws.transport = wtype != NULL && m == NULL && agent_has_stream(ws.type) ?
	    SESSION_STREAM : SESSION_TTY;
	worker_dispatch(cmd_wait(c), &ws);
out:
	free(name);
	free(bname);
}

const struct cmd_entry cmd_worker_dispatch_entry = {
	"worker.dispatch", cmd_worker_dispatch_exec, AGD_ROLE_OPERATOR,
	CMD_AUDIT | CMD_AUDIT_FIRST, cmd_worker_dispatch_fields
};
