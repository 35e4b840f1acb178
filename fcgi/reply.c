/*
 * The reply side: CGI status line and headers, JSON bodies, error envelopes.
 *
 * Exactly one reply per request: a second one is a programming error, logged
 * and dropped. Headers are built with snprintf and written with FCGX_PutStr,
 * because FCGX_FPrintF does not know %zu (C-STACK.md 3). No CORS header is
 * ever sent (DESIGN.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "xmalloc.h"

#define REPLY_HEADERS_MAX	512	/* status line and our few headers */

static void	reply_verror(struct req *, enum agd_err, const char *,
		    const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
static void	reply_error_headers(struct req *, enum agd_err, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * Write the status, headers and body. ctype is the Content-Type; headers is
 * NULL or extra header lines, each ending in "\r\n".
 */
void
reply_raw(struct req *req, int status, const char *ctype, const char *headers,
    const void *body, size_t len)
{
	char	hdr[REPLY_HEADERS_MAX];
	int	n;

	if (req->quiet)
		return;
	if (req->status != 0) {
		log_warnx("%s: second reply (%d after %d)", __func__, status,
		    req->status);
		return;
	}
	req->status = status;
	n = snprintf(hdr, sizeof hdr,
	    "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s\r\n",
	    status, agd_err_reason(status), ctype, len,
	    headers != NULL ? headers : "");
	if (n < 0 || (size_t)n >= sizeof hdr)
		fatalx("%s: headers too long", __func__);
	FCGX_PutStr(hdr, n, req->fr->out);
	/* Bodies are at most 16 MiB of output (api-session-output.c). */
	if (len > 0)
		FCGX_PutStr(body, (int)len, req->fr->out);
}

/* Reply with status and the JSON text of o (borrowed). */
void
reply_json(struct req *req, int status, struct json_object *o)
{
	const char	*text;
	size_t		 len;

	text = agd_json_text(o, &len);
	reply_raw(req, status, "application/json", NULL, text, len);
}

/* reply_json with extra header lines (each ending in "\r\n"); o is borrowed. */
void
reply_json_headers(struct req *req, int status, const char *headers,
    struct json_object *o)
{
	const char	*text;
	size_t		 len;

	text = agd_json_text(o, &len);
	reply_raw(req, status, "application/json", headers, text, len);
}

/* reply_json, then put o: takes ownership of o. */
void
reply_json_put(struct req *req, int status, struct json_object *o)
{
	reply_json(req, status, o);
	json_object_put(o);
}

static void
reply_verror(struct req *req, enum agd_err code, const char *headers,
    const char *fmt, va_list ap)
{
	struct json_object	*o;
	char			*msg;
	const char		*text;
	size_t			 len;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("%s: out of memory", __func__);
	if (req->quiet) {
		free(req->quiet_msg);
		req->quiet_msg = msg;
		return;
	}
	req->code = (int)code;
	o = agd_json_error(agd_err_word(code), msg);
	text = agd_json_text(o, &len);
	reply_raw(req, agd_err_code_status(code), "application/json", headers,
	    text, len);
	json_object_put(o);
	free(msg);
}

/* Reply {"error": message, "code": code} with the status of code (err.c). */
void
reply_error(struct req *req, enum agd_err code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	reply_verror(req, code, NULL, fmt, ap);
	va_end(ap);
}

static void
reply_error_headers(struct req *req, enum agd_err code, const char *headers,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	reply_verror(req, code, headers, fmt, ap);
	va_end(ap);
}

/* 405 with the Allow header listing the methods of the path. */
void
reply_not_allowed(struct req *req, const char *allow)
{
	char	hdr[128];

	snprintf(hdr, sizeof hdr, "Allow: %s\r\n", allow);
	reply_error_headers(req, AGD_ERR_METHOD_NOT_ALLOWED, hdr,
	    "method %.16s not allowed", req->method);
}
