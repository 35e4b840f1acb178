/*
 * The fan-out's reference: a WebSocket broadcaster that costs next to nothing,
 * behind the same nginx as agentd's stream (bench/run adds a location for it, as
 * it does for fcgi-mini), so that wsbench's fanout mode measures what that nginx
 * carries when the server behind it does no work.
 *
 *	wsbcast -s SOCKET -e BYTES -f FRAME [-g]
 *
 * Listens on the Unix socket SOCKET (mode 0600, lib/sock.c).  Every viewer that upgrades gets a hello
 * message ({"type":"hello","seq":0}, as agentd's first message), then BYTES
 * bytes of the fan-out's output (the `yes` lines of 74 characters bench/run's
 * agent prints, with ONLCR's \r\n) as binary frames in agentd's binary format
 * (an 8-byte big-endian seq, then at most FRAME bytes of output), then a close
 * frame (1000).  The frames are built once at start and every viewer is sent
 * them from that same memory: wslay's frame layer writes the header and then
 * the payload straight from it, no copy per viewer.
 *
 * -g: send no output until some viewer sends a text message (the fan-out's
 * agent waits in "read x" for wsbench's \r the same way); a viewer that comes
 * later starts at once.  What a viewer sends is otherwise read and dropped.
 * Runs until killed.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "sock.h"

/* The upgrade request a viewer may send (nginx's is a few hundred bytes). */
#define BCAST_REQ_MAX		8192
/* Viewers at once (bench/run connects 101); more are hung up at accept. */
#define BCAST_VIEWERS_MAX	1024
/* -e: the output a viewer is sent; the frames are held in memory. */
#define BCAST_BYTES_MAX		(1024LL * 1024 * 1024)
/* -f: output bytes per frame; below 16 the 8-byte seq would dominate. */
#define BCAST_FRAME_MIN		16
#define BCAST_FRAME_MAX		(1024 * 1024)
/* The 101 reply (its Sec-WebSocket-Accept is 28 characters). */
#define BCAST_REPLY_MAX		256
/* agentd's binary frame: the record's seq, big-endian, before the output. */
#define SEQ_BYTES		8
/* RFC 6455 4.2.2: appended to the client's key for Sec-WebSocket-Accept. */
#define WS_GUID			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* RFC 6455 4.1: the key is 16 random bytes, base64: 24 characters. */
#define WS_KEY_LEN		24

/* The line bench/run's fan-out agent prints: yes's, after ONLCR. */
static const char	 line[] =
    "0123456789012345678901234567890123456789012345678901234567890123456789abcd\r\n";
static const char	 hello[] = "{\"type\":\"hello\",\"seq\":0}";
static const uint8_t	 close_1000[] = { 0x03, 0xe8 };

enum { V_HANDSHAKE, V_OPEN, V_CLOSED };

struct viewer {
	int			 fd;
	int			 state;
	int			 dead;
	char			*req;		/* the upgrade request, until V_OPEN */
	size_t			 req_len;
	char			 reply[BCAST_REPLY_MAX];
	size_t			 reply_len, reply_off;
	wslay_frame_context_ptr	 fr;
	size_t			 next;		/* 0 hello, 1..nframes output, then close */
	int			 busy;		/* out is a frame partly sent */
	struct wslay_frame_iocb	 out;
};

static uint8_t		*frames;	/* nframes x [seq, output] */
static size_t		 nframes, frame_bytes;
static long long	 total;
static int		 started = 1;
static struct viewer	*viewers[BCAST_VIEWERS_MAX];
static int		 nviewers;

static void __attribute__((noreturn))
fatal(const char *what)
{
	fprintf(stderr, "wsbcast: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Frame k (1..nframes) of the output: seq k, then its share of the bytes. */
static void
output_frame(size_t k, struct wslay_frame_iocb *io)
{
	long long	left = total - (long long)(k - 1) * (long long)frame_bytes;
	size_t		n = left < (long long)frame_bytes ? (size_t)left : frame_bytes;

	io->opcode = WSLAY_BINARY_FRAME;
	io->data = frames + (k - 1) * (SEQ_BYTES + frame_bytes);
	io->payload_length = SEQ_BYTES + n;
}

/* The next frame v is due, in io; 0 if none is due now (gated, or all sent). */
static int
next_frame(struct viewer *v, struct wslay_frame_iocb *io)
{
	memset(io, 0, sizeof *io);
	io->fin = 1;
	if (v->next == 0) {
		io->opcode = WSLAY_TEXT_FRAME;
		io->data = (const uint8_t *)hello;
		io->payload_length = sizeof hello - 1;
	} else if (!started || v->next > nframes + 1)
		return (0);
	else if (v->next <= nframes)
		output_frame(v->next, io);
	else {
		io->opcode = WSLAY_CONNECTION_CLOSE;
		io->data = close_1000;
		io->payload_length = sizeof close_1000;
	}
	io->data_length = (size_t)io->payload_length;
	return (1);
}

static ssize_t
send_cb(const uint8_t *data, size_t len, int flags, void *arg)
{
	struct viewer	*v = arg;
	ssize_t		 n;

	/* wslay sends a frame's header and payload apart: one segment for both. */
	n = send(v->fd, data, len, MSG_NOSIGNAL | ((flags & WSLAY_MSG_MORE) ? MSG_MORE : 0));
	if (n > 0)
		return (n);
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		v->dead = 1;
	return (-1);
}

static ssize_t
recv_cb(uint8_t *buf, size_t len, int flags, void *arg)
{
	struct viewer	*v = arg;
	ssize_t		 n;

	(void)flags;
	n = recv(v->fd, buf, len, 0);
	if (n > 0)
		return (n);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		v->dead = 1;
	return (-1);
}

static int
genmask_cb(uint8_t *buf, size_t len, void *arg)
{
	(void)arg;
	memset(buf, 0, len);	/* a server's frames are not masked: never called */
	return (0);
}

static const struct wslay_frame_callbacks callbacks = { send_cb, recv_cb, genmask_cb };

/* Send what v is due until its socket is full. */
static void
viewer_write(struct viewer *v)
{
	ssize_t	n;

	while (v->reply_off < v->reply_len) {
		n = send(v->fd, v->reply + v->reply_off, v->reply_len - v->reply_off, MSG_NOSIGNAL);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				v->dead = 1;
			return;
		}
		v->reply_off += (size_t)n;
	}
	while (!v->dead && v->state == V_OPEN) {
		if (!v->busy) {
			if (!next_frame(v, &v->out))
				return;
			v->busy = 1;
		}
		if ((n = wslay_frame_send(v->fr, &v->out)) < 0) {
			if (n != WSLAY_ERR_WANT_WRITE)
				v->dead = 1;
			return;
		}
		v->out.data += n;
		v->out.data_length -= (size_t)n;
		if (v->out.data_length == 0) {
			v->busy = 0;
			if (v->next++ == nframes + 1)
				v->state = V_CLOSED;	/* our close is out: wait for theirs */
		}
	}
}

static int
wants_write(const struct viewer *v)
{
	if (v->reply_off < v->reply_len)
		return (1);
	return (v->state == V_OPEN && (v->busy || v->next == 0 ||
	    (started && v->next <= nframes + 1)));
}

/* The Sec-WebSocket-Key of the request in v->req (NUL-ended), or NULL. */
static const char *
request_key(struct viewer *v, char *key)
{
	const char	*p, *e;
	size_t		 n;

	if (strncmp(v->req, "GET ", 4) != 0)
		return (NULL);
	for (p = strstr(v->req, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, "Sec-WebSocket-Key:", 18) != 0)
			continue;
		p += 18;
		p += strspn(p, " \t");
		n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
		e = p + n + strspn(p + n, " \t");
		if (n != WS_KEY_LEN || strncmp(e, "\r\n", 2) != 0)
			return (NULL);
		memcpy(key, p, n);
		key[n] = '\0';
		return (key);
	}
	return (NULL);
}

/* Read the upgrade request; once it is whole, answer it (101, or 400 and hang up). */
static void
viewer_handshake(struct viewer *v)
{
	unsigned char	 sha[SHA_DIGEST_LENGTH];
	char		 key[WS_KEY_LEN + 1], keyguid[WS_KEY_LEN + sizeof WS_GUID];
	char		 accept[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
	ssize_t		 n;
	int		 len;

	n = recv(v->fd, v->req + v->req_len, BCAST_REQ_MAX - v->req_len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			v->dead = 1;
		return;
	}
	v->req_len += (size_t)n;
	v->req[v->req_len] = '\0';
	if (strstr(v->req, "\r\n\r\n") == NULL) {
		if (v->req_len == BCAST_REQ_MAX || memchr(v->req, '\0', v->req_len) != NULL)
			v->dead = 1;	/* too long, or not text: not worth an answer */
		return;
	}
	if (request_key(v, key) == NULL) {
		len = snprintf(v->reply, sizeof v->reply, "HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		(void)send(v->fd, v->reply, (size_t)len, MSG_NOSIGNAL);
		v->dead = 1;
		return;
	}
	snprintf(keyguid, sizeof keyguid, "%s%s", key, WS_GUID);
	SHA1((unsigned char *)keyguid, strlen(keyguid), sha);
	EVP_EncodeBlock((unsigned char *)accept, sha, sizeof sha);
	len = snprintf(v->reply, sizeof v->reply, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	    accept);
	v->reply_len = (size_t)len;
	free(v->req);
	v->req = NULL;
	if (wslay_frame_context_init(&v->fr, &callbacks, v) != 0) {
		v->dead = 1;
		return;
	}
	v->state = V_OPEN;
	viewer_write(v);
}

/* Read what the viewer sends: a text message opens the gate; a close ends it. */
static void
viewer_read(struct viewer *v)
{
	struct wslay_frame_iocb	io;
	ssize_t			n;

	for (;;) {
		memset(&io, 0, sizeof io);
		if ((n = wslay_frame_recv(v->fr, &io)) < 0) {
			if (n != WSLAY_ERR_WANT_READ)
				v->dead = 1;	/* a broken frame */
			return;
		}
		if (io.opcode == WSLAY_TEXT_FRAME && !started)
			started = 1;
		if (io.opcode == WSLAY_CONNECTION_CLOSE) {
			v->dead = 1;
			return;
		}
	}
}

static void
viewer_free(struct viewer *v)
{
	close(v->fd);
	if (v->fr != NULL)
		wslay_frame_context_free(v->fr);
	free(v->req);
	free(v);
}

static void
accept_all(int lfd)
{
	struct viewer	*v;
	int		 fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if (nviewers == BCAST_VIEWERS_MAX) {
			close(fd);
			continue;
		}
		if ((v = calloc(1, sizeof *v)) == NULL || (v->req = malloc(BCAST_REQ_MAX + 1)) == NULL)
			fatal("malloc");
		v->fd = fd;
		v->state = V_HANDSHAKE;
		viewers[nviewers++] = v;
	}
	/* EAGAIN: all taken; EMFILE and the like: the next round tries again. */
}

/* The output, framed once: nframes x [seq (big-endian), output bytes]. */
static void
build_frames(void)
{
	size_t		 k, i, n;
	long long	 off = 0;
	uint8_t		*p;

	nframes = (size_t)((total + (long long)frame_bytes - 1) / (long long)frame_bytes);
	if ((frames = malloc(nframes * (SEQ_BYTES + frame_bytes))) == NULL)
		fatal("malloc");
	for (k = 1; k <= nframes; k++) {
		p = frames + (k - 1) * (SEQ_BYTES + frame_bytes);
		for (i = 0; i < SEQ_BYTES; i++)
			p[i] = (uint8_t)((uint64_t)k >> (56 - 8 * i));
		n = total - off < (long long)frame_bytes ? (size_t)(total - off) : frame_bytes;
		for (i = 0; i < n; i++)
			p[SEQ_BYTES + i] = (uint8_t)line[(off + (long long)i) % (long long)(sizeof line - 1)];
		off += (long long)n;
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: wsbcast -s SOCKET -e BYTES -f FRAME [-g]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct pollfd	 pfd[1 + BCAST_VIEWERS_MAX];
	const char		*path = NULL;
	char			*end, *cause = NULL;
	long			 f = 0;
	int			 ch, lfd, i, j, was_started;

	while ((ch = getopt(argc, argv, "e:f:gs:")) != -1) {
		switch (ch) {
		case 'e':
			total = strtoll(optarg, &end, 10);
			if (*end != '\0' || total < 1 || total > BCAST_BYTES_MAX)
				usage();
			break;
		case 'f':
			f = strtol(optarg, &end, 10);
			if (*end != '\0' || f < BCAST_FRAME_MIN || f > BCAST_FRAME_MAX)
				usage();
			break;
		case 'g': started = 0; break;
		case 's': path = optarg; break;
		default: usage();
		}
	}
	if (path == NULL || total == 0 || f == 0)
		usage();
	frame_bytes = (size_t)f;
	signal(SIGPIPE, SIG_IGN);
	build_frames();
	if ((lfd = agd_sock_listen(path, AGD_SOCK_NONBLOCK, SOMAXCONN, &cause)) < 0) {
		fprintf(stderr, "wsbcast: %s\n", cause);
		return (1);
	}
	for (;;) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nviewers; i++) {
			pfd[1 + i].fd = viewers[i]->fd;
			pfd[1 + i].events = (short)(POLLIN | (wants_write(viewers[i]) ? POLLOUT : 0));
			pfd[1 + i].revents = 0;
		}
		if (poll(pfd, (nfds_t)(1 + nviewers), -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		was_started = started;
		for (i = 0; i < nviewers; i++) {
			struct viewer *v = viewers[i];

			if (pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (v->state == V_HANDSHAKE)
					viewer_handshake(v);
				else
					viewer_read(v);
			}
			if (!v->dead && (pfd[1 + i].revents & POLLOUT))
				viewer_write(v);
		}
		/* The gate opened: every viewer is due output now. */
		for (i = 0; !was_started && started && i < nviewers; i++)
			if (!viewers[i]->dead)
				viewer_write(viewers[i]);
		for (i = j = 0; i < nviewers; i++) {
			if (viewers[i]->dead)
				viewer_free(viewers[i]);
			else
				viewers[j++] = viewers[i];
		}
		nviewers = j;
		if (pfd[0].revents & POLLIN)
			accept_all(lfd);
	}
}
