/*
 * The PTY ceiling: run a command on a new PTY (forkpty, default termios, so
 * ONLCR is on) and read the master until EIO as fast as possible.
 *
 *	ptydrain [-e EXPECTED] COMMAND [ARG...]
 *	ptydrain -r COUNT COMMAND [ARG...]
 *
 * Prints one line: bytes=N seconds=S mbps=M (MB = 10^6 bytes) cpu_self_s=
 * (ptydrain's own CPU time, user + system) cpu_agent_s= (COMMAND's and its
 * children's, once reaped). Exit 1 if EXPECTED is given and differs from the
 * byte count.
 *
 * -r: the keystroke round trip floor instead: COMMAND echoes (sh -c 'stty raw
 * -echo; exec cat'); write one byte to the master COUNT times and wait for it
 * to come back each time; prints count= p50_us= p90_us= p99_us= max_us=.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* User + system CPU seconds of who (RUSAGE_SELF, RUSAGE_CHILDREN). */
static double
cpu_of(int who)
{
	struct rusage	ru;

	if (getrusage(who, &ru) == -1)
		return (0);
	return ((double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(const double *v, int n, double p)
{
	int	i = (int)(p * (n - 1) + 0.5);

	return (v[i]);
}

static int
rtt(int master, int count)
{
	struct pollfd	 pfd = { .fd = master, .events = POLLIN };
	double		*v, t0, deadline;
	char		 ch, buf[256];
	ssize_t		 n;
	int		 i, warm = 20;

	if ((v = calloc((size_t)count, sizeof *v)) == NULL)
		return (1);
	/* Let stty raw -echo run; drop anything printed before. */
	deadline = now() + 0.2;
	while (now() < deadline)
		if (poll(&pfd, 1, 20) > 0 && read(master, buf, sizeof buf) <= 0)
			return (1);
	for (i = -warm; i < count; i++) {
		ch = (char)('a' + (i + warm) % 26);
		t0 = now();
		if (write(master, &ch, 1) != 1)
			return (1);
		for (;;) {
			if (poll(&pfd, 1, 5000) <= 0) {
				fprintf(stderr, "ptydrain: no echo within 5 s\n");
				return (1);
			}
			n = read(master, buf, sizeof buf);
			if (n <= 0)
				return (1);
			if (buf[n - 1] == ch)
				break;
		}
		if (i >= 0)
			v[i] = (now() - t0) * 1e6;
	}
	qsort(v, (size_t)count, sizeof *v, cmp_double);
	printf("count=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n", count,
	    pct(v, count, 0.50), pct(v, count, 0.90), pct(v, count, 0.99), v[count - 1]);
	return (0);
}

int
main(int argc, char **argv)
{
	static char		 buf[65536];
	struct winsize		 ws = { .ws_row = 40, .ws_col = 120 };
	unsigned long long	 total = 0, expect = 0;
	int			 c, master, status, have_expect = 0, count = 0, rc;
	double			 t0, t;
	ssize_t			 n;
	pid_t			 pid;

	while ((c = getopt(argc, argv, "+e:r:")) != -1) {
		switch (c) {
		case 'r':
			count = atoi(optarg);
			if (count < 1)
				goto usage;
			break;
		case 'e':
			expect = strtoull(optarg, NULL, 10);
			have_expect = 1;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		goto usage;

	t0 = now();
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid == -1) {
		perror("ptydrain: forkpty");
		return (1);
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		perror("ptydrain: exec");
		_exit(127);
	}
	if (count > 0) {
		rc = rtt(master, count);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return (rc);
	}
	for (;;) {
		n = read(master, buf, sizeof buf);
		if (n > 0) {
			total += (unsigned long long)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		break;			/* EIO: the slave side is closed */
	}
	t = now() - t0;
	waitpid(pid, &status, 0);
	printf("bytes=%llu seconds=%.3f mbps=%.1f cpu_self_s=%.3f cpu_agent_s=%.3f\n", total, t,
	    (double)total / t / 1e6, cpu_of(RUSAGE_SELF), cpu_of(RUSAGE_CHILDREN));
	if (have_expect && total != expect) {
		fprintf(stderr, "ptydrain: got %llu bytes, expected %llu\n", total, expect);
		return (1);
	}
	return (0);
usage:
	fprintf(stderr, "usage: ptydrain [-e EXPECTED | -r COUNT] COMMAND [ARG...]\n");
	return (2);
}
