/*
 * agentctl attach: the session's terminal in this one, like tmux attach.
 * The terminal is in raw mode; output comes from the binary stream, keys go
 * as input messages, a window size change as a resize; the prefix key (C-b)
 * then d detaches.  A dropped connection is resumed with since=the last
 * record seen, so nothing is lost or repeated; keys typed meanwhile are
 * sent once it is back.  --read-only sends nothing at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "agentctl.h"

/* tmux's default prefix, C-b. */
#define ATTACH_PREFIX		0x02
/* Keys typed while disconnected are kept up to this many bytes, then dropped. */
#define ATTACH_MAX_PENDING	(64 * 1024)
/* One read of keys. */
#define ATTACH_READ		4096

struct attach {
	struct stream	 s;
	int		 read_only;
	int		 prefix;
	int		 prefix_seen;
	int		 detach;
	int		 tty;
	struct buf	 pending;	/* keys typed while disconnected */
	char		 hold[4];	/* a UTF-8 character cut by a read */
	size_t		 holdlen;
	char		*last_error;
};

static struct termios		attach_saved;
static int			attach_raw;
static int			attach_pipe[2] = { -1, -1 };
static volatile sig_atomic_t	attach_winch, attach_quit;

static void
attach_sig(int sig)
{
	int	saved = errno;

	if (sig == SIGWINCH)
		attach_winch = 1;
	else
		attach_quit = 1;
	if (write(attach_pipe[1], "", 1) == -1) {
		/* full: a wake-up is already pending */
	}
	errno = saved;
}

/* A line of our own on the terminal (raw mode: \r\n). */
static void
attach_notice(const char *fmt, const char *arg)
{
	fprintf(stderr, "\r\n[agentctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "]\r\n");
	fflush(stderr);
}

static void
attach_restore(void)
{
	if (attach_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &attach_saved);
	attach_raw = 0;
}

static int
attach_make_raw(void)
{
	struct termios	t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &attach_saved) == -1)
		return (0);
	t = attach_saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == -1)
		return (0);
	attach_raw = 1;
	return (1);
}

/* The prefix key of "C-x", "^x" or a single character; -1 if none. */
static int
attach_parse_prefix(const char *s)
{
	int	c;

	if ((s[0] == 'C' && s[1] == '-' && s[2] != '\0' && s[3] == '\0') ||
	    (s[0] == '^' && s[1] != '\0' && s[2] == '\0')) {
		c = (unsigned char)s[s[0] == '^' ? 1 : 2];
		if (c == '?')
			return (0x7f);
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c < '@' || c > '_')
			return (-1);
		return (c & 0x1f);
	}
	if (s[0] != '\0' && s[1] == '\0')
		return ((unsigned char)s[0]);
	return (-1);
}

static void
attach_output(struct stream *s, const uint8_t *p, size_t len)
{
	ssize_t	n;

	(void)s;
	while (len > 0) {
		if ((n = write(STDOUT_FILENO, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				poll(&(struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT },
				    1, -1);
				continue;
			}
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
attach_message(struct stream *s, struct json_object *m)
{
	struct attach	*a = s->arg;
	const char	*type = json_str(m, "type"), *err;

	if (type == NULL)
		return;
	if (strcmp(type, "error") == 0) {
		err = json_str(m, "error") != NULL ? json_str(m, "error") : "error";
		/* The same refusal for every key is said once. */
		if (a->last_error == NULL || strcmp(a->last_error, err) != 0) {
			attach_notice("%s", err);
			free(a->last_error);
			a->last_error = xstrdup(err);
		}
	} else if (strcmp(type, "resync") == 0)
		attach_notice("%s", "output was rotated out of the log before it was read");
}

/* Send a message of type with data, or keep the keys for later. */
static void
attach_send_keys(struct attach *a, const char *p, size_t len)
{
	struct json_object	*j;
	struct buf		 b = { 0 };
	size_t			 cut;

	if (a->read_only || (len == 0 && a->holdlen == 0))
		return;
	buf_add(&b, a->hold, a->holdlen);
	buf_add(&b, p, len);
	cut = utf8_fix(b.data, b.len);
	memcpy(a->hold, b.data + b.len - cut, cut);
	a->holdlen = cut;
	b.len -= cut;
	if (b.len > 0 && a->s.ws == NULL) {
		if (a->pending.len + b.len <= ATTACH_MAX_PENDING)
			buf_add(&a->pending, b.data, b.len);
	} else if (b.len > 0) {
		j = json_object_new_object();
		json_object_object_add(j, "type", json_object_new_string("input"));
		json_object_object_add(j, "data", json_object_new_string_len(b.data,
		    (int)b.len));
		stream_send(&a->s, j);
		json_object_put(j);
	}
	buf_free(&b);
}

static void
attach_send_resize(struct attach *a)
{
	struct json_object	*j;
	struct winsize		 ws;

	if (a->read_only || a->s.ws == NULL || !a->tty ||
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0 || ws.ws_row == 0)
		return;
	j = json_object_new_object();
	json_object_object_add(j, "type", json_object_new_string("resize"));
	json_object_object_add(j, "cols", json_object_new_int(ws.ws_col));
	json_object_object_add(j, "rows", json_object_new_int(ws.ws_row));
	stream_send(&a->s, j);
	json_object_put(j);
}

/* Keys from the terminal: the prefix and d detach, the prefix twice sends it. */
static void
attach_keys(struct attach *a, const unsigned char *p, size_t len)
{
	char	out[ATTACH_READ * 2];
	size_t	i, n = 0;

	for (i = 0; i < len && !a->detach; i++) {
		if (a->prefix_seen) {
			a->prefix_seen = 0;
			if (p[i] == 'd') {
				a->detach = 1;
				break;
			}
			out[n++] = (char)a->prefix;
			if (p[i] != a->prefix)
				out[n++] = (char)p[i];
		} else if (a->prefix >= 0 && p[i] == a->prefix)
			a->prefix_seen = 1;
		else
			out[n++] = (char)p[i];
	}
	attach_send_keys(a, out, n);
}

/* Try to connect again; CTL_OK, or a final error (printed). */
static int
attach_reconnect(struct attach *a)
{
	long	status;
	int	rc;

	rc = stream_connect(&a->s, -1, 1, &status);
	if (rc == CTL_EAPI && (status == 401 || status == 403 || status == 404)) {
		attach_restore();
		return (stream_connect(&a->s, -1, 0, &status));
	}
	if (rc != CTL_OK)
		return (-1);	/* not yet */
	attach_notice("%s", "reconnected");
	attach_send_resize(a);
	if (a->pending.len > 0) {
		attach_send_keys(a, a->pending.data, a->pending.len);
		buf_free(&a->pending);
	}
	return (CTL_OK);
}

static int
attach_loop(struct attach *a)
{
	struct pollfd	 pfd[3];
	unsigned char	 keys[ATTACH_READ];
	char		 drain[64];
	ssize_t		 n;
	int64_t		 retry_at = 0;
	int		 tries = 0, in_open = 1, nfd, timeout, rc, r;

	for (;;) {
		if (a->detach || attach_quit)
			return (CTL_OK);
		if (a->s.ws == NULL && now_ms() >= retry_at) {
			if ((rc = attach_reconnect(a)) == CTL_OK)
				tries = 0;
			else if (rc > 0)
				return (rc);
			else
				retry_at = now_ms() + stream_backoff(tries++);
		}
		nfd = 0;
		pfd[nfd++] = (struct pollfd){ .fd = attach_pipe[0], .events = POLLIN };
		pfd[nfd++] = (struct pollfd){ .fd = in_open ? STDIN_FILENO : -1,
		    .events = POLLIN };
		if (a->s.ws != NULL)
			pfd[nfd++] = (struct pollfd){ .fd = ws_fd(a->s.ws),
			    .events = ws_events(a->s.ws) };
		timeout = a->s.ws != NULL && ws_pending(a->s.ws) ? 0 : -1;
		if (a->s.ws == NULL && (timeout = (int)(retry_at - now_ms())) < 0)
			timeout = 0;
		if (poll(pfd, (nfds_t)nfd, timeout) == -1) {
			if (errno == EINTR)
				continue;
			return (CTL_EUNREACH);
		}
		if (pfd[0].revents & POLLIN) {
			while (read(attach_pipe[0], drain, sizeof drain) > 0)
				;
		}
		if (attach_winch) {
			attach_winch = 0;
			attach_send_resize(a);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, keys, sizeof keys);
			if (n > 0)
				attach_keys(a, keys, (size_t)n);
			else if (n == 0 || errno != EINTR)
				in_open = 0;	/* no more keys; go on watching */
		}
		if (nfd == 3 && (pfd[2].revents != 0 || ws_pending(a->s.ws))) {
			r = stream_io(&a->s, pfd[2].revents);
			if (r == 1) {
				attach_restore();
				attach_notice("%s has ended", a->s.name);
				return (CTL_OK);
			}
			if (r == -1) {
				attach_notice("%s", "connection lost, reconnecting");
				retry_at = now_ms() + stream_backoff(tries++);
			}
		}
	}
}

int
cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "prefix", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct attach		 a;
	struct http_reply	 r;
	struct sigaction	 sa;
	const char		*env;
	long			 status;
	int			 c, rc;

	memset(&a, 0, sizeof a);
	a.prefix = ATTACH_PREFIX;
	if ((env = getenv("AGENTCTL_PREFIX")) != NULL && *env != '\0' &&
	    (a.prefix = attach_parse_prefix(env)) == -1) {
		ctl_warn("AGENTCTL_PREFIX: a key like C-b, ^a or a single character");
		return (CTL_EUSAGE);
	}
	while ((c = ctl_getopt(argc, argv, "rP:", longopts)) != -1) {
		switch (c) {
		case 'r':
			a.read_only = 1;
			break;
		case 'P':
			if ((a.prefix = attach_parse_prefix(optarg)) == -1) {
				ctl_warn("--prefix: a key like C-b, ^a or a single character");
				return (ctl_usage());
			}
			break;
		default:
			return (ctl_usage());
		}
	}
	if (argc - optind != 1)
		return (ctl_usage());
	a.s.name = argv[optind];
	a.s.seq = -1;
	a.s.arg = &a;
	a.s.output = attach_output;
	a.s.message = attach_message;

	/* A plain request first: a clear error, and the credentials curl found. */
	rc = http_session("GET", a.s.name, "?limit=1", NULL, &r);
	http_reply_free(&r);
	if (rc != CTL_OK)
		return (rc);
	if ((rc = stream_connect(&a.s, -1, 0, &status)) != CTL_OK)
		return (rc);

	if (pipe2(attach_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		ctl_warn("pipe: %s", strerror(errno));
		stream_close(&a.s);
		return (CTL_EUNREACH);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = attach_sig;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	a.tty = attach_make_raw();
	if (a.tty && isatty(STDOUT_FILENO))
		attach_output(&a.s, (const uint8_t *)"\033[H\033[2J", 7);
	attach_send_resize(&a);
	rc = attach_loop(&a);
	attach_restore();
	if (a.detach)
		fprintf(stderr, "\r\n[detached from %s]\r\n", a.s.name);
	stream_close(&a.s);
	buf_free(&a.pending);
	free(a.last_error);
	close(attach_pipe[0]);
	close(attach_pipe[1]);
	return (rc);
}
