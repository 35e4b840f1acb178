/*
 * WebSocket viewers. nginx proxies upgrades of /api/agents/sessions/<name>
 * (also .../terminal and .../ws) to HOME/run/ws.sock; this file does the HTTP
 * upgrade and uses wslay for the framing.
 *
 * Every viewer has a cursor (the last seq it was sent) and pulls: when its socket
 * can take more, the next records come from the session's in-memory ring of recent
 * output, or from the on-disk log if it has fallen behind the ring. So the agent's
 * output is always read and recorded at full speed, a slow viewer costs no memory
 * beyond its small queue, and nothing is skipped unless the log itself has rotated
 * it away (then the viewer is told with a resync message).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "agentd.h"
#include "auth.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "valid.h"
#include "ws-parse.h"
#include "xmalloc.h"

#define WS_REQUEST_MAX		8192		/* the whole upgrade request */
#define WS_HANDSHAKE_MS		10000
#define WS_MSG_MAX		(1024 * 1024)	/* largest client message */
#define WS_GUID			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* One record of recent output or one event, as every viewer will send it. */
struct ws_rec {
	uint64_t		 seq;
	int			 type;		/* AGD_REC_TTY or AGD_REC_EVENT */
	size_t			 len;
	char			*json;		/* the text frame, built on first use */
	size_t			 json_len;
	TAILQ_ENTRY(ws_rec)	 entry;
	uint8_t			 bin[];		/* 8-byte seq (binary frames) + data */
};

struct ws_ring {
	TAILQ_HEAD(ws_rec_list, ws_rec) recs;
	size_t			 bytes;
};

struct ws_client {
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct event		*tev;		/* handshake deadline */
	int			 state;
#define WS_HANDSHAKE		0
#define WS_OPEN			1
	char			*req;		/* the upgrade request as it arrives */
	size_t			 req_len;

	wslay_event_context_ptr	 ctx;
	struct session		*s;		/* NULL once the session has ended */
	char			*dir;		/* its log directory */
	char			*name;
	int			 binary;
	int			 can_write;
	char			*user;
	uint64_t		 cursor;	/* last seq queued */
	uint64_t		 end_seq;	/* when ended: the last seq there is */
	int			 ended;
	int			 closing;
	int			 on_disk;	/* reading the log, not the ring */
	struct agd_seqlog_cur	 cur;
	char			*rbuf;
	size_t			 rcap;
	int			 pings;		/* sent and not answered */

	TAILQ_ENTRY(ws_client)	 sentry;	/* on its session's viewers */
	TAILQ_ENTRY(ws_client)	 entry;		/* on ws_clients */
};

static TAILQ_HEAD(, ws_client)	 ws_clients = TAILQ_HEAD_INITIALIZER(ws_clients);
static int			 ws_count;
static int			 ws_listen_fd = -1;
static struct event		*ws_listen_ev;
static struct event		*ws_ping_ev;

static void	ws_client_free(struct ws_client *);
static void	ws_pump(struct ws_client *);

/* Ring of recent output, per session. */

static struct ws_ring *
ws_ring_get(struct session *s)
{
	if (s->ring == NULL) {
		s->ring = xcalloc(1, sizeof *s->ring);
		TAILQ_INIT(&s->ring->recs);
	}
	return (s->ring);
}

static void
ws_rec_free(struct ws_rec *r)
{
	free(r->json);
	free(r);
}

static void
ws_ring_add(struct session *s, uint64_t seq, int type, const void *p, size_t n)
{
	struct ws_ring	*ring = ws_ring_get(s);
	struct ws_rec	*r, *old;
	int		 i;

	r = xmalloc(sizeof *r + 8 + n);
	r->seq = seq;
	r->type = type;
	r->len = n;
	r->json = NULL;
	r->json_len = 0;
	for (i = 0; i < 8; i++)
		r->bin[i] = (uint8_t)(seq >> (56 - 8 * i));
	memcpy(r->bin + 8, p, n);
	TAILQ_INSERT_TAIL(&ring->recs, r, entry);
	ring->bytes += sizeof *r + n;
	while (ring->bytes > agentd_conf->ws_ring_bytes &&
	    (old = TAILQ_FIRST(&ring->recs)) != r) {
		TAILQ_REMOVE(&ring->recs, old, entry);
		ring->bytes -= sizeof *old + old->len + old->json_len;
		ws_rec_free(old);
	}
}

static void
ws_ring_free(struct session *s)
{
	struct ws_rec	*r;

	if (s->ring == NULL)
		return;
	while ((r = TAILQ_FIRST(&s->ring->recs)) != NULL) {
		TAILQ_REMOVE(&s->ring->recs, r, entry);
		ws_rec_free(r);
	}
	free(s->ring);
	s->ring = NULL;
}

/* The ring record with this seq, or NULL. Viewers are mostly near the tail. */
static struct ws_rec *
ws_ring_find(struct session *s, uint64_t seq)
{
	struct ws_rec	*r;

	if (s == NULL || s->ring == NULL)
		return (NULL);
	r = TAILQ_FIRST(&s->ring->recs);
	if (r == NULL || seq < r->seq)
		return (NULL);
	TAILQ_FOREACH_REVERSE(r, &s->ring->recs, ws_rec_list, entry) {
		if (r->seq == seq)
			return (r);
		if (r->seq < seq)
			break;
	}
	return (NULL);
}

/* Encoding of messages. */

/* JSON string body of p (no quotes) into out, which has room for 6 * n bytes. */
static size_t
ws_escape(char *out, const uint8_t *p, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*o = out;
	size_t			 i;
	uint8_t			 c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			break;
		}
	}
	return ((size_t)(o - out));
}

/*
 * The text frame of a record. Terminal output is sent as a JSON string when it is
 * valid UTF-8 (records are cut on character boundaries), else as base64 so that no
 * byte is lost. Caller frees.
 */
static char *
ws_encode(uint64_t seq, int type, const uint8_t *p, size_t n, size_t *len)
{
	char	*buf, *o;
	int	 k;

	if (type == AGD_REC_EVENT) {
		buf = xmalloc(n + 64);
		k = snprintf(buf, 64, "{\"type\":\"json_event\",\"seq\":%llu,\"event\":",
		    (unsigned long long)seq);
		memcpy(buf + k, p, n);
		buf[k + n] = '}';
		*len = (size_t)k + n + 1;
		return (buf);
	}
	if (agd_utf8_valid((const char *)p, n)) {
		buf = xreallocarray(NULL, n + 11, 6);
		k = sprintf(buf, "{\"type\":\"tty_data\",\"seq\":%llu,\"data\":\"",
		    (unsigned long long)seq);
		o = buf + k;
		o += ws_escape(o, p, n);
		memcpy(o, "\"}", 2);
		*len = (size_t)(o - buf) + 2;
		return (buf);
	}
	buf = xmalloc(4 * (n / 3 + 1) + 128);
	k = sprintf(buf, "{\"type\":\"tty_data\",\"seq\":%llu,\"encoding\":\"base64\","
	    "\"data\":\"", (unsigned long long)seq);
	o = buf + k;
	o += EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	memcpy(o, "\"}", 2);
	*len = (size_t)(o - buf) + 2;
	return (buf);
}

static void
ws_queue(struct ws_client *v, int opcode, const void *p, size_t n)
{
	struct wslay_event_msg	m;

	m.opcode = (uint8_t)opcode;
	m.msg = p;
	m.msg_length = n;
	if (wslay_event_queue_msg(v->ctx, &m) != 0)
		v->closing = 1;
}

static void
ws_queue_json(struct ws_client *v, struct json_object *o)
{
	const char	*text;
	size_t		 len;

	text = agd_json_text(o, &len);
	ws_queue(v, WSLAY_TEXT_FRAME, text, len);
	json_object_put(o);
}

static void
ws_queue_error(struct ws_client *v, const char *code, const char *msg)
{
	struct json_object	*o = agd_json_error(code, msg);

	json_object_object_add(o, "type", json_object_new_string("error"));
	ws_queue_json(v, o);
}

static void
ws_close_with(struct ws_client *v, uint16_t code, const char *reason)
{
	if (v->closing)
		return;
	v->closing = 1;
	wslay_event_queue_close(v->ctx, code, (const uint8_t *)reason,
	    reason != NULL ? strlen(reason) : 0);
}

/* I/O. */

/* Send what can be sent; 1 if v is gone (closed or failed), else 0. */
static int
ws_flush(struct ws_client *v)
{
	struct timeval	tv = { 2, 0 };

	if (wslay_event_want_write(v->ctx) && wslay_event_send(v->ctx) != 0) {
		ws_client_free(v);
		return (1);
	}
	if (wslay_event_want_write(v->ctx)) {
		event_add(v->wev, NULL);
		return (0);
	}
	if (!wslay_event_want_read(v->ctx) ||
	    (wslay_event_get_close_sent(v->ctx) && wslay_event_get_close_received(v->ctx))) {
		ws_client_free(v);
		return (1);
	}
	/* Our close is out: give the peer a moment to answer it, then hang up. */
	if (wslay_event_get_close_sent(v->ctx) && !event_pending(v->tev, EV_TIMEOUT, NULL))
		event_add(v->tev, &tv);
	return (0);
}

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws_client	*v = arg;
	ssize_t			 n;

	(void)flags;
	n = read(v->fd, buf, len);
	if (n > 0)
		return (n);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return (-1);
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	struct ws_client	*v = arg;
	ssize_t			 n;

	/* wslay sends a frame's header and payload apart: one segment for both. */
	n = send(v->fd, data, len, MSG_NOSIGNAL |
	    ((flags & WSLAY_MSG_MORE) ? MSG_MORE : 0));
	if (n >= 0)
		return (n);
	if (errno == EAGAIN || errno == EINTR)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return (-1);
}

/* A message from the viewer: input, resize or message. */
static void
ws_client_message(struct ws_client *v, const uint8_t *p, size_t n)
{
	struct ws_msg	m;
	struct ws_fail	f;

	if (ws_parse_msg(p, n, &m, &f) == -1) {
		ws_queue_error(v, f.code, f.msg);
		goto out;
	}
	if (!v->can_write) {
		ws_queue_error(v, "forbidden", "forbidden: input needs the operator role"
		    " (and, for another user's session, the admin role)");
		goto out;
	}
	if (v->s == NULL || v->s->state == SESSION_ENDED) {
		ws_queue_error(v, "session_ended", "session has ended");
		goto out;
	}
	switch (m.type) {
	case WS_MSG_INPUT:
		session_input(v->s, m.data, m.len);
		session_note_input(v->s, v->user, m.len);
		break;
	case WS_MSG_RESIZE:
		session_resize(v->s, m.cols, m.rows);
		break;
	case WS_MSG_MESSAGE:
		session_message(v->s, m.data, v->user);
		break;
	}
out:
	ws_msg_free(&m);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *m,
    void *arg)
{
	struct ws_client	*v = arg;

	(void)ctx;
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
		if (!agd_utf8_valid((const char *)m->msg, m->msg_length)) {
			ws_close_with(v, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
			    "invalid UTF-8");
			return;
		}
		ws_client_message(v, m->msg, m->msg_length);
		break;
	case WSLAY_BINARY_FRAME:
		ws_queue_error(v, "invalid_field", "binary messages are not accepted");
		break;
	case WSLAY_PONG:
		v->pings = 0;
		break;
	}
}

static void
ws_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_client	*v = arg;

	(void)fd;
	(void)what;
	if (wslay_event_send(v->ctx) != 0) {
		ws_client_free(v);
		return;
	}
	ws_pump(v);
}

static void
ws_ws_read(struct ws_client *v)
{
	if (wslay_event_recv(v->ctx) != 0) {
		/* A broken frame: send the close wslay queued, if it can go, and hang up. */
		if (wslay_event_want_write(v->ctx))
			wslay_event_send(v->ctx);
		ws_client_free(v);
		return;
	}
	if (!wslay_event_want_read(v->ctx))
		event_del(v->rev);
	ws_pump(v);
}

/* Sending: pull the next records after the cursor while the queue is short. */

static int
ws_next_disk(struct ws_client *v)
{
	struct json_object	*o;
	struct agd_rec		 r;
	char			*text;
	size_t			 len;

	if (!v->on_disk) {
		agd_seqlog_cur_open(&v->cur, v->dir, v->cursor);
		v->on_disk = 1;
	}
	if (agd_seqlog_cur_next(&v->cur, &r, &v->rbuf, &v->rcap) != 1)
		return (0);
	if (r.seq != v->cursor + 1) {
		/* The log rotated away what this viewer had not read. */
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("resync"));
		json_object_object_add(o, "seq", json_object_new_int64((int64_t)r.seq - 1));
		json_object_object_add(o, "lost", json_object_new_boolean(1));
		ws_queue_json(v, o);
	}
	v->cursor = r.seq;
	if (v->binary && r.type == AGD_REC_TTY) {
		uint8_t	*b = xmalloc(8 + r.len);
		int	 i;

		for (i = 0; i < 8; i++)
			b[i] = (uint8_t)(r.seq >> (56 - 8 * i));
		memcpy(b + 8, v->rbuf, r.len);
		ws_queue(v, WSLAY_BINARY_FRAME, b, 8 + r.len);
		free(b);
		return (1);
	}
	text = ws_encode(r.seq, r.type, (uint8_t *)v->rbuf, r.len, &len);
	ws_queue(v, WSLAY_TEXT_FRAME, text, len);
	free(text);
	return (1);
}

static int
ws_next(struct ws_client *v)
{
	struct ws_rec	*r;

	if ((r = ws_ring_find(v->s, v->cursor + 1)) == NULL) {
		if (v->s != NULL && v->cursor >= v->s->seq)
			return (0);		/* caught up */
		return (ws_next_disk(v));
	}
	if (v->on_disk) {
		agd_seqlog_cur_close(&v->cur);
		v->on_disk = 0;
	}
	v->cursor = r->seq;
	if (v->binary && r->type == AGD_REC_TTY) {
		ws_queue(v, WSLAY_BINARY_FRAME, r->bin, 8 + r->len);
		return (1);
	}
	if (r->json == NULL) {
		r->json = ws_encode(r->seq, r->type, r->bin + 8, r->len, &r->json_len);
		v->s->ring->bytes += r->json_len;
	}
	ws_queue(v, WSLAY_TEXT_FRAME, r->json, r->json_len);
	return (1);
}

/*
 * Flush; when done, close normally once everything queued has left (wslay sends
 * control frames ahead of queued messages, so the close must wait for them).
 */
static void
ws_finish(struct ws_client *v, int done)
{
	if (ws_flush(v))
		return;
	if (done && !v->closing && wslay_event_get_queued_msg_count(v->ctx) == 0) {
		ws_close_with(v, WSLAY_CODE_NORMAL_CLOSURE, "session ended");
		ws_flush(v);
	}
}

/*
 * Queue records after the cursor while the queue is short, and send. A viewer
 * catching up from the log gets a few rounds, then yields to the loop and comes
 * back through its write callback.
 */
static void
ws_pump(struct ws_client *v)
{
	int	more = 1, rounds = 0;

	if (v->state != WS_OPEN)
		return;
	for (;;) {
		while (!v->closing) {
			if (wslay_event_get_queued_msg_length(v->ctx) >=
			    agentd_conf->ws_queue_bytes)
				break;
			if (!ws_next(v)) {
				more = 0;
				break;
			}
		}
		if (!more || v->closing)
			break;
		if (ws_flush(v))
			return;
		if (wslay_event_want_write(v->ctx))
			return;		/* the socket is full: the write callback resumes */
		if (++rounds == 8) {
			event_active(v->wev, EV_WRITE, 0);
			return;
		}
	}
	/*
	 * An ended session's viewer that has everything gets a normal close, once the
	 * data has left.
	 */
	ws_finish(v, !more && v->ended &&
	    (v->cursor >= v->end_seq || v->end_seq == UINT64_MAX));
}

/* The HTTP upgrade. */

static void
ws_http_error(struct ws_client *v, int status, const char *code, const char *msg)
{
	struct json_object	*o = agd_json_error(code, msg);
	const char		*body;
	char			 head[256];
	size_t			 len;
	int			 n;

	body = agd_json_text(o, &len);
	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/json"
	    "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
	    agd_err_reason(status), len);
	if (send(v->fd, head, (size_t)n, MSG_NOSIGNAL) == n)
		send(v->fd, body, len, MSG_NOSIGNAL);
	json_object_put(o);
	ws_client_free(v);
}

static void
ws_upgrade(struct ws_client *v)
{
	struct wslay_event_callbacks	 cb;
	struct json_object		*o;
	struct ws_upgrade		 u;
	struct ws_fail			 f;
	unsigned char			 sha[SHA_DIGEST_LENGTH];
	char				 accept[64], hdr[256], keyguid[128];
	char				*creator;
	int64_t				 id = 0;
	int				 n, ended = 0, role;

	if (ws_parse_upgrade(v->req, agentd_conf, &u, &f) == -1) {
		ws_http_error(v, f.status, f.code, f.msg);
		return;
	}
	if (u.world) {
		ws_http_error(v, 404, "not_found", "no such stream");
		return;
	}
	v->binary = u.binary;
	v->s = session_find(u.name);
	if (v->s == NULL || v->s->state == SESSION_ENDED) {
		v->s = NULL;
		if ((id = persist_lookup(u.name, &ended)) == 0) {
			ws_http_error(v, 404, "not_found", "no such session");
			return;
		}
		xasprintf(&v->dir, "%s/sessions/%lld", agentd_home, (long long)id);
		v->ended = 1;
		v->end_seq = UINT64_MAX;
	} else
		v->dir = xstrdup(v->s->dir);
	v->name = xstrdup(u.name);
	/*
	 * Identity, as nginx established it: it sets these headers itself, and only
	 * nginx can reach this socket.
	 */
	if (agentd_conf->auth == AGD_AUTH_PROXY && u.user[0] == '\0') {
		ws_http_error(v, 401, "unauthenticated", "authentication required");
		return;
	}
	if (u.user[0] != '\0' && !agd_auth_valid_user(u.user)) {
		ws_http_error(v, 400, "bad_request", "malformed user");
		return;
	}
	v->user = xstrdup(u.user[0] != '\0' ? u.user : "local");
	role = agd_auth_role(agentd_conf, v->user, u.groups);
	if (role < AGD_ROLE_VIEWER) {
		ws_http_error(v, 403, "forbidden", "forbidden: needs the viewer role");
		return;
	}
	creator = persist_creator(v->s != NULL ? v->s->id : id);
	v->can_write = agd_auth_may_manage(agentd_conf, role, v->user, creator);
	free(creator);

	/* Where this viewer starts. */
	if (u.has_since)
		v->cursor = u.since;
	else
		v->cursor = agd_seqlog_tail_start(v->dir, v->s != NULL ? v->s->reset_seq : 0,
		    agentd_conf->ws_replay_bytes);

	snprintf(keyguid, sizeof keyguid, "%s%s", u.key, WS_GUID);
	SHA1((unsigned char *)keyguid, strlen(keyguid), sha);
	EVP_EncodeBlock((unsigned char *)accept, sha, sizeof sha);
	n = snprintf(hdr, sizeof hdr, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (send(v->fd, hdr, (size_t)n, MSG_NOSIGNAL) != n) {
		ws_client_free(v);
		return;
	}

	memset(&cb, 0, sizeof cb);
	cb.recv_callback = ws_recv_cb;
	cb.send_callback = ws_send_cb;
	cb.on_msg_recv_callback = ws_msg_cb;
	if (wslay_event_context_server_init(&v->ctx, &cb, v) != 0)
		fatalx("wslay_event_context_server_init failed");
	wslay_event_config_set_max_recv_msg_length(v->ctx, WS_MSG_MAX);
	v->state = WS_OPEN;
	free(v->req);
	v->req = NULL;
	event_del(v->tev);
	if (v->s != NULL)
		TAILQ_INSERT_TAIL(&v->s->viewers, v, sentry);

	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("hello"));
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "seq", json_object_new_int64(
	    v->s != NULL ? (int64_t)v->s->seq : 0));
	json_object_object_add(o, "since", json_object_new_int64((int64_t)v->cursor));
	json_object_object_add(o, "status", json_object_new_string(
	    v->s != NULL ? "running" : "ended"));
	if (v->s != NULL) {
		json_object_object_add(o, "cols", json_object_new_int(v->s->cols));
		json_object_object_add(o, "rows", json_object_new_int(v->s->rows));
	}
	json_object_object_add(o, "format",
	    json_object_new_string(v->binary ? "binary" : "json"));
	ws_queue_json(v, o);
	ws_pump(v);
}

static void
ws_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_client	*v = arg;
	ssize_t			 n;

	(void)fd;
	(void)what;
	if (v->state == WS_OPEN) {
		ws_ws_read(v);
		return;
	}
	n = read(v->fd, v->req + v->req_len, WS_REQUEST_MAX - v->req_len);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		ws_client_free(v);
		return;
	}
	v->req_len += (size_t)n;
	v->req[v->req_len] = '\0';
	if (strstr(v->req, "\r\n\r\n") != NULL) {
		if (memchr(v->req, '\0', v->req_len) != NULL) {
			ws_http_error(v, 400, "bad_request", "NUL in request");
			return;
		}
		ws_upgrade(v);
		return;
	}
	if (v->req_len == WS_REQUEST_MAX)
		ws_http_error(v, 431, "too_large", "request headers too large");
}

static void
ws_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ws_client_free(arg);
}

static void
ws_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct ws_client	*v;
	struct timeval		 tv = { WS_HANDSHAKE_MS / 1000, 0 };
	int			 fd;

	(void)what;
	(void)arg;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	if (ws_count >= agentd_conf->ws_max_viewers) {
		close(fd);
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->fd = fd;
	v->req = xmalloc(WS_REQUEST_MAX + 1);
	v->rev = event_new(agentd_base, fd, EV_READ | EV_PERSIST, ws_read_cb, v);
	v->wev = event_new(agentd_base, fd, EV_WRITE, ws_write_cb, v);
	v->tev = evtimer_new(agentd_base, ws_timeout_cb, v);
	event_add(v->rev, NULL);
	event_add(v->tev, &tv);
	TAILQ_INSERT_TAIL(&ws_clients, v, entry);
	ws_count++;
}

/*
 * Close without a reset: a close() with unread input makes the kernel send RST,
 * and nginx may then drop the close frame we just sent.
 */
struct ws_linger {
	int				 fd;
	struct event			*ev;
	struct event			*tev;
	TAILQ_ENTRY(ws_linger)		 entry;
};
static TAILQ_HEAD(, ws_linger)	 ws_lingers = TAILQ_HEAD_INITIALIZER(ws_lingers);

static void
ws_linger_free(struct ws_linger *l)
{
	TAILQ_REMOVE(&ws_lingers, l, entry);
	event_free(l->ev);
	event_free(l->tev);
	close(l->fd);
	free(l);
}

static void
ws_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_linger	*l = arg;
	char			 buf[16384];
	ssize_t			 n;
	int			 i;

	if (what & EV_TIMEOUT) {
		ws_linger_free(l);
		return;
	}
	for (i = 0; i < 64; i++) {
		n = read(fd, buf, sizeof buf);
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		ws_linger_free(l);		/* EOF or error: the peer is done */
		return;
	}
}

/*
 * Hang up without a reset: our side is shut, and what the peer still sends (the
 * rest of an oversized frame, say) is read and dropped for up to 2 s, so that the
 * close frame we sent is not lost to an RST on the way through nginx.
 */
static void
ws_hangup(int fd)
{
	struct ws_linger	*l;
	struct timeval		 tv = { 2, 0 };

	shutdown(fd, SHUT_WR);
	l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->ev = event_new(agentd_base, fd, EV_READ | EV_PERSIST, ws_linger_cb, l);
	l->tev = evtimer_new(agentd_base, ws_linger_cb, l);
	event_add(l->ev, NULL);
	event_add(l->tev, &tv);
	TAILQ_INSERT_TAIL(&ws_lingers, l, entry);
}

static void
ws_client_free(struct ws_client *v)
{
	if (v->state == WS_OPEN && v->s != NULL)
		TAILQ_REMOVE(&v->s->viewers, v, sentry);
	TAILQ_REMOVE(&ws_clients, v, entry);
	ws_count--;
	event_free(v->rev);
	event_free(v->wev);
	event_free(v->tev);
	if (v->ctx != NULL)
		wslay_event_context_free(v->ctx);
	if (v->on_disk)
		agd_seqlog_cur_close(&v->cur);
	ws_hangup(v->fd);
	free(v->req);
	free(v->rbuf);
	free(v->dir);
	free(v->name);
	free(v->user);
	free(v);
}

/*
 * Pings: a JSON ping for the application and a WebSocket ping for the connection;
 * a viewer that has not answered two pings is gone.
 */
static void
ws_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_client	*v, *next;
	struct json_object	*o;
	struct wslay_event_msg	 m;
	struct timespec		 ts;

	(void)fd;
	(void)what;
	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (v = TAILQ_FIRST(&ws_clients); v != NULL; v = next) {
		next = TAILQ_NEXT(v, entry);
		if (v->state != WS_OPEN || v->closing)
			continue;
		if (v->pings >= 2) {
			ws_client_free(v);
			continue;
		}
		v->pings++;
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("ping"));
		json_object_object_add(o, "ts", json_object_new_int64(
		    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
		ws_queue_json(v, o);
		m.opcode = WSLAY_PING;
		m.msg = (const uint8_t *)"agentd";
		m.msg_length = 6;
		wslay_event_queue_msg(v->ctx, &m);
		ws_flush(v);
	}
}

void
ws_init(const char *path)
{
	struct timeval	tv;

	ws_listen_fd = server_bind(path);
	if (listen(ws_listen_fd, 128) == -1)
		fatal("listen %s", path);
	ws_listen_ev = event_new(agentd_base, ws_listen_fd, EV_READ | EV_PERSIST,
	    ws_accept_cb, NULL);
	event_add(ws_listen_ev, NULL);
	tv.tv_sec = agentd_conf->ws_ping_ms / 1000;
	tv.tv_usec = (agentd_conf->ws_ping_ms % 1000) * 1000;
	ws_ping_ev = event_new(agentd_base, -1, EV_PERSIST, ws_ping_cb, NULL);
	event_add(ws_ping_ev, &tv);
}

void
ws_close_all(void)
{
	struct ws_client	*v;

	while ((v = TAILQ_FIRST(&ws_clients)) != NULL)
		ws_client_free(v);
	while (!TAILQ_EMPTY(&ws_lingers))
		ws_linger_free(TAILQ_FIRST(&ws_lingers));
	if (ws_listen_ev != NULL) {
		event_free(ws_listen_ev);
		event_free(ws_ping_ev);
		close(ws_listen_fd);
	}
	ws_listen_ev = NULL;
}

/* A new record of s: keep it in the ring and let every viewer pull it. */
static void
ws_session_add(struct session *s, uint64_t seq, int type, const void *p, size_t n)
{
	struct ws_client	*v, *next;

	ws_ring_add(s, seq, type, p, n);
	for (v = TAILQ_FIRST(&s->viewers); v != NULL; v = next) {
		next = TAILQ_NEXT(v, sentry);
		ws_pump(v);
	}
}

void
ws_session_output(struct session *s, uint64_t seq, const void *p, size_t n)
{
	ws_session_add(s, seq, AGD_REC_TTY, p, n);
}

void
ws_session_event(struct session *s, uint64_t seq, const char *json, size_t n)
{
	ws_session_add(s, seq, AGD_REC_EVENT, json, n);
}

/* The session is ending: viewers finish from the log, then get a normal close. */
void
ws_session_ended(struct session *s)
{
	struct ws_client	*v, *next;

	for (v = TAILQ_FIRST(&s->viewers); v != NULL; v = next) {
		next = TAILQ_NEXT(v, sentry);
		TAILQ_REMOVE(&s->viewers, v, sentry);
		v->s = NULL;
		v->ended = 1;
		v->end_seq = s->seq;
		ws_pump(v);
	}
	ws_ring_free(s);
}

void
ws_session_reset(struct session *s)
{
	(void)s;
}

/* The session is being freed (daemon exit): drop its ring. */
void
ws_session_free(struct session *s)
{
	ws_ring_free(s);
}
