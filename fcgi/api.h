/*
 * agentd-fcgi: private definitions of the FastCGI handlers.
 *
 * Each worker process runs several request threads (api.c), each handling one
 * request at a time: GETs read SQLite through the thread's own read-only
 * connection (query.c), everything that changes state is sent to agentd over
 * the control socket (ctl.c). Nothing here writes SQLite, forks agents or
 * touches PTYs. State kept across requests is thread-local (the connection,
 * the reply caches) or set up once with pthread_once (home.c,
 * api-directories.c); struct api_global is fixed before the threads start.
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <fcgiapp.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "err.h"
#include "log.h"

struct agd_conf;
struct agd_field;

/* Process-wide settings, fixed before the workers fork. */
struct api_global {
	char		*home;		/* HOME */
	char		*conf_path;	/* the configuration file, or NULL */
	char		*db_path;	/* HOME/agentd.db */
	char		*ctl_path;	/* HOME/run/ctl.sock */
	char		*sessions_dir;	/* HOME/sessions */
	struct agd_conf	*conf;
};
extern struct api_global api;

/* Limits on what a client can make us hold (why: see each value). */
#define API_PATH_MAX	2048	/* our longest path is ~110 bytes */
#define API_SEGS_MAX	16	/* segments split before giving up (404) */
#define API_QUERY_MAX	4096	/* our queries carry two or three numbers */
#define API_QPARAMS_MAX	32	/* query parameters kept */
#define API_HOST_MAX	255	/* a DNS name, or an address with a port */

struct req_param {
	char	*key;
	char	*value;
};

/*
 * One request. Everything it owns is released by request_free(), after the
 * reply was written (STYLE 7.4.5: one owner per request).
 */
struct req {
	FCGX_Request		*fr;
	const char		*method;	/* REQUEST_METHOD, never NULL */
	const char		*query;		/* raw QUERY_STRING, not NULL */
	char			*name;		/* decoded :name, or NULL */
	char			*body;		/* NUL terminated, or NULL */
	size_t			 bodylen;
	struct json_object	*json;		/* the body object, or NULL */
	struct json_object	*args;		/* its fields as the entry's spec checked them */
	struct req_param	 params[API_QPARAMS_MAX];
	int			 nparams;	/* query parameters parsed */
	int			 status;	/* sent; 0 before the reply */
	const char		*user;		/* identity nginx established, or "local" */
	const char		*groups;	/* its groups, "" if none */
	int			 role;		/* AGD_ROLE_* */
	int			 route;		/* its place in the route table; -1: none */
	int			 code;		/* the error replied (enum agd_err); -1: none */
	int			 relayed;	/* the daemon answered (and audited) it */
	/*
	 * A check that must not reply (home_may_trust): a refusal is kept in
	 * quiet_msg (taken by the caller) and nothing is sent.
	 */
	int			 quiet;
	char			*quiet_msg;
	char			 id[AGD_REQUEST_ID_MAX + 1];	/* nginx's, or ours */
};

/* One REST route (route.c owns the table). */
struct api_entry {
	const char	*method;
	const char	*path;		/* ":name" matches one segment */
	int		 flags;
#define API_BODY	0x1	/* a JSON object body is required */
#define API_BODY_OPT	0x2	/* optional; if present, a JSON object */
#define API_BODY_STREAM	0x4	/* the handler reads the body itself, unbounded */
	const struct agd_field *fields;	/* the body's fields (lib/field.h), or NULL */
	int		(*exec)(struct req *);
	int		 role;		/* least AGD_ROLE_*; 0: viewer for GET, else operator */
};

extern const struct api_entry api_session_create_entry;
extern const struct api_entry api_session_list_entry;
extern const struct api_entry api_session_get_entry;
extern const struct api_entry api_session_output_entry;
extern const struct api_entry api_session_message_entry;
extern const struct api_entry api_session_reset_entry;
extern const struct api_entry api_session_delete_entry;
extern const struct api_entry api_session_complete_entry;
extern const struct api_entry api_session_input_entry;
extern const struct api_entry api_session_resize_entry;
extern const struct api_entry api_audit_entry;
extern const struct api_entry api_session_approval_entry;
extern const struct api_entry api_session_limits_entry;
extern const struct api_entry api_session_debrief_entry;
extern const struct api_entry api_session_debrief_get_entry;
extern const struct api_entry api_session_debrief_status_entry;
extern const struct api_entry api_world_entry;
extern const struct api_entry api_world_totals_entry;
extern const struct api_entry api_worker_dispatch_entry;
extern const struct api_entry api_worker_list_entry;
extern const struct api_entry api_worker_clear_entry;
extern const struct api_entry api_session_send_entry;
extern const struct api_entry api_session_messages_entry;
extern const struct api_entry api_machines_entry;
extern const struct api_entry api_me_entry;
extern const struct api_entry api_directories_entry;
extern const struct api_entry api_skills_entry;
extern const struct api_entry api_files_entry;
extern const struct api_entry api_upload_entry;
extern const struct api_entry api_session_diff_entry;
extern const struct api_entry api_metrics_entry;

/* route.c */
void	route_dispatch(struct req *);
/* Copy of the route table for tests: NULL-terminated, borrowed. */
const struct api_entry *const *route_table(void);

/* request.c */
void	request_init(struct req *, FCGX_Request *);
void	request_free(struct req *);
/* The request's line in the log (info): method, path, status, user, time taken. */
void	request_log(struct req *, uint64_t us);
const char *request_param(struct req *, const char *name);
int	request_check_host(struct req *);
int	request_check_origin(struct req *);
int	request_identify(struct req *);
int	request_read_body(struct req *, int optional);
void	request_drain_body(struct req *, uint64_t max);
int	request_parse_query(struct req *);
const char *request_query(struct req *, const char *key);
int	request_query_u64(struct req *, const char *key, uint64_t def,
	    uint64_t max, uint64_t *out);
int	request_pct_decode(const char *s, size_t len, int plus, char **out);
int	request_host_split(const char *s, size_t len, const char **host,
	    size_t *hostlen);

/* reply.c */
void	reply_json(struct req *, int status, struct json_object *);
void	reply_json_put(struct req *, int status, struct json_object *);
void	reply_json_headers(struct req *, int status, const char *headers,
	    struct json_object *);
void	reply_raw(struct req *, int status, const char *ctype,
	    const char *headers, const void *body, size_t len);
void	reply_error(struct req *, enum agd_err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	reply_not_allowed(struct req *, const char *allow);

/* ctl.c */
struct json_object *ctl_actor(struct req *);
void	ctl_relay(struct req *, const char *op, struct json_object *args);
void	ctl_relay_named(struct req *, const char *op);
void	ctl_audit(struct req *, const char *op, const char *where, int count);

/* refusal.c */
/* req was answered: if agentd-fcgi refused it itself, count it for the audit. */
void	refusal_note(struct req *);
/* Send the counts whose window has passed (all: every count, at exit). */
void	refusal_flush(int all);
struct json_object *api_debrief_json(sqlite3_stmt *);
void	ctl_relay_timeout(struct req *, const char *op, struct json_object *args,
	    int ms);
int	ctl_call(struct req *, const char *op, struct json_object *args, int ms,
	    int *status, struct json_object **body);
void	ctl_relay_flag(struct req *, const char *op, struct json_object *args,
	    const char *key);
/*
 * How long to wait for the daemon. DELETE waits for the agent's process group
 * to go, up to kill_grace_ms (5 s by default) plus the SIGKILL: 30 s leaves
 * room for a raised grace period without letting a stuck daemon hold a worker
 * forever.
 */
#define CTL_TIMEOUT_MS	30000

/* query.c */
enum query_id {
	Q_BEGIN,
	Q_COMMIT,
	Q_DATA_VERSION,
	Q_LIST_LIVE,
	Q_LIST_ALL,
	Q_SESSION,
	Q_SESSION_ID,
	Q_EVENTS,
	Q_WORKERS,
	Q_AUDIT,
	Q_DEBRIEF,
	Q_DEBRIEF_ID,
	Q_WORLD,
	Q_WORKER_LIST,
	Q_LIVE_DIRS,
	Q_SESSION_DIFF,
	Q_AGENT_KINDS,
	Q_METRICS_SESSIONS,
	Q_METRICS_USAGE,
	Q_METRICS_APPROVALS,
	Q_DEBRIEF_STATUS,
	Q_MESSAGES_COUNT,
	Q_MESSAGES,
	Q__COUNT
};
/* metrics.c: request latency by endpoint, shared by every worker process. */
#define METRICS_BUCKETS		12	/* 1 ms ... 10 s, and +Inf */
#define METRICS_ROUTES_MAX	64	/* the route table has ~25 entries */
#define METRICS_LABEL_MAX	128	/* "METHOD /api/agents/..." */
/* Make the shared counters: the master calls it once, before it forks workers. */
void	metrics_init(void);
/* Count one request of route (-1: it matched none) answered status in us. */
void	metrics_observe(int route, int status, uint64_t us);
/* Write the counters to out in Prometheus' text format. */
void	metrics_render(FILE *out);

sqlite3_stmt *query_stmt(enum query_id, char **cause);
int	query_step(sqlite3_stmt *, char **cause);
void	query_done(sqlite3_stmt *);
int	query_begin(char **cause);
void	query_end(void);
uint64_t query_generation(void);
void	query_close(void);
void	query_thread_end(void);
void	query_reply_error(struct req *, char *);
sqlite3_stmt *query_session(struct req *, enum query_id);

/* A reply cache: declare it _Thread_local (query.c frees it with the thread). */
struct body_cache {
	int		 valid;
	int		 linked;	/* on the thread's list (query_thread_end) */
	struct body_cache *next;
	uint64_t	 gen;		/* query_generation() it was built on */
	int64_t		 version;	/* PRAGMA data_version when built */
	uint64_t	 next_gen;	/* read by the last check */
	int64_t		 next_version;
	char		*text;
	size_t		 len;
};
int	body_cache_check(struct body_cache *, char **cause);
void	body_cache_store(struct body_cache *, struct json_object *);

/*
 * path.c: client paths confined beneath a root directory fd (no FastCGI, so
 * the fuzz target links it alone). Errors are errno values.
 */
#define PATH_LEN_MAX	4096	/* a client path is shorter (PATH_MAX, with NUL) */
#define PATH_NOSYMLINKS	0x1	/* follow no symlink at all */
#define PATH_WALK	0x2	/* the component walk even with openat2 */
extern int	path_no_openat2;
int	path_check(const char *path, size_t len);
const char *path_below(const char *path, const char *root);
char	*path_join(const char *root, const char *rel);
int	path_root_open(const char *root, char **canon);
int	path_open_abs(const char *path, int flags);
int	path_open(int rootfd, const char *rel, int flags);
int	path_valid_filename(const char *name, size_t len);
enum agd_err path_errcode(int err);

/* home.c: the home and project roots of the API, and client paths in them. */
struct home_dir {
	int	 fd;		/* the directory, O_PATH */
	char	*path;		/* its canonical path */
	int	 root;		/* 1 if it is the root itself */
};
const char *home_root(void);
int	home_resolve(struct req *, const char *root, const char *path,
	    struct home_dir *);
int	home_open(struct req *, const char *path, struct home_dir *);
int	home_session_dir(struct req *, const char *path, struct home_dir *);
int	home_reply_errno(struct req *, int err, const char *path);
char	*home_next_word(const char **p);
const char *home_project_roots(void);
int	home_forbidden(const char *path);
int	home_forbidden_entry(int fd, const char *dirpath, const char *name);
int	home_upload_dir(struct req *, const char *path, struct home_dir *);
/*
 * 1 if the folder at path may be trusted by the agent of the caller's new session
 * (its own settings and hooks then run): a directory in a project root, not at or
 * below the state directory, deny_paths or another user's session, as an upload
 * (home_upload_dir) but not through a session's own working directory elsewhere.
 * *why (the caller frees) says how, or why not; *dev and *ino are the directory
 * checked (the daemon trusts it only if that is what it finds at path). Never
 * replies.
 */
int	home_may_trust(struct req *, const char *path, char **why, long long *dev,
	    long long *ino);
void	home_dir_close(struct home_dir *);

/*
 * multipart.c: incremental multipart/form-data parser (no FastCGI either).
 * Callbacks return 0 to go on, non-zero to stop the parse.
 */
#define MULTIPART_HEADERS_MAX	(8 * 1024)	/* one part's header block */
#define MULTIPART_PARTS_MAX	16
struct multipart_part {
	const char	*name;		/* Content-Disposition name */
	const char	*filename;	/* its filename, or NULL for a field */
};
struct multipart_cb {
	int	(*part_begin)(void *, const struct multipart_part *);
	int	(*part_data)(void *, const char *, size_t);
	int	(*part_end)(void *);
};
struct multipart;
struct multipart *multipart_create(const char *ctype,
	    const struct multipart_cb *, void *, char **cause);
int	multipart_feed(struct multipart *, const char *, size_t,
	    const char **cause);
int	multipart_finish(struct multipart *, const char **cause);
void	multipart_free(struct multipart *);

/* api-directories.c: libgit2's global init, once (the diff endpoint uses it too). */
void	api_git_init(void);

/* api.c */
void	api_handle(FCGX_Request *);

#endif
