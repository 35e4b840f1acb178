/* Small helpers every program uses: time, paths, descriptors, UTF-8. */
#ifndef AGD_UTIL_H
#define AGD_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "2026-03-18T10:00:00Z" into buf (at least 21 bytes). */
void		 agd_iso8601(time_t, char *buf, size_t len);
/* Milliseconds on the monotonic clock. */
uint64_t	 agd_now_ms(void);
/* The same clock in microseconds. */
uint64_t	 agd_now_us(void);
/* mkdir -p with mode; 0 or -1 with errno. */
int		 agd_mkdirs(const char *path, int mode);
/*
 * The state directory: -H value if given, else $AGENTD_HOME, else the XDG default
 * ($XDG_STATE_HOME/agentd, else ~/.local/state/agentd with the home from $HOME or,
 * when unset, the password database). Caller frees; NULL if there is no home.
 */
char		*agd_home(const char *opt);
/*
 * 0 if the state directory may be trusted: missing (it is made 0700), or a directory
 * owned by our effective uid and not group- or other-writable. Else -1 with *cause
 * (the caller frees it).
 */
int		 agd_home_check(const char *home, char **cause);
/* Resolve the config path (may return NULL: embedded defaults). Caller frees. */
char		*agd_conf_path(const char *opt, const char *home);
/* Set O_NONBLOCK and FD_CLOEXEC; 0 or -1. */
int		 agd_set_nonblock(int fd);
/* Write all of buf, retrying EINTR; blocking fds only. 0 or -1. */
int		 agd_write_all(int fd, const void *buf, size_t len);
/* Read all of len from a blocking fd: 0, or -1 at its end (EOF) or an error. */
int		 agd_read_all(int fd, void *buf, size_t len);
/* 1 if s is valid UTF-8 of len bytes. */
int		 agd_utf8_valid(const char *s, size_t len);
/*
 * Length of the longest prefix of buf[0..len) that does not end inside a UTF-8 sequence
 * that could still be completed by later bytes (at most 3 bytes are held back).
 */
size_t		 agd_utf8_cut(const unsigned char *buf, size_t len);
/*
 * p[0..n) as the body of a JSON string (no quotes) into out, which has room for
 * 6 * n bytes: its length, or -1 if p is not valid UTF-8.
 */
ssize_t		 agd_json_escape_utf8(char *out, const uint8_t *p, size_t n);

#endif
