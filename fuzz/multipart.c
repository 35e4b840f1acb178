/*
 * libFuzzer target: the streaming multipart/form-data parser
 * (fcgi/multipart.c).
 *
 * Input: a Content-Type parameter line, '\n', then the body. The body is
 * parsed twice, in one piece and in chunks whose sizes come from the input,
 * and the two must report exactly the same parts, data and result: chunk
 * boundaries must never change what the parser sees. Callbacks check the
 * parser's promises (data only inside a part, a name on every part).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

struct trace {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 in_part;
	int	 parts;
};

static void
trace_add(struct trace *t, char tag, const void *data, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		t->cap = (t->len + len + 1) * 2;
		if ((t->buf = realloc(t->buf, t->cap)) == NULL)
			abort();
	}
	t->buf[t->len++] = tag;
	memcpy(t->buf + t->len, data, len);
	t->len += len;
}

static int
fz_begin(void *arg, const struct multipart_part *p)
{
	struct trace	*t = arg;

	if (t->in_part || p->name == NULL)
		abort();
	if (p->filename != NULL && strlen(p->filename) > 8192)
		abort();
	t->in_part = 1;
	t->parts++;
	trace_add(t, 'B', p->name, strlen(p->name) + 1);
	if (p->filename != NULL)
		trace_add(t, 'F', p->filename, strlen(p->filename) + 1);
	/* Exercise the stop path: a part named "stop" ends the parse. */
	return (strcmp(p->name, "stop") == 0);
}

static int
fz_data(void *arg, const char *buf, size_t len)
{
	struct trace	*t = arg;
	size_t		 i;

	if (!t->in_part || len == 0)
		abort();
	/* One record per byte, so that chunking does not show. */
	for (i = 0; i < len; i++)
		trace_add(t, 'd', buf + i, 1);
	return (0);
}

static int
fz_end(void *arg)
{
	struct trace	*t = arg;

	if (!t->in_part)
		abort();
	t->in_part = 0;
	trace_add(t, 'E', "", 0);
	return (0);
}

static const struct multipart_cb fz_cb = { fz_begin, fz_data, fz_end };

/* Parse body with chunk sizes from sizes[] (cycled); the result code. */
static int
fz_parse(const char *ctype, const char *body, size_t len, const uint8_t *sizes,
    size_t nsizes, struct trace *t)
{
	struct multipart	*mp;
	const char		*cause;
	char			*err;
	size_t			 off = 0, n, k = 0;
	int			 rc = 0;

	if ((mp = multipart_create(ctype, &fz_cb, t, &err)) == NULL) {
		if (err == NULL)
			abort();
		free(err);
		return (-2);
	}
	while (off < len) {
		n = nsizes == 0 ? len - off : (size_t)sizes[k++ % nsizes] + 1;
		if (n > len - off)
			n = len - off;
		if ((rc = multipart_feed(mp, body + off, n, &cause)) == -1) {
			if (cause == NULL)
				abort();
			break;
		}
		off += n;
	}
	if (rc == 0) {
		rc = multipart_finish(mp, &cause);
		if (rc == -1 && cause == NULL)
			abort();
	}
	if (rc == 0 && t->in_part)
		abort();	/* a complete body closed its last part */
	multipart_free(mp);
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace	 a, b;
	const uint8_t	*nl, *sizes;
	char		*ctype;
	size_t		 clen, nsizes;
	int		 ra, rb;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return (0);
	clen = (size_t)(nl - data);
	if (clen > 200)
		return (0);
	if ((ctype = malloc(clen + 32)) == NULL)
		abort();
	memcpy(ctype, "multipart/form-data; ", 21);
	memcpy(ctype + 21, data, clen);
	ctype[21 + clen] = '\0';
	if (strlen(ctype) != 21 + clen) {
		free(ctype);
		return (0);
	}
	data = nl + 1;
	size -= clen + 1;
	/* Chunk sizes: the body's first bytes (which stay in the body). */
	sizes = data;
	nsizes = size < 8 ? size : 8;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ra = fz_parse(ctype, (const char *)data, size, NULL, 0, &a);
	rb = fz_parse(ctype, (const char *)data, size, sizes, nsizes, &b);
	if (ra != rb || a.len != b.len || (a.len > 0 &&
	    memcmp(a.buf, b.buf, a.len) != 0)) {
		fprintf(stderr, "one piece: rc %d, %zu trace bytes; "
		    "chunked: rc %d, %zu\n", ra, a.len, rb, b.len);
		abort();
	}
	free(a.buf);
	free(b.buf);
	free(ctype);
	return (0);
}
