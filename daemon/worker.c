/*
 * Workers, the subsystem: the making of a worker (here or over SSH) and the
 * end of workers. The control commands that lead here are cmd-worker-dispatch.c
 * (worker_dispatch), cmd-session-delete.c (worker_delete); each answers through
 * its waiter (waiter.h), never to a client.
 *
 * A worker is a normal session (session_create) whose row also says that it is a
 * worker, of which parent, on which branch, in which worktree, on which machine
 * (persist-worker.c). On this machine its worktree is made with libgit2
 * (worktree.c) and its agent runs like any other. On another machine:
 *
 *   1. a check over ssh: the clone <work_root>/<repo name> exists there, the
 *      branch, the worktree path and the tmux session do not, git and tmux run;
 *   2. git push of the parent's HEAD commit to that clone as the new branch (so
 *      the worker starts from exactly the parent's HEAD), from a scratch
 *      repository that reads none of the parent's git config (worker-push.c);
 *   3. over ssh: git worktree add, then the agent in a detached tmux session
 *      (its own tmux server, -L agentd-<stack>-<name>: two stacks or two
 *      workers never share one) and the prompt sent to it;
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
#include <sys/stat.h>
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
#include "valid.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

#define WORKER_CHECK_MS		30000	/* each remote step: ConnectTimeout is 10 s */
#define WORKER_PUSH_MS		120000	/* a first push of a big repository */

/* A dispatch in progress (a remote one waits for its jobs). */
struct dispatch {
	struct waiter			*waiter;	/* NULL once the client is gone */
	const struct agd_machine	*m;	/* NULL: this machine */
	struct worker_rec		 w;	/* the worker's row to be */
	char				*type;
	char				*prompt;
	char				*creator;
	int				 mode;
	int				 trust;	/* the parent's folder trust */
	int64_t				 trust_dev;	/* in the parent's folder: */
	int64_t				 trust_ino;	/* that directory (else 0) */
	int				 transport;	/* here: SESSION_* */
	char				*local_repo;	/* remote: pushed from */
	char				*scratch;	/* remote: the push's repository */
	char				*tmux;		/* remote: tmux session */
	char				**agent_argv;	/* remote: run in tmux */
	struct job			*job;
	enum agd_err			 err_code;	/* undoing: then this reply */
	char				*err_msg;
	LIST_ENTRY(dispatch)		 entry;
};
static LIST_HEAD(, dispatch)	dispatches = LIST_HEAD_INITIALIZER(dispatches);

static void	dispatch_free(struct dispatch *);
static const struct session_opts *dispatch_opts(const struct dispatch *,
		    struct session_opts *);
static int	dispatch_trust(const struct session *, const char *);
static void	dispatch_remote_check(struct dispatch *);

struct session *
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

/* n made a session name: bytes other than [A-Za-z0-9._-] '-', at most 64. */
static char *
worker_name_clean(char *n)
{
	char	*p;

	for (p = n; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
	}
	if (strlen(n) >= AGD_NAME_MAX)
		n[AGD_NAME_MAX - 1] = '\0';
	return (n);
}

char *
worker_name(const char *parent, const char *branch)
{
	char	*n;

	xasprintf(&n, "%s.%s", parent, branch);
	return (worker_name_clean(n));
}

char *
worker_factory_name(const char *branch, long long when)
{
	char	*n, *b;

	/* The time stays whole: the branch gives way to it at the limit. */
	xasprintf(&b, "%.*s", AGD_NAME_MAX - 1 - 8 - 1 - 20, branch);
	xasprintf(&n, "factory-%s-%lld", b, when);
	free(b);
	return (worker_name_clean(n));
}

char *
worker_tmux_name(const char *name)
{
	char		*t, *p, host[256];
	const char	*c;
	uint32_t	 h = 2166136261u;	/* FNV-1a of "host:HOME": this stack */

	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	for (c = host; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h = (h ^ ':') * 16777619u;
	for (c = agentd_home; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	xasprintf(&t, "agentd-%08x-%s", h, name);
	for (p = t; *p != '\0'; p++) {
		if (*p == '.' || *p == ':')
			*p = '_';
	}
	return (t);
}

/* The client of a dispatch went away: the dispatch goes on, unanswered. */
static void
dispatch_cancel(struct waiter *w, void *arg)
{
	struct dispatch	*d = arg;

	(void)w;
	d->waiter = NULL;
}

static void
dispatch_error(struct dispatch *d, enum agd_err code, const char *msg)
{
	if (d->waiter != NULL)
		waiter_error(d->waiter, code, "%s", msg);
	d->waiter = NULL;
	dispatch_free(d);
}

static void
dispatch_free(struct dispatch *d)
{
	LIST_REMOVE(d, entry);
	if (d->job != NULL)
		job_cancel(d->job);
	worker_push_remove(d->scratch);
	if (d->waiter != NULL)
		waiter_hold(d->waiter, NULL, NULL);	/* at exit: nobody to tell */
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
	if (d->w.worktree == NULL)	/* an agent worker: nothing to settle */
		persist_worktree_end(s->id, NULL, NULL);
	if ((parent = worker_session_by_id(d->w.parent_id)) != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "branch", d->w.branch != NULL ?
		    json_object_new_string(d->w.branch) : NULL);
		json_object_object_add(o, "machine",
		    json_object_new_string(d->w.machine));
		json_object_object_add(o, "worktree", d->w.worktree != NULL ?
		    json_object_new_string(d->w.worktree) : NULL);
		session_event(parent, "worker", o);
	}
	log_info("worker %s: branch %s in %s on %s", s->name,
	    d->w.branch != NULL ? d->w.branch : "(none)",
	    d->w.worktree != NULL ? d->w.worktree : s->cwd, d->w.machine);
	if (d->waiter != NULL) {
		session_wait_running(s, d->waiter);
		d->waiter = NULL;
	}
	dispatch_free(d);
}

static void
dispatch_local(struct dispatch *d)
{
	struct worktree		 wt;
	struct session_opts	 opts;
	struct session		*s;
	enum agd_err		 code;
	char			*cause, *keep = NULL, *msg;
	int			 rc;

	memset(&wt, 0, sizeof wt);
	wt.repo = xstrdup(d->w.repo);
	wt.base_commit = xstrdup(d->w.base_commit);
	if (d->w.base_branch != NULL)
		wt.base_branch = xstrdup(d->w.base_branch);
	if ((rc = worktree_create(&wt, d->w.branch, &cause)) != 0) {
		worktree_clear(&wt);
		dispatch_error(d, worker_git_err(rc), cause);
		free(cause);
		return;
	}
	d->w.worktree = xstrdup(wt.path);
	s = session_create(d->w.name, d->type, wt.path, d->mode, d->prompt, d->creator,
	    dispatch_opts(d, &opts), &code, &cause);
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

/*
 * A worker's folder trust: its parent's, in the parent's folder (the directory
 * the parent was created in, not another put at that path since) or in a worktree
 * of a repository at or below it. A repository found elsewhere (upward, or named
 * by a .git file the agent could write) was never checked: not trusted.
 */
static int
dispatch_trust(const struct session *parent, const char *repo)
{
	struct stat	sb;
	char		p[PATH_MAX], r[PATH_MAX];
	size_t		len;

	if (!(parent->flags & SESSION_TRUSTED) || stat(parent->cwd, &sb) == -1 ||
	    sb.st_dev != parent->cwd_dev || sb.st_ino != parent->cwd_ino)
		return (0);
	if (repo == NULL)
		return (1);
	if (realpath(parent->cwd, p) == NULL || realpath(repo, r) == NULL)
		return (0);
	len = strlen(p);
	return (strncmp(r, p, len) == 0 && (r[len] == '\0' || r[len] == '/'));
}

/* A local worker's options: the defaults, and its folder trust (dispatch_trust). */
static const struct session_opts *
dispatch_opts(const struct dispatch *d, struct session_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->transport = d->transport;
	opts->max_cost = -1;
	opts->max_tokens = -1;
	opts->trust = d->trust;
	opts->trust_dev = d->trust_dev;
	opts->trust_ino = d->trust_ino;
	opts->trust_why = d->trust ? "the parent session's folder is trusted" :
	    "the parent session's folder is not trusted, or the repository is not in it";
	return (opts);
}

/* An agent worker: a session in the parent's directory, no worktree. */
static void
dispatch_here(struct dispatch *d, const char *cwd)
{
	struct session_opts	 opts;
	struct session		*s;
	enum agd_err		 code;
	char			*cause;

	s = session_create(d->w.name, d->type, cwd, d->mode, d->prompt, d->creator,
	    dispatch_opts(d, &opts), &code, &cause);
	if (s == NULL) {
		dispatch_error(d, code, cause);
		free(cause);
		return;
	}
	dispatch_started(d, s, NULL);
}

/*
 * The error of a failed remote step: machine_unreachable, remote_failed or what
 * the check scripts exit with; *msg (the caller frees) says what happened.
 */
static enum agd_err
dispatch_remote_error(struct dispatch *d, const char *what, int status,
    const char *out, char **msg)
{
	enum agd_err	 code = AGD_ERR_REMOTE_FAILED;
	char		*m;

	m = status == -1 ? xstrdup("timed out") : machine_message(out);
	if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 255))
		code = AGD_ERR_MACHINE_UNREACHABLE;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		code = AGD_ERR_NOT_A_REPOSITORY;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
		code = AGD_ERR_EXISTS;
	xasprintf(msg, "machine %s: %s: %s", d->m->id, what, m);
	free(m);
	return (code);
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
dispatch_remote_undo(struct dispatch *d, enum agd_err code, char *msg)
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

void
worker_loop_argv(struct argv_buf *loop, const char *name, const struct agd_machine *m,
    const char *tmux, const char *exitfile)
{
	struct argv_buf	 ssh = { NULL, 0 };
	char		*q, *code;

	q = sh_quote(tmux);
	argv_add(loop, "sh");
	argv_add(loop, "-c");
	argv_add(loop, "%s", sh_worker_loop);
	argv_add(loop, "agentd-worker");
	argv_add(loop, "%s", name);
	argv_add(loop, "%s", worker_self());
	argv_add(loop, "%s", agentd_home);
	argv_add(loop, "%s", m->host);
	argv_add(loop, "tmux -L %s attach-session -d -t %s", q, q);
	argv_add(loop, "tmux -L %s has-session -t %s", q, q);
	argv_add(loop, "tmux -L %s kill-session -t %s", q, q);
	free(q);
	code = sh_quote(exitfile);
	argv_add(loop, "cat %s 2>/dev/null", code);
	free(code);
	machine_ssh_argv(&ssh, m, MACHINE_CONNECT_S);
	argv_addv(loop, ssh.v);
	argv_clear(&ssh);
}

/* Step 4: the session here, attached to the tmux session there. */
static void
dispatch_remote_start(struct dispatch *d, const char *gitdir)
{
	struct session_opts	 opts;
	struct argv_buf		 loop = { NULL, 0 };
	struct session		*s;
	enum agd_err		 err;
	char			*q, *cause;

	xasprintf(&q, "%s/agentd-exit", gitdir);
	worker_loop_argv(&loop, d->w.name, d->m, d->tmux, q);
	free(q);

	memset(&opts, 0, sizeof opts);
	opts.argv = loop.v;
	opts.prompt_sent = 1;
	s = session_create(d->w.name, d->type, agentd_home, d->mode, d->prompt,
	    d->creator, &opts, &err, &cause);
	argv_clear(&loop);
	if (s == NULL) {
		dispatch_remote_undo(d, err, cause);
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
	enum agd_err	 code;
	char		*msg, *gitdir;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    (g = strstr(out, "gitdir=")) == NULL) {
		code = dispatch_remote_error(d, "setting up the worktree and tmux",
		    status, out, &msg);
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
	enum agd_err	 code;
	char		*args[8], *msg, *cause, cols[16], rows[16];
	int		 i = 0;

	(void)j;
	(void)len;
	d->job = NULL;
	worker_push_remove(d->scratch);
	d->scratch = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		code = dispatch_remote_error(d, "git push", status, out, &msg);
		if (code == AGD_ERR_REMOTE_FAILED && strstr(out, "ssh:") != NULL)
			code = AGD_ERR_MACHINE_UNREACHABLE;
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
	args[i] = NULL;
	{
		struct argv_buf	all = { NULL, 0 };

		argv_addv(&all, args);
		argv_addv(&all, d->agent_argv);
		/* The task on stdin: a command line is public (ps) and short (E2BIG). */
		d->job = machine_run_input(d->m, sh_worker_setup, all.v,
		    d->prompt != NULL ? d->prompt : "", WORKER_CHECK_MS,
		    dispatch_setup_cb, d, &cause);
		argv_clear(&all);
	}
	if (d->job == NULL) {
		dispatch_remote_undo(d, AGD_ERR_INTERNAL, cause);
		return;
	}
}

static void
dispatch_check_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct dispatch	*d = arg;
	enum agd_err	 code;
	char		*msg, *cause;

	(void)j;
	(void)len;
	d->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		code = dispatch_remote_error(d, "check", status, out, &msg);
		dispatch_error(d, code, msg);
		free(msg);
		return;
	}
	d->job = worker_push(d->m, d->local_repo, d->w.base_commit, d->w.repo,
	    d->w.branch, WORKER_PUSH_MS, dispatch_push_cb, d, &d->scratch, &cause);
	if (d->job == NULL) {
		dispatch_error(d, AGD_ERR_INTERNAL, cause);
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
		dispatch_error(d, AGD_ERR_INTERNAL, cause);
		free(cause);
	}
}

enum agd_err
worker_git_err(int rc)
{
	switch (rc) {
	case AGD_ENOTFOUND:
		return (AGD_ERR_NOT_A_REPOSITORY);
	case AGD_EEXISTS:
		return (AGD_ERR_EXISTS);
	default:
		return (AGD_ERR_INTERNAL);
	}
}

void
worker_dispatch(struct waiter *wt, const struct worker_spec *ws)
{
	const struct agd_machine	*m = ws->machine;
	const struct agd_agent		*a;
	struct worktree			*head = ws->head;
	struct dispatch			*d;
	char				*cause, *tmp;

	d = xcalloc(1, sizeof *d);
	LIST_INSERT_HEAD(&dispatches, d, entry);
	d->waiter = wt;
	waiter_hold(wt, dispatch_cancel, d);
	d->m = m;
	d->type = xstrdup(ws->type);
	d->mode = ws->parent->mode;
	d->trust = dispatch_trust(ws->parent, head != NULL ? head->repo : NULL);
	if (head == NULL) {
		d->trust_dev = (int64_t)ws->parent->cwd_dev;
		d->trust_ino = (int64_t)ws->parent->cwd_ino;
	}
	d->transport = ws->transport;
	d->creator = xstrdup(ws->creator);
	if (ws->issue != NULL && ws->issue_number > 0)
		xasprintf(&d->prompt, "%s\n\nIssue: %s (#%lld)", ws->task, ws->issue,
		    (long long)ws->issue_number);
	else if (ws->issue != NULL)
		xasprintf(&d->prompt, "%s\n\nIssue: %s", ws->task, ws->issue);
	else
		d->prompt = xstrdup(ws->task);
	d->w.name = xstrdup(ws->name);
	d->w.parent_id = ws->parent->id;
	d->w.machine = xstrdup(m != NULL ? m->id : "local");
	if (ws->issue != NULL)
		d->w.issue_url = xstrdup(ws->issue);
	d->w.issue_number = ws->issue_number;
	if (head == NULL) {
		dispatch_here(d, ws->parent->cwd);
		return;
	}
	d->w.branch = xstrdup(ws->branch);
	d->w.base_commit = head->base_commit;
	d->w.base_branch = head->base_branch;
	head->base_commit = head->base_branch = NULL;
	if (m == NULL) {
		d->w.repo = head->repo;
		head->repo = NULL;
		worktree_clear(head);
		dispatch_local(d);
		return;
	}

	/* Elsewhere: <work_root>/<repo name>/.worktrees/<branch>. */
	tmp = xstrdup(head->repo);
	xasprintf(&d->w.repo, "%s/%s", m->work_root, basename(tmp));
	free(tmp);
	a = agd_conf_agent(agentd_conf, d->type);
	if (a == NULL || (d->agent_argv = agd_argv_split(a->argv[d->mode],
	    NULL, &cause)) == NULL) {
		worktree_clear(head);
		dispatch_error(d, AGD_ERR_INTERNAL, a == NULL ? "no agent" : cause);
		if (a != NULL)
			free(cause);
		return;
	}
	xasprintf(&d->w.worktree, "%s/.worktrees/%s", d->w.repo, ws->branch);
	d->local_repo = head->repo;
	head->repo = NULL;
	worktree_clear(head);
	d->tmux = worker_tmux_name(d->w.name);
	dispatch_remote_check(d);
}

void
worker_shutdown(void)
{
	struct dispatch	*d;

	while ((d = LIST_FIRST(&dispatches)) != NULL)
		dispatch_free(d);
	worker_session_shutdown();
	worker_end_shutdown();
	machine_shutdown();
	job_shutdown();
	worktree_shutdown();
}
