/*
 * How agentd-holder starts its agent (holder.h): the agent user it becomes (-u),
 * the PTY or the pipes (-p) it runs on, and the exec, saying on its output why
 * not if it cannot.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agd.h"
#include "holder.h"
#include "log.h"
#include "proc.h"

/* Look up the agent user name (-u) into u; fatal if it cannot be used. */
void
holder_user_lookup(struct holder_user *u, const char *name)
{
	struct passwd	*pw;

	if ((pw = getpwnam(name)) == NULL)
		fatalx("agent user %s: no such user", name);
	if (pw->pw_uid == 0)
		fatalx("agent user %s is root", name);
	if (geteuid() != 0)
		fatalx("agent user %s: the holder is not root", name);
	u->name = name;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->ngroups = HOLDER_GROUPS_MAX;
	if (getgrouplist(name, pw->pw_gid, u->groups, &u->ngroups) == -1)
		u->ngroups = HOLDER_GROUPS_MAX;	/* more than we keep: the first ones */
}

/*
 * In the child, with the PTY set up: give its terminal to the agent user and
 * become it for good (groups, then gid, then uid; checked it cannot come back).
 * 0, or -1 with errno.
 */
static int
user_become(const struct holder_user *u)
{
	if (u->name == NULL)
		return (0);
	if ((isatty(STDIN_FILENO) && fchown(STDIN_FILENO, u->uid, u->gid) == -1) ||
	    setgroups((size_t)u->ngroups, u->groups) == -1 || setgid(u->gid) == -1 ||
	    setuid(u->uid) == -1)
		return (-1);
	if (setuid(0) != -1 || getuid() != u->uid || geteuid() != u->uid) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/* In the child: become the agent, or say why not on the terminal and exit 127. */
void
holder_exec_agent(const char *dir, char **argv, const sigset_t *mask, const struct holder_user *u)
{
	agd_fork_child(mask);
	/* The daemon's 077 is for its state: the agent's files are the user's. */
	umask(AGD_AGENT_UMASK);
	if (user_become(u) == -1) {
		dprintf(1, "agentd: cannot become %s: %s\r\n", u->name, strerror(errno));
		_exit(AGD_EXEC_ESETUP);
	}
	/* The agent draws on our PTY, whatever terminal the daemon was started from. */
	setenv("TERM", "xterm-256color", 1);
	if (chdir(dir) == -1) {
		dprintf(1, "agentd: cannot enter %s: %s\r\n", dir, strerror(errno));
		_exit(AGD_EXEC_ENOEXEC);
	}
	execvp(argv[0], argv);
	dprintf(1, "agentd: cannot run %s: %s\r\n", argv[0], strerror(errno));
	_exit(AGD_EXEC_ENOEXEC);
}

/*
 * -p: fork the agent with its stdin a pipe from us and its stdout and stderr one
 * pipe to us, in a session (and process group) of its own as forkpty makes it.
 */
pid_t
holder_fork_pipes(int *outp, int *inp)
{
	int	 o[2], i[2];
	pid_t	 pid;

	if (pipe2(o, O_CLOEXEC) == -1 || pipe2(i, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		setsid();
		if (dup2(i[0], STDIN_FILENO) == -1 || dup2(o[1], STDOUT_FILENO) == -1 ||
		    dup2(o[1], STDERR_FILENO) == -1)
			_exit(AGD_EXEC_ESETUP);
		return (0);
	}
	close(i[0]);
	close(o[1]);
	*outp = o[0];
	*inp = i[1];
	return (pid);
}

