/*
 * The spare holder: one agentd-holder started ahead of the next create
 * (agentd-holder -z, holder-spare.c), waiting on its socketpair. A create hands
 * it the session's command line and environment instead of waiting for a
 * holder's exec and start, which on a small VM cost a create most of its time.
 * One at a time; taken, another is started a moment later (off the create's
 * path). It is only ever this daemon's: the socketpair is its only way in, and
 * it ends when the daemon closes it (exit, crash, a spare let go).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <poll.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "log.h"
#include "spawn.h"
#include "util.h"
#include "xmalloc.h"

/*
 * When the next spare starts after one is taken (ms): once the create it
 * served is answered (spawn_spare_later(0) then), or after this at the latest.
 * Not at once: starting it holds the daemon a few ms, as its hello comes.
 */
#define SPARE_LATER_MS		100
/*
 * The longest a spare may take to read a part of its start (ms), and the most
 * a start may hold (a few socket buffers; holder.h's HOLDER_SPARE_BYTES_MAX is
 * larger): a spare that reads slowly holds the daemon a second at most, then
 * the create starts its holder.
 */
#define SPARE_SEND_MS		200
#define SPARE_BYTES_MAX		(1U << 20)
#define SPARE_ARGS_MAX		65536

static pid_t		 spare_pid = -1;
static int		 spare_fd = -1;
static char		*spare_path;	/* the holder it runs */
static struct event	*spare_ev;

static void
spare_drop(void)
{
	if (spare_fd != -1)
		close(spare_fd);	/* it ends at its socket's end */
	spare_fd = -1;
	spare_pid = -1;
	free(spare_path);
	spare_path = NULL;
}

static void
spare_start(void)
{
	const char		*hpath = spawn_holder_path(), *v;
	struct spawn_args	 argv = { NULL, 0, 0 }, env = { NULL, 0, 0 };
	struct timeval		 tv = { SPARE_SEND_MS / 1000, (SPARE_SEND_MS % 1000) * 1000 };
	char			*cause = NULL;
	int			 sp[2];
	pid_t			 pid;

	if (spare_fd != -1 || agentd_exiting || access(hpath, X_OK) == -1)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return;
	/* A start it does not read in time is not waited for (the create falls back). */
	setsockopt(sp[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	spawn_args_add(&argv, "agentd-holder");
	spawn_args_add(&argv, "-z");
	spawn_args_add(&argv, "%s/run/h", agentd_home);
	/* Its own environment until its session's comes: what its log reads. */
	env.v = xcalloc(1, sizeof *env.v);
	if ((v = getenv("JOURNAL_STREAM")) != NULL)
		spawn_args_add(&env, "JOURNAL_STREAM=%s", v);
	if ((v = getenv("AGENTD_LOG_LEVEL")) != NULL)
		spawn_args_add(&env, "AGENTD_LOG_LEVEL=%s", v);
	pid = spawn_holder_exec(hpath, argv.v, env.v, sp[1], &cause);
	spawn_args_free(&argv);
	spawn_args_free(&env);
	close(sp[1]);
	if (pid == -1) {
		log_debug("spare holder: %s", cause);
		free(cause);
		close(sp[0]);
		return;
	}
	spare_pid = pid;
	spare_fd = sp[0];
	spare_path = xstrdup(hpath);
}

static void
spare_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	spare_start();
}

void
spawn_spare_later(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	if (spare_fd != -1 || agentd_exiting)
		return;
	if (spare_ev == NULL)
		spare_ev = evtimer_new(agentd_base, spare_cb, NULL);
	evtimer_add(spare_ev, &tv);
}

/*
 * 1 if the spare still runs: its end of the socketpair is open (it never writes
 * before its start; killed - a zombie not reaped yet too - its end is closed,
 * and the start would sit in a socket nobody reads).
 */
static int
spare_alive(void)
{
	struct pollfd	pfd = { spare_fd, POLLIN | POLLRDHUP, 0 };

	return (poll(&pfd, 1, 0) == 0);
}

int
spawn_spare_take(const char *hpath, const struct spawn_args *argv,
    const struct spawn_args *env, pid_t *pid)
{
	uint32_t	 hdr[3];
	size_t		 bytes = 0, i, n, off;
	char		*buf;
	int		 fd, rc;

	if (spare_fd == -1) {
		spawn_spare_later(SPARE_LATER_MS);
		return (-1);
	}
	/*
	 * Another holder configured since (a reload): that one runs sessions now.
	 * A spare killed is not handed the session either.
	 */
	if (strcmp(spare_path, hpath) != 0 || !spare_alive()) {
		spare_drop();
		spawn_spare_later(SPARE_LATER_MS);
		return (-1);
	}
	for (i = 0; i < argv->n; i++)
		bytes += strlen(argv->v[i]) + 1;
	for (i = 0; i < env->n; i++)
		bytes += strlen(env->v[i]) + 1;
	if (argv->n < 2 || argv->n > SPARE_ARGS_MAX || env->n > SPARE_ARGS_MAX ||
	    bytes > SPARE_BYTES_MAX)
		return (-1);
	hdr[0] = (uint32_t)argv->n;
	hdr[1] = (uint32_t)env->n;
	hdr[2] = (uint32_t)bytes;
	buf = xmalloc(sizeof hdr + bytes);
	memcpy(buf, hdr, sizeof hdr);
	off = sizeof hdr;
	for (i = 0; i < argv->n + env->n; i++) {
		const char	*s = i < argv->n ? argv->v[i] : env->v[i - argv->n];

		n = strlen(s) + 1;
		memcpy(buf + off, s, n);
		off += n;
	}
	/* SIGPIPE is ignored: its end closed is EPIPE; SPARE_SEND_MS passed, EAGAIN. */
	rc = agd_write_all(spare_fd, buf, off);
	free(buf);
	if (rc == -1) {
		/* Gone (killed), or it did not read: let it go, start a holder. */
		log_info("spare holder %d did not take its start", (int)spare_pid);
		spare_drop();
		spawn_spare_later(SPARE_LATER_MS);
		return (-1);
	}
	fd = spare_fd;
	*pid = spare_pid;
	spare_fd = -1;
	spawn_spare_later(SPARE_LATER_MS);
	spare_pid = -1;
	free(spare_path);
	spare_path = NULL;
	return (fd);
}
