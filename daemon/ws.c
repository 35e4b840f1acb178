/*
 * One WebSocket viewer's life, after ws-server.c accepted it and until it is hung
 * up: the handshake deadline, the wslay glue (its I/O callbacks and the messages
 * a viewer sends), the pump that pulls records from the ring (ws-ring.c) or the
 * log, pings, and what a session tells its viewers (output, events, its end).
 * See ws.h for how the pieces fit.
 *
 * A viewer is dropped (ws_client_drop), never freed on the spot: a failed send
 * can come deep inside its own read (wslay_event_recv -> its message -> session
 * -> the pump -> send), and wslay still holds the viewer when that returns. The
 * loop frees dropped viewers once the callback is over (ws_reap_cb).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wslay/wslay.h>

#include "agentd.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "ws-parse.h"
#include "ws.h"
#include "xmalloc.h"

/* From accept to a complete upgrade request. */
#define WS_HANDSHAKE_MS		10000
/* The largest message a viewer may send (input, a message's text). */
#define WS_MSG_MAX		(1024 * 1024)
/* After our close frame, how long the peer has to answer it. */
#define WS_CLOSE_WAIT_MS	2000
/* Pings a viewer may leave unanswered before it is dropped. */
#define WS_PINGS_MAX		2
/* Rounds of queue-and-send a viewer reading the log gets before it yields. */
#define WS_PUMP_ROUNDS		8
/* Records a chat viewer gathers for its replay in one round. */
#define WS_REPLAY_BATCH		512

static TAILQ_HEAD(ws_client_list, ws_client) ws_clients =
    TAILQ_HEAD_INITIALIZER(ws_clients);
static int			 ws_count;
/* Dropped viewers, freed by ws_reap_cb once the callback that dropped them is over. */
static struct ws_client_list	 ws_dead = TAILQ_HEAD_INITIALIZER(ws_dead);
static struct event		*ws_reap_ev;

static void	ws_pump(struct ws_client *);
static void	ws_session_note(struct session *, const struct session_note *, void *);

void
ws_queue(struct ws_client *v, int opcode, const void *p, size_t n)
{
	struct wslay_event_msg	m;

	m.opcode = (uint8_t)opcode;
	m.msg = p;
	m.msg_length = n;
	if (wslay_event_queue_msg(v->ctx, &m) != 0)
		v->closing = 1;
}

void
ws_queue_json(struct ws_client *v, struct json_object *o)
{
	const char	*text;
	size_t		 len;

	text = agd_json_text(o, &len);
	ws_queue(v, WSLAY_TEXT_FRAME, text, len);
	json_object_put(o);
}

void
ws_queue_error(struct ws_client *v, const char *code, const char *msg)
{
	struct json_object	*o = agd_json_error(code, msg);

	json_object_object_add(o, "type", json_object_new_string("error"));
	ws_queue_json(v, o);
}

void
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
	struct timeval	tv = { WS_CLOSE_WAIT_MS / 1000, (WS_CLOSE_WAIT_MS % 1000) * 1000 };

	if (v->dead)
		return (1);
	if (wslay_event_want_write(v->ctx) && wslay_event_send(v->ctx) != 0) {
		ws_client_drop(v);
		return (1);
	}
	if (wslay_event_want_write(v->ctx)) {
		event_add(v->wev, NULL);
		return (0);
	}
	if (!wslay_event_want_read(v->ctx) ||
	    (wslay_event_get_close_sent(v->ctx) && wslay_event_get_close_received(v->ctx))) {
		ws_client_drop(v);
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
	if (v->dead) {
		/* Dropped inside this wslay_event_recv: read nothing more. */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
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

	if (v->dead) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return (-1);
	}
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

void
ws_msg_apply(struct ws_client *v, const struct ws_msg *mp)
{
	const struct ws_msg	m = *mp;
	enum agd_err		code;

	if (!v->can_write) {
		ws_queue_error(v, "forbidden", "forbidden: input needs the operator role"
		    " (and, for another user's session, the admin role)");
		ws_audit_frame(v, WS_AUDIT_REFUSED, 403, m.len, "forbidden");
		return;
	}
	if (v->s == NULL || v->s->state == SESSION_ENDED) {
		ws_queue_error(v, "session_ended", "session has ended");
		ws_audit_frame(v, WS_AUDIT_REFUSED, 409, m.len, "session_ended");
		return;
	}
	switch (m.type) {
	case WS_MSG_INPUT:
		if (!session_takes_keys(v->s)) {
			ws_queue_error(v, agd_err_word(AGD_ERR_NOT_A_TERMINAL),
			    "a stream session takes messages, not keys");
			break;
		}
		if (session_input(v->s, m.data, m.len) == -1) {
			ws_queue_error(v, agd_err_word(AGD_ERR_INPUT_FULL),
			    "the terminal is not reading its input");
			ws_audit_frame(v, WS_AUDIT_REFUSED, agd_err_code_status(
			    AGD_ERR_INPUT_FULL), m.len, agd_err_word(AGD_ERR_INPUT_FULL));
			break;
		}
		session_note_input(v->s, v->user, m.len);
		ws_audit_frame(v, WS_AUDIT_INPUT, 200, m.len, NULL);
		break;
	case WS_MSG_RESIZE:
		session_resize(v->s, m.cols, m.rows);
		ws_audit_frame(v, WS_AUDIT_RESIZE, 200, 0, NULL);
		break;
	case WS_MSG_MESSAGE:
		if (session_message(v->s, m.data, v->user, NULL, &code) == -1) {
			ws_queue_error(v, agd_err_word(code), code == AGD_ERR_QUEUE_FULL ?
			    "too many messages wait for the agent" : code == AGD_ERR_CAPPED ?
			    "the session reached its cost or token cap" :
			    "the terminal is not reading its input");
			/* Refused ones are frames like any: a flood of them is counted. */
			ws_audit_frame(v, WS_AUDIT_REFUSED, agd_err_code_status(code),
			    m.len, agd_err_word(code));
		} else
			ws_audit_frame(v, WS_AUDIT_MESSAGE, 200, m.len, NULL);
		break;
	}
}

/* A message from the viewer: input, resize or message. */
static void
ws_client_message(struct ws_client *v, const uint8_t *p, size_t n)
{
	struct ws_msg	m;
	struct ws_fail	f;

	if (ws_parse_msg(p, n, &m, &f) == -1) {
		ws_queue_error(v, f.code, f.msg);
		ws_audit_frame(v, WS_AUDIT_REFUSED, f.status, n, f.code);
	} else
		ws_msg_apply(v, &m);
	ws_msg_free(&m);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *m,
    void *arg)
{
	struct ws_client	*v = arg;

	(void)ctx;
	if (v->dead)
		return;		/* an earlier message of this read dropped it */
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
		if (!agd_utf8_valid((const char *)m->msg, m->msg_length)) {
			ws_close_with(v, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
			    "invalid UTF-8");
			return;
		}
		if (v->seed)
			ws_seed_text(v, m->msg, m->msg_length);
		else
			ws_client_message(v, m->msg, m->msg_length);
		break;
	case WSLAY_BINARY_FRAME:
		if (v->seed)
			ws_seed_binary(v, m->msg, m->msg_length);
		else {
			ws_queue_error(v, "invalid_field", "binary messages are not accepted");
			ws_audit_frame(v, WS_AUDIT_REFUSED, 400, m->msg_length, "invalid_field");
		}
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
		ws_client_drop(v);
		return;
	}
	ws_pump(v);
}

static void
ws_ws_read(struct ws_client *v)
{
	/* The messages of this read are handled inside: one of them may drop v. */
	if (wslay_event_recv(v->ctx) != 0) {
		/* A broken frame: send the close wslay queued, if it can go, and hang up. */
		if (!v->dead && wslay_event_want_write(v->ctx))
			wslay_event_send(v->ctx);
		ws_client_drop(v);
		return;
	}
	if (v->dead)
		return;
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
	if (v->seed) {
		/* The seed protocol has no word for a gap. */
		v->cursor = r.seq;
		ws_seed_rec(v, r.type, (uint8_t *)v->rbuf, r.len);
		return (1);
	}
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
		uint8_t	*b = xmalloc(WS_SEQ_LEN + r.len);

		ws_put_seq(b, r.seq);
		memcpy(b + WS_SEQ_LEN, v->rbuf, r.len);
		ws_queue(v, WSLAY_BINARY_FRAME, b, WS_SEQ_LEN + r.len);
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
	const char	*json;
	size_t		 len;

	if ((r = ws_ring_find(v->w != NULL ? &v->w->ring : NULL, v->cursor + 1)) == NULL) {
		if (v->s != NULL && v->cursor >= v->s->seq)
			return (0);		/* caught up */
		return (ws_next_disk(v));
	}
	if (v->on_disk) {
		agd_seqlog_cur_close(&v->cur);
		v->on_disk = 0;
	}
	v->cursor = r->seq;
	if (v->seed) {
		ws_seed_rec(v, r->type, r->bin + WS_SEQ_LEN, r->len);
		return (1);
	}
	if (v->binary && r->type == AGD_REC_TTY) {
		ws_queue(v, WSLAY_BINARY_FRAME, r->bin, WS_SEQ_LEN + r->len);
		return (1);
	}
	json = ws_rec_json(&v->w->ring, r, &len);
	ws_queue(v, WSLAY_TEXT_FRAME, json, len);
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
		ws_close_with(v, WSLAY_CODE_NORMAL_CLOSURE,
		    v->seed ? ws_seed_reason(v) : "session ended");
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
	int	more = 1, rounds = 0, n = 0;

	if (v->state != WS_OPEN || v->dead)
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
			/* A replay being gathered queues nothing: yield now and then. */
			if (v->replaying && ++n % WS_REPLAY_BATCH == 0)
				break;
		}
		if (!more && v->replaying && !v->closing) {
			ws_chat_caught_up(v);
			more = 1;
			continue;
		}
		if (!more || v->closing)
			break;
		if (ws_flush(v))
			return;
		if (wslay_event_want_write(v->ctx))
			return;		/* the socket is full: the write callback resumes */
		if (++rounds == WS_PUMP_ROUNDS) {
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

static void
ws_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_client	*v = arg;

	(void)fd;
	(void)what;
	if (v->state == WS_OPEN)
		ws_ws_read(v);
	else
		ws_handshake_read(v);
}

static void
ws_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ws_client_drop(arg);
}

struct ws_client *
ws_client_new(int fd)
{
	struct ws_client	*v;
	struct timeval		 tv = { WS_HANDSHAKE_MS / 1000, 0 };

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
	return (v);
}

int
ws_client_count(void)
{
	return (ws_count);
}

int
ws_user_full(struct ws_client *v)
{
	struct ws_client	*o;
	int			 n = 0;

	TAILQ_FOREACH(o, &ws_clients, entry) {
		if (o != v && o->user != NULL && strcmp(o->user, v->user) == 0)
			n++;
	}
	return (n >= agentd_conf->ws_max_per_user);
}

uint64_t
ws_replay_start(struct ws_client *v)
{
	/* A live session's log knows its tail; an ended one's is read once. */
	if (v->s != NULL && v->s->log.fd != -1)
		return (agd_seqlog_tail(&v->s->log, v->s->reset_seq,
		    agentd_conf->ws_replay_bytes));
	return (agd_seqlog_tail_start(v->dir, 0, agentd_conf->ws_replay_bytes));
}

/*
 * The hello's status, state and phase: the session object's (lib/store.c), so
 * that they are the list's, the detail's and the world's (README "Status, state
 * and phase"). A live session is "running" even if its row is not yet readable.
 */
static void
ws_hello_status(struct ws_client *v, struct json_object *o)
{
	struct json_object	*so, *f;
	int64_t			 id;
	int			 ended;
	const char		*k[] = { "status", "state", "phase" };
	size_t			 i;

	id = v->s != NULL ? v->s->id : persist_lookup(v->name, &ended);
	so = id != 0 ? persist_session_json(id) : NULL;
	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		if (so != NULL && json_object_object_get_ex(so, k[i], &f))
			json_object_object_add(o, k[i], json_object_get(f));
		else
			json_object_object_add(o, k[i], json_object_new_string(
			    v->s != NULL ? "running" : "exited"));
	}
	json_object_put(so);
}

void
ws_open(struct ws_client *v)
{
	struct wslay_event_callbacks	 cb;
	struct json_object		*o;

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
	if (v->s != NULL) {
		v->w = session_subscriber(v->s, ws_session_note);
		TAILQ_INSERT_TAIL(&v->w->viewers, v, sentry);
	}

	if (v->seed) {
		ws_seed_open(v);
		ws_pump(v);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("hello"));
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "seq", json_object_new_int64(
	    v->s != NULL ? (int64_t)v->s->seq : 0));
	json_object_object_add(o, "since", json_object_new_int64((int64_t)v->cursor));
	ws_hello_status(v, o);
	if (v->s != NULL) {
		json_object_object_add(o, "cols", json_object_new_int(v->s->cols));
		json_object_object_add(o, "rows", json_object_new_int(v->s->rows));
	}
	json_object_object_add(o, "format",
	    json_object_new_string(v->binary ? "binary" : "json"));
	ws_queue_json(v, o);
	ws_pump(v);
}

/* Hang v up and free it: from ws_reap_cb, or at exit. */
static void
ws_client_release(struct ws_client *v)
{
	ws_audit_close(v);
	event_free(v->rev);
	event_free(v->wev);
	event_free(v->tev);
	if (v->ctx != NULL)
		wslay_event_context_free(v->ctx);
	if (v->on_disk)
		agd_seqlog_cur_close(&v->cur);
	json_object_put(v->chat_replay);
	json_object_put(v->chat_exit);
	ws_hangup(v->fd);
	free(v->req);
	free(v->rbuf);
	free(v->dir);
	free(v->name);
	free(v->user);
	free(v);
}

static void
ws_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_client	*v;

	(void)fd;
	(void)what;
	(void)arg;
	while ((v = TAILQ_FIRST(&ws_dead)) != NULL) {
		TAILQ_REMOVE(&ws_dead, v, entry);
		ws_client_release(v);
	}
}

void
ws_client_drop(struct ws_client *v)
{
	if (v->dead)
		return;
	v->dead = 1;
	if (v->w != NULL)
		TAILQ_REMOVE(&v->w->viewers, v, sentry);
	v->w = NULL;
	TAILQ_REMOVE(&ws_clients, v, entry);
	ws_count--;
	event_del(v->rev);
	event_del(v->wev);
	event_del(v->tev);
	TAILQ_INSERT_TAIL(&ws_dead, v, entry);
	if (ws_reap_ev == NULL)
		ws_reap_ev = event_new(agentd_base, -1, 0, ws_reap_cb, NULL);
	event_active(ws_reap_ev, EV_TIMEOUT, 0);
}

/*
 * Pings: a JSON ping for the application and a WebSocket ping for the connection;
 * a viewer that has not answered two pings is gone.
 */
void
ws_ping_all(void)
{
	struct ws_client	*v, *next;
	struct json_object	*o;
	struct wslay_event_msg	 m;
	struct timespec		 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (v = TAILQ_FIRST(&ws_clients); v != NULL; v = next) {
		next = TAILQ_NEXT(v, entry);
		if (v->state != WS_OPEN || v->closing)
			continue;
		if (v->pings >= WS_PINGS_MAX) {
			ws_client_drop(v);
			continue;
		}
		v->pings++;
		if (!v->seed) {
			/* The seed protocol's clients would take it for an event. */
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string("ping"));
			json_object_object_add(o, "ts", json_object_new_int64(
			    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
			ws_queue_json(v, o);
		}
		m.opcode = WSLAY_PING;
		m.msg = (const uint8_t *)"agentd";
		m.msg_length = 6;
		wslay_event_queue_msg(v->ctx, &m);
		ws_flush(v);
	}
}

void
ws_client_free_all(void)
{
	struct ws_client	*v;

	while ((v = TAILQ_FIRST(&ws_clients)) != NULL)
		ws_client_drop(v);
	ws_reap_cb(-1, 0, NULL);
	if (ws_reap_ev != NULL)
		event_free(ws_reap_ev);
	ws_reap_ev = NULL;
}

/* A new record of s: keep it in the ring and let every viewer pull it. */
static void
ws_session_add(struct ws_session *w, uint64_t seq, int type, const void *p, size_t n)
{
	struct ws_client	*v, *next;

	ws_ring_add(&w->ring, seq, type, p, n);
	for (v = TAILQ_FIRST(&w->viewers); v != NULL; v = next) {
		next = TAILQ_NEXT(v, sentry);
		ws_pump(v);
	}
}

/* The session has ended: viewers finish from the log, then get a normal close. */
static void
ws_session_ended(struct session *s, struct ws_session *w)
{
	struct ws_client	*v, *next;

	for (v = TAILQ_FIRST(&w->viewers); v != NULL; v = next) {
		next = TAILQ_NEXT(v, sentry);
		TAILQ_REMOVE(&w->viewers, v, sentry);
		v->s = NULL;
		v->w = NULL;
		v->ended = 1;
		v->end_seq = s->seq;
		ws_pump(v);
	}
	ws_ring_clear(&w->ring);
}

/* What a session tells its viewers (the subscription of ws_session_watch). */
static void
ws_session_note(struct session *s, const struct session_note *n, void *arg)
{
	struct ws_session	*w = arg;

	switch (n->type) {
	case SESSION_NOTE_OUTPUT:
		ws_session_add(w, n->seq, AGD_REC_TTY, n->data, n->len);
		break;
	case SESSION_NOTE_EVENT:
		ws_session_add(w, n->seq, AGD_REC_EVENT, n->data, n->len);
		break;
	case SESSION_NOTE_ENDED:
		ws_session_ended(s, w);
		break;
	case SESSION_NOTE_FREED:
		ws_ring_clear(&w->ring);
		free(w);
		break;
	default:
		break;
	}
}

static void *
ws_session_new(struct session *s)
{
	struct ws_session	*w;

	(void)s;
	w = xcalloc(1, sizeof *w);
	ws_ring_init(&w->ring);
	TAILQ_INIT(&w->viewers);
	return (w);
}

void
ws_session_watch(void)
{
	session_subscribe_all(SESSION_SUB_WS, ws_session_note, ws_session_new);
}
