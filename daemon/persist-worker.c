/*
 * The SQLite side of workers (sql/0004-workers.sql): what a worker is (its parent,
 * branch, worktree, machine, base), and how its worktree ended. Like persist.c,
 * each change is one short autocommit statement; only the daemon writes.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "log.h"
#include "persist-worker.h"
#include "xmalloc.h"

static void
pw_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static char *
pw_col(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	return (xstrdup((const char *)sqlite3_column_text(st, i)));
}

/* Make session id a worker of parent_id; cwd (if not NULL) replaces its directory. */
void
persist_worker(int64_t id, const struct worker_rec *w, const char *cwd)
{
	static sqlite3_stmt	*st, *up;

	if (st == NULL) {
		st = persist_prepare("UPDATE sessions SET role = 'worker', parent_id = ?,"
		    " branch = ?, worktree = ?, machine = ?, issue_url = ?,"
		    " issue_number = ?, base_commit = ?, repo = ?, base_branch = ?,"
		    " worktree_state = 'active',"
		    " working_directory = coalesce(?, working_directory) WHERE id = ?");
		up = persist_prepare("UPDATE sessions SET role = 'parent' WHERE id = ?"
		    " AND role = 'standalone'");
	}
	sqlite3_bind_int64(st, 1, w->parent_id);
	pw_text(st, 2, w->branch);
	pw_text(st, 3, w->worktree);
	pw_text(st, 4, w->machine);
	pw_text(st, 5, w->issue_url);
	if (w->issue_number > 0)
		sqlite3_bind_int64(st, 6, w->issue_number);
	pw_text(st, 7, w->base_commit);
	pw_text(st, 8, w->repo);
	pw_text(st, 9, w->base_branch);
	pw_text(st, 10, cwd);
	sqlite3_bind_int64(st, 11, id);
	persist_step(st, __func__);
	/* A parent is a parent from its first worker on. */
	sqlite3_bind_int64(up, 1, w->parent_id);
	persist_step(up, __func__);
}

/* How the worktree ended: state removed or kept (with the reason). */
void
persist_worktree_end(int64_t id, const char *state, const char *reason)
{
	static sqlite3_stmt	*st;

	if (st == NULL)
		st = persist_prepare("UPDATE sessions SET worktree_state = ?, keep_reason = ?"
		    " WHERE id = ?");
	pw_text(st, 1, state);
	pw_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, id);
	persist_step(st, __func__);
}

/* The record of session id; 0, or -1 if there is none. Free with worker_rec_clear. */
int
persist_worker_load(int64_t id, struct worker_rec *w)
{
	/* The text columns of the SELECT below, in order, and where each goes. */
	static const size_t	 text[] = {
		offsetof(struct worker_rec, name), offsetof(struct worker_rec, role),
		offsetof(struct worker_rec, branch), offsetof(struct worker_rec, worktree),
		offsetof(struct worker_rec, machine), offsetof(struct worker_rec, issue_url),
		offsetof(struct worker_rec, base_commit), offsetof(struct worker_rec, repo),
		offsetof(struct worker_rec, base_branch),
		offsetof(struct worker_rec, worktree_state)
	};
	static sqlite3_stmt	*st;
	size_t			 i;
	int			 rc = -1;

	if (st == NULL)
		st = persist_prepare("SELECT name, role, branch, worktree, machine,"
		    " issue_url, base_commit, repo, base_branch, worktree_state,"
		    " coalesce(parent_id, 0), coalesce(issue_number, 0), ended IS NOT NULL"
		    " FROM sessions WHERE id = ?");
	memset(w, 0, sizeof *w);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		w->id = id;
		for (i = 0; i < sizeof text / sizeof text[0]; i++)
			*(char **)((char *)w + text[i]) = pw_col(st, (int)i);
		w->parent_id = sqlite3_column_int64(st, (int)i);
		w->issue_number = sqlite3_column_int64(st, (int)i + 1);
		w->ended = sqlite3_column_int(st, (int)i + 2);
		rc = 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc);
}

/* Free the strings of w: it is empty again. */
void
worker_rec_clear(struct worker_rec *w)
{
	free(w->name);
	free(w->role);
	free(w->branch);
	free(w->worktree);
	free(w->machine);
	free(w->issue_url);
	free(w->base_commit);
	free(w->repo);
	free(w->base_branch);
	free(w->worktree_state);
	memset(w, 0, sizeof *w);
}

/*
 * The workers of parent_id that a delete of the parent concerns: live ones and
 * ended ones whose worktree is still there. *ids is allocated; their number.
 */
size_t
persist_workers_of(int64_t parent_id, int64_t **ids)
{
	static sqlite3_stmt	*st;
	size_t			 n = 0;

	if (st == NULL)
		st = persist_prepare("SELECT id FROM sessions WHERE parent_id = ? AND"
		    " role = 'worker' AND (ended IS NULL OR worktree_state = 'active')"
		    " ORDER BY id");
	*ids = NULL;
	sqlite3_bind_int64(st, 1, parent_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, n + 1, sizeof **ids);
		(*ids)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (n);
}

/*
 * Unlink the ended workers of parent_id from it (worker.clear). *names (allocated,
 * each too) are theirs; their number.
 */
size_t
persist_workers_clear(int64_t parent_id, char ***names)
{
	static sqlite3_stmt	*sel, *up;
	size_t			 n = 0;

	if (sel == NULL)
		sel = persist_prepare("SELECT name FROM sessions WHERE parent_id = ? AND"
		    " role = 'worker' AND ended IS NOT NULL ORDER BY id");
	*names = NULL;
	sqlite3_bind_int64(sel, 1, parent_id);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		*names = xreallocarray(*names, n + 1, sizeof **names);
		(*names)[n++] = pw_col(sel, 0);
	}
	sqlite3_reset(sel);
	sqlite3_clear_bindings(sel);
	if (n > 0 && persist_exec(&up, __func__, "UPDATE sessions SET parent_id = NULL"
	    " WHERE parent_id = ? AND role = 'worker' AND ended IS NOT NULL", "I",
	    parent_id) == -1)
		log_warnx("%s: the workers of %lld stay listed", __func__,
		    (long long)parent_id);
	return (n);
}

/* Session id runs on machine, in its directory cwd (a create with a host). */
void
persist_session_machine(int64_t id, const char *machine, const char *cwd)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET machine = ?,"
	    " working_directory = ? WHERE id = ?", "ssI", machine, cwd, id);
}
