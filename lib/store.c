/* Session rows -> the JSON shape every endpoint returns (doc/DESIGN.md). */
#include <string.h>

#include "store.h"

static struct json_object *
col_string(sqlite3_stmt *st, int i)
{
	const unsigned char	*s;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	s = sqlite3_column_text(st, i);
	return (json_object_new_string_len((const char *)s, sqlite3_column_bytes(st, i)));
}

static struct json_object *
col_int(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	return (json_object_new_int64(sqlite3_column_int64(st, i)));
}

/* A column holding JSON text, parsed; NULL if NULL or not JSON. */
static struct json_object *
col_json(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	return (json_tokener_parse((const char *)sqlite3_column_text(st, i)));
}

struct json_object *
agd_completion_json(sqlite3_stmt *st, int i)
{
	struct json_object	*c;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	c = json_object_new_object();
	json_object_object_add(c, "status", col_string(st, i));
	json_object_object_add(c, "comment", col_string(st, i + 1));
	json_object_object_add(c, "at", col_string(st, i + 2));
	return (c);
}

struct json_object *
agd_usage_new(const struct agd_usage *u)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "inputTokens", json_object_new_int64(u->in));
	json_object_object_add(o, "outputTokens", json_object_new_int64(u->out));
	json_object_object_add(o, "cacheReadTokens", json_object_new_int64(u->cache_read));
	json_object_object_add(o, "cacheWriteTokens", json_object_new_int64(u->cache_write));
	json_object_object_add(o, "costUsd", json_object_new_double(u->cost));
	return (o);
}

void
agd_usage_add(struct agd_usage *u, sqlite3_stmt *st, int i)
{
	u->in += sqlite3_column_int64(st, i);
	u->out += sqlite3_column_int64(st, i + 1);
	u->cache_read += sqlite3_column_int64(st, i + 2);
	u->cache_write += sqlite3_column_int64(st, i + 3);
	u->cost += sqlite3_column_double(st, i + 4);
}

struct json_object *
agd_usage_json(sqlite3_stmt *st, int i)
{
	struct agd_usage	u = { 0, 0, 0, 0, 0 };

	agd_usage_add(&u, st, i);
	return (agd_usage_new(&u));
}

/*
 * The transport columns from i (sql/0006): transport and its older name
 * sessionType (tty is "pty" there), statusEvidence, limits and capped.
 */
static void
agd_session_transport_json(struct json_object *o, sqlite3_stmt *st, int i)
{
	struct json_object	*lim;
	const char		*t = (const char *)sqlite3_column_text(st, i);
	int			 stream = t != NULL && strcmp(t, "stream") == 0;

	json_object_object_add(o, "transport",
	    json_object_new_string(stream ? "stream" : "tty"));
	json_object_object_add(o, "sessionType",
	    json_object_new_string(stream ? "stream" : "pty"));
	json_object_object_add(o, "statusEvidence", col_json(st, i + 1));
	lim = json_object_new_object();
	json_object_object_add(lim, "maxCostUsd", sqlite3_column_type(st, i + 2) ==
	    SQLITE_NULL ? NULL : json_object_new_double(sqlite3_column_double(st, i + 2)));
	json_object_object_add(lim, "maxTokens", col_int(st, i + 3));
	json_object_object_add(o, "limits", lim);
	json_object_object_add(o, "capped", col_json(st, i + 4));
}

const char *
agd_session_status(const char *state, int ended, int exit_code, int completed)
{
	if (completed)
		return ("completed");
	if (!ended)
		return ("running");
	if (state != NULL && strcmp(state, "terminated") == 0)
		return ("killed");
	return (exit_code == 0 ? "completed" : "failed");
}

const char *
agd_session_phase(const char *state, const char *phase, int completed, int debriefing)
{
	if (debriefing)
		return ("debriefing");
	if (completed)
		return ("completed");
	if (state != NULL && (strcmp(state, "exited") == 0 ||
	    strcmp(state, "terminated") == 0))
		return ("exited");
	if (state != NULL && strcmp(state, "waiting_approval") == 0)
		return ("waiting_approval");
	if (phase != NULL)
		return (phase);
	/* A plain program: starting until it runs, then idle as far as we know. */
	return (state != NULL && strcmp(state, "starting") == 0 ? "starting" : "idle");
}

/*
 * The seed's end of a session, {status, finalComment, costUsd, completedAt}: the
 * completion when it was marked complete, else how it ended; NULL while it runs.
 */
static struct json_object *
session_result(sqlite3_stmt *st, const char *state, int ended, int exit_code)
{
	struct json_object	*r;
	const char		*how;
	int			 marked = sqlite3_column_type(st, 13) != SQLITE_NULL;

	if (!marked && !ended)
		return (NULL);
	if (marked)
		how = (const char *)sqlite3_column_text(st, 13);
	else if (state != NULL && strcmp(state, "terminated") == 0)
		how = "cancelled";
	else
		how = exit_code == 0 ? "success" : "failure";
	r = json_object_new_object();
	json_object_object_add(r, "status", json_object_new_string(how));
	json_object_object_add(r, "finalComment", col_string(st, 14));
	json_object_object_add(r, "costUsd", json_object_new_double(
	    sqlite3_column_double(st, 32)));
	json_object_object_add(r, "completedAt", col_string(st, marked ? 15 : 9));
	return (r);
}

/* The machine a session runs on, null for this one ("local" or none). */
static struct json_object *
session_host(sqlite3_stmt *st)
{
	const char	*m;

	m = (const char *)sqlite3_column_text(st, AGD_SESSION_COL_BRANCH + 2);
	if (m == NULL || strcmp(m, "local") == 0)
		return (NULL);
	return (json_object_new_string(m));
}

struct json_object *
agd_session_json(sqlite3_stmt *st)
{
	struct json_object	*o;
	const char		*state, *phase;
	int			 ended, marked, exit_code = -1;

	state = (const char *)sqlite3_column_text(st, 7);
	phase = (const char *)sqlite3_column_text(st, 25);
	ended = sqlite3_column_type(st, 9) != SQLITE_NULL;
	marked = sqlite3_column_type(st, 13) != SQLITE_NULL;
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		exit_code = sqlite3_column_int(st, 10);

	o = json_object_new_object();
	json_object_object_add(o, "name", col_string(st, 1));
	json_object_object_add(o, "pid", col_int(st, 6));
	json_object_object_add(o, "agentType", col_string(st, 2));
	json_object_object_add(o, "created", col_string(st, 8));
	json_object_object_add(o, "workingDirectory", col_string(st, 3));
	json_object_object_add(o, "permissionMode", col_string(st, 4));
	/* The seed's coarse lifecycle; agentd's own state and phase beside it. */
	json_object_object_add(o, "status", json_object_new_string(
	    agd_session_status(state, ended, exit_code, marked)));
	json_object_object_add(o, "state", col_string(st, 7));
	json_object_object_add(o, "phase", json_object_new_string(agd_session_phase(state,
	    phase, marked, sqlite3_column_int(st, AGD_SESSION_COL_DEBRIEFING))));
	json_object_object_add(o, "completed", json_object_new_boolean(marked || ended));
	json_object_object_add(o, "result", session_result(st, state, ended, exit_code));
	/* The seed clients' names: its UI reads these. */
	/* sessionType: with the transport columns below. */
	json_object_object_add(o, "cwd", col_string(st, 3));
	json_object_object_add(o, "host", session_host(st));
	json_object_object_add(o, "processAlive", json_object_new_boolean(!ended &&
	    sqlite3_column_type(st, 6) != SQLITE_NULL));
	json_object_object_add(o, "label", col_string(st, 1));
	json_object_object_add(o, "prompt", col_string(st, 5));
	json_object_object_add(o, "role", col_string(st, 16));
	json_object_object_add(o, "parent", col_string(st, 17));
	json_object_object_add(o, "creator", col_string(st, 19));
	json_object_object_add(o, "lastSeq", col_int(st, 18));
	json_object_object_add(o, "lastActivity", col_string(st, 20));
	json_object_object_add(o, "cols", col_int(st, 21));
	json_object_object_add(o, "rows", col_int(st, 22));
	json_object_object_add(o, "ended", col_string(st, 9));
	json_object_object_add(o, "exitCode", col_int(st, 10));
	json_object_object_add(o, "exitSignal", col_int(st, 11));
	json_object_object_add(o, "endReason", col_string(st, 12));
	json_object_object_add(o, "completion", agd_completion_json(st, 13));
	/* What the agent says about itself (sql/0003). */
	json_object_object_add(o, "statusSource", col_string(st, 23));
	json_object_object_add(o, "statusSince", col_string(st, 24));
	json_object_object_add(o, "agentPhase", col_string(st, 25));
	json_object_object_add(o, "pendingApproval", col_json(st, 26));
	json_object_object_add(o, "lastToolUse", col_json(st, 27));
	json_object_object_add(o, "usage", agd_usage_json(st, 28));
	/* Workers (sql/0004; null for other sessions). */
	json_object_object_add(o, "branch", col_string(st, AGD_SESSION_COL_BRANCH));
	json_object_object_add(o, "worktree",
	    col_string(st, AGD_SESSION_COL_BRANCH + 1));
	json_object_object_add(o, "machine",
	    col_string(st, AGD_SESSION_COL_BRANCH + 2));
	json_object_object_add(o, "issue", col_string(st, AGD_SESSION_COL_BRANCH + 3));
	json_object_object_add(o, "issueNumber",
	    col_int(st, AGD_SESSION_COL_BRANCH + 4));
	json_object_object_add(o, "keepReason",
	    col_string(st, AGD_SESSION_COL_BRANCH + 5));
	json_object_object_add(o, "worktreeState",
	    col_string(st, AGD_SESSION_COL_BRANCH + 6));
	agd_session_transport_json(o, st, AGD_SESSION_COL_TRANSPORT);
	json_object_object_add(o, "trustFolder", json_object_new_boolean(
	    sqlite3_column_int(st, AGD_SESSION_COL_TRUST)));
	json_object_object_add(o, "trustWhy", col_string(st, AGD_SESSION_COL_TRUST + 1));
	return (o);
}
