/*
 * GET /api/agents/sessions/:name/workers: the workers of the newest session of
 * that name, oldest first, each the session object (state, branch, worktree,
 * machine, issue, created, lastActivity, completion, keepReason, ...): a bare
 * array, as the seed's CLI reads it; the counts ride in the headers
 * X-Total-Count and X-Running-Count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "store.h"

/* Two header lines of a number each. */
#define WORKERS_HEADERS_MAX	96

static int	api_worker_list_exec(struct req *);

const struct api_entry api_worker_list_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/workers",
	.flags = 0,
	.exec = api_worker_list_exec
};

static int
api_worker_list_exec(struct req *req)
{
	struct json_object	*arr;
	sqlite3_stmt		*st;
	sqlite3_int64		 id;
	int64_t			 running = 0;
	char			*cause, hdr[WORKERS_HEADERS_MAX];
	int			 rc;

	if (query_begin(&cause) == -1)
		goto fail;
	if ((st = query_session(req, Q_SESSION_ID)) == NULL)
		return (0);
	id = sqlite3_column_int64(st, 0);
	query_done(st);

	if ((st = query_stmt(Q_WORKER_LIST, &cause)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	arr = json_object_new_array();
	while ((rc = query_step(st, &cause)) == 1) {
		if (sqlite3_column_type(st, 9) == SQLITE_NULL)	/* ended */
			running++;
		json_object_array_add(arr, agd_session_json(st));
	}
	query_done(st);
	if (rc == -1) {
		json_object_put(arr);
		goto fail;
	}
	query_end();
	snprintf(hdr, sizeof hdr, "X-Total-Count: %zu\r\nX-Running-Count: %lld\r\n",
	    json_object_array_length(arr), (long long)running);
	reply_json_headers(req, 200, hdr, arr);
	json_object_put(arr);
	return (0);

fail:
	query_reply_error(req, cause);
	return (0);
}
