/* Structured logging to stderr (logfmt, one line an event), and fatal errors. */
#ifndef AGD_LOG_H
#define AGD_LOG_H

#include <stdarg.h>

/* Levels, most severe first: a line is written if its level <= the level set. */
#define AGD_LOG_ERROR	0
#define AGD_LOG_WARN	1
#define AGD_LOG_INFO	2
#define AGD_LOG_DEBUG	3

/*
 * The longest request id kept (nginx's $request_id is 32 hex digits; a proxy in
 * front may send a UUID or its own): a longer one is replaced, never logged.
 */
#define AGD_REQUEST_ID_MAX	64

/*
 * Logging to stderr, one logfmt line an event:
 *   ts=2026-12-02T03:00:00.123Z level=warn prog=agentd pid=42 msg="..." err="..." req=ID
 * (err: strerror(errno), for log_warn and fatal; req: the request being handled,
 * log_request_set). Under systemd (stderr is the journal, $JOURNAL_STREAM) each
 * line starts with its syslog priority, <3> to <7>, which journald takes off and
 * keeps as PRIORITY. Every value is quoted and escaped as it needs: a message can
 * never break a line or forge a key. fatal and fatalx exit(1). progname is
 * borrowed for good; debug: the level is debug, else info.
 */
void	log_init(const char *progname, int debug);
/* Set the level (AGD_LOG_*). */
void	log_set_level(int level);
/* The level of a word: error, warn, info, debug; -1 for anything else. */
int	log_level_parse(const char *word);
/*
 * The level to run at: debug if debug (-d), else the word opt (-l, may be NULL),
 * else $AGENTD_LOG_LEVEL, else conf (agentd.conf's log_level). -1 if opt or the
 * variable is set to something that is not a level's word.
 */
int	log_level_choose(int debug, const char *opt, int conf);
/* 1 if lines of level are written. */
int	log_enabled(int level);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * One line of level with message msg and fields: pairs of key (a word of
 * [a-z_], the caller's constant) and value (any bytes, NULL: the pair is left
 * out), ended by a NULL key. Nothing is kept.
 */
void	log_fields(int level, const char *msg, ...) __attribute__((sentinel));

/*
 * The request this thread handles now, written as req= on each of its lines
 * (NULL: none). The id is copied; it must be log_request_valid.
 */
void	log_request_set(const char *id);
/* This thread's request id, or NULL. Borrowed until the next log_request_set. */
const char *log_request(void);
/*
 * 1 if id may be used as a request id as it is: 1 to AGD_REQUEST_ID_MAX bytes of
 * [A-Za-z0-9._:-] (nginx's $request_id, UUIDs, most proxies' ids).
 */
int	log_request_valid(const char *id);
/* A new request id, 32 hex digits (as nginx's), in buf of AGD_REQUEST_ID_MAX + 1. */
void	log_request_new(char *buf);

#endif
