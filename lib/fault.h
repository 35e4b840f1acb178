/*
 * Fault injection (SQLite's discipline), compiled in only with
 * ./configure --enable-fault-injection (AGD_FAULT_INJECTION). The daemon reads
 * AGD_FAULT at start (agd_fault_init) and makes chosen calls fail:
 *
 *	AGD_FAULT=KIND:N[:K][,KIND:N[:K]...]
 *
 * fails calls N .. N+K-1 (K defaults to 1; 0 means every call from N on) of KIND:
 *
 *	malloc	xmalloc and friends return NULL (so: fatalx, the daemon exits cleanly;
 *		the holders keep the agents and the next daemon adopts them)
 *	write	the daemon's writes to a holder socket (session.c) fail with EPIPE: the
 *		connection is shut down, as a broken one (the daemon connects again)
 *	disk	the session log's writes and a rotation's new file (seqlog.c) fail
 *		with ENOSPC
 *	fork	fork fails with EAGAIN (lib/proc.c)
 *	step	SQLite writes (persist_step, persist_insert) fail as SQLITE_FULL
 *
 * Every injected failure is logged ("fault: KIND call N") at info level so that
 * a test can tell whether it fired. Without the option the hooks are not there.
 */
#ifndef AGD_FAULT_H
#define AGD_FAULT_H

enum agd_fault_kind {
	AGD_FAULT_MALLOC,
	AGD_FAULT_WRITE,
	AGD_FAULT_DISK,
	AGD_FAULT_FORK,
	AGD_FAULT_STEP,
	AGD_FAULT_NKINDS
};

#ifdef AGD_FAULT_INJECTION
/*
 * Read AGD_FAULT (a bad value is fatal) and remove it from the environment so no
 * child (holder, agent) inherits it. Only the daemon calls it: in every other
 * program the hooks never fire.
 */
void	agd_fault_init(void);
/* Count one call of kind; 1 if it is to fail (errno is set to the kind's error). */
int	agd_fault(enum agd_fault_kind kind);
#define AGD_FAULT(kind)		agd_fault(kind)
#else
#define agd_fault_init()	((void)0)
#define AGD_FAULT(kind)		0
#endif

#endif
