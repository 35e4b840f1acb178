/*
 * POST /api/agents/sessions/dispatch-worker: a worker agent for a parent session,
 * in a git worktree of its own, here or on a configured machine.
 *
 * The body {parentSession, issue, branch, task, agent, machine} is checked here
 * for what needs nothing but the body (the older names issueUrl and agentType are
 * accepted); op worker.dispatch goes to agentd, which checks the rest (parent,
 * branch rules, machine, repository) and answers 201 once the agent runs.
 */
#include "agd.h"
#include "api.h"
#include "valid.h"

static int	api_worker_dispatch_exec(struct req *);

const struct api_entry api_worker_dispatch_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/dispatch-worker",
	.flags = API_BODY,
	.exec = api_worker_dispatch_exec
};

/* Copy member key (or alias) to args as the canonical key; -1 if not a string. */
static int
api_worker_copy(struct req *req, struct json_object *args, const char *key,
    const char *alias, const char **out)
{
	size_t	len;
	int	rc;

	if ((rc = request_string(req->json, key, alias, out, &len)) == -1) {
		reply_error(req, "invalid_field", "%s: must be a string", key);
		return (-1);
	}
	if (rc == 1 && len > 0)
		json_object_object_add(args, key,
		    json_object_new_string_len(*out, (int)len));
	if (rc == 1 && len == 0)
		*out = NULL;
	return (0);
}

static int
api_worker_dispatch_exec(struct req *req)
{
	struct json_object	*args;
	const char		*parent, *task, *issue, *branch, *agent, *machine;

	args = json_object_new_object();
	if (api_worker_copy(req, args, "parentSession", NULL, &parent) == -1 ||
	    api_worker_copy(req, args, "task", "prompt", &task) == -1 ||
	    api_worker_copy(req, args, "issue", "issueUrl", &issue) == -1 ||
	    api_worker_copy(req, args, "branch", NULL, &branch) == -1 ||
	    api_worker_copy(req, args, "agent", "agentType", &agent) == -1 ||
	    api_worker_copy(req, args, "machine", NULL, &machine) == -1)
		goto out;
	if (parent == NULL || !agd_valid_name(parent)) {
		reply_error(req, "invalid_name", "parentSession: invalid session name");
		goto out;
	}
	if (task == NULL) {
		reply_error(req, "invalid_field", "task: missing");
		goto out;
	}
	if (issue != NULL && !agd_valid_issue_url(issue)) {
		reply_error(req, "invalid_field",
		    "issue: must be an http:// or https:// URL");
		goto out;
	}
	ctl_relay(req, "worker.dispatch", args);
out:
	json_object_put(args);
	return (0);
}
