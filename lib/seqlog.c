/* Per-session on-disk log of terminal output and events, bounded by rotation. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "seqlog.h"
#include "xmalloc.h"

#define SEQLOG_REC_MAX	(16 * 1024 * 1024)	/* sanity bound on one record */
/*
 * The writer marks a record every this many bytes of a file: finding a viewer's
 * replay start reads up to this much beyond the replay, and the marks of a full
 * log (64 MiB) take 1024 entries, 32 KiB.
 */
#define SEQLOG_MARK_EVERY	(64 * 1024)
/*
 * The most of an index a reader loads: 256 Ki entries, an entry per 16 KiB of
 * a file of 4 GiB (log_max_bytes is far less); past it the reader seeks less.
 */
#define SEQLOG_IDX_READ_MAX	(4 * 1024 * 1024)

_Thread_local uint64_t agd_seqlog_headers_read;

static int	seqlog_idx_open(const char *, int);
static void	seqlog_idx_add(int, uint64_t *, uint64_t, uint64_t);
static off_t	seqlog_seek(int, const char *, uint64_t);

/*
 * Walk the record headers of fd from offset start (a record's) with large reads
 * (a log of tiny records must not cost a syscall per record). cb sees each complete
 * record's header and offset. Returns the end of the last complete record.
 */
typedef void (*seqlog_walk_cb)(void *, const struct agd_rec *, off_t);

static off_t
seqlog_walk(int fd, off_t start, seqlog_walk_cb cb, void *arg)
{
	struct agd_rec	 r;
	struct stat	 sb;
	char		*buf;
	size_t		 cap = 1024 * 1024, have = 0, pos = 0;
	off_t		 off = start, boff = start;	/* file offset of buf[0] */
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

/* Open the index of the log at path: truncated (to rebuild it) or to read. */
static int
seqlog_idx_open(const char *path, int rebuild)
{
	char	*ipath;
	int	 fd;

	xasprintf(&ipath, "%s.idx", path);
	if (rebuild)
		fd = open(ipath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	else
		fd = open(ipath, O_RDONLY | O_CLOEXEC);
	free(ipath);
	return (fd);
}

/*
 * Index the record seq at off if it is the first at or past *next. Best effort:
 * a reader checks every entry against its record and walks without one.
 */
static void
seqlog_idx_add(int fd, uint64_t *next, uint64_t seq, uint64_t off)
{
	struct agd_rec_idx	e;

	if (fd == -1 || off < *next)
		return;
	e.seq = seq;
	e.off = off;
	if (write(fd, &e, sizeof e) != (ssize_t)sizeof e) {
		/* a short index: readers walk the rest */
	}
	*next = off + AGD_SEQLOG_IDX_EVERY;
}

/*
 * Where a reader after since can start in the file fd at path: the last
 * indexed record with seq <= since (its header checked), else 0.
 */
static off_t
seqlog_seek(int fd, const char *path, uint64_t since)
{
	struct agd_rec_idx	*v;
	struct agd_rec		 r;
	struct stat		 sb;
	size_t			 lo, hi, mid, want;
	ssize_t			 n;
	off_t			 off = 0;
	int			 ifd;

	if (since == 0 || (ifd = seqlog_idx_open(path, 0)) == -1)
		return (0);
	if (fstat(ifd, &sb) == -1 || sb.st_size < (off_t)sizeof *v) {
		close(ifd);
		return (0);
	}
	want = (size_t)sb.st_size < SEQLOG_IDX_READ_MAX ? (size_t)sb.st_size :
	    SEQLOG_IDX_READ_MAX;
	v = xmalloc(want);
	n = pread(ifd, v, want, 0);
	close(ifd);
	lo = 0;
	hi = n > 0 ? (size_t)n / sizeof *v : 0;
	while (lo < hi) {		/* the first entry with seq > since */
		mid = lo + (hi - lo) / 2;
		if (v[mid].seq <= since)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && v[lo - 1].off <= INT64_MAX) {
		agd_seqlog_headers_read++;
		if (pread(fd, &r, sizeof r, (off_t)v[lo - 1].off) == (ssize_t)sizeof r &&
		    r.seq == v[lo - 1].seq)
			off = (off_t)v[lo - 1].off;
	}
	free(v);
	return (off);
}

/* The record r at off of a file of l is written: mark it if due (l->next_mark). */
static void
seqlog_mark(struct agd_seqlog *l, const struct agd_rec *r, off_t off, int rotated)
{
	struct agd_seqlog_mark	*m;

	if ((uint64_t)off >= l->next_mark) {
		if (l->nmarks == l->capmarks) {
			l->capmarks = l->capmarks == 0 ? 64 : l->capmarks * 2;
			l->marks = xreallocarray(l->marks, l->capmarks, sizeof *l->marks);
		}
		m = &l->marks[l->nmarks++];
		m->seq = r->seq;
		m->tty = l->tty;
		m->off = off;
		m->rotated = rotated;
		l->next_mark = (uint64_t)off + SEQLOG_MARK_EVERY;
	}
	if (r->type == AGD_REC_TTY)
		l->tty += r->len;
}

struct seqlog_last {
	uint64_t		 seq;
	uint64_t		 hoff;
	int			 idx_fd;	/* the index being rebuilt */
	uint64_t		 idx_next;
	struct agd_seqlog	*mark;		/* marked as it is read */
	int			 rotated;
};

static void
seqlog_last_cb(void *arg, const struct agd_rec *r, off_t off)
{
	struct seqlog_last	*l = arg;

	seqlog_idx_add(l->idx_fd, &l->idx_next, r->seq, (uint64_t)off);
	if (r->seq > l->seq)
		l->seq = r->seq;
	/* tty chunks, and the events of a stream session's line, say where they end. */
	if (r->hoff > l->hoff)
		l->hoff = r->hoff;
	seqlog_mark(l->mark, r, off, l->rotated);
}

/*
 * Scan fd (the log at path) for complete records, rebuilding its index; return
 * the end of the last complete one. With l, the index stays open to append to
 * (l->idx_fd, -1 if it cannot be written; l->idx_next where the next entry goes).
 * Its records are marked in mark (rotated: fd is output.log.1).
 */
static off_t
seqlog_scan(int fd, const char *path, uint64_t *last_seq, uint64_t *last_hoff,
    struct agd_seqlog *log, struct agd_seqlog *mark, int rotated)
{
	struct seqlog_last	l = { *last_seq, *last_hoff, -1, 0, mark, rotated };
	off_t			end;

	l.idx_fd = seqlog_idx_open(path, 1);
	mark->next_mark = 0;
	end = seqlog_walk(fd, 0, seqlog_last_cb, &l);
	*last_seq = l.seq;
	*last_hoff = l.hoff;
	if (log != NULL) {
		log->idx_fd = l.idx_fd;
		log->idx_next = l.idx_next;
	} else if (l.idx_fd != -1)
		close(l.idx_fd);
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

	l->idx_fd = -1;
	if ((fd1 = open(l->path1, O_RDONLY | O_CLOEXEC)) != -1) {
		seqlog_scan(fd1, l->path1, last_seq, last_hoff, NULL, l, 1);
		close(fd1);
	}
	l->fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (l->fd == -1) {
		xasprintf(cause, "open %s: %s", l->path, strerror(errno));
		free(l->path);
		free(l->path1);
		free(l->marks);
		l->marks = NULL;
		return (-1);
	}
	end = seqlog_scan(l->fd, l->path, last_seq, last_hoff, l, l, 0);
	if (ftruncate(l->fd, end) == -1) {
		xasprintf(cause, "ftruncate %s: %s", l->path, strerror(errno));
		agd_seqlog_close(l);
		return (-1);
	}
	l->size = (uint64_t)end;
	return (0);
}

/*
 * output.log becomes output.log.1, its index with it; a new empty pair. If the new
 * file cannot be made (a full disk), the next try finds output.log already moved
 * and goes on from there: nothing is written until the new file is open.
 */
static int
seqlog_rotate(struct agd_seqlog *l)
{
	char	*ipath, *ipath1;
	size_t	 i, j;
	int	 fd;

	if (rename(l->path, l->path1) == -1 && errno != ENOENT)
		return (-1);
	fd = AGD_FAULT(AGD_FAULT_DISK) ? -1 :
	    open(l->path, O_RDWR | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	xasprintf(&ipath, "%s.idx", l->path);
	xasprintf(&ipath1, "%s.idx", l->path1);
	if (rename(ipath, ipath1) == -1)
		unlink(ipath1);		/* no index for .1: its readers walk it */
	free(ipath);
	free(ipath1);
	if (l->idx_fd != -1)
		close(l->idx_fd);
	l->idx_fd = seqlog_idx_open(l->path, 1);
	l->idx_next = 0;
	close(l->fd);
	l->fd = fd;
	l->size = 0;
	/* The old rotated file is gone: its marks go, the current file's move. */
	for (i = 0, j = 0; i < l->nmarks; i++) {
		if (!l->marks[i].rotated) {
			l->marks[j] = l->marks[i];
			l->marks[j++].rotated = 1;
		}
	}
	l->nmarks = j;
	l->next_mark = 0;
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
		n = AGD_FAULT(AGD_FAULT_DISK) ? -1 : writev(l->fd, iov, 2);
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
	seqlog_idx_add(l->idx_fd, &l->idx_next, seq, l->size);
	seqlog_mark(l, &r, (off_t)l->size, 0);
	l->size += want;
	return (0);
}

void
agd_seqlog_close(struct agd_seqlog *l)
{
	if (l->fd != -1)
		close(l->fd);
	if (l->idx_fd != -1)
		close(l->idx_fd);
	l->fd = l->idx_fd = -1;
	free(l->path);
	free(l->path1);
	l->path = l->path1 = NULL;
	free(l->marks);
	l->marks = NULL;
	l->nmarks = l->capmarks = 0;
}

/*
 * Read the records of one open file (the log at path), from the indexed record
 * nearest before since; *last is the highest seq delivered so far.
 */
static int
seqlog_read_fd(int fd, const char *path, uint64_t since, uint64_t *last,
    agd_seqlog_cb cb, void *arg)
{
	struct agd_rec	 r;
	char		*buf = NULL;
	size_t		 cap = 0;
	off_t		 off;
	ssize_t		 n;
	int		 stop = 0;

	off = seqlog_seek(fd, path, since > *last ? since : *last);
	for (;;) {
		agd_seqlog_headers_read++;
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
		stop = seqlog_read_fd(fd1, path1, since, &last, cb, arg);
		close(fd1);
	}
	if (fd != -1) {
		if (!stop)
			seqlog_read_fd(fd, path, since, &last, cb, arg);
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
	char	*path;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->dir = xstrdup(dir);
	c->last = since;
	if (seqlog_cur_openfile(c, 1) == -1)
		seqlog_cur_openfile(c, 0);
	if (c->fd != -1 && since > 0) {
		xasprintf(&path, "%s/output.log%s", dir, c->rotated ? ".1" : "");
		c->off = seqlog_seek(c->fd, path, since);
		free(path);
	}
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

/* The start of the replay of the records t has collected (the tty at the end). */
static uint64_t
seqlog_tail_pick(struct seqlog_tail *t, uint64_t bytes)
{
	uint64_t	sum = 0, start = t->min_seq;
	size_t		i;

	for (i = t->n; i > 0; i--) {
		sum += t->lens[i - 1];
		if (sum > bytes) {
			start = t->seqs[i - 1];
			break;
		}
	}
	free(t->seqs);
	free(t->lens);
	return (start);
}

/* Walk the file at path from off for t. */
static void
seqlog_tail_walk(struct seqlog_tail *t, const char *path, off_t off)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		seqlog_walk(fd, off, seqlog_tail_cb, t);
		close(fd);
	}
}

uint64_t
agd_seqlog_tail_start(const char *dir, uint64_t min_seq, uint64_t bytes)
{
	struct seqlog_tail	 t;
	char			*path;
	int			 k;

	memset(&t, 0, sizeof t);
	t.min_seq = min_seq;
	for (k = 1; k >= 0; k--) {
		xasprintf(&path, "%s/output.log%s", dir, k ? ".1" : "");
		seqlog_tail_walk(&t, path, 0);
		free(path);
	}
	return (seqlog_tail_pick(&t, bytes));
}

uint64_t
agd_seqlog_tail(const struct agd_seqlog *l, uint64_t min_seq, uint64_t bytes)
{
	struct seqlog_tail		 t;
	const struct agd_seqlog_mark	*m;
	size_t				 i;

	/* The newest mark with more than bytes of terminal output after it. */
	for (i = l->nmarks; i > 0; i--) {
		if (l->tty - l->marks[i - 1].tty > bytes)
			break;
	}
	if (i == 0)
		return (min_seq);	/* all of it fits */
	m = &l->marks[i - 1];
	memset(&t, 0, sizeof t);
	t.min_seq = min_seq;
	if (m->rotated) {
		seqlog_tail_walk(&t, l->path1, m->off);
		seqlog_tail_walk(&t, l->path, 0);
	} else
		seqlog_tail_walk(&t, l->path, m->off);
	return (seqlog_tail_pick(&t, bytes));
}
