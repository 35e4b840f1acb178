/* Logging to stderr, and fatal errors, for every program. */
#ifndef AGD_LOG_H
#define AGD_LOG_H

#include <stdarg.h>

/*
 * Logging to stderr (OpenBSD style): "PROG[PID]: LEVEL: message". log_warn and fatal
 * append strerror(errno), log_warnx and fatalx do not; log_debug prints only when
 * log_init was given debug; fatal and fatalx exit(1). progname is borrowed for good.
 */
void	log_init(const char *progname, int debug);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
