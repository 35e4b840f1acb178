/* Logging to stderr with a program name and level. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_name = "agentd";
static int		 log_debug_on;

void
log_init(const char *progname, int debug)
{
	log_name = progname;
	log_debug_on = debug;
}

static void
log_vwrite(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char	msg[2048];
	int	saved = errno;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno)
		fprintf(stderr, "%s[%ld]: %s: %s: %s\n", log_name, (long)getpid(),
		    level, msg, strerror(saved));
	else
		fprintf(stderr, "%s[%ld]: %s: %s\n", log_name, (long)getpid(),
		    level, msg);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("info", 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("warning", 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("warning", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
