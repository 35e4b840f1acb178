/*
 * libFuzzer target: the path confinement (fcgi/path.c).
 *
 * A fixture tree is made once under a temporary directory: ROOT with files,
 * directories and symlinks of every kind (inside, climbing out with "..",
 * absolute, looping, dangling, to a file, with a trailing slash), and a
 * sibling OUTSIDE. The input is a client path below ROOT. It is resolved
 * twice, with openat2(RESOLVE_BENEATH) and with the component walk used when
 * openat2 is missing, and:
 *  - whatever either opens must be ROOT or below it (checked by the kernel's
 *    own name for the fd, /proc/self/fd);
 *  - both must agree: the same inode, or the same error word;
 *  - no fd may leak.
 * The string helpers (path_check, path_below, path_join,
 * path_valid_filename) run on the same input.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"

static char	 fz_root[PATH_MAX];
static int	 fz_rootfd = -1;
static int	 fz_nextfd;

static void
fz_mk(const char *kind, const char *name, const char *target)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof path, "%s/%s", fz_root, name);
	if (strcmp(kind, "dir") == 0) {
		if (mkdir(path, 0755) == -1)
			abort();
	} else if (strcmp(kind, "file") == 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1)
			abort();
		close(fd);
	} else if (symlink(target, path) == -1)
		abort();
}

static void
fz_init(void)
{
	char	tmpl[] = "/tmp/agentd-fuzz-path-XXXXXX", *base;
	int	fd;

	if ((base = mkdtemp(tmpl)) == NULL)
		abort();
	snprintf(fz_root, sizeof fz_root, "%s/outside", base);
	mkdir(fz_root, 0755);
	snprintf(fz_root, sizeof fz_root, "%s/outside/secret", base);
	if ((fd = open(fz_root, O_WRONLY | O_CREAT, 0644)) != -1)
		close(fd);
	snprintf(fz_root, sizeof fz_root, "%s/root", base);
	if (mkdir(fz_root, 0755) == -1)
		abort();
	fz_mk("dir", "a", NULL);
	fz_mk("dir", "a/b", NULL);
	fz_mk("dir", "a/b/c", NULL);
	fz_mk("file", "a/f", NULL);
	fz_mk("file", "a/b/g", NULL);
	fz_mk("dir", ".hidden", NULL);
	fz_mk("link", "in", "a");
	fz_mk("link", "chain", "in/b");
	fz_mk("link", "ok", "a/../a/b");
	fz_mk("link", "file", "a/f");
	fz_mk("link", "slash", "a/");
	fz_mk("link", "fslash", "a/f/");
	fz_mk("link", "dangling", "nothing");
	fz_mk("link", "loop", "loop");
	fz_mk("link", "loop2", "loop3/x");
	fz_mk("link", "loop3", "loop2");
	fz_mk("link", "up", "../outside");
	fz_mk("link", "abs", "/etc");
	fz_mk("link", "absin", fz_root);
	fz_mk("link", "proc", "/proc/self/root");
	fz_mk("link", "a/back", "../a");
	fz_mk("link", "a/b/up2", "../../..");
	fz_mk("link", "a/b/up1", "../..");
	fz_mk("link", "a/b/deep", "c/../../b/c/.");
	fz_mk("link", "dot", ".");
	fz_mk("link", "empty", "./");
	if ((fz_rootfd = open(fz_root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
}

/* 1 if fd is the root or below it. */
static int
fz_beneath(int fd)
{
	char	proc[64], buf[PATH_MAX];
	size_t	len = strlen(fz_root);
	ssize_t	n;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, buf, sizeof buf - 1)) == -1)
		abort();
	buf[n] = '\0';
	return (strncmp(buf, fz_root, len) == 0 &&
	    (buf[len] == '\0' || buf[len] == '/'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stat	 sa, sb;
	const char	*below;
	enum agd_err	 ea, eb;
	char		*path, *joined, *p;
	int		 fa, fb, erra, errb, fd;

	if (fz_rootfd == -1)
		fz_init();
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		abort();
	fz_nextfd = fd;
	close(fd);
	if ((path = malloc(size + 1)) == NULL)
		abort();
	memcpy(path, data, size);
	path[size] = '\0';

	(void)path_valid_filename(path, size);
	if (path_check(path, size) == 0) {
		joined = path_join("/r", path);
		if (strstr(joined, "//") != NULL ||
		    strstr(joined, "/./") != NULL)
			abort();
		if ((below = path_below(joined, "/r")) == NULL)
			abort();
		free(joined);
	} else if (size > 0 && memchr(path, '\0', size) == NULL &&
	    size < PATH_LEN_MAX && errno != EXDEV && errno != ENAMETOOLONG)
		abort();
	if (memchr(data, '\0', size) != NULL || size >= PATH_LEN_MAX) {
		free(path);
		return (0);
	}
	for (p = path; *p == '/'; p++)
		;

	fa = path_open(fz_rootfd, p, 0);
	erra = errno;
	fb = path_open(fz_rootfd, p, PATH_WALK);
	errb = errno;
	if (fa != -1 && !fz_beneath(fa))
		abort();
	if (fb != -1 && !fz_beneath(fb))
		abort();
	if (fa != -1 && fb != -1) {
		if (fstat(fa, &sa) == -1 || fstat(fb, &sb) == -1)
			abort();
		if (sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino) {
			fprintf(stderr, "\"%s\": different files\n", p);
			abort();
		}
	} else if (fa != -1 || fb != -1) {
		/* The walk holds at most so many directories. */
		if (!(fb == -1 && errb == ENAMETOOLONG)) {
			fprintf(stderr, "\"%s\": openat2 %s, walk %s\n", p,
			    fa == -1 ? strerror(erra) : "ok",
			    fb == -1 ? strerror(errb) : "ok");
			abort();
		}
	} else {
		ea = path_errcode(erra);
		eb = path_errcode(errb);
		if (ea != eb && errb != ENAMETOOLONG) {
			fprintf(stderr, "\"%s\": openat2 %s, walk %s\n", p,
			    strerror(erra), strerror(errb));
			abort();
		}
	}
	if (fa != -1)
		close(fa);
	if (fb != -1)
		close(fb);
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		abort();
	close(fd);
	if (fd != fz_nextfd)
		abort();	/* an fd leaked */
	free(path);
	return (0);
}
