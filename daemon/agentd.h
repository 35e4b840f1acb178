/* agentd: the session daemon's private definitions. */
#ifndef AGENTD_H
#define AGENTD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "agd.h"
#include "conf.h"
#include "err.h"
#include "seqlog.h"

struct waiter;
struct agent;
struct debrief;
struct session;
struct spawn_spec;
struct session_sub;

/*
 * What a session tells its subscribers (session-notify.c), in the order of its
 * life. data is borrowed for the call.
 */
enum session_note_type {
	SESSION_NOTE_LAUNCH,	/* about to start: argv (NULL when adopted), adopted */
	SESSION_NOTE_OUTPUT,	/* terminal output recorded: seq, data, len */
	SESSION_NOTE_LINE,	/* stream: a line of the agent's output (no newline):
				   data, len; taken: set to 1 by who reads it */
	SESSION_NOTE_EVENT,	/* an event recorded: seq, data (its JSON text), len */
	SESSION_NOTE_FULL,	/* may a message come? taken: set to 1 to refuse it */
	SESSION_NOTE_MESSAGE,	/* a message for the agent: seq, data (text), taken */
	SESSION_NOTE_RESIZE,	/* the terminal was resized: cols, rows */
	SESSION_NOTE_ENDING,	/* ending: its last output recorded, no exit event yet */
	SESSION_NOTE_ENDED,	/* ended: the exit event recorded, its row says so */
	SESSION_NOTE_FREED,	/* the object is freed when this returns */
};
struct session_note {
	enum session_note_type	 type;
	uint64_t		 seq;
	const void		*data;		/* MESSAGE: a NUL-terminated string */
	size_t			 len;
	int			 cols;
	int			 rows;
	char			***argv;	/* LAUNCH: the command, may be appended to */
	struct spawn_spec	*spec;		/* LAUNCH at create: the adapter fills it in */
	int			 adopted;
	int			*taken;		/* MESSAGE: set to 1 by who delivers it;
						   FULL: by who has no room for one */
};
/*
 * The order subscribers are told in, lowest rank first, the same for every
 * notification. It keeps the order session.c called them by name:
 *   output: the viewers, then the adapter (its screen);
 *   ending: the adapter (it reads the last of its records), then debrief (which
 *           falls back if that brought no answer);
 *   ended:  the worker end (a delete waiting on it), then the viewers (who finish
 *           from the log and close);
 *   freed:  the viewers, the adapter, debrief (each frees only its own).
 */
enum session_sub_rank {
	SESSION_SUB_WORKER,	/* worker-end.c: worker deletes */
	SESSION_SUB_WS,		/* ws.c: the ring and the viewers */
	SESSION_SUB_AGENT,	/* agent.c: the adapters (launch, messages, screen) */
	SESSION_SUB_DEBRIEF,	/* debrief.c: a running debrief */
	SESSION_SUB_WEBHOOK,	/* webhook.c: attention events, told last */
};
typedef void	 session_notify_cb(struct session *, const struct session_note *,
		    void *arg);

/* Globals of the one daemon process (agentd.c). */
extern struct event_base	*agentd_base;
extern struct agd_conf		*agentd_conf;
extern sqlite3			*agentd_db;
extern char			*agentd_home;
extern int			 agentd_exiting;

/* Counters since the daemon started, for GET /api/agents/metrics (daemon.metrics). */
struct agentd_stats {
	uint64_t	output_bytes;		/* terminal output recorded, all sessions */
	uint64_t	events;			/* events recorded */
	uint64_t	holder_adoptions;	/* holders adopted again after a restart */
	uint64_t	holder_reconnects;	/* lost holder connections made again */
	uint64_t	webhook_delivered;	/* webhook deliveries a receiver took */
	uint64_t	webhook_failed;		/* attempts that failed (each retry counts) */
	uint64_t	webhook_dropped;	/* deliveries given up or never queued */
};
extern struct agentd_stats	 agentd_stats;
/* auth = local: HOME/access-token, "" in the other modes. */
extern char			 agentd_token[];

/* A session's key: AGD_TOKEN_LEN of lib/auth.h (32 random bytes as hex). */
#define SESSION_KEY_HEX		64
#define SESSION_KEY_FILE	"session-key"	/* in HOME/sessions/<id>/, 0600 */

struct session {
	int64_t			 id;
	char			*name;
	char			*agent_type;
	char			*cwd;
	dev_t			 cwd_dev;	/* the directory cwd was at create */
	ino_t			 cwd_ino;	/* (at adoption, for an adopted one) */
	char			*dir;		/* HOME/sessions/<id> */
	char			*sock;		/* holder socket */
	char			*prompt;	/* initial prompt, until delivered */
	char			*creator;
	char			*last_input_from;	/* coalesces input events */
	uint64_t		 last_input_ms;
	int			 mode;		/* AGD_MODE_* */
	int			 transport;
#define SESSION_TTY		0		/* the agent's TUI on a PTY */
#define SESSION_STREAM		1		/* its structured channel on pipes */
	int			 cols;
	int			 rows;

	int			 state;
#define SESSION_STARTING	0		/* holder not heard from yet */
#define SESSION_RUNNING		1
#define SESSION_ENDED		2
	int			 flags;
#define SESSION_KILLING		0x1		/* DELETE asked for it */
#define SESSION_DIRTY		0x2		/* last_seq not yet in SQLite */
#define SESSION_ADOPTED		0x4		/* from a previous daemon */
#define SESSION_OWN_CMD		0x8		/* runs the daemon's own command (a
						   remote worker's loop): no adapter */
#define SESSION_CAPPED		0x10		/* a cap reached: messages refused */
#define SESSION_EXITED		0x20		/* the holder said its agent ended */
#define SESSION_TRUSTED		0x40		/* its folder may be trusted (trustFolder) */
	double			 max_cost;	/* caps: 0 none (maxCostUsd, max_cost_usd) */
	int64_t			 max_tokens;	/* (maxTokens, max_tokens) */

	pid_t			 pid;		/* the agent; its pgid too */
	uint64_t		 seq;		/* last seq given out */
	uint64_t		 hoff;		/* holder offset recorded so far */
	uint64_t		 reset_seq;
	struct agd_seqlog	 log;

	struct bufferevent	*hbev;		/* connection to the holder */
	int			 resumed;
	int			 ack_due;	/* recorded output not yet acknowledged */
	struct event		*log_retry_ev;	/* the log refused output: read it again */
	int			 log_retry_ms;	/* its backoff; 0 while the log takes output */
	int			 log_failures;	/* writes refused in a row (session-record.c) */
	struct evbuffer		*pending;	/* input held until the holder is up,
						   or the terminal takes it (direct) */
	/*
	 * HP_INPUT sent that the holder has not said it took (HP_INPUTACK): the
	 * holder's bytes in_acked..in_sent, sent again on the next connection if
	 * this one breaks. in_acks: the holder acknowledges (its hello's version 2).
	 */
	struct evbuffer		*unacked;
	uint64_t		 in_sent;
	uint64_t		 in_acked;
	int			 in_acks;
	/* Input written to the terminal by us (session-direct.c). */
	enum {
		SESSION_DIRECT_OFF,		/* through the holder (HP_INPUT) */
		SESSION_DIRECT_ASKED,		/* asked for the terminal */
		SESSION_DIRECT_WAIT,		/* have it; HP_DIRECT sent, held */
		SESSION_DIRECT_ON		/* written to pty_fd */
	}			 direct;
	int			 pty_fd;	/* the terminal's master, or -1 */
	int			 direct_tries;	/* HP_AUTH_PTY asked, unanswered */
	struct event		*direct_ev;	/* the side connection's answer */
	struct event		*direct_wev;	/* pty_fd takes more */
	/*
	 * A size (cols x rows) not yet set: it comes after the first resize_at bytes
	 * of pending, the input the client sent before it (session_resize_flush).
	 */
	int			 resize_due;
	size_t			 resize_at;
	struct event		*stuck_ev;	/* a kill behind unread input (session-input.c) */
	int			 stuck_signals;	/* sent by stuck_ev so far */
	struct event		*connect_ev;	/* retry connecting to the holder */
	int			 connect_tries;	/* without a recorded holder pid */
	int			 connect_ms;	/* the next retry's backoff */
	pid_t			 holder_pid;	/* the holder process */
	uint8_t			 hkey[32];	/* the holder's secret (HP_KEY_LEN) */
	int			 has_hkey;
	/*
	 * The session's own key (its hooks, its link loop: HOME/run/hook.sock),
	 * SESSION_KEY_HEX hex digits; "" if it has none.
	 */
	char			 key[SESSION_KEY_HEX + 1];

	struct waiter		*create_waiter;	/* session.create: until it runs */
	TAILQ_HEAD(, waiter)	 waiters;	/* session.delete: until it ends */

	/* Who is told of its output, events and end (session-notify.c). */
	TAILQ_HEAD(, session_sub) subs;
	int			 notifying;	/* depth of notifications under way */
	/*
	 * The adapter's and a debrief's state are their subscriptions' arguments too;
	 * the pointers stay because agent.c, debrief.c, persist.c and session_create
	 * ask "is this an agent session / is a debrief running" of any session, from
	 * outside a notification.
	 */
	struct agent		*agent;		/* a real agent program's adapter */
	struct debrief		*debrief;	/* a pre-kill debrief running */
	/*
	 * tty: output from the holder not yet recorded, from offset hoff: the DATA
	 * messages of one read (one record, not one per message), then the bytes of
	 * a split UTF-8 sequence between reads. SESSION_STAGE_MAX bytes, or NULL.
	 */
	unsigned char		*stage;
	size_t			 stage_len;
	struct evbuffer		*lines;		/* stream: output not yet a whole line */
	uint64_t		 line_end;	/* stream: the holder offset after the line
						   being read (its events' hoff), or 0 */

	TAILQ_ENTRY(session)	 entry;
};
TAILQ_HEAD(sessions, session);
extern struct sessions		 sessions;

/* listen.c: the daemon's listening sockets */
/*
 * Listen on a Unix socket at path (0600; 0660 if nginx connects to it and the config
 * says group_sockets) with backlog, refusing to steal one a live daemon holds; fatal
 * if it cannot. Returns the listening fd (the caller's).
 */
int	 listen_bind(const char *path, int backlog, int nginx);

/* cmd-daemon-shutdown.c: `agentd shutdown` (AGENTD_SHUTDOWN_SIGNAL) */
#define AGENTD_SHUTDOWN_SIGNAL	SIGUSR1
/* End every agent, then the loop; once (later calls do nothing). */
void	 cmd_daemon_shutdown(void);

/* server.c: the control socket's listener */
/*
 * Listen for control connections on path and for the sessions' narrow ones on
 * hook_path; fatal if it cannot.
 */
void	 server_init(const char *path, const char *hook_path);
/* Stop listening and drop every control connection (their waiters are cancelled). */
void	 server_close(void);

/* server-client.c: one control connection */
/*
 * A connection accepted on the control socket (narrow 0) or the sessions' socket
 * (narrow 1: only a session's own reports, cmd.c); takes ownership of fd.
 */
void	 server_client_new(int fd, int narrow);
/* Drop every control connection. */
void	 server_client_close_all(void);

/* session-notify.c: the one notification point of a session */
/*
 * Subscribe cb with arg (the subscriber's, for this session) to s. It is told
 * every notification of s, in rank order, until session_unsubscribe or until the
 * session is freed (SESSION_NOTE_FREED is the last). Returns the subscription,
 * owned by s.
 */
struct session_sub *session_subscribe(struct session *, enum session_sub_rank,
		    session_notify_cb *, void *arg);
/* End a subscription (NULL: none); safe inside a notification. */
void		 session_unsubscribe(struct session *, struct session_sub *);
/* The arg of s's subscription with this callback, or NULL (none, or a NULL arg). */
void		*session_subscriber(struct session *, session_notify_cb *);
/*
 * Subscribe cb to every session, live ones and each made later (created or
 * adopted). new_arg, if not NULL, makes the arg of each session's subscription;
 * the subscriber frees it on SESSION_NOTE_FREED.
 */
void		 session_subscribe_all(enum session_sub_rank, session_notify_cb *,
		    void *(*new_arg)(struct session *));

/* session.c, session-record.c: the sessions */
/* The live session of this name, or NULL (ended ones are not live). Borrowed. */
struct session	*session_find(const char *name);
/* How many sessions are live (not yet ended). */
int		 session_count(void);
/*
 * hint(prog) says how to install a program that is not found, or NULL: for the
 * create error (the adapters set it, agent_init; none set, no hint).
 */
void		 session_set_install_hint(const char *(*hint)(const char *prog));
/* What session_create() is told beyond a plain session (remote workers). */
struct session_opts {
	char		**argv;		/* run this instead of the agentType's command */
	int		  prompt_sent;	/* the prompt reaches the agent another way */
	int		  transport;	/* SESSION_TTY (the default) or SESSION_STREAM */
	double		  max_cost;	/* its caps, < 0: the configured default */
	int64_t		  max_tokens;
	/*
	 * Its folder may be trusted: agentd-fcgi found it in a project root the
	 * caller may change (trustFolder; why says how, or why not). Else the
	 * agent's trust dialog is left to a person and its folder settings unread.
	 */
	int		  trust;
	const char	 *trust_why;
	/* The directory checked (st_dev, st_ino); 0, 0: any (agentd's own). */
	int64_t		  trust_dev;
	int64_t		  trust_ino;
};
/* The transport of its name (tty, or its older name pty; stream), or -1. */
int		 session_transport_parse(const char *);
/*
 * Create, start and list a session: its row, directory, log and holder. The
 * strings and opts are copied. Returns the session (owned by the session list),
 * or NULL with *code (the error, lib/err.h) and *cause (the caller frees it).
 */
struct session	*session_create(const char *name, const char *type, const char *cwd,
		    int mode, const char *prompt, const char *creator,
		    const struct session_opts *, enum agd_err *code, char **cause);
/* After a restart: take back every session the store says is live. */
void		 session_adopt_all(void);
/*
 * Type [p, p+n) into the terminal (held until the holder is up). Copied. Returns 0,
 * or -1 and takes nothing if the input not yet written to the holder would pass
 * input_queue_bytes (a program that does not read its terminal: AGD_ERR_INPUT_FULL).
 */
int		 session_input(struct session *, const void *, size_t);
/*
 * The daemon's own keys for the terminal (Enter, an approval's or a dialog's
 * answer, an interrupt): as session_input, but past input_queue_bytes by up to a
 * few KiB, so that a queue full of a client's input does not lose them. -1 (logged)
 * only beyond that.
 */
int		 session_keys(struct session *, const char *);
/*
 * 1 if s takes keystrokes from its viewers and clients: not a stream session
 * driven by an adapter (its stdin is the agent's structured channel).
 */
int		 session_takes_keys(struct session *);
/*
 * A stream session's readable rendering (a message, the agent's text, a tool
 * call): recorded as terminal output, so viewers and /output see it. Copied.
 */
void		 session_tty(struct session *, const char *text, size_t len);
/* Bytes of input the daemon holds for s: before the holder is up, and unwritten. */
size_t		 session_input_queued(struct session *);
/*
 * Give text to the agent (its adapter queues it, a plain program gets it typed
 * with a carriage return), recorded as a message event from `from`. Both are
 * copied. Returns 0 and the event's seq in *seq (if not NULL), or -1 with *code
 * AGD_ERR_QUEUE_FULL (message_queue_max waiting for the agent) or AGD_ERR_INPUT_FULL
 * (input_queue_bytes): then nothing is recorded.
 */
int		 session_message(struct session *, const char *text, const char *from,
		    uint64_t *seq, enum agd_err *code);
/* Record n bytes typed by `from`: one input event per burst of one user. */
void		 session_note_input(struct session *, const char *from, size_t);
/* Resize the terminal (holder, row, adapter's screen). */
void		 session_resize(struct session *, int cols, int rows);
/* Ask the holder to end the agent (grace, then SIGKILL); ends it at once if no holder. */
void		 session_kill(struct session *);
/* session_kill every live session (shutdown with kill). */
void		 session_kill_all(void);
/*
 * Waiters of the session (waiter.h), each answered once: wait_running 201 and
 * the session object once the agent runs (an error if the holder fails first),
 * wait_ended 200 and the session object once it has ended. end_all: end every
 * session (agentd is exiting); w is answered 200 once all have ended, then the
 * loop stops.
 */
void		 session_wait_running(struct session *, struct waiter *w);
void		 session_wait_ended(struct session *, struct waiter *w);
void		 session_end_all(struct waiter *w);
/*
 * Record an event of this type: add "type" and "ts" to fields, give it the next
 * seq, write it to the log and SQLite, tell the subscribers. Takes ownership of
 * fields (NULL: none). Returns the seq.
 */
uint64_t	 session_event(struct session *, const char *type, struct json_object *fields);
/* Write every session's progress (last seq, holder offset) not yet in SQLite. */
void		 session_flush_all(void);
/* Free s and everything it owns; told to its subscribers (SESSION_NOTE_FREED) first. */
void		 session_free(struct session *);
/* At daemon exit: flush and free every session object (the agents keep running). */
void		 session_shutdown(void);

/* spawn.c */
/*
 * What a session's agent needs of its sandbox and environment beyond the base
 * (its kind says: agent_spawn_spec). Every string is borrowed, blank separated.
 */
struct spawn_spec {
	const char	*env_keys;	/* its own variables: fnmatch patterns */
	const char	*home_rw;	/* files it writes: "~/x" or "$VAR"; "x/" a directory */
	const char	*home_ro;	/* files below those it only reads (bound read-only) */
	const char	*home_tmp;	/* directories below home_rw private to the session */
	const char	*session_ro;	/* files of its session directory it reads */
	const char	*session_rw;	/* and writes */
	int		 hooks;		/* its hooks call the daemon (agentd hook) */
	const char	*sandbox_env;	/* NAME=VALUE words it gets when sandboxed */
	int		 daemon_own;	/* agentd's own program (a worker's link loop): as is */
};
/* Find prog the way execvp would. Caller frees; NULL if not found. */
char		*spawn_resolve(const char *prog);
/*
 * At start: settle the sandbox (sandbox = bwrap | off; unset: bwrap if it runs
 * here) and log what agents get. Fatal if bwrap is asked for and does not run.
 */
void		 spawn_init(void);
/*
 * Fork and exec the holder for s, running argv (borrowed) in its sandbox with the
 * allow-listed environment spec (borrowed) says. Returns our end of its first
 * connection, or -1 with *cause (the caller frees it).
 */
int		 spawn_holder(struct session *, char **argv, const struct spawn_spec *,
		    pid_t *holder, char **cause);
/*
 * s's key (s->key) from HOME/sessions/<id>/session-key, made first (0600) if make
 * is set and there is none. 0, or -1 (logged) and s->key "".
 */
int		 spawn_session_key(struct session *, int make);

/* persist.c: every SQLite write of the daemon */
sqlite3_stmt	*persist_prepare(const char *sql);
int		 persist_step(sqlite3_stmt *, const char *what);
/* Bind parameters 1.. from the arguments by fmt's letters: s string, i int, I int64, d double. */
void		 persist_bind(sqlite3_stmt *, const char *fmt, ...);
/* Prepare sql into *stp once, bind by fmt (as persist_bind), step: 0, or -1 logged. */
int		 persist_exec(sqlite3_stmt **, const char *what, const char *sql,
		    const char *fmt, ...);
/* trust, trust_why: its folder may be trusted (1) or not, and why (may be NULL). */
int64_t		 persist_insert(const char *name, const char *type, const char *cwd,
		    const char *mode, const char *prompt, const char *creator, int cols,
		    int rows, int trust, const char *trust_why, char **cause);
void		 persist_transport(int64_t id, const char *transport);
void		 persist_adapter(int64_t id, const char *adapter);
char		*persist_adapter_load(int64_t id);
void		 persist_limits(int64_t id, double max_cost, int64_t max_tokens);
void		 persist_capped(int64_t id, const char *capped);
void		 persist_evidence(int64_t id, const char *evidence);
void		 persist_delete(int64_t id);
void		 persist_running(struct session *);
void		 persist_ended(int64_t id, const char *status, int status_raw, int has_status,
		    const char *reason);
void		 persist_event(int64_t id, uint64_t seq, const char *ts, const char *type,
		    const char *json, size_t len);
void		 persist_progress(struct session *);
void		 persist_reset(struct session *);
void		 persist_resize(struct session *);
int		 persist_complete(int64_t id, const char *status, const char *comment,
		    int *changed);
struct json_object *persist_session_json(int64_t id);
int64_t		 persist_lookup(const char *name, int *ended);
char		*persist_creator(int64_t id);
int		 persist_is_remote(int64_t id);
void		 persist_agent(int64_t id, const char *status, const char *source,
		    const char *since, const char *phase, const char *pending,
		    const char *last_tool, const char *uuid, const char *tpath, int64_t toff,
		    int64_t in, int64_t out, int64_t cread, int64_t cwrite, double cost,
		    const char *pending_id);
void		 persist_debrief(int64_t id, const char *kind, const char *source,
		    const char *report, const char *created, const char *path);
void		 persist_debriefing(int64_t id, int on);
void		 persist_agent_kinds_clear(void);
void		 persist_agent_kind(const char *name, const char *skills_user,
		    const char *skills_project);
void		 persist_agent_load(int64_t id, char **uuid, char **tpath, off_t *toff,
		    int64_t *in, int64_t *out, int64_t *cread, int64_t *cwrite, double *cost);
int		 persist_pending_load(int64_t id, char **status, char **pending,
		    char **pending_id);
void		 persist_audit(const char *user, const char *role, const char *action,
		    const char *session, const char *addr, int status, const char *detail);

/* webhook.c */
/* Deliver the configured webhooks' events from now on (nothing if none is set). */
void		 webhook_init(void);
/* Deliveries in flight or waiting to retry. */
int		 webhook_pending_count(void);
/* Drop the deliveries still waiting and free what webhook_init made. */
void		 webhook_shutdown(void);

/* debrief.c */
/*
 * session.debrief of row id (s: its live session, or NULL): w is answered with
 * the report at once (no agent, ended), 202 at once (async), or when the agent's
 * turn ends or the deadline passes.
 */
void		 debrief_start(struct waiter *w, struct session *, int64_t id, int async);

/* ws-server.c: WebSocket viewers (ws.h) */
/* Listen on path and subscribe the viewers to every session: before any session. */
void		 ws_init(const char *path);
/* Hang up every viewer and stop listening (daemon exit, before session_shutdown). */
void		 ws_close_all(void);

#endif
