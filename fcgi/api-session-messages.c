/*
 * GET /api/agents/sessions/:name/messages?last=N&role=user|assistant|all: the
 * conversation of the newest session of that name, as the seed's headless
 * client reads it: {session, messages: [{role, content, timestamp, toolUse?}],
 * source, totalEvents}, oldest first, the last N (default MESSAGES_DEFAULT).
 *
 * From the session's json events in SQLite: when the agent's own record was read
 * (user_message, assistant_text and tool_use events; source "transcript") those,
 * a tool use as an assistant message with toolUse {name, input, id} - but the
 * user's side of a stream session from what was sent to it (message events: a
 * stream, claude -p, does not write the user's lines back, and a user line of its
 * own, a tool result's text, is none of the user's); else only what was sent to
 * it (source "input"), all of role user.
 * totalEvents counts every event of the session.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"

#define MESSAGES_DEFAULT	20	/* the seed client's default page */
#define MESSAGES_MAX		1000	/* as the detail's events: one page */

static int	api_session_messages_exec(struct req *);

const struct api_entry api_session_messages_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/messages",
	.flags = 0,
	.exec = api_session_messages_exec
};

/*
 * The event types of a role, bound as ?2..?4 of Q_MESSAGES ("" for none); users:
 * the record's user_message events are the user's (not a stream session).
 */
static void
messages_types(int transcript, int users, const char *role, const char *t[3])
{
	t[0] = t[1] = t[2] = "";
	if (!transcript) {
		if (strcmp(role, "assistant") != 0)
			t[0] = "message";
		return;
	}
	if (strcmp(role, "assistant") != 0)
		t[0] = users ? "user_message" : "message";
	if (strcmp(role, "user") != 0) {
		t[1] = "assistant_text";
		t[2] = "tool_use";
	}
}

/* The message of one event row (seq, ts, type, data). Caller puts. */
static struct json_object *
messages_one(sqlite3_stmt *st)
{
	struct json_object	*m, *ev, *v, *tu;
	const char		*type = (const char *)sqlite3_column_text(st, 2);
	const char		*data = (const char *)sqlite3_column_text(st, 3);
	char			*err;

	ev = NULL;
	if (data != NULL && (ev = agd_json_parse(data,
	    (size_t)sqlite3_column_bytes(st, 3), &err)) == NULL)
		free(err);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string(
	    strcmp(type, "assistant_text") == 0 || strcmp(type, "tool_use") == 0 ?
	    "assistant" : "user"));
	if (strcmp(type, "tool_use") == 0) {
		json_object_object_add(m, "content", json_object_new_string(""));
		tu = json_object_new_object();
		json_object_object_add(tu, "name", json_object_object_get_ex(ev, "tool",
		    &v) ? json_object_get(v) : NULL);
		json_object_object_add(tu, "input", json_object_object_get_ex(ev, "input",
		    &v) ? json_object_get(v) : NULL);
		json_object_object_add(tu, "id", json_object_object_get_ex(ev, "id", &v) ?
		    json_object_get(v) : NULL);
		json_object_object_add(m, "toolUse", tu);
	} else
		json_object_object_add(m, "content", json_object_object_get_ex(ev, "text",
		    &v) ? json_object_get(v) : json_object_new_string(""));
	json_object_object_add(m, "timestamp", json_object_new_string(
	    (const char *)sqlite3_column_text(st, 1)));
	json_object_object_add(m, "seq", json_object_new_int64(
	    sqlite3_column_int64(st, 0)));
	json_object_put(ev);
	return (m);
}

static int
api_session_messages_exec(struct req *req)
{
	struct json_object	*o, *arr, *rev;
	sqlite3_stmt		*st;
	sqlite3_int64		 id, total;
	const char		*role, *types[3];
	uint64_t		 last;
	char			*cause;
	int			 rc, transcript, users, i;

	if (request_query_u64(req, "last", MESSAGES_DEFAULT, MESSAGES_MAX, &last) == -1)
		return (0);
	if ((role = request_query(req, "role")) == NULL || *role == '\0')
		role = "all";
	if (strcmp(role, "all") != 0 && strcmp(role, "user") != 0 &&
	    strcmp(role, "assistant") != 0) {
		reply_error(req, AGD_ERR_INVALID_FIELD, "role: must be user, assistant or all");
		return (0);
	}
	if (query_begin(&cause) == -1)
		goto fail;
	if ((st = query_session(req, Q_SESSION_ID)) == NULL)
		return (0);
	id = sqlite3_column_int64(st, 0);
	query_done(st);

	if ((st = query_stmt(Q_MESSAGES_COUNT, &cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = query_step(st, &cause)) == -1) {
		query_done(st);
		goto fail;
	}
	total = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	transcript = rc == 1 && sqlite3_column_int64(st, 1) > 0;
	users = rc == 1 && sqlite3_column_int64(st, 2) == 0;
	query_done(st);

	messages_types(transcript, users, role, types);
	if ((st = query_stmt(Q_MESSAGES, &cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, 2 + i, types[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)last);
	rev = json_object_new_array();
	while ((rc = query_step(st, &cause)) == 1)
		json_object_array_add(rev, messages_one(st));
	query_done(st);
	if (rc == -1) {
		json_object_put(rev);
		goto fail;
	}
	query_end();
	/* Read newest first (the last N); given oldest first. */
	arr = json_object_new_array_ext((int)json_object_array_length(rev));
	for (i = (int)json_object_array_length(rev) - 1; i >= 0; i--)
		json_object_array_add(arr, json_object_get(json_object_array_get_idx(rev,
		    (size_t)i)));
	json_object_put(rev);
	o = json_object_new_object();
	json_object_object_add(o, "session", json_object_new_string(req->name));
	json_object_object_add(o, "messages", arr);
	json_object_object_add(o, "source", json_object_new_string(transcript ?
	    "transcript" : "input"));
	json_object_object_add(o, "totalEvents", json_object_new_int64(total));
	reply_json_put(req, 200, o);
	return (0);
fail:
	query_reply_error(req, cause);
	return (0);
}
