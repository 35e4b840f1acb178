/*
 * Starting a session's holder: find the agent program, give it an allow-listed
 * environment, wrap it in its sandbox (bubblewrap, spawn-sandbox.c), pick the Unix
 * user it runs as, and exec agentd-holder with a socketpair as its first
 * connection back to us.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "auth.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
#include "spawn.h"
#include "xmalloc.h"

/*
 * The holder's -b: terminal output it keeps until we say it is recorded, so a
 * daemon restart of a few seconds under a busy agent loses nothing.
 */
#define SPAWN_HOLDER_BUFMAX	(8 * 1024 * 1024)

/*
 * What every agent gets of our environment (issue #12): where programs are, who
 * and where it is, its language, terminal, time zone and temporary directory.
 * Anything else comes from env_allow or the agent's kind.
 */
#define SPAWN_ENV_BASE \
	"PATH HOME LANG LC_* TERM TZ USER LOGNAME SHELL TMPDIR"

extern char	**environ;

static int
spawn_is_exec(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0);
}

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
const char *
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

void
spawn_args_add(struct spawn_args *a, const char *fmt, ...)
{
	va_list	ap;

	if (a->n + 2 > a->cap) {
		a->cap = a->cap == 0 ? 32 : a->cap * 2;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	a->n++;
	a->v[a->n] = NULL;
}

void
spawn_args_free(struct spawn_args *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

int
spawn_word_next(const char **pp, char *buf, size_t size)
{
	const char	*p = *pp;
	size_t		 n = 0;

	if (p == NULL)
		return (0);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return (0);
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t')
		n++;
	*pp = p + n;
	if (n >= size)
		n = size - 1;	/* longer than a path: cut, and so matches nothing */
	memcpy(buf, p, n);
	buf[n] = '\0';
	return (1);
}

/* 1 if name matches a pattern (fnmatch(3): * and ?) of the blank separated list. */
static int
spawn_env_match(const char *list, const char *name)
{
	char	pat[PATH_MAX];

	while (spawn_word_next(&list, pat, sizeof pat)) {
		if (fnmatch(pat, name, 0) == 0)
			return (1);
	}
	return (0);
}

/* 1 if name is one of the NAME=VALUE words of told (they replace ours). */
static int
spawn_env_told(const char *told, const char *name)
{
	char	word[PATH_MAX];
	size_t	len = strlen(name);

	while (spawn_word_next(&told, word, sizeof word)) {
		if (strncmp(word, name, len) == 0 && word[len] == '=')
			return (1);
	}
	return (0);
}

/*
 * The agent's environment (strings the caller frees with spawn_args_free): the
 * base, env_allow and its kind's variables of ours, less env_deny; as agent user
 * pw, that user's HOME, USER, LOGNAME and SHELL. agentd's own program (a worker's
 * link loop, which needs ssh's agent) gets all of ours less env_deny, and the
 * session's key. An agent's hooks read the key from its file (agent-claude.c):
 * no agent has it in its environment.
 */
static void
spawn_env(struct spawn_args *env, struct session *s, const struct spawn_spec *spec,
    const struct passwd *pw)
{
	static const char	*own[] = { "HOME", "USER", "LOGNAME", "SHELL" };
	char			 name[256], word[PATH_MAX];
	const char		*eq, *told = NULL;
	size_t			 i, j, len;

	if (!spec->daemon_own && spawn_sandboxed())
		told = spec->sandbox_env;

	for (i = 0; environ[i] != NULL; i++) {
		if ((eq = strchr(environ[i], '=')) == NULL)
			continue;
		len = (size_t)(eq - environ[i]);
		if (agd_conf_env_denied(agentd_conf, environ[i], len) || len >= sizeof name)
			continue;
		memcpy(name, environ[i], len);
		name[len] = '\0';
		if (!spec->daemon_own && !spawn_env_match(SPAWN_ENV_BASE, name) &&
		    !spawn_env_match(agentd_conf->env_allow, name) &&
		    !spawn_env_match(spec->env_keys, name))
			continue;
		if (pw != NULL) {
			for (j = 0; j < sizeof own / sizeof own[0]; j++) {
				if (strcmp(name, own[j]) == 0)
					break;
			}
			if (j < sizeof own / sizeof own[0])
				continue;
		}
		if (spawn_env_told(told, name))
			continue;
		spawn_args_add(env, "%s", environ[i]);
	}
	while (spawn_word_next(&told, word, sizeof word))
		spawn_args_add(env, "%s", word);
	if (pw != NULL) {
		spawn_args_add(env, "HOME=%s", pw->pw_dir);
		spawn_args_add(env, "USER=%s", pw->pw_name);
		spawn_args_add(env, "LOGNAME=%s", pw->pw_name);
		spawn_args_add(env, "SHELL=%s", pw->pw_shell);
	}
	if (s->key[0] != '\0' && spec->daemon_own)
		spawn_args_add(env, "%s=%s", AGD_SESSION_KEY_ENV, s->key);
}

int
spawn_session_key(struct session *s, int make)
{
	char	*path, *cause;
	int	 rc = 0;

	s->key[0] = '\0';
	xasprintf(&path, "%s/%s", s->dir, SESSION_KEY_FILE);
	/*
	 * Not fsynced (0.8-1.5 ms off a create p50, three A/B runs of 120 creates): it is
	 * only for this session's holder, and a reboot that could lose it ends the holder.
	 */
	if (make && agd_secret_create(path, 0, &cause) == -1) {
		log_warnx("session %s: %s", s->name, cause);
		free(cause);
		rc = -1;
	} else if (agd_secret_load(path, s->key) == -1) {
		if (make)
			log_warnx("session %s: %s: not a key", s->name, path);
		s->key[0] = '\0';
		rc = -1;
	}
	free(path);
	return (rc);
}

/* Give s's key file to uid (an agent user, whose hooks read it). */
static void
spawn_key_chown(struct session *s, uid_t uid)
{
	char	*path;

	xasprintf(&path, "%s/%s", s->dir, SESSION_KEY_FILE);
	if (chown(path, uid, (gid_t)-1) == -1)
		log_warn("session %s: chown %s", s->name, path);
	free(path);
}

/* 1 if some process runs as uid (its /proc directory is owned by it). */
static int
spawn_uid_busy(uid_t uid)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		 path[PATH_MAX];
	int		 busy = 0;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while (!busy && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s", de->d_name);
		if (stat(path, &sb) == 0 && sb.st_uid == uid)
			busy = 1;
	}
	closedir(d);
	return (busy);
}

/*
 * The Unix user the agent runs as: agent_user, or the first of the agent_users
 * pool no process runs as; NULL if neither is set. -1 with *cause if there is no
 * such user, we cannot switch to it, or the whole pool is busy.
 */
static int
spawn_agent_user(struct passwd **pwp, char **cause)
{
	const char	*list = agentd_conf->agent_users;
	struct passwd	*pw;
	char		 name[256];

	*pwp = NULL;
	if (agentd_conf->agent_user == NULL && list == NULL)
		return (0);
	if (geteuid() != 0) {
		xasprintf(cause, "agent_user needs agentd to run as root");
		return (-1);
	}
	if (agentd_conf->agent_user != NULL) {
		if ((*pwp = getpwnam(agentd_conf->agent_user)) == NULL) {
			xasprintf(cause, "agent_user %s: no such user", agentd_conf->agent_user);
			return (-1);
		}
		return (0);
	}
	while (spawn_word_next(&list, name, sizeof name)) {
		if ((pw = getpwnam(name)) == NULL) {
			log_warnx("agent_users: no user %s", name);
			continue;
		}
		if (pw->pw_uid != 0 && !spawn_uid_busy(pw->pw_uid)) {
			*pwp = pw;
			return (0);
		}
	}
	xasprintf(cause, "every user of agent_users is busy");
	return (-1);
}

pid_t
spawn_holder_exec(const char *path, char **argv, char **env, int fd, char **cause)
{
	struct agd_exec	x;

	memset(&x, 0, sizeof x);
	x.path = path;
	x.argv = argv;
	x.env = env;
	x.fd[0] = x.fd[1] = x.fd[2] = AGD_EXEC_KEEP;
	x.fd[3] = fd;
	x.nfd = 4;
	return (agd_fork_exec(&x, cause));
}

int
spawn_holder(struct session *s, char **argv, const struct spawn_spec *spec, pid_t *holder,
    char **cause)
{
	const char		*hpath;
	struct spawn_args	 hargv = { NULL, 0, 0 }, env = { NULL, 0, 0 };
	struct passwd		*pw = NULL;
	int			 sp[2], i;
	pid_t			 pid;

	hpath = spawn_holder_path();
	if (access(hpath, X_OK) == -1) {
		xasprintf(cause, "holder %s: %s", hpath, strerror(errno));
		return (-1);
	}
	if (!spec->daemon_own && spawn_agent_user(&pw, cause) == -1)
		return (-1);
	spawn_args_add(&hargv, "agentd-holder");
	spawn_args_add(&hargv, "-s");
	spawn_args_add(&hargv, "%s", s->sock);
	spawn_args_add(&hargv, "-d");
	spawn_args_add(&hargv, "%s", s->cwd);
	spawn_args_add(&hargv, "-c");
	spawn_args_add(&hargv, "%d", s->cols);
	spawn_args_add(&hargv, "-r");
	spawn_args_add(&hargv, "%d", s->rows);
	spawn_args_add(&hargv, "-b");
	spawn_args_add(&hargv, "%d", SPAWN_HOLDER_BUFMAX);
	if (s->transport == SESSION_STREAM)
		spawn_args_add(&hargv, "-p");	/* pipes, not a PTY */
	if (pw != NULL) {
		spawn_args_add(&hargv, "-u");
		spawn_args_add(&hargv, "%s", pw->pw_name);
	}
	spawn_args_add(&hargv, "--");
	/* The key's file first: the sandbox binds it (by its canonical path). */
	spawn_session_key(s, 1);
	/* An agent user's hooks read the key from its file (0600): theirs. */
	if (pw != NULL && spec->hooks)
		spawn_key_chown(s, pw->pw_uid);
	if (!spec->daemon_own)
		spawn_sandbox_argv(&hargv, s, spec, pw != NULL ? pw->pw_dir : NULL, argv[0]);
	for (i = 0; argv[i] != NULL; i++)
		spawn_args_add(&hargv, "%s", argv[i]);
	spawn_env(&env, s, spec, pw);
	if (pw != NULL)
		log_debug("%s: session %s runs as %s", __func__, s->name, pw->pw_name);
	/* A spare started ahead takes them at once; else a holder is started now. */
	if ((sp[0] = spawn_spare_take(hpath, &hargv, &env, holder)) != -1) {
		spawn_args_free(&hargv);
		spawn_args_free(&env);
		return (sp[0]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		xasprintf(cause, "socketpair: %s", strerror(errno));
		spawn_args_free(&hargv);
		spawn_args_free(&env);
		return (-1);
	}
	pid = spawn_holder_exec(hpath, hargv.v, env.v, sp[1], cause);
	spawn_args_free(&hargv);
	spawn_args_free(&env);
	close(sp[1]);
	if (pid == -1) {
		close(sp[0]);
		return (-1);
	}
	*holder = pid;
	return (sp[0]);
}
