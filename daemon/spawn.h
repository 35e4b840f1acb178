/*
 * spawn.c's own helpers, shared with spawn-sandbox.c (the bubblewrap command
 * line): a growing argv of owned strings, and blank separated word lists.
 */
#ifndef AGENTD_SPAWN_H
#define AGENTD_SPAWN_H

#include <sys/types.h>

#include <stddef.h>

struct session;
struct spawn_spec;

/* A NULL-terminated argv (or environment) whose strings it owns. */
struct spawn_args {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

/* Append a string made from fmt. */
void	spawn_args_add(struct spawn_args *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Free every string and the array; the struct is empty again. */
void	spawn_args_free(struct spawn_args *);
/*
 * The next blank separated word of *pp (NULL: none) into buf (size bytes, cut to
 * fit); advances *pp. 0 at the end.
 */
int	spawn_word_next(const char **pp, char *buf, size_t size);

/* spawn.c: the agentd-holder to run. */
const char	*spawn_holder_path(void);
/*
 * spawn.c: exec the holder at path with argv and env, its stdio the daemon's
 * and fd 3 its end of the daemon's socketpair; its pid, or -1 (*cause set).
 */
pid_t	spawn_holder_exec(const char *path, char **argv, char **env, int fd, char **cause);
/*
 * spawn-spare.c: hand the spare holder (started ahead by hpath) its session's
 * argv and env; its connection to the daemon, *pid set, or -1 if there is
 * none (or it could not take them): start a holder then. Another spare is
 * started a moment later.
 */
int	spawn_spare_take(const char *hpath, const struct spawn_args *argv,
	    const struct spawn_args *env, pid_t *pid);
/* spawn-spare.c: start a spare ms from now, if none waits. */
void	spawn_spare_later(int ms);

/* spawn-sandbox.c: 1 if agents are sandboxed (spawn_init found bwrap working). */
int	spawn_sandboxed(void);
/*
 * spawn-sandbox.c: agentd's config file (path copied): an empty file in every
 * sandbox where it is outside the state directory (/etc/agentd/agentd.conf: its
 * webhook secrets).
 */
void	spawn_sandbox_conf(const char *path);
/*
 * spawn-sandbox.c: if agents are sandboxed, append "bwrap ... --" for s's agent
 * (its program prog) to argv; home is the agent user's home (NULL: ours).
 * Borrows everything.
 */
void	spawn_sandbox_argv(struct spawn_args *argv, struct session *s,
	    const struct spawn_spec *, const char *home, const char *prog);

#endif
