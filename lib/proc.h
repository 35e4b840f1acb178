/*
 * Starting other programs, the same way everywhere (daemon/spawn.c, job.c,
 * machine.c, the holder): signals blocked across fork so no handler of ours runs
 * in the child, the child's dispositions and mask reset before exec, only the
 * descriptors it is given left open, and _exit (never exit) if exec fails.
 */
#ifndef AGD_PROC_H
#define AGD_PROC_H

#include <sys/types.h>

#include <signal.h>

/* Descriptors a child is given: 0, 1, 2 and at most one more (the holder's fd 3). */
#define AGD_EXEC_NFD		4
#define AGD_EXEC_KEEP		-1	/* the child keeps our descriptor of that number */
#define AGD_EXEC_NULL		-2	/* the child gets /dev/null there */

/* Flags of struct agd_exec. */
#define AGD_EXEC_SETSID		0x1	/* a session and process group of its own */
#define AGD_EXEC_SAYERR		0x2	/* "argv0: strerror" on its stderr if exec fails */

/* Exit statuses of a child that never ran the program (as the shell's). */
#define AGD_EXEC_ESETUP		126	/* its descriptors could not be set up */
#define AGD_EXEC_ENOEXEC	127	/* exec failed */

/* What to run and with what; every pointer is borrowed. */
struct agd_exec {
	const char	*path;		/* execve this; NULL: search PATH for argv[0] */
	char *const	*argv;
	char *const	*env;		/* NULL: our environment */
	int		 fd[AGD_EXEC_NFD]; /* child fd i is our fd[i], or KEEP/NULL */
	int		 nfd;		/* the child keeps fds 0..nfd-1, closes the rest */
	int		 flags;
};

/*
 * Fork and exec x. Returns the child's pid (the caller reaps it), or -1 with *cause
 * (the caller frees it) if fork failed. A failure after the fork shows only as the
 * child's exit status (AGD_EXEC_ESETUP, AGD_EXEC_ENOEXEC).
 */
pid_t		 agd_fork_exec(const struct agd_exec *x, char **cause);

/* Before fork(): block every signal, keeping the old mask in *old. */
void		 agd_fork_block(sigset_t *old);
/* In the parent after fork(): put back the mask agd_fork_block kept. */
void		 agd_fork_unblock(const sigset_t *old);
/* In the child after fork(): every disposition to default, then the mask in *old. */
void		 agd_fork_child(const sigset_t *old);

/*
 * The absolute path of this executable (readlink /proc/self/exe), or NULL if the
 * kernel does not say. A static buffer, read once: do not free.
 */
const char	*agd_self_exe(void);

/*
 * Send sig to every live descendant of root (not root itself; zombies are not
 * counted), as /proc's parent links say; sig 0 only counts. Returns how many
 * there were. With root a subreaper (PR_SET_CHILD_SUBREAPER), a process that
 * called setsid() and lost its parent is still root's descendant.
 */
int		 agd_proc_kill_tree(pid_t root, int sig);

#endif
