/*
 * Unix-domain listening sockets: bind with a safe mode, stale sockets, accept
 * backoff, and the descriptor limit the listeners' clients count against.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "agd.h"
#include "log.h"
#include "sock.h"
#include "xmalloc.h"

/* Fill sun with path; -1 if it does not fit. */
static int
sock_addr(struct sockaddr_un *sun, const char *path)
{
	size_t	len = strlen(path);

	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (len >= sizeof sun->sun_path)
		return (-1);
	memcpy(sun->sun_path, path, len + 1);
	return (0);
}

/* 1 if a listener answers on sun. */
static int
sock_live(const struct sockaddr_un *sun)
{
	int	fd, live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	live = connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0;
	close(fd);
	return (live);
}

int
agd_sock_listen(const char *path, int flags, int backlog, char **cause)
{
	struct sockaddr_un	sun;
	struct stat		sb;
	mode_t			old;
	int			fd, type, rc;

	if (sock_addr(&sun, path) == -1) {
		xasprintf(cause, "socket path too long (%zu bytes): %s", strlen(path), path);
		return (AGD_ERROR);
	}
	if ((flags & AGD_SOCK_ONLYSOCK) && lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s: exists and is not a socket", path);
		return (AGD_EINVAL);
	}
	if ((flags & AGD_SOCK_LIVE) && sock_live(&sun)) {
		xasprintf(cause, "%s: a listener answers on it", path);
		return (AGD_EEXISTS);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", path, strerror(errno));
		return (AGD_ERROR);
	}
	type = SOCK_STREAM | SOCK_CLOEXEC;
	if (flags & AGD_SOCK_NONBLOCK)
		type |= SOCK_NONBLOCK;
	if ((fd = socket(AF_UNIX, type, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (AGD_ERROR);
	}
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc == -1) {
		xasprintf(cause, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, (flags & AGD_SOCK_GROUP) ? AGD_SOCK_GROUP_MODE : AGD_SOCK_MODE) == -1) {
		xasprintf(cause, "chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, backlog) == -1) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		goto fail;
	}
	return (fd);
fail:
	close(fd);
	return (AGD_ERROR);
}

int
agd_sock_backoff(int err)
{
	if (err == EMFILE || err == ENFILE)
		return (AGD_ACCEPT_BACKOFF_MS);
	return (0);
}

int
agd_sock_accept(int lfd, int flags, int *pause_ms)
{
	int	fd;

	*pause_ms = 0;
	if ((fd = accept4(lfd, NULL, NULL, flags | SOCK_CLOEXEC)) == -1)
		*pause_ms = agd_sock_backoff(errno);
	return (fd);
}

void
agd_sock_nofile_raise(void)
{
	struct rlimit	rl;
	rlim_t		was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	log_info("descriptors: up to %llu (was %llu)", (unsigned long long)rl.rlim_cur,
	    (unsigned long long)was);
}
