/*
 * The recent output of a session, kept in memory for its viewers (the ring), and
 * the frames made of a record: binary (seq + bytes) or JSON text. A record's text
 * frame is built once, by the first viewer that needs it, and shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "agentd.h"
#include "util.h"
#include "ws.h"
#include "xmalloc.h"

/* Room for the start of a text frame: its type, the seq and the field names. */
#define WS_FRAME_HEAD	64
/* The same for base64 output, whose head names the encoding too. */
#define WS_FRAME_HEAD64	128
/* A byte escaped in a JSON string takes at most this many (\u00XX). */
#define WS_ESCAPE_MAX	6

void
ws_put_seq(uint8_t *b, uint64_t seq)
{
	int	i;

	for (i = 0; i < WS_SEQ_LEN; i++)
		b[i] = (uint8_t)(seq >> (56 - 8 * i));
}

void
ws_ring_init(struct ws_ring *ring)
{
	TAILQ_INIT(&ring->recs);
	ring->bytes = 0;
}

static void
ws_rec_free(struct ws_rec *r)
{
	free(r->json);
	free(r);
}

void
ws_ring_add(struct ws_ring *ring, uint64_t seq, int type, const void *p, size_t n)
{
	struct ws_rec	*r, *old;

	r = xmalloc(sizeof *r + WS_SEQ_LEN + n);
	r->seq = seq;
	r->type = type;
	r->len = n;
	r->json = NULL;
	r->json_len = 0;
	ws_put_seq(r->bin, seq);
	memcpy(r->bin + WS_SEQ_LEN, p, n);
	TAILQ_INSERT_TAIL(&ring->recs, r, entry);
	ring->bytes += sizeof *r + n;
	while (ring->bytes > agentd_conf->ws_ring_bytes &&
	    (old = TAILQ_FIRST(&ring->recs)) != r) {
		TAILQ_REMOVE(&ring->recs, old, entry);
		ring->bytes -= sizeof *old + old->len + old->json_len;
		ws_rec_free(old);
	}
}

void
ws_ring_clear(struct ws_ring *ring)
{
	struct ws_rec	*r;

	while ((r = TAILQ_FIRST(&ring->recs)) != NULL) {
		TAILQ_REMOVE(&ring->recs, r, entry);
		ws_rec_free(r);
	}
	ring->bytes = 0;
}

/* Viewers are mostly near the tail: search from there. */
struct ws_rec *
ws_ring_find(struct ws_ring *ring, uint64_t seq)
{
	struct ws_rec	*r;

	if (ring == NULL)
		return (NULL);
	r = TAILQ_FIRST(&ring->recs);
	if (r == NULL || seq < r->seq)
		return (NULL);
	TAILQ_FOREACH_REVERSE(r, &ring->recs, ws_rec_list, entry) {
		if (r->seq == seq)
			return (r);
		if (r->seq < seq)
			break;
	}
	return (NULL);
}

const char *
ws_rec_json(struct ws_ring *ring, struct ws_rec *r, size_t *len)
{
	if (r->json == NULL) {
		r->json = ws_encode(r->seq, r->type, r->bin + WS_SEQ_LEN, r->len,
		    &r->json_len);
		ring->bytes += r->json_len;
	}
	*len = r->json_len;
	return (r->json);
}

/*
 * Terminal output is sent as a JSON string when it is valid UTF-8 (records are cut
 * on character boundaries), else as base64 so that no byte is lost.
 */
char *
ws_encode(uint64_t seq, int type, const uint8_t *p, size_t n, size_t *len)
{
	char	*buf, *o;
	ssize_t	 e;
	int	 k;

	if (type == AGD_REC_EVENT) {
		buf = xmalloc(n + WS_FRAME_HEAD);
		k = snprintf(buf, WS_FRAME_HEAD,
		    "{\"type\":\"json_event\",\"seq\":%llu,\"event\":",
		    (unsigned long long)seq);
		memcpy(buf + k, p, n);
		buf[k + n] = '}';
		*len = (size_t)k + n + 1;
		return (buf);
	}
	buf = xreallocarray(NULL, n + WS_FRAME_HEAD / WS_ESCAPE_MAX + 1, WS_ESCAPE_MAX);
	k = snprintf(buf, WS_FRAME_HEAD, "{\"type\":\"tty_data\",\"seq\":%llu,"
	    "\"data\":\"", (unsigned long long)seq);
	if ((e = agd_json_escape_utf8(buf + k, p, n)) != -1) {
		o = buf + k + e;
		memcpy(o, "\"}", 2);
		*len = (size_t)(o - buf) + 2;
		/* Room for the worst case was taken: give the rest back. */
		return (xrealloc(buf, *len));
	}
	free(buf);
	buf = xmalloc(4 * (n / 3 + 1) + WS_FRAME_HEAD64);
	k = snprintf(buf, WS_FRAME_HEAD64, "{\"type\":\"tty_data\",\"seq\":%llu,"
	    "\"encoding\":\"base64\",\"data\":\"", (unsigned long long)seq);
	o = buf + k;
	o += EVP_EncodeBlock((unsigned char *)o, p, (int)n);
	memcpy(o, "\"}", 2);
	*len = (size_t)(o - buf) + 2;
	return (buf);
}
