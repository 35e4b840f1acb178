/*
 * Reaching a session's holder, and only it (issue 12: holder sockets accept only
 * the daemon). Each session has a secret, made here when it starts, given to its
 * holder as the first message of the connection it inherits, and kept 0600 with
 * the holder's pid in HOME/sessions/<id>/holder so a restarted daemon can prove
 * itself. Before the secret goes out on a connection made by path, the peer must
 * be the recorded holder process (SO_PEERCRED), so a listener someone else put at
 * the path learns nothing and is not adopted. A lost connection is made again,
 * with a backoff, for as long as the holder process lives (issue 13, item 7).
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
#include "log.h"
#include "session.h"
#include "xmalloc.h"

/* Reconnecting to a holder that lives: the first retry, and the longest wait. */
#define SESSION_RECONNECT_MIN_MS	100
#define SESSION_RECONNECT_MAX_MS	5000
/* Without a recorded holder pid (a session of an older daemon): a few quick tries. */
#define SESSION_CONNECT_TRIES		5
/* "PID HEX\n" */
#define SESSION_KEYFILE_MAX		(32 + 2 * HP_KEY_LEN)

static void	session_holder_retry(struct session *);

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
