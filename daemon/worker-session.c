/*
 * A session created on another machine (session.create with a configured
 * machine, the old clients' "host"): no worktree, no git - the agent started in
 * tmux in the given directory of that machine (sh/session-setup.sh over ssh),
 * then the session here is sh/worker-loop.sh attached to it, exactly as a
 * remote worker's (worker.c): its output streams through the holder and the log,
 * a dropped link is a link event, DELETE (TERM to the loop) ends the agent there.
 * Nothing waits: the setup is a job (job.c) and the session starts from its
 * callback.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "log.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

#define WSESSION_SETUP_MS	30000	/* the setup over ssh: ConnectTimeout is 10 s */

/* A create on a machine in progress. */
struct wsession {
	struct waiter			*waiter;	/* NULL once the client is gone */
	const struct agd_machine	*m;
	char				*name;
	char				*type;
	char				*cwd;
	char				*prompt;
	char				*creator;
	int				 mode;
	char				*tmux;
	struct job			*job;
	LIST_ENTRY(wsession)		 entry;
};
static LIST_HEAD(, wsession)	wsessions = LIST_HEAD_INITIALIZER(wsessions);

static void
wsession_free(struct wsession *ws)
{
	LIST_REMOVE(ws, entry);
	if (ws->job != NULL)
		job_cancel(ws->job);
	if (ws->waiter != NULL)
		waiter_hold(ws->waiter, NULL, NULL);	/* at exit: nobody to tell */
	free(ws->name);
	free(ws->type);
	free(ws->cwd);
	free(ws->prompt);
	free(ws->creator);
	free(ws->tmux);
	free(ws);
}

static void
wsession_cancel(struct waiter *w, void *arg)
{
	struct wsession	*ws = arg;

	(void)w;
	ws->waiter = NULL;
}

static void
wsession_error(struct wsession *ws, enum agd_err code, const char *msg)
{
	if (ws->waiter != NULL)
		waiter_error(ws->waiter, code, "%s", msg);
	ws->waiter = NULL;
	wsession_free(ws);
}

/* The setup has run there: the session here, attached to it. */
static void
wsession_setup_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct wsession		*ws = arg;
	struct session_opts	 opts;
	struct argv_buf		 loop = { NULL, 0 };
	struct session		*s;
	enum agd_err		 code = AGD_ERR_REMOTE_FAILED;
	const char		*e;
	char			*msg, *m, *exitfile, *cause;

	(void)j;
	(void)len;
	ws->job = NULL;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    (e = strstr(out, "exitfile=")) == NULL) {
		m = status == -1 ? xstrdup("timed out") : machine_message(out);
		if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 255))
			code = AGD_ERR_MACHINE_UNREACHABLE;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
			code = AGD_ERR_BAD_DIRECTORY;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
			code = AGD_ERR_EXISTS;
		xasprintf(&msg, "machine %s: %s", ws->m->id, m);
		free(m);
		wsession_error(ws, code, msg);
		free(msg);
		return;
	}
	exitfile = xstrndup(e + 9, strcspn(e + 9, "\r\n"));
	worker_loop_argv(&loop, ws->name, ws->m, ws->tmux, exitfile);
	free(exitfile);
	memset(&opts, 0, sizeof opts);
	opts.argv = loop.v;
	opts.prompt_sent = 1;
	s = session_create(ws->name, ws->type, agentd_home, ws->mode, ws->prompt,
	    ws->creator, &opts, &code, &cause);
	argv_clear(&loop);
	if (s == NULL) {
		/* The agent there goes with its tmux session: the loop never ran. */
		log_warnx("session %s: %s; tmux session %s stays on %s", ws->name, cause,
		    ws->tmux, ws->m->id);
		wsession_error(ws, code, cause);
		free(cause);
		return;
	}
	/* Its directory is there, and so is it. */
	free(s->cwd);
	s->cwd = xstrdup(ws->cwd);
	persist_session_machine(s->id, ws->m->id, ws->cwd);
	log_info("session %s: on %s in %s", s->name, ws->m->id, ws->cwd);
	if (ws->waiter != NULL) {
		session_wait_running(s, ws->waiter);
		ws->waiter = NULL;
	}
	wsession_free(ws);
}

void
worker_session_remote(struct waiter *w, const struct agd_machine *m, const char *name,
    const char *type, const char *cwd, int mode, const char *prompt, const char *creator)
{
	struct wsession		*ws;
	const struct agd_agent	*a;
	struct argv_buf		 args = { NULL, 0 };
	char			**agent_argv, *cause;

	if (session_find(name) != NULL) {
		waiter_error(w, AGD_ERR_EXISTS, "duplicate session: %s", name);
		return;
	}
	if ((a = agd_conf_agent(agentd_conf, type)) == NULL) {
		waiter_error(w, AGD_ERR_INVALID_AGENT_TYPE, "unknown agent type: %s", type);
		return;
	}
	if ((agent_argv = agd_argv_split(a->argv[mode], NULL, &cause)) == NULL) {
		waiter_error(w, AGD_ERR_INTERNAL, "%s", cause);
		free(cause);
		return;
	}
	if (session_count() >= agentd_conf->max_sessions) {
		agd_argv_free(agent_argv);
		waiter_error(w, AGD_ERR_TOO_MANY_SESSIONS, "too many sessions: the limit is"
		    " %d", agentd_conf->max_sessions);
		return;
	}
	ws = xcalloc(1, sizeof *ws);
	LIST_INSERT_HEAD(&wsessions, ws, entry);
	ws->waiter = w;
	waiter_hold(w, wsession_cancel, ws);
	ws->m = m;
	ws->name = xstrdup(name);
	ws->type = xstrdup(type);
	ws->cwd = xstrdup(cwd);
	ws->prompt = prompt != NULL ? xstrdup(prompt) : NULL;
	ws->creator = xstrdup(creator);
	ws->mode = mode;
	ws->tmux = worker_tmux_name(name);

	argv_add(&args, "%s", cwd);
	argv_add(&args, "%s", ws->tmux);
	argv_add(&args, "%d", agentd_conf->default_cols);
	argv_add(&args, "%d", agentd_conf->default_rows);
	argv_addv(&args, agent_argv);
	agd_argv_free(agent_argv);
	/* The prompt on stdin: a command line is public (ps) and short (E2BIG). */
	ws->job = machine_run_input(m, sh_session_setup, args.v,
	    prompt != NULL ? prompt : "", WSESSION_SETUP_MS, wsession_setup_cb, ws, &cause);
	argv_clear(&args);
	if (ws->job == NULL) {
		wsession_error(ws, AGD_ERR_INTERNAL, cause);
		free(cause);
	}
}

/* At exit: drop the creates in progress (unanswered). */
void
worker_session_shutdown(void)
{
	struct wsession	*ws;

	while ((ws = LIST_FIRST(&wsessions)) != NULL)
		wsession_free(ws);
}
