/*
 * Jobs: helper programs (ssh, git) run in the background, their output collected
 * through a pipe (tmux job.c). The loop never waits for one: a job ends when the
 * daemon's SIGCHLD handler reaps it (job_reaped); what it wrote by then is its
 * output, even if a grandchild it left behind (an ssh ControlMaster) still holds
 * the pipe. Each job runs in its own process group, so a timeout kills it whole.
 */
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "job.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "xmalloc.h"

extern char	**environ;

struct job {
	pid_t			 pid;
	int			 fd;		/* read end of the output pipe */
	struct event		*read_ev;
	struct event		*timer;		/* timeout, then the deferred end */
	char			*out;
	size_t			 len;
	int			 status;
	int			 flags;
#define JOB_REAPED	0x1
#define JOB_TIMEDOUT	0x2
#define JOB_DONE	0x4			/* end scheduled */
	job_cb			 cb;
	void			*arg;
	LIST_ENTRY(job)		 entry;
};
static LIST_HEAD(, job)	 jobs = LIST_HEAD_INITIALIZER(jobs);

static void	job_free(struct job *);

/* Append the word fmt makes (a copy) to a. */
void
argv_add(struct argv_buf *a, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	a->v = xreallocarray(a->v, (size_t)a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* Append a copy of each word of v (NULL terminated, the caller's; may be NULL). */
void
argv_addv(struct argv_buf *a, char *const *v)
{
	for (; v != NULL && *v != NULL; v++)
		argv_add(a, "%s", *v);
}

/* Free every word and the array: a is empty again. */
void
argv_clear(struct argv_buf *a)
{
	int	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* s quoted for a POSIX shell. Caller frees. */
char *
sh_quote(const char *s)
{
	char	*q, *p;

	q = p = xmalloc(strlen(s) * 4 + 3);
	*p++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p = '\0';
	return (q);
}

/* The words of argv, quoted, joined by blanks. Caller frees. */
char *
sh_join(char *const *argv)
{
	char	*all = xstrdup(""), *q, *next;

	for (; *argv != NULL; argv++) {
		q = sh_quote(*argv);
		xasprintf(&next, "%s%s%s", all, *all != '\0' ? " " : "", q);
		free(q);
		free(all);
		all = next;
	}
	return (all);
}

static void
job_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;
	int		 status;

	(void)fd;
	(void)what;
	status = (j->flags & JOB_TIMEDOUT) ? -1 : j->status;
	LIST_REMOVE(j, entry);
	j->cb(j, status, j->out, j->len, j->arg);
	job_free(j);
}

/* Read what is there; 1 at EOF or error, 0 if more may come. */
static int
job_read(struct job *j)
{
	char	buf[4096];
	ssize_t	n;

	for (;;) {
		n = read(j->fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (0);
		if (n <= 0)
			return (1);
		if (j->len < JOB_OUT_MAX) {
			if ((size_t)n > JOB_OUT_MAX - j->len)
				n = (ssize_t)(JOB_OUT_MAX - j->len);
			memcpy(j->out + j->len, buf, (size_t)n);
			j->len += (size_t)n;
			j->out[j->len] = '\0';
		}
	}
}

static void
job_finish(struct job *j)
{
	struct timeval	tv = { 0, 0 };

	if (j->flags & JOB_DONE)
		return;
	j->flags |= JOB_DONE;
	job_read(j);
	event_del(j->read_ev);
	/* The callback runs from the loop, never from inside the caller. */
	evtimer_del(j->timer);
	evtimer_assign(j->timer, agentd_base, job_end_cb, j);
	evtimer_add(j->timer, &tv);
}

static void
job_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)what;
	if (job_read(j))
		event_del(j->read_ev);	/* EOF: the end comes with the reaping */
}

static void
job_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)what;
	log_debug("job %d: timed out", (int)j->pid);
	j->flags |= JOB_TIMEDOUT;
	kill(-j->pid, SIGKILL);
}

/*
 * Run argv (PATH searched) with env_add (NAME=VALUE strings) added to our
 * environment, stdin from /dev/null. cb is called once it has ended. Both
 * arrays are the caller's. Returns the job (job.c frees it after cb, or in
 * job_cancel), or NULL with *cause (the caller frees).
 */
struct job *
job_run(char *const *argv, char *const *env_add, int timeout_ms, job_cb cb,
    void *arg, char **cause)
{
	return (job_run_input(argv, env_add, NULL, timeout_ms, cb, arg, cause));
}

/*
 * input (NUL-terminated, may be NULL: /dev/null) as a memfd: a file the child
 * reads at its pace, so the loop never writes to a pipe and nothing of it is on
 * a command line. The fd (the caller closes it), or -1 with *cause.
 */
static int
job_input(const char *input, char **cause)
{
	size_t	len = strlen(input), off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create("agentd-job-input", MFD_CLOEXEC)) == -1) {
		xasprintf(cause, "memfd_create: %s", strerror(errno));
		return (-1);
	}
	while (off < len) {
		if ((n = write(fd, input + off, len - off)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			xasprintf(cause, "job input: %s", strerror(errno));
			close(fd);
			return (-1);
		}
		off += (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	return (fd);
}

struct job *
job_run_input(char *const *argv, char *const *env_add, const char *input, int timeout_ms,
    job_cb cb, void *arg, char **cause)
{
	struct job		*j;
	struct timeval		 tv;
	struct agd_exec		 x;
	struct argv_buf		 env = { NULL, 0 };
	char			**e;
	int			 p[2], in = -1;
	pid_t			 pid;

	if (input != NULL && (in = job_input(input, cause)) == -1)
		return (NULL);
	if (pipe2(p, O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		if (in != -1)
			close(in);
		return (NULL);
	}
	argv_addv(&env, env_add);
	for (e = environ; *e != NULL; e++) {
		const char	*eq = strchr(*e, '=');
		char *const	*a;
		int		 shadowed = 0;

		for (a = env_add; eq != NULL && a != NULL && *a != NULL; a++) {
			if (strncmp(*a, *e, (size_t)(eq - *e) + 1) == 0)
				shadowed = 1;
		}
		if (eq != NULL && !shadowed)
			argv_add(&env, "%s", *e);
	}

	memset(&x, 0, sizeof x);
	x.argv = argv;
	x.env = env.v;
	x.fd[0] = in != -1 ? in : AGD_EXEC_NULL;
	x.fd[1] = x.fd[2] = p[1];
	x.nfd = 3;
	x.flags = AGD_EXEC_SETSID | AGD_EXEC_SAYERR;
	pid = agd_fork_exec(&x, cause);
	argv_clear(&env);
	close(p[1]);
	if (in != -1)
		close(in);
	if (pid == -1) {
		close(p[0]);
		return (NULL);
	}
	agd_set_nonblock(p[0]);

	j = xcalloc(1, sizeof *j);
	j->pid = pid;
	j->fd = p[0];
	j->out = xmalloc(JOB_OUT_MAX + 1);
	j->out[0] = '\0';
	j->cb = cb;
	j->arg = arg;
	j->read_ev = event_new(agentd_base, j->fd, EV_READ | EV_PERSIST, job_read_cb, j);
	event_add(j->read_ev, NULL);
	j->timer = evtimer_new(agentd_base, job_timeout_cb, j);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(j->timer, &tv);
	LIST_INSERT_HEAD(&jobs, j, entry);
	log_debug("job %d: %s", (int)pid, argv[0]);
	return (j);
}

static void
job_free(struct job *j)
{
	event_free(j->read_ev);
	event_free(j->timer);
	if (j->fd != -1)
		close(j->fd);
	free(j->out);
	free(j);
}

/* Forget j without calling back; it is killed if it still runs. */
void
job_cancel(struct job *j)
{
	if (!(j->flags & JOB_REAPED))
		kill(-j->pid, SIGKILL);
	LIST_REMOVE(j, entry);
	job_free(j);
}

/* From the SIGCHLD handler: 1 if pid was a job's. */
int
job_reaped(pid_t pid, int status)
{
	struct job	*j;

	LIST_FOREACH(j, &jobs, entry) {
		if (j->pid == pid && !(j->flags & JOB_REAPED)) {
			j->flags |= JOB_REAPED;
			j->status = status;
			job_finish(j);
			return (1);
		}
	}
	return (0);
}

/* At exit: kill and forget every job. */
void
job_shutdown(void)
{
	struct job	*j;

	while ((j = LIST_FIRST(&jobs)) != NULL)
		job_cancel(j);
}
