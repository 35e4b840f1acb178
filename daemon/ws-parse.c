/* Parsing what a WebSocket peer sends; see ws-parse.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "valid.h"
#include "ws-parse.h"

/* An X-Request-Id read to see what it is; a longer one is only known to be too long. */
#define WS_REQUEST_ID_HDR_MAX	1024

static int
fail(struct ws_fail *f, int status, const char *code, const char *msg)
{
	f->status = status;
	f->code = code;
	f->msg = msg;
	return (-1);
}

/*
 * Value of header name in req (case-insensitive) copied to out. -1 if absent or too
 * long for out.
 */
static int
header(const char *req, const char *name, char *out, size_t outlen)
{
	const char	*p, *e;
	size_t		 nlen = strlen(name), n;

	for (p = strstr(req, "\r\n"); p != NULL && p[2] != '\r' && p[2] != '\0';
	    p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, nlen) != 0 || p[2 + nlen] != ':')
			continue;
		p += 3 + nlen;
		while (*p == ' ' || *p == '\t')
			p++;
		if ((e = strstr(p, "\r\n")) == NULL)
			return (-1);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = (size_t)(e - p);
		if (n >= outlen)
			return (-1);
		memcpy(out, p, n);
		out[n] = '\0';
		return (0);
	}
	return (-1);
}

void
ws_parse_request_id(const char *req, char *id)
{
	char	hdr[WS_REQUEST_ID_HDR_MAX], len[32];
	int	rc = header(req, "X-Request-Id", hdr, sizeof hdr);

	if (rc == 0 && log_request_valid(hdr)) {
		memcpy(id, hdr, strlen(hdr) + 1);
		return;
	}
	log_request_new(id);
	if (rc == 0 || strcasestr(req, "\r\nX-Request-Id:") != NULL) {
		snprintf(len, sizeof len, "%zu", rc == 0 ? strlen(hdr) : sizeof hdr);
		log_request_set(id);
		log_fields(AGD_LOG_INFO, "request id replaced: not an id", "length", len,
		    (const char *)NULL);
	}
}

/* 1 if the comma separated value contains token (case-insensitive). */
static int
has_token(const char *value, const char *token)
{
	const char	*p = value;
	size_t		 n = strlen(token);

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return (1);
		while (*p != '\0' && *p != ',')
			p++;
	}
	return (0);
}

/* 1 if "host[:port]" or "[v6][:port]" names an allowed host. */
static int
host_ok(const struct agd_conf *conf, const char *s)
{
	const char	*e;
	size_t		 len;

	if (*s == '[') {
		if ((e = strchr(s, ']')) == NULL || (e[1] != '\0' && e[1] != ':'))
			return (0);
		return (agd_conf_host_allowed(conf, s + 1, (size_t)(e - s - 1)));
	}
	e = strchr(s, ':');
	len = e != NULL ? (size_t)(e - s) : strlen(s);
	if (len == 0 || memchr(s, '/', len) != NULL)
		return (0);
	return (agd_conf_host_allowed(conf, s, len));
}

/* Query parameter key as a decimal uint64: 1 found, 0 absent, -1 malformed. */
static int
query_u64(const char *q, const char *key, uint64_t *out)
{
	const char	*p;
	size_t		 n = strlen(key);
	char		*end;

	for (p = q; p != NULL && *p != '\0'; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, key, n) != 0 || p[n] != '=')
			continue;
		if (p[n + 1] < '0' || p[n + 1] > '9')
			return (-1);
		errno = 0;
		*out = strtoull(p + n + 1, &end, 10);
		if (errno != 0 || (*end != '\0' && *end != '&'))
			return (-1);
		return (1);
	}
	return (0);
}

/* The raw value of query parameter key copied to out: 1 found, 0 absent or too long. */
static int
query_str(const char *q, const char *key, char *out, size_t outlen)
{
	const char	*p;
	size_t		 n = strlen(key), len;

	for (p = q; p != NULL && *p != '\0'; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, key, n) != 0 || p[n] != '=')
			continue;
		len = strcspn(p + n + 1, "&");
		if (len >= outlen)
			return (0);
		memcpy(out, p + n + 1, len);
		out[len] = '\0';
		return (1);
	}
	return (0);
}

static int
query_has(const char *q, const char *pair)
{
	const char	*p;
	size_t		 n = strlen(pair);

	for (p = q; p != NULL && *p != '\0'; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, pair, n) == 0 && (p[n] == '\0' || p[n] == '&'))
			return (1);
	}
	return (0);
}

int
ws_parse_upgrade(const char *req, const struct agd_conf *conf, struct ws_upgrade *u,
    struct ws_fail *f)
{
	char		 path[1024], hdr[1024], *q, *name, *e;
	const char	*sp;
	size_t		 n;
	int		 rc;

	memset(u, 0, sizeof *u);
	if (strncmp(req, "GET ", 4) != 0)
		return (fail(f, 405, "method_not_allowed", "WebSocket upgrades use GET"));
	if ((sp = strchr(req + 4, ' ')) == NULL || strncmp(sp, " HTTP/1.1\r\n", 11) != 0)
		return (fail(f, 400, "bad_request", "bad request line"));
	if ((n = (size_t)(sp - req - 4)) >= sizeof path)
		return (fail(f, 414, "too_large", "request target too long"));
	memcpy(path, req + 4, n);
	path[n] = '\0';
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';

	if (header(req, "Host", hdr, sizeof hdr) == -1 || !host_ok(conf, hdr))
		return (fail(f, 400, "bad_host", "host not allowed"));
	if (header(req, "Origin", hdr, sizeof hdr) == 0) {
		if (strncmp(hdr, "http://", 7) == 0)
			e = hdr + 7;
		else if (strncmp(hdr, "https://", 8) == 0)
			e = hdr + 8;
		else
			e = NULL;
		if (e != NULL && (name = strchr(e, '/')) != NULL)
			*name = '\0';
		if (e == NULL || !host_ok(conf, e))
			return (fail(f, 403, "forbidden_origin", "foreign origin"));
	}
	if (header(req, "Upgrade", hdr, sizeof hdr) == -1 || !has_token(hdr, "websocket") ||
	    header(req, "Sec-WebSocket-Version", hdr, sizeof hdr) == -1 ||
	    strcmp(hdr, "13") != 0 ||
	    header(req, "Sec-WebSocket-Key", u->key, sizeof u->key) == -1 ||
	    strlen(u->key) != WS_KEY_LEN)
		return (fail(f, 400, "bad_request", "not a WebSocket upgrade"));
	if (header(req, "X-Agentd-User", u->user, sizeof u->user) == -1)
		u->user[0] = '\0';
	if (header(req, "X-Agentd-Groups", u->groups, sizeof u->groups) == -1)
		u->groups[0] = '\0';
	if (header(req, "Authorization", u->authz, sizeof u->authz) == -1)
		u->authz[0] = '\0';
	if (header(req, "Cookie", u->cookie, sizeof u->cookie) == -1)
		u->cookie[0] = '\0';

	if (strcmp(path, "/api/agents/world") == 0)
		u->world = 1;
	else {
		if (strncmp(path, "/api/agents/sessions/", 21) != 0)
			return (fail(f, 404, "not_found", "no such stream"));
		name = path + 21;
		if ((e = strchr(name, '/')) != NULL) {
			if (strcmp(e, "/terminal") != 0 && strcmp(e, "/ws") != 0)
				return (fail(f, 404, "not_found", "no such stream"));
			*e = '\0';
			u->seed = 1;
		}
		if (!agd_valid_name(name))
			return (fail(f, 400, "invalid_name", "invalid session name"));
		/* A valid name fits: at most AGD_NAME_MAX bytes. */
		memcpy(u->name, name, strlen(name) + 1);
	}
	if (q != NULL) {
		if ((rc = query_u64(q, "since", &u->since)) == -1)
			return (fail(f, 400, "invalid_field", "since: not a number"));
		u->has_since = rc;
		u->binary = query_has(q, "format=binary");
		if (!query_str(q, "access_token", u->token, sizeof u->token))
			u->token[0] = '\0';
	}
	return (0);
}

/*
 * The start of every client message: JSON, an object with a string "type". *o is
 * m's (ws_msg_free puts it), *type borrowed from it.
 */
static int
parse_head(const uint8_t *p, size_t n, struct ws_msg *m, struct ws_fail *f,
    struct json_object **o, const char **type)
{
	char	*cause;

	memset(m, 0, sizeof *m);
	f->status = 400;
	*type = NULL;
	if ((*o = agd_json_parse((const char *)p, n, &cause)) == NULL) {
		free(cause);
		return (fail(f, 400, "bad_json", "malformed JSON"));
	}
	m->obj = *o;
	if (!json_object_is_type(*o, json_type_object) ||
	    agd_json_get_string(*o, "type", type) == -1 || *type == NULL)
		return (fail(f, 400, "invalid_field", "a message is an object with a type"));
	return (0);
}

/* resize {cols, rows}, each 1..1000. */
static int
parse_resize(struct json_object *o, struct ws_msg *m, struct ws_fail *f)
{
	long long	cols = 0, rows = 0;

	m->type = WS_MSG_RESIZE;
	if (agd_json_get_int(o, "cols", &cols) == -1 ||
	    agd_json_get_int(o, "rows", &rows) == -1 ||
	    cols < 1 || cols > 1000 || rows < 1 || rows > 1000)
		return (fail(f, 400, "invalid_field",
		    "resize: cols and rows are integers from 1 to 1000"));
	m->cols = (int)cols;
	m->rows = (int)rows;
	return (0);
}

/* The string v as m's data: at most AGD_MESSAGE_MAX bytes, no NUL. */
static int
take_text(struct json_object *v, struct ws_msg *m, struct ws_fail *f)
{
	m->data = json_object_get_string(v);
	m->len = (size_t)json_object_get_string_len(v);
	if (m->len > AGD_MESSAGE_MAX)
		return (fail(f, 413, "too_large", "text too long"));
	if (memchr(m->data, '\0', m->len) != NULL)
		return (fail(f, 400, "invalid_field", "NUL in text"));
	return (0);
}

int
ws_parse_msg(const uint8_t *p, size_t n, struct ws_msg *m, struct ws_fail *f)
{
	struct json_object	*o, *v;
	const char		*type;

	if (parse_head(p, n, m, f, &o, &type) == -1)
		return (-1);
	if (strcmp(type, "input") == 0) {
		m->type = WS_MSG_INPUT;
		if (!json_object_object_get_ex(o, "data", &v) ||
		    !json_object_is_type(v, json_type_string))
			return (fail(f, 400, "invalid_field", "input: data must be a string"));
	} else if (strcmp(type, "message") == 0) {
		m->type = WS_MSG_MESSAGE;
		if (!json_object_object_get_ex(o, "text", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0)
			return (fail(f, 400, "invalid_field",
			    "message: text must be a non-empty string"));
	} else if (strcmp(type, "resize") == 0)
		return (parse_resize(o, m, f));
	else
		return (fail(f, 400, "invalid_field", "unknown message type"));
	return (take_text(v, m, f));
}

/* images of a seed input: absent, or WS_IMAGES_MAX objects {data: base64, mediaType}. */
static int
parse_images(struct json_object *o, struct ws_fail *f)
{
	static const char *const types[] = { "image/png", "image/jpeg", "image/gif",
	    "image/webp" };
	struct json_object	*a, *img, *v;
	const char		*p;
	size_t			 i, k, n;

	if (!json_object_object_get_ex(o, "images", &a) || json_object_is_type(a, json_type_null))
		return (0);
	if (!json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > WS_IMAGES_MAX)
		return (fail(f, 400, "invalid_field", "input: images is an array of at most 8"));
	for (i = 0; i < json_object_array_length(a); i++) {
		img = json_object_array_get_idx(a, i);
		if (!json_object_is_type(img, json_type_object) ||
		    !json_object_object_get_ex(img, "data", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    (n = (size_t)json_object_get_string_len(v)) == 0)
			return (fail(f, 400, "invalid_field", "input: an image has base64 data"));
		/* Padded base64: groups of 4, '=' only as the last one or two. */
		p = json_object_get_string(v);
		k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/");
		if (n % 4 != 0 || k + strspn(p + k, "=") != n || n - k > 2)
			return (fail(f, 400, "invalid_field", "input: image data is not base64"));
		if ((!json_object_object_get_ex(img, "mediaType", &v) &&
		    !json_object_object_get_ex(img, "media_type", &v)) ||
		    !json_object_is_type(v, json_type_string))
			return (fail(f, 400, "invalid_field", "input: an image has a mediaType"));
		for (k = 0; k < sizeof types / sizeof types[0]; k++) {
			if (strcmp(json_object_get_string(v), types[k]) == 0)
				break;
		}
		if (k == sizeof types / sizeof types[0])
			return (fail(f, 400, "invalid_field", "input: mediaType is image/png, "
			    "image/jpeg, image/gif or image/webp"));
	}
	return ((int)i);
}

int
ws_parse_seed_msg(const uint8_t *p, size_t n, struct ws_msg *m, struct ws_fail *f)
{
	struct json_object	*o, *v;
	const char		*type, *id;
	size_t			 len;
	int			 images;

	if (parse_head(p, n, m, f, &o, &type) == -1)
		return (-1);
	if (strcmp(type, "resize") == 0)
		return (parse_resize(o, m, f));
	if (strcmp(type, "input") == 0) {
		m->type = WS_MSG_MESSAGE;
		if (!json_object_object_get_ex(o, "text", &v) ||
		    !json_object_is_type(v, json_type_string))
			return (fail(f, 400, "invalid_field", "input: text must be a string"));
		if ((images = parse_images(o, f)) == -1)
			return (-1);
		if (images == 0 && json_object_get_string_len(v) == 0)
			return (fail(f, 400, "invalid_field",
			    "input: text or images, not nothing"));
		return (take_text(v, m, f));
	}
	if (strcmp(type, "tool_answer") == 0) {
		m->type = WS_MSG_TOOL_ANSWER;
		if (!json_object_object_get_ex(o, "toolId", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    (len = (size_t)json_object_get_string_len(v)) == 0 ||
		    len > WS_TOOL_ID_MAX ||
		    strspn(id = json_object_get_string(v), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
			return (fail(f, 400, "invalid_field",
			    "tool_answer: toolId is a tool's id"));
		if (!json_object_object_get_ex(o, "answers", &v) ||
		    !json_object_is_type(v, json_type_object))
			return (fail(f, 400, "invalid_field",
			    "tool_answer: answers is an object"));
		m->data = id;
		m->len = len;
		return (0);
	}
	return (fail(f, 400, "invalid_field", "unknown message type"));
}

void
ws_msg_free(struct ws_msg *m)
{
	json_object_put(m->obj);
	m->obj = NULL;
}
