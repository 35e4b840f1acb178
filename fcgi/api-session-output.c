/*
 * GET /api/agents/sessions/:name/output?since=SEQ&limit=BYTES: the raw
 * terminal bytes of the tty records after SEQ in the session's output log, as
 * application/octet-stream, with X-Agentd-Seq: the seq of the last record
 * included (SEQ if none), to pass as since= next time.
 *
 * Records are whole: the reply stops before the record that would pass the
 * limit, but always carries at least one record if there is one. The read
 * starts near SEQ through the log's index (lib/seqlog.c), so a large since
 * does not mean reading every record header before it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "seqlog.h"
#include "xmalloc.h"

/* Output bytes a reply unless ?limit says: a screenful many times over. */
#define OUTPUT_LIMIT_DEFAULT	(1024 * 1024)
/* The reply is held in memory: at most this much. */
#define OUTPUT_LIMIT_MAX	(16 * 1024 * 1024)

struct output_buf {
	char		*data;
	size_t		 len;
	size_t		 size;
	size_t		 limit;
	size_t		 records;	/* tty records included */
	uint64_t	 last;		/* seq of the last one */
};

static int	api_session_output_exec(struct req *);
static int	api_session_output_cb(void *, const struct agd_rec *,
		    const void *);

const struct api_entry api_session_output_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/output",
	.flags = 0,
	.exec = api_session_output_exec
};

static int
api_session_output_cb(void *arg, const struct agd_rec *r, const void *data)
{
	struct output_buf	*b = arg;
	size_t			 need;

	if (r->type != AGD_REC_TTY)
		return (0);
	if (b->records > 0 && b->len + r->len > b->limit)
		return (1);
	need = b->len + r->len;
	if (need > b->size) {
		b->size = b->size * 2 > need ? b->size * 2 : need;
		b->data = xrealloc(b->data, b->size);
	}
	if (r->len > 0)
		memcpy(b->data + b->len, data, r->len);
	b->len = need;
	b->records++;
	b->last = r->seq;
	return (b->len >= b->limit);
}

static int
api_session_output_exec(struct req *req)
{
	struct output_buf	 b;
	sqlite3_stmt		*st;
	sqlite3_int64		 id;
	uint64_t		 since, limit;
	char			*cause, *dir, hdr[64];

	if (request_query_u64(req, "since", 0, INT64_MAX, &since) == -1 ||
	    request_query_u64(req, "limit", OUTPUT_LIMIT_DEFAULT,
	    OUTPUT_LIMIT_MAX, &limit) == -1)
		return (0);

	if ((st = query_session(req, Q_SESSION_ID)) == NULL)
		return (0);
	id = sqlite3_column_int64(st, 0);
	query_done(st);

	memset(&b, 0, sizeof b);
	b.limit = (size_t)limit;
	b.last = since;
	xasprintf(&dir, "%s/%lld", api.sessions_dir, (long long)id);
	if (agd_seqlog_read(dir, since, api_session_output_cb, &b,
	    &cause) == -1) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		reply_error(req, AGD_ERR_INTERNAL, "cannot read the output log");
	} else {
		snprintf(hdr, sizeof hdr, "X-Agentd-Seq: %" PRIu64 "\r\n",
		    b.last);
		reply_raw(req, 200, "application/octet-stream", hdr, b.data,
		    b.len);
	}
	free(dir);
	free(b.data);
	return (0);
}
