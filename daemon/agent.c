/*
 * The agent engine (see agent.h): one normalized status and event schema for the
 * real agent programs, whatever each reports in its own way. The kinds
 * (agent-kinds.c; one agent-NAME.c each) say how to launch the program, find and
 * read its records, and read its screen; this file does the rest:
 *
 *   status     starting, idle, working, waiting_approval, with who said so;
 *   messages   queued and typed into the TUI only when it is idle, in order (the
 *              history records when each was delivered);
 *   approvals  keys sent once the agent's box is on screen, and again if lost
 *              (agent-approve.c);
 *   records    tailing the agent's JSONL records (or its own reader).
 *
 * Screen rules run on a libvterm model of the terminal and are the fallback: they
 * decide only what the agent does not report itself (readiness, dialogs,
 * approvals of an agent without hooks, state of an agent without records).
 *
 * Which kind drives a session is its type's configuration (adapter =), and a
 * session of the stream transport is driven through the kind's stream hooks
 * instead of its TUI (agent-stream.c): no screen, no keys, no records to tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "json.h"
#include "log.h"
#include "screen.h"
#include "util.h"
#include "waiter.h"
#include "xmalloc.h"

/* How often (ms) records are read and the screen rules run. */
#define AGENT_POLL_MS		200
/* Typed text, then Enter this much later (ms): a TUI may drop an Enter in a paste. */
#define AGENT_ENTER_MS		150
/* Records are read in a buffer of this size at first (doubling up to the next). */
#define AGENT_READ_START	(256 * 1024)
/* A longer record is skipped: no agent writes one this long but by mistake. */
#define AGENT_LINE_MAX		(4 * 1024 * 1024)
/* Buffers read per poll: the rest come at the next one. */
#define AGENT_READ_ROUNDS	64
/* Typed, the turn did not start this long after (ms): the Enter was lost. */
#define AGENT_ENTER_RETRY_MS	2500
/* While the agent starts, the screen rules also run this often (ms) unchanged. */
#define AGENT_START_SCREEN_MS	500
/* The typed text (its first bytes) still in the composer means the Enter was lost. */
#define AGENT_TYPED_PREFIX	24
/* Shorter, it could be anywhere on screen: no Enter is pressed again for it. */
#define AGENT_TYPED_MIN		8
/* Nor once this long (ms) has passed since it was typed. */
#define AGENT_ENTER_RETRY_MAX_MS	10000
/*
 * Idle by the agent's own report (hook, transcript) this long (ms) with no screen
 * rule confirming the composer: type anyway. A footer the rules do not know (a
 * mode, a new TUI release) must not hold delivery forever.
 */
#define AGENT_READY_WAIT_MS	3000

static const char *agent_status_names[] = {
	"starting", "idle", "working", "waiting_approval"
};

static void	agent_deliver_next(struct session *);

/* Status. */

void
agent_set(struct session *s, int status, const char *source, const char *phase,
    struct json_object *pending)
{
	struct agent		*a = s->agent;
	struct json_object	*o, *ev;
	int			 was = a->status;

	if (status != AGENT_WAITING && pending == NULL && a->pending != NULL) {
		json_object_put(a->pending);
		a->pending = NULL;
	}
	if (pending != NULL) {
		json_object_put(a->pending);
		a->pending = pending;
	}
	if (a->status == status && strcmp(a->phase, phase) == 0 && pending == NULL) {
		a->ev_detail = NULL;
		return;
	}
	if (a->status != status)
		agd_iso8601(time(NULL), a->since, sizeof a->since);
	if (status != AGENT_STARTING)
		a->started_up = 1;	/* the start dialogs are past */
	if (status == AGENT_IDLE && a->status != AGENT_IDLE)
		a->idle_ms = agd_now_ms();
	if (pending != NULL || (status == AGENT_WAITING && a->status != AGENT_WAITING)) {
		a->wait_gen++;		/* another approval: earlier answers are not its */
		a->wait_ms = agd_now_ms();
	}
	a->status = status;
	a->source = source;
	a->phase = phase;
	o = json_object_new_object();
	json_object_object_add(o, "status",
	    json_object_new_string(agent_status_names[status]));
	json_object_object_add(o, "statusSource", json_object_new_string(source));
	json_object_object_add(o, "phase", json_object_new_string(phase));
	if (a->pending != NULL)
		json_object_object_add(o, "pendingApproval", json_object_get(a->pending));
	ev = agent_evidence_json(s, source);
	persist_evidence(s->id, agd_json_text(ev, NULL));
	json_object_object_add(o, "evidence", ev);
	session_event(s, "status", o);
	agent_persist(s);
	agent_approve_timer(s, was);
	if (status == AGENT_IDLE) {
		agent_deliver_next(s);
		if (s->agent != NULL && !s->agent->delivering &&
		    s->agent->watch_idle != NULL)
			s->agent->watch_idle(s);
	}
}

void
agent_persist(struct session *s)
{
	struct agent	*a = s->agent;
	const char	*pending = NULL, *tool = NULL;

	if (a->pending != NULL)
		pending = agd_json_text(a->pending, NULL);
	if (a->last_tool != NULL)
		tool = agd_json_text(a->last_tool, NULL);
	persist_agent(s->id, agent_status_names[a->status], a->source, a->since,
	    a->phase, pending, tool, a->uuid, a->records, (int64_t)a->roff,
	    a->in, a->out, a->cread, a->cwrite, a->cost, a->pending_id);
}

/* Delivery of queued messages. */

static void
agent_enter_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	if (s->agent == NULL)
		return;
	session_keys(s, "\r");
	s->agent->delivering = 0;
}

static void
agent_keys_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	if (s->agent == NULL || s->agent->keys_later == NULL)
		return;
	session_keys(s, s->agent->keys_later);
	free(s->agent->keys_later);
	s->agent->keys_later = NULL;
}

/* 1 if the composer on the screen takes input (as the kind reads it). */
static int
agent_ready(struct agent *a)
{
	char	*text;
	int	 ready;

	if (a->kind->ready == NULL)
		return (1);
	text = screen_text(a->screen, NULL);
	ready = a->kind->ready(text);
	free(text);
	return (ready);
}

void
agent_delivered(struct session *s, struct qmsg *m, const char *via)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	o = json_object_new_object();
	if (m->seq != 0)
		json_object_object_add(o, "messageSeq", json_object_new_int64((int64_t)m->seq));
	else
		json_object_object_add(o, "command", json_object_new_string(m->text));
	json_object_object_add(o, "queued", json_object_new_int((int)!TAILQ_EMPTY(&a->queue)));
	if (via != NULL)
		json_object_object_add(o, "via", json_object_new_string(via));
	session_event(s, "delivered", o);
	if (m->debrief && a->watch_delivered != NULL)
		a->watch_delivered(s);
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
}

/* 1 if an approval is known to be open: asked for, or its box on the screen. */
static int
agent_box_open(struct agent *a)
{
	char	*text;
	int	 open, edits;

	if (a->pending != NULL)
		return (1);
	if (a->kind->approval_box == NULL && a->kind->edits_box == NULL)
		return (0);
	text = screen_text(a->screen, NULL);
	open = agent_box_find(a->kind, text, &edits) != NULL;
	free(text);
	return (open);
}

void
agent_deliver_queued(struct session *s)
{
	agent_deliver_next(s);
}

/* A control character (C0 or DEL): typed, a key of its own. */
#define AGENT_CONTROL(c)	((c) < 0x20 || (c) == 0x7f)

/*
 * Type text into the TUI. A text of several lines goes as one bracketed paste
 * when the program asked for that (claude and codex do): typed as keys, each
 * newline could be an Enter, and only the TUI's guess that fast keys are a paste
 * keeps them in the composer. Its ESC characters are dropped, pasted or not,
 * and typed as keys its other control characters but tab and newline (not for
 * a plain terminal, whose messages are its input as it comes): with them the
 * text could end the paste (ESC [201~) and type the rest as keys, or press keys
 * of the TUI's own (Esc denies its box, arrows walk its menus, CR submits, ^C
 * interrupts). 0, or -1: the input queue is full.
 */
static int
agent_type_text(struct session *s, const char *text)
{
	static const char	 start[] = "\x1b[200~", end[] = "\x1b[201~";
	const char		*p;
	char			*buf;
	size_t			 len = strlen(text), n;
	int			 rc, paste;
	unsigned char		 c;

	paste = strchr(text, '\n') != NULL && screen_paste_mode(s->agent->screen);
	if (s->agent->plain)
		return (session_input(s, text, len));
	buf = xmalloc(len + sizeof start + sizeof end);
	n = 0;
	if (paste) {
		memcpy(buf, start, sizeof start - 1);
		n = sizeof start - 1;
	}
	for (p = text; *p != '\0'; p++) {
		c = (unsigned char)*p;
		/* Typed as keys, a control character is one (Enter, ^C, backspace). */
		if (c == 0x1b || (!paste && AGENT_CONTROL(c) && c != '\t' && c != '\n'))
			continue;
		buf[n++] = *p;
	}
	if (paste) {
		memcpy(buf + n, end, sizeof end - 1);
		n += sizeof end - 1;
	}
	rc = session_input(s, buf, n);
	free(buf);
	return (rc);
}

int
agent_text_typeable(struct session *s, const char *text)
{
	const unsigned char	*p;

	if (s->agent == NULL || s->agent->plain || s->transport == SESSION_STREAM)
		return (1);
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (!AGENT_CONTROL(*p))
			return (1);
	}
	return (0);
}

static void
agent_deliver_next(struct session *s)
{
	struct agent		*a = s->agent;
	struct qmsg		*m;
	struct timeval		 tv = { 0, AGENT_ENTER_MS * 1000 };
	const char		*via = NULL;

	if (a->delivering || (m = TAILQ_FIRST(&a->queue)) == NULL ||
	    s->state != SESSION_RUNNING || (s->flags & SESSION_CAPPED))
		return;
	/* No sign of the agent at its start: as it comes, unless an approval is open. */
	if (a->plain && agent_box_open(a))
		return;
	if (!a->plain && a->status != AGENT_IDLE)
		return;
	if (s->transport == SESSION_STREAM) {
		TAILQ_REMOVE(&a->queue, m, entry);
		agent_stream_deliver(s, m);
		free(m->text);
		free(m);
		return;
	}
	/*
	 * Idle by its own report is not enough: the composer must show it takes
	 * input. Unless no screen rule confirms it in a bounded time after the
	 * agent's own channel said idle: then type anyway ("via": "fallback").
	 */
	if (a->plain)
		via = "plain";
	else if (!agent_ready(a)) {
		if (strcmp(a->source, "screen") == 0 ||
		    agd_now_ms() - a->idle_ms < AGENT_READY_WAIT_MS)
			return;		/* the poll comes back */
		via = "fallback";
	} else if (a->kind->ready != NULL)
		via = "screen";
	/* A terminal that reads nothing, its queue full of input: it stays queued. */
	if (agent_type_text(s, m->text) == -1)
		return;		/* the poll comes back */
	TAILQ_REMOVE(&a->queue, m, entry);
	a->delivering = 1;
	a->delivered_ms = agd_now_ms();
	a->turn_seen = 0;
	a->enter_retried = 0;
	free(a->last_text);
	a->last_text = xstrndup(m->text, AGENT_TYPED_PREFIX);
	evtimer_add(a->enter_ev, &tv);
	agent_delivered(s, m, via);
	free(m->text);
	free(m);
}

static void
agent_queue(struct session *s, const char *text, uint64_t seq, int debrief)
{
	struct qmsg	*m;

	m = xcalloc(1, sizeof *m);
	m->text = xstrdup(text);
	m->seq = seq;
	m->debrief = debrief;
	TAILQ_INSERT_TAIL(&s->agent->queue, m, entry);
	agent_deliver_next(s);
}

/* Records: read new complete lines. */

/* Each complete line of buf (have bytes) through kind->line; returns the bytes used. */
static size_t
agent_lines(struct session *s, char *buf, size_t have)
{
	struct agent		*a = s->agent;
	struct json_object	*rec;
	char			*p, *nl, *cause;

	for (p = buf; (nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl > p && (rec = agd_json_parse(p, (size_t)(nl - p), &cause)) != NULL) {
			if (json_object_is_type(rec, json_type_object))
				a->kind->line(s, a, rec);
			json_object_put(rec);
		} else if (nl > p)
			free(cause);
		if (s->agent == NULL)
			break;
	}
	return ((size_t)(p - buf));
}

void
agent_read_records(struct session *s)
{
	struct agent	*a = s->agent;
	char		*buf;
	ssize_t		 n;
	size_t		 have = 0, used, cap = AGENT_READ_START;
	int		 fd, rounds;

	if (a->records == NULL)
		return;
	if (a->kind->read != NULL) {
		a->kind->read(s, a);
		return;
	}
	if ((fd = open(a->records, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	buf = xmalloc(cap + 1);
	for (rounds = 0; rounds < AGENT_READ_ROUNDS; rounds++) {
		n = pread(fd, buf + have, cap - have, a->roff + (off_t)have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		used = agent_lines(s, buf, have);
		if (s->agent == NULL) {
			free(buf);
			close(fd);
			return;		/* the line ended the session's agent */
		}
		a->roff += (off_t)used;
		have -= used;
		memmove(buf, buf + used, have);
		if (have == cap) {
			/* A line longer than we keep: skip it. */
			if (cap >= AGENT_LINE_MAX) {
				a->roff += (off_t)have;
				have = 0;
			} else {
				cap *= 2;
				buf = xrealloc(buf, cap + 1);
			}
		}
	}
	free(buf);
	close(fd);
	agent_persist(s);
}

int
agent_records_taken(struct session *self, const char *path)
{
	struct session	*s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s != self && s->agent != NULL && s->agent->records != NULL &&
		    strcmp(s->agent->records, path) == 0)
			return (1);
	}
	return (0);
}

/* The loop's part: find and read records, run screen rules. */

/*
 * Typed, but the turn did not start and the text still sits in the composer:
 * the Enter was lost (the TUI was busy for a moment). Press it once more.
 */
static void
agent_enter_retry(struct session *s)
{
	struct agent	*a = s->agent;
	char		*text, *first;
	size_t		 line;

	if (a->delivered_ms == 0 || a->delivering || a->turn_seen || a->enter_retried ||
	    a->status != AGENT_WORKING || agd_now_ms() - a->delivered_ms <= AGENT_ENTER_RETRY_MS ||
	    agd_now_ms() - a->delivered_ms > AGENT_ENTER_RETRY_MAX_MS || a->last_text == NULL)
		return;
	/*
	 * Its first line (a composer shows the next ones apart), long enough not
	 * to be found anywhere on a screen by chance.
	 */
	line = strcspn(a->last_text, "\r\n");
	if (line < AGENT_TYPED_MIN)
		return;
	first = xstrndup(a->last_text, line);
	text = screen_text(a->screen, NULL);
	if (strstr(text, first) != NULL && a->kind->ready != NULL &&
	    a->kind->ready(text)) {
		a->enter_retried = 1;
		session_keys(s, "\r");
		agent_event(s, "enter_retried", NULL, NULL, "screen");
	}
	free(first);
	free(text);
}

static void
agent_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct agent	*a = s->agent;
	char		*text;

	(void)fd;
	(void)what;
	if (a == NULL)
		return;
	agent_start_check(s);
	if (s->agent == NULL)
		return;
	if (s->transport == SESSION_STREAM) {
		agent_deliver_next(s);
		return;
	}
	if (a->records == NULL && a->kind->find != NULL)
		a->kind->find(s, a);
	agent_read_records(s);
	if (s->agent == NULL)
		return;
	agent_approve_send(s);
	agent_wait_check(s);
	if (s->agent == NULL)
		return;
	agent_deliver_next(s);
	if (s->agent == NULL)
		return;
	agent_enter_retry(s);
	if (s->agent == NULL)
		return;
	/*
	 * The screen rules run when the screen changed, twice a second while the
	 * agent starts (a dialog waits for keys without drawing anything), and
	 * once a box answered may be asked for again (agent_box_stale).
	 */
	if (a->box_stale_ms != 0 && !agent_box_stale(a, 1))
		a->screen_dirty = 1;
	if (a->kind->screen != NULL && (a->screen_dirty ||
	    (a->status == AGENT_STARTING &&
	    agd_now_ms() - a->screen_ms >= AGENT_START_SCREEN_MS))) {
		a->screen_dirty = 0;
		a->screen_ms = agd_now_ms();
		text = screen_text(a->screen, NULL);
		a->kind->screen(s, a, text);
		free(text);
	}
}

static void	agent_spawn_spec(struct session *, struct spawn_spec *);

/* What a session tells the adapters (agent_init subscribes to every session). */
static void
agent_session_note(struct session *s, const struct session_note *n, void *arg)
{
	(void)arg;
	switch (n->type) {
	case SESSION_NOTE_LAUNCH:
		agent_attach(s, n->argv, n->adopted);
		if (n->spec != NULL)
			agent_spawn_spec(s, n->spec);
		break;
	case SESSION_NOTE_OUTPUT:
		agent_output(s, n->data, n->len);
		break;
	case SESSION_NOTE_LINE:
		*n->taken |= agent_stream_line(s, n->data, n->len);
		break;
	case SESSION_NOTE_FULL:
		*n->taken |= agent_queue_full(s);
		break;
	case SESSION_NOTE_MESSAGE:
		*n->taken = agent_submit(s, n->data, n->seq);
		break;
	case SESSION_NOTE_RESIZE:
		agent_resize(s, n->cols, n->rows);
		break;
	case SESSION_NOTE_ENDING:
		agent_ended(s);
		break;
	case SESSION_NOTE_FREED:
		agent_detach(s);
		break;
	default:
		break;
	}
}

void
agent_init(void)
{
	session_subscribe_all(SESSION_SUB_AGENT, agent_session_note, NULL);
	session_set_install_hint(agent_install_hint);
}

/* What the session's agent kind needs of its sandbox and environment (zero: none). */
static void
agent_spawn_spec(struct session *s, struct spawn_spec *spec)
{
	const struct agent_kind	*k;

	memset(spec, 0, sizeof *spec);
	/* Every kind's (its config may be writable in another's session, a plain one's). */
	spec->home_ro = agent_home_ro_all();
	if (s->agent == NULL)
		return;
	k = s->agent->kind;
	spec->env_keys = k->env_keys;
	spec->home_rw = k->home_rw;
	spec->home_tmp = k->home_tmp;
	spec->session_ro = k->session_ro;
	spec->session_rw = k->session_rw;
	/* A stream has no hooks (its channel is its pipes): no socket for them. */
	spec->hooks = k->hooks && s->transport != SESSION_STREAM;
	spec->sandbox_env = k->sandbox_env;
}

void
agent_attach(struct session *s, char ***argvp, int adopted)
{
	const struct agent_kind	*k;
	struct agent		*a;
	struct timeval		 tv = { 0, AGENT_POLL_MS * 1000 };
	char			*name;

	if (s->flags & SESSION_OWN_CMD) {
		/* The daemon's own program (a remote worker's loop), not the agent. */
		if (!adopted)
			persist_adapter(s->id, "none");
		return;
	}
	if (!adopted) {
		k = agent_kind_for(s->agent_type);
		persist_adapter(s->id, k != NULL ? k->name : "none");
	} else if ((name = persist_adapter_load(s->id)) != NULL) {
		/*
		 * Re-adoption: by the adapter that started it, not by what the config
		 * says now (its rules must be the running program's).
		 */
		k = agent_kind_named(name);
		if (k == NULL && strcmp(name, "none") != 0)
			log_info("session %s: adapter %s unknown here: a plain terminal",
			    s->name, name);
		free(name);
	} else if (persist_is_remote(s->id))
		return;			/* a worker on another machine: a plain terminal */
	else {
		/* An older agentd's: as its type says (a type no longer configured: plain). */
		if (agd_conf_agent(agentd_conf, s->agent_type) == NULL)
			return;
		k = agent_kind_for(s->agent_type);
	}
	if (k == NULL)
		return;
	a = xcalloc(1, sizeof *a);
	a->kind = k;
	a->status = AGENT_STARTING;
	a->source = "daemon";
	a->phase = "starting";
	agd_iso8601(time(NULL), a->since, sizeof a->since);
	a->started = time(NULL);
	a->screen = screen_new(s->rows, s->cols);
	TAILQ_INIT(&a->queue);
	a->poll_ev = event_new(agentd_base, -1, EV_PERSIST, agent_poll_cb, s);
	a->enter_ev = evtimer_new(agentd_base, agent_enter_cb, s);
	a->keys_ev = evtimer_new(agentd_base, agent_keys_cb, s);
	a->turned = adopted;
	s->agent = a;
	if (!adopted && s->transport == SESSION_STREAM && k->stream_prepare != NULL)
		k->stream_prepare(s, a, argvp);
	else if (!adopted && s->transport != SESSION_STREAM && k->prepare != NULL)
		k->prepare(s, a, argvp);
	if (adopted)
		agent_restore(s);	/* what it had: ids, usage, an open approval */
	event_add(a->poll_ev, &tv);
	if (!adopted)
		agent_persist(s);
	if (s->transport == SESSION_STREAM && k->stream_start != NULL)
		k->stream_start(s, a);
}

void
agent_detach(struct session *s)
{
	struct agent	*a = s->agent;
	struct qmsg	*m;

	if (a == NULL)
		return;
	while ((m = TAILQ_FIRST(&a->queue)) != NULL) {
		TAILQ_REMOVE(&a->queue, m, entry);
		free(m->text);
		free(m);
	}
	event_free(a->poll_ev);
	event_free(a->enter_ev);
	event_free(a->keys_ev);
	if (a->approve_timer != NULL)
		event_free(a->approve_timer);
	if (a->hook_waiter != NULL) {
		waiter_hold(a->hook_waiter, NULL, NULL);
		waiter_reply(a->hook_waiter, 200, json_object_new_object());
	}
	free(a->keys_later);
	free(a->last_text);
	agent_approve_free(a);
	screen_free(a->screen);
	json_object_put(a->pending);
	json_object_put(a->last_tool);
	if (a->priv != NULL && a->kind->free != NULL)
		a->kind->free(a->priv);
	free(a->uuid);
	free(a->records);
	free(a->pending_id);
	free(a);
	s->agent = NULL;
}

void
agent_running(struct session *s)
{
	(void)s;
}

void
agent_output(struct session *s, const void *p, size_t n)
{
	if (s->agent == NULL || s->transport == SESSION_STREAM)
		return;		/* a stream's output is our rendering: no screen */
	screen_feed(s->agent->screen, p, n);
	s->agent->screen_dirty = 1;
	s->agent->out_bytes += n;
}

int
agent_submit(struct session *s, const char *text, uint64_t seq)
{
	if (s->agent == NULL)
		return (0);
	agent_queue(s, text, seq, 0);
	return (1);
}

int
agent_queue_length(struct session *s)
{
	struct qmsg	*m;
	int		 n = 0;

	if (s->agent == NULL)
		return (0);
	TAILQ_FOREACH(m, &s->agent->queue, entry) {
		if (m->seq != 0)
			n++;	/* a message; the daemon's own commands are not counted */
	}
	return (n);
}

int
agent_queue_full(struct session *s)
{
	return (agent_queue_length(s) >= agentd_conf->message_queue_max);
}

void
agent_submit_command(struct session *s, const char *text, int debrief)
{
	if (s->agent != NULL)
		agent_queue(s, text, 0, debrief);
}

void
agent_reset(struct session *s)
{
	struct agent	*a = s->agent;

	if (a == NULL)
		return;
	/*
	 * The screen model mirrors the real terminal, which a reset does not clear
	 * (new viewers start after the reset; the TUI redraws on its command).
	 */
	if (s->transport == SESSION_STREAM) {
		if (a->kind->stream_reset != NULL)
			a->kind->stream_reset(s, a);
		return;
	}
	if (a->kind->reset_cmd != NULL)
		agent_queue(s, a->kind->reset_cmd, 0, 0);
}

void
agent_watch(struct session *s, void (*delivered)(struct session *),
    void (*idle)(struct session *))
{
	if (s->agent == NULL)
		return;
	s->agent->watch_delivered = delivered;
	s->agent->watch_idle = idle;
}

void
agent_resize(struct session *s, int cols, int rows)
{
	if (s->agent != NULL)
		screen_resize(s->agent->screen, rows, cols);
}

void
agent_ended(struct session *s)
{
	if (s->agent == NULL)
		return;
	if (s->agent->records == NULL && s->agent->kind->find != NULL)
		s->agent->kind->find(s, s->agent);
	agent_read_records(s);
}
