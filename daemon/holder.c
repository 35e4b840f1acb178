/*
 * agentd-holder: the small process that keeps one agent alive while agentd comes
 * and goes (as containerd-shim or dtach do). It owns the PTY master and the agent's
 * process group, reads the terminal all the time, and keeps every byte until the
 * daemon says it has recorded it, so a daemon restart loses nothing. It is a child
 * subreaper: whatever the agent leaves behind (setsid() too) is reaped, and ended,
 * here.
 *
 * usage: agentd-holder -s SOCKET -d DIR -c COLS -r ROWS -b BUFMAX [-p] [-u USER] -- ARGV...
 * fd 3, if open, is the first connection to the daemon; its first message (HP_AUTH)
 * is the session's secret. Any other connection - the daemon after a restart - must
 * come from our own uid and open with that secret before it replaces the current one
 * or hears a word; the socket path is taken back if someone else's is put there.
 * -u (we are root): the agent runs as USER, its groups and its uid, from its PTY on.
 *    agentd-holder -z DIR: a spare, started before its session; the arguments
 * above (and the environment) come over fd 3 first (holder-spare.c). DIR, the
 * daemon's holder sockets, only names it.
 * -p (the stream transport): the agent's stdin is a pipe from us and its stdout
 * and stderr one pipe to us, instead of a PTY; the same buffering and offsets.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "holder.h"
#include "hproto.h"
#include "agd.h"
#include "log.h"
#include "proc.h"
#include "sock.h"
#include "util.h"
#include "xmalloc.h"

/* After the agent exits, wait this long for the terminal to close (its last output). */
#define HOLDER_DRAIN_MS		300
/* Input not yet written to the terminal; past this we stop reading the daemon. */
#define HOLDER_INPUT_MAX	(4 * 1024 * 1024)
/* Terminal output kept until acknowledged, unless -b says: a daemon restart's worth. */
#define HOLDER_OUT_DEFAULT	(8 * 1024 * 1024)
/* Unreachable (the first connection went before the secret): SIGTERM, SIGKILL after. */
#define HOLDER_ORPHAN_GRACE_MS	2000
struct hbuf {
	uint8_t	*data;
	size_t	 start;
	size_t	 len;
	size_t	 cap;
};

static int		 pty_fd = -1;	/* the agent's output: the PTY master or a pipe */
static int		 in_fd = -1;	/* its input: the PTY master or its stdin's pipe */
static int		 pipes;		/* -p */
static int		 conn_fd = -1;
static int		 sig_pipe[2];
static pid_t		 child;
static int		 child_status;
static int		 child_exited;
static int		 pty_done;
static uint64_t		 drain_deadline;
static int		 drain_forced;
static int		 finished;	/* agent, its group and its terminal are done */
static uint64_t		 kill_deadline;
static uint64_t		 accept_resume;	/* out of descriptors: not accepting until then */

static struct hbuf	 out;		/* terminal output not yet acknowledged */
static uint64_t		 out_base;	/* offset of out.data[out.start] */
static uint64_t		 out_sent;	/* next offset to send */
static size_t		 out_max;
static int		 resumed;	/* the daemon said where to start */
static int		 direct_due;	/* HP_DIRECT heard: HP_DIRECTOK when iq is empty */
static int		 exit_sent;
static int		 orphaned;	/* no daemon can ever reach us: ending the agent */

static struct hbuf	 wq;		/* bytes queued for the daemon */
/*
 * The DATA message being written: its header here, its bytes straight from out
 * (by offset, so out may move under it), written with one writev.
 */
static uint8_t		 dq_hdr[HP_HDR + 8];
static size_t		 dq_hdr_done;	/* header bytes written */
static uint64_t		 dq_off;	/* offset of its first byte */
static size_t		 dq_len;	/* its payload; 0: none in flight */
static size_t		 dq_done;	/* payload bytes written */
static struct hbuf	 rq;		/* bytes read from the daemon */
static struct hbuf	 iq;		/* input queued for the terminal */
static uint64_t		 in_taken;	/* HP_INPUT bytes taken since the start */
static uint64_t		 in_told;	/* in_taken as the daemon was last told */
/* A size (HP_RESIZE) set once the first ws_at bytes of iq, sent before it, are written. */
static struct winsize	 ws_due;
static size_t		 ws_at;
static int		 ws_pending;

static void
hbuf_reserve(struct hbuf *b, size_t n)
{
	if (b->start > 0 && b->start + b->len + n > b->cap) {
		memmove(b->data, b->data + b->start, b->len);
		b->start = 0;
	}
	if (b->start + b->len + n > b->cap) {
		b->cap = (b->start + b->len + n) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
}

static void
hbuf_add(struct hbuf *b, const void *p, size_t n)
{
	hbuf_reserve(b, n);
	memcpy(b->data + b->start + b->len, p, n);
	b->len += n;
}

static void
hbuf_drop(struct hbuf *b, size_t n)
{
	if (n >= b->len) {
		b->start = b->len = 0;
		return;
	}
	b->start += n;
	b->len -= n;
}

static void
queue_msg(int type, const void *p, size_t n)
{
	uint8_t	hdr[HP_HDR];

	hp_put32(hdr, (uint32_t)(n + 1));
	hdr[4] = (uint8_t)type;
	hbuf_add(&wq, hdr, sizeof hdr);
	if (n > 0)
		hbuf_add(&wq, p, n);
}

static void
sig_handler(int sig)
{
	int	saved = errno;
	char	c = (char)sig;

	if (write(sig_pipe[1], &c, 1) == -1) {
		/* the pipe is full: a wakeup is already pending */
	}
	errno = saved;
}

static void
conn_close(void)
{
	if (conn_fd != -1)
		close(conn_fd);
	conn_fd = -1;
	wq.start = wq.len = 0;
	dq_len = 0;
	direct_due = 0;
	rq.start = rq.len = 0;
	resumed = 0;
	exit_sent = 0;
}

static void
conn_hello(void)
{
	struct hp_hello	h;

	memset(&h, 0, sizeof h);
	h.version = HP_VERSION;
	h.pid = child;
	h.pgid = child;
	h.exited = finished;
	h.base = out_base;
	h.end = out_base + out.len;
	h.in_taken = in_taken;
	in_told = in_taken;
	queue_msg(HP_HELLO, &h, sizeof h);
}

void
holder_conn_adopt(int fd)
{
	conn_close();
	conn_fd = fd;
	agd_set_nonblock(conn_fd);
	conn_hello();
}

int
holder_terminal(void)
{
	return (pipes || pty_done ? -1 : pty_fd);
}

/* Forget output below off: the daemon has it. */
static void
out_ack(uint64_t off)
{
	if (off <= out_base)
		return;
	if (off > out_base + out.len)
		off = out_base + out.len;
	hbuf_drop(&out, (size_t)(off - out_base));
	out_base = off;
	if (out_sent < out_base)
		out_sent = out_base;
}

static void
group_kill(int sig)
{
	if (child > 0)
		kill(-child, sig);
	agd_proc_kill_tree(getpid(), sig);	/* and what left the group (setsid) */
}

/* Handle one complete message from the daemon. */
static void
conn_message(int type, const uint8_t *p, size_t n)
{
	struct winsize	ws;
	uint64_t	off;
	uint32_t	grace;

	switch (type) {
	case HP_RESUME:
		if (n != 8)
			break;
		off = hp_get64(p);
		out_ack(off);
		out_sent = off > out_base ? off : out_base;
		resumed = 1;
		break;
	case HP_ACK:
		if (n == 8)
			out_ack(hp_get64(p));
		break;
	case HP_INPUT:
		/* Taken, even for a terminal that is done: the daemon need not send it again. */
		if (!pty_done)
			hbuf_add(&iq, p, n);
		in_taken += n;
		break;
	case HP_RESIZE:
		if (n != 4 || pty_done || pipes)
			break;
		memset(&ws, 0, sizeof ws);
		ws.ws_col = (unsigned short)(p[0] << 8 | p[1]);
		ws.ws_row = (unsigned short)(p[2] << 8 | p[3]);
		/* After the input sent before it (a size already due keeps its place). */
		if (iq.len == 0)
			ioctl(pty_fd, TIOCSWINSZ, &ws);
		else {
			if (!ws_pending)
				ws_at = iq.len;
			ws_due = ws;
			ws_pending = 1;
		}
		break;
	case HP_KILL:
		if (n != 4)
			break;
		grace = hp_get32(p);
		group_kill(SIGTERM);
		if (!child_exited || kill_deadline == 0)
			kill_deadline = agd_now_ms() + grace;
		break;
	case HP_DIRECT:
		if (n == 0)
			direct_due = 1;
		break;
	case HP_EXITACK:
		if (finished && exit_sent)
			exit(0);
		break;
	case HP_AUTH:
		/* Only the inherited connection gives it, once. */
		if (n == HP_KEY_LEN)
			holder_set_key(p);
		break;
	}
}

static void
conn_read(void)
{
	ssize_t		n;
	uint32_t	len;

	hbuf_reserve(&rq, 65536);
	n = read(conn_fd, rq.data + rq.start + rq.len, 65536);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_close();
		return;
	}
	if (n < 0)
		return;
	rq.len += (size_t)n;
	while (rq.len >= HP_HDR) {
		len = hp_get32(rq.data + rq.start);
		if (len == 0 || len > HP_MAX) {
			conn_close();
			return;
		}
		if (rq.len < 4 + (size_t)len)
			break;
		conn_message(rq.data[rq.start + 4], rq.data + rq.start + HP_HDR,
		    len - 1);
		if (conn_fd == -1)
			return;
		hbuf_drop(&rq, 4 + (size_t)len);
	}
	if (in_taken != in_told) {
		uint8_t	v[8];

		hp_put64(v, in_taken);
		queue_msg(HP_INPUTACK, v, sizeof v);
		in_told = in_taken;
	}
}

/* Start the next DATA message, or queue EXIT once everything is out. */
static void
conn_fill(void)
{
	struct hp_exit	 e;
	size_t		 n;

	if (conn_fd == -1 || !resumed || wq.len > 0 || dq_len > 0)
		return;
	if (out_sent < out_base + out.len) {
		n = out.len - (size_t)(out_sent - out_base);
		if (n > HP_DATA_MAX)
			n = HP_DATA_MAX;
		hp_put32(dq_hdr, (uint32_t)(n + 9));
		dq_hdr[4] = HP_DATA;
		hp_put64(dq_hdr + HP_HDR, out_sent);
		dq_hdr_done = dq_done = 0;
		dq_off = out_sent;
		dq_len = n;
		out_sent += n;
		return;
	}
	if (finished && !exit_sent) {
		memset(&e, 0, sizeof e);
		e.status = child_status;
		e.end = out_base + out.len;
		queue_msg(HP_EXIT, &e, sizeof e);
		exit_sent = 1;
	}
}

/* 1 if something waits to be written to the daemon. */
static int
conn_pending(void)
{
	return (conn_fd != -1 && (wq.len > 0 || dq_len > 0));
}

/*
 * Write what is queued, then DATA messages from out, until the socket is full or
 * nothing is left (the acknowledged part of out cannot be in flight: the daemon
 * acknowledges only what it has read).
 */
static void
conn_write(void)
{
	struct iovec	iov[2];
	ssize_t		n;
	size_t		m;

	if (conn_fd == -1)
		return;
	for (;;) {
		/*
		 * A DATA message in flight is finished first: what is queued in wq
		 * meanwhile (HP_DIRECTOK) comes after it (conn_fill starts one only
		 * with wq empty).
		 */
		if (dq_len == 0 && wq.len > 0) {
			n = write(conn_fd, wq.data + wq.start, wq.len);
			if (n > 0)
				hbuf_drop(&wq, (size_t)n);
		} else if (dq_len > 0) {
			/* Acknowledged before it was all sent: not the daemon's protocol. */
			if (dq_off + dq_done < out_base) {
				conn_close();
				return;
			}
			iov[0].iov_base = dq_hdr + dq_hdr_done;
			iov[0].iov_len = sizeof dq_hdr - dq_hdr_done;
			iov[1].iov_base = out.data + out.start +
			    (size_t)(dq_off - out_base) + dq_done;
			iov[1].iov_len = dq_len - dq_done;
			n = writev(conn_fd, iov, 2);
			if (n > 0) {
				m = (size_t)n;
				if (m > iov[0].iov_len) {
					dq_done += m - iov[0].iov_len;
					m = iov[0].iov_len;
				}
				dq_hdr_done += m;
				if (dq_done == dq_len)
					dq_len = 0;
			}
		} else {
			conn_fill();
			if (!conn_pending())
				return;
			continue;
		}
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close();
			return;
		}
		if (wq.len > 0 || dq_len > 0)
			return;		/* a short write: the socket is full */
	}
}

static void
pty_read(void)
{
	ssize_t	n;

	hbuf_reserve(&out, 65536);
	n = read(pty_fd, out.data + out.start + out.len, 65536);
	if (n > 0) {
		out.len += (size_t)n;
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EIO: every slave is closed; the terminal is done. */
	pty_done = 1;
	/* Input for it can go now: else a full queue would stop reading the daemon. */
	iq.start = iq.len = 0;
}

static void
pty_write(void)
{
	ssize_t	n;
	size_t	len = ws_pending && ws_at < iq.len ? ws_at : iq.len;

	n = write(in_fd, iq.data + iq.start, len);
	if (n > 0) {
		hbuf_drop(&iq, (size_t)n);
		if (ws_pending)
			ws_at -= (size_t)n;
	} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
		iq.start = iq.len = 0;
		ws_at = 0;
	}
	/* Written up to a size that was due: set it now. */
	if (ws_pending && ws_at == 0) {
		ws_pending = 0;
		ioctl(pty_fd, TIOCSWINSZ, &ws_due);
	}
}

/* 1 once no process of the agent's group is left (zombies are reaped by reap()). */
static int
group_gone(void)
{
	return (child > 0 && kill(-child, 0) == -1 && errno == ESRCH &&
	    agd_proc_kill_tree(getpid(), 0) == 0);
}

static void
reap(void)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == child && !child_exited) {
			child_exited = 1;
			child_status = status;
			drain_deadline = agd_now_ms() + HOLDER_DRAIN_MS;
		}
	}
}

/* agentd-holder: start the agent on a PTY and keep it until it and its terminal are done. */
int
main(int argc, char **argv)
{
	struct pollfd		 pfd[4 + HOLDER_PENDING_MAX + 1];
	struct winsize		 ws;
	struct sigaction	 sa;
	sigset_t		 mask;
	const char		*sock = NULL, *dir = NULL;
	struct holder_user	 user;
	uint64_t		 now, wake;
	char			 c;
	int			 ch, n, timeout, fd, i, pause_ms;

	log_init("agentd-holder", 0);
	/* A spare: the session's own arguments come over fd 3 (holder-spare.c). */
	if (argc == 3 && strcmp(argv[1], "-z") == 0)
		holder_spare_wait(&argc, &argv);
	memset(&ws, 0, sizeof ws);
	ws.ws_col = 120;
	ws.ws_row = 40;
	out_max = HOLDER_OUT_DEFAULT;
	memset(&user, 0, sizeof user);
	while ((ch = getopt(argc, argv, "b:c:d:pr:s:u:")) != -1) {
		switch (ch) {
		case 'b': out_max = strtoul(optarg, NULL, 10); break;
		case 'p': pipes = 1; break;
		case 'c': ws.ws_col = (unsigned short)atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'r': ws.ws_row = (unsigned short)atoi(optarg); break;
		case 's': sock = optarg; break;
		case 'u': holder_user_lookup(&user, optarg); break;
		default: fatalx("usage: agentd-holder -s SOCK -d DIR -- ARGV");
		}
	}
	argv += optind;
	if (sock == NULL || dir == NULL || argv[0] == NULL)
		fatalx("usage: agentd-holder -s SOCK -d DIR -- ARGV");
	if (out_max < HP_DATA_MAX)
		out_max = HP_DATA_MAX;

	/* Out of the daemon's session: a Ctrl-C on its terminal is not for us. */
	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Our memory (the secret) is not for other processes of our uid to read. */
	prctl(PR_SET_DUMPABLE, 0);
	holder_listen(sock);
	if (fcntl(3, F_GETFD) != -1)
		holder_conn_adopt(3);

	agd_fork_block(&mask);
	if (pipes)
		child = holder_fork_pipes(&pty_fd, &in_fd);
	else
		child = forkpty(&pty_fd, NULL, NULL, &ws);
	if (child == -1)
		fatal("fork");
	if (child == 0) {
		/* forkpty made us a session leader: the agent's pgid is its pid. */
		closefrom(STDERR_FILENO + 1);
		holder_exec_agent(dir, argv, &mask, &user);
	}
	agd_fork_unblock(&mask);
	if (!pipes)
		in_fd = pty_fd;
	agd_set_nonblock(pty_fd);
	agd_set_nonblock(in_fd);
	if (conn_fd != -1) {
		/* The first hello went out before the fork: say the pid now. */
		wq.start = wq.len = 0;
		conn_hello();
	}

	for (;;) {
		n = 0;
		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = accept_resume > agd_now_ms() ? -1 : holder_listen_fd();
		pfd[n++].events = POLLIN;
		pfd[n].fd = pty_done ? -1 : pty_fd;
		pfd[n].events = (out.len < out_max ? POLLIN : 0) |
		    (iq.len > 0 && !pipes ? POLLOUT : 0);
		n++;
		if (direct_due && iq.len == 0 && conn_fd != -1) {
			queue_msg(HP_DIRECTOK, NULL, 0);
			direct_due = 0;
		}
		conn_fill();
		pfd[n].fd = conn_fd;
		pfd[n].events = (iq.len < HOLDER_INPUT_MAX ? POLLIN : 0) |
		    (conn_pending() ? POLLOUT : 0);
		n++;
		n += holder_pending_poll(pfd + n);
		/* -p: the agent's stdin is polled apart from its output. */
		pfd[n].fd = pipes && !pty_done && iq.len > 0 ? in_fd : -1;
		pfd[n++].events = POLLOUT;

		now = agd_now_ms();
		wake = holder_listen_wake();
		if (kill_deadline != 0 && kill_deadline < wake)
			wake = kill_deadline;
		if (accept_resume > now && (wake == 0 || accept_resume < wake))
			wake = accept_resume;
		if (child_exited && !finished && (wake == 0 || drain_deadline < wake))
			wake = drain_deadline;
		timeout = -1;
		if (wake != 0)
			timeout = wake > now ? (int)(wake - now) : 0;

		if (poll(pfd, (nfds_t)n, timeout) == -1 && errno != EINTR)
			fatal("poll");

		if (pfd[0].revents & POLLIN) {
			while (read(sig_pipe[0], &c, 1) == 1)
				;
			reap();
		}
		if (pfd[1].revents & POLLIN) {
			fd = agd_sock_accept(holder_listen_fd(), 0, &pause_ms);
			if (fd != -1)
				holder_pending_add(fd);
			else if (pause_ms != 0)
				accept_resume = agd_now_ms() + (uint64_t)pause_ms;
		}
		if (!pty_done && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* Read until EAGAIN: after a hang-up the tail must not be lost. */
			for (i = 0; i < 16 && !pty_done && out.len < out_max; i++) {
				size_t before = out.len;
				pty_read();
				if (out.len == before)
					break;
			}
			/* The socket is most often writable: no poll round before it. */
			conn_write();
		}
		if (!pty_done && iq.len > 0 && ((pfd[2].revents & POLLOUT) ||
		    (pfd[4 + HOLDER_PENDING_MAX].revents & (POLLOUT | POLLERR))))
			pty_write();
		if (conn_fd != -1 && pfd[3].fd == conn_fd) {
			if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read();
			if (conn_pending() && (pfd[3].revents & POLLOUT))
				conn_write();
		}

		holder_listen_events(pfd + 4);
		now = agd_now_ms();
		if (conn_fd == -1 && !holder_has_key() && !orphaned) {
			/* Nobody can show the secret we never got: end, not orphan, the agent. */
			orphaned = 1;
			group_kill(SIGTERM);
			kill_deadline = now + HOLDER_ORPHAN_GRACE_MS;
		}
		if (orphaned && finished)
			exit(0);
		if (kill_deadline != 0 && now >= kill_deadline) {
			group_kill(SIGKILL);
			kill_deadline = 0;
		}
		if (child_exited && !finished) {
			reap();
			if (pty_done && group_gone())
				finished = 1;
			else if (now >= drain_deadline) {
				/*
				 * The agent is gone but something of its group lives on or
				 * holds the terminal: end it, then allow one more period.
				 */
				if (!drain_forced) {
					group_kill(SIGKILL);
					drain_forced = 1;
					drain_deadline = now + HOLDER_DRAIN_MS;
				} else
					pty_done = finished = 1;
			}
		}
		if (pty_done && pty_fd != -1 && child_exited) {
			/* Reap whatever the group left; then the terminal can go. */
			reap();
			if (in_fd != pty_fd)
				close(in_fd);
			close(pty_fd);
			pty_fd = in_fd = -1;
		}
	}
}
