/*
 * agentd-fcgi: private definitions of the FastCGI handlers.
 *
 * Each worker is one single-threaded process. Requests are handled one at a
 * time: GETs read SQLite through the worker's own read-only connection
 * (query.c), everything that changes state is sent to agentd over the control
 * socket (ctl.c). Nothing here writes SQLite, forks agents or touches PTYs.
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>
#include <json-c/json.h>
#include <sqlite3.h>

struct agd_conf;

/* Process-wide settings, fixed before the workers fork. */
struct api_global {
	char		*home;		/* HOME */
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
	struct req_param	 params[API_QPARAMS_MAX];
	int			 nparams;	/* query parameters parsed */
	int			 status;	/* sent; 0 before the reply */
	const char		*user;		/* identity nginx established, or "local" */
	const char		*groups;	/* its groups, "" if none */
	int			 role;		/* AGD_ROLE_* */
};

/* One REST route (route.c owns the table). */
struct api_entry {
	const char	*method;
	const char	*path;		/* ":name" matches one segment */
	int		 flags;
#define API_BODY	0x1	/* a JSON object body is required */
#define API_BODY_OPT	0x2	/* optional; if present, a JSON object */
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
extern const struct api_entry api_session_debrief_entry;
extern const struct api_entry api_session_debrief_get_entry;
extern const struct api_entry api_worker_dispatch_entry;
extern const struct api_entry api_worker_list_entry;
extern const struct api_entry api_machines_entry;

/* route.c */
void	route_dispatch(struct req *);
/* Copy of the route table for tests: NULL-terminated, borrowed. */
const struct api_entry *const *route_table(void);

/* request.c */
void	request_init(struct req *, FCGX_Request *);
void	request_free(struct req *);
const char *request_param(struct req *, const char *name);
int	request_check_host(struct req *);
int	request_check_origin(struct req *);
int	request_identify(struct req *);
int	request_read_body(struct req *, int optional);
int	request_parse_query(struct req *);
const char *request_query(struct req *, const char *key);
int	request_query_u64(struct req *, const char *key, uint64_t def,
	    uint64_t max, uint64_t *out);
int	request_string(struct json_object *, const char *key, const char *alias,
	    const char **out, size_t *len);
int	request_pct_decode(const char *s, size_t len, int plus, char **out);
int	request_host_split(const char *s, size_t len, const char **host,
	    size_t *hostlen);

/* reply.c */
void	reply_json(struct req *, int status, struct json_object *);
void	reply_raw(struct req *, int status, const char *ctype,
	    const char *headers, const void *body, size_t len);
void	reply_error(struct req *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	reply_not_allowed(struct req *, const char *allow);

/* ctl.c */
struct json_object *ctl_actor(struct req *);
void	ctl_relay(struct req *, const char *op, struct json_object *args);
void	ctl_relay_timeout(struct req *, const char *op, struct json_object *args,
	    int ms);

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
	Q_WORKER_LIST,
	Q__COUNT
};
sqlite3_stmt *query_stmt(enum query_id, char **cause);
int	query_step(sqlite3_stmt *, char **cause);
void	query_done(sqlite3_stmt *);
int	query_begin(char **cause);
void	query_end(void);
uint64_t query_generation(void);
void	query_close(void);
void	query_reply_error(struct req *, char *);

/* api.c */
void	api_handle(FCGX_Request *);

#endif
