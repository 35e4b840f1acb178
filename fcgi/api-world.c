/*
 * GET /api/agents/world: one entry per live session - what it is, what it is
 * doing and what it cost -, a bare array as the seed's world page reads it;
 * GET /api/agents/world/totals: the sums over them (agents, byStatus, usage).
 * The handlers read state the daemon keeps in SQLite; they never ask an agent.
 * Like the session list, each rendered body is kept per thread until PRAGMA
 * data_version says the daemon committed.
 *
 * An entry's status is the world page's: active, idle, stale (live but silent
 * for WORLD_STALE_SECS) or completed (marked complete); state and phase are the
 * session object's (lib/store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "store.h"
#include "xmalloc.h"

/*
 * A live session that has written nothing and reported nothing for this long
 * is stale on the world page: ten minutes is longer than any turn's silence we
 * have seen from a working agent, and short enough to notice a stuck one.
 */
#define WORLD_STALE_SECS	600

/* Columns of Q_WORLD (fcgi/query.c). */
enum {
	W_NAME, W_TYPE, W_ROLE, W_PARENT, W_MACHINE, W_STATE, W_SOURCE, W_SINCE,
	W_PHASE, W_DEBRIEFING, W_COMPLETION, W_USAGE = 13, W_TASK = 18, W_TOOL,
	W_ACTIVITY, W_PID, W_QUIET, W_TRANSPORT
};

static int	api_world_exec(struct req *);
static int	api_world_totals_exec(struct req *);

const struct api_entry api_world_entry = {
	.method = "GET",
	.path = "/api/agents/world",
	.flags = 0,
	.exec = api_world_exec
};

const struct api_entry api_world_totals_entry = {
	.method = "GET",
	.path = "/api/agents/world/totals",
	.flags = 0,
	.exec = api_world_totals_exec
};

/* [0] the entries, [1] the totals. */
static _Thread_local struct body_cache world_cache[2];

static struct json_object *
world_str(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	return (json_object_new_string_len((const char *)sqlite3_column_text(st, i),
	    sqlite3_column_bytes(st, i)));
}

/* The world page's status of the row. */
static const char *
world_status(sqlite3_stmt *st)
{
	const char	*state = (const char *)sqlite3_column_text(st, W_STATE);

	if (sqlite3_column_type(st, W_COMPLETION) != SQLITE_NULL)
		return ("completed");
	if (state != NULL && strcmp(state, "idle") == 0)
		return ("idle");
	if (sqlite3_column_int64(st, W_QUIET) > WORLD_STALE_SECS)
		return ("stale");
	return ("active");
}

/* The entry of the current row. Caller puts. */
static struct json_object *
world_entry(sqlite3_stmt *st)
{
	struct json_object	*e;
	const char		*t;
	int			 stream;

	e = json_object_new_object();
	json_object_object_add(e, "id", world_str(st, W_NAME));
	json_object_object_add(e, "name", world_str(st, W_NAME));
	t = (const char *)sqlite3_column_text(st, W_TRANSPORT);
	stream = t != NULL && strcmp(t, "stream") == 0;
	json_object_object_add(e, "sessionType", json_object_new_string(stream ? "stream" : "pty"));
	json_object_object_add(e, "transport", json_object_new_string(stream ? "stream" : "tty"));
	json_object_object_add(e, "agentType", world_str(st, W_TYPE));
	json_object_object_add(e, "role", world_str(st, W_ROLE));
	json_object_object_add(e, "parent", world_str(st, W_PARENT));
	json_object_object_add(e, "machine", world_str(st, W_MACHINE));
	json_object_object_add(e, "status", json_object_new_string(world_status(st)));
	json_object_object_add(e, "state", world_str(st, W_STATE));
	json_object_object_add(e, "statusSource", world_str(st, W_SOURCE));
	json_object_object_add(e, "statusSince", world_str(st, W_SINCE));
	json_object_object_add(e, "phase", json_object_new_string(agd_session_phase(
	    (const char *)sqlite3_column_text(st, W_STATE),
	    (const char *)sqlite3_column_text(st, W_PHASE),
	    sqlite3_column_type(st, W_COMPLETION) != SQLITE_NULL,
	    sqlite3_column_int(st, W_DEBRIEFING))));
	json_object_object_add(e, "usage", agd_usage_json(st, W_USAGE));
	json_object_object_add(e, "task", world_str(st, W_TASK));
	json_object_object_add(e, "lastToolUse", sqlite3_column_type(st, W_TOOL) ==
	    SQLITE_NULL ? NULL : json_tokener_parse(
	    (const char *)sqlite3_column_text(st, W_TOOL)));
	json_object_object_add(e, "lastUpdatedAt", world_str(st, W_ACTIVITY));
	json_object_object_add(e, "lastActivity", world_str(st, W_ACTIVITY));
	json_object_object_add(e, "completion", agd_completion_json(st, W_COMPLETION));
	json_object_object_add(e, "pid", sqlite3_column_type(st, W_PID) == SQLITE_NULL ?
	    NULL : json_object_new_int64(sqlite3_column_int64(st, W_PID)));
	return (e);
}

/* The body of world_cache[which], built from the rows. NULL with *cause. */
static struct json_object *
world_build(int which, char **cause)
{
	struct json_object	*arr, *tot, *by, *n;
	struct agd_usage	 total = { 0, 0, 0, 0, 0 };
	sqlite3_stmt		*st;
	const char		*status;
	int			 rc, count = 0;

	if ((st = query_stmt(Q_WORLD, cause)) == NULL)
		return (NULL);
	arr = json_object_new_array_ext(64);
	by = json_object_new_object();
	while ((rc = query_step(st, cause)) == 1) {
		if (which == 0)
			json_object_array_add(arr, world_entry(st));
		status = world_status(st);
		if (json_object_object_get_ex(by, status, &n))
			json_object_set_int(n, json_object_get_int(n) + 1);
		else
			json_object_object_add(by, status, json_object_new_int(1));
		agd_usage_add(&total, st, W_USAGE);
		count++;
	}
	query_done(st);
	if (rc == -1 || which == 0) {
		json_object_put(by);
		if (rc == -1)
			json_object_put(arr);
		return (rc == -1 ? NULL : arr);
	}
	json_object_put(arr);
	tot = json_object_new_object();
	json_object_object_add(tot, "agents", json_object_new_int(count));
	json_object_object_add(tot, "byStatus", by);
	json_object_object_add(tot, "usage", agd_usage_new(&total));
	return (tot);
}

static int
world_reply(struct req *req, int which)
{
	struct body_cache	*c = &world_cache[which];
	struct json_object	*o;
	char			*cause;
	int			 rc;

	if ((rc = body_cache_check(c, &cause)) == -1)
		goto fail;
	if (rc == 0) {
		if ((o = world_build(which, &cause)) == NULL)
			goto fail;
		body_cache_store(c, o);
		json_object_put(o);
	}
	reply_raw(req, 200, "application/json", NULL, c->text, c->len);
	return (0);
fail:
	c->valid = 0;
	query_reply_error(req, cause);
	return (0);
}

static int
api_world_exec(struct req *req)
{
	return (world_reply(req, 0));
}

static int
api_world_totals_exec(struct req *req)
{
	return (world_reply(req, 1));
}
