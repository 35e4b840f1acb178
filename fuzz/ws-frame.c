/*
 * libFuzzer target: WebSocket frames from a client, through wslay's server context
 * exactly as the daemon sets it up, into the message parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "util.h"
#include "ws-parse.h"

struct feed {
	const uint8_t	*p;
	size_t		 n;
};

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *arg)
{
	struct feed	*f = arg;

	(void)flags;
	if (f->n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	if (len > f->n)
		len = f->n;
	/* Dribble: at most 7 bytes at a time, to exercise split frames. */
	if (len > 7)
		len = 7;
	memcpy(buf, f->p, len);
	f->p += len;
	f->n -= len;
	return ((ssize_t)len);
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
    void *arg)
{
	(void)ctx; (void)data; (void)flags; (void)arg;
	return ((ssize_t)len);
}

static void
msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
    void *arg)
{
	struct ws_msg	m;
	struct ws_fail	f;

	(void)ctx;
	(void)arg;
	if (a->opcode == WSLAY_TEXT_FRAME &&
	    agd_utf8_valid((const char *)a->msg, a->msg_length)) {
		ws_parse_msg(a->msg, a->msg_length, &m, &f);
		ws_msg_free(&m);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wslay_event_callbacks	cb;
	wslay_event_context_ptr		ctx;
	struct feed			f = { data, size };
	int				i;

	memset(&cb, 0, sizeof cb);
	cb.recv_callback = recv_cb;
	cb.send_callback = send_cb;
	cb.on_msg_recv_callback = msg_cb;
	if (wslay_event_context_server_init(&ctx, &cb, &f) != 0)
		abort();
	wslay_event_config_set_max_recv_msg_length(ctx, 1024 * 1024);
	for (i = 0; i < 64 && f.n > 0; i++) {
		if (wslay_event_recv(ctx) != 0)
			break;
		if (wslay_event_want_write(ctx))
			wslay_event_send(ctx);
	}
	wslay_event_context_free(ctx);
	return (0);
}
