/*
 * Sessions: one agent each, run by its holder. This file holds their lifecycle -
 * create, adopt after a restart, input, resize, kill, end, free, the waiters of
 * create, delete and shutdown. The daemon's end of the holder protocol (hproto.h)
 * is session-holder.c: it records every byte the holder sends into the session's
 * log (giving it a seq; session-record.c), acknowledges it so the holder can
 * forget it, and tells the session's subscribers (session-notify.c). Lifecycle
 * changes are events in the same seq space, kept in the log and in SQLite.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentd.h"
#include "hproto.h"
#include "json.h"
#include "fault.h"
#include "log.h"
#include "session.h"
#include "spawn.h"
#include "util.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

/* How often the seq recorded so far reaches SQLite (a crash loses at most this). */
#define SESSION_FLUSH_MS		1000

struct sessions		 sessions = TAILQ_HEAD_INITIALIZER(sessions);
/* Ended sessions waiting for the loop to free them. */
static struct sessions	 retired = TAILQ_HEAD_INITIALIZER(retired);
static int		 session_total;
/* How to install a program that is not found (session_set_install_hint). */
static const char	*(*session_hint)(const char *);
static struct event	*session_flush_ev;

struct session *
session_find(const char *name)
{
	struct session	*s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (strcmp(s->name, name) == 0)
			return (s);
	}
	return (NULL);
}

int
session_count(void)
{
	return (session_total);
}

void
session_set_install_hint(const char *(*hint)(const char *prog))
{
	session_hint = hint;
}

static struct session *
session_alloc(int64_t id, const char *name, const char *type, const char *cwd, int mode)
{
	struct session	*s;

	s = xcalloc(1, sizeof *s);
	s->id = id;
	s->name = xstrdup(name);
	s->agent_type = xstrdup(type);
	s->cwd = xstrdup(cwd);
	s->mode = mode;
	s->cols = agentd_conf->default_cols;
	s->rows = agentd_conf->default_rows;
	s->log.fd = -1;
	xasprintf(&s->dir, "%s/sessions/%lld", agentd_home, (long long)id);
	xasprintf(&s->sock, "%s/run/h/%lld.sock", agentd_home, (long long)id);
	s->pending = evbuffer_new();
	s->unacked = evbuffer_new();
	s->pty_fd = -1;
	TAILQ_INIT(&s->waiters);
	session_subs_init(s);
	return (s);
}

void
session_free(struct session *s)
{
	session_direct_stop(s);
	if (s->hbev != NULL)
		bufferevent_free(s->hbev);
	if (s->connect_ev != NULL)
		event_free(s->connect_ev);
	if (s->stuck_ev != NULL)
		event_free(s->stuck_ev);
	if (s->log_retry_ev != NULL)
		event_free(s->log_retry_ev);
	if (s->log.fd != -1)
		agd_seqlog_close(&s->log);
	session_subs_free(s);
	evbuffer_free(s->pending);
	evbuffer_free(s->unacked);
	if (s->lines != NULL)
		evbuffer_free(s->lines);
	free(s->name);
	free(s->agent_type);
	free(s->cwd);
	free(s->dir);
	free(s->sock);
	free(s->prompt);
	free(s->creator);
	free(s->last_input_from);
	free(s->stage);
	free(s);
}

static void
session_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&retired, s, entry);
	session_free(s);
}

static void
session_drained_cb(struct bufferevent *bev, void *arg)
{
	/* No more callbacks: the free below is the last thing to happen to it. */
	bufferevent_disable(bev, EV_READ | EV_WRITE);
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	event_base_once(agentd_base, -1, EV_TIMEOUT, session_free_cb, arg, NULL);
}

/*
 * Take s off the live list and free it once the loop is out of its callbacks and
 * the last words to the holder (the exit acknowledgement) have left.
 */
static void
session_retire(struct session *s)
{
	TAILQ_REMOVE(&sessions, s, entry);
	TAILQ_INSERT_TAIL(&retired, s, entry);
	session_total--;
	if (s->hbev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(s->hbev)) > 0) {
		bufferevent_disable(s->hbev, EV_READ);
		bufferevent_setcb(s->hbev, NULL, session_drained_cb,
		    session_holder_event_cb, s);
		return;
	}
	if (s->hbev != NULL)
		bufferevent_disable(s->hbev, EV_READ | EV_WRITE);
	event_base_once(agentd_base, -1, EV_TIMEOUT, session_free_cb, s, NULL);
}

void
session_send(struct session *s, int type, const void *p, size_t n)
{
	uint8_t	hdr[HP_HDR];

	if (s->hbev == NULL)
		return;
	if (AGD_FAULT(AGD_FAULT_WRITE))	/* as a broken holder socket would */
		shutdown(bufferevent_getfd(s->hbev), SHUT_RDWR);
	hp_put32(hdr, (uint32_t)(n + 1));
	hdr[4] = (uint8_t)type;
	bufferevent_write(s->hbev, hdr, sizeof hdr);
	if (n > 0)
		bufferevent_write(s->hbev, p, n);
}

/* A waiter's client has gone: the session forgets it. */
static void
session_waiter_cancel(struct waiter *w, void *arg)
{
	struct session	*s = arg;

	if (s->create_waiter == w)
		s->create_waiter = NULL;
	else
		TAILQ_REMOVE(&s->waiters, w, entry);
}

void
session_wait_running(struct session *s, struct waiter *w)
{
	s->create_waiter = w;
	waiter_hold(w, session_waiter_cancel, s);
}

void
session_wait_ended(struct session *s, struct waiter *w)
{
	TAILQ_INSERT_TAIL(&s->waiters, w, entry);
	waiter_hold(w, session_waiter_cancel, s);
}

/* The create waiter (if any) gets status and the session object, or the error. */
void
session_reply_create(struct session *s, int status, const char *error)
{
	struct waiter	*w;

	if ((w = s->create_waiter) == NULL)
		return;
	s->create_waiter = NULL;
	if (error != NULL)
		waiter_error(w, AGD_ERR_INTERNAL, "%s", error);
	else
		waiter_reply_session(w, status, s->id);
	/* Answered: the next create's spare holder starts now (spawn-spare.c). */
	spawn_spare_later(0);
}

static void
session_reply_waiters(struct session *s)
{
	struct waiter	*w;

	session_reply_create(s, 201, NULL);
	while ((w = TAILQ_FIRST(&s->waiters)) != NULL) {
		TAILQ_REMOVE(&s->waiters, w, entry);
		waiter_reply_session(w, 200, s->id);
	}
}

/* daemon.shutdown callers, answered once every session has ended. */
static struct waiter_list	session_end_waiters =
    TAILQ_HEAD_INITIALIZER(session_end_waiters);

static void
session_end_cancel(struct waiter *w, void *arg)
{
	(void)arg;
	TAILQ_REMOVE(&session_end_waiters, w, entry);
}

/* agentd is exiting and no session is left: answer, then stop the loop. */
static void
session_end_check(void)
{
	struct waiter	*w;
	struct timeval	 tv = { 0, 100000 };

	if (!agentd_exiting || session_count() > 0)
		return;
	while ((w = TAILQ_FIRST(&session_end_waiters)) != NULL) {
		TAILQ_REMOVE(&session_end_waiters, w, entry);
		waiter_reply(w, 200, json_object_new_object());
	}
	/* Give the replies a moment to leave before the loop ends. */
	event_base_loopexit(agentd_base, &tv);
}

void
session_end_all(struct waiter *w)
{
	TAILQ_INSERT_TAIL(&session_end_waiters, w, entry);
	waiter_hold(w, session_end_cancel, NULL);
	session_kill_all();
	session_end_check();
}

void
session_end(struct session *s, int has_status, int status, const char *reason)
{
	struct json_object	*o;
	const char		*what;

	if (s->state == SESSION_ENDED)
		return;
	session_flush_tail(s);
	session_direct_stop(s);
	session_notify(s, SESSION_NOTE_ENDING, s->seq, NULL, 0);
	s->state = SESSION_ENDED;
	what = (s->flags & SESSION_KILLING) ? "terminated" : "exited";
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(what));
	if (has_status && WIFEXITED(status))
		json_object_object_add(o, "exitCode",
		    json_object_new_int(WEXITSTATUS(status)));
	else
		json_object_object_add(o, "exitCode", NULL);
	if (has_status && WIFSIGNALED(status))
		json_object_object_add(o, "exitSignal",
		    json_object_new_int(WTERMSIG(status)));
	else
		json_object_object_add(o, "exitSignal", NULL);
	if (reason != NULL)
		json_object_object_add(o, "reason", json_object_new_string(reason));
	session_event(s, "exit", o);
	persist_progress(s);
	persist_ended(s->id, what, status, has_status, reason);
	session_notify(s, SESSION_NOTE_ENDED, s->seq, NULL, 0);
	session_reply_waiters(s);
	session_retire(s);
	session_end_check();
}

void
session_holder_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	/*
	 * The connection broke before the exit's acknowledgement left: the holder,
	 * its agent ended and recorded, would wait for it forever. It goes now.
	 */
	if (s->state == SESSION_ENDED && (s->flags & SESSION_EXITED) && s->holder_pid > 0 &&
	    evbuffer_get_length(bufferevent_get_output(s->hbev)) > 0)
		kill(s->holder_pid, SIGKILL);
	bufferevent_free(s->hbev);
	s->hbev = NULL;
	s->resumed = 0;
	session_direct_stop(s);
	if (s->state == SESSION_ENDED) {
		/* Retired, waiting for its output to drain: the holder is gone anyway. */
		event_base_once(agentd_base, -1, EV_TIMEOUT, session_free_cb, s, NULL);
		return;
	}
	session_holder_lost(s);
}


/* The caps of a new session: its create's, else the configured ones. */
static void
session_limits_init(struct session *s, const struct session_opts *opts)
{
	const char	*dflt = agentd_conf->max_cost_usd;

	s->max_cost = opts != NULL && opts->max_cost >= 0 ? opts->max_cost :
	    (dflt != NULL ? strtod(dflt, NULL) : 0);
	s->max_tokens = opts != NULL && opts->max_tokens >= 0 ? opts->max_tokens :
	    (int64_t)agentd_conf->max_tokens;
	if (s->max_cost > 0 || s->max_tokens > 0)
		persist_limits(s->id, s->max_cost, s->max_tokens);
}

int
session_transport_parse(const char *name)
{
	if (strcmp(name, "tty") == 0 || strcmp(name, "pty") == 0)
		return (SESSION_TTY);
	if (strcmp(name, "stream") == 0)
		return (SESSION_STREAM);
	return (-1);
}

/* Create, start and list a session. On failure set *code and *cause. */
struct session *
session_create(const char *name, const char *type, const char *cwd, int mode,
    const char *prompt, const char *creator, const struct session_opts *opts,
    enum agd_err *code, char **cause)
{
	const struct agd_agent	*agent;
	struct session		*s;
	struct spawn_spec	 spec;
	struct stat		 sb;
	char			**argv, *prog, *msg;
	const char		*why;
	uint64_t		 last_seq, last_hoff;
	int64_t			 id;
	pid_t			 holder;
	int			 fd, trust;

	if (session_find(name) != NULL) {
		*code = AGD_ERR_EXISTS;
		xasprintf(cause, "duplicate session: %s", name);
		return (NULL);
	}
	if ((agent = agd_conf_agent(agentd_conf, type)) == NULL) {
		*code = AGD_ERR_INVALID_AGENT_TYPE;
		xasprintf(cause, "unknown agent type: %s", type);
		return (NULL);
	}
	if (stat(cwd, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		*code = AGD_ERR_BAD_DIRECTORY;
		xasprintf(cause, "working directory %s: %s", cwd,
		    errno == 0 || S_ISDIR(sb.st_mode) ? "not a directory" :
		    strerror(errno));
		if (stat(cwd, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
			free(*cause);
			xasprintf(cause, "working directory %s: not a directory", cwd);
		}
		return (NULL);
	}
	if (session_total >= agentd_conf->max_sessions) {
		*code = AGD_ERR_TOO_MANY_SESSIONS;
		xasprintf(cause, "too many sessions: the limit is %d",
		    agentd_conf->max_sessions);
		return (NULL);
	}
	if (opts != NULL && opts->argv != NULL) {
		struct argv_buf	copy = { NULL, 0 };

		argv_addv(&copy, opts->argv);	/* freed like a split one */
		argv = copy.v;
	} else if ((argv = agd_argv_split(agent->argv[mode], NULL, &msg)) == NULL) {
		*code = AGD_ERR_INTERNAL;
		xasprintf(cause, "agent %s command: %s", type, msg);
		free(msg);
		return (NULL);
	}
	if ((prog = spawn_resolve(argv[0])) == NULL) {
		const char *hint = session_hint != NULL ? session_hint(argv[0]) : NULL;

		*code = AGD_ERR_AGENT_NOT_FOUND;
		if (hint != NULL)
			xasprintf(cause, "agent program not found: %s (install it with"
			    " %s)", argv[0], hint);
		else
			xasprintf(cause, "agent program not found: %s (not on PATH)",
			    argv[0]);
		agd_argv_free(argv);
		return (NULL);
	}
	free(prog);

	/* The folder trusted only if it is still the directory agentd-fcgi checked. */
	trust = opts != NULL && opts->trust;
	why = opts != NULL ? opts->trust_why : NULL;
	if (trust && (opts->trust_dev != 0 || opts->trust_ino != 0) &&
	    ((int64_t)sb.st_dev != opts->trust_dev || (int64_t)sb.st_ino != opts->trust_ino)) {
		trust = 0;
		why = "the folder at that path changed after it was checked";
	}
	id = persist_insert(name, type, cwd, agd_mode_name(mode), prompt, creator,
	    agentd_conf->default_cols, agentd_conf->default_rows, trust, why, cause);
	if (id == -1) {
		*code = AGD_ERR_INTERNAL;
		agd_argv_free(argv);
		return (NULL);
	}
	s = session_alloc(id, name, type, cwd, mode);
	s->cwd_dev = sb.st_dev;
	s->cwd_ino = sb.st_ino;
	if (opts != NULL && opts->transport == SESSION_STREAM) {
		s->transport = SESSION_STREAM;
		persist_transport(id, "stream");
	}
	session_limits_init(s, opts);
	if (trust)
		s->flags |= SESSION_TRUSTED;
	if (agd_mkdirs(s->dir, 0700) == -1 ||
	    agd_seqlog_open(&s->log, s->dir, agentd_conf->log_max_bytes, &last_seq,
	    &last_hoff, &msg) == -1) {
		if (errno != 0 && s->log.fd == -1)
			xasprintf(cause, "session directory %s: %s", s->dir, strerror(errno));
		*code = AGD_ERR_INTERNAL;
		goto fail;
	}
	if (opts != NULL && opts->argv != NULL)
		s->flags |= SESSION_OWN_CMD;
	memset(&spec, 0, sizeof spec);
	session_notify_launch(s, &argv, &spec);
	spec.daemon_own = opts != NULL && opts->argv != NULL;
	if ((fd = spawn_holder(s, argv, &spec, &holder, cause)) == -1) {
		*code = AGD_ERR_INTERNAL;
		goto fail;
	}
	agd_argv_free(argv);
	session_attach(s, fd);
	/* The holder's first message: the secret later connections must show. */
	if (session_holder_key(s, holder) == 0)
		session_send(s, HP_AUTH, s->hkey, sizeof s->hkey);
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	session_total++;
	s->creator = xstrdup(creator);
	if (prompt != NULL && *prompt != '\0') {
		s->prompt = xstrdup(prompt);
		/* An agent gets it when it is ready; a plain program at once. */
		if (s->agent == NULL && (opts == NULL || !opts->prompt_sent)) {
			evbuffer_add(s->pending, prompt, strlen(prompt));
			evbuffer_add(s->pending, session_enter(s), 1);
		}
	}
	log_debug("%s: session %s: holder %d", __func__, name, (int)holder);
	return (s);
fail:
	agd_argv_free(argv);
	persist_delete(id);
	session_free(s);
	return (NULL);
}

void
session_resize(struct session *s, int cols, int rows)
{
	size_t	held = evbuffer_get_length(s->pending);

	s->cols = cols;
	s->rows = rows;
	/* A size already due keeps its place (input between the two sees this one). */
	if (!s->resize_due || held < s->resize_at)
		s->resize_at = held;
	s->resize_due = 1;
	session_resize_flush(s);
	persist_resize(s);
	session_notify_resize(s, cols, rows);
}

void
session_kill(struct session *s)
{
	uint8_t	g[4];

	if (s->flags & SESSION_KILLING)
		return;
	s->flags |= SESSION_KILLING;
	if (s->hbev != NULL && s->resumed) {
		hp_put32(g, (uint32_t)agentd_conf->kill_grace_ms);
		session_send(s, HP_KILL, g, sizeof g);
		session_kill_stuck(s);
		return;
	}
	/*
	 * Sent after the holder's hello - also when its connection is being made
	 * again: killing the group here would leave the holder waiting forever.
	 */
	if (s->hbev != NULL || (s->connect_ev != NULL && evtimer_pending(s->connect_ev, NULL)))
		return;
	/* No holder to ask: end the group ourselves. */
	if (s->pid > 0)
		kill(-s->pid, SIGKILL);
	session_end(s, 0, 0, "killed_without_holder");
}

void
session_kill_all(void)
{
	struct session	*s, *next;

	for (s = TAILQ_FIRST(&sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_kill(s);
	}
}

void
session_flush_all(void)
{
	struct session	*s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->flags & SESSION_DIRTY)
			persist_progress(s);
	}
}

static void
session_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	session_flush_all();
}

/* After a restart: take back every session the store says is live. */
void
session_adopt_all(void)
{
	sqlite3_stmt	*st;
	struct session	*s;
	struct stat	 sb;
	uint64_t	 last_seq, last_hoff;
	char		*cause;
	struct timeval	 tv = { SESSION_FLUSH_MS / 1000, (SESSION_FLUSH_MS % 1000) * 1000 };
	int		 mode;

	if (sqlite3_prepare_v2(agentd_db, "SELECT id, name, agent_type,"
	    " working_directory, permission_mode, pid, cols, rows, reset_seq, transport,"
	    " coalesce(max_cost_usd, 0), coalesce(max_tokens, 0), capped IS NOT NULL,"
	    " trust_folder FROM sessions WHERE ended IS NULL ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		fatalx("sqlite: %s", sqlite3_errmsg(agentd_db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		mode = agd_mode_parse((const char *)sqlite3_column_text(st, 4));
		s = session_alloc(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), mode < 0 ? 0 : mode);
		s->pid = sqlite3_column_int(st, 5);
		s->cols = sqlite3_column_int(st, 6);
		s->rows = sqlite3_column_int(st, 7);
		s->reset_seq = (uint64_t)sqlite3_column_int64(st, 8);
		if (sqlite3_column_text(st, 9) != NULL && session_transport_parse(
		    (const char *)sqlite3_column_text(st, 9)) == SESSION_STREAM)
			s->transport = SESSION_STREAM;
		s->max_cost = sqlite3_column_double(st, 10);
		s->max_tokens = sqlite3_column_int64(st, 11);
		if (sqlite3_column_int(st, 12))
			s->flags |= SESSION_CAPPED;
		if (sqlite3_column_int(st, 13))
			s->flags |= SESSION_TRUSTED;
		if (stat(s->cwd, &sb) == 0) {
			s->cwd_dev = sb.st_dev;
			s->cwd_ino = sb.st_ino;
		} else
			s->flags &= ~SESSION_TRUSTED;
		s->state = s->pid > 0 ? SESSION_RUNNING : SESSION_STARTING;
		s->flags |= SESSION_ADOPTED;
		if (agd_seqlog_open(&s->log, s->dir, agentd_conf->log_max_bytes,
		    &last_seq, &last_hoff, &cause) == -1) {
			log_warnx("session %s: %s", s->name, cause);
			free(cause);
			persist_ended(s->id, "exited", 0, 0, "log_unreadable");
			session_free(s);
			continue;
		}
		s->seq = last_seq;
		s->hoff = last_hoff;
		spawn_session_key(s, 0);
		session_notify_launch(s, NULL, NULL);
		TAILQ_INSERT_TAIL(&sessions, s, entry);
		session_total++;
		session_holder_adopt(s);
	}
	sqlite3_finalize(st);

	session_flush_ev = event_new(agentd_base, -1, EV_PERSIST, session_flush_cb, NULL);
	event_add(session_flush_ev, &tv);
}

/* At daemon exit: free every session object (the agents keep running). */
void
session_shutdown(void)
{
	struct session	*s;

	session_flush_all();
	while ((s = TAILQ_FIRST(&sessions)) != NULL) {
		TAILQ_REMOVE(&sessions, s, entry);
		session_free(s);
	}
	while ((s = TAILQ_FIRST(&retired)) != NULL) {
		TAILQ_REMOVE(&retired, s, entry);
		session_free(s);
	}
	if (session_flush_ev != NULL)
		event_free(session_flush_ev);
	session_flush_ev = NULL;
	session_watch_free_all();
}
