/*
 * Reaching a session's holder, and only it (issue 12: holder sockets accept only
 * the daemon). Each session has a secret, made here when it starts, given to its
 * holder as the first message of the connection it inherits, and kept 0600 with
 * the holder's pid in HOME/sessions/<id>/holder so a restarted daemon can prove
 * itself. Before the secret goes out on a connection made by path, the peer must
 * be the recorded holder process (SO_PEERCRED), so a listener someone else put at
 * the path learns nothing and is not adopted. A lost connection is made again,
 * with a backoff, for as long as the holder process lives (issue 13, item 7).
 * It also reads the holder's messages (hproto.h): HELLO, output to record and
 * acknowledge, EXIT; a frame over its limit ends the session, never the daemon,
 * and output the log refuses stays unread, kept by the holder, for a retry.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "hproto.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* Unread holder output we buffer before we stop reading (the holder keeps the rest). */
#define SESSION_HOLDER_READ_MAX		(4 * 1024 * 1024)
/* One read from the holder's socket: a few DATA messages (HP_DATA_MAX each). */
#define SESSION_HOLDER_READ_ONCE	(256 * 1024)
/*
 * The log refused output (a full disk): the holder's messages stay unread - the
 * output unacknowledged, kept by the holder - and are tried again after this,
 * doubling up to the longest wait.
 */
#define SESSION_LOG_RETRY_MIN_MS	100
#define SESSION_LOG_RETRY_MAX_MS	2000
/* Reconnecting to a holder that lives: the first retry, and the longest wait. */
#define SESSION_RECONNECT_MIN_MS	100
#define SESSION_RECONNECT_MAX_MS	5000
/* Without a recorded holder pid (a session of an older daemon): a few quick tries. */
#define SESSION_CONNECT_TRIES		5
/* "PID HEX\n" */
#define SESSION_KEYFILE_MAX		(32 + 2 * HP_KEY_LEN)

static void	session_holder_retry(struct session *);
static void	session_holder_take(struct session *);

static void
session_send64(struct session *s, int type, uint64_t v)
{
	uint8_t	b[8];

	hp_put64(b, v);
	session_send(s, type, b, sizeof b);
}

static char *
session_keyfile(struct session *s)
{
	char	*path;

	xasprintf(&path, "%s/holder", s->dir);
	return (path);
}

int
session_holder_key(struct session *s, pid_t holder)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 text[SESSION_KEYFILE_MAX], *path, *tmp;
	size_t			 i;
	int			 fd, n, rc = -1;

	if (getrandom(s->hkey, sizeof s->hkey, 0) != (ssize_t)sizeof s->hkey) {
		log_warn("%s: getrandom", __func__);
		return (-1);
	}
	s->has_hkey = 1;
	s->holder_pid = holder;
	n = snprintf(text, sizeof text, "%d ", (int)holder);
	for (i = 0; i < sizeof s->hkey; i++) {
		text[n++] = hex[s->hkey[i] >> 4];
		text[n++] = hex[s->hkey[i] & 0xf];
	}
	text[n++] = '\n';
	path = session_keyfile(s);
	xasprintf(&tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd != -1 && write(fd, text, (size_t)n) == n && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc == -1) {
		log_warn("%s: %s", __func__, path);
		if (fd != -1)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return (rc);
}

/* Read the holder's pid and the secret back after a restart. 0, or -1 if none. */
static int
session_holder_load(struct session *s)
{
	char		 buf[SESSION_KEYFILE_MAX + 1], *path, *p, *end;
	unsigned int	 b;
	ssize_t		 n;
	long		 pid;
	size_t		 i;
	int		 fd;

	path = session_keyfile(s);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd == -1)
		return (-1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 1 || *end != ' ')
		return (-1);
	p = end + 1;
	for (i = 0; i < sizeof s->hkey; i++) {
		if (sscanf(p + 2 * i, "%2x", &b) != 1)
			return (-1);
		s->hkey[i] = (uint8_t)b;
	}
	s->holder_pid = (pid_t)pid;
	s->has_hkey = 1;
	return (0);
}

/* 1 while the holder process lives (or, unknown, is assumed to). */
static int
session_holder_alive(struct session *s)
{
	if (s->holder_pid <= 0)
		return (0);
	return (kill(s->holder_pid, 0) == 0 || errno == EPERM);
}

/*
 * Connect to s's holder by its socket path. The peer must be the recorded
 * holder before the secret is sent. 0 attached, -1 not (errno says why).
 */
static int
session_holder_dial(struct session *s)
{
	struct sockaddr_un	 sun;
	struct ucred		 cr;
	socklen_t		 crlen = sizeof cr;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", s->sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-1);
	}
	if (s->has_hkey) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
		    cr.uid != geteuid() || cr.pid != s->holder_pid) {
			log_warnx("session %s: %s is not its holder (pid %d, not %d):"
			    " not adopted", s->name, s->sock, (int)cr.pid,
			    (int)s->holder_pid);
			close(fd);
			errno = EPERM;
			return (-1);
		}
	}
	session_attach(s, fd);
	if (s->has_hkey)
		session_send(s, HP_AUTH, s->hkey, sizeof s->hkey);
	s->connect_ms = 0;
	return (0);
}

static void
session_holder_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	if (s->state == SESSION_ENDED || s->hbev != NULL)
		return;
	if (session_holder_dial(s) == 0)
		return;
	session_holder_retry(s);
}

/* Try again later while the holder lives; else the agent is lost with it. */
static void
session_holder_retry(struct session *s)
{
	struct timeval	tv;
	int		saved = errno;

	if (s->connect_ev == NULL)
		s->connect_ev = evtimer_new(agentd_base, session_holder_connect_cb, s);
	if (session_holder_alive(s) ||
	    (!s->has_hkey && ++s->connect_tries < SESSION_CONNECT_TRIES && saved == EAGAIN)) {
		s->connect_ms = s->connect_ms == 0 ? SESSION_RECONNECT_MIN_MS :
		    s->connect_ms * 2;
		if (s->connect_ms > SESSION_RECONNECT_MAX_MS)
			s->connect_ms = SESSION_RECONNECT_MAX_MS;
		tv.tv_sec = s->connect_ms / 1000;
		tv.tv_usec = (s->connect_ms % 1000) * 1000;
		event_add(s->connect_ev, &tv);
		return;
	}
	log_warnx("session %s: holder unreachable (%s): the agent is lost", s->name,
	    strerror(saved));
	if (s->state == SESSION_STARTING && !(s->flags & SESSION_ADOPTED))
		session_reply_create(s, 0, "agent holder failed to start");
	session_end(s, 0, 0, "holder_lost");
}

void
session_holder_adopt(struct session *s)
{
	if (session_holder_load(s) == -1)
		log_info("session %s: no holder secret recorded: adopted by path only",
		    s->name);
	if (session_holder_dial(s) == 0)
		return;
	session_holder_retry(s);
}

void
session_holder_lost(struct session *s)
{
	if (session_holder_alive(s))
		log_info("session %s: lost the holder's connection: connecting again",
		    s->name);
	errno = ECONNRESET;
	agentd_stats.holder_reconnects++;
	session_holder_retry(s);
}

static void
session_hello(struct session *s, const struct hp_hello *h)
{
	struct json_object	*o;
	size_t			 n;

	if (h->version != HP_VERSION && h->version != HP_VERSION_1) {
		log_warnx("%s: session %s: holder speaks version %u", __func__,
		    s->name, h->version);
		session_end(s, 0, 0, "holder_version");
		return;
	}
	if (h->base > s->hoff)
		log_warnx("%s: session %s: holder lost output %llu..%llu", __func__,
		    s->name, (unsigned long long)s->hoff, (unsigned long long)h->base);
	s->stage_len = 0;
	session_send64(s, HP_RESUME, s->hoff);
	s->resumed = 1;
	session_input_resume(s, h);
	/*
	 * The session's size again, after the input sent again: one sent on a broken
	 * connection went with it (the same size once more changes nothing).
	 */
	if (s->transport == SESSION_TTY && !s->resize_due) {
		s->resize_due = 1;
		s->resize_at = 0;
	}
	if (s->state == SESSION_STARTING) {
		s->pid = h->pid;
		s->state = SESSION_RUNNING;
		persist_running(s);
		o = json_object_new_object();
		json_object_object_add(o, "pid", json_object_new_int(s->pid));
		json_object_object_add(o, "agentType", json_object_new_string(s->agent_type));
		json_object_object_add(o, "workingDirectory", json_object_new_string(s->cwd));
		json_object_object_add(o, "permissionMode",
		    json_object_new_string(agd_mode_name(s->mode)));
		session_event(s, "created", o);
		if (s->prompt != NULL) {
			o = json_object_new_object();
			json_object_object_add(o, "text", json_object_new_string(s->prompt));
			json_object_object_add(o, "source", json_object_new_string("prompt"));
			json_object_object_add(o, "from", json_object_new_string(
			    s->creator != NULL ? s->creator : "local"));
			session_notify_message(s, s->prompt, session_event(s, "message", o));
			free(s->prompt);
			s->prompt = NULL;
		}
		session_reply_create(s, 201, NULL);
	} else {
		if (s->pid != h->pid)
			log_warnx("%s: session %s: pid %d, holder says %d", __func__,
			    s->name, s->pid, h->pid);
		s->state = SESSION_RUNNING;
		agentd_stats.holder_adoptions++;
		log_info("session %s: re-adopted pid %d at offset %llu", s->name,
		    s->pid, (unsigned long long)s->hoff);
	}
	/* What was held, with a size that came in between at its place. */
	if (s->resize_due && (n = s->resize_at) > 0 && n <= evbuffer_get_length(s->pending)) {
		session_send_input(s, evbuffer_pullup(s->pending, (ssize_t)n), n);
		evbuffer_drain(s->pending, n);
		s->resize_at = 0;
	}
	session_resize_flush(s);
	if ((n = evbuffer_get_length(s->pending)) > 0) {
		session_send_input(s, evbuffer_pullup(s->pending, -1), n);
		evbuffer_drain(s->pending, n);
	}
	session_direct_start(s);
	if (s->flags & SESSION_KILLING) {
		uint8_t	g[4];

		hp_put32(g, (uint32_t)agentd_conf->kill_grace_ms);
		session_send(s, HP_KILL, g, sizeof g);
	}
}

/* One message from the holder. 0, or -1 to be given again later (the log refused it). */
static int
session_holder_message(struct session *s, int type, const uint8_t *p, size_t n)
{
	struct hp_hello	h;
	struct hp_exit	e;
	uint64_t	off;

	switch (type) {
	case HP_HELLO:
		/* Version 1's is the start of version 2's (hproto.h). */
		memset(&h, 0, sizeof h);
		if (n != sizeof h && n != HP_HELLO_V1_SIZE)
			goto bad;
		memcpy(&h, p, n);
		if (n == HP_HELLO_V1_SIZE && h.version != HP_VERSION_1)
			goto bad;
		session_hello(s, &h);
		break;
	case HP_INPUTACK:
		if (n != 8 || session_input_acked(s, hp_get64(p)) == -1)
			goto bad;
		break;
	case HP_DATA:
		if (n < 8 || !s->resumed)
			goto bad;
		off = hp_get64(p);
		return (session_output(s, off, p + 8, n - 8));
	case HP_DIRECTOK:
		if (n != 0)
			goto bad;
		session_direct_ok(s);
		break;
	case HP_EXIT:
		if (n != sizeof e)
			goto bad;
		memcpy(&e, p, sizeof e);
		s->flags |= SESSION_EXITED;
		session_send(s, HP_EXITACK, NULL, 0);
		session_end(s, 1, e.status, NULL);
		break;
	default:
		goto bad;
	}
	return (0);
bad:
	log_warnx("%s: session %s: bad message %d from holder", __func__, s->name, type);
	return (0);
}

static void
session_log_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	if (s->hbev != NULL && s->state != SESSION_ENDED)
		session_holder_take(s);
}

/* The log refused output: stop reading the holder, take its messages again later. */
static void
session_log_stall(struct session *s)
{
	struct timeval	tv;

	bufferevent_disable(s->hbev, EV_READ);
	s->log_retry_ms = s->log_retry_ms == 0 ? SESSION_LOG_RETRY_MIN_MS :
	    s->log_retry_ms * 2;
	if (s->log_retry_ms > SESSION_LOG_RETRY_MAX_MS)
		s->log_retry_ms = SESSION_LOG_RETRY_MAX_MS;
	if (s->log_retry_ev == NULL)
		s->log_retry_ev = evtimer_new(agentd_base, session_log_retry_cb, s);
	tv.tv_sec = s->log_retry_ms / 1000;
	tv.tv_usec = (s->log_retry_ms % 1000) * 1000;
	evtimer_add(s->log_retry_ev, &tv);
}

static void
session_holder_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	(void)bev;
	if (s->log_retry_ms == 0)	/* else the retry's timer reads on */
		session_holder_take(s);
}

/*
 * Handle the complete messages from the holder, then acknowledge what is recorded
 * (only that: a message the log refused stays, with all after it, for the retry).
 */
static void
session_holder_take(struct session *s)
{
	struct evbuffer	*in = bufferevent_get_input(s->hbev);
	uint8_t		 hdr[HP_HDR], *p;
	uint32_t	 len;
	int		 stalled = 0;

	while (s->state != SESSION_ENDED && evbuffer_get_length(in) >= HP_HDR) {
		evbuffer_copyout(in, hdr, sizeof hdr);
		len = hp_get32(hdr);
		if (len == 0 || len > HP_FROM_HOLDER_MAX) {
			log_warnx("%s: session %s: bad frame from holder (%u bytes)",
			    __func__, s->name, len);
			bufferevent_free(s->hbev);
			s->hbev = NULL;
			session_end(s, 0, 0, "holder_protocol");
			return;
		}
		if (evbuffer_get_length(in) < 4 + (size_t)len)
			break;
		p = evbuffer_pullup(in, 4 + (ssize_t)len);
		if (session_holder_message(s, p[4], p + HP_HDR, len - 1) == -1) {
			session_log_stall(s);
			stalled = 1;
			break;
		}
		evbuffer_drain(in, 4 + (size_t)len);
	}
	/* The messages of this read are one record (session_output gathered them). */
	if (!stalled && s->state != SESSION_ENDED && session_output_flush(s) == -1) {
		session_log_stall(s);
		stalled = 1;
	}
	if (!stalled && s->log_retry_ms != 0 && s->hbev != NULL) {
		s->log_retry_ms = 0;		/* the log takes output again */
		bufferevent_enable(s->hbev, EV_READ);
	}
	/* One acknowledgement for everything this read brought. */
	if (s->ack_due && s->state != SESSION_ENDED) {
		session_send64(s, HP_ACK, s->hoff);
		s->ack_due = 0;
	}
}

void
session_attach(struct session *s, int fd)
{
	agd_set_nonblock(fd);
	s->hbev = bufferevent_socket_new(agentd_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(s->hbev, session_holder_read_cb, NULL,
	    session_holder_event_cb, s);
	bufferevent_setwatermark(s->hbev, EV_READ, 0, SESSION_HOLDER_READ_MAX);
	/* libevent reads 16 KiB at a time unless told: a busy terminal's 64 KiB in one. */
	bufferevent_set_max_single_read(s->hbev, SESSION_HOLDER_READ_ONCE);
	bufferevent_enable(s->hbev, EV_READ | EV_WRITE);
}
