/*
 * What the holder's files share (holder.c, holder-agent.c: starting the agent;
 * holder-listen.c: its socket and the connections that come to it).
 */
#ifndef AGENTD_HOLDER_H
#define AGENTD_HOLDER_H

#include <sys/types.h>

#include <poll.h>
#include <signal.h>
#include <stdint.h>

/* Connections not yet authenticated (holder-listen.c): the oldest goes when more come. */
#define HOLDER_PENDING_MAX	4

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

/*
 * holder-spare.c: a spare (-z) waits on fd 3 for its session's arguments and
 * environment (at most HOLDER_SPARE_ARGS_MAX of each, HOLDER_SPARE_BYTES_MAX in
 * all), sets environ and *argcp, *argvp to them; it exits if the socket ends.
 */
#define HOLDER_SPARE_ARGS_MAX	65536
#define HOLDER_SPARE_BYTES_MAX	(16U << 20)
void	holder_spare_wait(int *argcp, char ***argvp);

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

/* holder.c */
/* Make fd (it showed the secret) the daemon's connection, replacing the old one. */
void	holder_conn_adopt(int fd);
/* The terminal's master for the daemon to write to, or -1 (pipes, or it is done). */
int	holder_terminal(void);

/* holder-listen.c */
/* Listen at path (whatever is there is replaced); fatal if it cannot. */
void	holder_listen(const char *path);
/* The listening socket (it changes when the path is taken back). */
int	holder_listen_fd(void);
/* The session's secret, from the inherited connection's HP_AUTH (once). */
void	holder_set_key(const uint8_t *p);
/* 1 once we have the secret (without it no daemon can ever reach us). */
int	holder_has_key(void);
/* An accepted connection (ours, of our uid): kept aside until it shows the secret. */
void	holder_pending_add(int fd);
/* The pending connections' poll entries: HOLDER_PENDING_MAX of them at pfd. */
int	holder_pending_poll(struct pollfd *pfd);
/* When the listener next needs the loop (a pending deadline, the path check). */
uint64_t holder_listen_wake(void);
/* After poll: read the pending connections at pfd, expire them, check the path. */
void	holder_listen_events(const struct pollfd *pfd);

#endif
