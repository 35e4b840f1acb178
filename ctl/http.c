/*
 * agentctl REST client: one libcurl handle (kept alive between requests)
 * with the credentials of the global options - --user or ~/.netrc (curl's
 * netrc support), --header lines, the bearer token - and the JSON error
 * envelope turned into a message and an exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "agentctl.h"

/* A reply body bigger than this is cut off (a session list of 64 MiB is not one). */
#define HTTP_MAX_BODY		(64 * 1024 * 1024)
/* Connecting (TCP, TLS) gives up after this many seconds: then exit 3. */
#define HTTP_CONNECT_SECS	10L

static CURL			*http_curl;
static struct curl_slist	*http_headers;
static char			*http_auth;	/* last Authorization sent */

const char *
http_authorization(void)
{
	return (http_auth);
}

char *
http_url(const char *path)
{
	return (xasprintf("%s%s", ctl_opts.url, path));
}

char *
http_escape(const char *s)
{
	char	*e, *r;

	if (http_curl == NULL && (http_curl = curl_easy_init()) == NULL)
		return (xstrdup(s));
	if ((e = curl_easy_escape(http_curl, s, 0)) == NULL)
		return (xstrdup(s));
	r = xstrdup(e);
	curl_free(e);
	return (r);
}

/* Remember the Authorization header of a request curl sent (for WebSocket). */
static void
http_capture_auth(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol;
	size_t		 n;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 15 && strncasecmp(p, "Authorization: ", 15) == 0) {
			free(http_auth);
			http_auth = xmalloc(n - 15 + 1);
			memcpy(http_auth, p + 15, n - 15);
			http_auth[n - 15] = '\0';
		}
		p = eol + 1;
	}
}

/* --verbose: each line of data on stderr after a mark, as curl -v does. */
static void
http_verbose(char mark, const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol;
	size_t		 n;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((eol != NULL ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0)
			fprintf(stderr, "%c %.*s\n", mark, (int)n, p);
		p = eol != NULL ? eol + 1 : end;
	}
}

static int
http_debug_cb(CURL *c, curl_infotype type, char *data, size_t len, void *arg)
{
	(void)c;
	(void)arg;
	if (type == CURLINFO_HEADER_OUT)
		http_capture_auth(data, len);
	if (ctl_opts.verbose && (type == CURLINFO_HEADER_OUT || type == CURLINFO_HEADER_IN ||
	    type == CURLINFO_TEXT))
		http_verbose(type == CURLINFO_HEADER_OUT ? '>' : type == CURLINFO_HEADER_IN ?
		    '<' : '*', data, len);
	return (0);
}

void
http_common(void *h)
{
	CURL	*c = h;

	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_SECS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "agentctl/" AGENTCTL_VERSION);
}

static size_t
http_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_reply	*r = arg;

	if (r->body.len + n > HTTP_MAX_BODY)
		return (0);
	buf_add(&r->body, p, size * n);
	return (size * n);
}

static size_t
http_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_reply	*r = arg;
	char			 tmp[32];
	size_t			 len = size * n, k;
	long long		 v;

	if (len > 13 && strncasecmp(p, "X-Agentd-Seq:", 13) == 0) {
		for (k = 13; k < len && p[k] == ' '; k++)
			;
		len -= k;
		while (len > 0 && (p[k + len - 1] == '\r' || p[k + len - 1] == '\n'))
			len--;
		if (len < sizeof tmp) {
			memcpy(tmp, p + k, len);
			tmp[len] = '\0';
			if (parse_num(tmp, 0, INT64_MAX, &v) == 0)
				r->seq = v;
		}
	}
	return (size * n);
}

/* The handle with the credentials set, created once. */
static CURL *
http_handle(void)
{
	char	*h;
	int	 i, custom_auth = 0;

	if (http_curl == NULL && (http_curl = curl_easy_init()) == NULL)
		return (NULL);
	if (http_headers != NULL)
		return (http_curl);
	http_common(http_curl);
	curl_easy_setopt(http_curl, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (ctl_opts.userpwd != NULL) {
		curl_easy_setopt(http_curl, CURLOPT_USERPWD, ctl_opts.userpwd);
		curl_easy_setopt(http_curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	for (i = 0; i < ctl_opts.nheaders; i++) {
		http_headers = curl_slist_append(http_headers, ctl_opts.headers[i]);
		if (strncasecmp(ctl_opts.headers[i], "Authorization:", 14) == 0)
			custom_auth = 1;
	}
	if (ctl_opts.token != NULL && ctl_opts.userpwd == NULL && !custom_auth) {
		h = xasprintf("Authorization: Bearer %s", ctl_opts.token);
		http_headers = curl_slist_append(http_headers, h);
		free(h);
	}
	/* No "Expect: 100-continue" round trip for a body. */
	http_headers = curl_slist_append(http_headers, "Expect:");
	curl_easy_setopt(http_curl, CURLOPT_DEBUGFUNCTION, http_debug_cb);
	curl_easy_setopt(http_curl, CURLOPT_VERBOSE, 1L);
	return (http_curl);
}

void
http_print_error(long status, struct json_object *j, const char *raw)
{
	const char	*err = json_str(j, "error"), *code = json_str(j, "code");

	if (err != NULL)
		ctl_warn("%s (%ld%s%s)", err, status, code != NULL ? " " : "",
		    code != NULL ? code : "");
	else
		ctl_warn("HTTP %ld%s%.200s", status, raw != NULL && *raw != '\0' ? ": " : "",
		    raw != NULL ? raw : "");
}

int
http_request(const char *method, const char *path, struct json_object *body,
    struct http_reply *r)
{
	CURL			*c;
	CURLcode		 cc;
	struct curl_slist	*hl = NULL, *l;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	char			*url;
	const char		*text = NULL;

	memset(r, 0, sizeof *r);
	r->seq = -1;
	if ((c = http_handle()) == NULL) {
		ctl_warn("cannot start libcurl");
		return (CTL_EUNREACH);
	}
	for (l = http_headers; l != NULL; l = l->next)
		hl = curl_slist_append(hl, l->data);
	url = http_url(path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
	if (body != NULL) {
		text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		hl = curl_slist_append(hl, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	} else
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hl);
	if (cc != CURLE_OK) {
		ctl_warn("%s: %s", url, *errbuf != '\0' ? errbuf : curl_easy_strerror(cc));
		free(url);
		http_reply_free(r);
		return (CTL_EUNREACH);
	}
	free(url);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body.data == NULL)
		buf_add(&r->body, "", 0);
	r->json = json_tokener_parse(r->body.data);
	if (r->status >= 200 && r->status < 300)
		return (CTL_OK);
	http_print_error(r->status, r->json, r->body.data);
	return (CTL_EAPI);
}

void
http_reply_free(struct http_reply *r)
{
	if (r->json != NULL)
		json_object_put(r->json);
	r->json = NULL;
	buf_free(&r->body);
}

void
http_cleanup(void)
{
	if (http_curl != NULL)
		curl_easy_cleanup(http_curl);
	http_curl = NULL;
	curl_slist_free_all(http_headers);
	http_headers = NULL;
	free(http_auth);
	http_auth = NULL;
}

char *
http_session_path(const char *name, const char *suffix)
{
	char	*e, *p;

	e = http_escape(name);
	p = xasprintf("/api/agents/sessions/%s%s", e, suffix);
	free(e);
	return (p);
}

int
http_session(const char *method, const char *name, const char *suffix,
    struct json_object *body, struct http_reply *r)
{
	char	*path;
	int	 rc;

	path = http_session_path(name, suffix);
	rc = http_request(method, path, body, r);
	free(path);
	return (rc);
}
