/*
 * POST /api/agents/sessions/:name/pre-kill-debrief[?async=1]: the debrief (the
 * daemon waits for the agent's answer, up to its deadline; async: 202 at once and
 * the report appears on GET and as a json_event).
 * GET .../pre-kill-debrief: the last one, from SQLite.
 * GET .../debrief-status: {status: pending | completed | timed-out | none} as the
 * seed's clients poll it (timed-out: the last report is agentd's fallback), with
 * its kind and createdAt.
 *
 * For the seed's clients the POST's reply also says {debriefed: true, reason:
 * the report's source (agent or fallback)} when it waited, {debriefStarted:
 * true, timeoutMs} with ?async=1.
 */
#include <string.h>

#include "api.h"
#include "json.h"

/* The longest deadline (180 s by default) plus room: nginx allows 300 s. */
#define DEBRIEF_TIMEOUT_MS	(280 * 1000)

static int	api_session_debrief_exec(struct req *);
static int	api_session_debrief_get_exec(struct req *);
static int	api_session_debrief_status_exec(struct req *);

const struct api_entry api_session_debrief_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/pre-kill-debrief",
	.flags = API_BODY_OPT,
	.exec = api_session_debrief_exec
};

const struct api_entry api_session_debrief_get_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/pre-kill-debrief",
	.flags = 0,
	.exec = api_session_debrief_get_exec
};

const struct api_entry api_session_debrief_status_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/debrief-status",
	.flags = 0,
	.exec = api_session_debrief_status_exec
};

static int
api_session_debrief_exec(struct req *req)
{
	struct json_object	*args, *body, *v = NULL;
	const char		*a;
	long long		 secs = 0;
	int			 async = 0, status;

	if ((a = request_query(req, "async")) != NULL) {
		if (strcmp(a, "1") == 0 || strcmp(a, "true") == 0)
			async = 1;
		else if (strcmp(a, "0") != 0 && strcmp(a, "false") != 0) {
			reply_error(req, AGD_ERR_INVALID_FIELD, "async: must be 1 or 0");
			return (0);
		}
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "async", json_object_new_boolean(async));
	if (ctl_call(req, "session.debrief", args, DEBRIEF_TIMEOUT_MS, &status,
	    &body) == 0) {
		if (status == 202) {
			json_object_object_add(body, "debriefStarted",
			    json_object_new_boolean(1));
			agd_json_get_int(body, "deadlineSeconds", &secs);
			json_object_object_add(body, "timeoutMs",
			    json_object_new_int64(secs * 1000));
		} else if (status == 200) {
			json_object_object_add(body, "debriefed",
			    json_object_new_boolean(1));
			json_object_object_get_ex(body, "source", &v);
			json_object_object_add(body, "reason", json_object_get(v));
		}
		reply_json(req, status, body);
		json_object_put(body);
	}
	json_object_put(args);
	return (0);
}

/* A debrief row (kind, source, report, created[, path]) as its JSON. Caller puts. */
struct json_object *
api_debrief_json(sqlite3_stmt *st)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(
	    (const char *)sqlite3_column_text(st, 0)));
	json_object_object_add(o, "source", json_object_new_string(
	    (const char *)sqlite3_column_text(st, 1)));
	json_object_object_add(o, "report", json_object_new_string(
	    (const char *)sqlite3_column_text(st, 2)));
	json_object_object_add(o, "createdAt", json_object_new_string(
	    (const char *)sqlite3_column_text(st, 3)));
	if (sqlite3_column_count(st) > 4 && sqlite3_column_type(st, 4) != SQLITE_NULL)
		json_object_object_add(o, "path", json_object_new_string(
		    (const char *)sqlite3_column_text(st, 4)));
	return (o);
}

static int
api_session_debrief_get_exec(struct req *req)
{
	struct json_object	*o;
	sqlite3_stmt		*st;
	char			*cause;
	int			 rc;

	if ((st = query_stmt(Q_DEBRIEF, &cause)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, req->name, -1, SQLITE_STATIC);
	if ((rc = query_step(st, &cause)) != 1) {
		query_done(st);
		if (rc == -1)
			goto fail;
		reply_error(req, AGD_ERR_NOT_FOUND, "no debrief of %s", req->name);
		return (0);
	}
	o = api_debrief_json(st);
	query_done(st);
	reply_json_put(req, 200, o);
	return (0);
fail:
	query_reply_error(req, cause);
	return (0);
}

static int
api_session_debrief_status_exec(struct req *req)
{
	struct json_object	*o;
	sqlite3_stmt		*st;
	const char		*status, *source;

	if ((st = query_session(req, Q_DEBRIEF_STATUS)) == NULL)
		return (0);
	source = (const char *)sqlite3_column_text(st, 1);
	if (sqlite3_column_int(st, 0))
		status = "pending";
	else if (source == NULL)
		status = "none";
	else
		status = strcmp(source, "fallback") == 0 ? "timed-out" : "completed";
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "kind", sqlite3_column_type(st, 2) == SQLITE_NULL ?
	    NULL : json_object_new_string((const char *)sqlite3_column_text(st, 2)));
	json_object_object_add(o, "createdAt", sqlite3_column_type(st, 3) ==
	    SQLITE_NULL ? NULL : json_object_new_string(
	    (const char *)sqlite3_column_text(st, 3)));
	query_done(st);
	reply_json_put(req, 200, o);
	return (0);
}
