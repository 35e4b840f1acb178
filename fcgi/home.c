/*
 * The roots of the utility endpoints and the client paths in them.
 *
 * "Home" is home_root from the configuration, else $HOME of the stack (the home
 * the agents it starts run with: a service account's environment may set it to
 * somewhere else than its password entry), else the home directory of the user
 * agentd-fcgi runs as in the password database. A
 * client path is absolute, or "~" / "~/..." for the home; it is checked
 * (path_check: no "..", no NUL, bounded), matched to a root lexically, and
 * then opened beneath that root's directory fd by path_open(), so that the
 * kernel, not a string comparison, keeps it inside.
 *
 * Some places are never reached, whatever root they are under: the state
 * directory (AGENTD_HOME: the configuration, the database, the sockets, the
 * sessions' logs, htpasswd), the configuration file, and deny_paths (the
 * credentials, the agents' own settings and hooks, the shell's startup files:
 * each runs code). home_forbidden() compares canonical paths, both as written
 * and with their symlinks resolved, and an opened directory is named by what
 * the kernel says it is (/proc/self/fd), so a symlink does not lead around it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

static char		*home_default;
static pthread_once_t	 home_default_once = PTHREAD_ONCE_INIT;

/* $HOME, else the home of our uid, once (getpwuid is not thread-safe). */
static void
home_default_init(void)
{
	struct passwd	*pw;
	const char	*env;

	if ((env = getenv("HOME")) != NULL && env[0] == '/') {
		home_default = xstrdup(env);
		return;
	}
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/')
		home_default = xstrdup(pw->pw_dir);
	else
		home_default = xstrdup("/");
}

/* Places never reached (each as written and resolved): a few dozen at most. */
#define HOME_DENY_MAX	256
#define HOME_PWBUF	4096	/* getpwuid_r's strings: one passwd line */

static char	*home_deny[HOME_DENY_MAX];
static int	 home_ndeny;
static pthread_once_t	 home_deny_once = PTHREAD_ONCE_INIT;

static void	home_deny_add(const char *);
static void	home_deny_init(void);
static int	home_reachable(struct req *, const char *, struct home_dir *);
static void	home_fd_real(int, char *, size_t);
static int	home_live_dirs(struct req *, const char *, const char *, int *);

/* The configured home: home_root, or the home of our uid. Borrowed. */
const char *
home_root(void)
{
	if (api.conf->home_root != NULL)
		return (api.conf->home_root);
	pthread_once(&home_default_once, home_default_init);
	return (home_default);
}

/* The next root of a blank separated list at *p (advanced past it), or NULL. Caller frees. */
char *
home_next_word(const char **p)
{
	const char	*s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
		;
	*p = e;
	return (e == s ? NULL : xstrndup(s, (size_t)(e - s)));
}

/* The project roots, blank separated: project_roots, or the home. Borrowed. */
const char *
home_project_roots(void)
{
	return (api.conf->project_roots != NULL ? api.conf->project_roots :
	    home_root());
}

/* Add path (absolute) and, if it differs, its resolved form to the deny-list. */
static void
home_deny_add(const char *path)
{
	char	*real;

	if (*path != '/' || home_ndeny + 2 > HOME_DENY_MAX)
		return;
	home_deny[home_ndeny++] = path_join(path, "");
	if ((real = realpath(path, NULL)) != NULL) {
		if (strcmp(real, home_deny[home_ndeny - 1]) != 0)
			home_deny[home_ndeny++] = real;
		else
			free(real);
	}
}

/*
 * Build the deny-list, once (pthread_once: getpwuid is not thread-safe, and the
 * configuration does not change).
 */
static void
home_deny_init(void)
{
	struct passwd	 pwbuf, *pw;
	char		 buf[HOME_PWBUF];
	const char	*p, *homes[2];
	char		*word, *path;
	int		 i, nhomes = 1;

	if (api.home != NULL)
		home_deny_add(api.home);
	if (api.conf_path != NULL)
		home_deny_add(api.conf_path);
	/* "~/" is the home the API shows, and the real one if that differs. */
	homes[0] = home_root();
	if (getpwuid_r(getuid(), &pwbuf, buf, sizeof buf, &pw) == 0 && pw != NULL &&
	    pw->pw_dir != NULL && pw->pw_dir[0] == '/' &&
	    strcmp(pw->pw_dir, homes[0]) != 0)
		homes[nhomes++] = pw->pw_dir;
	p = api.conf->deny_paths != NULL ? api.conf->deny_paths : "";
	while ((word = home_next_word(&p)) != NULL) {
		if (word[0] != '~')
			home_deny_add(word);
		else {
			for (i = 0; i < nhomes; i++) {
				xasprintf(&path, "%s%s", homes[i], word + 1);
				home_deny_add(path);
				free(path);
			}
		}
		free(word);
	}
}

/*
 * 1 if the absolute path is the state directory, the configuration file or on
 * deny_paths, or below one of them.
 */
int
home_forbidden(const char *path)
{
	int	i;

	pthread_once(&home_deny_once, home_deny_init);
	for (i = 0; i < home_ndeny; i++) {
		if (path_below(path, home_deny[i]) != NULL)
			return (1);
	}
	return (0);
}

/*
 * 1 if the entry name of the open directory fd (at dirpath) is forbidden (by its path as
 * written or as the kernel resolved the directory): the listings leave such
 * entries out, an upload refuses such a name.
 */
int
home_forbidden_entry(int fd, const char *dirpath, const char *name)
{
	char	*path, real[PATH_MAX];
	int	 rc;

	path = path_join(dirpath, name);
	rc = home_forbidden(path);
	free(path);
	if (rc)
		return (1);
	home_fd_real(fd, real, sizeof real);
	if (real[0] == '\0')
		return (0);
	path = path_join(real, name);
	rc = home_forbidden(path);
	free(path);
	return (rc);
}

/* What the kernel calls the open fd, into buf; "" if it cannot say. */
static void
home_fd_real(int fd, char *buf, size_t size)
{
	char	 proc[64];
	ssize_t	 n;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, buf, size - 1)) > 0 && buf[0] == '/')
		buf[n] = '\0';
	else
		buf[0] = '\0';
}

/*
 * Is the directory just opened (hd, at the client's path) reachable? 1, or
 * replies 403 forbidden_path, closes hd and returns 0.
 */
static int
home_reachable(struct req *req, const char *path, struct home_dir *hd)
{
	char	real[PATH_MAX];

	home_fd_real(hd->fd, real, sizeof real);
	if (!home_forbidden(hd->path) && (real[0] == '\0' || !home_forbidden(real)))
		return (1);
	home_dir_close(hd);
	reply_error(req, AGD_ERR_FORBIDDEN_PATH, "%.*s: agentd's state, its "
	    "configuration or a denied path (deny_paths)", PATH_LEN_MAX, path);
	return (0);
}

/* Reply the error of errno err about path. Returns -1. */
int
home_reply_errno(struct req *req, int err, const char *path)
{
	enum agd_err	 code = path_errcode(err);

	switch (err) {
	case EXDEV:
	case ELOOP:
		reply_error(req, code, "%.*s: outside the allowed directories",
		    PATH_LEN_MAX, path);
		break;
	case ENOENT:
		reply_error(req, code, "%.*s: no such file or directory",
		    PATH_LEN_MAX, path);
		break;
	default:
		if (code == AGD_ERR_INTERNAL)
			log_warnx("%.*s: %s", PATH_LEN_MAX, path,
			    strerror(err));
		reply_error(req, code, "%.*s: %s", PATH_LEN_MAX, path,
		    strerror(err));
		break;
	}
	return (-1);
}

/*
 * Open the client path beneath root (a configured absolute path). Returns 0
 * with *hd, 1 if path is not root or below it (nothing replied), or replies
 * an error and returns -1.
 */
int
home_resolve(struct req *req, const char *root, const char *path,
    struct home_dir *hd)
{
	const char	*rel, *home = home_root();
	char		*canon, *expanded = NULL;
	int		 rootfd, fd, rc = 1;

	hd->fd = -1;
	hd->path = NULL;
	hd->root = 0;
	if (path_check(path, strlen(path)) == -1)
		return (home_reply_errno(req, errno, path));
	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/')) {
		xasprintf(&expanded, "%s%s", home, path + 1);
		path = expanded;
	} else if (path[0] != '/') {
		reply_error(req, AGD_ERR_RELATIVE_PATH,
		    "a path must be absolute (or start with ~/)");
		return (-1);
	}
	if ((rootfd = path_root_open(root, &canon)) == -1) {
		log_debug("root %s: %s", root, strerror(errno));
		if (path_below(path, root) == NULL) {
			free(expanded);
			return (1);
		}
		reply_error(req, AGD_ERR_NOT_FOUND, "%s: not available", root);
		free(expanded);
		return (-1);
	}
	if ((rel = path_below(path, canon)) == NULL)
		rel = path_below(path, root);
	if (rel != NULL) {
		if ((fd = path_open(rootfd, rel, 0)) == -1) {
			rc = home_reply_errno(req, errno, path);
		} else {
			hd->fd = fd;
			hd->path = path_join(canon, rel);
			hd->root = strcmp(hd->path, canon) == 0;
			rc = home_reachable(req, path, hd) ? 0 : -1;
		}
	}
	close(rootfd);
	free(canon);
	free(expanded);
	return (rc);
}

/*
 * Open the client path, which must be the home or below it. 0 with *hd, or
 * replies (403 forbidden_path if it is elsewhere) and returns -1.
 */
int
home_open(struct req *req, const char *path, struct home_dir *hd)
{
	int	rc;

	if ((rc = home_resolve(req, home_root(), path, hd)) == 1) {
		reply_error(req, AGD_ERR_FORBIDDEN_PATH,
		    "%.*s: outside the home directory", PATH_LEN_MAX, path);
		return (-1);
	}
	return (rc);
}

/*
 * Open the client path as a directory to work in: the home or below it, or
 * exactly the working directory of a live session (whatever symlinks that
 * path has, the daemon accepted it; it is opened by its canonical path with
 * no symlink followed). 0 with *hd, or replies and returns -1.
 */
int
home_session_dir(struct req *req, const char *path, struct home_dir *hd)
{
	sqlite3_stmt	*st;
	const char	*wd;
	char		*want, *have, *canon, *cause;
	int		 rc, found = 0, fd;

	if ((rc = home_resolve(req, home_root(), path, hd)) != 1)
		return (rc);
	if (path[0] != '/') {
		reply_error(req, AGD_ERR_FORBIDDEN_PATH,
		    "%.*s: outside the home directory", PATH_LEN_MAX, path);
		return (-1);
	}
	if ((st = query_stmt(Q_LIVE_DIRS, &cause)) == NULL) {
		query_reply_error(req, cause);
		return (-1);
	}
	want = path_join(path, "");
	while (!found && (rc = query_step(st, &cause)) == 1) {
		if ((wd = (const char *)sqlite3_column_text(st, 0)) == NULL ||
		    *wd != '/' || path_check(wd, strlen(wd)) == -1)
			continue;
		have = path_join(wd, "");
		found = strcmp(have, want) == 0;
		free(have);
	}
	query_done(st);
	if (rc == -1) {
		free(want);
		query_reply_error(req, cause);
		return (-1);
	}
	if (!found) {
		free(want);
		reply_error(req, AGD_ERR_FORBIDDEN_PATH, "%.*s: neither under the "
		    "home directory nor a session's working directory",
		    PATH_LEN_MAX, path);
		return (-1);
	}
	if ((fd = path_root_open(want, &canon)) == -1) {
		rc = home_reply_errno(req, errno, path);
		free(want);
		return (rc);
	}
	free(want);
	hd->fd = fd;
	hd->path = canon;
	hd->root = 1;
	return (home_reachable(req, path, hd) ? 0 : -1);
}

/* Close and free what hd holds. */
void
home_dir_close(struct home_dir *hd)
{
	if (hd->fd != -1)
		close(hd->fd);
	hd->fd = -1;
	free(hd->path);
	hd->path = NULL;
}

/*
 * Which live session does the directory (its path as given, want, and as the
 * kernel resolved it, real, or NULL) belong to? The deepest working directory
 * it is at or below decides. Sets *mine: 1 if the caller may change a session
 * there (or none has it), 0 if only others' sessions do; *exact if want is
 * such a session's directory itself (exact NULL: not asked, and a caller who may
 * change every session needs no look at them). 0, or replies and returns -1.
 */
static int
home_live_dirs(struct req *req, const char *want, const char *real, int *exact)
{
	sqlite3_stmt	*st;
	const char	*wd, *creator, *cand[2];
	char		*have[2], *cause;
	size_t		 len, best = 0;
	int		 rc, may, mine = 1, i, j, n;

	if (exact == NULL && agd_auth_may_manage(api.conf, req->role, req->user, NULL))
		return (0);
	if (exact != NULL)
		*exact = 0;
	if ((st = query_stmt(Q_LIVE_DIRS, &cause)) == NULL) {
		query_reply_error(req, cause);
		return (-1);
	}
	cand[0] = want;
	cand[1] = real;
	while ((rc = query_step(st, &cause)) == 1) {
		if ((wd = (const char *)sqlite3_column_text(st, 0)) == NULL ||
		    *wd != '/' || path_check(wd, strlen(wd)) == -1)
			continue;
		creator = (const char *)sqlite3_column_text(st, 1);
		may = agd_auth_may_manage(api.conf, req->role, req->user, creator);
		have[0] = path_join(wd, "");
		have[1] = realpath(wd, NULL);
		n = have[1] != NULL ? 2 : 1;
		for (i = 0; i < n; i++) {
			for (j = 0; j < 2; j++) {
				if (cand[j] == NULL ||
				    path_below(cand[j], have[i]) == NULL)
					continue;
				if ((len = strlen(have[i])) > best) {
					best = len;
					mine = may;
				} else if (len == best && may)
					mine = 1;
				if (may && j == 0 && exact != NULL &&
				    strcmp(cand[0], have[i]) == 0)
					*exact = 1;
			}
		}
		free(have[0]);
		free(have[1]);
	}
	query_done(st);
	if (rc == -1) {
		query_reply_error(req, cause);
		return (-1);
	}
	if (!mine) {
		reply_error(req, AGD_ERR_FORBIDDEN_PATH, "%.*s: another user's "
		    "session works there", PATH_LEN_MAX, want);
		return (-1);
	}
	return (0);
}

/*
 * Open the client path as a directory to upload into: exactly the working
 * directory of a live session the caller may change, or a directory in a
 * project root (project_roots, default the home); never at or below the
 * working directory of a session the caller may not change, the state
 * directory or deny_paths. 0 with *hd, or replies and returns -1.
 */
static int	home_dir_for(struct req *, const char *, struct home_dir *, int);

int
home_upload_dir(struct req *req, const char *path, struct home_dir *hd)
{
	return (home_dir_for(req, path, hd, 1));
}

int
home_may_trust(struct req *req, const char *path, char **why, long long *dev,
    long long *ino)
{
	struct home_dir	hd;
	struct stat	sb;
	int		rc;

	req->quiet = 1;
	req->quiet_msg = NULL;
	rc = home_dir_for(req, path, &hd, 0);
	req->quiet = 0;
	if (rc == 0 && fstat(hd.fd, &sb) == -1) {
		home_dir_close(&hd);
		rc = -1;
	}
	if (rc == 0) {
		*dev = (long long)sb.st_dev;
		*ino = (long long)sb.st_ino;
		xasprintf(why, "%s is in a project root", hd.path);
		home_dir_close(&hd);
		free(req->quiet_msg);
		req->quiet_msg = NULL;
		return (1);
	}
	if (req->quiet_msg != NULL)
		*why = req->quiet_msg;
	else
		*why = xstrdup("not in a project root");
	req->quiet_msg = NULL;
	return (0);
}

/* home_upload_dir; exact: a live session's own working directory will do too. */
static int
home_dir_for(struct req *req, const char *path, struct home_dir *hd, int exact_ok)
{
	const char	*p;
	char		*want, *list, *root, *canon, real[PATH_MAX];
	int		 rc = 1, exact = 0, fd;

	hd->fd = -1;
	hd->path = NULL;
	hd->root = 0;
	if (path_check(path, strlen(path)) == -1)
		return (home_reply_errno(req, errno, path));
	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
		want = path_join(home_root(), path + 1);
	else if (path[0] == '/')
		want = path_join(path, "");
	else {
		reply_error(req, AGD_ERR_RELATIVE_PATH,
		    "a path must be absolute (or start with ~/)");
		return (-1);
	}
	if (home_live_dirs(req, want, NULL, exact_ok ? &exact : NULL) == -1)
		goto fail;
	if (exact) {
		if ((fd = path_root_open(want, &canon)) == -1) {
			home_reply_errno(req, errno, path);
			goto fail;
		}
		hd->fd = fd;
		hd->path = canon;
		hd->root = 1;
		if (!home_reachable(req, path, hd))
			goto fail;
		rc = 0;
	} else {
		list = xstrdup(home_project_roots());
		for (p = list; rc == 1 && (root = home_next_word(&p)) != NULL;) {
			rc = home_resolve(req, root, want, hd);
			free(root);
		}
		free(list);
		if (rc == -1)
			goto fail;
		if (rc == 1) {
			reply_error(req, AGD_ERR_FORBIDDEN_PATH, "%.*s: neither in "
			    "a project root nor a session's working directory",
			    PATH_LEN_MAX, path);
			goto fail;
		}
	}
	/* Through a symlink into another's session? */
	home_fd_real(hd->fd, real, sizeof real);
	if (home_live_dirs(req, want, real[0] != '\0' ? real : NULL,
	    exact_ok ? &exact : NULL) == -1) {
		home_dir_close(hd);
		goto fail;
	}
	free(want);
	return (0);
fail:
	free(want);
	return (-1);
}
