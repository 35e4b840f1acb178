/*
 * Local git worktrees for workers (worktree.c, libgit2): the parent's HEAD, a
 * worker's new branch and worktree, and the end that keeps what would be lost.
 */
#ifndef WORKTREE_H
#define WORKTREE_H

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
/* rm -r of a directory agentd made itself (not following symlinks). */
void		 worktree_rm(const char *path);
void		 worktree_shutdown(void);

#endif
