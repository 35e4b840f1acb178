/*
 * A spare holder (agentd-holder -z DIR): started by the daemon ahead of the next
 * session, so that a create does not wait for a holder's exec (a process's exec
 * and start cost milliseconds on a small VM). It waits on its socket (fd 3) for
 * the session's command line and environment, then runs as if started with
 * them. It ends, with nothing started, when the daemon closes the socket.
 *
 * The daemon's message (spawn-spare.c, spawn_spare_take): a header of three 32-bit
 * numbers in host order - argc, envc, bytes - then bytes of argc + envc
 * NUL-terminated strings, the arguments (argv[0] first) and then the variables.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holder.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

extern char	**environ;

/* 1 if a tracer is attached to us (/proc/self/status: TracerPid), or it cannot be told. */
static int
spare_traced(void)
{
	char	buf[4096], *p;
	ssize_t	n;
	int	fd;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) == -1)
		return (1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (1);
	buf[n] = '\0';
	if ((p = strstr(buf, "\nTracerPid:")) == NULL)
		return (1);
	return (strtol(p + 11, NULL, 10) != 0);
}

void
holder_spare_wait(int *argcp, char ***argvp)
{
	uint32_t	 hdr[3];
	char		*buf, **v, *p, *end;
	size_t		 i, n;

	/*
	 * Its session's environment and secret come here: not for another process
	 * of our uid to read (ptrace, /proc/PID/mem) while it waits. Idle, it is
	 * known apart from a session's holder (ps, the tests).
	 */
	prctl(PR_SET_DUMPABLE, 0);
	/* One that attached before that stays: then no session (the daemon falls back). */
	if (spare_traced())
		exit(0);
	prctl(PR_SET_NAME, "agentd-spare");
	if (agd_read_all(3, hdr, sizeof hdr) == -1)
		exit(0);		/* no session came: the daemon let it go */
	if (hdr[0] < 2 || hdr[0] > HOLDER_SPARE_ARGS_MAX || hdr[1] > HOLDER_SPARE_ARGS_MAX ||
	    hdr[2] == 0 || hdr[2] > HOLDER_SPARE_BYTES_MAX)
		fatalx("spare: a start of %u arguments, %u variables, %u bytes",
		    hdr[0], hdr[1], hdr[2]);
	buf = xmalloc(hdr[2]);
	if (agd_read_all(3, buf, hdr[2]) == -1)
		exit(0);
	if (buf[hdr[2] - 1] != '\0')
		fatalx("spare: its start does not end a string");
	n = (size_t)hdr[0] + hdr[1];
	v = xcalloc(n + 2, sizeof *v);
	for (i = 0, p = buf, end = buf + hdr[2]; i < n; i++) {
		if (p >= end)
			fatalx("spare: its start holds fewer strings than it says");
		v[i < hdr[0] ? i : i + 1] = p;
		p += strlen(p) + 1;
	}
	if (p != end)
		fatalx("spare: its start holds more than it says");
	/* v: the arguments, NULL, the variables, NULL (kept for the process's life). */
	v[hdr[0]] = NULL;
	environ = v + hdr[0] + 1;
	prctl(PR_SET_NAME, "agentd-holder");
	*argcp = (int)hdr[0];
	*argvp = v;
}
