/*
 * GET /api/agents/sessions: the live sessions, oldest first; ?all=1 adds the
 * ended ones. Every element is agd_session_json() of one AGD_SESSION_SELECT
 * row.
 *
 * This is the hot read (benchmarked), so the rendered array is kept per worker
 * and served again while PRAGMA data_version says that no other connection
 * has committed since it was built: an unchanged store costs one tiny
 * statement. Any commit by agentd rebuilds it, with one statement and no
 * per-row queries. The version is read before the rows, so a cached body is
 * never older than its label (at worst it is rebuilt once more than needed).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "store.h"
#include "xmalloc.h"


static int	api_session_list_exec(struct req *);

const struct api_entry api_session_list_entry = {
	.method = "GET",
	.path = "/api/agents/sessions",
	.flags = 0,
	.exec = api_session_list_exec
};

static _Thread_local struct body_cache list_cache[2];	/* [0] live, [1] all */

static int
api_session_list_exec(struct req *req)
{
	struct body_cache	*c;
	struct json_object	*arr;
	sqlite3_stmt		*st;
	const char		*v;
	char			*cause;
	int			 all = 0, rc;

	if ((v = request_query(req, "all")) != NULL) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			all = 1;
		else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
			reply_error(req, AGD_ERR_INVALID_FIELD,
			    "all: must be 1 or 0");
			return (0);
		}
	}
	c = &list_cache[all];

	if ((rc = body_cache_check(c, &cause)) == -1)
		goto fail;
	if (rc == 1) {
		reply_raw(req, 200, "application/json", NULL, c->text, c->len);
		return (0);
	}

	if ((st = query_stmt(all ? Q_LIST_ALL : Q_LIST_LIVE, &cause)) == NULL)
		goto fail;
	arr = json_object_new_array_ext(64);
	while ((rc = query_step(st, &cause)) == 1)
		json_object_array_add(arr, agd_session_json(st));
	query_done(st);
	if (rc == -1) {
		json_object_put(arr);
		goto fail;
	}
	body_cache_store(c, arr);
	json_object_put(arr);
	reply_raw(req, 200, "application/json", NULL, c->text, c->len);
	return (0);

fail:
	c->valid = 0;
	query_reply_error(req, cause);
	return (0);
}
