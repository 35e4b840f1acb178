/*
 * GET /api/agents/audit?since=ID&limit=N: who changed what, oldest first, for
 * admins. Rows come from the audit table the daemon appends to on every change.
 * The reply is {"entries": [...], "nextSince": ID} for paging.
 */
#include <stdlib.h>

#include "api.h"
#include "auth.h"
#include "xmalloc.h"

/* Entries a page, unless ?limit says; more than AUDIT_MAX is one more page. */
#define AUDIT_DEFAULT	100
#define AUDIT_MAX	1000

static int	api_audit_exec(struct req *);

const struct api_entry api_audit_entry = {
	.method = "GET",
	.path = "/api/agents/audit",
	.flags = 0,
	.exec = api_audit_exec,
	.role = AGD_ROLE_ADMIN
};

static struct json_object *
audit_col(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (NULL);
	if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		return (json_object_new_int64(sqlite3_column_int64(st, i)));
	return (json_object_new_string_len((const char *)sqlite3_column_text(st, i),
	    sqlite3_column_bytes(st, i)));
}

static int
api_audit_exec(struct req *req)
{
	static const char	*cols[] = { "id", "ts", "user", "role", "action",
	    "session", "addr", "status", "detail", "request" };
	struct json_object	*o, *arr, *e;
	sqlite3_stmt		*st;
	uint64_t		 since, limit;
	int64_t			 last;
	char			*cause;
	size_t			 i;
	int			 rc;

	if (request_query_u64(req, "since", 0, INT64_MAX, &since) == -1 ||
	    request_query_u64(req, "limit", AUDIT_DEFAULT, AUDIT_MAX, &limit) == -1)
		return (0);
	if ((st = query_stmt(Q_AUDIT, &cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	arr = json_object_new_array();
	last = (int64_t)since;
	while ((rc = query_step(st, &cause)) == 1) {
		e = json_object_new_object();
		for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
			json_object_object_add(e, cols[i], audit_col(st, (int)i));
		last = sqlite3_column_int64(st, 0);
		json_object_array_add(arr, e);
	}
	query_done(st);
	if (rc == -1) {
		json_object_put(arr);
		goto fail;
	}
	o = json_object_new_object();
	json_object_object_add(o, "entries", arr);
	json_object_object_add(o, "nextSince", json_object_new_int64(last));
	reply_json_put(req, 200, o);
	return (0);
fail:
	query_reply_error(req, cause);
	return (0);
}
