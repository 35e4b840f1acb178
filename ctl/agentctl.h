/*
 * agentctl: the command-line client of agentd.  Shared declarations of its
 * files: options and exit codes (agentctl.c), helpers (util.c), REST over
 * libcurl (http.c), WebSocket framing with wslay (ws.c), a session stream
 * that resumes with since (stream.c) and the commands.
 */
#ifndef AGENTCTL_H
#define AGENTCTL_H

#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define AGENTCTL_VERSION	"0.1.0"

/* Exit status (agentctl(1)). */
#define CTL_OK		0	/* done */
#define CTL_EAPI	1	/* the server answered with an error */
#define CTL_EUSAGE	2	/* bad command line */
#define CTL_EUNREACH	3	/* the server could not be reached */

/* The default URL: the local stack (AGENTD_LISTEN's default in ./bootstrap). */
#define CTL_DEFAULT_URL	"http://127.0.0.1:8080"

/* What the global options and the environment give (agentctl.c). */
struct ctl_opts {
	char		*url;		/* base URL, no trailing slash */
	char		*userpwd;	/* --user U:P, or NULL (then ~/.netrc) */
	char		*token;		/* bearer token, or NULL */
	char	       **headers;	/* --header lines, NULL-terminated */
	int		 nheaders;
	int		 verbose;
};

extern struct ctl_opts	ctl_opts;

/* A command: its name and entry point (argv[0] is the command name). */
struct ctl_cmd {
	const char	*name;
	int		(*exec)(int, char **);
	const char	*usage;
};

/* agentctl.c */

/*
 * getopt_long over a command's own options plus the global ones (--url,
 * --user, --header, --token, --verbose), which it handles itself.  Returns
 * getopt's value for the command's options, -1 at the end, '?' on error.
 */
int	 ctl_getopt(int, char **, const char *, const struct option *);
/* A command option that is a flag: --name or -c sets *set to 1. */
struct ctl_flag {
	const char	*name;
	char		 c;
	int		*set;
};
/*
 * Parse a command line whose options are all flags (an array ended by a NULL
 * name) and which has exactly npos positional arguments (from argv[optind]).
 * Returns CTL_OK, or CTL_EUSAGE with the usage printed.
 */
int	 ctl_flags(int, char **, const struct ctl_flag *, int);
/* Print "usage: agentctl USAGE" of the running command; returns CTL_EUSAGE. */
int	 ctl_usage(void);

/* util.c */

/* Print "agentctl: MESSAGE" on stderr. */
void	 ctl_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Allocation that cannot fail (exits on out of memory). */
void	*xmalloc(size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
/* A string formatted as by printf; the caller frees it. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; data is always NUL-terminated. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
/* Append len bytes to b. */
void	 buf_add(struct buf *, const void *, size_t);
/* Append a formatted string to b. */
void	 buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* Free b's data and empty it. */
void	 buf_free(struct buf *);

/* Read all of fd into b (at most max bytes); 0, or -1 with errno. */
int	 read_all(int, struct buf *, size_t);
/*
 * Make the len bytes at p valid UTF-8 for a JSON text frame: a sequence cut
 * at the end is held back (its length is returned, the caller keeps those
 * bytes for the next call), any other invalid byte is replaced by '?'.
 */
size_t	 utf8_fix(char *, size_t);
/* Parse a decimal number in [min, max]; 0, or -1 if s is not one. */
int	 parse_num(const char *, long long, long long, long long *);
/* Milliseconds of CLOCK_MONOTONIC. */
int64_t	 now_ms(void);
/* The string member key of o, or NULL. */
const char *json_str(struct json_object *, const char *);
/* The integer member key of o, or def. */
int64_t	 json_int(struct json_object *, const char *, int64_t);

/* http.c */

/* A reply: status, body (NUL-terminated), body as JSON if it is, X-Agentd-Seq. */
struct http_reply {
	long			 status;
	struct buf		 body;
	struct json_object	*json;
	int64_t			 seq;		/* -1 without the header */
};

/*
 * One request to the server: method, path (from /api, with its query) and an
 * optional JSON body (borrowed).  Returns CTL_OK for a 2xx reply (r filled,
 * the caller frees it with http_reply_free), CTL_EAPI for an error reply (its
 * message printed; r filled too) or CTL_EUNREACH (printed; r empty).
 */
int	 http_request(const char *, const char *, struct json_object *,
	    struct http_reply *);
/* Free what a reply holds. */
void	 http_reply_free(struct http_reply *);
/* Print the error of an error reply on stderr. */
void	 http_print_error(long, struct json_object *, const char *);
/* The name escaped for a URL path; the caller frees it. */
char	*http_escape(const char *);
/* The Authorization header curl last sent (netrc or --user), or NULL. */
const char *http_authorization(void);
/* The path /api/agents/sessions/NAME plus suffix; the caller frees it. */
char	*http_session_path(const char *, const char *);
/* http_request on the path of session name plus suffix (see there). */
int	 http_session(const char *, const char *, const char *, struct json_object *,
	    struct http_reply *);
/* Forget everything (at exit). */
void	 http_cleanup(void);
/* Set the options every connection shares (timeouts, errors) on a curl handle. */
void	 http_common(void *);
/* The URL of path (from /api): the base URL and path; the caller frees it. */
char	*http_url(const char *);

/* ws.c */

struct ws;
/* What a connection delivers: one complete message at a time. */
struct ws_cb {
	void	(*text)(void *, const char *, size_t);
	void	(*binary)(void *, const uint8_t *, size_t);
};

/*
 * Connect and upgrade to a WebSocket on path (from /api, with its query).
 * Returns CTL_OK with *wsp set, CTL_EAPI when the server refused the
 * upgrade (its status in *status, the message printed unless quiet) or
 * CTL_EUNREACH (printed unless quiet).  cb and arg are borrowed.
 */
int	 ws_open(struct ws **, const char *, const struct ws_cb *, void *, int, long *);
/* The socket to poll, and the events to poll for. */
int	 ws_fd(struct ws *);
short	 ws_events(struct ws *);
/* 1 if bytes read with the upgrade reply wait: call ws_io without polling. */
int	 ws_pending(struct ws *);
/*
 * Do the I/O poll reported.  Returns 0 while open, 1 once the peer closed
 * with a close frame (its code in *code), -1 if the connection broke.
 */
int	 ws_io(struct ws *, short, int *);
/* Queue a text message (copied). */
void	 ws_send_text(struct ws *, const char *, size_t);
/* Send a close frame, try to flush it, close the socket and free ws. */
void	 ws_close(struct ws *);

/* stream.c */

/* A session's stream: records after seq, resumed with since=seq. */
struct stream {
	const char	*name;		/* borrowed */
	int64_t		 seq;		/* last record seen; -1 before hello */
	struct ws	*ws;		/* NULL while disconnected */
	int		 ended;		/* the server closed 1000: no more */
	int		 close_code;
	void		*arg;
	/* Terminal bytes of one record (binary frames). */
	void		(*output)(struct stream *, const uint8_t *, size_t);
	/* Every text message but hello and ping (json_event, error, ...). */
	void		(*message)(struct stream *, struct json_object *);
};

/*
 * Connect s (since=s->seq once known, else since0 if >= 0).  Returns what
 * ws_open returns; quiet suppresses its messages (a reconnect).
 */
int	 stream_connect(struct stream *, int64_t, int, long *);
/*
 * Do the I/O poll reported on s->ws.  Returns 0 while connected, 1 once the
 * session ended (s->ended), -1 if the connection dropped (s->ws is NULL).
 */
int	 stream_io(struct stream *, short);
/* Send a JSON message (borrowed) if connected; 0, or -1 if not. */
int	 stream_send(struct stream *, struct json_object *);
/* Close s's connection. */
void	 stream_close(struct stream *);
/* Retry delay after n failed attempts, in ms. */
int	 stream_backoff(int);

/* The commands. */
int	 cmd_attach(int, char **);		/* attach.c */
int	 cmd_ls(int, char **);			/* cmd-session.c */
int	 cmd_new(int, char **);
int	 cmd_send(int, char **);
int	 cmd_approve(int, char **);
int	 cmd_complete(int, char **);
int	 cmd_debrief(int, char **);
int	 cmd_kill(int, char **);
int	 cmd_diff(int, char **);		/* cmd-diff.c */
int	 cmd_logs(int, char **);		/* cmd-follow.c */
int	 cmd_wait(int, char **);
int	 cmd_world(int, char **);		/* cmd-world.c */
int	 cmd_workers(int, char **);
int	 cmd_dispatch(int, char **);

/* A text table: rows of ncols cells, printed with aligned columns (util.c). */
struct table {
	int	  ncols;
	int	  ncells;
	char	**cells;
};
/* Add a row of t->ncols strings (copied; NULL prints as "-"). */
void	 table_add(struct table *, ...);
/* Print t to stdout (the last column is cut to fit width if width > 0) and free it. */
void	 table_print(struct table *, int);
/* Print j as indented JSON on stdout. */
void	 json_print(struct json_object *);

#endif
