/* A session's output log on disk: terminal output and events, bounded, in order. */
#ifndef AGD_SEQLOG_H
#define AGD_SEQLOG_H

#include <stddef.h>
#include <sys/types.h>

#include <stdint.h>

/*
 * The bounded on-disk log of one session (doc/DESIGN.md "Output log"): records of
 * terminal output and json events in one sequence space, in DIR/output.log and the
 * rotated DIR/output.log.1.
 */
#define AGD_REC_TTY	1
#define AGD_REC_EVENT	2

struct agd_rec {
	uint64_t	seq;
	uint64_t	hoff;		/* holder offset after this tty chunk; 0 for events */
	uint32_t	len;
	uint8_t		type;
	uint8_t		pad[3];
};

/*
 * Each file has a sparse index next to it (output.log.idx, output.log.1.idx):
 * a struct agd_rec_idx for the first record at or past every
 * AGD_SEQLOG_IDX_EVERY bytes, so that a reader after `since` seeks instead of
 * reading every record header before it. The index is a hint: written after
 * its record, rebuilt at open, checked against the record header it points
 * to; a reader without it (or with a wrong one) walks from the start.
 */
#define AGD_SEQLOG_IDX_EVERY	(16 * 1024)
struct agd_rec_idx {
	uint64_t	seq;
	uint64_t	off;		/* of the record's header in its file */
};

/*
 * A record the writer remembers, one every SEQLOG_MARK_EVERY bytes of each file: a
 * new viewer's replay start is found from the last marks, not by reading the log.
 */
struct agd_seqlog_mark {
	uint64_t	seq;		/* of the record there */
	uint64_t	tty;		/* terminal bytes recorded before it (as l->tty) */
	off_t		off;		/* in its file */
	int		rotated;	/* in output.log.1 */
};

struct agd_seqlog {
	int		 fd;
	int		 idx_fd;	/* -1 if it could not be opened */
	char		*path;
	char		*path1;
	uint64_t	 size;
	uint64_t	 half;		/* rotate when size would pass this */
	uint64_t	 idx_next;	/* index the first record at or past this */
	uint64_t	 tty;		/* terminal bytes in both files, as marks count them */
	struct agd_seqlog_mark *marks;	/* oldest first */
	size_t		 nmarks;
	size_t		 capmarks;
	uint64_t	 next_mark;	/* offset in the current file of the next mark */
};

/* Record headers read by the readers of this thread (tests, benches). */
extern _Thread_local uint64_t agd_seqlog_headers_read;

/*
 * Open (creating) the log in dir, cutting a torn record at the tail. Returns the last
 * seq and the last tty hoff found (0 if none). -1 with *cause on error.
 */
int	agd_seqlog_open(struct agd_seqlog *, const char *dir, uint64_t max_bytes,
	    uint64_t *last_seq, uint64_t *last_hoff, char **cause);
/* Append one record; rotates as needed. 0 or -1 (errno). */
int	agd_seqlog_append(struct agd_seqlog *, uint64_t seq, uint64_t hoff,
	    int type, const void *data, size_t len);
/* Close the log and free what agd_seqlog_open allocated (not the struct itself). */
void	agd_seqlog_close(struct agd_seqlog *);

/*
 * Call cb for every complete record with seq > since, in order (the rotated file first).
 * cb returns 0 to go on, non-zero to stop. Returns 0, or -1 with *cause.
 * data is only valid during the call.
 */
typedef int (*agd_seqlog_cb)(void *arg, const struct agd_rec *, const void *data);
int	agd_seqlog_read(const char *dir, uint64_t since, agd_seqlog_cb cb, void *arg,
	    char **cause);

/* A reader that follows one log forward, across rotations (WebSocket replay). */
struct agd_seqlog_cur {
	char		*dir;
	int		 fd;
	int		 rotated;	/* reading output.log.1 */
	off_t		 off;
	uint64_t	 last;		/* last seq returned (or the start point) */
};
/* Start a cursor on the log in dir after seq since (dir is copied), at its oldest file. */
void	agd_seqlog_cur_open(struct agd_seqlog_cur *, const char *dir, uint64_t since);
/* 1 and the next record after c->last (payload in *buf, grown as needed), 0 at the end. */
int	agd_seqlog_cur_next(struct agd_seqlog_cur *, struct agd_rec *, char **buf,
	    size_t *cap);
/* Close the cursor's file and free its copy of dir. */
void	agd_seqlog_cur_close(struct agd_seqlog_cur *);
/*
 * The seq to replay after so that a new viewer gets at most `bytes` of recent terminal
 * output, never from before min_seq (the last reset).
 */
uint64_t agd_seqlog_tail_start(const char *dir, uint64_t min_seq, uint64_t bytes);
/*
 * The same for the log l writes, from its marks: it reads at most a mark's distance
 * more than the replay itself, whatever the size of the log.
 */
uint64_t agd_seqlog_tail(const struct agd_seqlog *l, uint64_t min_seq, uint64_t bytes);

#endif
