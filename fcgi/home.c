/*
 * The roots of the utility endpoints and the client paths in them.
 *
 * "Home" is home_root from the configuration, else the home directory of the
 * user agentd-fcgi runs as (not $HOME: the environment is not a policy). A
 * client path is absolute, or "~" / "~/..." for the home; it is checked
 * (path_check: no "..", no NUL, bounded), matched to a root lexically, and
 * then opened beneath that root's directory fd by path_open(), so that the
 * kernel, not a string comparison, keeps it inside.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

static char		*home_default;
static pthread_once_t	 home_default_once = PTHREAD_ONCE_INIT;

/* Look up the home of our uid once (getpwuid is not thread-safe). */
static void
home_default_init(void)
{
	struct passwd	*pw;

	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/')
		home_default = xstrdup(pw->pw_dir);
	else
		home_default = xstrdup("/");
}

/* The configured home: home_root, or the home of our uid. Borrowed. */
const char *
home_root(void)
{
	if (api.conf->home_root != NULL)
		return (api.conf->home_root);
	pthread_once(&home_default_once, home_default_init);
	return (home_default);
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
			rc = 0;
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
	return (0);
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
