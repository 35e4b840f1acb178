/*
 * The holder's socket (agentd-holder): listening at its path and taking the path
 * back when someone replaces it, and the connections that come to it, each kept
 * aside until it shows the session's secret. The secret makes a connection the
 * daemon's (HP_AUTH: it replaces the current one), or gets it the terminal's
 * master for the daemon to write input itself (HP_AUTH_PTY, then closed).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holder.h"
#include "hproto.h"
#include "log.h"
#include "sock.h"
#include "util.h"

#define HOLDER_BACKLOG		4	/* one daemon connects, and again after a restart */
/* A connection that has not shown the secret by then is closed. */
#define HOLDER_AUTH_MS		5000
/* How often we check that the socket path is still ours (it is taken back if not). */
#define HOLDER_RELISTEN_MS	1000

static int		 listen_fd = -1;
static uint8_t		 key[HP_KEY_LEN];	/* the session's secret */
static int		 have_key;
static const char	*sock_path;
static struct stat	 sock_sb;	/* of sock_path once we bound it */
static uint64_t		 relisten_at;

/* A connection that has not shown the secret yet: its HP_AUTH message is read here. */
struct pending {
	int		 fd;
	uint64_t	 deadline;
	size_t		 len;
	uint8_t		 buf[HP_HDR + HP_KEY_LEN];
};
static struct pending	 pend[HOLDER_PENDING_MAX];

/* 1 if the len bytes at p are the secret (constant time). */
static int
key_equal(const uint8_t *p)
{
	uint8_t	d = 0;
	size_t	i;

	for (i = 0; i < HP_KEY_LEN; i++)
		d |= (uint8_t)(p[i] ^ key[i]);
	return (have_key && d == 0);
}

static void
pending_close(struct pending *q)
{
	if (q->fd != -1)
		close(q->fd);
	q->fd = -1;
	q->len = 0;
}

/* A connection from the listener: kept aside until it proves the secret. */
void
holder_pending_add(int fd)
{
	struct ucred	 cr;
	socklen_t	 crlen = sizeof cr;
	struct pending	*q, *oldest = &pend[0];
	int		 i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    cr.uid != geteuid() || !have_key) {
		close(fd);
		return;
	}
	for (i = 0; i < HOLDER_PENDING_MAX; i++) {
		q = &pend[i];
		if (q->fd == -1)
			break;
		if (q->deadline < oldest->deadline)
			oldest = q;
	}
	if (i == HOLDER_PENDING_MAX) {
		q = oldest;
		pending_close(q);
	}
	agd_set_nonblock(fd);
	q->fd = fd;
	q->len = 0;
	q->deadline = agd_now_ms() + HOLDER_AUTH_MS;
}

/*
 * The daemon's side connection asks for the terminal: it gets the master with
 * HP_PTYFD (not a pipes holder's stdin: the stream transport keeps HP_INPUT).
 * The socket is new and empty, so the few bytes go out at once or not at all.
 */
static void
pending_give_pty(int fd)
{
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	struct iovec	 iov;
	uint8_t		 hdr[HP_HDR];
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} u;

	int		 pty;

	if ((pty = holder_terminal()) == -1)
		return;
	hp_put32(hdr, 1);
	hdr[4] = HP_PTYFD;
	iov.iov_base = hdr;
	iov.iov_len = sizeof hdr;
	memset(&msg, 0, sizeof msg);
	memset(&u, 0, sizeof u);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pty, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof hdr)
		log_warn("%s: sendmsg", __func__);
}

/*
 * Read what a pending connection sent: the secret makes it the daemon's connection
 * (HP_AUTH), or gets it the terminal (HP_AUTH_PTY).
 */
static void
pending_read(struct pending *q)
{
	ssize_t	n;
	int	fd;

	n = read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pending_close(q);
		return;
	}
	q->len += (size_t)n;
	if (q->len < sizeof q->buf)
		return;
	if (hp_get32(q->buf) != HP_KEY_LEN + 1 ||
	    (q->buf[4] != HP_AUTH && q->buf[4] != HP_AUTH_PTY) ||
	    !key_equal(q->buf + HP_HDR)) {
		pending_close(q);
		return;
	}
	if (q->buf[4] == HP_AUTH_PTY) {
		pending_give_pty(q->fd);
		pending_close(q);
		return;
	}
	fd = q->fd;
	q->fd = -1;
	q->len = 0;
	holder_conn_adopt(fd);
}

/* The holder's socket: whatever is at path is an old holder's, so it is replaced. */
static int
listen_on(const char *path)
{
	char	*cause;
	int	 fd;

	if ((fd = agd_sock_listen(path, AGD_SOCK_NONBLOCK, HOLDER_BACKLOG, &cause)) < 0)
		fatalx("%s", cause);
	if (lstat(path, &sock_sb) == -1)
		memset(&sock_sb, 0, sizeof sock_sb);
	return (fd);
}

/*
 * Someone removed our socket or put theirs at its path (to be adopted instead of
 * us): bind it again, so the daemon finds us. Checked every HOLDER_RELISTEN_MS.
 */
static void
relisten_check(void)
{
	struct stat	sb;
	char		*cause;
	int		 fd;

	relisten_at = agd_now_ms() + HOLDER_RELISTEN_MS;
	if (lstat(sock_path, &sb) == 0 && sb.st_ino == sock_sb.st_ino &&
	    sb.st_dev == sock_sb.st_dev)
		return;
	if ((fd = agd_sock_listen(sock_path, AGD_SOCK_NONBLOCK, HOLDER_BACKLOG,
	    &cause)) < 0) {
		free(cause);
		return;
	}
	close(listen_fd);
	listen_fd = fd;
	if (lstat(sock_path, &sock_sb) == -1)
		memset(&sock_sb, 0, sizeof sock_sb);
}

void
holder_listen(const char *path)
{
	int	i;

	for (i = 0; i < HOLDER_PENDING_MAX; i++)
		pend[i].fd = -1;
	sock_path = path;
	listen_fd = listen_on(path);
	relisten_at = agd_now_ms() + HOLDER_RELISTEN_MS;
}

int
holder_listen_fd(void)
{
	return (listen_fd);
}

void
holder_set_key(const uint8_t *p)
{
	if (have_key)
		return;
	memcpy(key, p, HP_KEY_LEN);
	have_key = 1;
}

int
holder_has_key(void)
{
	return (have_key);
}

int
holder_pending_poll(struct pollfd *pfd)
{
	int	i;

	for (i = 0; i < HOLDER_PENDING_MAX; i++) {
		pfd[i].fd = pend[i].fd;
		pfd[i].events = POLLIN;
	}
	return (HOLDER_PENDING_MAX);
}

uint64_t
holder_listen_wake(void)
{
	uint64_t	wake = relisten_at;
	int		i;

	for (i = 0; i < HOLDER_PENDING_MAX; i++) {
		if (pend[i].fd != -1 && pend[i].deadline < wake)
			wake = pend[i].deadline;
	}
	return (wake);
}

void
holder_listen_events(const struct pollfd *pfd)
{
	uint64_t	now;
	int		i;

	for (i = 0; i < HOLDER_PENDING_MAX; i++) {
		if (pend[i].fd != -1 && pfd[i].fd == pend[i].fd &&
		    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			pending_read(&pend[i]);
	}
	now = agd_now_ms();
	for (i = 0; i < HOLDER_PENDING_MAX; i++) {
		if (pend[i].fd != -1 && now >= pend[i].deadline)
			pending_close(&pend[i]);
	}
	if (now >= relisten_at)
		relisten_check();
}
