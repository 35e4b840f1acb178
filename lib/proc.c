/* fork/exec with the signal and descriptor discipline, and the path of this program. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

pid_t
agd_fork_exec(const struct agd_exec *x, char **cause)
{
	sigset_t	old;
	pid_t		pid;

	agd_fork_block(&old);
	pid = fork();
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
