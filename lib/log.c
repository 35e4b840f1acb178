/*
 * Structured logging to stderr: one logfmt line an event (log.h says the shape),
 * with the level, the program, the pid, the message and the request being
 * handled. Each line is built whole and written with one write(2), so the lines
 * of agentd-fcgi's threads and workers, which share stderr, never interleave.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* A message's bytes before escaping (a longer one is cut): a line stays readable. */
#define LOG_MSG_MAX	2048
/* A line: the message escaped (\xNN is 4 bytes a byte) and the fields beside it. */
#define LOG_LINE_MAX	16384

struct log_buf {
	char	b[LOG_LINE_MAX];
	size_t	n;
};

static const char	*log_name = "agentd";
static int		 log_level = AGD_LOG_INFO;
static int		 log_journal;	/* stderr is the journal: <N> priorities */
static _Thread_local char log_req[AGD_REQUEST_ID_MAX + 1];

static const struct {
	const char	*word;
	int		 prio;		/* syslog priority for journald */
} log_levels[] = {
	[AGD_LOG_ERROR] = { "error", 3 },
	[AGD_LOG_WARN] = { "warn", 4 },
	[AGD_LOG_INFO] = { "info", 6 },
	[AGD_LOG_DEBUG] = { "debug", 7 },
};
#define LOG_FATAL	(-1)	/* fatal, fatalx: always written, priority 2 */

/* 1 if stderr is the stream $JOURNAL_STREAM ("DEV:INODE", systemd.exec(5)) names. */
static int
log_is_journal(void)
{
	struct stat		 sb;
	const char		*e = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) == -1)
		return (0);
	return ((unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino);
}

void
log_init(const char *progname, int debug)
{
	log_name = progname;
	log_level = debug ? AGD_LOG_DEBUG : AGD_LOG_INFO;
	log_journal = log_is_journal();
}

void
log_set_level(int level)
{
	if (level >= AGD_LOG_ERROR && level <= AGD_LOG_DEBUG)
		log_level = level;
}

int
log_level_parse(const char *word)
{
	size_t	i;

	for (i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++) {
		if (strcmp(word, log_levels[i].word) == 0)
			return ((int)i);
	}
	return (-1);
}

int
log_level_choose(int debug, const char *opt, int conf)
{
	if (debug)
		return (AGD_LOG_DEBUG);
	if (opt == NULL && (opt = getenv("AGENTD_LOG_LEVEL")) != NULL && *opt == '\0')
		opt = NULL;
	return (opt != NULL ? log_level_parse(opt) : conf);
}

int
log_enabled(int level)
{
	return (level <= log_level);
}

static void
log_add(struct log_buf *lb, const char *s, size_t n)
{
	if (n > sizeof lb->b - 1 - lb->n)
		n = sizeof lb->b - 1 - lb->n;	/* room for the newline */
	memcpy(lb->b + lb->n, s, n);
	lb->n += n;
}

/*
 * v (n bytes) as a logfmt value: bare if it is a plain word, else in quotes with
 * \" \\ \n \r \t, and \xNN for any other control byte, and for every byte over
 * 0x7f unless v is valid UTF-8.
 */
static void
log_value(struct log_buf *lb, const char *v, size_t n)
{
	const unsigned char	*p = (const unsigned char *)v;
	char			 esc[8];
	size_t			 i;
	int			 utf8 = agd_utf8_valid(v, n), quote = n == 0;

	for (i = 0; i < n && !quote; i++)
		quote = p[i] <= ' ' || p[i] == '"' || p[i] == '=' || p[i] == '\\' || p[i] >= 0x7f;
	if (!quote) {
		log_add(lb, v, n);
		return;
	}
	log_add(lb, "\"", 1);
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			log_add(lb, esc, 2);
		} else if (p[i] == '\n')
			log_add(lb, "\\n", 2);
		else if (p[i] == '\r')
			log_add(lb, "\\r", 2);
		else if (p[i] == '\t')
			log_add(lb, "\\t", 2);
		else if (p[i] < ' ' || p[i] == 0x7f || (p[i] > 0x7f && !utf8)) {
			snprintf(esc, sizeof esc, "\\x%02x", p[i]);
			log_add(lb, esc, 4);
		} else
			log_add(lb, (const char *)p + i, 1);
	}
	log_add(lb, "\"", 1);
}

static void
log_field(struct log_buf *lb, const char *key, const char *v)
{
	size_t	n = strlen(v);

	log_add(lb, " ", 1);
	log_add(lb, key, strlen(key));
	log_add(lb, "=", 1);
	log_value(lb, v, n > LOG_MSG_MAX ? LOG_MSG_MAX : n);
}

/* The start of a line: priority, time, level, program, pid, message. */
static void
log_start(struct log_buf *lb, int level, const char *msg)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 head[160], prio[8] = "";
	int		 n;

	lb->n = 0;
	if (log_journal)
		snprintf(prio, sizeof prio, "<%d>",
		    level == LOG_FATAL ? 2 : log_levels[level].prio);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(head, sizeof head, "%sts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ"
	    " level=%s prog=", prio, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	    level == LOG_FATAL ? "fatal" : log_levels[level].word);
	log_add(lb, head, n > 0 ? (size_t)n : 0);
	log_value(lb, log_name, strlen(log_name));
	n = snprintf(head, sizeof head, " pid=%ld", (long)getpid());
	log_add(lb, head, n > 0 ? (size_t)n : 0);
	log_field(lb, "msg", msg);
}

static void
log_end(struct log_buf *lb)
{
	if (log_req[0] != '\0')
		log_field(lb, "req", log_req);
	lb->b[lb->n++] = '\n';
	(void)agd_write_all(2, lb->b, lb->n);
}

static void
log_vwrite(int level, int with_errno, const char *fmt, va_list ap)
{
	struct log_buf	 lb;
	char		 msg[LOG_MSG_MAX + 1];
	int		 saved = errno;

	vsnprintf(msg, sizeof msg, fmt, ap);
	log_start(&lb, level, msg);
	if (with_errno)
		log_field(&lb, "err", strerror(saved));
	log_end(&lb);
	errno = saved;
}

void
log_fields(int level, const char *msg, ...)
{
	struct log_buf	 lb;
	va_list		 ap;
	const char	*k, *v;
	int		 saved = errno;

	if (!log_enabled(level))
		return;
	log_start(&lb, level, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v != NULL)
			log_field(&lb, k, v);
	}
	va_end(ap);
	log_end(&lb);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_enabled(AGD_LOG_DEBUG))
		return;
	va_start(ap, fmt);
	log_vwrite(AGD_LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (!log_enabled(AGD_LOG_INFO))
		return;
	va_start(ap, fmt);
	log_vwrite(AGD_LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	if (!log_enabled(AGD_LOG_WARN))
		return;
	va_start(ap, fmt);
	log_vwrite(AGD_LOG_WARN, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	if (!log_enabled(AGD_LOG_WARN))
		return;
	va_start(ap, fmt);
	log_vwrite(AGD_LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_FATAL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_FATAL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_request_set(const char *id)
{
	if (id == NULL || !log_request_valid(id))
		log_req[0] = '\0';
	else
		memcpy(log_req, id, strlen(id) + 1);
}

const char *
log_request(void)
{
	return (log_req[0] != '\0' ? log_req : NULL);
}

int
log_request_valid(const char *id)
{
	size_t	n = strlen(id);

	return (n > 0 && n <= AGD_REQUEST_ID_MAX && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._:-") == n);
}

void
log_request_new(char *buf)
{
	static _Thread_local uint64_t	 count;
	unsigned char			 r[16];
	size_t				 i;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		/* No entropy yet (early boot): unique, if guessable; an id is no secret. */
		uint64_t	v[2] = { (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
		    ++count };

		memcpy(r, v, sizeof r);
	}
	for (i = 0; i < sizeof r; i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
}
