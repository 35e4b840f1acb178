/*
 * The output log's index (lib/seqlog.c, issue #13 item 6): a reader after a
 * large `since` seeks to the indexed record before it instead of reading every
 * record header from the start; without the index, or with a wrong one, it
 * reads the same records the slow way; the writer rebuilds it at open and
 * moves it along with a rotation. Prints the headers read and the time taken.
 * A rotation whose new file cannot be made (issue #13: a full disk) fails the
 * append and works on the next one.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seqlog.h"
#include "tap.h"
#include "xmalloc.h"

#define NREC		200000	/* 8-byte records: ~8 MiB, a busy agent's log */
#define TAIL		10	/* the records a reader asks for */

struct collect {
	uint64_t	first;
	uint64_t	last;
	size_t		count;
	int		in_order;
};

static int
collect_cb(void *arg, const struct agd_rec *r, const void *data)
{
	struct collect	*c = arg;

	if (c->count == 0)
		c->first = r->seq;
	else if (r->seq != c->last + 1)
		c->in_order = 0;
	if (r->len != 8 || memcmp(data, "12345678", 8) != 0)
		c->in_order = 0;
	c->last = r->seq;
	c->count++;
	return (0);
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Read dir after since: the records, the headers read, the time in *ms. */
static struct collect
read_after(const char *dir, uint64_t since, uint64_t *headers, double *ms)
{
	struct collect	 c = { 0, 0, 0, 1 };
	char		*cause;
	double		 t0 = now_ms();

	agd_seqlog_headers_read = 0;
	if (agd_seqlog_read(dir, since, collect_cb, &c, &cause) == -1) {
		printf("# %s\n", cause);
		free(cause);
	}
	*headers = agd_seqlog_headers_read;
	*ms = now_ms() - t0;
	return (c);
}

/*
 * A rotation that moved output.log to .1 but could not open the new file (here: no
 * descriptor left) fails that append; the next append, with room again, rotates
 * from there and the log reads whole and in order.
 */
static void
rotate_refused(const char *top)
{
	struct agd_seqlog	 l;
	struct rlimit		 old, none;
	struct collect		 c;
	char			*dir, *cause;
	uint64_t		 seq, hoff, i, h;
	double			 ms;
	int			 fd, rc;

	xasprintf(&dir, "%s/rot", top);
	mkdir(dir, 0700);
	ok(agd_seqlog_open(&l, dir, 2 * 4096, &seq, &hoff, &cause) == 0, "rotation: new log");
	for (i = 1; i <= 4096 / 32; i++)	/* 32-byte records: full to the half */
		agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8);
	/* The lowest free descriptor is the limit: no open can succeed. */
	getrlimit(RLIMIT_NOFILE, &old);
	fd = dup(0);
	close(fd);
	none = old;
	none.rlim_cur = (rlim_t)fd;
	setrlimit(RLIMIT_NOFILE, &none);
	rc = agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8);
	setrlimit(RLIMIT_NOFILE, &old);
	ok(rc == -1, "rotation: no new file, the append fails");
	ok(agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8) == 0,
	    "rotation: the next append rotates and writes");
	for (i++; i <= 300; i++)
		agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8);
	agd_seqlog_close(&l);
	c = read_after(dir, 0, &h, &ms);
	ok(c.last == 300 && c.in_order, "rotation: read back in order (%llu..%llu)",
	    (unsigned long long)c.first, (unsigned long long)c.last);
	free(dir);
}

int
main(void)
{
	struct agd_seqlog	 l;
	struct agd_seqlog_cur	 cur;
	struct agd_rec		 r;
	struct agd_rec_idx	 bad[4];
	struct collect		 c;
	char			 dir[] = "/tmp/agd-seqlog-XXXXXX", *cause, *idx, *buf = NULL;
	uint64_t		 seq, hoff, i, h, slow_h;
	size_t			 cap = 0;
	double			 ms, fast_ms, slow_ms;
	int			 fd, n = 0, in_order = 1;

	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(agd_seqlog_open(&l, dir, UINT64_C(1) << 30, &seq, &hoff, &cause) == 0, "new log");
	for (i = 1; i <= NREC; i++)
		agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8);
	xasprintf(&idx, "%s/output.log.idx", dir);

	c = read_after(dir, NREC - TAIL, &h, &fast_ms);
	ok(c.count == TAIL && c.first == NREC - TAIL + 1 && c.in_order,
	    "since near the end: the last %d records", TAIL);
	ok(h < AGD_SEQLOG_IDX_EVERY / sizeof r + TAIL + 2,
	    "since near the end: %llu headers read of %d (%.2f ms)", (unsigned long long)h,
	    NREC, fast_ms);

	c = read_after(dir, 0, &h, &ms);
	ok(c.count == NREC && c.in_order, "since 0: every record");

	/* Without the index: the same records, every header read. */
	ok(unlink(idx) == 0, "drop the index");
	c = read_after(dir, NREC - TAIL, &slow_h, &slow_ms);
	ok(c.count == TAIL && c.first == NREC - TAIL + 1 && c.in_order,
	    "no index: the same records");
	ok(slow_h >= NREC - TAIL, "no index: %llu headers read (%.2f ms)",
	    (unsigned long long)slow_h, slow_ms);
	printf("# since=%d of %d records: %.2f ms with the index, %.2f ms without\n",
	    NREC - TAIL, NREC, fast_ms, slow_ms);

	/* A wrong index (offsets that are no record of that seq) is not believed. */
	for (i = 0; i < 4; i++) {
		bad[i].seq = (i + 1) * 1000;
		bad[i].off = (i + 1) * 1000 + 3;
	}
	fd = open(idx, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd != -1 && write(fd, bad, sizeof bad) == (ssize_t)sizeof bad, "a wrong index");
	close(fd);
	c = read_after(dir, 2500, &h, &ms);
	ok(c.count == NREC - 2500 && c.first == 2501 && c.in_order,
	    "wrong index: the right records");
	agd_seqlog_close(&l);

	/* The writer rebuilds it at open. */
	ok(agd_seqlog_open(&l, dir, UINT64_C(1) << 30, &seq, &hoff, &cause) == 0 &&
	    seq == NREC, "reopen");
	c = read_after(dir, NREC - TAIL, &h, &ms);
	ok(c.count == TAIL && h < AGD_SEQLOG_IDX_EVERY / sizeof r + TAIL + 2,
	    "rebuilt at open: %llu headers read", (unsigned long long)h);
	agd_seqlog_close(&l);

	/* Rotation: the index goes with output.log to output.log.1. */
	ok(agd_seqlog_open(&l, dir, 2 * 4 * 1024 * 1024, &seq, &hoff, &cause) == 0, "reopen small");
	for (i = NREC + 1; i <= 2 * NREC; i++)
		agd_seqlog_append(&l, i, i * 8, AGD_REC_TTY, "12345678", 8);
	agd_seqlog_close(&l);
	c = read_after(dir, 0, &h, &ms);
	ok(c.last == 2 * NREC && c.count < 2 * NREC && c.in_order,
	    "rotated: the newest records, in order (%llu..%llu)", (unsigned long long)c.first,
	    (unsigned long long)c.last);
	seq = c.first + 100;
	c = read_after(dir, seq, &h, &ms);
	ok(c.first == seq + 1 && c.last == 2 * NREC && c.in_order,
	    "rotated, since in output.log.1: the rest, in order");
	ok(h < 2 * (AGD_SEQLOG_IDX_EVERY / sizeof r) + 4 + (2 * NREC - seq),
	    "rotated: seeks in output.log.1 (%llu headers)", (unsigned long long)h);
	c = read_after(dir, 2 * NREC - TAIL, &h, &ms);
	ok(c.count == TAIL && h < 2 * (AGD_SEQLOG_IDX_EVERY / sizeof r) + TAIL + 4,
	    "rotated, since near the end: %llu headers read", (unsigned long long)h);

	/* The cursor (WebSocket replay) seeks too. */
	agd_seqlog_cur_open(&cur, dir, 2 * NREC - TAIL);
	while (agd_seqlog_cur_next(&cur, &r, &buf, &cap) == 1) {
		if (r.seq != 2 * NREC - TAIL + (uint64_t)++n)
			in_order = 0;
	}
	ok(in_order && n == TAIL, "cursor after a large since: the last %d, in order", TAIL);
	agd_seqlog_cur_close(&cur);
	rotate_refused(dir);

	free(buf);
	free(idx);
	xasprintf(&cause, "rm -rf '%s'", dir);
	if (system(cause) != 0)
		printf("# could not remove %s\n", dir);
	free(cause);
	printf("1..%d\n", tap_n);
	return (tap_failed != 0);
}
