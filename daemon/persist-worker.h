/*
 * A worker's row in SQLite (persist-worker.c, sql/0004-workers.sql): what makes
 * a session a worker, and how its worktree ended.
 */
#ifndef PERSIST_WORKER_H
#define PERSIST_WORKER_H

#include <stddef.h>
#include <stdint.h>

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
size_t		 persist_workers_clear(int64_t parent_id, char ***names);
void		 persist_session_machine(int64_t id, const char *machine, const char *cwd);

#endif
