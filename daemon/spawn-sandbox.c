/*
 * The agents' sandbox (issue #12): each session's agent runs under bubblewrap,
 * the engine Claude Code and Codex themselves use on Linux. Inside:
 *
 *   - the whole file system read-only, a fresh /dev and /proc, a private /tmp
 *     (and $TMPDIR);
 *   - agentd's config file an empty one (where it is not in the state directory,
 *     as /etc/agentd/agentd.conf: its webhook secrets);
 *   - agentd's state directory (its config, database, sockets, every session's
 *     log and settings) an empty tmpfs; only the files of the agent's own session
 *     that its kind reads (claude's --settings) or writes (openclaw's state) are
 *     bound back in, and for the TUIs' hooks the sessions' socket (run/hook.sock,
 *     which takes only a session's own hook and link reports, by its key) - never
 *     the control socket;
 *   - read-write: the working directory (and, for a git worktree such as a
 *     worker's, its repository's git directory), the agent's own config
 *     directories (its kind's home_rw) and sandbox_bind, but read-only the files
 *     there that can run commands in its later sessions (home_ro: its user
 *     settings, so a tool cannot plant a hook or an MCP server);
 *   - a PID namespace of its own, so no signal reaches the holder or the daemon
 *     (their pids do not exist there), and it dies with its holder;
 *   - the network as it is: the agent needs its model API.
 *
 * The agent keeps the holder's PTY as its controlling terminal: no --new-session
 * (which would setsid() away from it). That leaves TIOCSTI (pushing bytes into
 * the terminal's input queue), which is a sandbox escape only where the terminal
 * is shared with a program outside that reads it later, as a shell after a
 * sandboxed command. Here the PTY belongs to the agent alone: its only readers are
 * inside the sandbox, the holder only holds the master (what is typed there goes
 * to the daemon, never run), and the terminal is closed when the agent ends. The
 * agent can type only into itself, which it can do anyway.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "log.h"
#include "proc.h"
#include "proto.h"
#include "spawn.h"
#include "util.h"
#include "xmalloc.h"

/* Mounts are made parents first; at one depth in this order (a path can be all three). */
#define MNT_PRIVATE	0	/* a private tmpfs (/tmp): what is bound below it shows */
#define MNT_BIND	1
#define MNT_HIDE	2	/* the state directory: nothing at that path shows */

/* How sandbox_home_paths mounts the agent's own files. */
#define HOME_RW		0	/* bound */
#define HOME_RO		1	/* bound read-only */
#define HOME_TMP	2	/* an empty tmpfs of the session's own */

/* One mount of the agent's sandbox; a list of them is sorted before use. */
struct mnt {
	const char	*op;		/* bwrap's option */
	char		*path;		/* canonical: source and destination */
	const char	*src;		/* the source instead, or NULL */
	int		 rank;		/* MNT_* */
	int		 depth;		/* components of path */
	int		 n;		/* order of adding, so the sort is stable */
};

struct mnts {
	struct mnt	*v;
	size_t		 n;
	size_t		 cap;
};

static char	*sandbox_bwrap;		/* bwrap's path; NULL: agents are not sandboxed */
static char	*sandbox_conf;		/* agentd's config: hidden (spawn_sandbox_conf) */

static int	sandbox_within(const char *, const char *);

/*
 * Run bwrap with what every sandbox uses, around true. 0 if it works here, else
 * -1 with *cause (the caller frees it).
 */
static int
sandbox_probe(const char *bwrap, char **cause)
{
	char		*argv[] = { (char *)bwrap, (char *)"--ro-bind", (char *)"/",
	    (char *)"/", (char *)"--dev", (char *)"/dev", (char *)"--proc", (char *)"/proc",
	    (char *)"--unshare-pid", (char *)"--die-with-parent", (char *)"true", NULL };
	struct agd_exec	 x = { .path = bwrap, .argv = argv, .nfd = 3,
	    .fd = { AGD_EXEC_NULL, AGD_EXEC_NULL, AGD_EXEC_NULL } };
	pid_t		 pid;
	int		 status;

	if ((pid = agd_fork_exec(&x, cause)) == -1)
		return (-1);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "waitpid: %s", strerror(errno));
			return (-1);
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	xasprintf(cause, "%s --ro-bind / / --unshare-pid ... true failed (status %d)", bwrap,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return (-1);
}

void
spawn_init(void)
{
	char		*path, *cause = NULL;
	const char	*mode = agentd_conf->sandbox;

	if (mode != NULL && strcmp(mode, "bwrap") != 0 && strcmp(mode, "off") != 0)
		fatalx("config: bad value for sandbox: %s (bwrap or off)", mode);
	if (mode != NULL && strcmp(mode, "off") == 0) {
		log_info("sandbox = off: agents are not sandboxed from agentd");
		return;
	}
	if ((path = spawn_resolve("bwrap")) == NULL)
		cause = xstrdup("bwrap is not on PATH (Debian: apt-get install bubblewrap)");
	else if (sandbox_probe(path, &cause) == 0) {
		sandbox_bwrap = path;
		log_info("agents run sandboxed by %s", path);
		return;
	}
	free(path);
	if (mode != NULL)
		fatalx("sandbox = bwrap: %s", cause);
	log_info("agents are not sandboxed: %s; sandbox = off says it is meant", cause);
	free(cause);
}

int
spawn_sandboxed(void)
{
	return (sandbox_bwrap != NULL);
}

void
spawn_sandbox_conf(const char *path)
{
	char	real[PATH_MAX], home[PATH_MAX];

	free(sandbox_conf);
	sandbox_conf = NULL;
	/* In the state directory it is under that tmpfs anyway. */
	if (realpath(path, real) != NULL && realpath(agentd_home, home) != NULL &&
	    !sandbox_within(real, home))
		sandbox_conf = xstrdup(real);
}

/* Add a mount of path (made canonical if it exists). */
static void
mnt_add(struct mnts *m, const char *op, const char *path, int rank)
{
	struct mnt	*e;
	char		 real[PATH_MAX];
	const char	*p;

	if (m->n == m->cap) {
		m->cap = m->cap == 0 ? 16 : m->cap * 2;
		m->v = xreallocarray(m->v, m->cap, sizeof *m->v);
	}
	e = &m->v[m->n];
	e->op = op;
	e->src = NULL;
	e->path = xstrdup(realpath(path, real) != NULL ? real : path);
	e->rank = rank;
	e->n = (int)m->n;
	e->depth = 0;
	for (p = e->path; *p != '\0'; p++) {
		if (*p == '/' && p[1] != '\0')
			e->depth++;
	}
	m->n++;
}

static int
mnt_cmp(const void *a, const void *b)
{
	const struct mnt	*x = a, *y = b;
	int			 c;

	if (x->depth != y->depth)
		return (x->depth - y->depth);
	if (x->rank != y->rank)
		return (x->rank - y->rank);
	if ((c = strcmp(x->path, y->path)) != 0)
		return (c);
	return (x->n - y->n);
}

/* 1 if path is dir or below it (both canonical). */
static int
sandbox_within(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	return (strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/'));
}

/*
 * 1 if path is in the state directory's run/ or sessions/ (sockets, logs and
 * settings of every session): never bound for what a session asks for.
 */
static int
sandbox_in_state(const char *path)
{
	static const char	*dirs[] = { "run", "sessions" };
	char			 real[PATH_MAX], home[PATH_MAX], *sub;
	size_t			 i;
	int			 in;

	if (realpath(path, real) == NULL || realpath(agentd_home, home) == NULL)
		return (0);
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		xasprintf(&sub, "%s/%s", home, dirs[i]);
		in = sandbox_within(real, sub);
		free(sub);
		if (in)
			return (1);
	}
	return (0);
}

/* Make the missing file path (its directory there): empty, "{}" if it is JSON. */
static void
sandbox_home_file(const char *path)
{
	const char	*dot = strrchr(path, '.');
	char		*dir, *e;
	int		 fd;

	dir = xstrdup(path);
	if ((e = strrchr(dir, '/')) != NULL)
		*e = '\0';
	if (access(dir, F_OK) == 0 && (fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1) {
		if (dot != NULL && strcmp(dot, ".json") == 0 && write(fd, "{}\n", 3) != 3)
			log_warn("sandbox: %s", path);
		close(fd);
	}
	free(dir);
}

/*
 * The agent's own files: "~/x" under home, "$VAR/x" under what VAR names (unset:
 * nothing); a word ending in / is a directory, made if it is missing and ours.
 * Bound (a missing one is left out), read-only (HOME_RO: a missing file is made
 * first if ours, empty or "{}" for JSON, so a tool cannot create it), or as an
 * empty tmpfs of the sandbox's own (HOME_TMP).
 */
static void
sandbox_home_paths(struct mnts *m, const char *list, const char *home, int ours, int how)
{
	struct stat	 sb;
	char		 word[PATH_MAX], name[256], *path;
	int		 rc;
	const char	*rest, *v;
	size_t		 len;

	while (spawn_word_next(&list, word, sizeof word)) {
		if (strncmp(word, "~/", 2) == 0)
			xasprintf(&path, "%s/%s", home, word + 2);
		else if (word[0] == '$') {
			len = strcspn(word + 1, "/");
			if (len >= sizeof name)
				continue;
			memcpy(name, word + 1, len);
			name[len] = '\0';
			rest = word + 1 + len;
			if ((v = getenv(name)) == NULL || *v != '/')
				continue;
			xasprintf(&path, "%s%s", v, rest);
		} else
			continue;
		len = strlen(path);
		if (len > 1 && path[len - 1] == '/') {
			path[len - 1] = '\0';
			if (ours && access(path, F_OK) == -1)
				agd_mkdirs(path, 0700);
		}
		if (how == HOME_RO && ours)
			sandbox_home_file(path);
		if (sandbox_in_state(path))
			log_warnx("sandbox: not mounting %s (agentd's state)", path);
		else if (how == HOME_TMP) {
			/*
			 * Only a directory, not a link: another session may have put a
			 * link there, whose target the tmpfs would hide in every later
			 * session; a file would make bwrap fail.
			 */
			if ((rc = lstat(path, &sb)) == 0 && S_ISDIR(sb.st_mode))
				mnt_add(m, "--tmpfs", path, MNT_PRIVATE);
			else if (rc == 0 || errno != ENOENT)
				log_warnx("sandbox: %s is not a directory: not made private",
				    path);
		} else
			mnt_add(m, how == HOME_RO ? "--ro-bind-try" : "--bind-try", path,
			    MNT_BIND);
		free(path);
	}
}

/* Files of the session's own directory (relative names), bound with op. */
static void
sandbox_session_paths(struct mnts *m, struct session *s, const char *list, const char *op)
{
	char	 word[PATH_MAX], *path;
	size_t	 len;

	while (spawn_word_next(&list, word, sizeof word)) {
		if (word[0] == '/' || strstr(word, "..") != NULL)
			continue;
		len = strlen(word);
		if (len > 1 && word[len - 1] == '/')
			word[len - 1] = '\0';
		xasprintf(&path, "%s/%s", s->dir, word);
		mnt_add(m, op, path, MNT_BIND);
		free(path);
	}
}

/* The first line of the file at dir/name (the caller frees), or NULL. */
static char *
sandbox_line(const char *dir, const char *name)
{
	char	*path, *line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	FILE	*f;

	xasprintf(&path, "%s/%s", dir, name);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return (NULL);
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		return (NULL);
	}
	line[strcspn(line, "\r\n")] = '\0';
	return (line);
}

/* line made canonical, relative to dir if it is not absolute (caller frees), or NULL. */
static char *
sandbox_real_in(const char *dir, const char *line)
{
	char	*path, *real;

	if (line[0] == '/')
		return (realpath(line, NULL));
	xasprintf(&path, "%s/%s", dir, line);
	real = realpath(path, NULL);
	free(path);
	return (real);
}

/*
 * A git worktree's repository: cwd/.git is a file "gitdir: G" and G (the
 * worktree's own git directory, C/worktrees/NAME) names the repository's git
 * directory C in G/commondir, where commits, refs and the index of every worktree
 * go. Bound read-write so an agent in a worker's worktree can commit; NULL if cwd
 * is no linked worktree, or one that does not hold together. Caller frees.
 *
 * The agent writes cwd, so .git (and what it names) may be its own: only a real
 * worktree counts - .git a plain file, G's gitdir naming that very file back, G
 * in C/worktrees, C a git directory (HEAD, objects) outside agentd's state.
 * Anything else (.git naming the state directory, the home, another's repository)
 * binds nothing.
 */
static char *
sandbox_git_common(const char *cwd)
{
	struct stat	 sb;
	char		*dotgit, *line, *g = NULL, *back = NULL, *c = NULL, *dotreal = NULL;
	char		*wt = NULL, *gdir = NULL, home[PATH_MAX], *e;
	int		 ok = 0;

	xasprintf(&dotgit, "%s/.git", cwd);
	if (lstat(dotgit, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (line = sandbox_line(cwd, ".git")) == NULL)
		goto out;
	if (strncmp(line, "gitdir: ", 8) == 0 && line[8] != '\0')
		g = sandbox_real_in(cwd, line + 8);
	free(line);
	if (g == NULL || stat(g, &sb) == -1 || !S_ISDIR(sb.st_mode))
		goto out;
	/* G/gitdir names our .git back. */
	dotreal = realpath(dotgit, NULL);
	if ((line = sandbox_line(g, "gitdir")) != NULL) {
		back = sandbox_real_in(g, line);
		free(line);
	}
	if (dotreal == NULL || back == NULL || strcmp(dotreal, back) != 0)
		goto out;
	/* G is C/worktrees/NAME. */
	if ((line = sandbox_line(g, "commondir")) == NULL)
		goto out;
	c = sandbox_real_in(g, line);
	free(line);
	if (c == NULL)
		goto out;
	gdir = xstrdup(g);
	if ((e = strrchr(gdir, '/')) == NULL)
		goto out;
	*e = '\0';
	xasprintf(&wt, "%s/worktrees", c);
	if (strcmp(gdir, wt) != 0)
		goto out;
	/* C is a git directory, not in agentd's state. */
	free(wt);
	xasprintf(&wt, "%s/HEAD", c);
	if (stat(wt, &sb) == -1 || !S_ISREG(sb.st_mode))
		goto out;
	free(wt);
	xasprintf(&wt, "%s/objects", c);
	if (stat(wt, &sb) == -1 || !S_ISDIR(sb.st_mode))
		goto out;
	if (realpath(agentd_home, home) == NULL || sandbox_within(c, home) ||
	    sandbox_within(home, c))
		goto out;
	ok = 1;
out:
	free(dotgit);
	free(dotreal);
	free(back);
	free(g);
	free(gdir);
	free(wt);
	if (!ok) {
		free(c);
		return (NULL);
	}
	return (c);
}

/*
 * A directory of programs (len bytes at dir) that a private tmpfs of the sandbox
 * hides (it is below /tmp or $TMPDIR, not in the state directory): bound back
 * read-only, so the programs on PATH run as before.
 */
static void
sandbox_program_dir(struct mnts *m, const char *dir, size_t len)
{
	const char	*tmp = getenv("TMPDIR");
	char		 d[PATH_MAX], real[PATH_MAX], home[PATH_MAX];
	int		 hidden;

	if (len == 0 || len >= sizeof d)
		return;
	memcpy(d, dir, len);
	d[len] = '\0';
	if (realpath(d, real) == NULL || realpath(agentd_home, home) == NULL)
		return;
	hidden = (sandbox_within(real, "/tmp") && strcmp(real, "/tmp") != 0) ||
	    (tmp != NULL && *tmp == '/' && sandbox_within(real, tmp) && strcmp(real, tmp) != 0);
	if (hidden && !sandbox_within(real, home))
		mnt_add(m, "--ro-bind-try", real, MNT_BIND);
}

/* The directories of the agent's program (and its link's target), agentd and PATH, if hidden. */
static void
sandbox_program_dirs(struct mnts *m, const char *prog)
{
	const char	*path = getenv("PATH"), *e, *self;
	char		 real[PATH_MAX];

	/* agentd itself: the claude hooks run `agentd hook` inside the sandbox. */
	if ((self = agd_self_exe()) != NULL && (e = strrchr(self, '/')) != NULL)
		sandbox_program_dir(m, self, (size_t)(e - self));
	if ((e = strrchr(prog, '/')) != NULL) {
		sandbox_program_dir(m, prog, (size_t)(e - prog));
		/* A link to the program (a wrapper named like an agent): its target too. */
		if (realpath(prog, real) != NULL && (e = strrchr(real, '/')) != NULL)
			sandbox_program_dir(m, real, (size_t)(e - real));
	}
	while (path != NULL && *path != '\0') {
		e = path + strcspn(path, ":");
		sandbox_program_dir(m, path, (size_t)(e - path));
		path = *e == ':' ? e + 1 : e;
	}
}

void
spawn_sandbox_argv(struct spawn_args *argv, struct session *s, const struct spawn_spec *spec,
    const char *home, const char *prog)
{
	struct mnts	 m = { NULL, 0, 0 };
	const char	*tmp, *list = agentd_conf->sandbox_bind;
	char		 word[PATH_MAX], *hook, *git;
	size_t		 i;
	int		 ours = home == NULL;

	if (sandbox_bwrap == NULL)
		return;
	if (home == NULL && (home = getenv("HOME")) == NULL)
		home = "/";

	mnt_add(&m, "--tmpfs", "/tmp", MNT_PRIVATE);
	if ((tmp = getenv("TMPDIR")) != NULL && *tmp == '/' && strcmp(tmp, "/tmp") != 0)
		mnt_add(&m, "--tmpfs", tmp, MNT_PRIVATE);
	mnt_add(&m, "--tmpfs", agentd_home, MNT_HIDE);
	if (sandbox_in_state(s->cwd))
		log_warnx("sandbox: session %s works in agentd's state: not bound", s->name);
	else
		mnt_add(&m, "--bind", s->cwd, MNT_BIND);
	if ((git = sandbox_git_common(s->cwd)) != NULL) {
		if (!sandbox_in_state(git))
			mnt_add(&m, "--bind", git, MNT_BIND);
		free(git);
	}
	sandbox_home_paths(&m, spec->home_rw, home, ours, HOME_RW);
	/* Deeper than their directories in home_rw: mounted over them. */
	sandbox_home_paths(&m, spec->home_ro, home, ours, HOME_RO);
	sandbox_home_paths(&m, spec->home_tmp, home, ours, HOME_TMP);
	sandbox_program_dirs(&m, prog);
	while (spawn_word_next(&list, word, sizeof word)) {
		if (!sandbox_in_state(word))
			mnt_add(&m, "--bind-try", word, MNT_BIND);
	}
	/* The config outside the state directory (its webhook secrets): empty. */
	if (sandbox_conf != NULL && access(sandbox_conf, F_OK) == 0) {
		mnt_add(&m, "--ro-bind", sandbox_conf, MNT_HIDE);
		m.v[m.n - 1].src = "/dev/null";
	}
	sandbox_session_paths(&m, s, spec->session_ro, "--ro-bind-try");
	sandbox_session_paths(&m, s, spec->session_rw, "--bind-try");
	if (spec->hooks) {
		/*
		 * Its hooks report through the sessions' socket, where only its own
		 * key counts (cmd.c); the control socket is not there at all.
		 */
		hook = agd_hook_path(agentd_home);
		mnt_add(&m, "--ro-bind-try", hook, MNT_BIND);
		free(hook);
	}
	qsort(m.v, m.n, sizeof *m.v, mnt_cmp);

	spawn_args_add(argv, "%s", sandbox_bwrap);
	spawn_args_add(argv, "--die-with-parent");
	spawn_args_add(argv, "--unshare-pid");
	spawn_args_add(argv, "--unshare-ipc");
	spawn_args_add(argv, "--ro-bind");
	spawn_args_add(argv, "/");
	spawn_args_add(argv, "/");
	spawn_args_add(argv, "--dev");
	spawn_args_add(argv, "/dev");
	spawn_args_add(argv, "--proc");
	spawn_args_add(argv, "/proc");
	for (i = 0; i < m.n; i++) {
		if (i > 0 && strcmp(m.v[i].path, m.v[i - 1].path) == 0 &&
		    strcmp(m.v[i].op, m.v[i - 1].op) == 0)
			continue;
		spawn_args_add(argv, "%s", m.v[i].op);
		if (strcmp(m.v[i].op, "--tmpfs") != 0)
			spawn_args_add(argv, "%s", m.v[i].src != NULL ? m.v[i].src : m.v[i].path);
		spawn_args_add(argv, "%s", m.v[i].path);
	}
	spawn_args_add(argv, "--chdir");
	spawn_args_add(argv, "%s", s->cwd);
	spawn_args_add(argv, "--");
	for (i = 0; i < m.n; i++)
		free(m.v[i].path);
	free(m.v);
}
