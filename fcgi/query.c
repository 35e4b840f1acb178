/*
 * The request thread's read-only SQLite connection and its prepared statements.
 *
 * Everything here is thread-local: each request thread of a worker (api.c) has
 * its own connection, statements and reply caches, so no lock is taken on a
 * read. The connection is opened on first use and kept for the life of the thread
 * (1.7x the throughput of opening per request, C-STACK.md 5.3); statements are
 * prepared once and kept. After an error the connection is closed, so the next
 * request starts from a fresh open (a database replaced or migrated under us).
 * Callers reset a statement with query_done() as soon as its rows are read,
 * which ends the implicit read transaction so checkpoints are not held back.
 */
#include <stdlib.h>

#include <string.h>

#include "api.h"
#include "json.h"
#include "db.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

static const char *query_sql[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN",
	[Q_COMMIT] = "COMMIT",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_LIST_LIVE] = AGD_SESSION_SELECT " WHERE ended IS NULL ORDER BY id",
	[Q_LIST_ALL] = AGD_SESSION_SELECT " ORDER BY id",
	[Q_SESSION] = AGD_SESSION_SELECT
	    " WHERE name = ? ORDER BY id DESC LIMIT 1",
	[Q_SESSION_ID] = "SELECT id FROM sessions"
	    " WHERE name = ? ORDER BY id DESC LIMIT 1",
	[Q_MESSAGES_COUNT] = "SELECT count(*), coalesce(sum(type IN ('user_message',"
	    " 'assistant_text')), 0), (SELECT coalesce(transport, 'tty') = 'stream'"
	    " FROM sessions WHERE id = ?1) FROM events WHERE session_id = ?1",
	[Q_MESSAGES] = "SELECT seq, ts, type, data FROM events WHERE session_id = ?1"
	    " AND type IN (?2, ?3, ?4) ORDER BY seq DESC LIMIT ?5",
	[Q_DEBRIEF_STATUS] = "SELECT s.debriefing, d.source, d.kind, d.created"
	    " FROM sessions AS s LEFT JOIN debriefs AS d ON d.id = (SELECT max(id)"
	    " FROM debriefs WHERE session_id = s.id)"
	    " WHERE s.name = ? ORDER BY s.id DESC LIMIT 1",
	[Q_EVENTS] = "SELECT seq, ts, type, data FROM events"
	    " WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
	[Q_WORKERS] = "SELECT ended IS NULL, count(*) FROM sessions"
	    " WHERE parent_id = ? GROUP BY ended IS NULL",
	[Q_LIVE_DIRS] = "SELECT working_directory, creator FROM sessions"
	    " WHERE ended IS NULL",
	[Q_SESSION_DIFF] = "SELECT working_directory, base_commit,"
	    " coalesce(machine, 'local') FROM sessions"
	    " WHERE name = ? ORDER BY id DESC LIMIT 1",
	[Q_AUDIT] = "SELECT id, ts, user, role, action, session, addr, status, detail,"
	    " request FROM audit WHERE id > ? ORDER BY id LIMIT ?",
	[Q_DEBRIEF] = "SELECT kind, source, report, created, path FROM debriefs"
	    " WHERE session_id = (SELECT id FROM sessions WHERE name = ?"
	    " ORDER BY id DESC LIMIT 1) ORDER BY id DESC LIMIT 1",
	[Q_DEBRIEF_ID] = "SELECT kind, source, report, created FROM debriefs"
	    " WHERE session_id = ? ORDER BY id DESC LIMIT 1",
	[Q_WORLD] = "SELECT name, agent_type, role,"
	    " (SELECT p.name FROM sessions AS p WHERE p.id = s.parent_id),"
	    " coalesce(machine, 'local'), status, status_source, status_since, phase,"
	    " debriefing, completion_status, completion_comment, completed_at,"
	    " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
	    " cost_usd, substr(prompt, 1, 200), last_tool, last_activity, pid,"
	    " strftime('%s', 'now') - strftime('%s', coalesce(last_activity, created)),"
	    " transport FROM sessions AS s WHERE ended IS NULL ORDER BY id",
	[Q_AGENT_KINDS] = "SELECT name, skills_user, skills_project FROM agent_kinds"
	    " ORDER BY rowid",
	[Q_METRICS_SESSIONS] = "SELECT agent_type, status, count(*) FROM sessions"
	    " WHERE ended IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
	[Q_METRICS_USAGE] = "SELECT agent_type, sum(input_tokens), sum(output_tokens),"
	    " sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd)"
	    " FROM sessions GROUP BY 1 ORDER BY 1",
	[Q_METRICS_APPROVALS] = "SELECT count(*), coalesce(max((julianday('now') -"
	    " julianday(status_since)) * 86400.0), 0) FROM sessions"
	    " WHERE ended IS NULL AND status = 'waiting_approval'",
	[Q_WORKER_LIST] = AGD_SESSION_SELECT
	    " WHERE parent_id = ? AND role = 'worker' ORDER BY id"
};

static _Thread_local sqlite3	*query_db;
static _Thread_local sqlite3_stmt *query_stmts[Q__COUNT];
static _Thread_local uint64_t	 query_gen;	/* bumped on every open */
static _Thread_local int	 query_in_txn;
static _Thread_local int	 query_unavailable;	/* the last open failed */
static _Thread_local struct body_cache *query_caches;	/* stored on this thread */

/*
 * The prepared statement id, opening the database if needed. Borrowed: the
 * caller resets it with query_done(). NULL with *cause on failure.
 */
sqlite3_stmt *
query_stmt(enum query_id id, char **cause)
{
	query_unavailable = 0;
	if (query_db == NULL) {
		if ((query_db = agd_db_open(api.db_path, 0, cause)) == NULL) {
			query_unavailable = 1;
			return (NULL);
		}
		query_gen++;
	}
	if (query_stmts[id] == NULL &&
	    sqlite3_prepare_v3(query_db, query_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &query_stmts[id], NULL) != SQLITE_OK) {
		xasprintf(cause, "sqlite prepare: %s",
		    sqlite3_errmsg(query_db));
		query_close();
		return (NULL);
	}
	return (query_stmts[id]);
}

/* Step st: 1 for a row, 0 when done, -1 with *cause on error. */
int
query_step(sqlite3_stmt *st, char **cause)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return (1);
	if (rc == SQLITE_DONE)
		return (0);
	xasprintf(cause, "sqlite: %s", sqlite3_errmsg(query_db));
	return (-1);
}

/* Reset st and clear its bindings, ending its read. */
void
query_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * Start a read transaction, so that several statements see one snapshot.
 * End it with query_end(), also on errors. 0 or -1 with *cause.
 */
int
query_begin(char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = query_stmt(Q_BEGIN, cause)) == NULL)
		return (-1);
	rc = query_step(st, cause);
	query_done(st);
	if (rc == -1)
		return (-1);
	query_in_txn = 1;
	return (0);
}

/* End the read transaction of query_begin(). */
void
query_end(void)
{
	sqlite3_stmt	*st;
	char		*cause = NULL;

	if (!query_in_txn)
		return;
	query_in_txn = 0;
	if ((st = query_stmt(Q_COMMIT, &cause)) == NULL ||
	    query_step(st, &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		query_close();
		return;
	}
	query_done(st);
}

/* Changes each time the connection is reopened (caches key on it). */
uint64_t
query_generation(void)
{
	return (query_gen);
}

/* Finalize every statement and close the connection. */
void
query_close(void)
{
	int	i;

	for (i = 0; i < Q__COUNT; i++) {
		sqlite3_finalize(query_stmts[i]);
		query_stmts[i] = NULL;
	}
	if (query_db != NULL && sqlite3_close(query_db) != SQLITE_OK)
		log_warnx("%s: sqlite close: %s", __func__,
		    sqlite3_errmsg(query_db));
	query_db = NULL;
	query_in_txn = 0;
}

/*
 * Reply to a failed query (cause, which is freed): 503 daemon_unavailable if
 * the store could not be opened (agentd never ran here), else 500 internal
 * and a fresh connection next time.
 */
void
query_reply_error(struct req *req, char *cause)
{
	if (query_unavailable) {
		log_debug("%s: %s", __func__, cause);
		reply_error(req, AGD_ERR_DAEMON_UNAVAILABLE, "store not available");
	} else {
		log_warnx("%s: %s", __func__, cause);
		query_end();
		query_close();
		reply_error(req, AGD_ERR_INTERNAL, "store error");
	}
	free(cause);
}

/* The thread ends: close its connection and free its reply caches. */
void
query_thread_end(void)
{
	struct body_cache	*c;

	query_close();
	while ((c = query_caches) != NULL) {
		query_caches = c->next;
		free(c->text);
		memset(c, 0, sizeof *c);
	}
}

/*
 * A rendered reply kept per thread (c is thread-local) while the store is unchanged: PRAGMA
 * data_version moves on every commit of another connection (the daemon), and the
 * generation on every reopen. 1 if c is current (reply it), 0 if the caller must
 * rebuild it (then body_cache_store), -1 with *cause.
 */
int
body_cache_check(struct body_cache *c, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = query_stmt(Q_DATA_VERSION, cause)) == NULL)
		return (-1);
	if ((rc = query_step(st, cause)) != 1) {
		query_done(st);
		if (rc == 0)
			*cause = xstrdup("no data_version");
		c->valid = 0;
		return (-1);
	}
	/* Read before the rows: a body is never older than its label. */
	c->next_version = sqlite3_column_int64(st, 0);
	query_done(st);
	c->next_gen = query_generation();
	return (c->valid && c->gen == c->next_gen && c->version == c->next_version);
}

/* Keep the text of o as c's body, labelled by the last body_cache_check. */
void
body_cache_store(struct body_cache *c, struct json_object *o)
{
	const char	*text;

	text = agd_json_text(o, &c->len);
	free(c->text);
	c->text = xmalloc(c->len);
	memcpy(c->text, text, c->len);
	c->gen = c->next_gen;
	c->version = c->next_version;
	c->valid = 1;
	if (!c->linked) {
		c->linked = 1;
		c->next = query_caches;
		query_caches = c;
	}
}

/*
 * The row of q (a statement of one session, its name the first parameter) for
 * req->name. Returns the statement on that row (the caller query_done()s it); or
 * NULL having replied 404 "no such session" (ending the caller's transaction) or
 * the store's error.
 */
sqlite3_stmt *
query_session(struct req *req, enum query_id q)
{
	sqlite3_stmt	*st;
	char		*cause;
	int		 rc;

	if ((st = query_stmt(q, &cause)) == NULL) {
		query_reply_error(req, cause);
		return (NULL);
	}
	sqlite3_bind_text(st, 1, req->name, -1, SQLITE_STATIC);
	if ((rc = query_step(st, &cause)) == 1)
		return (st);
	query_done(st);
	if (rc == -1) {
		query_reply_error(req, cause);
		return (NULL);
	}
	query_end();
	reply_error(req, AGD_ERR_NOT_FOUND, "no such session: %s", req->name);
	return (NULL);
}
