/*
 * Input written to the terminal by the daemon itself (issue 19): a keystroke then
 * crosses nginx, the daemon and the kernel, not the holder as well. After a
 * holder's hello the daemon opens a second connection to the holder's socket, with
 * the proof session-holder.c uses (the peer is the recorded holder process, then
 * the secret), asking for the terminal (HP_AUTH_PTY); the holder answers HP_PTYFD
 * with the PTY master attached. Then, on the main connection, HP_DIRECT: new input
 * is held until the holder answers HP_DIRECTOK (what it had is written), so nothing
 * the daemon writes overtakes what went through the holder. Output still comes
 * from the holder, which keeps every byte until it is recorded. Input not yet
 * taken by the terminal waits in s->pending, as it waited in the connection's
 * buffer before. Any failure keeps the old path (HP_INPUT): this is only faster,
 * never needed. The stream transport (pipes) keeps HP_INPUT.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "hproto.h"
#include "log.h"
#include "session.h"
#include "util.h"

/*
 * The holder answers HP_AUTH_PTY at once; past this, ask again (a loaded machine
 * can stall it), and after SESSION_DIRECT_TRIES keep sending it input.
 */
#define SESSION_DIRECT_WAIT_MS	2000
#define SESSION_DIRECT_TRIES	3

static void	session_direct_ask(struct session *);
static void	session_direct_pty_cb(evutil_socket_t, short, void *);

/* The side connection, if it is still open. */
static void
session_direct_side_close(struct session *s)
{
	if (s->direct_ev == NULL)
		return;
	close(event_get_fd(s->direct_ev));
	event_free(s->direct_ev);
	s->direct_ev = NULL;
}

/* The size through the holder (HP_RESIZE): cols x rows of the session. */
static void
session_direct_resize_holder(struct session *s)
{
	uint8_t	b[4];

	b[0] = (uint8_t)(s->cols >> 8);
	b[1] = (uint8_t)s->cols;
	b[2] = (uint8_t)(s->rows >> 8);
	b[3] = (uint8_t)s->rows;
	session_send(s, HP_RESIZE, b, sizeof b);
}

/* Set the session's size on the terminal; through the holder if that fails. */
static void
session_direct_winsize(struct session *s)
{
	struct winsize	ws;

	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)s->cols;
	ws.ws_row = (unsigned short)s->rows;
	if (ioctl(s->pty_fd, TIOCSWINSZ, &ws) == -1) {
		log_warn("session %s: TIOCSWINSZ", s->name);
		session_direct_resize_holder(s);
	}
}

void
session_resize_flush(struct session *s)
{
	size_t	len = evbuffer_get_length(s->pending);

	if (!s->resize_due)
		return;
	if (s->resize_at > len)
		s->resize_at = len;	/* what was before it went (dropped) */
	if (s->resize_at > 0)
		return;
	if (s->direct == SESSION_DIRECT_ON) {
		s->resize_due = 0;
		session_direct_winsize(s);
		return;
	}
	/*
	 * Held for the terminal (the holder says HP_DIRECTOK, then what is held is
	 * written here: the size must be set here first), or no holder yet.
	 */
	if (s->direct == SESSION_DIRECT_WAIT || s->hbev == NULL || !s->resumed)
		return;
	s->resize_due = 0;
	session_direct_resize_holder(s);
}

void
session_direct_stop(struct session *s)
{
	session_direct_side_close(s);
	if (s->direct_wev != NULL) {
		event_free(s->direct_wev);
		s->direct_wev = NULL;
	}
	if (s->pty_fd != -1)
		close(s->pty_fd);
	s->pty_fd = -1;
	s->direct = SESSION_DIRECT_OFF;
	/* A size that waited for the terminal goes the holder's way now (or later). */
	session_resize_flush(s);
}

void
session_direct_start(struct session *s)
{
	s->direct_tries = 0;
	session_direct_ask(s);
}

static void
session_direct_ask(struct session *s)
{
	struct sockaddr_un	 sun;
	struct ucred		 cr;
	struct timeval		 tv = { SESSION_DIRECT_WAIT_MS / 1000,
				    (SESSION_DIRECT_WAIT_MS % 1000) * 1000 };
	socklen_t		 crlen = sizeof cr;
	uint8_t			 msg[HP_HDR + HP_KEY_LEN];
	int			 fd;

	session_direct_stop(s);
	if (s->transport != SESSION_TTY || !s->has_hkey || s->holder_pid <= 0 ||
	    s->state == SESSION_ENDED)
		return;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s", s->sock) >=
	    sizeof sun.sun_path)
		return;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return;
	/* A Unix socket connects at once, or its backlog is full: then not now. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    cr.uid != geteuid() || cr.pid != s->holder_pid) {
		close(fd);
		return;
	}
	hp_put32(msg, HP_KEY_LEN + 1);
	msg[4] = HP_AUTH_PTY;
	memcpy(msg + HP_HDR, s->hkey, HP_KEY_LEN);
	if (write(fd, msg, sizeof msg) != (ssize_t)sizeof msg) {
		close(fd);
		return;
	}
	s->direct_ev = event_new(agentd_base, fd, EV_READ, session_direct_pty_cb, s);
	event_add(s->direct_ev, &tv);
	s->direct = SESSION_DIRECT_ASKED;
}

/* The holder's answer on the side connection: the terminal, or nothing. */
static void
session_direct_pty_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	uint8_t		 hdr[HP_HDR];
	union {
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr	align;
	} u;
	ssize_t		 n;
	int		 got[4], ngot = 0, i, pty = -1;

	/* An answer that came with the timeout is still the answer. */
	if (!(what & EV_READ)) {
		session_direct_stop(s);
		if (++s->direct_tries < SESSION_DIRECT_TRIES)
			session_direct_ask(s);
		return;
	}
	iov.iov_base = hdr;
	iov.iov_len = sizeof hdr;
	memset(&msg, 0, sizeof msg);
	memset(&u, 0, sizeof u);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Whatever came attached is ours to close unless it is the one terminal. */
	for (cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) &&
		    ngot < 4; i++)
			memcpy(&got[ngot++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (n == (ssize_t)sizeof hdr && hp_get32(hdr) == 1 && hdr[4] == HP_PTYFD &&
	    !(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) && ngot == 1 && isatty(got[0]))
		pty = got[0];
	for (i = 0; i < ngot; i++) {
		if (got[i] != pty)
			close(got[i]);
	}
	session_direct_side_close(s);
	if (pty == -1 || s->hbev == NULL || s->state == SESSION_ENDED) {
		if (pty != -1)
			close(pty);
		s->direct = SESSION_DIRECT_OFF;
		return;
	}
	agd_set_nonblock(pty);		/* the holder's flag is shared; ours all the same */
	s->pty_fd = pty;
	s->direct = SESSION_DIRECT_WAIT;
	session_send(s, HP_DIRECT, NULL, 0);
}

/* 1 if the terminal's other side is closed (every slave fd): writes never go. */
static int
session_direct_hung_up(struct session *s)
{
	struct pollfd	pfd = { s->pty_fd, POLLOUT, 0 };

	return (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)));
}

/* Write what is held to the terminal; wait for it to take more if it is full. */
static void
session_direct_flush(struct session *s)
{
	ssize_t	n;
	size_t	len;

	session_resize_flush(s);
	while ((len = evbuffer_get_length(s->pending)) > 0) {
		/* Up to a size that is due: it goes in between. */
		if (s->resize_due && s->resize_at < len)
			len = s->resize_at;
		n = write(s->pty_fd, evbuffer_pullup(s->pending, (ssize_t)len), len);
		if (n > 0) {
			evbuffer_drain(s->pending, (size_t)n);
			if (s->resize_due) {
				s->resize_at -= (size_t)n;
				session_resize_flush(s);
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN && !session_direct_hung_up(s)) {
			event_add(s->direct_wev, NULL);
			return;
		}
		/*
		 * EIO, or a hang-up with the writes refused (no process holds the
		 * agent's side any more, while the agent may still run): what waits is
		 * dropped, as the holder drops it, and the holder's path takes over
		 * (else a master that reports POLLHUP would wake the loop forever).
		 */
		evbuffer_drain(s->pending, evbuffer_get_length(s->pending));
		s->resize_at = 0;
		session_direct_stop(s);
		return;
	}
	/* Everything written before it: now the size that waited. */
	session_resize_flush(s);
}

static void
session_direct_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_direct_flush(arg);
}

void
session_direct_ok(struct session *s)
{
	if (s->direct != SESSION_DIRECT_WAIT)
		return;
	s->direct_wev = event_new(agentd_base, s->pty_fd, EV_WRITE, session_direct_write_cb, s);
	s->direct = SESSION_DIRECT_ON;
	session_direct_flush(s);
}

void
session_direct_input(struct session *s, const void *p, size_t n)
{
	int	was_empty = evbuffer_get_length(s->pending) == 0;

	evbuffer_add(s->pending, p, n);
	if (was_empty)
		session_direct_flush(s);
}


