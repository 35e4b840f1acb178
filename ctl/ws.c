/*
 * agentctl WebSocket client: a TCP (or TLS) connection made by libcurl
 * (CURLOPT_CONNECT_ONLY, then curl_easy_send/recv), the HTTP upgrade written
 * here (a few header lines, the accept key checked), and every frame -
 * parsing, masking, control frames - done by wslay.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "agentctl.h"

/* The upgrade (connect, request, reply) must be done within this many ms. */
#define WS_HANDSHAKE_MS		10000
/* Bound on the upgrade reply's header block, and on an error body after it. */
#define WS_MAX_HEAD		16384
#define WS_MAX_ERROR_BODY	65536
/* RFC 6455's constant for Sec-WebSocket-Accept. */
#define WS_GUID			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct ws {
	CURL			*curl;
	curl_socket_t		 fd;
	wslay_event_context_ptr	 ctx;
	struct buf		 pend;		/* read past the upgrade reply */
	size_t			 pendoff;
	const struct ws_cb	*cb;
	void			*arg;
};

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, int flags, void *arg)
{
	struct ws	*ws = arg;
	CURLcode	 cc;
	size_t		 n;

	(void)flags;
	if (ws->pendoff < ws->pend.len) {
		n = ws->pend.len - ws->pendoff;
		if (n > len)
			n = len;
		memcpy(p, ws->pend.data + ws->pendoff, n);
		ws->pendoff += n;
		return ((ssize_t)n);
	}
	cc = curl_easy_recv(ws->curl, p, len, &n);
	if (cc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (cc != CURLE_OK || n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return ((ssize_t)n);
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *p, size_t len, int flags, void *arg)
{
	struct ws	*ws = arg;
	CURLcode	 cc;
	size_t		 n;

	(void)flags;
	cc = curl_easy_send(ws->curl, p, len, &n);
	if (cc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (cc != CURLE_OK) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
	return ((ssize_t)n);
}

static int
ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *p, size_t len, void *arg)
{
	(void)ctx;
	(void)arg;
	if (getrandom(p, len, 0) != (ssize_t)len)
		return (-1);
	return (0);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct ws	*ws = arg;

	(void)ctx;
	if (m->opcode == WSLAY_TEXT_FRAME && ws->cb->text != NULL)
		ws->cb->text(ws->arg, (const char *)m->msg, m->msg_length);
	else if (m->opcode == WSLAY_BINARY_FRAME && ws->cb->binary != NULL)
		ws->cb->binary(ws->arg, m->msg, m->msg_length);
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.genmask_callback = ws_genmask_cb,
	.on_msg_recv_callback = ws_msg_cb
};

/* Wait until fd is ready for events or the deadline passes; 0, or -1. */
static int
ws_wait(curl_socket_t fd, short events, int64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		left;
	int		r;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return (-1);
		if ((r = poll(&pfd, 1, (int)left)) > 0)
			return (0);
		if (r == -1 && errno != EINTR)
			return (-1);
	}
}

/* Send all of p; 0, or -1. */
static int
ws_send_all(struct ws *ws, const char *p, size_t len, int64_t deadline)
{
	size_t		n;
	CURLcode	cc;

	while (len > 0) {
		cc = curl_easy_send(ws->curl, p, len, &n);
		if (cc == CURLE_AGAIN) {
			if (ws_wait(ws->fd, POLLOUT, deadline) == -1)
				return (-1);
			continue;
		}
		if (cc != CURLE_OK)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* Read more into b; 1 read, 0 EOF, -1 error or timeout. */
static int
ws_recv_some(struct ws *ws, struct buf *b, int64_t deadline)
{
	char		tmp[4096];
	size_t		n;
	CURLcode	cc;

	for (;;) {
		cc = curl_easy_recv(ws->curl, tmp, sizeof tmp, &n);
		if (cc == CURLE_AGAIN) {
			if (ws_wait(ws->fd, POLLIN, deadline) == -1)
				return (-1);
			continue;
		}
		if (cc != CURLE_OK)
			return (-1);
		if (n == 0)
			return (0);
		buf_add(b, tmp, n);
		return (1);
	}
}

/* The value of header name in the header block head, or NULL; the caller frees it. */
static char *
ws_header(const char *head, const char *name)
{
	const char	*p = head, *eol, *v;
	size_t		 nl = strlen(name);

	while ((eol = strstr(p, "\r\n")) != NULL) {
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			for (v = p + nl + 1; *v == ' ' || *v == '\t'; v++)
				;
			return (strndup(v, (size_t)(eol - v)));
		}
		p = eol + 2;
	}
	return (NULL);
}

/* The upgrade request for path with key; the caller frees it. */
static char *
ws_request(const char *path, const char *key)
{
	CURLU		*u;
	struct buf	 b = { 0 };
	char		*host = NULL, *port = NULL, *prefix = NULL;
	const char	*auth = http_authorization();
	int		 i, custom_auth = 0;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, ctl_opts.url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return (NULL);
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &prefix, 0) != CURLUE_OK)
		prefix = NULL;
	buf_printf(&b, "GET %s%s HTTP/1.1\r\nHost: %s%s%s\r\n",
	    prefix != NULL && strcmp(prefix, "/") != 0 ? prefix : "", path, host,
	    port != NULL ? ":" : "", port != NULL ? port : "");
	buf_printf(&b, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: agentctl/%s\r\n", key, AGENTCTL_VERSION);
	for (i = 0; i < ctl_opts.nheaders; i++) {
		buf_printf(&b, "%s\r\n", ctl_opts.headers[i]);
		if (strncasecmp(ctl_opts.headers[i], "Authorization:", 14) == 0)
			custom_auth = 1;
	}
	/* Basic credentials as curl sent them (--user or ~/.netrc). */
	if (!custom_auth && auth != NULL && strncasecmp(auth, "Basic ", 6) == 0)
		buf_printf(&b, "Authorization: %s\r\n", auth);
	buf_add(&b, "\r\n", 2);
	curl_free(host);
	curl_free(port);
	curl_free(prefix);
	curl_url_cleanup(u);
	return (b.data);
}

/* Read an error reply's body after head and print its message. */
static void
ws_print_refusal(struct ws *ws, long status, struct buf *b, size_t headlen, int64_t deadline)
{
	struct json_object	*j;
	struct buf		 body = { 0 };
	char			*cl = ws_header(b->data, "Content-Length");
	long long		 want = -1;

	if (cl != NULL && parse_num(cl, 0, WS_MAX_ERROR_BODY, &want) == -1)
		want = WS_MAX_ERROR_BODY;
	free(cl);
	while (b->len - headlen < (size_t)(want < 0 ? WS_MAX_ERROR_BODY : want) &&
	    ws_recv_some(ws, b, deadline) == 1)
		;
	buf_add(&body, b->data + headlen, b->len - headlen);
	j = json_tokener_parse(body.data);
	http_print_error(status, j, body.data);
	if (j != NULL)
		json_object_put(j);
	buf_free(&body);
}

int
ws_open(struct ws **wsp, const char *path, const struct ws_cb *cb, void *arg, int quiet,
    long *status)
{
	struct ws	*ws;
	struct buf	 b = { 0 };
	unsigned char	 nonce[16], sha[SHA_DIGEST_LENGTH];
	char		 key[32], want[32], errbuf[CURL_ERROR_SIZE] = "";
	char		*req = NULL, *acc = NULL, *end, *k;
	int64_t		 deadline = now_ms() + WS_HANDSHAKE_MS;
	long		 st = 0;
	CURLcode	 cc;
	int		 rc = CTL_EUNREACH, r;

	*wsp = NULL;
	*status = 0;
	ws = xmalloc(sizeof *ws);
	memset(ws, 0, sizeof *ws);
	ws->cb = cb;
	ws->arg = arg;
	if ((ws->curl = curl_easy_init()) == NULL)
		goto fail;
	http_common(ws->curl);
	curl_easy_setopt(ws->curl, CURLOPT_URL, ctl_opts.url);
	curl_easy_setopt(ws->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(ws->curl, CURLOPT_ERRORBUFFER, errbuf);
	if ((cc = curl_easy_perform(ws->curl)) != CURLE_OK) {
		if (!quiet)
			ctl_warn("%s: %s", ctl_opts.url, *errbuf != '\0' ? errbuf :
			    curl_easy_strerror(cc));
		goto fail;
	}
	curl_easy_setopt(ws->curl, CURLOPT_ERRORBUFFER, NULL);
	if (curl_easy_getinfo(ws->curl, CURLINFO_ACTIVESOCKET, &ws->fd) != CURLE_OK ||
	    ws->fd == CURL_SOCKET_BAD || getrandom(nonce, sizeof nonce, 0) != sizeof nonce)
		goto fail;
	EVP_EncodeBlock((unsigned char *)key, nonce, sizeof nonce);
	if ((req = ws_request(path, key)) == NULL) {
		if (!quiet)
			ctl_warn("%s: not a URL", ctl_opts.url);
		rc = CTL_EUSAGE;
		goto fail;
	}
	if (ws_send_all(ws, req, strlen(req), deadline) == -1)
		goto broken;
	while ((end = strstr(b.data != NULL ? b.data : "", "\r\n\r\n")) == NULL) {
		if (b.len > WS_MAX_HEAD || (r = ws_recv_some(ws, &b, deadline)) != 1)
			goto broken;
	}
	end += 4;
	if (sscanf(b.data, "HTTP/1.%*[01] %ld", &st) != 1)
		goto broken;
	if (st != 101) {
		*status = st;
		if (!quiet)
			ws_print_refusal(ws, st, &b, (size_t)(end - b.data), deadline);
		rc = CTL_EAPI;
		goto fail;
	}
	k = xasprintf("%s%s", key, WS_GUID);
	SHA1((unsigned char *)k, strlen(k), sha);
	free(k);
	EVP_EncodeBlock((unsigned char *)want, sha, sizeof sha);
	if ((acc = ws_header(b.data, "Sec-WebSocket-Accept")) == NULL || strcmp(acc, want) != 0) {
		if (!quiet)
			ctl_warn("%s: bad WebSocket upgrade reply", ctl_opts.url);
		goto fail;
	}
	buf_add(&ws->pend, end, b.len - (size_t)(end - b.data));
	if (wslay_event_context_client_init(&ws->ctx, &ws_callbacks, ws) != 0)
		goto fail;
	free(acc);
	free(req);
	buf_free(&b);
	*wsp = ws;
	return (CTL_OK);
broken:
	if (!quiet)
		ctl_warn("%s: the WebSocket upgrade failed", ctl_opts.url);
fail:
	free(acc);
	free(req);
	buf_free(&b);
	if (ws->curl != NULL)
		curl_easy_cleanup(ws->curl);
	buf_free(&ws->pend);
	free(ws);
	return (rc);
}

int
ws_fd(struct ws *ws)
{
	return ((int)ws->fd);
}

int
ws_pending(struct ws *ws)
{
	return (ws->pendoff < ws->pend.len);
}

short
ws_events(struct ws *ws)
{
	short	ev = POLLIN;

	if (wslay_event_want_write(ws->ctx))
		ev |= POLLOUT;
	return (ev);
}

int
ws_io(struct ws *ws, short revents, int *code)
{
	int	 broken = 0;

	/* Bytes read past the upgrade reply are frames too. */
	if ((revents & (POLLIN | POLLHUP | POLLERR)) || ws->pendoff < ws->pend.len) {
		if (wslay_event_recv(ws->ctx) != 0)
			broken = 1;
	}
	if (!broken && wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) != 0)
		broken = 1;
	if (wslay_event_get_close_received(ws->ctx)) {
		*code = wslay_event_get_status_code_received(ws->ctx);
		return (1);
	}
	return (broken ? -1 : 0);
}

void
ws_send_text(struct ws *ws, const char *p, size_t len)
{
	struct wslay_event_msg	m = {
		.opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)p, .msg_length = len
	};

	wslay_event_queue_msg(ws->ctx, &m);
	wslay_event_send(ws->ctx);
}

void
ws_close(struct ws *ws)
{
	int64_t	deadline = now_ms() + 1000;

	if (ws == NULL)
		return;
	if (ws->ctx != NULL) {
		if (!wslay_event_get_close_sent(ws->ctx))
			wslay_event_queue_close(ws->ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
		while (wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) == 0 &&
		    wslay_event_want_write(ws->ctx)) {
			if (ws_wait(ws->fd, POLLOUT, deadline) == -1)
				break;
		}
		wslay_event_context_free(ws->ctx);
	}
	curl_easy_cleanup(ws->curl);
	buf_free(&ws->pend);
	free(ws);
}
