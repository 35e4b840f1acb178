/*
 * Confinement of the paths clients name: every file the utility endpoints
 * touch is reached from a directory fd (the root: the home directory, a
 * project root, a session's working directory) by the kernel, never by
 * comparing strings.
 *
 * path_open() resolves a relative path beneath the root with openat2() and
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: symlinks are followed only while
 * they stay beneath the root; an absolute symlink, a ".." that climbs out or a
 * /proc magic link fails with EXDEV/ELOOP. Without openat2 (kernels before
 * 5.6) the same rules are applied by a walk of one openat(O_PATH|O_NOFOLLOW)
 * per component, reading each symlink and keeping a stack of directory fds so
 * that ".." never goes through the filesystem's own "..": a directory moved
 * out from under us cannot take us outside. A ".." written by the client is
 * refused before any of this (a client has no business climbing).
 *
 * Nothing here depends on FastCGI, so the fuzz target links this file alone.
 * Errors are errno values; path_errcode() turns them into the API's words.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "api.h"
#include "xmalloc.h"

#define PATH_LINKS_MAX	40	/* symlinks followed in one lookup, as Linux */
#define PATH_DEPTH_MAX	256	/* directory fds held by the walk */
#define PATH_RETRIES	8	/* openat2 EAGAIN: a rename raced the lookup */

int	path_no_openat2;	/* set by tests and fuzzers: use the walk */

static int	path_openat2(int, const char *, int);
static int	path_walk(int, const char *, int);

/*
 * Check a client path: not empty, no NUL (the caller gives its length),
 * shorter than PATH_LEN_MAX, no component longer than NAME_MAX, and no ".."
 * component. 0, or -1 with errno (EINVAL, ENAMETOOLONG, EXDEV for "..").
 */
int
path_check(const char *path, size_t len)
{
	const char	*p, *e, *end = path + len;

	if (len == 0 || memchr(path, '\0', len) != NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (len >= PATH_LEN_MAX) {		/* the kernel counts the NUL */
		errno = ENAMETOOLONG;
		return (-1);
	}
	for (p = path; p < end; p = e + 1) {
		if ((e = memchr(p, '/', (size_t)(end - p))) == NULL)
			e = end;
		if (e - p > NAME_MAX) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			errno = EXDEV;
			return (-1);
		}
	}
	return (0);
}

/*
 * The part of the absolute path below root: "" for root itself, the rest
 * without its leading slashes, or NULL if path is not root or below it
 * (lexically: this only picks the root, the kernel does the confining).
 */
const char *
path_below(const char *path, const char *root)
{
	size_t	len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 1 && root[0] == '/')
		len = 0;
	else if (strncmp(path, root, len) != 0 ||
	    (path[len] != '/' && path[len] != '\0'))
		return (NULL);
	path += len;
	while (*path == '/')
		path++;
	return (path);
}

/*
 * root and rel joined, without "." or empty components (rel passed
 * path_check, so it has no ".."). Caller frees.
 */
char *
path_join(const char *root, const char *rel)
{
	const char	*p, *e;
	char		*out;
	size_t		 len, used;

	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	out = xmalloc(len + strlen(rel) + 2);
	memcpy(out, root, len);
	used = len;
	if (used == 1)
		used = 0;	/* root is "/" */
	for (p = rel; *p != '\0'; p = e) {
		while (*p == '/')
			p++;
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		if (e == p || (e - p == 1 && *p == '.'))
			continue;
		out[used++] = '/';
		memcpy(out + used, p, (size_t)(e - p));
		used += (size_t)(e - p);
	}
	if (used == 0)
		out[used++] = '/';
	out[used] = '\0';
	return (out);
}

/*
 * Open root (an absolute path, symlinks allowed: it comes from the
 * configuration or from a session the daemon created) as an O_PATH directory.
 * Returns the fd and its canonical path in *canon (caller frees), or -1 with
 * errno.
 */
int
path_root_open(const char *root, char **canon)
{
	char	*real;
	int	 fd, saved;

	if ((real = realpath(root, NULL)) == NULL)
		return (-1);
	/* The canonical path has no symlink: open it so, or not at all. */
	if ((fd = path_open_abs(real, PATH_NOSYMLINKS)) == -1) {
		saved = errno;
		free(real);
		errno = saved;
		return (-1);
	}
	*canon = real;
	return (fd);
}

/* Open the absolute path beneath "/" with path_open's rules. */
int
path_open_abs(const char *path, int flags)
{
	int	rootfd, fd, saved;

	if (*path != '/') {
		errno = EINVAL;
		return (-1);
	}
	if ((rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	fd = path_open(rootfd, path + 1, flags);
	saved = errno;
	close(rootfd);
	errno = saved;
	return (fd);
}

static int
path_openat2(int rootfd, const char *rel, int flags)
{
	struct open_how	how;
	int		fd, i;

	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if (flags & PATH_NOSYMLINKS)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	for (i = 0; i < PATH_RETRIES; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, *rel == '\0' ? "." : rel,
		    &how, sizeof how);
		if (fd != -1 || errno != EAGAIN)
			break;
	}
	return (fd);
}

/*
 * The fallback: one component at a time. rem holds what is left to resolve;
 * a symlink's target replaces the link's component in it. stack[depth] is the
 * directory we are in; stack[0] a copy of the root.
 */
static int
path_walk(int rootfd, const char *rel, int flags)
{
	struct stat	 sb;
	int		 stack[PATH_DEPTH_MAX];
	char		*rem, *next, *comp, target[PATH_MAX];
	const char	*p, *e;
	size_t		 len;
	ssize_t		 n;
	int		 depth = 0, links = 0, fd = -1, err = 0, must_dir;

	if ((stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	rem = xstrdup(rel);
	comp = xmalloc(NAME_MAX + 1);
	p = rem;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		must_dir = (*e == '/');
		if (len > NAME_MAX) {
			err = ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p = e;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth == 0) {
				err = EXDEV;
				break;
			}
			close(stack[depth--]);
			continue;
		}
		fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1 || fstat(fd, &sb) == -1) {
			err = errno;
			break;
		}
		if (S_ISLNK(sb.st_mode)) {
			if ((flags & PATH_NOSYMLINKS) ||
			    ++links > PATH_LINKS_MAX) {
				err = ELOOP;
				break;
			}
			n = readlinkat(fd, "", target, sizeof target);
			if (n == -1 || (size_t)n >= sizeof target) {
				err = n == -1 ? errno : ENAMETOOLONG;
				break;
			}
			close(fd);
			fd = -1;
			if (n == 0 || target[0] == '/') {
				err = n == 0 ? ENOENT : EXDEV;
				break;
			}
			/* The target, then the rest after the link. */
			next = xmalloc((size_t)n + strlen(p) + 1);
			memcpy(next, target, (size_t)n);
			memcpy(next + n, p, strlen(p) + 1);
			free(rem);
			p = rem = next;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (depth + 1 == PATH_DEPTH_MAX) {
				err = ENAMETOOLONG;
				break;
			}
			stack[++depth] = fd;
			fd = -1;
			continue;
		}
		if (must_dir) {
			err = ENOTDIR;
			break;
		}
		/* A file (or other): the last component, that is the result. */
		break;
	}
	free(comp);
	free(rem);
	if (err != 0 && fd != -1) {
		close(fd);
		fd = -1;
	}
	if (err == 0 && fd == -1) {
		fd = stack[depth];
		depth--;
	}
	while (depth >= 0)
		close(stack[depth--]);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (fd);
}

/*
 * Open rel (relative, checked by path_check) beneath the directory rootfd,
 * as an O_PATH fd; symlinks are followed only beneath it (none with
 * PATH_NOSYMLINKS). -1 with errno: EXDEV or ELOOP (escapes or a refused
 * symlink), ENOENT, ENOTDIR, EACCES, ENAMETOOLONG.
 */
int
path_open(int rootfd, const char *rel, int flags)
{
	static int	has_openat2 = 1;
	int		fd;

	if (path_check(rel, strlen(rel)) == -1 && *rel != '\0')
		return (-1);
	if (has_openat2 && !path_no_openat2 && !(flags & PATH_WALK)) {
		fd = path_openat2(rootfd, rel, flags);
		if (fd != -1 || errno != ENOSYS)
			return (fd);
		has_openat2 = 0;
	}
	return (path_walk(rootfd, rel, flags));
}

/*
 * 1 if name (len bytes) may be created in a directory: one component, not
 * "." or "..", at most NAME_MAX bytes, no '/', '\\', NUL or control
 * characters.
 */
int
path_valid_filename(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > NAME_MAX)
		return (0);
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/' || name[i] == '\\')
			return (0);
	}
	return (1);
}

/* The API error word for an errno from this file. */
enum agd_err
path_errcode(int err)
{
	switch (err) {
	case EXDEV:
	case ELOOP:
		return (AGD_ERR_FORBIDDEN_PATH);
	case ENOENT:
		return (AGD_ERR_NOT_FOUND);
	case ENOTDIR:
		return (AGD_ERR_NOT_A_DIRECTORY);
	case EACCES:
	case EPERM:
		return (AGD_ERR_PERMISSION_DENIED);
	case EINVAL:
	case ENAMETOOLONG:
		return (AGD_ERR_BAD_PATH);
	default:
		return (AGD_ERR_INTERNAL);
	}
}
