/*
 * GET /api/agents/world: one entry per live session - what it is, what it is
 * doing and what it cost - plus totals. The handler reads state the daemon keeps
 * in SQLite; it never asks an agent. Like the session list, the rendered body is
 * kept per worker until PRAGMA data_version says the daemon committed.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "store.h"
#include "xmalloc.h"

static int	api_world_exec(struct req *);

const struct api_entry api_world_entry = {
	.method = "GET",
	.path = "/api/agents/world",
	.flags = 0,
	.exec = api_world_exec
};

static _Thread_local struct body_cache world_cache;

static struct json_object *
world_str(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	return (json_object_new_string_len((const char *)sqlite3_column_text(st, i),
	    sqlite3_column_bytes(st, i)));
}

/* The phase, from the agent's events and the session's state. */
static const char *
world_phase(sqlite3_stmt *st)
{
	const char	*phase = (const char *)sqlite3_column_text(st, 8);
	const char	*status = (const char *)sqlite3_column_text(st, 5);

	if (sqlite3_column_int(st, 9))
		return ("debriefing");
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		return ("completed");
	if (status != NULL && (strcmp(status, "exited") == 0 ||
	    strcmp(status, "terminated") == 0))
		return ("exited");
	if (status != NULL && strcmp(status, "waiting_approval") == 0)
		return ("waiting_approval");
	if (phase != NULL)
		return (phase);
	/* A plain program: starting until it runs, then idle as far as we know. */
	return (status != NULL && strcmp(status, "starting") == 0 ? "starting" : "idle");
}

static int
api_world_exec(struct req *req)
{
	struct json_object	*o, *arr, *e, *tot, *by, *n;
	struct agd_usage	 total = { 0, 0, 0, 0, 0 };
	sqlite3_stmt		*st;
	const char		*status;
	char			*cause;
	int			 rc, count = 0;

	if ((rc = body_cache_check(&world_cache, &cause)) == -1)
		goto fail;
	if (rc == 1) {
		reply_raw(req, 200, "application/json", NULL, world_cache.text,
		    world_cache.len);
		return (0);
	}

	if ((st = query_stmt(Q_WORLD, &cause)) == NULL)
		goto fail;
	arr = json_object_new_array_ext(64);
	by = json_object_new_object();
	while ((rc = query_step(st, &cause)) == 1) {
		e = json_object_new_object();
		json_object_object_add(e, "name", world_str(st, 0));
		json_object_object_add(e, "agentType", world_str(st, 1));
		json_object_object_add(e, "role", world_str(st, 2));
		json_object_object_add(e, "parent", world_str(st, 3));
		json_object_object_add(e, "machine", world_str(st, 4));
		json_object_object_add(e, "status", world_str(st, 5));
		json_object_object_add(e, "statusSource", world_str(st, 6));
		json_object_object_add(e, "statusSince", world_str(st, 7));
		json_object_object_add(e, "phase", json_object_new_string(world_phase(st)));
		json_object_object_add(e, "usage", agd_usage_json(st, 13));
		json_object_object_add(e, "task", world_str(st, 18));
		json_object_object_add(e, "lastToolUse", sqlite3_column_type(st, 19) ==
		    SQLITE_NULL ? NULL : json_tokener_parse(
		    (const char *)sqlite3_column_text(st, 19)));
		json_object_object_add(e, "lastActivity", world_str(st, 20));
		json_object_object_add(e, "completion", agd_completion_json(st, 10));
		json_object_object_add(e, "pid", sqlite3_column_type(st, 21) == SQLITE_NULL ?
		    NULL : json_object_new_int64(sqlite3_column_int64(st, 21)));
		json_object_array_add(arr, e);

		status = (const char *)sqlite3_column_text(st, 5);
		if (status != NULL) {
			if (json_object_object_get_ex(by, status, &n))
				json_object_set_int(n, json_object_get_int(n) + 1);
			else
				json_object_object_add(by, status, json_object_new_int(1));
		}
		agd_usage_add(&total, st, 13);
		count++;
	}
	query_done(st);
	if (rc == -1) {
		json_object_put(arr);
		json_object_put(by);
		goto fail;
	}
	tot = json_object_new_object();
	json_object_object_add(tot, "agents", json_object_new_int(count));
	json_object_object_add(tot, "byStatus", by);
	json_object_object_add(tot, "usage", agd_usage_new(&total));
	o = json_object_new_object();
	json_object_object_add(o, "sessions", arr);
	json_object_object_add(o, "totals", tot);

	body_cache_store(&world_cache, o);
	json_object_put(o);
	reply_raw(req, 200, "application/json", NULL, world_cache.text, world_cache.len);
	return (0);
fail:
	world_cache.valid = 0;
	query_reply_error(req, cause);
	return (0);
}
