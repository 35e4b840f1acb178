/*
 * GET /api/agents/sessions/:name: the newest session of that name, with a page
 * of its json events (?since=SEQ, ?limit=N) and a summary of its workers.
 *
 * The three statements run in one read transaction, so the session, its events
 * and its workers are one snapshot.
 */
#include <stdint.h>
#include <stdlib.h>

#include "api.h"
#include "json.h"
#include "store.h"

#define GET_EVENTS_DEFAULT	100	/* events in a reply unless ?limit says */
#define GET_EVENTS_MAX		1000	/* a page; follow nextSeq for more */

static int	api_session_get_exec(struct req *);
static int	api_session_get_events(struct json_object *, sqlite3_int64,
		    uint64_t, uint64_t, char **);
static int	api_session_get_workers(struct json_object *, sqlite3_int64,
		    char **);

const struct api_entry api_session_get_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name",
	.flags = 0,
	.exec = api_session_get_exec
};

/* Add "events" and "nextSeq" to o. 0 or -1 with *cause. */
static int
api_session_get_events(struct json_object *o, sqlite3_int64 id, uint64_t since,
    uint64_t limit, char **cause)
{
	struct json_object	*arr, *e, *ev;
	sqlite3_stmt		*st;
	const char		*data;
	char			*err;
	sqlite3_int64		 seq, next = (sqlite3_int64)since;
	int			 rc;

	if ((st = query_stmt(Q_EVENTS, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	arr = json_object_new_array();
	while ((rc = query_step(st, cause)) == 1) {
		seq = sqlite3_column_int64(st, 0);
		data = (const char *)sqlite3_column_text(st, 3);
		/* The daemon stores valid JSON; keep anything else as text. */
		if (data == NULL)
			ev = NULL;
		else if ((ev = agd_json_parse(data,
		    (size_t)sqlite3_column_bytes(st, 3), &err)) == NULL) {
			free(err);
			ev = json_object_new_string_len(data,
			    sqlite3_column_bytes(st, 3));
		}
		e = json_object_new_object();
		json_object_object_add(e, "seq", json_object_new_int64(seq));
		json_object_object_add(e, "ts", json_object_new_string(
		    (const char *)sqlite3_column_text(st, 1)));
		json_object_object_add(e, "type", json_object_new_string(
		    (const char *)sqlite3_column_text(st, 2)));
		json_object_object_add(e, "event", ev);
		json_object_array_add(arr, e);
		next = seq;
	}
	query_done(st);
	if (rc == -1) {
		json_object_put(arr);
		return (-1);
	}
	json_object_object_add(o, "events", arr);
	json_object_object_add(o, "nextSeq", json_object_new_int64(next));
	return (0);
}

/* Add "debrief": the last pre-kill debrief, or null. 0 or -1 with *cause. */
static int
api_session_get_debrief(struct json_object *o, sqlite3_int64 id, char **cause)
{
	struct json_object	*d = NULL;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = query_stmt(Q_DEBRIEF_ID, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = query_step(st, cause)) == 1)
		d = api_debrief_json(st);
	query_done(st);
	if (rc == -1)
		return (-1);
	json_object_object_add(o, "debrief", d);
	return (0);
}

/* Add "workers": {total, running, ended} to o. 0 or -1 with *cause. */
static int
api_session_get_workers(struct json_object *o, sqlite3_int64 id, char **cause)
{
	struct json_object	*w;
	sqlite3_stmt		*st;
	int64_t			 running = 0, ended = 0;
	int			 rc;

	if ((st = query_stmt(Q_WORKERS, cause)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = query_step(st, cause)) == 1) {
		if (sqlite3_column_int(st, 0))
			running += sqlite3_column_int64(st, 1);
		else
			ended += sqlite3_column_int64(st, 1);
	}
	query_done(st);
	if (rc == -1)
		return (-1);
	w = json_object_new_object();
	json_object_object_add(w, "total",
	    json_object_new_int64(running + ended));
	json_object_object_add(w, "running", json_object_new_int64(running));
	json_object_object_add(w, "ended", json_object_new_int64(ended));
	json_object_object_add(o, "workers", w);
	return (0);
}

static int
api_session_get_exec(struct req *req)
{
	struct json_object	*o;
	sqlite3_stmt		*st;
	sqlite3_int64		 id;
	uint64_t		 since, limit;
	char			*cause;

	if (request_query_u64(req, "since", 0, INT64_MAX, &since) == -1 ||
	    request_query_u64(req, "limit", GET_EVENTS_DEFAULT, GET_EVENTS_MAX,
	    &limit) == -1)
		return (0);

	if (query_begin(&cause) == -1)
		goto fail;
	if ((st = query_session(req, Q_SESSION)) == NULL)
		return (0);
	o = agd_session_json(st);
	id = sqlite3_column_int64(st, AGD_SESSION_COL_ID);
	query_done(st);
	if (api_session_get_events(o, id, since, limit, &cause) == -1 ||
	    api_session_get_workers(o, id, &cause) == -1 ||
	    api_session_get_debrief(o, id, &cause) == -1) {
		json_object_put(o);
		goto fail;
	}
	query_end();
	reply_json_put(req, 200, o);
	return (0);

fail:
	query_reply_error(req, cause);
	return (0);
}
