/*
 * fork/exec (posix_spawn) with the signal and descriptor discipline, the path of this program,
 * and signalling a process tree (the holder ends what left the agent's group).
 */
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "proc.h"
#include "xmalloc.h"

extern char	**environ;

void
agd_fork_block(sigset_t *old)
{
	sigset_t	all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
}

void
agd_fork_unblock(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void
agd_fork_child(const sigset_t *old)
{
	struct sigaction	sa;
	int			i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * In the child: make fds 0..nfd-1 what x asks (KEEP ones are left as they are).
 * Every source is first moved above nfd, so one target cannot overwrite another's
 * source; dup2 clears close-on-exec.
 */
static int
exec_fds(const struct agd_exec *x)
{
	int	tmp[AGD_EXEC_NFD], i, src;

	for (i = 0; i < x->nfd; i++) {
		tmp[i] = -1;
		if ((src = x->fd[i]) == AGD_EXEC_KEEP)
			continue;
		if (src == AGD_EXEC_NULL) {
			if ((src = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
				return (-1);
		}
		if ((tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, x->nfd)) == -1)
			return (-1);
	}
	for (i = 0; i < x->nfd; i++) {
		if (tmp[i] != -1 && dup2(tmp[i], i) == -1)
			return (-1);
	}
	closefrom(x->nfd);
	return (0);
}

/*
 * The child by fork(): the setup exec_fds() does, then exec. What a failed
 * posix_spawn leaves to say (the exit status and AGD_EXEC_SAYERR's line).
 */
static pid_t
fork_exec(const struct agd_exec *x, char **cause)
{
	sigset_t	old;
	pid_t		pid;

	agd_fork_block(&old);
	pid = AGD_FAULT(AGD_FAULT_FORK) ? -1 : fork();
	if (pid == 0) {
		agd_fork_child(&old);
		if (x->flags & AGD_EXEC_SETSID)
			setsid();
		if (exec_fds(x) == -1)
			_exit(AGD_EXEC_ESETUP);
		if (x->path != NULL)
			execve(x->path, x->argv, x->env != NULL ? x->env : environ);
		else
			execvpe(x->argv[0], x->argv, x->env != NULL ? x->env : environ);
		if (x->flags & AGD_EXEC_SAYERR)
			dprintf(STDERR_FILENO, "%s: %s\n", x->argv[0], strerror(errno));
		_exit(AGD_EXEC_ENOEXEC);
	}
	agd_fork_unblock(&old);
	if (pid == -1)
		xasprintf(cause, "fork: %s", strerror(errno));
	return (pid);
}

/*
 * posix_spawn (a vfork-like clone in glibc): the parent's page tables are not
 * copied, which for the daemon - libgit2, curl, SQLite's cache mapped - was most of
 * a session's create. The same discipline as the child of fork_exec: every
 * signal to its default, the caller's mask, fds 0..nfd-1 from x (each source first
 * duplicated above nfd in the parent, so no target overwrites another's source),
 * the rest closed. 0 and *pid, or an errno (nothing was started).
 */
static int
spawn_exec(const struct agd_exec *x, pid_t *pid)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 all, old;
	int				 tmp[AGD_EXEC_NFD], i, src, error;
	short				 flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;

	for (i = 0; i < x->nfd; i++)
		tmp[i] = -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	sigprocmask(SIG_SETMASK, NULL, &old);
	sigfillset(&all);
	if (x->flags & AGD_EXEC_SETSID)
		flags |= POSIX_SPAWN_SETSID;
	error = posix_spawnattr_setflags(&at, flags);
	if (error == 0)
		error = posix_spawnattr_setsigmask(&at, &old);
	if (error == 0)
		error = posix_spawnattr_setsigdefault(&at, &all);
	for (i = 0; error == 0 && i < x->nfd; i++) {
		if ((src = x->fd[i]) == AGD_EXEC_KEEP)
			continue;
		if (src == AGD_EXEC_NULL) {
			error = posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
			continue;
		}
		if ((tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, x->nfd)) == -1)
			error = errno;
		else
			error = posix_spawn_file_actions_adddup2(&fa, tmp[i], i);
	}
	if (error == 0)
		error = posix_spawn_file_actions_addclosefrom_np(&fa, x->nfd);
	if (error == 0) {
		if (x->path != NULL)
			error = posix_spawn(pid, x->path, &fa, &at, x->argv,
			    x->env != NULL ? x->env : environ);
		else
			error = posix_spawnp(pid, x->argv[0], &fa, &at, x->argv,
			    x->env != NULL ? x->env : environ);
	}
	for (i = 0; i < x->nfd; i++) {
		if (tmp[i] != -1)
			close(tmp[i]);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return (error);
}

pid_t
agd_fork_exec(const struct agd_exec *x, char **cause)
{
	pid_t	pid;

	if (spawn_exec(x, &pid) == 0)
		return (pid);
	/*
	 * Not started (the program is missing, a descriptor could not be set up):
	 * fork does it the old way, so the caller sees the same exit status and
	 * the same line on the child's stderr as it always did.
	 */
	return (fork_exec(x, cause));
}

const char *
agd_self_exe(void)
{
	static char	path[PATH_MAX];
	ssize_t		n;

	if (path[0] == '\0') {
		if ((n = readlink("/proc/self/exe", path, sizeof path - 1)) <= 0)
			return (NULL);
		path[n] = '\0';
	}
	return (path);
}

/* One process of /proc: its pid, its parent's, and whether it is ours to signal. */
struct proc_link {
	pid_t	pid;
	pid_t	ppid;
	int	mark;
};

/* pid's parent and state from /proc/PID/stat: 0, or -1 if it is gone. */
static int
proc_stat(pid_t pid, pid_t *ppid, char *state)
{
	char	path[64], buf[512], *p;
	ssize_t	n;
	int	fd;
	long	pp;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* "PID (COMM) S PPID ...": COMM may hold anything, even ") ". */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %c %ld", state, &pp) != 2)
		return (-1);
	*ppid = (pid_t)pp;
	return (0);
}

static int proc_link_cmp(const void *, const void *);

/*
 * Signal e through a pidfd, once its parent is checked again: a process that
 * ended since /proc was read and whose pid went to another (not ours) is spared.
 */
static void
proc_signal(struct proc_link *v, size_t n, struct proc_link *e, pid_t root, int sig)
{
	struct proc_link	 key, *p;
	pid_t			 ppid;
	char			 state;
	int			 fd;

	if ((fd = (int)syscall(SYS_pidfd_open, e->pid, 0)) == -1)
		return;
	key.pid = ppid = 0;
	if (proc_stat(e->pid, &ppid, &state) == 0) {
		key.pid = ppid;
		p = bsearch(&key, v, n, sizeof *v, proc_link_cmp);
		if (ppid == root || (p != NULL && p->mark))
			syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	}
	close(fd);
}

static int
proc_link_cmp(const void *a, const void *b)
{
	const struct proc_link	*x = a, *y = b;

	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

int
agd_proc_kill_tree(pid_t root, int sig)
{
	struct proc_link	*v = NULL, *p, key;
	struct dirent		*de;
	size_t			 n = 0, cap = 0, i;
	DIR			*d;
	pid_t			 pid, ppid;
	char			 state, *end;
	int			 count = 0, more;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		pid = (pid_t)strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || proc_stat(pid, &ppid, &state) == -1 ||
		    state == 'Z' || state == 'X')
			continue;
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].pid = pid;
		v[n].ppid = ppid;
		v[n++].mark = ppid == root;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof *v, proc_link_cmp);
	/* A child's pid is not always above its parent's: mark until nothing changes. */
	do {
		more = 0;
		for (i = 0; i < n; i++) {
			key.pid = v[i].ppid;
			if (!v[i].mark && (p = bsearch(&key, v, n, sizeof *v,
			    proc_link_cmp)) != NULL && p->mark)
				v[i].mark = more = 1;
		}
	} while (more);
	for (i = 0; i < n; i++) {
		if (v[i].mark && v[i].pid != root) {
			count++;
			if (sig != 0)
				proc_signal(v, n, &v[i], root, sig);
		}
	}
	free(v);
	return (count);
}
