/*
 * Jobs (job.c): helper programs run in the background with their output
 * collected, and the argv and shell-quoting helpers their callers build
 * command lines with. A helper below the subsystems (machine.c, worker*.c).
 */
#ifndef JOB_H
#define JOB_H

#include <sys/types.h>

#include <stddef.h>

/* A child process whose output (stdout and stderr together) is collected. */
struct job;
/*
 * Called once when the job has ended: status is its wait status, or -1 if it
 * timed out (it was killed). out is what it wrote (at most JOB_OUT_MAX bytes),
 * NUL terminated. The job is freed after the callback returns.
 */
typedef void	(*job_cb)(struct job *, int status, const char *out, size_t len,
		    void *arg);
#define JOB_OUT_MAX	(64 * 1024)	/* ssh and git say little; more is noise */
struct job	*job_run(char *const *argv, char *const *env_add, int timeout_ms,
		    job_cb, void *arg, char **cause);
/* job_run with input (borrowed, NUL-terminated; NULL: none) on the job's stdin. */
struct job	*job_run_input(char *const *argv, char *const *env_add, const char *input,
		    int timeout_ms, job_cb, void *arg, char **cause);
void		 job_cancel(struct job *);
int		 job_reaped(pid_t, int status);
void		 job_shutdown(void);

/* A growing NULL-terminated argv. */
struct argv_buf {
	char	**v;
	int	  n;
};
void		 argv_add(struct argv_buf *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 argv_addv(struct argv_buf *, char *const *);
void		 argv_clear(struct argv_buf *);
/* s quoted for a POSIX shell ('...'). Caller frees. */
char		*sh_quote(const char *s);
/* The words of argv quoted and joined by blanks. Caller frees. */
char		*sh_join(char *const *argv);

#endif
