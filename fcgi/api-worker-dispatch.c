/*
 * POST /api/agents/sessions/dispatch-worker: a worker agent for a parent session,
 * in a git worktree of its own, here or on a configured machine.
 *
 * The body {parentSession, issue, branch, task, agent, machine, workerType} is
 * checked here for what needs nothing but the body (the older names issueUrl and
 * agentType are accepted); op worker.dispatch goes to agentd, which checks the
 * rest (parent, branch rules, machine, repository) and answers 201 once the agent
 * runs. workerType (the seed CLI's): "agent", a worker in the parent's directory
 * without a branch; "factory", a worktree worker (daemon/cmd-worker-dispatch.c).
 */
#include <string.h>

#include "agd.h"
#include "api.h"
#include "field.h"
#include "valid.h"

static int	api_worker_dispatch_exec(struct req *);

/* The seed CLI's kinds: an agent in the parent's directory, or a worktree. */
static int
api_dispatch_type(const char *t)
{
	return (strcmp(t, "agent") == 0 || strcmp(t, "factory") == 0);
}

/* An empty string is as if the member were absent (the seed sends "" for unset). */
#define DISPATCH_OPT	AGD_FIELD_EMPTYABSENT

static const struct agd_field api_worker_dispatch_fields[] = {
	{ .name = "parentSession", .flags = DISPATCH_OPT | AGD_FIELD_REQUIRED,
	  .valid = agd_valid_name, .code = AGD_ERR_INVALID_NAME,
	  .msg = "parentSession: invalid session name" },
	{ .name = "task", .alias = "prompt", .flags = DISPATCH_OPT | AGD_FIELD_REQUIRED,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "task: missing" },
	{ .name = "issue", .alias = "issueUrl", .flags = DISPATCH_OPT,
	  .valid = agd_valid_issue_url, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "issue: must be an http:// or https:// URL" },
	{ .name = "branch", .flags = DISPATCH_OPT },
	{ .name = "agent", .alias = "agentType", .flags = DISPATCH_OPT },
	{ .name = "machine", .flags = DISPATCH_OPT },
	{ .name = "workerType", .flags = DISPATCH_OPT, .valid = api_dispatch_type,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "workerType: agent or factory" },
	{ .name = NULL }
};

const struct api_entry api_worker_dispatch_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/dispatch-worker",
	.flags = API_BODY,
	.fields = api_worker_dispatch_fields,
	.exec = api_worker_dispatch_exec
};

static int
api_worker_dispatch_exec(struct req *req)
{
	ctl_relay(req, "worker.dispatch", req->args);
	return (0);
}
