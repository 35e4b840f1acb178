#ifndef AGD_LOG_H
#define AGD_LOG_H

#include <stdarg.h>

/* Logging to stderr (OpenBSD style): log_warn appends strerror(errno), log_warnx does not. */
void	log_init(const char *progname, int debug);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
