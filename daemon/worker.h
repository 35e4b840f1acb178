/*
 * Workers: agents dispatched by a parent session into their own git worktree,
 * on this machine or on another one over SSH. job.c runs helper programs (ssh,
 * git) without blocking the loop, worktree.c makes and removes local worktrees
 * with libgit2, machine.c builds the ssh command lines and answers machine.list,
 * worker.c makes workers (here or over ssh), worker-push.c pushes the parent's
 * commit to a machine, worker-end.c ends them (the delete cascade). Requests
 * reach them from cmd-worker-dispatch.c, cmd-session-delete.c and
 * cmd-machine-list.c, each with a waiter (waiter.h) to answer.
 */
#ifndef WORKER_H
#define WORKER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"
#include "persist-worker.h"
#include "worktree.h"

struct agd_machine;
struct json_object;
struct session;
struct waiter;

/* machine.c */
#define MACHINE_CONNECT_S	10	/* ssh ConnectTimeout of every worker step */
const struct agd_machine *machine_find(const char *id);
void		 machine_ssh_argv(struct argv_buf *, const struct agd_machine *,
		    int connect_timeout);
char		*machine_ssh_command(const struct agd_machine *);
struct job	*machine_run(const struct agd_machine *, const char *script,
		    char *const *args, int timeout_ms, job_cb, void *arg, char **cause);
/* machine_run with input (borrowed; NULL: none) on the script's stdin (a task). */
struct job	*machine_run_input(const struct agd_machine *, const char *script,
		    char *const *args, const char *input, int timeout_ms, job_cb, void *arg,
		    char **cause);
/*
 * machine.list: "local" and every configured machine, each probed with
 * "ssh HOST true", all at once; w is answered when every probe is back.
 */
void		 machine_list(struct waiter *w);
void		 machine_shutdown(void);
char		*machine_message(const char *out);

/* worker-push.c: step 2 of a remote dispatch */
/*
 * Push commit (hex) of the repository whose working directory is repo, here, to
 * m's clone remote_repo as refs/heads/branch: from a scratch repository that
 * borrows repo's objects and reads no git config but agentd's (no insteadOf, no
 * protocol, hook or command of the repository's or the user's). Returns the job
 * (cb as for job_run) and sets *scratch, which the caller passes to
 * worker_push_remove once the job has ended or is cancelled; or NULL with
 * *cause (the caller frees).
 */
struct job	*worker_push(const struct agd_machine *m, const char *repo,
		    const char *commit, const char *remote_repo, const char *branch,
		    int timeout_ms, job_cb cb, void *arg, char **scratch, char **cause);
/* Remove the scratch repository of worker_push and free scratch (NULL: none). */
void		 worker_push_remove(char *scratch);

/* scripts.c, generated from the files of daemon/sh/: what a worker runs over ssh. */
extern const char sh_worker_check[];	/* remote step 1: the check */
extern const char sh_worker_setup[];	/* remote step 3: worktree and tmux */
extern const char sh_worker_finish[];	/* the end of a remote worker, the undo */
extern const char sh_worker_loop[];	/* a remote worker's session, run here */
extern const char sh_session_setup[];	/* a session created on a machine */

/* worker.c: making workers */
/* What worker_dispatch is told, all checked by cmd-worker-dispatch.c (borrowed). */
struct worker_spec {
	const struct agd_machine *machine;	/* NULL: this machine */
	struct session		*parent;	/* running */
	const char		*type;		/* agent type */
	const char		*task;
	const char		*issue;		/* URL, or NULL */
	int64_t			 issue_number;	/* 0: none */
	const char		*branch;	/* valid, new; NULL with head NULL */
	const char		*name;		/* the worker's session, new */
	const char		*creator;
	struct worktree		*head;		/* the parent's HEAD: emptied (taken);
						   NULL: an agent worker in the
						   parent's directory, here */
	int			 transport;	/* here: SESSION_TTY or SESSION_STREAM */
};
/*
 * Make the worker: its worktree (here with libgit2, or over ssh in steps), then
 * its session. w is answered 201 with the worker's session object once its agent
 * runs, or with the error (a remote failure first undoes the earlier steps).
 */
void		 worker_dispatch(struct waiter *w, const struct worker_spec *);
/*
 * session.create on machine m (not local): the agent started there in tmux in
 * cwd (a directory of that machine), then the session here attached to it over
 * ssh as a remote worker's is. w is answered as session.create answers (201 once
 * it runs), or 422 bad_directory, 409 exists, 502 machine_unreachable or
 * remote_failed. All strings are borrowed.
 */
void		 worker_session_remote(struct waiter *w, const struct agd_machine *m,
		    const char *name, const char *type, const char *cwd, int mode,
		    const char *prompt, const char *creator);
/* At exit: drop the creates on machines in progress. */
void		 worker_session_shutdown(void);
/*
 * The command of a session here attached to tmux session tmux on m (the loop of
 * sh/worker-loop.sh): exitfile there holds the agent's exit status at its end.
 */
void		 worker_loop_argv(struct argv_buf *, const char *name,
		    const struct agd_machine *m, const char *tmux, const char *exitfile);
/* <parent>.<branch> made a session name: other bytes '-', at most 64. Caller frees. */
char		*worker_name(const char *parent, const char *branch);
/* factory-<branch>-<when>, made a session name the same way. Caller frees. */
char		*worker_factory_name(const char *branch, long long when);
/*
 * The tmux session of a remote worker, also the name of its own tmux server (-L):
 * agentd-<FNV-1a of "host:HOME" in hex>-<name>, so that stacks sharing a machine
 * user never meet in one server; tmux takes no '.' or ':'. Caller frees.
 */
char		*worker_tmux_name(const char *name);
/* The error code of a worktree.c result (AGD_ENOTFOUND, AGD_EEXISTS, else). */
enum agd_err	 worker_git_err(int rc);
/* The live session of row id, or NULL. */
struct session	*worker_session_by_id(int64_t id);
/* At exit, after the control clients are gone: drop dispatches and deletes. */
void		 worker_shutdown(void);

/* worker-end.c: the end of workers */
/*
 * session.delete of a worker whose worktree is still there, or of a parent with
 * workers (unless keep): 1 if this takes the request over (w is answered 200 and
 * the session object once every session concerned has ended and every worktree
 * is settled), 0 to leave it (and w) to the plain delete.
 */
int		 worker_delete(struct waiter *w, const char *name, int keep);
/* At exit: drop the deletes in progress, unanswered. */
void		 worker_end_shutdown(void);

#endif
