/*
 * The end of workers (worker_delete, from session.delete): the sessions
 * concerned are stopped, then each worker's worktree is removed only if it is
 * clean and its branch has no commit that the base lacks, else kept with the
 * reason in its row. A remote worktree is settled over ssh by
 * sh/worker-finish.sh. The delete's waiter is answered with the target's
 * session object once every worktree is settled.
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

#define WORKER_FINISH_MS	30000	/* the remote end: ConnectTimeout is 10 s */

/* A delete waiting for sessions to end, then for the worktrees to be settled. */
struct wdelete {
	struct waiter		*waiter;	/* NULL once the client is gone */
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

static void	wdelete_step(struct wdelete *);
static void	worker_session_note(struct session *, const struct session_note *, void *);

/* The client of a delete went away: the end goes on, unanswered. */
static void
wdelete_cancel(struct waiter *w, void *arg)
{
	struct wdelete	*d = arg;

	(void)w;
	d->waiter = NULL;
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
	if (d->waiter != NULL)
		waiter_hold(d->waiter, NULL, NULL);	/* at exit: nobody to tell */
	event_free(d->ev);
	free(d->ids);
	free(d->live);
	free(d);
}

static void
wdelete_reply(struct wdelete *d)
{
	struct waiter	*w = d->waiter;

	if (w != NULL) {
		d->waiter = NULL;
		waiter_reply_session(w, 200, d->target);
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
	f->job = machine_run(m, sh_worker_finish, args, WORKER_FINISH_MS,
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

int
worker_delete(struct waiter *wt, const char *name, int keep)
{
	struct wdelete		*d;
	struct worker_rec	 w;
	struct session		*s;
	struct timeval		 tv = { 0, 0 };
	int64_t			 id, *ids = NULL;
	size_t			 n = 0, i;
	int			 ended = 0;

	if ((id = persist_lookup(name, &ended)) == 0 ||
	    persist_worker_load(id, &w) == -1)
		return (0);
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
	d->waiter = wt;
	d->target = id;
	d->ids = ids;
	d->n = n;
	d->live = xcalloc(n, sizeof *d->live);
	d->ev = evtimer_new(agentd_base, wdelete_step_cb, d);
	LIST_INSERT_HEAD(&wdeletes, d, entry);
	waiter_hold(wt, wdelete_cancel, d);
	/* Mark them all first: a kill without a holder ends a session at once. */
	for (i = 0; i < n; i++) {
		if ((s = worker_session_by_id(ids[i])) != NULL) {
			d->live[i] = 1;
			d->waiting++;
			/* One subscription a session, for every delete waiting on it. */
			if (session_subscriber(s, worker_session_note) == NULL)
				session_subscribe(s, SESSION_SUB_WORKER, worker_session_note,
				    &wdeletes);
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

/* s has ended (its row says so already): the deletes waiting on it go on. */
static void
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

/* What a session a delete waits on tells the worker end (worker_delete subscribes). */
static void
worker_session_note(struct session *s, const struct session_note *n, void *arg)
{
	(void)arg;		/* &wdeletes, searched by worker_session_ended */
	if (n->type == SESSION_NOTE_ENDED)
		worker_session_ended(s);
}

void
worker_end_shutdown(void)
{
	struct wdelete	*w;

	while ((w = LIST_FIRST(&wdeletes)) != NULL)
		wdelete_free(w);
}
