/*
 * An incremental multipart/form-data parser (RFC 7578, RFC 2046 5.1).
 *
 * The body is fed in chunks of any size; the parser calls back for each
 * part's headers (parsed: the Content-Disposition name and filename) and for
 * its data, as it goes. It never holds a part: what it keeps is the part's
 * header block (at most MULTIPART_HEADERS_MAX bytes) and the few bytes that
 * may be the start of a delimiter, which are the delimiter's own bytes and so
 * need no copy. So memory is bounded whatever the body.
 *
 * Strict where leniency would make two readers disagree: lines end with CRLF,
 * no header folding, a Content-Disposition of form-data with a name in every
 * part, no backslash escapes in quoted values (a filename with '\' is the
 * caller's business to refuse), the first delimiter within the preamble bound,
 * and the body must end with the close delimiter (else it was truncated).
 *
 * No FastCGI in here: the fuzz target links this file alone.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "xmalloc.h"

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 */
#define MULTIPART_PREAMBLE_MAX	(64 * 1024)

enum multipart_state {
	MP_PREAMBLE,	/* before the first delimiter */
	MP_AFTER_DELIM,	/* a delimiter matched: "--", padding or CRLF next */
	MP_PADDING,	/* transport padding after a delimiter, then CRLF */
	MP_LF,		/* the LF of the CRLF after a delimiter */
	MP_HEADERS,	/* a part's header block */
	MP_BODY,	/* a part's data */
	MP_DASH,	/* the second '-' of a close delimiter */
	MP_EPILOGUE,	/* after the close delimiter: ignored */
	MP_FAILED
};

struct multipart {
	enum multipart_state	 state;
	const struct multipart_cb *cb;
	void			*arg;
	char			 delim[MULTIPART_BOUNDARY_MAX + 5];
	size_t			 delimlen;	/* "\r\n--" + boundary */
	size_t			 match;		/* bytes of delim matched */
	char			*hdr;		/* header block being read */
	size_t			 hdrlen;
	size_t			 preamble;	/* bytes of preamble seen */
	int			 parts;
	int			 in_part;	/* in a part (part_end due) */
	char			*cause;
};

static int	multipart_fail(struct multipart *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	multipart_param(const char *, const char *, const char *,
		    char **);
static int	multipart_headers(struct multipart *);
static int	multipart_data(struct multipart *, const char *, size_t);
static int	multipart_delimited(struct multipart *);

static int
multipart_fail(struct multipart *mp, const char *fmt, ...)
{
	va_list	ap;

	if (mp->cause == NULL) {
		va_start(ap, fmt);
		if (vasprintf(&mp->cause, fmt, ap) == -1)
			mp->cause = NULL;
		va_end(ap);
	}
	mp->state = MP_FAILED;
	return (-1);
}

/*
 * Find parameter key in the header value v..end ("type; k=v; k2="v2"").
 * 1 with *out (caller frees), 0 if absent, -1 if malformed.
 */
static int
multipart_param(const char *v, const char *end, const char *key, char **out)
{
	const char	*p = v, *name, *val;
	size_t		 namelen, vallen, keylen = strlen(key);

	*out = NULL;
	/* Skip the type (form-data, or a media type). */
	while (p < end && *p != ';')
		p++;
	while (p < end) {
		if (*p++ != ';')
			goto bad;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		name = p;
		while (p < end && *p != '=' && *p != ';' && *p != ' ' &&
		    *p != '\t')
			p++;
		namelen = (size_t)(p - name);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (namelen == 0 || p == end || *p != '=')
			goto bad;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '"') {
			val = ++p;
			while (p < end && *p != '"')
				p++;
			if (p == end)
				goto bad;
			vallen = (size_t)(p - val);
			p++;
		} else {
			val = p;
			while (p < end && *p != ';' && *p != ' ' && *p != '\t')
				p++;
			vallen = (size_t)(p - val);
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (namelen == keylen && strncasecmp(name, key, keylen) == 0) {
			if (*out != NULL)
				goto bad;	/* twice: which one? */
			if (memchr(val, '\0', vallen) != NULL)
				goto bad;
			*out = xstrndup(val, vallen);
		}
	}
	return (*out != NULL);
bad:
	free(*out);
	*out = NULL;
	return (-1);
}

/* The header block of a part is complete (without its final CRLF). */
static int
multipart_headers(struct multipart *mp)
{
	struct multipart_part	 part;
	const char		*line, *end, *eol, *colon, *v, *ve;
	const char		*why;
	char			*name = NULL, *filename = NULL;
	int			 seen = 0, rc;

	memset(&part, 0, sizeof part);
	end = mp->hdr + mp->hdrlen;
	for (line = mp->hdr; line < end; line = eol + 2) {
		if ((eol = memmem(line, (size_t)(end - line), "\r\n", 2)) ==
		    NULL)
			eol = end;
		if (line == eol)
			break;
		if (*line == ' ' || *line == '\t') {
			why = "folded part header";
			goto fail;
		}
		if ((colon = memchr(line, ':', (size_t)(eol - line))) ==
		    NULL || colon == line) {
			why = "malformed part header";
			goto fail;
		}
		if (memchr(line, '\0', (size_t)(eol - line)) != NULL ||
		    memchr(line, '\n', (size_t)(eol - line)) != NULL ||
		    memchr(line, '\r', (size_t)(eol - line)) != NULL) {
			why = "bad byte in part header";
			goto fail;
		}
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t');
		    ve--)
			;
		if (colon - line == 19 &&
		    strncasecmp(line, "Content-Disposition", 19) == 0) {
			why = "bad Content-Disposition";
			if (seen++)
				goto fail;
			if ((size_t)(ve - v) < 9 ||
			    strncasecmp(v, "form-data", 9) != 0 ||
			    (v + 9 < ve && v[9] != ';' && v[9] != ' ' &&
			    v[9] != '\t'))
				goto fail;
			if (multipart_param(v, ve, "name", &name) != 1)
				goto fail;
			if (multipart_param(v, ve, "filename", &filename) ==
			    -1)
				goto fail;
		}
		/* Content-Type and anything else: not needed. */
	}
	if (!seen)
		return (multipart_fail(mp, "part without Content-Disposition"));
	part.name = name;
	part.filename = filename;
	mp->in_part = 1;
	rc = mp->cb->part_begin(mp->arg, &part);
	free(name);
	free(filename);
	if (rc != 0)
		return (multipart_fail(mp, "stopped by the receiver"));
	return (0);

fail:
	free(name);
	free(filename);
	return (multipart_fail(mp, "%s", why));
}

/* Pass part data on (nothing outside a part). */
static int
multipart_data(struct multipart *mp, const char *buf, size_t len)
{
	if (mp->state != MP_BODY || len == 0)
		return (0);
	if (mp->cb->part_data(mp->arg, buf, len) != 0)
		return (multipart_fail(mp, "stopped by the receiver"));
	return (0);
}

/* A whole delimiter was matched. */
static int
multipart_delimited(struct multipart *mp)
{
	if (mp->in_part) {
		mp->in_part = 0;
		if (mp->cb->part_end(mp->arg) != 0)
			return (multipart_fail(mp, "stopped by the receiver"));
	}
	mp->match = 0;
	mp->state = MP_AFTER_DELIM;
	return (0);
}

/*
 * A parser for the body of a request with Content-Type ctype, calling cb with
 * arg. NULL with *cause if ctype is not multipart/form-data with a valid
 * boundary.
 */
struct multipart *
multipart_create(const char *ctype, const struct multipart_cb *cb, void *arg,
    char **cause)
{
	struct multipart	*mp;
	const char		*end;
	char			*b;
	size_t			 len, i;

	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	if (strncasecmp(ctype, "multipart/form-data", 19) != 0 ||
	    (ctype[19] != '\0' && ctype[19] != ';' && ctype[19] != ' ' &&
	    ctype[19] != '\t')) {
		*cause = xstrdup("not multipart/form-data");
		return (NULL);
	}
	end = ctype + strlen(ctype);
	if (multipart_param(ctype, end, "boundary", &b) != 1) {
		*cause = xstrdup("no boundary in the Content-Type");
		return (NULL);
	}
	len = strlen(b);
	if (len == 0 || len > MULTIPART_BOUNDARY_MAX || b[len - 1] == ' ') {
		free(b);
		*cause = xstrdup("bad boundary");
		return (NULL);
	}
	for (i = 0; i < len; i++) {
		if ((b[i] & 0x80) || (!isalnum((unsigned char)b[i]) &&
		    strchr("'()+_,-./:=? ", b[i]) == NULL))
			break;
	}
	if (i != len) {
		free(b);
		*cause = xstrdup("bad boundary");
		return (NULL);
	}
	mp = xcalloc(1, sizeof *mp);
	mp->cb = cb;
	mp->arg = arg;
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, b, len);
	mp->delimlen = 4 + len;
	/* The first delimiter may start the body: as if after a CRLF. */
	mp->match = 2;
	mp->state = MP_PREAMBLE;
	mp->hdr = xmalloc(MULTIPART_HEADERS_MAX);
	free(b);
	return (mp);
}

/*
 * Feed len bytes of the body. 0, or -1 with *cause (borrowed from mp) when
 * the body is malformed or a callback returned non-zero; after that the
 * parser only fails.
 */
int
multipart_feed(struct multipart *mp, const char *buf, size_t len,
    const char **cause)
{
	const char	*p = buf, *end = buf + len, *run, *cr;
	char		 c;

	while (p < end && mp->state != MP_FAILED) {
		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			/*
			 * Look for the delimiter. It starts with CR and the
			 * boundary has no CR, so after a mismatch the only
			 * possible restart is at the current byte, if it is a
			 * CR: no backtracking, no copy of what was matched.
			 */
			if (mp->match == 0) {
				cr = memchr(p, '\r', (size_t)(end - p));
				run = cr == NULL ? end : cr;
				if (mp->state == MP_BODY && multipart_data(mp,
				    p, (size_t)(run - p)) == -1)
					break;
				if (mp->state == MP_PREAMBLE &&
				    (mp->preamble += (size_t)(run - p)) >
				    MULTIPART_PREAMBLE_MAX) {
					multipart_fail(mp, "no boundary found");
					break;
				}
				p = run;
				if (p == end)
					break;
			}
			c = *p;
			if (c == mp->delim[mp->match]) {
				p++;
				if (++mp->match == mp->delimlen)
					multipart_delimited(mp);
				break;
			}
			/* Mismatch: what was held is data after all. */
			if (mp->state == MP_BODY &&
			    multipart_data(mp, mp->delim, mp->match) == -1)
				break;
			if (mp->state == MP_PREAMBLE)
				mp->preamble += mp->match;
			mp->match = 0;
			if (c != '\r') {
				if (mp->state == MP_BODY &&
				    multipart_data(mp, p, 1) == -1)
					break;
				if (mp->state == MP_PREAMBLE)
					mp->preamble++;
				p++;
			}
			if (mp->preamble > MULTIPART_PREAMBLE_MAX)
				multipart_fail(mp, "no boundary found");
			break;
		case MP_AFTER_DELIM:
			c = *p++;
			if (c == '-')
				mp->state = MP_DASH;
			else if (c == '\r')
				mp->state = MP_LF;
			else if (c == ' ' || c == '\t')
				mp->state = MP_PADDING;
			else
				multipart_fail(mp, "boundary found in a part");
			break;
		case MP_PADDING:
			c = *p++;
			if (c == '\r')
				mp->state = MP_LF;
			else if (c != ' ' && c != '\t')
				multipart_fail(mp, "bad delimiter line");
			break;
		case MP_LF:
			if (*p++ != '\n') {
				multipart_fail(mp, "bad delimiter line");
				break;
			}
			if (++mp->parts > MULTIPART_PARTS_MAX) {
				multipart_fail(mp, "more than %d parts",
				    MULTIPART_PARTS_MAX);
				break;
			}
			mp->hdrlen = 0;
			mp->state = MP_HEADERS;
			break;
		case MP_HEADERS:
			/* Up to the empty line; the block ends "\r\n\r\n". */
			c = *p++;
			if (mp->hdrlen == MULTIPART_HEADERS_MAX) {
				multipart_fail(mp, "part headers too long");
				break;
			}
			mp->hdr[mp->hdrlen++] = c;
			if (mp->hdrlen == 2 &&
			    memcmp(mp->hdr, "\r\n", 2) == 0) {
				mp->hdrlen = 0;
				if (multipart_headers(mp) == 0) {
					mp->state = MP_BODY;
					mp->match = 0;
				}
			} else if (mp->hdrlen >= 4 && memcmp(mp->hdr +
			    mp->hdrlen - 4, "\r\n\r\n", 4) == 0) {
				mp->hdrlen -= 4;
				if (multipart_headers(mp) == 0) {
					mp->state = MP_BODY;
					mp->match = 0;
				}
			}
			break;
		case MP_DASH:
			if (*p++ != '-') {
				multipart_fail(mp, "bad close delimiter");
				break;
			}
			mp->state = MP_EPILOGUE;
			break;
		case MP_EPILOGUE:
			p = end;
			break;
		case MP_FAILED:
			break;
		}
	}
	if (mp->state == MP_FAILED) {
		*cause = mp->cause != NULL ? mp->cause : "malformed body";
		return (-1);
	}
	return (0);
}

/*
 * The body has ended: 0 if it was complete (the close delimiter was seen),
 * else -1 with *cause (borrowed from mp).
 */
int
multipart_finish(struct multipart *mp, const char **cause)
{
	if (mp->state == MP_EPILOGUE)
		return (0);
	if (mp->state != MP_FAILED) {
		if (mp->state == MP_PREAMBLE)
			multipart_fail(mp, "no boundary found");
		else if (mp->state == MP_HEADERS)
			multipart_fail(mp, "truncated part headers");
		else
			multipart_fail(mp, "truncated body");
	}
	*cause = mp->cause != NULL ? mp->cause : "malformed body";
	return (-1);
}

/* Free mp. */
void
multipart_free(struct multipart *mp)
{
	if (mp == NULL)
		return;
	free(mp->hdr);
	free(mp->cause);
	free(mp);
}
