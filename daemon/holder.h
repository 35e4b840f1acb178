/* What the holder's files share (holder.c, holder-agent.c): starting the agent. */
#ifndef AGENTD_HOLDER_H
#define AGENTD_HOLDER_H

#include <sys/types.h>

#include <signal.h>

/* Supplementary groups of an agent user we keep (NGROUPS_MAX is 65536: far more). */
#define HOLDER_GROUPS_MAX	256

/* The agent user (-u), looked up before the fork. */
struct holder_user {
	const char	*name;		/* NULL: the agent runs as we do */
	uid_t		 uid;
	gid_t		 gid;
	gid_t		 groups[HOLDER_GROUPS_MAX];
	int		 ngroups;
};

/* Look up the agent user name (-u) into u; fatal if it cannot be used. */
void	holder_user_lookup(struct holder_user *, const char *name);
/*
 * In the child (forkpty or holder_fork_pipes made it): become the agent in dir,
 * as u (u->name NULL: as we are), with mask the signals to restore; or say why
 * not on its output and exit.
 */
void	holder_exec_agent(const char *dir, char **argv, const sigset_t *mask,
	    const struct holder_user *u) __attribute__((noreturn));
/*
 * -p: fork the agent with its stdin a pipe from us (*inp, ours) and its stdout
 * and stderr one pipe to us (*outp, ours), in a session of its own as forkpty
 * makes it. The pid (0 in the child), or -1.
 */
pid_t	holder_fork_pipes(int *outp, int *inp);

#endif
