/*
 * Every write agentd makes to SQLite. The daemon is the only writer; each change is
 * one short statement (autocommit) so readers never wait long. A NULL string
 * binds as SQL NULL (sqlite3_bind_text), so optional values need no test.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentd.h"
#include "fault.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Prepare a statement the daemon keeps for its lifetime; failure is fatal. */
sqlite3_stmt *
persist_prepare(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(agentd_db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("sqlite prepare: %s: %s", sqlite3_errmsg(agentd_db), sql);
	return (st);
}

/* Run a prepared write; log (not fatal) on failure. */
int
persist_step(sqlite3_stmt *st, const char *what)
{
	int	rc;

	rc = AGD_FAULT(AGD_FAULT_STEP) ? SQLITE_FULL : sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("%s: sqlite: %s", what, sqlite3_errmsg(agentd_db));
		return (-1);
	}
	return (0);
}

static void
persist_vbind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int	i;

	for (i = 1; *fmt != '\0'; fmt++, i++) {
		switch (*fmt) {
		case 's':
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
			break;
		case 'i':
			sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		default:
			fatalx("%s: bad format letter %c", __func__, *fmt);
		}
	}
}

/*
 * Bind the parameters of st from 1 on, one argument per letter of fmt: 's' a
 * string (const char *, NULL binds NULL; not copied, so it must outlive the step),
 * 'i' an int, 'I' an int64_t, 'd' a double.
 */
void
persist_bind(sqlite3_stmt *st, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	persist_vbind(st, fmt, ap);
	va_end(ap);
}

/*
 * One write: prepare sql into *stp the first time (kept for the daemon's life),
 * bind the arguments by fmt (as persist_bind) and step it. 0, or -1 logged as what.
 */
int
persist_exec(sqlite3_stmt **stp, const char *what, const char *sql, const char *fmt, ...)
{
	va_list	ap;

	if (*stp == NULL)
		*stp = persist_prepare(sql);
	va_start(ap, fmt);
	persist_vbind(*stp, fmt, ap);
	va_end(ap);
	return (persist_step(*stp, what));
}

static void
now_iso(char *buf, size_t len)
{
	agd_iso8601(time(NULL), buf, len);
}

/*
 * A new session's row (status starting). Returns its id, or -1 with *cause (the
 * caller frees). Every string is the caller's; prompt may be NULL.
 */
int64_t
persist_insert(const char *name, const char *type, const char *cwd, const char *mode,
    const char *prompt, const char *creator, int cols, int rows, int trust,
    const char *trust_why, char **cause)
{
	static sqlite3_stmt	*st;
	char			 ts[32];

	if (st == NULL)
		st = persist_prepare("INSERT INTO sessions (name, agent_type,"
		    " working_directory, permission_mode, prompt, status, created,"
		    " creator, cols, rows, last_activity, trust_folder, trust_why)"
		    " VALUES (?, ?, ?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?)");
	now_iso(ts, sizeof ts);
	persist_bind(st, "sssssssiisis", name, type, cwd, mode, prompt, ts, creator, cols,
	    rows, ts, trust, trust_why);
	if (AGD_FAULT(AGD_FAULT_STEP) || sqlite3_step(st) != SQLITE_DONE) {
		xasprintf(cause, "cannot record session: %s", sqlite3_errmsg(agentd_db));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return (-1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (sqlite3_last_insert_rowid(agentd_db));
}

/* The session's transport (sql/0006), when not the default tty. */
void
persist_transport(int64_t id, const char *transport)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET transport = ? WHERE id = ?",
	    "sI", transport, id);
}

/* The adapter that drives the session's agent (sql/0010): a kind's name, or none. */
void
persist_adapter(int64_t id, const char *adapter)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET adapter = ? WHERE id = ?",
	    "sI", adapter, id);
}

/* The adapter stored for session id (caller frees), or NULL: an older row. */
char *
persist_adapter_load(int64_t id)
{
	static sqlite3_stmt	*st;
	const unsigned char	*v;
	char			*adapter = NULL;

	if (st == NULL)
		st = persist_prepare("SELECT adapter FROM sessions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		adapter = xstrdup((const char *)v);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (adapter);
}

/* The session's caps (0: none, stored as NULL). */
void
persist_limits(int64_t id, double max_cost, int64_t max_tokens)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET max_cost_usd = nullif(?, 0),"
	    " max_tokens = nullif(?, 0) WHERE id = ?", "dII", max_cost, max_tokens, id);
}

/* The cap it reached (JSON), or NULL. */
void
persist_capped(int64_t id, const char *capped)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET capped = ? WHERE id = ?", "sI",
	    capped, id);
}

/* The evidence of its status (JSON). */
void
persist_evidence(int64_t id, const char *evidence)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET status_evidence = ? WHERE id = ?",
	    "sI", evidence, id);
}

/* Undo an insert whose session never started. */
void
persist_delete(int64_t id)
{
	static sqlite3_stmt	*st, *ev;

	if (st == NULL) {
		ev = persist_prepare("DELETE FROM events WHERE session_id = ?");
		st = persist_prepare("DELETE FROM sessions WHERE id = ?");
	}
	sqlite3_bind_int64(ev, 1, id);
	persist_step(ev, __func__);
	sqlite3_bind_int64(st, 1, id);
	persist_step(st, __func__);
}

/* The holder said hello: s runs (starting while its agent adapter gets ready). */
void
persist_running(struct session *s)
{
	static sqlite3_stmt	*st;

	if (st == NULL)
		st = persist_prepare("UPDATE sessions SET status = ?, pid = ?,"
		    " pgid = ? WHERE id = ?");
	/* An agent's adapter says when it is ready; a plain program runs. */
	persist_bind(st, "siiI", s->agent != NULL ? "starting" : "running", (int)s->pid,
	    (int)s->pid, s->id);
	persist_step(st, __func__);
}

/*
 * Session id has ended: status (exited, terminated), the wait status raw if
 * has_status, and why (reason, may be NULL).
 */
void
persist_ended(int64_t id, const char *status, int raw, int has_status, const char *reason)
{
	static sqlite3_stmt	*st;
	char			 ts[32];

	if (st == NULL)
		st = persist_prepare("UPDATE sessions SET status = ?, ended = ?,"
		    " exit_code = ?, exit_signal = ?, end_reason = ?, last_activity = ?"
		    " WHERE id = ?");
	now_iso(ts, sizeof ts);
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	if (has_status && WIFEXITED(raw))
		sqlite3_bind_int(st, 3, WEXITSTATUS(raw));
	if (has_status && WIFSIGNALED(raw))
		sqlite3_bind_int(st, 4, WTERMSIG(raw));
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, id);
	persist_step(st, __func__);
}

/* Event seq of session id (json, len bytes, the caller's); its last_seq moves. */
void
persist_event(int64_t id, uint64_t seq, const char *ts, const char *type,
    const char *json, size_t len)
{
	static sqlite3_stmt	*st, *up;

	if (st == NULL) {
		st = persist_prepare("INSERT OR REPLACE INTO events (session_id, seq, ts,"
		    " type, data) VALUES (?, ?, ?, ?, ?)");
		up = persist_prepare("UPDATE sessions SET last_seq = ?, last_activity = ?"
		    " WHERE id = ?");
	}
	persist_bind(st, "IIss", id, (int64_t)seq, ts, type);
	sqlite3_bind_text(st, 5, json, (int)len, SQLITE_STATIC);
	persist_step(st, __func__);
	persist_bind(up, "IsI", (int64_t)seq, ts, id);
	persist_step(up, __func__);
}

/* Record how far the output has come (batched by the caller: not per chunk). */
void
persist_progress(struct session *s)
{
	static sqlite3_stmt	*st;
	char			 ts[32];

	now_iso(ts, sizeof ts);
	persist_exec(&st, __func__, "UPDATE sessions SET last_seq = ?, last_activity = ?"
	    " WHERE id = ?",
	    "IsI", (int64_t)s->seq, ts, s->id);
	s->flags &= ~SESSION_DIRTY;
}

/* s was reset: viewers start drawing after s->reset_seq. */
void
persist_reset(struct session *s)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET reset_seq = ? WHERE id = ?",
	    "II", (int64_t)s->reset_seq, s->id);
}

/* s's terminal size (cols, rows). */
void
persist_resize(struct session *s)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET cols = ?, rows = ? WHERE id = ?",
	    "iiI", s->cols, s->rows, s->id);
}

/* Store a completion; *changed says whether it differs from the stored one. */
int
persist_complete(int64_t id, const char *status, const char *comment, int *changed)
{
	static sqlite3_stmt	*st, *up;
	char			 ts[32];
	int			 rc;

	if (st == NULL) {
		st = persist_prepare("SELECT 1 FROM sessions WHERE id = ? AND"
		    " completion_status IS ? AND completion_comment IS ?");
		up = persist_prepare("UPDATE sessions SET completion_status = ?,"
		    " completion_comment = ?, completed_at = ? WHERE id = ?");
	}
	persist_bind(st, "Iss", id, status, comment);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW) {
		*changed = 0;
		return (0);
	}
	*changed = 1;
	now_iso(ts, sizeof ts);
	sqlite3_bind_text(up, 1, status, -1, SQLITE_STATIC);
	if (comment != NULL)
		sqlite3_bind_text(up, 2, comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 3, ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 4, id);
	return (persist_step(up, __func__));
}

/* The session object of doc/DESIGN.md, read back from SQLite. Caller puts. */
struct json_object *
persist_session_json(int64_t id)
{
	static sqlite3_stmt	*st;
	struct json_object	*o = NULL;

	if (st == NULL)
		st = persist_prepare(AGD_SESSION_SELECT " WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = agd_session_json(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (o);
}

/* The newest session of that name: its id, or 0 if none; *ended tells which kind. */
int64_t
persist_lookup(const char *name, int *ended)
{
	static sqlite3_stmt	*st;
	int64_t			 id = 0;

	if (st == NULL)
		st = persist_prepare("SELECT id, ended IS NOT NULL FROM sessions"
		    " WHERE name = ? ORDER BY id DESC LIMIT 1");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*ended = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (id);
}

/* 1 if session id runs on another machine (a remote worker). */
int
persist_is_remote(int64_t id)
{
	static sqlite3_stmt	*st;
	int			 remote = 0;

	if (st == NULL)
		st = persist_prepare("SELECT machine IS NOT NULL AND machine != 'local'"
		    " FROM sessions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		remote = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (remote);
}

/* The creator of session id. Caller frees; NULL if unknown. */
char *
persist_creator(int64_t id)
{
	static sqlite3_stmt	*st;
	char			*c = NULL;

	if (st == NULL)
		st = persist_prepare("SELECT creator FROM sessions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		c = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (c);
}

/*
 * One audit row: user with role (from addr, may be NULL) did action to session
 * (may be NULL) and was answered status; detail (may be NULL) is the error; the
 * request is the one being handled (log_request: nginx's id), if any.
 * Every string is the caller's.
 */
void
persist_audit(const char *user, const char *role, const char *action,
    const char *session, const char *addr, int status, const char *detail)
{
	static sqlite3_stmt	*st;
	char			 ts[32];

	now_iso(ts, sizeof ts);
	persist_exec(&st, __func__, "INSERT INTO audit (ts, user, role, action, session,"
	    " addr, status, detail, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "ssssssiss", ts, user, role, action, session, addr, status, detail,
	    log_request());
}

/* A debrief's report, stored (debrief.c); every string is the caller's. */
void
persist_debrief(int64_t id, const char *kind, const char *source, const char *report,
    const char *created, const char *path)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "INSERT INTO debriefs (session_id, kind, source,"
	    " report, created, path) VALUES (?, ?, ?, ?, ?, ?)",
	    "Isssss", id, kind, source, report, created, path);
}

/* Session id is being debriefed (on 1), or no longer (0). */
void
persist_debriefing(int64_t id, int on)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET debriefing = ? WHERE id = ?",
	    "iI", on, id);
}

/* Forget the published agent kinds (at start, before publishing them anew). */
void
persist_agent_kinds_clear(void)
{
	static sqlite3_stmt	*st;

	if (st == NULL)
		st = persist_prepare("DELETE FROM agent_kinds");
	persist_step(st, __func__);
}

/* Publish one agent kind for agentd-fcgi; the strings are copied (NULL: none). */
void
persist_agent_kind(const char *name, const char *skills_user, const char *skills_project)
{
	static sqlite3_stmt	*st;

	if (st == NULL)
		st = persist_prepare("INSERT INTO agent_kinds (name, skills_user,"
		    " skills_project) VALUES (?, ?, ?)");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, skills_user != NULL ? skills_user : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, skills_project != NULL ? skills_project : "", -1,
	    SQLITE_TRANSIENT);
	persist_step(st, __func__);
}

/* What an agent adapter knows (daemon/agent.c). */
void
persist_agent(int64_t id, const char *status, const char *source, const char *since,
    const char *phase, const char *pending, const char *last_tool, const char *uuid,
    const char *tpath, int64_t toff, int64_t in, int64_t out, int64_t cread,
    int64_t cwrite, double cost, const char *pending_id)
{
	static sqlite3_stmt	*st;

	persist_exec(&st, __func__, "UPDATE sessions SET status = ?, status_source = ?,"
	    " status_since = ?, phase = ?, pending_approval = ?, last_tool = ?,"
	    " agent_session = ?, transcript_path = ?, transcript_offset = ?,"
	    " input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
	    " cache_write_tokens = ?, cost_usd = ?, pending_id = ?"
	    " WHERE id = ? AND ended IS NULL",
	    "ssssssssIIIIIdsI", status, source, since, phase, pending, last_tool, uuid,
	    tpath, toff, in, out, cread, cwrite, cost, pending_id, id);
}

/* Back after a restart: what the adapter had. Strings are the caller's. */
void
persist_agent_load(int64_t id, char **uuid, char **tpath, off_t *toff, int64_t *in,
    int64_t *out, int64_t *cread, int64_t *cwrite, double *cost)
{
	static sqlite3_stmt	*st;

	if (st == NULL)
		st = persist_prepare("SELECT agent_session, transcript_path,"
		    " transcript_offset, input_tokens, output_tokens, cache_read_tokens,"
		    " cache_write_tokens, cost_usd FROM sessions WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			*uuid = xstrdup((const char *)sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			*tpath = xstrdup((const char *)sqlite3_column_text(st, 1));
		*toff = (off_t)sqlite3_column_int64(st, 2);
		*in = sqlite3_column_int64(st, 3);
		*out = sqlite3_column_int64(st, 4);
		*cread = sqlite3_column_int64(st, 5);
		*cwrite = sqlite3_column_int64(st, 6);
		*cost = sqlite3_column_double(st, 7);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * Back after a restart: the status it had, its pending approval (JSON) and the
 * id of the agent's request that approval answers. 1 if all three were set
 * (strings the caller's), else 0 and nothing set.
 */
int
persist_pending_load(int64_t id, char **status, char **pending, char **pending_id)
{
	static sqlite3_stmt	*st;
	int			 found = 0;

	if (st == NULL)
		st = persist_prepare("SELECT status, pending_approval, pending_id"
		    " FROM sessions WHERE id = ? AND status IS NOT NULL AND"
		    " pending_approval IS NOT NULL AND pending_id IS NOT NULL");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*status = xstrdup((const char *)sqlite3_column_text(st, 0));
		*pending = xstrdup((const char *)sqlite3_column_text(st, 1));
		*pending_id = xstrdup((const char *)sqlite3_column_text(st, 2));
		found = 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (found);
}
