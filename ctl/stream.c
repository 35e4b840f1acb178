/*
 * agentctl session stream: the WebSocket of one session in binary format,
 * the sequence number of the last record seen, and a reconnect that asks
 * for since=that number, so a dropped connection loses nothing and repeats
 * nothing (a record at or before the last one seen is dropped).
 */
#include <stdlib.h>
#include <string.h>

#include "agentctl.h"

/* Reconnect delays: the first retry after this many ms, doubling up to the cap. */
#define STREAM_BACKOFF_MS	100
#define STREAM_BACKOFF_MAX_MS	1000

/* 1 if a record numbered seq was already seen (and so is dropped). */
static int
stream_seen(struct stream *s, int64_t seq)
{
	if (seq < 0)
		return (0);
	if (s->seq >= 0 && seq <= s->seq)
		return (1);
	s->seq = seq;
	return (0);
}

static void
stream_text(void *arg, const char *p, size_t len)
{
	struct stream		*s = arg;
	struct json_tokener	*tok;
	struct json_object	*j;
	const char		*type;

	if ((tok = json_tokener_new()) == NULL)
		return;
	j = json_tokener_parse_ex(tok, p, (int)len);
	json_tokener_free(tok);
	if (j == NULL)
		return;
	type = json_str(j, "type");
	if (type == NULL || strcmp(type, "ping") == 0) {
		/* nothing */
	} else if (strcmp(type, "hello") == 0) {
		if (s->seq < 0)
			s->seq = json_int(j, "since", 0);
	} else if (strcmp(type, "tty_data") == 0 || strcmp(type, "json_event") == 0) {
		if (!stream_seen(s, json_int(j, "seq", -1)) && s->message != NULL)
			s->message(s, j);
	} else if (strcmp(type, "resync") == 0) {
		if (json_int(j, "seq", -1) > s->seq)
			s->seq = json_int(j, "seq", -1);
		if (s->message != NULL)
			s->message(s, j);
	} else if (s->message != NULL)
		s->message(s, j);
	json_object_put(j);
}

static void
stream_binary(void *arg, const uint8_t *p, size_t len)
{
	struct stream	*s = arg;
	uint64_t	 seq = 0;
	int		 i;

	if (len < 8)
		return;
	for (i = 0; i < 8; i++)
		seq = seq << 8 | p[i];
	if (stream_seen(s, (int64_t)seq))
		return;
	if (s->output != NULL)
		s->output(s, p + 8, len - 8);
}

static const struct ws_cb stream_cb = {
	.text = stream_text,
	.binary = stream_binary
};

int
stream_connect(struct stream *s, int64_t since0, int quiet, long *status)
{
	struct buf	 path = { 0 };
	char		*name, *tok;
	int64_t		 since = s->seq >= 0 ? s->seq : since0;
	int		 rc;

	name = http_escape(s->name);
	buf_printf(&path, "/api/agents/sessions/%s?format=binary", name);
	free(name);
	if (since >= 0)
		buf_printf(&path, "&since=%lld", (long long)since);
	if (ctl_opts.token != NULL && ctl_opts.userpwd == NULL) {
		tok = http_escape(ctl_opts.token);
		buf_printf(&path, "&access_token=%s", tok);
		free(tok);
	}
	rc = ws_open(&s->ws, path.data, &stream_cb, s, quiet, status);
	buf_free(&path);
	return (rc);
}

int
stream_io(struct stream *s, short revents)
{
	int	r, code = 0;

	if (s->ws == NULL)
		return (-1);
	r = ws_io(s->ws, revents, &code);
	if (r == 0)
		return (0);
	stream_close(s);
	if (r == 1 && code == 1000) {
		s->ended = 1;
		s->close_code = code;
		return (1);
	}
	return (-1);
}

int
stream_send(struct stream *s, struct json_object *j)
{
	const char	*text;

	if (s->ws == NULL)
		return (-1);
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	ws_send_text(s->ws, text, strlen(text));
	return (0);
}

void
stream_close(struct stream *s)
{
	ws_close(s->ws);
	s->ws = NULL;
}

int
stream_backoff(int n)
{
	int	ms = STREAM_BACKOFF_MS;

	while (n-- > 0 && ms < STREAM_BACKOFF_MAX_MS)
		ms *= 2;
	return (ms > STREAM_BACKOFF_MAX_MS ? STREAM_BACKOFF_MAX_MS : ms);
}
