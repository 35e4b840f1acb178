/*
 * Local git worktrees for workers, with libgit2. A worker gets a new branch from
 * the HEAD of the repository holding its parent's working directory, checked out
 * in <repo>/.worktrees/<branch> (or <worktree_root>/<repo name>/<branch>).
 * .worktrees/ is added to the repository's info/exclude, so git ignores it
 * without a change to any tracked file.
 *
 * The invariant of the end: a worktree is removed, and its branch deleted, only
 * when nothing would be lost - no change in the worktree (untracked files
 * included; ignored ones are not work) and no commit on the branch that is not in
 * the base (the commit the worker started from, or the base branch as it is now).
 * Otherwise both stay and the reason is returned.
 *
 * These calls block the loop for the time git takes on a local disk.
 * XXX a very large worktree makes the status scan of the end noticeable.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agentd.h"
#include "log.h"
#include "util.h"
#include "worktree.h"
#include "xmalloc.h"

#define WORKTREE_BRANCH_MAX	200	/* a path component and a session name suffix */
#define WORKTREE_DIR		".worktrees"

static int	worktree_inited;

static void
worktree_init(void)
{
	if (!worktree_inited) {
		git_libgit2_init();
		worktree_inited = 1;
	}
}

/* At exit. */
void
worktree_shutdown(void)
{
	if (worktree_inited)
		git_libgit2_shutdown();
	worktree_inited = 0;
}

static const char *
worktree_giterr(void)
{
	const git_error	*e = git_error_last();

	return (e != NULL && e->message != NULL ? e->message : "unknown libgit2 error");
}

/* Free the strings of wt: it is empty again. */
void
worktree_clear(struct worktree *wt)
{
	free(wt->repo);
	free(wt->path);
	free(wt->branch);
	free(wt->base_commit);
	free(wt->base_branch);
	memset(wt, 0, sizeof *wt);
}

/*
 * 1 if branch is a name git accepts for a new branch (git's own rules, through
 * libgit2), with the ones git branch refuses on top; else 0 and *cause.
 */
int
worktree_branch_valid(const char *branch, char **cause)
{
	char	*ref;
	int	 valid = 0;
	size_t	 len = strlen(branch);

	worktree_init();
	if (len == 0 || len > WORKTREE_BRANCH_MAX) {
		xasprintf(cause, "branch: 1 to %d bytes", WORKTREE_BRANCH_MAX);
		return (0);
	}
	if (branch[0] == '-' || strcmp(branch, "HEAD") == 0 ||
	    strstr(branch, "..") != NULL || strstr(branch, "@{") != NULL ||
	    strchr(branch, ' ') != NULL ||
	    (len >= 5 && strcmp(branch + len - 5, ".lock") == 0)) {
		xasprintf(cause, "invalid branch name: %s", branch);
		return (0);
	}
	xasprintf(&ref, "refs/heads/%s", branch);
	if (git_reference_name_is_valid(&valid, ref) != 0)
		valid = 0;
	free(ref);
	if (!valid)
		xasprintf(cause, "invalid branch name: %s", branch);
	return (valid);
}

/* The directory of a repository (workdir without the trailing slash). */
static char *
worktree_dir_of(const char *workdir)
{
	char	*d = xstrdup(workdir);
	size_t	 n = strlen(d);

	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	return (d);
}

int
worktree_head(const char *cwd, struct worktree *wt, char **cause)
{
	git_repository	*repo = NULL, *main = NULL;
	git_reference	*head = NULL;
	git_object	*commit = NULL;
	const char	*workdir;
	char		 hex[GIT_OID_HEXSZ + 1];
	int		 rc = AGD_ERROR, err;

	worktree_init();
	if (git_repository_open_ext(&repo, cwd, 0, NULL) != 0) {
		rc = AGD_ENOTFOUND;
		xasprintf(cause, "%s is not in a git repository", cwd);
		goto out;
	}
	if (git_repository_is_worktree(repo)) {
		if (git_repository_open(&main, git_repository_commondir(repo)) != 0) {
			xasprintf(cause, "repository of %s: %s", cwd, worktree_giterr());
			goto out;
		}
	}
	workdir = git_repository_workdir(main != NULL ? main : repo);
	if (workdir == NULL) {
		rc = AGD_ENOTFOUND;
		xasprintf(cause, "%s is in a bare repository", cwd);
		goto out;
	}
	if ((err = git_repository_head(&head, repo)) != 0) {
		rc = AGD_ENOTFOUND;
		if (err == GIT_EUNBORNBRANCH || err == GIT_ENOTFOUND)
			xasprintf(cause, "the repository of %s has no commit yet", cwd);
		else
			xasprintf(cause, "HEAD of %s: %s", cwd, worktree_giterr());
		goto out;
	}
	if (git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) != 0) {
		rc = AGD_ENOTFOUND;
		xasprintf(cause, "HEAD of %s: %s", cwd, worktree_giterr());
		goto out;
	}
	git_oid_tostr(hex, sizeof hex, git_object_id(commit));
	wt->repo = worktree_dir_of(workdir);
	wt->base_commit = xstrdup(hex);
	if (git_reference_is_branch(head))
		wt->base_branch = xstrdup(git_reference_shorthand(head));
	rc = 0;
out:
	git_object_free(commit);
	git_reference_free(head);
	git_repository_free(main);
	git_repository_free(repo);
	return (rc);
}

/* Add "/.worktrees/" to the repository's info/exclude unless it is there. */
static void
worktree_exclude(git_repository *repo)
{
	FILE	*f;
	char	*path, *line = NULL, *dir;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 found = 0;

	xasprintf(&path, "%sinfo/exclude", git_repository_commondir(repo));
	if ((f = fopen(path, "r")) != NULL) {
		while ((n = getline(&line, &cap, f)) != -1) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (strcmp(line, "/" WORKTREE_DIR "/") == 0 ||
			    strcmp(line, WORKTREE_DIR "/") == 0 ||
			    strcmp(line, "/" WORKTREE_DIR) == 0 ||
			    strcmp(line, WORKTREE_DIR) == 0)
				found = 1;
		}
		fclose(f);
	}
	free(line);
	if (!found) {
		dir = xstrdup(path);
		agd_mkdirs(dirname(dir), 0755);
		free(dir);
		if ((f = fopen(path, "a")) == NULL ||
		    fprintf(f, "# agentd: worker worktrees\n/" WORKTREE_DIR "/\n") < 0)
			log_warn("%s: %s", __func__, path);
		if (f != NULL)
			fclose(f);
	}
	free(path);
}

static int
worktree_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return (rmdir(path) == -1 ? -1 : 0);
	return (unlink(path) == -1 ? -1 : 0);
}

/* rm -r of a directory we created ourselves (a failed worktree_create). */
void
worktree_rm(const char *path)
{
	if (nftw(path, worktree_rm_cb, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT)
		log_warn("%s: %s", __func__, path);
}

/* rmdir the empty directories from dirname(path) up to, not including, stop. */
static void
worktree_rmdir_up(const char *path, const char *stop)
{
	char	*p = xstrdup(path), *slash;

	while ((slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		if (strlen(p) <= strlen(stop) || strncmp(p, stop, strlen(stop)) != 0 ||
		    rmdir(p) == -1)
			break;
	}
	free(p);
}

/*
 * Delete a worker's branch: the ref and its reflog. Not git_branch_delete(): in
 * libgit2 1.5 its removal of the branch's config section leaks (a compiled regex
 * per call), and a worker's branch has no config (no upstream).
 */
static int
worktree_branch_delete(git_reference *ref)
{
	git_repository	*repo = git_reference_owner(ref);
	char		*name;
	int		 rc;

	if (git_branch_is_checked_out(ref) == 1) {
		git_error_set_str(GIT_ERROR_REFERENCE, "the branch is checked out");
		return (-1);
	}
	name = xstrdup(git_reference_name(ref));
	if ((rc = git_reference_delete(ref)) == 0)
		git_reflog_delete(repo, name);	/* gone with the ref, or none */
	free(name);
	return (rc);
}

/* Where the worktrees of repo go: <repo>/.worktrees or <worktree_root>/<repo name>. */
static char *
worktree_root_of(const char *repo)
{
	char	*tmp, *root;

	if (agentd_conf->worktree_root == NULL) {
		xasprintf(&root, "%s/" WORKTREE_DIR, repo);
		return (root);
	}
	tmp = xstrdup(repo);
	xasprintf(&root, "%s/%s", agentd_conf->worktree_root, basename(tmp));
	free(tmp);
	return (root);
}

/* The libgit2 worktree name of a branch: its path with '/' as '-'. */
static char *
worktree_name(const char *branch)
{
	char	*n = xstrdup(branch), *p;

	for (p = n; *p != '\0'; p++) {
		if (*p == '/')
			*p = '-';
	}
	return (n);
}

int
worktree_create(struct worktree *wt, const char *branch, char **cause)
{
	git_repository			*repo = NULL;
	git_reference			*bref = NULL, *existing = NULL;
	git_worktree			*gwt = NULL;
	git_commit			*commit = NULL;
	git_worktree_add_options	 opts;
	git_oid				 oid;
	struct stat			 sb;
	char				*name = NULL, *dir = NULL, *root = NULL;
	mode_t				 mask;
	int				 rc = AGD_ERROR;

	worktree_init();
	mask = umask(022);	/* the checkout is the user's, not the daemon's 0700 */
	if (git_repository_open(&repo, wt->repo) != 0) {
		xasprintf(cause, "repository %s: %s", wt->repo, worktree_giterr());
		goto out;
	}
	root = worktree_root_of(wt->repo);
	xasprintf(&wt->path, "%s/%s", root, branch);
	wt->branch = xstrdup(branch);
	name = worktree_name(branch);

	if (git_branch_lookup(&existing, repo, branch, GIT_BRANCH_LOCAL) == 0) {
		rc = AGD_EEXISTS;
		xasprintf(cause, "branch %s exists in %s", branch, wt->repo);
		goto out;
	}
	if (git_worktree_lookup(&gwt, repo, name) == 0) {
		rc = AGD_EEXISTS;
		xasprintf(cause, "a worktree named %s exists in %s", name, wt->repo);
		goto out;
	}
	if (lstat(wt->path, &sb) == 0) {
		rc = AGD_EEXISTS;
		xasprintf(cause, "%s exists", wt->path);
		goto out;
	}
	if (git_oid_fromstr(&oid, wt->base_commit) != 0 ||
	    git_commit_lookup(&commit, repo, &oid) != 0) {
		xasprintf(cause, "commit %s: %s", wt->base_commit, worktree_giterr());
		goto out;
	}
	dir = xstrdup(wt->path);
	if (agd_mkdirs(dirname(dir), 0755) == -1) {
		xasprintf(cause, "mkdir %s: %s", dir, strerror(errno));
		goto out;
	}
	if (agentd_conf->worktree_root == NULL)
		worktree_exclude(repo);
	if (git_branch_create(&bref, repo, branch, commit, 0) != 0) {
		if (git_error_last() != NULL &&
		    git_error_last()->klass == GIT_ERROR_REFERENCE)
			rc = AGD_EEXISTS;
		xasprintf(cause, "branch %s: %s", branch, worktree_giterr());
		goto out;
	}
	git_worktree_add_options_init(&opts, GIT_WORKTREE_ADD_OPTIONS_VERSION);
	opts.ref = bref;
	if (git_worktree_add(&gwt, repo, name, wt->path, &opts) != 0) {
		xasprintf(cause, "worktree %s: %s", wt->path, worktree_giterr());
		worktree_branch_delete(bref);
		worktree_rm(wt->path);
		worktree_rmdir_up(wt->path, root);
		goto out;
	}
	rc = 0;
out:
	umask(mask);
	free(root);
	free(dir);
	free(name);
	git_worktree_free(gwt);
	git_commit_free(commit);
	git_reference_free(existing);
	git_reference_free(bref);
	git_repository_free(repo);
	return (rc);
}

/* Files with changes in the worktree at path (untracked too); -1 if unreadable. */
static int
worktree_dirty(const char *path)
{
	git_repository		*repo = NULL;
	git_status_list		*list = NULL;
	git_status_options	 opts;
	int			 n = -1;

	if (git_repository_open(&repo, path) != 0)
		return (-1);
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (git_status_list_new(&list, repo, &opts) == 0)
		n = (int)git_status_list_entrycount(list);
	git_status_list_free(list);
	git_repository_free(repo);
	return (n);
}

/* Commits of tip that are neither in base_commit nor in base_branch's tip. */
static int
worktree_ahead(git_repository *repo, const git_oid *tip, const char *base_commit,
    const char *base_branch, const char *branch)
{
	git_revwalk	*walk = NULL;
	git_reference	*bb = NULL;
	git_object	*bt = NULL;
	git_oid		 oid;
	int		 n = 0;

	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_push(walk, tip) != 0) {
		n = -1;
		goto out;
	}
	if (base_commit != NULL && git_oid_fromstr(&oid, base_commit) == 0)
		git_revwalk_hide(walk, &oid);	/* fails if gone: nothing hidden */
	if (base_branch != NULL && strcmp(base_branch, branch) != 0 &&
	    git_branch_lookup(&bb, repo, base_branch, GIT_BRANCH_LOCAL) == 0 &&
	    git_reference_peel(&bt, bb, GIT_OBJECT_COMMIT) == 0)
		git_revwalk_hide(walk, git_object_id(bt));
	while (git_revwalk_next(&oid, walk) == 0)
		n++;
out:
	git_object_free(bt);
	git_reference_free(bb);
	git_revwalk_free(walk);
	return (n);
}

/* The worktree of repo whose path is path, or NULL. Caller frees. */
static git_worktree *
worktree_by_path(git_repository *repo, const char *path)
{
	git_strarray	 names = { NULL, 0 };
	git_worktree	*wt = NULL, *cand;
	char		*a, *b;
	size_t		 i;

	if (git_worktree_list(&names, repo) != 0)
		return (NULL);
	for (i = 0; i < names.count && wt == NULL; i++) {
		if (git_worktree_lookup(&cand, repo, names.strings[i]) != 0)
			continue;
		a = worktree_dir_of(git_worktree_path(cand));
		b = worktree_dir_of(path);
		if (strcmp(a, b) == 0)
			wt = cand;
		else
			git_worktree_free(cand);
		free(a);
		free(b);
	}
	git_strarray_dispose(&names);
	return (wt);
}

/*
 * The end of a local worker: remove its worktree and branch if nothing would be
 * lost (*keep NULL), else keep both and say why (*keep, caller frees). -1 with
 * *cause if the repository cannot be read (then nothing was removed).
 */
int
worktree_finish(const char *repo_path, const char *path, const char *branch,
    const char *base_commit, const char *base_branch, char **keep, char **cause)
{
	git_repository			*repo = NULL;
	git_reference			*bref = NULL;
	git_object			*tip = NULL;
	git_worktree			*wt = NULL;
	git_worktree_prune_options	 popts;
	struct stat			 sb;
	char				*why = NULL, *next, *root;
	int				 dirty = 0, ahead = 0, rc = -1, present;

	worktree_init();
	*keep = NULL;
	if (git_repository_open(&repo, repo_path) != 0) {
		xasprintf(cause, "repository %s: %s", repo_path, worktree_giterr());
		goto out;
	}
	present = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (present && (dirty = worktree_dirty(path)) == -1) {
		xasprintf(&why, "%s is not a readable git worktree", path);
		rc = 0;
		goto out;
	}
	if (git_branch_lookup(&bref, repo, branch, GIT_BRANCH_LOCAL) == 0) {
		if (git_reference_peel(&tip, bref, GIT_OBJECT_COMMIT) != 0 ||
		    (ahead = worktree_ahead(repo, git_object_id(tip), base_commit,
		    base_branch, branch)) == -1) {
			xasprintf(cause, "branch %s: %s", branch, worktree_giterr());
			goto out;
		}
	}
	if (dirty > 0)
		xasprintf(&why, "uncommitted changes (%d file%s)", dirty,
		    dirty == 1 ? "" : "s");
	if (ahead > 0) {
		xasprintf(&next, "%s%s%d commit%s not in %s", why != NULL ? why : "",
		    why != NULL ? "; " : "", ahead, ahead == 1 ? "" : "s",
		    base_branch != NULL ? base_branch : "the base commit");
		free(why);
		why = next;
	}
	if (why != NULL) {
		rc = 0;
		goto out;
	}

	if ((wt = worktree_by_path(repo, path)) != NULL) {
		if (git_worktree_is_locked(NULL, wt) > 0) {
			xasprintf(&why, "the worktree is locked");
			rc = 0;
			goto out;
		}
		git_worktree_prune_options_init(&popts, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
		popts.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
		if (git_worktree_prune(wt, &popts) != 0) {
			xasprintf(cause, "removing %s: %s", path, worktree_giterr());
			goto out;
		}
	} else if (present) {
		/* Not a worktree of this repository (any more): not ours to remove. */
		xasprintf(&why, "%s is no worktree of %s", path, repo_path);
		rc = 0;
		goto out;
	}
	if (bref != NULL && worktree_branch_delete(bref) != 0) {
		xasprintf(cause, "deleting branch %s: %s", branch, worktree_giterr());
		goto out;
	}
	root = worktree_root_of(repo_path);
	worktree_rmdir_up(path, root);
	free(root);
	rc = 0;
out:
	*keep = why;
	git_worktree_free(wt);
	git_object_free(tip);
	git_reference_free(bref);
	git_repository_free(repo);
	return (rc);
}
