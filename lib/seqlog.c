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

/*
 * Walk the record headers of fd from offset 0 with large reads (a log of tiny
 * records must not cost a syscall per record). cb sees each complete record's header
 * and offset. Returns the end of the last complete record.
 */
typedef void (*seqlog_walk_cb)(void *, const struct agd_rec *, off_t);

static off_t
seqlog_walk(int fd, seqlog_walk_cb cb, void *arg)
{
	struct agd_rec	 r;
	struct stat	 sb;
	char		*buf;
	size_t		 cap = 1024 * 1024, have = 0, pos = 0;
	off_t		 off = 0, boff = 0;	/* file offset of buf[0] */
	ssize_t		 n;

	if (fstat(fd, &sb) == -1)
		return (0);
	buf = xmalloc(cap);
	for (;;) {
		if (have - pos < sizeof r) {
			/* Refill from the current record onwards. */
			boff += (off_t)pos;
			memmove(buf, buf + pos, have - pos);
			have -= pos;
			pos = 0;
			n = pread(fd, buf + have, cap - have, boff + (off_t)have);
			if (n <= 0)
				break;
			have += (size_t)n;
			continue;
		}
		memcpy(&r, buf + pos, sizeof r);
		if (r.len > SEQLOG_REC_MAX || r.seq == 0 ||
		    off + (off_t)sizeof r + (off_t)r.len > sb.st_size)
			break;
		if (cb != NULL)
			cb(arg, &r, off);
		off += (off_t)sizeof r + r.len;
		if (pos + sizeof r + r.len <= have)
			pos += sizeof r + r.len;
		else {
			/* The payload runs past the buffer: skip it. */
			boff = off;
			have = pos = 0;
		}
	}
	free(buf);
	return (off);
}

struct seqlog_last {
	uint64_t	seq;
	uint64_t	hoff;
};

static void
seqlog_last_cb(void *arg, const struct agd_rec *r, off_t off)
{
	struct seqlog_last	*l = arg;

	(void)off;
	if (r->seq > l->seq)
		l->seq = r->seq;
	if (r->type == AGD_REC_TTY && r->hoff > l->hoff)
		l->hoff = r->hoff;
}

/* Scan fd for complete records; return the end of the last complete one. */
static off_t
seqlog_scan(int fd, uint64_t *last_seq, uint64_t *last_hoff)
{
	struct seqlog_last	l = { *last_seq, *last_hoff };
	off_t			end;

	end = seqlog_walk(fd, seqlog_last_cb, &l);
	*last_seq = l.seq;
	*last_hoff = l.hoff;
	return (end);
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

/* Cursor: read records one at a time, following rotations. */

static int
seqlog_cur_openfile(struct agd_seqlog_cur *c, int rotated)
{
	char	*path;

	if (c->fd != -1)
		close(c->fd);
	xasprintf(&path, "%s/output.log%s", c->dir, rotated ? ".1" : "");
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	c->rotated = rotated;
	c->off = 0;
	return (c->fd);
}

void
agd_seqlog_cur_open(struct agd_seqlog_cur *c, const char *dir, uint64_t since)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->dir = xstrdup(dir);
	c->last = since;
	if (seqlog_cur_openfile(c, 1) == -1)
		seqlog_cur_openfile(c, 0);
}

/* 1 if the file now at output.log is not the one c->fd reads. */
static int
seqlog_cur_stale(struct agd_seqlog_cur *c)
{
	struct stat	a, b;
	char		*path;
	int		 stale;

	if (c->fd == -1)
		return (1);
	xasprintf(&path, "%s/output.log", c->dir);
	stale = stat(path, &b) == 0 && fstat(c->fd, &a) == 0 &&
	    (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
	free(path);
	return (stale);
}

int
agd_seqlog_cur_next(struct agd_seqlog_cur *c, struct agd_rec *r, char **buf,
    size_t *cap)
{
	ssize_t	n;

	for (;;) {
		if (c->fd == -1) {
			if (seqlog_cur_openfile(c, 0) == -1)
				return (0);
		}
		n = pread(c->fd, r, sizeof *r, c->off);
		if (n != (ssize_t)sizeof *r || r->len > SEQLOG_REC_MAX || r->seq == 0) {
			/* End of this file: go on in the current one if there is a newer. */
			if (c->rotated || seqlog_cur_stale(c)) {
				seqlog_cur_openfile(c, 0);
				if (c->fd == -1)
					return (0);
				continue;
			}
			return (0);
		}
		if (r->seq <= c->last) {
			c->off += (off_t)sizeof *r + r->len;
			continue;
		}
		if (r->len > *cap) {
			*cap = r->len;
			*buf = xrealloc(*buf, *cap);
		}
		if (r->len > 0 && pread(c->fd, *buf, r->len, c->off + (off_t)sizeof *r) !=
		    (ssize_t)r->len)
			return (0);		/* torn tail: not written yet */
		c->off += (off_t)sizeof *r + r->len;
		c->last = r->seq;
		return (1);
	}
}

void
agd_seqlog_cur_close(struct agd_seqlog_cur *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->dir);
	c->dir = NULL;
}

struct seqlog_tail {
	uint64_t	 min_seq;
	uint64_t	*seqs;		/* tty records after min_seq, with sizes */
	uint32_t	*lens;
	size_t		 n;
	size_t		 cap;
	uint64_t	 first;		/* first seq seen at all */
};

static void
seqlog_tail_cb(void *arg, const struct agd_rec *r, off_t off)
{
	struct seqlog_tail	*t = arg;

	(void)off;
	if (t->first == 0 || r->seq < t->first)
		t->first = r->seq;
	if (r->seq <= t->min_seq)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 1024 : t->cap * 2;
		t->seqs = xreallocarray(t->seqs, t->cap, sizeof *t->seqs);
		t->lens = xreallocarray(t->lens, t->cap, sizeof *t->lens);
	}
	t->seqs[t->n] = r->seq;
	t->lens[t->n] = r->type == AGD_REC_TTY ? r->len : 0;
	t->n++;
}

uint64_t
agd_seqlog_tail_start(const char *dir, uint64_t min_seq, uint64_t bytes)
{
	struct seqlog_tail	 t;
	char			*path;
	uint64_t		 sum = 0, start;
	size_t			 i;
	int			 fd, k;

	memset(&t, 0, sizeof t);
	t.min_seq = min_seq;
	for (k = 1; k >= 0; k--) {
		xasprintf(&path, "%s/output.log%s", dir, k ? ".1" : "");
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			seqlog_walk(fd, seqlog_tail_cb, &t);
			close(fd);
		}
		free(path);
	}
	start = min_seq;
	for (i = t.n; i > 0; i--) {
		sum += t.lens[i - 1];
		if (sum > bytes) {
			start = t.seqs[i - 1];
			break;
		}
	}
	free(t.seqs);
	free(t.lens);
	return (start);
}
