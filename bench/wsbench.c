/*
 * A small WebSocket client for agentd's session stream (a test tool: plain
 * sockets, its own framing, TCP_NODELAY).
 *
 *	wsbench throughput -p PORT -s NAME [-b] [-e BYTES] [-g INPUT]
 *	wsbench rtt        -p PORT -s NAME [-b] [-n COUNT]
 *	wsbench fanout     -p PORT -s NAME -n VIEWERS [-b] [-e BYTES] [-g INPUT]
 *	                   [-z] [-r SECONDS] [-m PID] [-u PATH]
 *
 * -b: format=binary (tty_data as binary frames: 8-byte BE seq + bytes), else
 * JSON (string escapes and base64 are decoded to count the raw bytes).
 * -g INPUT: once connected (all viewers in fanout), send INPUT as an input
 * message (\r, \n, \\ escapes) and start the clock then; the agent waits for it.
 * -e BYTES: the tty byte count every (active) viewer must receive.
 *
 * throughput: one viewer from seq 0 until the close frame.
 * rtt: the agent echoes (stty raw -echo; exec cat): send one byte COUNT times
 * (default 1000), wait for it each time; percentiles in microseconds.
 * fanout: VIEWERS viewers, plus with -z one viewer that connects and then stops
 * reading; with -r it resumes after SECONDS and must still get everything.
 * -m PID: sample that process's VmRSS every 50 ms and report it and VmHWM.
 * -t SECONDS (all modes but rtt): fail after that long without data (30).
 * -u PATH: upgrade PATH instead of /api/agents/sessions/NAME (e.g. bench/wsbcast's
 * location, the fan-out's reference: the same query string is sent).
 *
 * Output: key=value pairs on one line per result; exit 1 on any mismatch.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBUF_MIN	(256 * 1024)
/* -u: the longest path; with the token (128) it fits the 1 KiB upgrade request. */
#define UPATH_MAX	256

struct conn {
	int		 fd;
	int		 open;		/* handshake done */
	int		 done;		/* close frame seen or connection lost */
	int		 hello;
	int		 paused;
	int		 close_code;
	uint8_t		*buf;
	size_t		 len, cap;
	uint8_t		*msg;		/* fragmented message being assembled */
	size_t		 msg_len, msg_cap;
	int		 msg_op;
	uint64_t	 bytes;		/* tty payload bytes */
	uint64_t	 frames;	/* tty frames */
	uint64_t	 last_seq;
	uint64_t	 hello_seq;	/* the session's last seq when we came */
	uint64_t	 resyncs;
	uint64_t	 errors;
	double		 t_end;
	/* rtt: the last tty bytes */
	uint8_t		 last[64];
	size_t		 last_len;
};

static int	 port;
static const char *name;
static const char *path;	/* -u: instead of /api/agents/sessions/NAME */
static int	 binary;
static double	 idle = 30;	/* -t: give up after this long without data */
static uint8_t	*scratch;
static size_t	 scratch_cap;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "wsbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *
grow(void *p, size_t *cap, size_t need)
{
	size_t	c = *cap ? *cap : 4096;

	if (need <= *cap)
		return (p);
	while (c < need)
		c *= 2;
	if ((p = realloc(p, c)) == NULL)
		die("out of memory");
	*cap = c;
	return (p);
}

/* Frames. */

static void
send_all(struct conn *c, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
				poll(&pfd, 1, 1000);
				continue;
			}
			die("send: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/* A masked frame from the client. */
static void
send_frame(struct conn *c, int opcode, const void *payload, size_t n)
{
	uint8_t		 hdr[14], *f;
	size_t		 h = 0, i;
	uint32_t	 r = (uint32_t)random();

	hdr[h++] = (uint8_t)(0x80 | opcode);
	if (n < 126)
		hdr[h++] = (uint8_t)(0x80 | n);
	else if (n < 65536) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (uint8_t)(n >> 8);
		hdr[h++] = (uint8_t)n;
	} else {
		hdr[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[h++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	}
	memcpy(hdr + h, &r, 4);
	h += 4;
	if ((f = malloc(h + n)) == NULL)
		die("out of memory");
	memcpy(f, hdr, h);
	for (i = 0; i < n; i++)
		f[h + i] = ((const uint8_t *)payload)[i] ^ hdr[h - 4 + (i & 3)];
	send_all(c, f, h + n);
	free(f);
}

/* {"type":"input","data":"<s JSON-escaped>"} */
static void
send_input(struct conn *c, const char *s, size_t n)
{
	char	buf[8192], *o = buf;
	size_t	i;

	o += snprintf(o, sizeof buf, "{\"type\":\"input\",\"data\":\"");
	for (i = 0; i < n && o < buf + sizeof buf - 16; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20)
			o += snprintf(o, 8, "\\u%04x", ch);
		else
			*o++ = (char)ch;
	}
	o += snprintf(o, 3, "\"}");
	send_frame(c, 1, buf, (size_t)(o - buf));
}

/* Connect and upgrade; the connection is left blocking until open. */
static void
conn_open(struct conn *c)
{
	struct sockaddr_in	 sin;
	char			 req[1024], *e;
	const char		*tok;
	int			 one = 1, n;
	ssize_t			 r;

	memset(c, 0, sizeof *c);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (path != NULL && (path[0] != '/' || strlen(path) > UPATH_MAX ||
	    strcspn(path, " \t\r\n?#") != strlen(path)))
		die("-u %s: not a path", path);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("connect 127.0.0.1:%d: %s", port, strerror(errno));
	tok = getenv("AGENTD_TOKEN");
	if (tok != NULL && (strlen(tok) > 128 ||
	    strspn(tok, "0123456789abcdef") != strlen(tok)))
		die("AGENTD_TOKEN: not a hex token");
	n = snprintf(req, sizeof req,
	    "GET %s%s?since=0%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "%s%s%s"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n",
	    path != NULL ? "" : "/api/agents/sessions/", path != NULL ? path : name,
	    binary ? "&format=binary" : "", port,
	    tok != NULL ? "Authorization: Bearer " : "", tok != NULL ? tok : "",
	    tok != NULL ? "\r\n" : "");
	send_all(c, (uint8_t *)req, (size_t)n);

	c->buf = grow(c->buf, &c->cap, RBUF_MIN);
	for (;;) {
		r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die("handshake: connection closed (%s)", r == 0 ? "EOF" : strerror(errno));
		c->len += (size_t)r;
		c->buf[c->len] = '\0';
		if ((e = strstr((char *)c->buf, "\r\n\r\n")) != NULL)
			break;
		if (c->len > 16384)
			die("handshake: reply too long");
	}
	if (strncmp((char *)c->buf, "HTTP/1.1 101", 12) != 0) {
		e = strstr((char *)c->buf, "\r\n");
		die("handshake: %.*s", e ? (int)(e - (char *)c->buf) : 80, (char *)c->buf);
	}
	e += 4;
	c->len -= (size_t)(e - (char *)c->buf);
	memmove(c->buf, e, c->len);
	c->open = 1;
}

/* JSON (just what the daemon sends). */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return (p);
}

/* p at '"': the end of the string (after the closing quote), or NULL. */
static const char *
skip_string(const char *p, const char *end)
{
	const char	*q, *b;

	/* A quote ends it unless an odd run of backslashes is before it. */
	for (p++; (q = memchr(p, '"', (size_t)(end - p))) != NULL; p = q + 1) {
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return (q + 1);
	}
	return (NULL);
}

static const char *
skip_value(const char *p, const char *end)
{
	int	depth = 0;

	p = skip_ws(p, end);
	if (p < end && *p == '"')
		return (skip_string(p, end));
	for (; p < end; p++) {
		if (*p == '"') {
			if ((p = skip_string(p, end)) == NULL)
				return (NULL);
			p--;
		} else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return (p);
			if (--depth == 0)
				return (p + 1);
		} else if (*p == ',' && depth == 0)
			return (p);
	}
	return (p);
}

/* The raw text of the value of top-level key in the object [p, end). */
static int
json_get(const char *p, const char *end, const char *key, const char **vp, size_t *vlen)
{
	size_t		 klen = strlen(key);
	const char	*k, *ke, *v;

	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return (-1);
	p++;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return (-1);
		k = p + 1;
		if ((p = skip_string(p, end)) == NULL)
			return (-1);
		ke = p - 1;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return (-1);
		v = skip_ws(p + 1, end);
		if ((p = skip_value(v, end)) == NULL)
			return (-1);
		if ((size_t)(ke - k) == klen && memcmp(k, key, klen) == 0) {
			*vp = v;
			*vlen = (size_t)(p - v);
			return (0);
		}
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			return (-1);
		p++;
	}
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return (ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (ch - 'A' + 10);
	return (-1);
}

static size_t
put_utf8(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return (1);
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return (3);
	}
	o[0] = (uint8_t)(0xf0 | cp >> 18);
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return (4);
}

static int
hex4(const char *p, uint32_t *v)
{
	int	i, h;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) == -1)
			return (-1);
		*v = *v << 4 | (uint32_t)h;
	}
	return (0);
}

/* Decode the JSON string [p, end) (with its quotes) into out; the length or -1. */
static ssize_t
json_unescape(const char *p, const char *end, uint8_t *out)
{
	uint8_t		*o = out;
	uint32_t	 cp, lo;

	if (end - p < 2 || *p != '"' || end[-1] != '"')
		return (-1);
	p++;
	end--;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t run = (size_t)((bs ? bs : end) - p);

		memcpy(o, p, run);
		o += run;
		p += run;
		if (p >= end)
			break;
		if (++p >= end)
			return (-1);
		switch (*p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (end - p < 4 || hex4(p, &cp) == -1)
				return (-1);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' &&
			    p[1] == 'u' && hex4(p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			o += put_utf8(o, cp);
			break;
		default:
			return (-1);
		}
	}
	return (o - out);
}

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return (ch - 'A');
	if (ch >= 'a' && ch <= 'z')
		return (ch - 'a' + 26);
	if (ch >= '0' && ch <= '9')
		return (ch - '0' + 52);
	if (ch == '+')
		return (62);
	if (ch == '/')
		return (63);
	return (-1);
}

/* Decode the base64 JSON string [p, end) (with quotes); the length or -1. */
static ssize_t
b64_decode(const char *p, const char *end, uint8_t *out)
{
	uint8_t		*o = out;
	uint32_t	 acc = 0;
	int		 bits = 0, v;

	if (end - p < 2 || *p != '"' || end[-1] != '"')
		return (-1);
	for (p++, end--; p < end; p++) {
		if (*p == '=')
			break;
		if ((v = b64val((unsigned char)*p)) == -1)
			return (-1);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*o++ = (uint8_t)(acc >> bits);
		}
	}
	return (o - out);
}

/* Messages. */

static void
tty_bytes(struct conn *c, uint64_t seq, const uint8_t *p, size_t n)
{
	size_t	keep;

	if (seq <= c->last_seq)
		die("seq went back: %llu after %llu", (unsigned long long)seq,
		    (unsigned long long)c->last_seq);
	c->last_seq = seq;
	c->bytes += n;
	c->frames++;
	keep = n < sizeof c->last ? n : sizeof c->last;
	memcpy(c->last, p + n - keep, keep);
	c->last_len = keep;
}

static void
on_text(struct conn *c, const char *p, size_t n)
{
	const char	*end = p + n, *v, *d, *enc;
	size_t		 vlen, dlen, elen;
	ssize_t		 k;
	uint64_t	 seq;

	if (json_get(p, end, "type", &v, &vlen) == -1)
		die("text frame without a type: %.*s", (int)(n < 200 ? n : 200), p);
	if (vlen == 10 && memcmp(v, "\"tty_data\"", 10) == 0) {
		if (json_get(p, end, "seq", &v, &vlen) == -1 ||
		    json_get(p, end, "data", &d, &dlen) == -1)
			die("bad tty_data: %.*s", (int)(n < 200 ? n : 200), p);
		seq = strtoull(v, NULL, 10);
		scratch = grow(scratch, &scratch_cap, dlen + 16);
		if (json_get(p, end, "encoding", &enc, &elen) == 0 &&
		    elen == 8 && memcmp(enc, "\"base64\"", 8) == 0)
			k = b64_decode(d, d + dlen, scratch);
		else
			k = json_unescape(d, d + dlen, scratch);
		if (k < 0)
			die("bad data string in tty_data seq %llu", (unsigned long long)seq);
		tty_bytes(c, seq, scratch, (size_t)k);
	} else if (vlen == 7 && memcmp(v, "\"hello\"", 7) == 0) {
		c->hello = 1;
		if (json_get(p, end, "seq", &v, &vlen) == 0)
			c->hello_seq = strtoull(v, NULL, 10);
	}
	else if (vlen == 8 && memcmp(v, "\"resync\"", 8) == 0)
		c->resyncs++;
	else if (vlen == 7 && memcmp(v, "\"error\"", 7) == 0) {
		c->errors++;
		fprintf(stderr, "wsbench: error message: %.*s\n", (int)n, p);
	} else if (json_get(p, end, "seq", &v, &vlen) == 0) {
		/* json_event: takes a seq too */
		seq = strtoull(v, NULL, 10);
		if (seq <= c->last_seq)
			die("seq went back (event)");
		c->last_seq = seq;
	}
}

static void
on_message(struct conn *c, int op, const uint8_t *p, size_t n)
{
	uint64_t	seq = 0;
	int		i;

	switch (op) {
	case 1:
		on_text(c, (const char *)p, n);
		break;
	case 2:
		if (n < 8)
			die("binary frame shorter than 8 bytes");
		for (i = 0; i < 8; i++)
			seq = seq << 8 | p[i];
		tty_bytes(c, seq, p + 8, n - 8);
		break;
	case 8:
		c->close_code = n >= 2 ? (p[0] << 8 | p[1]) : 1005;
		send_frame(c, 8, p, n >= 2 ? 2 : 0);
		c->done = 1;
		c->t_end = now();
		break;
	case 9:
		send_frame(c, 10, p, n);
		break;
	case 10:
		break;
	default:
		die("unexpected opcode %d", op);
	}
}

/* Parse every complete frame in c->buf. */
static void
parse(struct conn *c)
{
	size_t		 off = 0, h, n;
	uint8_t		*f;
	int		 fin, op, i;

	while (!c->done) {
		f = c->buf + off;
		if (c->len - off < 2)
			break;
		fin = f[0] & 0x80;
		op = f[0] & 0x0f;
		if (f[1] & 0x80)
			die("masked frame from the server");
		n = f[1] & 0x7f;
		h = 2;
		if (n == 126) {
			if (c->len - off < 4)
				break;
			n = (size_t)f[2] << 8 | f[3];
			h = 4;
		} else if (n == 127) {
			if (c->len - off < 10)
				break;
			for (n = 0, i = 0; i < 8; i++)
				n = n << 8 | f[2 + i];
			h = 10;
		}
		if (c->len - off < h + n) {
			c->buf = grow(c->buf, &c->cap, h + n + 1);
			break;
		}
		if (op >= 8)
			on_message(c, op, f + h, n);
		else if (op != 0 && fin)
			on_message(c, op, f + h, n);
		else {
			if (op != 0) {
				c->msg_op = op;
				c->msg_len = 0;
			}
			c->msg = grow(c->msg, &c->msg_cap, c->msg_len + n);
			memcpy(c->msg + c->msg_len, f + h, n);
			c->msg_len += n;
			if (fin)
				on_message(c, c->msg_op, c->msg, c->msg_len);
		}
		off += h + n;
	}
	if (off > 0) {
		memmove(c->buf, c->buf + off, c->len - off);
		c->len -= off;
	}
}

/* One read; 0 at EOF. */
static int
conn_read(struct conn *c)
{
	ssize_t	r;

	if (c->cap - c->len < RBUF_MIN / 2)
		c->buf = grow(c->buf, &c->cap, c->len + RBUF_MIN);
	r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (r == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return (1);
		die("recv: %s", strerror(errno));
	}
	if (r == 0) {
		if (!c->done) {
			c->done = 1;
			c->t_end = now();
		}
		return (0);
	}
	c->len += (size_t)r;
	parse(c);
	return (1);
}

static void
wait_hello(struct conn *c)
{
	parse(c);
	while (!c->hello && !c->done)
		conn_read(c);
	if (!c->hello)
		die("no hello");
}

/* "\r" etc. in a command-line argument. */
static char *
unescape_arg(const char *s, size_t *len)
{
	char	*out = strdup(s), *o = out;

	for (; *s; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*o++ = *s == 'r' ? '\r' : *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else
			*o++ = *s;
	}
	*len = (size_t)(o - out);
	return (out);
}

static long
proc_status_kb(int pid, const char *key)
{
	char	path[64], line[256];
	FILE	*f;
	long	v = -1;
	size_t	klen = strlen(key);

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return (v);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(const double *v, size_t n, double p)
{
	size_t	i = (size_t)(p * (double)(n - 1) + 0.5);

	return (v[i < n ? i : n - 1]);
}

/* Modes. */

static int
do_throughput(long long expect, const char *go)
{
	struct conn	 c;
	double		 t0;
	char		*in;
	size_t		 inlen;
	int		 rc = 0;

	conn_open(&c);
	wait_hello(&c);
	t0 = now();
	if (go != NULL) {
		in = unescape_arg(go, &inlen);
		send_input(&c, in, inlen);
		free(in);
	}
	for (;;) {
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN };

		if (c.done)
			break;
		if (poll(&pfd, 1, (int)(idle * 1000)) == 0)
			die("throughput: nothing for %.0f s after %llu bytes (last seq %llu)",
			    idle, (unsigned long long)c.bytes, (unsigned long long)c.last_seq);
		if (!conn_read(&c))
			break;
	}
	printf("bytes=%llu seconds=%.3f mbps=%.1f frames=%llu avg_frame=%.0f close=%d"
	    " resyncs=%llu\n", (unsigned long long)c.bytes, c.t_end - t0,
	    (double)c.bytes / (c.t_end - t0) / 1e6, (unsigned long long)c.frames,
	    c.frames ? (double)c.bytes / (double)c.frames : 0.0, c.close_code,
	    (unsigned long long)c.resyncs);
	if (expect >= 0 && c.bytes != (uint64_t)expect) {
		fprintf(stderr, "wsbench: got %llu bytes, expected %lld\n",
		    (unsigned long long)c.bytes, expect);
		rc = 1;
	}
	if (c.close_code != 1000) {
		fprintf(stderr, "wsbench: close code %d, not 1000\n", c.close_code);
		rc = 1;
	}
	return (rc);
}

static int
do_rtt(int count)
{
	struct conn	 c;
	struct pollfd	 pfd;
	double		*v, t0, deadline;
	uint64_t	 before;
	int		 i, warm = 20;
	char		 ch;

	if ((v = calloc((size_t)count, sizeof *v)) == NULL)
		die("out of memory");
	conn_open(&c);
	wait_hello(&c);
	/* The replay of earlier output, if any, then a pause for stty raw. */
	pfd.fd = c.fd;
	pfd.events = POLLIN;
	while (c.last_seq < c.hello_seq && !c.done)
		if (poll(&pfd, 1, 10000) == 0)
			die("rtt: replay stuck at seq %llu of %llu",
			    (unsigned long long)c.last_seq, (unsigned long long)c.hello_seq);
		else
			conn_read(&c);
	deadline = now() + 0.1;
	while (now() < deadline)
		if (poll(&pfd, 1, 20) > 0)
			conn_read(&c);
	for (i = -warm; i < count; i++) {
		ch = (char)('a' + (i + warm) % 26);
		before = c.bytes;
		t0 = now();
		send_input(&c, &ch, 1);
		for (;;) {
			if (c.bytes > before && c.last_len > 0 &&
			    c.last[c.last_len - 1] == (uint8_t)ch)
				break;
			if (c.done)
				die("connection closed during rtt");
			if (poll(&pfd, 1, 5000) == 0)
				die("no echo of %c within 5 s (is the agent 'stty raw -echo;"
				    " exec cat'?)", ch);
			conn_read(&c);
		}
		if (c.bytes != before + 1)
			die("echo of %c came with %llu bytes, expected 1", ch,
			    (unsigned long long)(c.bytes - before));
		if (i >= 0)
			v[i] = (now() - t0) * 1e6;
	}
	qsort(v, (size_t)count, sizeof *v, cmp_double);
	printf("count=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n", count,
	    pct(v, (size_t)count, 0.50), pct(v, (size_t)count, 0.90),
	    pct(v, (size_t)count, 0.99), v[count - 1]);
	close(c.fd);
	return (0);
}

static int
do_fanout(int nv, long long expect, const char *go, int paused, double resume, int pid)
{
	struct conn	*c;
	struct pollfd	*pfd;
	double		 t0, *rate, tsample = 0, t_active_done = 0, t, t_progress;
	long		 rss, rss_max = 0, rss_after = -1, hwm;
	char		*in;
	size_t		 inlen;
	int		 n = nv + (paused ? 1 : 0), i, active_left, rc = 0;
	uint64_t	 all_bytes = 0, all_frames = 0;
	nfds_t		 nfds;

	if (n < 1 || n > 65536)
		die("bad number of viewers: %d", n);
	nfds = (nfds_t)(unsigned)n;
	c = calloc((size_t)n, sizeof *c);
	pfd = calloc((size_t)n, sizeof *pfd);
	rate = calloc((size_t)n, sizeof *rate);
	if (c == NULL || pfd == NULL || rate == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		conn_open(&c[i]);
		wait_hello(&c[i]);
	}
	if (paused)
		c[nv].paused = 1;
	t0 = now();
	if (go != NULL) {
		in = unescape_arg(go, &inlen);
		send_input(&c[0], in, inlen);
		free(in);
	}
	active_left = nv;
	t_progress = t0;
	while (active_left > 0 || (paused && !c[nv].done && resume > 0)) {
		t = now();
		if (paused && c[nv].paused && resume > 0 && t - t0 >= resume)
			c[nv].paused = 0;
		if (pid > 0 && t - tsample >= 0.05) {
			tsample = t;
			if ((rss = proc_status_kb(pid, "VmRSS")) > rss_max)
				rss_max = rss;
		}
		for (i = 0; i < n; i++) {
			pfd[i].fd = c[i].done || c[i].paused ? -1 : c[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, nfds, 50) == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			t_progress = now();
			conn_read(&c[i]);
			if (c[i].done && i < nv) {
				active_left--;
				if (active_left == 0)
					t_active_done = now();
			}
		}
		if (t - t_progress > idle) {
			for (i = 0; i < n; i++)
				if (!c[i].done)
					fprintf(stderr, "wsbench: viewer %d%s: %llu bytes, last seq"
					    " %llu\n", i, c[i].paused ? " (paused)" : "",
					    (unsigned long long)c[i].bytes,
					    (unsigned long long)c[i].last_seq);
			die("fanout: nothing for %.0f s, %d viewers not done", idle,
			    active_left);
		}
	}
	if (pid > 0) {
		/* After: the paused viewer (if still paused) stays connected. */
		usleep(300000);
		rss_after = proc_status_kb(pid, "VmRSS");
	}
	for (i = 0; i < nv; i++) {
		rate[i] = (double)c[i].bytes / (c[i].t_end - t0) / 1e6;
		all_bytes += c[i].bytes;
		all_frames += c[i].frames;
	}
	qsort(rate, (size_t)nv, sizeof *rate, cmp_double);
	for (i = 0; i < nv; i++) {
		if (expect >= 0 && c[i].bytes != (uint64_t)expect) {
			fprintf(stderr, "wsbench: viewer %d got %llu bytes, expected %lld\n", i,
			    (unsigned long long)c[i].bytes, expect);
			rc = 1;
		}
		if (c[i].close_code != 1000) {
			fprintf(stderr, "wsbench: viewer %d: close code %d\n", i,
			    c[i].close_code);
			rc = 1;
		}
	}
	printf("viewers=%d bytes=%llu seconds=%.3f min_mbps=%.1f median_mbps=%.1f"
	    " max_mbps=%.1f aggregate_mbps=%.1f", nv, (unsigned long long)c[0].bytes,
	    t_active_done - t0, rate[0], rate[nv / 2], rate[nv - 1],
	    (double)c[0].bytes * nv / (t_active_done - t0) / 1e6);
	/* The active viewers' frames: bench/wsbcast sends frames of this size. */
	printf(" frames=%llu avg_frame=%.0f", (unsigned long long)all_frames,
	    all_frames ? (double)all_bytes / (double)all_frames : 0.0);
	if (paused) {
		printf(" paused_bytes=%llu paused_close=%d paused_resyncs=%llu",
		    (unsigned long long)c[nv].bytes, c[nv].close_code,
		    (unsigned long long)c[nv].resyncs);
		if (resume > 0) {
			printf(" paused_seconds=%.3f", c[nv].t_end - t0);
			if ((expect >= 0 && c[nv].bytes != (uint64_t)expect) ||
			    c[nv].close_code != 1000) {
				fprintf(stderr, "wsbench: resumed viewer got %llu bytes,"
				    " close %d\n", (unsigned long long)c[nv].bytes,
				    c[nv].close_code);
				rc = 1;
			}
		}
	}
	if (pid > 0) {
		hwm = proc_status_kb(pid, "VmHWM");
		printf(" rss_max_kb=%ld rss_after_kb=%ld hwm_kb=%ld", rss_max, rss_after, hwm);
	}
	printf("\n");
	for (i = 0; i < n; i++)
		close(c[i].fd);
	return (rc);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: wsbench throughput -p PORT -s NAME [-b] [-e BYTES] [-g INPUT] [-t SECONDS]\n"
	    "       wsbench rtt -p PORT -s NAME [-b] [-n COUNT]\n"
	    "       wsbench fanout -p PORT -s NAME -n VIEWERS [-b] [-e BYTES] [-g INPUT]"
	    " [-z] [-r SECONDS] [-m PID] [-t SECONDS]\n"
	    "       -u PATH instead of -s NAME: upgrade PATH (bench/wsbcast's location)\n"
	    "AGENTD_TOKEN in the environment: sent as Authorization: Bearer (auth = local)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*mode, *go = NULL;
	long long	 expect = -1;
	double		 resume = 0;
	int		 ch, n = -1, paused = 0, pid = 0;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "be:g:m:n:p:r:s:t:u:z")) != -1) {
		switch (ch) {
		case 'b': binary = 1; break;
		case 'e': expect = atoll(optarg); break;
		case 'g': go = optarg; break;
		case 'm': pid = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'r': resume = atof(optarg); break;
		case 's': name = optarg; break;
		case 't': idle = atof(optarg); break;
		case 'u': path = optarg; break;
		case 'z': paused = 1; break;
		default: usage();
		}
	}
	if (port <= 0 || (name == NULL && path == NULL))
		usage();
	srandom((unsigned)getpid());
	if (strcmp(mode, "throughput") == 0)
		return (do_throughput(expect, go));
	if (strcmp(mode, "rtt") == 0)
		return (do_rtt(n > 0 ? n : 1000));
	if (strcmp(mode, "fanout") == 0) {
		if (n < 1)
			usage();
		return (do_fanout(n, expect, go, paused, resume, pid));
	}
	usage();
}
