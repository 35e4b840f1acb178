/* Small helpers shared by every program. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"

void
agd_iso8601(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t
agd_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

uint64_t
agd_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

int
agd_mkdirs(const char *path, int mode)
{
	char	*p, *s;
	int	 rc = 0;

	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return (rc);
}

char *
agd_home(const char *opt)
{
	struct passwd	*pw;
	const char	*e;
	char		*p;

	if (opt != NULL && *opt != '\0')
		return (xstrdup(opt));
	if ((e = getenv("AGENTD_HOME")) != NULL && *e != '\0')
		return (xstrdup(e));
	if ((e = getenv("XDG_STATE_HOME")) != NULL && *e == '/') {
		xasprintf(&p, "%s/agentd", e);
		return (p);
	}
	/* Not /tmp: whoever made /tmp/.local first would own our state. */
	if ((e = getenv("HOME")) == NULL || *e != '/') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
		    pw->pw_dir[0] != '/')
			return (NULL);
		e = pw->pw_dir;
	}
	xasprintf(&p, "%s/.local/state/agentd", e);
	return (p);
}

int
agd_home_check(const char *home, char **cause)
{
	struct stat	sb;

	if (stat(home, &sb) == -1) {
		if (errno == ENOENT)
			return (0);	/* we make it, 0700 */
		xasprintf(cause, "state directory %s: %s", home, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "state directory %s: not a directory", home);
		return (-1);
	}
	if (sb.st_uid != geteuid()) {
		xasprintf(cause, "state directory %s: owned by uid %lu, not by us "
		    "(uid %lu): its configuration would run programs as us", home,
		    (unsigned long)sb.st_uid, (unsigned long)geteuid());
		return (-1);
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "state directory %s: group- or other-writable "
		    "(mode %04o): chmod go-w it", home, (unsigned)(sb.st_mode & 07777));
		return (-1);
	}
	return (0);
}

char *
agd_conf_path(const char *opt, const char *home)
{
	const char	*e;
	char		*p;

	if (opt != NULL && *opt != '\0')
		return (xstrdup(opt));
	if ((e = getenv("AGENTD_CONF")) != NULL && *e != '\0')
		return (xstrdup(e));
	xasprintf(&p, "%s/agentd.conf", home);
	if (access(p, R_OK) == 0)
		return (p);
	free(p);
	return (NULL);
}

int
agd_set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return (-1);
	return (0);
}

int
agd_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
agd_read_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Length of the UTF-8 sequence that starts with c, 0 if c cannot start one. */
static int
utf8_seqlen(unsigned char c)
{
	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		return (2);
	if (c >= 0xe0 && c <= 0xef)
		return (3);
	if (c >= 0xf0 && c <= 0xf4)
		return (4);
	return (0);
}

int
agd_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	int			 n, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seqlen(p[i])) == 0 || i + (size_t)n > len)
			return (0);
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
		}
		/* Overlongs, surrogates and > U+10FFFF. */
		if (n == 3 && p[i] == 0xe0 && p[i + 1] < 0xa0)
			return (0);
		if (n == 3 && p[i] == 0xed && p[i + 1] > 0x9f)
			return (0);
		if (n == 4 && p[i] == 0xf0 && p[i + 1] < 0x90)
			return (0);
		if (n == 4 && p[i] == 0xf4 && p[i + 1] > 0x8f)
			return (0);
		i += (size_t)n;
	}
	return (1);
}

size_t
agd_utf8_cut(const unsigned char *buf, size_t len)
{
	size_t	i, back;
	int	n;

	/* Look at most 3 bytes back for the start of an unfinished sequence. */
	for (back = 1; back <= 3 && back <= len; back++) {
		i = len - back;
		if ((buf[i] & 0xc0) == 0x80)
			continue;		/* continuation byte: keep looking */
		n = utf8_seqlen(buf[i]);
		if (n > 1 && (size_t)n > back)
			return (i);		/* incomplete: hold it back */
		return (len);
	}
	return (len);
}

/* Nonzero if one of the 8 bytes of w is below 0x20, '"', '\\' or above 0x7f. */
static inline uint64_t
json_special8(uint64_t w)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	uint64_t	q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	/* (x - ones) & ~x has a byte's top bit set below its first zero byte. */
	return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) &
	    high;
}

ssize_t
agd_json_escape_utf8(char *out, const uint8_t *p, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*o = out;
	size_t			 i = 0, j;
	uint64_t		 w;
	uint8_t			 c;

	while (i < n) {
		/* Plain ASCII, the bulk of a terminal's output, 8 bytes at a time. */
		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if (json_special8(w) == 0) {
				memcpy(o, p + i, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		c = p[i];
		if (c >= 0x80) {
			/* A run of non-ASCII bytes is whole characters or invalid. */
			for (j = i + 1; j < n && p[j] >= 0x80; j++)
				;
			if (!agd_utf8_valid((const char *)p + i, j - i))
				return (-1);
			memcpy(o, p + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		i++;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			break;
		}
	}
	return (o - out);
}
