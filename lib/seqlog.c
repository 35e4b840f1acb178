/* Per-session on-disk log of terminal output and events, bounded by rotation. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seqlog.h"
#include "xmalloc.h"

#define SEQLOG_REC_MAX	(16 * 1024 * 1024)	/* sanity bound on one record */

/* Scan fd for complete records; return the end of the last complete one. */
static off_t
seqlog_scan(int fd, uint64_t *last_seq, uint64_t *last_hoff)
{
	struct agd_rec	r;
	struct stat	sb;
	off_t		off = 0;

	if (fstat(fd, &sb) == -1)
		return (0);
	while (off + (off_t)sizeof r <= sb.st_size) {
		if (pread(fd, &r, sizeof r, off) != (ssize_t)sizeof r)
			break;
		if (r.len > SEQLOG_REC_MAX || r.seq == 0 ||
		    off + (off_t)sizeof r + (off_t)r.len > sb.st_size)
			break;
		if (r.seq > *last_seq)
			*last_seq = r.seq;
		if (r.type == AGD_REC_TTY && r.hoff > *last_hoff)
			*last_hoff = r.hoff;
		off += (off_t)sizeof r + r.len;
	}
	return (off);
}

int
agd_seqlog_open(struct agd_seqlog *l, const char *dir, uint64_t max_bytes,
    uint64_t *last_seq, uint64_t *last_hoff, char **cause)
{
	off_t	end;
	int	fd1;

	memset(l, 0, sizeof *l);
	xasprintf(&l->path, "%s/output.log", dir);
	xasprintf(&l->path1, "%s/output.log.1", dir);
	l->half = max_bytes / 2;
	*last_seq = *last_hoff = 0;

	if ((fd1 = open(l->path1, O_RDONLY | O_CLOEXEC)) != -1) {
		seqlog_scan(fd1, last_seq, last_hoff);
		close(fd1);
	}
	l->fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (l->fd == -1) {
		xasprintf(cause, "open %s: %s", l->path, strerror(errno));
		free(l->path);
		free(l->path1);
		return (-1);
	}
	end = seqlog_scan(l->fd, last_seq, last_hoff);
	if (ftruncate(l->fd, end) == -1) {
		xasprintf(cause, "ftruncate %s: %s", l->path, strerror(errno));
		agd_seqlog_close(l);
		return (-1);
	}
	l->size = (uint64_t)end;
	return (0);
}

static int
seqlog_rotate(struct agd_seqlog *l)
{
	int	fd;

	if (rename(l->path, l->path1) == -1)
		return (-1);
	fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	close(l->fd);
	l->fd = fd;
	l->size = 0;
	return (0);
}

int
agd_seqlog_append(struct agd_seqlog *l, uint64_t seq, uint64_t hoff, int type,
    const void *data, size_t len)
{
	struct agd_rec	r;
	struct iovec	iov[2];
	ssize_t		n;
	size_t		want;

	if (len > SEQLOG_REC_MAX) {
		errno = EFBIG;
		return (-1);
	}
	if (l->size > 0 && l->size + sizeof r + len > l->half &&
	    seqlog_rotate(l) == -1)
		return (-1);
	memset(&r, 0, sizeof r);
	r.seq = seq;
	r.hoff = hoff;
	r.len = (uint32_t)len;
	r.type = (uint8_t)type;
	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof r;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	want = sizeof r + len;
	do
		n = writev(l->fd, iov, 2);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)want) {
		/* Cut what was half written, so the log stays well formed. */
		if (ftruncate(l->fd, (off_t)l->size) == -1) {
			/* nothing more to do: the next open cuts it */
		}
		if (n >= 0)
			errno = ENOSPC;
		return (-1);
	}
	l->size += want;
	return (0);
}

void
agd_seqlog_close(struct agd_seqlog *l)
{
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
	free(l->path);
	free(l->path1);
	l->path = l->path1 = NULL;
}

/* Read the records of one open file; *last is the highest seq delivered so far. */
static int
seqlog_read_fd(int fd, uint64_t since, uint64_t *last, agd_seqlog_cb cb, void *arg)
{
	struct agd_rec	 r;
	char		*buf = NULL;
	size_t		 cap = 0;
	off_t		 off = 0;
	ssize_t		 n;
	int		 stop = 0;

	for (;;) {
		n = pread(fd, &r, sizeof r, off);
		if (n != (ssize_t)sizeof r || r.len > SEQLOG_REC_MAX || r.seq == 0)
			break;
		off += (off_t)sizeof r;
		if (r.seq <= since || r.seq <= *last) {
			off += r.len;
			continue;
		}
		if (r.len > cap) {
			cap = r.len;
			buf = xrealloc(buf, cap);
		}
		if (r.len > 0 && pread(fd, buf, r.len, off) != (ssize_t)r.len)
			break;		/* torn tail: the writer is mid-append */
		off += r.len;
		*last = r.seq;
		if ((stop = cb(arg, &r, buf)) != 0)
			break;
	}
	free(buf);
	return (stop);
}

int
agd_seqlog_read(const char *dir, uint64_t since, agd_seqlog_cb cb, void *arg,
    char **cause)
{
	char		*path, *path1;
	int		 fd, fd1, stop = 0;
	uint64_t	 last = 0;

	xasprintf(&path, "%s/output.log", dir);
	xasprintf(&path1, "%s/output.log.1", dir);
	/*
	 * Open the current file before the rotated one: a rotation in between then
	 * shows the same records twice (skipped by seq) rather than losing some.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 && errno != ENOENT) {
		xasprintf(cause, "open %s: %s", path, strerror(errno));
		free(path);
		free(path1);
		return (-1);
	}
	fd1 = open(path1, O_RDONLY | O_CLOEXEC);
	if (fd1 != -1) {
		stop = seqlog_read_fd(fd1, since, &last, cb, arg);
		close(fd1);
	}
	if (fd != -1) {
		if (!stop)
			seqlog_read_fd(fd, since, &last, cb, arg);
		close(fd);
	}
	free(path);
	free(path1);
	return (0);
}
