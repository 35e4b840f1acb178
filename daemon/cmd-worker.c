/*
 * Workers: worker.dispatch, worker.link, machine.list and the end of workers.
 *
 * A worker is a normal session (session_create) whose row also says that it is a
 * worker, of which parent, on which branch, in which worktree, on which machine
 * (persist-worker.c). On this machine its worktree is made with libgit2
 * (worktree.c) and its agent runs like any other. On another machine:
 *
 *   1. a check over ssh: the clone <work_root>/<repo name> exists there, the
 *      branch, the worktree path and the tmux session do not, git and tmux run;
 *   2. git push of the parent's HEAD commit to that clone as the new branch (so
 *      the worker starts from exactly the parent's HEAD);
 *   3. over ssh: git worktree add, then the agent in a detached tmux session
 *      (tmux -L agentd, one server per remote user) and the prompt sent to it;
 *   4. the session here runs sh/worker-loop.sh: ssh -tt HOST tmux attach, again after
 *      each drop, so the output streams through the normal holder/log/WebSocket
 *      path and the agent outlives any broken link. Drops and reconnects are
 *      "link" events, recorded by the loop calling `agentd -H HOME link ID ...`.
 *
 * A failure at any step answers 502 with what ssh or git said (422/409 for what
 * the check found) and undoes the earlier steps. Nothing waits: each step is a
 * job (job.c) and the next one starts from its callback.
 *
 * The end (worker_delete, from session.delete): the sessions concerned are
 * stopped, then each worker's worktree is removed only if it is clean and its
 * branch has no commit that the base lacks, else kept with the reason in its row.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
#include "valid.h"
#include "worker.h"
#include "xmalloc.h"

#define WORKER_TASK_MAX		AGD_MESSAGE_MAX
#define WORKER_CHECK_MS		30000	/* each remote step: ConnectTimeout is 10 s */
#define WORKER_PUSH_MS		120000	/* a first push of a big repository */
#define WORKER_LINK_REASON_MAX	512

/* A dispatch in progress (a remote one waits for its jobs). */
struct dispatch {
	struct ctl_client		*c;	/* NULL once the client is gone */
	const struct agd_machine	*m;	/* NULL: this machine */
	struct worker_rec		 w;	/* the worker's row to be */
	char				*type;
	char				*prompt;
	char				*creator;
	int				 mode;
	char				*local_repo;	/* remote: pushed from */
	char				*tmux;		/* remote: tmux session */
	char				**agent_argv;	/* remote: run in tmux */
	struct job			*job;
	const char			*err_code;	/* set: undoing, then this reply */
	char				*err_msg;
	LIST_ENTRY(dispatch)		 entry;
};
static LIST_HEAD(, dispatch)	dispatches = LIST_HEAD_INITIALIZER(dispatches);

/* A delete waiting for sessions to end, then for the worktrees to be settled. */
struct wdelete {
	struct ctl_client	*c;		/* NULL once the client is gone */
	int64_t			 target;	/* whose row is the reply */
	int64_t			*ids;		/* the sessions concerned */
	int			*live;		/* 1 while ids[i] has not ended */
	size_t			 n;
	size_t			 waiting;	/* sessions still to end */
	int			 jobs;		/* remote ends still running */
	struct event		*ev;		/* the next step, from the loop */
	int			 finishing;
	LIST_ENTRY(wdelete)	 entry;
};
static LIST_HEAD(, wdelete)	wdeletes = LIST_HEAD_INITIALIZER(wdeletes);

/* One remote end of a delete. */
struct wfinish {
	struct wdelete	*d;
	int64_t		 id;
	char		*machine;
	struct job	*job;
	LIST_ENTRY(wfinish) entry;
};
static LIST_HEAD(, wfinish)	wfinishes = LIST_HEAD_INITIALIZER(wfinishes);

static void	dispatch_free(struct dispatch *);
static void	dispatch_remote_check(struct dispatch *);
static void	wdelete_step(struct wdelete *);

static struct session *
worker_session_by_id(int64_t id)
{
	struct session	*s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->id == id && s->state != SESSION_ENDED)
			return (s);
	}
	return (NULL);
}

/* The path of this program (the loop calls it back). Static buffer. */
static const char *
worker_self(void)
{
	const char	*path = agd_self_exe();

	return (path != NULL ? path : "agentd");
}

/* <parent>.<branch> made a session name: other bytes '-', at most 64. */
static char *
worker_name(const char *parent, const char *branch)
{
	char	*n, *p;

	xasprintf(&n, "%s.%s", parent, branch);
	for (p = n; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
	}
	if (strlen(n) >= AGD_NAME_MAX)
		n[AGD_NAME_MAX - 1] = '\0';
	return (n);
}

/* The tmux session of a remote worker: tmux takes no '.' or ':' in names. */
static char *
worker_tmux_name(const char *name)
{
	char	*t, *p;

	xasprintf(&t, "agentd-%s", name);
	for (p = t; *p != '\0'; p++) {
		if (*p == '.' || *p == ':')
			*p = '_';
	}
	return (t);
}

static void
dispatch_abandon(struct ctl_client *c)
{
	struct dispatch	*d = c->job;

	d->c = NULL;
}

static void
dispatch_release(struct dispatch *d)
{
	if (d->c != NULL) {
		d->c->abandon = NULL;
		d->c->job = NULL;
	}
}

static void
dispatch_error(struct dispatch *d, const char *code, const char *msg)
{
	dispatch_release(d);
	if (d->c != NULL)
		ctl_error(d->c, code, "%s", msg);
	d->c = NULL;
	dispatch_free(d);
}

static void
dispatch_free(struct dispatch *d)
{
	LIST_REMOVE(d, entry);
	if (d->job != NULL)
		job_cancel(d->job);
	dispatch_release(d);
	worker_rec_clear(&d->w);
	free(d->type);
	free(d->prompt);
	free(d->creator);
	free(d->local_repo);
	free(d->tmux);
	agd_argv_free(d->agent_argv);
	free(d->err_msg);
	free(d);
}

/*
 * The session exists: record what makes it a worker, tell the parent, and
 * answer when its agent runs (the hello, as for session.create).
 */
static void
dispatch_started(struct dispatch *d, struct session *s, const char *cwd)
{
	struct json_object	*o;
	struct session		*parent;

	persist_worker(s->id, &d->w, cwd);
	if ((parent = worker_session_by_id(d->w.parent_id)) != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "branch", json_object_new_string(d->w.branch));
		json_object_object_add(o, "machine",
		    json_object_new_string(d->w.machine));
		json_object_object_add(o, "worktree",
		    json_object_new_string(d->w.worktree));
		session_event(parent, "worker", o);
	}
	log_info("worker %s: branch %s in %s on %s", s->name, d->w.branch,
	    d->w.worktree, d->w.machine);
	if (d->c != NULL) {
		dispatch_release(d);
		s->create_waiter = d->c;
		d->c->waiting = s;
		d->c = NULL;
	}
	dispatch_free(d);
}

static void
dispatch_local(struct dispatch *d)
{
	struct worktree	 wt;
	struct session	*s;
	char		*code, *cause, *keep = NULL, *msg;

	memset(&wt, 0, sizeof wt);
	wt.repo = xstrdup(d->w.repo);
	wt.base_commit = xstrdup(d->w.base_commit);
	if (d->w.base_branch != NULL)
		wt.base_branch = xstrdup(d->w.base_branch);
	if (worktree_create(&wt, d->w.branch, &code, &cause) == -1) {
		worktree_clear(&wt);
		dispatch_error(d, code, cause);
		free(cause);
		return;
	}
	d->w.worktree = xstrdup(wt.path);
	s = session_create(d->w.name, d->type, wt.path, d->mode, d->prompt, d->creator,
	    NULL, &code, &cause);
	if (s == NULL) {
		/* Fresh and clean: the end removes it all. */
		if (worktree_finish(wt.repo, wt.path, wt.branch, wt.base_commit,
		    wt.base_branch, &keep, &msg) == -1) {
			log_warnx("worker %s: undo: %s", d->w.name, msg);
			free(msg);
		}
		free(keep);
		worktree_clear(&wt);
		dispatch_error(d, code, cause);
		free(cause);
		return;
	}
	worktree_clear(&wt);
	dispatch_started(d, s, NULL);
}

/* 502 machine_unreachable, remote_failed or what the check scripts exit with. */
static void
dispatch_remote_error(struct dispatch *d, const char *what, int status,
    const char *out, char **code, char **msg)
{
	char	*m;

	m = status == -1 ? xstrdup("timed out") : machine_message(out);
	*code = (char *)"remote_failed";
	if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 255))
		*code = (char *)"machine_unreachable";
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		*code = (char *)"not_a_repository";
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
		*code = (char *)"exists";
	xasprintf(msg, "machine %s: %s: %s", d->m->id, what, m);
	free(m);
}

/* The undo of a failed remote dispatch has run: now the error reply. */
static void
dispatch_undo_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct dispatch	*d = arg;
	char		*m;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strstr(out, "removed") == NULL) {
		m = status == -1 ? xstrdup("timed out") : machine_message(out);
		log_warnx("worker %s: undo on %s left something behind: %s",
		    d->w.name, d->m->id, m);
		free(m);
	}
	dispatch_error(d, d->err_code, d->err_msg);
}

/* Undo steps 2 and 3 on the machine (best effort), then reply code/msg. */
static void
dispatch_remote_undo(struct dispatch *d, const char *code, char *msg)
{
	char	*args[7], *cause;

	d->err_code = code;
	d->err_msg = msg;
	args[0] = d->w.repo;
	args[1] = d->w.branch;
	args[2] = d->w.worktree;
	args[3] = d->tmux;
	args[4] = d->w.base_commit;
	args[5] = NULL;		/* no base branch: only the pushed commit counts */
	d->job = machine_run(d->m, sh_worker_finish, args, WORKER_CHECK_MS,
	    dispatch_undo_cb, d, &cause);
	if (d->job == NULL) {
		log_warnx("worker %s: undo: %s", d->w.name, cause);
		free(cause);
		dispatch_error(d, d->err_code, d->err_msg);
	}
}

/* Step 4: the session here, attached to the tmux session there. */
static void
dispatch_remote_start(struct dispatch *d, const char *gitdir)
{
	struct session_opts	 opts;
	struct argv_buf		 loop = { NULL, 0 }, ssh = { NULL, 0 };
	struct session		*s;
	char			*q, *code, *cause;

	q = sh_quote(d->tmux);
	argv_add(&loop, "sh");
	argv_add(&loop, "-c");
	argv_add(&loop, "%s", sh_worker_loop);
	argv_add(&loop, "agentd-worker");
	argv_add(&loop, "%s", d->w.name);
	argv_add(&loop, "%s", worker_self());
	argv_add(&loop, "%s", agentd_home);
	argv_add(&loop, "%s", d->m->host);
	argv_add(&loop, "tmux -L agentd attach-session -d -t %s", q);
	argv_add(&loop, "tmux -L agentd has-session -t %s", q);
	argv_add(&loop, "tmux -L agentd kill-session -t %s", q);
	free(q);
	xasprintf(&q, "%s/agentd-exit", gitdir);
	code = sh_quote(q);
	free(q);
	argv_add(&loop, "cat %s 2>/dev/null", code);
	free(code);
	machine_ssh_argv(&ssh, d->m, 10);
	argv_addv(&loop, ssh.v);
	argv_clear(&ssh);

	memset(&opts, 0, sizeof opts);
	opts.argv = loop.v;
	opts.prompt_sent = 1;
	s = session_create(d->w.name, d->type, agentd_home, d->mode, d->prompt,
	    d->creator, &opts, &code, &cause);
	argv_clear(&loop);
	if (s == NULL) {
		dispatch_remote_undo(d, code, cause);
		return;
	}
	/* The worktree is the worker's directory, even if it is not here. */
	free(s->cwd);
	s->cwd = xstrdup(d->w.worktree);
	dispatch_started(d, s, d->w.worktree);
}

static void
dispatch_setup_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct dispatch	*d = arg;
	const char	*g;
	char		*code, *msg, *gitdir;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    (g = strstr(out, "gitdir=")) == NULL) {
		dispatch_remote_error(d, "setting up the worktree and tmux", status, out,
		    &code, &msg);
		dispatch_remote_undo(d, code, msg);
		return;
	}
	gitdir = xstrndup(g + 7, strcspn(g + 7, "\r\n"));
	dispatch_remote_start(d, gitdir);
	free(gitdir);
}

static void
dispatch_push_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct dispatch	*d = arg;
	char		*args[8], *code, *msg, *cause, cols[16], rows[16];
	int		 i = 0;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dispatch_remote_error(d, "git push", status, out, &code, &msg);
		if (strcmp(code, "remote_failed") == 0 && strstr(out, "ssh:") != NULL)
			code = (char *)"machine_unreachable";
		/* A failed push creates no ref; nothing to undo. */
		dispatch_error(d, code, msg);
		free(msg);
		return;
	}
	snprintf(cols, sizeof cols, "%d", agentd_conf->default_cols);
	snprintf(rows, sizeof rows, "%d", agentd_conf->default_rows);
	args[i++] = d->w.repo;
	args[i++] = d->w.branch;
	args[i++] = d->w.worktree;
	args[i++] = d->tmux;
	args[i++] = cols;
	args[i++] = rows;
	args[i++] = d->prompt != NULL ? d->prompt : (char *)"";
	args[i] = NULL;
	{
		struct argv_buf	all = { NULL, 0 };

		argv_addv(&all, args);
		argv_addv(&all, d->agent_argv);
		d->job = machine_run(d->m, sh_worker_setup, all.v, WORKER_CHECK_MS,
		    dispatch_setup_cb, d, &cause);
		argv_clear(&all);
	}
	if (d->job == NULL) {
		dispatch_remote_undo(d, "internal", cause);
		return;
	}
}

/* ssh://[user@]host[:port]/path for git. Caller frees. */
static char *
dispatch_remote_url(const struct agd_machine *m, const char *path)
{
	char	*url, port[16] = "";

	if (m->port != 0)
		snprintf(port, sizeof port, ":%d", m->port);
	xasprintf(&url, "ssh://%s%s%s%s%s%s%s", m->user != NULL ? m->user : "",
	    m->user != NULL ? "@" : "", strchr(m->host, ':') != NULL ? "[" : "",
	    m->host, strchr(m->host, ':') != NULL ? "]" : "", port, path);
	return (url);
}

static void
dispatch_check_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct dispatch	*d = arg;
	struct argv_buf	 a = { NULL, 0 };
	char		*code, *msg, *url, *ssh, *env[3], *cause;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dispatch_remote_error(d, "check", status, out, &code, &msg);
		dispatch_error(d, code, msg);
		free(msg);
		return;
	}
	url = dispatch_remote_url(d->m, d->w.repo);
	ssh = machine_ssh_command(d->m);
	xasprintf(&env[0], "GIT_SSH_COMMAND=%s", ssh);
	env[1] = (char *)"GIT_TERMINAL_PROMPT=0";
	env[2] = NULL;
	argv_add(&a, "git");
	argv_add(&a, "-C");
	argv_add(&a, "%s", d->local_repo);
	argv_add(&a, "push");
	argv_add(&a, "--quiet");
	argv_add(&a, "--no-verify");
	argv_add(&a, "%s", url);
	argv_add(&a, "%s:refs/heads/%s", d->w.base_commit, d->w.branch);
	d->job = job_run(a.v, env, WORKER_PUSH_MS, dispatch_push_cb, d, &cause);
	argv_clear(&a);
	free(env[0]);
	free(ssh);
	free(url);
	if (d->job == NULL) {
		dispatch_error(d, "internal", cause);
		free(cause);
	}
}

static void
dispatch_remote_check(struct dispatch *d)
{
	char	*args[5], *cause;

	args[0] = d->w.repo;
	args[1] = d->w.branch;
	args[2] = d->w.worktree;
	args[3] = d->tmux;
	args[4] = NULL;
	d->job = machine_run(d->m, sh_worker_check, args, WORKER_CHECK_MS,
	    dispatch_check_cb, d, &cause);
	if (d->job == NULL) {
		dispatch_error(d, "internal", cause);
		free(cause);
	}
}

/* A string argument: -1 (and the reply) if it has the wrong type or is missing. */
static int
worker_arg(struct ctl_client *c, struct json_object *args, const char *key,
    int required, const char **out)
{
	*out = NULL;
	if (args == NULL || agd_json_get_string(args, key, out) == -1) {
		ctl_error(c, "invalid_field", "%s: must be a string", key);
		return (-1);
	}
	if (required && (*out == NULL || **out == '\0')) {
		ctl_error(c, "invalid_field", "%s: missing", key);
		return (-1);
	}
	if (*out != NULL && **out == '\0')
		*out = NULL;
	return (0);
}

/*
 * worker.dispatch {parentSession, task, issue, branch, agent, machine}: checks
 * everything that needs no machine first, then makes the worker.
 */
void
cmd_worker_dispatch(struct ctl_client *c, struct json_object *args)
{
	struct dispatch			*d;
	struct session			*parent;
	const struct agd_machine	*m = NULL;
	const char			*pname, *task, *issue, *branch, *agent, *mid;
	char				*creator, *code, *cause, *name, *bname = NULL;
	struct worktree			 head;
	long long			 number = 0;
	int				 ended = 0;

	if (worker_arg(c, args, "parentSession", 1, &pname) == -1 ||
	    worker_arg(c, args, "task", 1, &task) == -1 ||
	    worker_arg(c, args, "issue", 0, &issue) == -1 ||
	    worker_arg(c, args, "branch", 0, &branch) == -1 ||
	    worker_arg(c, args, "agent", 0, &agent) == -1 ||
	    worker_arg(c, args, "machine", 0, &mid) == -1)
		return;
	if (!agd_valid_name(pname)) {
		ctl_error(c, "invalid_name", "parentSession: invalid session name");
		return;
	}
	free(c->audit_session);
	c->audit_session = xstrdup(pname);
	if (strlen(task) > WORKER_TASK_MAX) {
		ctl_error(c, "too_large", "task longer than %d bytes", WORKER_TASK_MAX);
		return;
	}
	if (issue != NULL) {
		if (!agd_valid_issue_url(issue)) {
			ctl_error(c, "invalid_field", "issue: must be an http:// or"
			    " https:// URL");
			return;
		}
		number = agd_issue_number(issue);
	}
	if (mid != NULL && strcmp(mid, "local") != 0 &&
	    (m = machine_find(mid)) == NULL) {
		ctl_error(c, "unknown_machine", "unknown machine: %.64s", mid);
		return;
	}
	if ((parent = session_find(pname)) == NULL || parent->state == SESSION_ENDED) {
		if (persist_lookup(pname, &ended) != 0)
			ctl_error(c, "parent_not_running", "parent session has ended: %s",
			    pname);
		else
			ctl_error(c, "not_found", "no such session: %s", pname);
		return;
	}
	creator = persist_creator(parent->id);
	if (!agd_auth_may_manage(agentd_conf, c->role, c->user, creator)) {
		free(creator);
		ctl_error(c, "forbidden", "forbidden: needs the admin role to dispatch"
		    " from another user's session");
		return;
	}
	free(creator);
	if (m != NULL && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, "forbidden", "forbidden: a remote machine needs the admin"
		    " role");
		return;
	}
	if (parent->mode == AGD_MODE_BYPASS && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, "forbidden", "forbidden: permissionMode bypassPermissions"
		    " needs the admin role");
		return;
	}
	if (agent != NULL && agd_conf_agent(agentd_conf, agent) == NULL) {
		ctl_error(c, "invalid_agent_type", "unknown agent type: %.64s", agent);
		return;
	}
	if (branch == NULL) {
		if (number == 0) {
			ctl_error(c, "invalid_field", "branch: missing (and no issue"
			    " number to derive it from)");
			return;
		}
		xasprintf(&bname, "issue-%lld", number);
		branch = bname;
	}
	if (!worktree_branch_valid(branch, &cause)) {
		ctl_error(c, "invalid_branch", "%s", cause);
		free(cause);
		free(bname);
		return;
	}
	name = worker_name(pname, branch);
	if (session_find(name) != NULL) {
		ctl_error(c, "exists", "duplicate session: %s", name);
		goto out;
	}
	if (session_count() >= agentd_conf->max_sessions) {
		ctl_error(c, "too_many_sessions", "too many sessions: the limit is %d",
		    agentd_conf->max_sessions);
		goto out;
	}
	memset(&head, 0, sizeof head);
	if (worktree_head(parent->cwd, &head, &code, &cause) == -1) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		worktree_clear(&head);
		goto out;
	}
	free(c->audit_session);
	c->audit_session = xstrdup(name);

	d = xcalloc(1, sizeof *d);
	LIST_INSERT_HEAD(&dispatches, d, entry);
	d->c = c;
	d->m = m;
	d->type = xstrdup(agent != NULL ? agent : parent->agent_type);
	d->mode = parent->mode;
	d->creator = xstrdup(c->user);
	if (issue != NULL && number > 0)
		xasprintf(&d->prompt, "%s\n\nIssue: %s (#%lld)", task, issue, number);
	else if (issue != NULL)
		xasprintf(&d->prompt, "%s\n\nIssue: %s", task, issue);
	else
		d->prompt = xstrdup(task);
	d->w.name = name;
	name = NULL;
	d->w.parent_id = parent->id;
	d->w.branch = xstrdup(branch);
	d->w.machine = xstrdup(m != NULL ? m->id : "local");
	if (issue != NULL)
		d->w.issue_url = xstrdup(issue);
	d->w.issue_number = number;
	d->w.base_commit = head.base_commit;
	d->w.base_branch = head.base_branch;
	head.base_commit = head.base_branch = NULL;
	if (m == NULL) {
		d->w.repo = head.repo;
		head.repo = NULL;
		worktree_clear(&head);
		dispatch_local(d);
		goto out;
	}

	/* Elsewhere: <work_root>/<repo name>/.worktrees/<branch>. */
	{
		const struct agd_agent	*a;
		char			*tmp = xstrdup(head.repo);

		xasprintf(&d->w.repo, "%s/%s", m->work_root, basename(tmp));
		free(tmp);
		a = agd_conf_agent(agentd_conf, d->type);
		if (a == NULL || (d->agent_argv = agd_argv_split(a->argv[d->mode],
		    NULL, &cause)) == NULL) {
			worktree_clear(&head);
			dispatch_error(d, "internal", a == NULL ? "no agent" : cause);
			if (a != NULL)
				free(cause);
			goto out;
		}
	}
	xasprintf(&d->w.worktree, "%s/.worktrees/%s", d->w.repo, branch);
	d->local_repo = head.repo;
	head.repo = NULL;
	worktree_clear(&head);
	d->tmux = worker_tmux_name(d->w.name);
	c->abandon = dispatch_abandon;
	c->job = d;
	dispatch_remote_check(d);
out:
	free(name);
	free(bname);
}

/* worker.link {name, state, reason}: a remote worker's loop reports its link. */
void
cmd_worker_link(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	struct worker_rec	 w;
	const char		*name = NULL, *state = NULL, *reason = NULL;

	if (args == NULL || agd_json_get_string(args, "name", &name) == -1 ||
	    agd_json_get_string(args, "state", &state) == -1 ||
	    agd_json_get_string(args, "reason", &reason) == -1 || name == NULL ||
	    state == NULL || (strcmp(state, "up") != 0 && strcmp(state, "down") != 0)) {
		ctl_error(c, "invalid_field", "name, state (up or down), reason");
		return;
	}
	if ((s = session_find(name)) == NULL || s->state == SESSION_ENDED) {
		ctl_error(c, "not_found", "no live session %.64s", name);
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
		    (int)strnlen(reason, WORKER_LINK_REASON_MAX)));
	session_event(s, "link", o);
	log_info("session %s: link %s%s%s", s->name, state, reason != NULL ? ": " : "",
	    reason != NULL ? reason : "");
	ctl_reply(c, 200, json_object_new_object());
}

void
cmd_machine_list(struct ctl_client *c, struct json_object *args)
{
	(void)args;
	machine_list(c);
}

/* `agentd -H HOME link NAME up|down [REASON]`: what sh/worker-loop.sh calls. */
int
worker_link_client(const char *home, int argc, char **argv)
{
	struct json_object	*args, *body = NULL;
	char			*path, *cause;
	int			 status, rc;

	if (argc < 3 || argc > 4 || !agd_valid_name(argv[1]))
		return (2);
	path = agd_ctl_path(home);
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(argv[1]));
	json_object_object_add(args, "state", json_object_new_string(argv[2]));
	if (argc == 4)
		json_object_object_add(args, "reason", json_object_new_string(argv[3]));
	rc = agd_ctl_call(path, "worker.link", args, NULL, 10000, &status, &body, &cause);
	json_object_put(args);
	free(path);
	if (rc != 0) {
		fprintf(stderr, "agentd: %s\n", cause);
		free(cause);
		return (1);
	}
	json_object_put(body);
	return (status == 200 ? 0 : 1);
}

/* ------------------------------------------------------------------------- */
/* The end of workers */

static void
wdelete_abandon(struct ctl_client *c)
{
	struct wdelete	*d = c->job;

	d->c = NULL;
}

static void
wdelete_free(struct wdelete *d)
{
	struct wfinish	*f, *next;

	LIST_REMOVE(d, entry);
	for (f = LIST_FIRST(&wfinishes); f != NULL; f = next) {
		next = LIST_NEXT(f, entry);
		if (f->d != d)
			continue;
		LIST_REMOVE(f, entry);
		if (f->job != NULL)
			job_cancel(f->job);
		free(f->machine);
		free(f);
	}
	if (d->c != NULL) {
		d->c->abandon = NULL;
		d->c->job = NULL;
	}
	event_free(d->ev);
	free(d->ids);
	free(d->live);
	free(d);
}

static void
wdelete_reply(struct wdelete *d)
{
	struct json_object	*o;
	struct ctl_client	*c = d->c;

	if (c != NULL) {
		c->abandon = NULL;
		c->job = NULL;
		d->c = NULL;
		if ((o = persist_session_json(d->target)) != NULL)
			ctl_reply(c, 200, o);
		else
			ctl_error(c, "internal", "session vanished");
	}
	wdelete_free(d);
}

static void
wdelete_finish_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct wfinish	*f = arg;
	struct wdelete	*d = f->d;
	const char	*p;
	char		*m, *why;
	int		 dirty = -1, ahead = -1;

	(void)j;
	(void)len;
	f->job = NULL;
	if ((p = strstr(out, "dirty=")) != NULL)
		sscanf(p, "dirty=%d ahead=%d", &dirty, &ahead);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strstr(out, "removed") != NULL)
		persist_worktree_end(f->id, "removed", NULL);
	else if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    dirty >= 0 && ahead >= 0) {
		if (dirty > 0 && ahead > 0)
			xasprintf(&why, "uncommitted changes (%d file%s); %d commit%s"
			    " not in the base", dirty, dirty == 1 ? "" : "s", ahead,
			    ahead == 1 ? "" : "s");
		else if (dirty > 0)
			xasprintf(&why, "uncommitted changes (%d file%s)", dirty,
			    dirty == 1 ? "" : "s");
		else
			xasprintf(&why, "%d commit%s not in the base", ahead,
			    ahead == 1 ? "" : "s");
		persist_worktree_end(f->id, "kept", why);
		free(why);
	} else {
		m = status == -1 ? xstrdup("timed out") : machine_message(out);
		xasprintf(&why, "could not check the worktree on %s: %s", f->machine, m);
		persist_worktree_end(f->id, "kept", why);
		log_warnx("worker %lld: %s", (long long)f->id, why);
		free(why);
		free(m);
	}
	LIST_REMOVE(f, entry);
	free(f->machine);
	free(f);
	if (--d->jobs == 0)
		wdelete_reply(d);
}

/* Settle the worktree of worker id (ended): locally now, remotely by a job. */
static void
wdelete_settle(struct wdelete *d, int64_t id)
{
	const struct agd_machine	*m;
	struct worker_rec		 w;
	struct wfinish			*f;
	char				*keep = NULL, *cause = NULL, *why, *tmux;
	char				*args[7];

	if (persist_worker_load(id, &w) == -1)
		return;
	if (w.role == NULL || strcmp(w.role, "worker") != 0 ||
	    w.worktree_state == NULL || strcmp(w.worktree_state, "active") != 0 ||
	    w.repo == NULL || w.worktree == NULL || w.branch == NULL)
		goto out;
	if (w.machine == NULL || strcmp(w.machine, "local") == 0) {
		if (worktree_finish(w.repo, w.worktree, w.branch, w.base_commit,
		    w.base_branch, &keep, &cause) == -1) {
			xasprintf(&why, "could not check the worktree: %s", cause);
			persist_worktree_end(id, "kept", why);
			log_warnx("worker %s: %s", w.name, why);
			free(why);
			free(cause);
		} else if (keep != NULL) {
			persist_worktree_end(id, "kept", keep);
			log_info("worker %s: kept %s (%s)", w.name, w.worktree, keep);
			free(keep);
		} else {
			persist_worktree_end(id, "removed", NULL);
			log_info("worker %s: removed %s", w.name, w.worktree);
		}
		goto out;
	}
	if ((m = machine_find(w.machine)) == NULL) {
		xasprintf(&why, "machine %s is no longer configured", w.machine);
		persist_worktree_end(id, "kept", why);
		free(why);
		goto out;
	}
	tmux = worker_tmux_name(w.name);
	args[0] = w.repo;
	args[1] = w.branch;
	args[2] = w.worktree;
	args[3] = tmux;
	args[4] = w.base_commit != NULL ? w.base_commit : (char *)"";
	args[5] = w.base_branch != NULL ? w.base_branch : (char *)"";
	args[6] = NULL;
	f = xcalloc(1, sizeof *f);
	f->d = d;
	f->id = id;
	f->machine = xstrdup(w.machine);
	f->job = machine_run(m, sh_worker_finish, args, WORKER_CHECK_MS,
	    wdelete_finish_cb, f, &cause);
	free(tmux);
	if (f->job == NULL) {
		xasprintf(&why, "could not check the worktree: %s", cause);
		persist_worktree_end(id, "kept", why);
		free(why);
		free(cause);
		free(f->machine);
		free(f);
		goto out;
	}
	LIST_INSERT_HEAD(&wfinishes, f, entry);
	d->jobs++;
out:
	worker_rec_clear(&w);
}

/* Every session concerned has ended: settle the worktrees, then answer. */
static void
wdelete_step(struct wdelete *d)
{
	size_t	i;

	d->finishing = 1;
	d->jobs = 1;		/* until every settle is started */
	for (i = 0; i < d->n; i++)
		wdelete_settle(d, d->ids[i]);
	if (--d->jobs == 0)
		wdelete_reply(d);
}

static void
wdelete_step_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wdelete_step(arg);
}

/*
 * session.delete of a worker whose worktree is still there, or of a parent with
 * workers (unless keepWorkers): 1 if this takes the request over, 0 to leave it
 * to the plain delete.
 */
int
worker_delete(struct ctl_client *c, const char *name, struct json_object *args)
{
	struct wdelete		*d;
	struct worker_rec	 w;
	struct session		*s;
	struct timeval		 tv = { 0, 0 };
	int64_t			 id, *ids = NULL;
	size_t			 n = 0, i;
	int			 ended = 0, keep = 0;

	if ((id = persist_lookup(name, &ended)) == 0 ||
	    persist_worker_load(id, &w) == -1)
		return (0);
	if (args != NULL && agd_json_get_bool(args, "keepWorkers", &keep) == -1)
		keep = 0;
	if (w.role != NULL && strcmp(w.role, "worker") == 0 &&
	    w.worktree_state != NULL && strcmp(w.worktree_state, "active") == 0) {
		ids = xmalloc(sizeof *ids);
		ids[n++] = id;
	} else if (w.role != NULL && strcmp(w.role, "parent") == 0 && !keep) {
		n = persist_workers_of(id, &ids);
		if (n == 0) {
			free(ids);
			worker_rec_clear(&w);
			return (0);
		}
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = id;
	}
	worker_rec_clear(&w);
	if (n == 0)
		return (0);

	d = xcalloc(1, sizeof *d);
	d->c = c;
	d->target = id;
	d->ids = ids;
	d->n = n;
	d->live = xcalloc(n, sizeof *d->live);
	d->ev = evtimer_new(agentd_base, wdelete_step_cb, d);
	LIST_INSERT_HEAD(&wdeletes, d, entry);
	c->abandon = wdelete_abandon;
	c->job = d;
	/* Mark them all first: a kill without a holder ends a session at once. */
	for (i = 0; i < n; i++) {
		if (worker_session_by_id(ids[i]) != NULL) {
			d->live[i] = 1;
			d->waiting++;
		}
	}
	for (i = 0; i < n; i++) {
		if (d->live[i] && (s = worker_session_by_id(ids[i])) != NULL)
			session_kill(s);
	}
	if (d->waiting == 0)
		evtimer_add(d->ev, &tv);
	return (1);
}

/* From session_end: s has ended (its row says so already). */
void
worker_session_ended(struct session *s)
{
	struct wdelete	*d;
	struct timeval	 tv = { 0, 0 };
	size_t		 i;

	LIST_FOREACH(d, &wdeletes, entry) {
		for (i = 0; i < d->n; i++) {
			if (d->ids[i] != s->id || !d->live[i])
				continue;
			d->live[i] = 0;
			if (--d->waiting == 0 && !d->finishing)
				evtimer_add(d->ev, &tv);	/* not inside session_end */
		}
	}
}

/* At exit, after the control clients are gone. */
void
worker_shutdown(void)
{
	struct dispatch	*d;
	struct wdelete	*w;

	while ((d = LIST_FIRST(&dispatches)) != NULL)
		dispatch_free(d);
	while ((w = LIST_FIRST(&wdeletes)) != NULL)
		wdelete_free(w);
	machine_shutdown();
	job_shutdown();
	worktree_shutdown();
}
