/*
 * The request side: FastCGI parameters, the safety checks made before routing
 * (Host, Origin), the body (bounded, JSON only) and the query string.
 *
 * Everything read from the client is bounded here: the body by AGD_BODY_MAX
 * (a larger CONTENT_LENGTH is refused before a byte is read), the query by
 * API_QUERY_MAX and API_QPARAMS_MAX, the Host by API_HOST_MAX.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agd.h"
#include "api.h"
#include "auth.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define REQUEST_READ_CHUNK	(64 * 1024)	/* read size without a length */
/* The login's next= path: it goes into a Location header of REPLY_HEADERS_MAX. */
#define REQUEST_NEXT_MAX	256
#define REQUEST_LOGIN_PATH	"/api/agents/login"

static int	request_is_json(const char *);
static int	request_parse_u64(const char *, uint64_t max, uint64_t *);
static void	request_id_init(struct req *);

/* Set up req for the accepted request fr. */
void
request_init(struct req *req, FCGX_Request *fr)
{
	const char	*s;

	memset(req, 0, sizeof *req);
	req->fr = fr;
	req->route = -1;
	req->code = -1;
	if ((s = request_param(req, "REQUEST_METHOD")) == NULL)
		s = "";
	req->method = s;
	if ((s = request_param(req, "QUERY_STRING")) == NULL) {
		if ((s = request_param(req, "REQUEST_URI")) != NULL &&
		    (s = strchr(s, '?')) != NULL)
			s++;
		else
			s = "";
	}
	req->query = s;
	request_id_init(req);
}

/*
 * The request's id: nginx's $request_id (the AGENTD_REQUEST_ID parameter,
 * agentd-locations.conf), or a new one when there is none or it is not one
 * (too long, a byte that is no id's: a front end that passes a client's header).
 * A refused id is not logged, only its length.
 */
static void
request_id_init(struct req *req)
{
	const char	*s = request_param(req, "AGENTD_REQUEST_ID");
	char		 len[32];

	if (s != NULL && log_request_valid(s)) {
		memcpy(req->id, s, strlen(s) + 1);
		log_request_set(req->id);
		return;
	}
	log_request_new(req->id);
	log_request_set(req->id);
	if (s != NULL) {
		snprintf(len, sizeof len, "%zu", strlen(s));
		log_fields(AGD_LOG_INFO, "request id replaced: not an id", "length", len,
		    (const char *)NULL);
	}
}

void
request_log(struct req *req, uint64_t us)
{
	const char	*uri = request_param(req, "DOCUMENT_URI");
	char		 status[16], ms[32];

	if (!log_enabled(AGD_LOG_INFO))
		return;
	/* The path alone: a query may hold a token (login?token=). */
	if (uri == NULL && (uri = request_param(req, "REQUEST_URI")) != NULL)
		uri = xstrndup(uri, strcspn(uri, "?"));
	else if (uri != NULL)
		uri = xstrdup(uri);
	snprintf(status, sizeof status, "%d", req->status);
	snprintf(ms, sizeof ms, "%llu.%03llu", (unsigned long long)(us / 1000),
	    (unsigned long long)(us % 1000));
	log_fields(AGD_LOG_INFO, "request", "method", req->method, "path", uri,
	    "status", status, "user", req->user, "addr", request_param(req, "REMOTE_ADDR"),
	    "ms", ms, (const char *)NULL);
	free((char *)uri);
}

/* Release what req owns. */
void
request_free(struct req *req)
{
	int	i;

	for (i = 0; i < req->nparams; i++) {
		free(req->params[i].key);
		free(req->params[i].value);
	}
	json_object_put(req->json);
	json_object_put(req->args);
	free(req->body);
	free(req->name);
	log_request_set(NULL);
}

/* A FastCGI parameter, or NULL. Borrowed: valid until the request ends. */
const char *
request_param(struct req *req, const char *name)
{
	return (FCGX_GetParam(name, req->fr->envp));
}

/*
 * Split an HTTP host ("name", "name:port", "[v6]", "[v6]:port") into the host
 * part, without the brackets. Returns 0, or -1 if it is not of that shape.
 */
int
request_host_split(const char *s, size_t len, const char **host,
    size_t *hostlen)
{
	const char	*p, *end = s + len;
	size_t		 i;

	if (len == 0 || len > API_HOST_MAX)
		return (-1);
	if (*s == '[') {
		if ((p = memchr(s, ']', len)) == NULL)
			return (-1);
		*host = s + 1;
		*hostlen = (size_t)(p - s - 1);
		p++;
	} else {
		p = memchr(s, ':', len);
		/* Two colons and no brackets: a bare IPv6 address, no port. */
		if (p != NULL &&
		    memchr(p + 1, ':', (size_t)(end - p - 1)) != NULL)
			p = end;
		if (p == NULL)
			p = end;
		*host = s;
		*hostlen = (size_t)(p - s);
	}
	if (*hostlen == 0)
		return (-1);
	for (i = 0; i < *hostlen; i++) {
		if (!isgraph((unsigned char)(*host)[i]))
			return (-1);
	}
	if (p == end)
		return (0);
	if (*p++ != ':' || end - p > 5)
		return (-1);
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
	}
	return (0);
}

/*
 * The Host must be one the configuration allows (DNS rebinding): 0 if it is,
 * else reply 400 bad_host and return -1.
 */
int
request_check_host(struct req *req)
{
	const char	*s, *host;
	size_t		 hostlen;

	if ((s = request_param(req, "HTTP_HOST")) == NULL || *s == '\0') {
		reply_error(req, AGD_ERR_BAD_HOST, "missing Host header");
		return (-1);
	}
	if (request_host_split(s, strlen(s), &host, &hostlen) == -1 ||
	    !agd_conf_host_allowed(api.conf, host, hostlen)) {
		reply_error(req, AGD_ERR_BAD_HOST, "host not allowed");
		return (-1);
	}
	return (0);
}

/*
 * A state-changing request that names an Origin must come from a page served
 * by an allowed host (cross-site request forgery); the opaque "null" origin
 * never does. 0 if allowed, else reply 403 forbidden_origin and return -1.
 */
int
request_check_origin(struct req *req)
{
	const char	*o, *p, *host;
	size_t		 hostlen;

	if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
		return (0);
	if ((o = request_param(req, "HTTP_ORIGIN")) == NULL)
		return (0);
	if (strncasecmp(o, "http://", 7) == 0)
		p = o + 7;
	else if (strncasecmp(o, "https://", 8) == 0)
		p = o + 8;
	else
		p = NULL;
	if (p == NULL ||
	    request_host_split(p, strlen(p), &host, &hostlen) == -1 ||
	    !agd_conf_host_allowed(api.conf, host, hostlen)) {
		reply_error(req, AGD_ERR_FORBIDDEN_ORIGIN, "origin not allowed");
		return (-1);
	}
	return (0);
}

/*
 * 1 if the Content-Type is application/json, with no charset other than
 * UTF-8 (the only one JSON allows, RFC 8259).
 */
static int
request_is_json(const char *ct)
{
	const char	*p, *name, *val;
	size_t		 namelen, vallen;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return (0);
	p = ct + 16;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return (1);
		if (*p++ != ';')
			return (0);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return (1);
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';' && *p != ' ' &&
		    *p != '\t')
			p++;
		namelen = (size_t)(p - name);
		if (*p != '=')
			return (0);
		p++;
		if (*p == '"') {
			val = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			if (*p != '"')
				return (0);
			vallen = (size_t)(p - val);
			p++;
		} else {
			val = p;
			while (*p != '\0' && *p != ';' && *p != ' ' &&
			    *p != '\t')
				p++;
			vallen = (size_t)(p - val);
		}
		if (namelen == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !(vallen == 5 && strncasecmp(val, "utf-8", 5) == 0) &&
		    !(vallen == 4 && strncasecmp(val, "utf8", 4) == 0))
			return (0);
	}
}

/* Parse decimal digits only, clamping at max. 0, or -1 if not a number. */
static int
request_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			v = max;
		else
			v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return (0);
}

/*
 * Read the body into req->body and parse it into req->json, which must be an
 * object. With optional, an empty body is fine (req->json stays NULL).
 * Returns 0, or replies 413, 415 or 400 and returns -1.
 */
int
request_read_body(struct req *req, int optional)
{
	const char	*s, *ct;
	char		*cause;
	uint64_t	 want = 0;
	size_t		 cap, len = 0;
	int		 known = 0, n;

	if ((s = request_param(req, "CONTENT_LENGTH")) != NULL && *s != '\0') {
		if (request_parse_u64(s, UINT64_MAX, &want) == -1) {
			reply_error(req, AGD_ERR_BAD_JSON, "bad content length");
			return (-1);
		}
		if (want > AGD_BODY_MAX) {
			reply_error(req, AGD_ERR_TOO_LARGE,
			    "request body larger than %d bytes", AGD_BODY_MAX);
			return (-1);
		}
		known = 1;
	}
	if (optional && known && want == 0)
		return (0);
	ct = request_param(req, "CONTENT_TYPE");
	if (!optional && (ct == NULL || !request_is_json(ct))) {
		reply_error(req, AGD_ERR_UNSUPPORTED_MEDIA_TYPE,
		    "content type must be application/json");
		return (-1);
	}

	/* Without a length, read chunks; a byte past the cap is too much. */
	cap = known ? (size_t)want : REQUEST_READ_CHUNK;
	req->body = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (known || cap > AGD_BODY_MAX)
				break;
			cap += REQUEST_READ_CHUNK;
			if (cap > AGD_BODY_MAX)
				cap = AGD_BODY_MAX + 1;
			req->body = xrealloc(req->body, cap + 1);
		}
		n = FCGX_GetStr(req->body + len, (int)(cap - len), req->fr->in);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	req->body[len] = '\0';
	req->bodylen = len;
	if (len > AGD_BODY_MAX) {
		reply_error(req, AGD_ERR_TOO_LARGE,
		    "request body larger than %d bytes", AGD_BODY_MAX);
		return (-1);
	}
	if (optional && len == 0)
		return (0);
	if (optional && (ct == NULL || !request_is_json(ct))) {
		reply_error(req, AGD_ERR_UNSUPPORTED_MEDIA_TYPE,
		    "content type must be application/json");
		return (-1);
	}
	if (!agd_utf8_valid(req->body, len)) {
		reply_error(req, AGD_ERR_BAD_JSON, "body is not valid UTF-8");
		return (-1);
	}
	if ((req->json = agd_json_parse(req->body, len, &cause)) == NULL) {
		reply_error(req, AGD_ERR_BAD_JSON, "invalid JSON: %s", cause);
		free(cause);
		return (-1);
	}
	if (!json_object_is_type(req->json, json_type_object)) {
		reply_error(req, AGD_ERR_BAD_JSON, "body must be a JSON object");
		return (-1);
	}
	return (0);
}

/*
 * Read and drop up to max bytes of the body: a handler that reads the body
 * itself (API_BODY_STREAM) and stops early calls this after its reply, which
 * is still buffered, so that nginx is not cut off while it sends the rest.
 */
void
request_drain_body(struct req *req, uint64_t max)
{
	char	buf[REQUEST_READ_CHUNK];
	int	n;

	while (max > 0) {
		n = FCGX_GetStr(buf, max < sizeof buf ? (int)max :
		    (int)sizeof buf, req->fr->in);
		if (n <= 0)
			break;
		max -= (uint64_t)n;
	}
}

/*
 * Percent-decode len bytes of s into *out (caller frees); with plus, '+' is a
 * space (query strings). -1 on a bad escape or a decoded NUL byte.
 */
int
request_pct_decode(const char *s, size_t len, int plus, char **out)
{
	char	*d, *p;
	size_t	 i;
	int	 hi, lo;

	d = p = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = (unsigned char)s[i + 1];
			lo = (unsigned char)s[i + 2];
			if (!isxdigit(hi) || !isxdigit(lo))
				goto bad;
			hi = isdigit(hi) ? hi - '0' : (tolower(hi) - 'a' + 10);
			lo = isdigit(lo) ? lo - '0' : (tolower(lo) - 'a' + 10);
			if (hi == 0 && lo == 0)
				goto bad;
			*p++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0')
			goto bad;
		else if (plus && s[i] == '+')
			*p++ = ' ';
		else
			*p++ = s[i];
	}
	*p = '\0';
	*out = d;
	return (0);
bad:
	free(d);
	return (-1);
}

/*
 * Parse the query string into req->params. Returns 0, or replies 400
 * invalid_field and returns -1 if it is too long or badly escaped.
 */
int
request_parse_query(struct req *req)
{
	const char	*p = req->query, *amp, *eq;
	size_t		 len;
	char		*k, *v;

	req->nparams = 0;
	if (strlen(p) > API_QUERY_MAX) {
		reply_error(req, AGD_ERR_INVALID_FIELD, "query string too long");
		return (-1);
	}
	while (*p != '\0') {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		len = (size_t)(amp - p);
		if (len > 0) {
			if (req->nparams == API_QPARAMS_MAX) {
				reply_error(req, AGD_ERR_INVALID_FIELD,
				    "too many query parameters");
				return (-1);
			}
			if ((eq = memchr(p, '=', len)) == NULL)
				eq = amp;
			if (request_pct_decode(p, (size_t)(eq - p), 1,
			    &k) == -1) {
				reply_error(req, AGD_ERR_INVALID_FIELD,
				    "bad escape in query string");
				return (-1);
			}
			if (eq == amp)
				v = xstrdup("");
			else if (request_pct_decode(eq + 1,
			    (size_t)(amp - eq - 1), 1, &v) == -1) {
				free(k);
				reply_error(req, AGD_ERR_INVALID_FIELD,
				    "bad escape in query string");
				return (-1);
			}
			req->params[req->nparams].key = k;
			req->params[req->nparams].value = v;
			req->nparams++;
		}
		p = *amp == '&' ? amp + 1 : amp;
	}
	return (0);
}

/*
 * The decoded value of query parameter key (the first if repeated), or NULL.
 * Borrowed from req. route_dispatch parsed the query before the handler ran.
 */
const char *
request_query(struct req *req, const char *key)
{
	int	i;

	for (i = 0; i < req->nparams; i++) {
		if (strcmp(req->params[i].key, key) == 0)
			return (req->params[i].value);
	}
	return (NULL);
}

/*
 * Query parameter key as an unsigned number: def if absent, clamped at max.
 * Returns 0, or replies 400 invalid_field and returns -1.
 */
int
request_query_u64(struct req *req, const char *key, uint64_t def, uint64_t max,
    uint64_t *out)
{
	const char	*v;

	if ((v = request_query(req, key)) == NULL) {
		*out = def > max ? max : def;
		return (0);
	}
	if (request_parse_u64(v, max, out) == -1) {
		reply_error(req, AGD_ERR_INVALID_FIELD, "%s: not a number", key);
		return (-1);
	}
	return (0);
}

/* 1 if next is a path of this origin: "/..." but not "//host" nor "/\\host". */
static int
request_next_ok(const char *next)
{
	const unsigned char	*p;

	if (next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strlen(next) > REQUEST_NEXT_MAX)
		return (0);
	for (p = (const unsigned char *)next; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
			return (0);
	}
	return (1);
}

/*
 * GET /api/agents/login?token=TOKEN[&next=/path] (auth = local): the token as an
 * HttpOnly cookie for this origin, then 303 to next. Always replies.
 */
static void
request_login(struct req *req, const char *token)
{
	const char	*got, *next;
	char		 hdr[REQUEST_NEXT_MAX + 2 * AGD_TOKEN_LEN + 128];

	req->user = "-";
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		reply_not_allowed(req, "GET, HEAD");
		return;
	}
	if (request_parse_query(req) == -1)
		return;
	if ((got = request_query(req, "token")) == NULL ||
	    !agd_token_equal(token, got, strlen(got))) {
		reply_error(req, AGD_ERR_UNAUTHENTICATED, "wrong or missing token");
		return;
	}
	if ((next = request_query(req, "next")) == NULL || *next == '\0')
		next = "/";
	if (!request_next_ok(next)) {
		reply_error(req, AGD_ERR_INVALID_FIELD, "next: not a path of this site");
		return;
	}
	snprintf(hdr, sizeof hdr, "Location: %s\r\nSet-Cookie: %s=%s; HttpOnly;"
	    " SameSite=Strict; Path=/api/agents/\r\n", next, AGD_TOKEN_COOKIE, token);
	reply_raw(req, 303, "application/json", hdr, "{}\n", 3);
}

/* 1 if req's path (before any query) is path. */
static int
request_path_is(struct req *req, const char *path)
{
	const char	*uri;
	size_t		 n = strlen(path);

	if ((uri = request_param(req, "REQUEST_URI")) == NULL &&
	    (uri = request_param(req, "DOCUMENT_URI")) == NULL)
		return (0);
	return (strncmp(uri, path, n) == 0 && (uri[n] == '\0' || uri[n] == '?'));
}

/*
 * auth = local: the request must present HOME/access-token, as a Bearer token or
 * the agentd_token cookie (never in the URL here: that is for WebSocket upgrades,
 * which browsers cannot give headers, and the login). The file is read each time,
 * so a token the daemon made after we started, or a new one, is seen. The owner,
 * as admin, or reply 401 (the login is answered here) and return -1.
 */
static int
request_token(struct req *req)
{
	char	token[AGD_TOKEN_LEN + 1];

	if (agd_token_load(api.home, token) == -1)
		token[0] = '\0';
	if (request_path_is(req, REQUEST_LOGIN_PATH)) {
		request_login(req, token);
		return (-1);
	}
	if (!agd_token_check(token, request_param(req, "HTTP_AUTHORIZATION"),
	    request_param(req, "HTTP_COOKIE"), NULL)) {
		req->user = "-";
		reply_error(req, AGD_ERR_UNAUTHENTICATED, "authentication required");
		return (-1);
	}
	req->user = agd_owner_name();
	req->groups = "";
	req->role = AGD_ROLE_ADMIN;
	return (0);
}

/*
 * Who is asking. auth = local: whoever shows the access token (request_token).
 * Otherwise AGENTD_USER and AGENTD_GROUPS, FastCGI parameters that only
 * nginx sets (a client's headers arrive as HTTP_*, so they cannot forge them).
 * In auth = proxy a request without a user is 401. 0, or reply and return -1.
 */
int
request_identify(struct req *req)
{
	const char	*user, *groups;

	if (api.conf->auth == AGD_AUTH_LOCAL)
		return (request_token(req));
	user = request_param(req, "AGENTD_USER");
	groups = request_param(req, "AGENTD_GROUPS");
	if (groups == NULL || strlen(groups) >= AGD_GROUPS_MAX)
		groups = "";
	req->groups = groups;
	if (user != NULL && *user != '\0' && !agd_auth_valid_user(user)) {
		reply_error(req, AGD_ERR_BAD_REQUEST, "malformed user");
		return (-1);
	}
	if (user == NULL || *user == '\0') {
		if (api.conf->auth == AGD_AUTH_PROXY) {
			req->user = "-";
			reply_error(req, AGD_ERR_UNAUTHENTICATED, "authentication required");
			return (-1);
		}
		user = "local";
	}
	req->user = user;
	req->role = agd_auth_role(api.conf, user, groups);
	return (0);
}
