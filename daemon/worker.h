/*
 * Workers: agents dispatched by a parent session into their own git worktree,
 * on this machine or on another one over SSH. job.c runs helper programs (ssh,
 * git) without blocking the loop, worktree.c makes and removes local worktrees
 * with libgit2, machine.c builds the ssh command lines and answers machine.list,
 * worker.c makes workers (here or over ssh), worker-end.c ends them (the delete
 * cascade). Requests reach them from cmd-worker-dispatch.c, cmd-session-delete.c
 * and cmd-machine-list.c, each with a waiter (waiter.h) to answer.
 */
#ifndef WORKER_H
#define WORKER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct agd_machine;
struct json_object;
struct session;
struct waiter;

/* job.c: a child process whose output (stdout and stderr together) is collected. */
struct job;
/*
 * Called once when the job has ended: status is its wait status, or -1 if it
 * timed out (it was killed). out is what it wrote (at most JOB_OUT_MAX bytes),
 * NUL terminated. The job is freed after the callback returns.
 */
typedef void	(*job_cb)(struct job *, int status, const char *out, size_t len,
		    void *arg);
#define JOB_OUT_MAX	(64 * 1024)	/* ssh and git say little; more is noise */
struct job	*job_run(char *const *argv, char *const *env_add, int timeout_ms,
		    job_cb, void *arg, char **cause);
void		 job_cancel(struct job *);
int		 job_reaped(pid_t, int status);
void		 job_shutdown(void);

/* A growing NULL-terminated argv. */
struct argv_buf {
	char	**v;
	int	  n;
};
void		 argv_add(struct argv_buf *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 argv_addv(struct argv_buf *, char *const *);
void		 argv_clear(struct argv_buf *);
/* s quoted for a POSIX shell ('...'). Caller frees. */
char		*sh_quote(const char *s);
/* The words of argv quoted and joined by blanks. Caller frees. */
char		*sh_join(char *const *argv);

/* worktree.c */
struct worktree {
	char	*repo;		/* the main repository's working directory */
	char	*path;		/* the worktree */
	char	*branch;
	char	*base_commit;	/* hex id of the HEAD it starts from */
	char	*base_branch;	/* the branch HEAD was on, NULL if detached */
};
int		 worktree_branch_valid(const char *branch, char **cause);
/*
 * The repository holding cwd (searching upward) and its HEAD: fills repo (the
 * main working tree, also from inside a linked worktree), base_commit and
 * base_branch. 0, or AGD_ENOTFOUND (no repository, bare, no commit) or
 * AGD_ERROR with *cause (the caller frees).
 */
int		 worktree_head(const char *cwd, struct worktree *, char **cause);
/*
 * Create branch (from base_commit) and its worktree in repo; fills branch and
 * path. 0, or AGD_EEXISTS (branch, worktree or path) or AGD_ERROR with *cause
 * (the caller frees); nothing is left behind on failure.
 */
int		 worktree_create(struct worktree *, const char *branch, char **cause);
int		 worktree_finish(const char *repo, const char *path, const char *branch,
		    const char *base_commit, const char *base_branch, char **keep,
		    char **cause);
void		 worktree_clear(struct worktree *);
void		 worktree_shutdown(void);

/* machine.c */
#define MACHINE_CONNECT_S	10	/* ssh ConnectTimeout of every worker step */
const struct agd_machine *machine_find(const char *id);
void		 machine_ssh_argv(struct argv_buf *, const struct agd_machine *,
		    int connect_timeout);
char		*machine_ssh_command(const struct agd_machine *);
struct job	*machine_run(const struct agd_machine *, const char *script,
		    char *const *args, int timeout_ms, job_cb, void *arg, char **cause);
/*
 * machine.list: "local" and every configured machine, each probed with
 * "ssh HOST true", all at once; w is answered when every probe is back.
 */
void		 machine_list(struct waiter *w);
void		 machine_shutdown(void);
char		*machine_message(const char *out);

/* persist-worker.c: a worker's row */
struct worker_rec {
	int64_t	 id;
	char	*name;
	char	*role;
	int64_t	 parent_id;
	char	*branch;
	char	*worktree;
	char	*machine;		/* "local" or a machine id */
	char	*issue_url;
	int64_t	 issue_number;		/* 0: none */
	char	*base_commit;
	char	*repo;
	char	*base_branch;
	char	*worktree_state;	/* active, removed, kept */
	int	 ended;
};
void		 persist_worker(int64_t id, const struct worker_rec *, const char *cwd);
void		 persist_worktree_end(int64_t id, const char *state, const char *reason);
int		 persist_worker_load(int64_t id, struct worker_rec *);
void		 worker_rec_clear(struct worker_rec *);
size_t		 persist_workers_of(int64_t parent_id, int64_t **ids);

/* scripts.c, generated from the files of daemon/sh/: what a worker runs over ssh. */
extern const char sh_worker_check[];	/* remote step 1: the check */
extern const char sh_worker_setup[];	/* remote step 3: worktree and tmux */
extern const char sh_worker_finish[];	/* the end of a remote worker, the undo */
extern const char sh_worker_loop[];	/* a remote worker's session, run here */

/* worker.c: making workers */
/* What worker_dispatch is told, all checked by cmd-worker-dispatch.c (borrowed). */
struct worker_spec {
	const struct agd_machine *machine;	/* NULL: this machine */
	struct session		*parent;	/* running */
	const char		*type;		/* agent type */
	const char		*task;
	const char		*issue;		/* URL, or NULL */
	int64_t			 issue_number;	/* 0: none */
	const char		*branch;	/* valid, new */
	const char		*name;		/* the worker's session, new */
	const char		*creator;
	struct worktree		*head;		/* the parent's HEAD: emptied (taken) */
};
/*
 * Make the worker: its worktree (here with libgit2, or over ssh in steps), then
 * its session. w is answered 201 with the worker's session object once its agent
 * runs, or with the error (a remote failure first undoes the earlier steps).
 */
void		 worker_dispatch(struct waiter *w, const struct worker_spec *);
/* <parent>.<branch> made a session name: other bytes '-', at most 64. Caller frees. */
char		*worker_name(const char *parent, const char *branch);
/* The tmux session of a remote worker: tmux takes no '.' or ':'. Caller frees. */
char		*worker_tmux_name(const char *name);
/* The error word of a worktree.c result (AGD_ENOTFOUND, AGD_EEXISTS, else). */
const char	*worker_git_word(int rc);
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
