/*
 * Starting a session's holder: find the agent program, build its environment from
 * the daemon's (minus the deny-list), and exec agentd-holder with a socketpair as
 * its first connection back to us.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

/*
 * The holder's -b: terminal output it keeps until we say it is recorded, so a
 * daemon restart of a few seconds under a busy agent loses nothing.
 */
#define SPAWN_HOLDER_BUFMAX	(8 * 1024 * 1024)

extern char	**environ;

static int
spawn_is_exec(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0);
}

/* Find prog the way execvp would. Caller frees; NULL if not found. */
char *
spawn_resolve(const char *prog)
{
	const char	*path, *p, *e;
	char		*cand;

	if (strchr(prog, '/') != NULL)
		return (spawn_is_exec(prog) ? xstrdup(prog) : NULL);
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		xasprintf(&cand, "%.*s/%s", (int)(e - p), e == p ? "." : p, prog);
		if (spawn_is_exec(cand))
			return (cand);
		free(cand);
		if (*e == '\0')
			break;
	}
	return (NULL);
}

/*
 * agentd-holder: the configured path; else the one next to this executable
 * (the build tree); else the installed one, AGD_HOLDER_PATH
 * ($(libexecdir)/agentd-holder, from the Makefile).
 */
static const char *
spawn_holder_path(void)
{
	static char	*path;
	const char	*self, *slash;

	if (agentd_conf->holder_path != NULL)
		return (agentd_conf->holder_path);
	if (path != NULL)
		return (path);
	if ((self = agd_self_exe()) == NULL)
		fatal("readlink /proc/self/exe");
	if ((slash = strrchr(self, '/')) == NULL)
		fatalx("odd executable path: %s", self);
	xasprintf(&path, "%.*s/agentd-holder", (int)(slash - self), self);
	if (access(path, X_OK) != 0) {
		free(path);
		path = xstrdup(AGD_HOLDER_PATH);
	}
	return (path);
}

/* The agent's environment: ours without the deny-listed names. */
static char **
spawn_env(void)
{
	char	**env;
	size_t	  n = 0, i, k = 0;
	char	 *eq;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 1, sizeof *env);
	for (i = 0; i < n; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL)
			continue;
		if (agd_conf_env_denied(agentd_conf, environ[i],
		    (size_t)(eq - environ[i])))
			continue;
		env[k++] = environ[i];
	}
	env[k] = NULL;
	return (env);
}

/*
 * Fork and exec the holder for s, running argv. Returns our end of its first
 * connection, or -1 with *cause.
 */
int
spawn_holder(struct session *s, char **argv, pid_t *holder, char **cause)
{
	const char	*hpath;
	char		**hargv, **env, cols[16], rows[16], bufmax[32];
	int		 sp[2], argc = 0, i, k;
	pid_t		 pid;
	struct agd_exec	 x;

	hpath = spawn_holder_path();
	if (access(hpath, X_OK) == -1) {
		xasprintf(cause, "holder %s: %s", hpath, strerror(errno));
		return (-1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		xasprintf(cause, "socketpair: %s", strerror(errno));
		return (-1);
	}
	while (argv[argc] != NULL)
		argc++;
	hargv = xcalloc((size_t)argc + 16, sizeof *hargv);
	snprintf(cols, sizeof cols, "%d", s->cols);
	snprintf(rows, sizeof rows, "%d", s->rows);
	snprintf(bufmax, sizeof bufmax, "%d", SPAWN_HOLDER_BUFMAX);
	k = 0;
	hargv[k++] = (char *)"agentd-holder";
	hargv[k++] = (char *)"-s";
	hargv[k++] = s->sock;
	hargv[k++] = (char *)"-d";
	hargv[k++] = s->cwd;
	hargv[k++] = (char *)"-c";
	hargv[k++] = cols;
	hargv[k++] = (char *)"-r";
	hargv[k++] = rows;
	hargv[k++] = (char *)"-b";
	hargv[k++] = bufmax;
	hargv[k++] = (char *)"--";
	for (i = 0; i < argc; i++)
		hargv[k++] = argv[i];
	hargv[k] = NULL;
	env = spawn_env();

	x.path = hpath;
	x.argv = hargv;
	x.env = env;
	x.fd[0] = x.fd[1] = x.fd[2] = AGD_EXEC_KEEP;
	x.fd[3] = sp[1];
	x.nfd = 4;
	x.flags = 0;
	pid = agd_fork_exec(&x, cause);
	free(hargv);
	free(env);
	close(sp[1]);
	if (pid == -1) {
		close(sp[0]);
		return (-1);
	}
	*holder = pid;
	return (sp[0]);
}
