/*
 * Agent adapters (see agent.h). Each real agent program reports what it does in
 * its own way; this file turns that into one normalized event schema and one
 * status:
 *
 *   claude    hooks (--settings with command hooks that call `agentd hook`) for
 *             status and approvals; its live transcript JSONL for messages, tool
 *             use and usage.
 *   codex     its rollout JSONL for messages, tool use, turns and usage; the screen
 *             for approvals (the rollout does not record a pending one).
 *   openclaw  its session store (SQLite transcript_events) for messages and tool
 *             use; the screen for readiness and working/idle.
 *
 * Screen rules run on a libvterm model of the terminal and are the fallback: they
 * decide only what the agent does not report itself (readiness, dialogs, codex
 * approvals, openclaw's state). They are versioned with the CLI versions they were
 * written against.
 *
 * Messages are queued and typed into the TUI only when it is idle, in order; the
 * history records when each was delivered.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agentd.h"
#include "json.h"
#include "log.h"
#include "screen.h"
#include "util.h"
#include "xmalloc.h"

#define AGENT_POLL_MS		200
#define AGENT_ENTER_MS		150		/* typed text, then Enter */
#define AGENT_LINE_MAX		(4 * 1024 * 1024)
#define AGENT_RAW_MAX		(64 * 1024)	/* larger records are summarized */

#define AGENT_STARTING		0
#define AGENT_IDLE		1
#define AGENT_WORKING		2
#define AGENT_WAITING		3

static const char *agent_status_names[] = {
	"starting", "idle", "working", "waiting_approval"
};

struct agent;

struct agent_kind {
	const char	*prog;
	const char	*rules;		/* screen rules version */
	const char	*reset_cmd;
	const char	*allow_keys;
	const char	*deny_keys;
	void		(*prepare)(struct session *, struct agent *, char ***);
	void		(*find)(struct session *, struct agent *);
	void		(*line)(struct session *, struct agent *, struct json_object *);
	void		(*screen)(struct session *, struct agent *, const char *);
	int		(*ready)(const char *);	/* the composer takes input */
	const char	*approval_box;		/* on screen while a prompt waits */
};

struct qmsg {
	char			*text;
	uint64_t		 seq;		/* its message event; 0 for commands */
	int			 debrief;	/* the pre-kill debrief prompt */
	TAILQ_ENTRY(qmsg)	 entry;
};

struct agent {
	const struct agent_kind	*kind;
	struct screen		*screen;
	int			 screen_dirty;
	int			 hooks;		/* the agent's hooks report */
	uint64_t		 screen_ms;	/* last run of the screen rules */
	struct event		*poll_ev;
	struct event		*enter_ev;
	time_t			 started;

	int			 status;
	const char		*source;
	const char		*phase;
	char			 since[32];
	struct json_object	*pending;	/* the approval asked for */
	struct json_object	*last_tool;

	TAILQ_HEAD(, qmsg)	 queue;
	int			 delivering;
	int			 turn_seen;	/* the agent started a turn since the last delivery */
	char			*last_text;	/* the last text typed, to check it went in */
	int			 enter_retried;
	const char		*approve_keys;	/* an answer waiting for its box */
	int			 approve_allow;
	uint64_t		 approve_ms;
	uint64_t		 approve_seen_ms;	/* the box first seen */
	const char		*approve_sent;	/* sent: checked it was taken */
	uint64_t		 approve_sent_ms;
	int			 approve_retries;
	uint64_t		 delivered_ms;

	char			*uuid;		/* the agent's own session id */
	char			*settings;
	char			*transcript;
	off_t			 toff;
	char			*last_msg_id;	/* usage is counted once per message */
	int64_t			 in, out, cread, cwrite;
	double			 cost;
	uint64_t		 answered_ms;	/* last keys sent to a dialog */
	struct event		*keys_ev;	/* keys to send a moment later */
	char			*keys_later;
};

static void	agent_deliver_next(struct session *);
static void	agent_persist(struct session *);
static void	openclaw_read_rows(struct session *);
static void	agent_approve_send(struct session *);

/* Helpers. */

static char *
agent_home_path(const char *rel)
{
	const char	*home = getenv("HOME");
	char		*p;

	xasprintf(&p, "%s/%s", home != NULL ? home : "/", rel);
	return (p);
}

static char *
agent_uuid(void)
{
	unsigned char	b[16];
	char		*s;
	int		 fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1 ||
	    read(fd, b, sizeof b) != (ssize_t)sizeof b)
		fatal("urandom");
	close(fd);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	xasprintf(&s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
	    b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return (s);
}

/* The agent's original record, or a summary of it when it is large. */
static struct json_object *
agent_raw(struct json_object *rec)
{
	struct json_object	*o;
	size_t			 len;

	agd_json_text(rec, &len);
	if (len <= AGENT_RAW_MAX)
		return (json_object_get(rec));
	o = json_object_new_object();
	json_object_object_add(o, "truncated", json_object_new_boolean(1));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)len));
	return (o);
}

static const char *
agent_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

static struct json_object *
agent_obj(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (v);
}

static int64_t
agent_int(struct json_object *o, const char *key)
{
	struct json_object	*v = agent_obj(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return (0);
	return (json_object_get_int64(v));
}

/* A normalized event with the agent's record under "raw". Takes fields. */
static void
agent_event(struct session *s, const char *type, struct json_object *fields,
    struct json_object *raw, const char *via)
{
	if (fields == NULL)
		fields = json_object_new_object();
	json_object_object_add(fields, "agent",
	    json_object_new_string(s->agent->kind->prog));
	json_object_object_add(fields, "via", json_object_new_string(via));
	if (raw != NULL)
		json_object_object_add(fields, "raw", agent_raw(raw));
	session_event(s, type, fields);
}

static void
agent_keys_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)what;
	if (s->agent == NULL || s->agent->keys_later == NULL)
		return;
	session_input(s, s->agent->keys_later, strlen(s->agent->keys_later));
	free(s->agent->keys_later);
	s->agent->keys_later = NULL;
}

/*
 * Answer a dialog of the agent the way the API call asked: first keys now (e.g.
 * move to the option), then keys a moment later (Enter), as a person would.
 * 0 if a recent answer is still being processed.
 */
static int
agent_answer(struct session *s, const char *now, const char *later)
{
	struct agent	*a = s->agent;
	struct timeval	 tv = { 0, AGENT_ENTER_MS * 1000 };
	uint64_t	 ms = agd_now_ms();

	if (a->answered_ms != 0 && ms - a->answered_ms < 500)
		return (0);
	a->answered_ms = ms;
	session_input(s, now, strlen(now));
	if (later != NULL) {
		free(a->keys_later);
		a->keys_later = xstrdup(later);
		evtimer_add(a->keys_ev, &tv);
	}
	return (1);
}

/* The screen line that holds option, or NULL. */
static const char *
agent_line_of(const char *text, const char *option, size_t *len)
{
	const char	*p, *b, *e;

	if ((p = strstr(text, option)) == NULL)
		return (NULL);
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	*len = e != NULL ? (size_t)(e - b) : strlen(b);
	return (b);
}

/* 1 if the selection marker stands on the line of option. */
static int
agent_selected(const char *text, const char *option)
{
	const char	*b;
	size_t		 len;

	if ((b = agent_line_of(text, option, &len)) == NULL)
		return (0);
	return (memmem(b, len, "\xe2\x9d\xaf", 3) != NULL ||	/* ❯ */
	    memmem(b, len, "\xe2\x80\xba", 3) != NULL);		/* › */
}

static void	agent_dialog(struct session *, const char *);

/*
 * A selection dialog showing both options: walk the cursor to want and confirm it.
 * 1 if the dialog is on screen (and handled), 0 if not.
 */
static int
agent_choose(struct session *s, const char *text, const char *other,
    const char *want, const char *which)
{
	if (strstr(text, other) == NULL || strstr(text, want) == NULL)
		return (0);
	if (agent_selected(text, want)) {
		if (agent_answer(s, "\r", NULL))
			agent_dialog(s, which);
	} else
		agent_answer(s, "\x1b[B", NULL);
	return (1);
}

/* A dialog of the agent that agentd answered the way the API call asked. */
static void
agent_dialog(struct session *s, const char *which)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "dialog", json_object_new_string(which));
	json_object_object_add(o, "answer", json_object_new_string("accepted"));
	agent_event(s, "dialog", o, NULL, "screen");
}

/* Status. */

static void
agent_set(struct session *s, int status, const char *source, const char *phase,
    struct json_object *pending)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	if (status != AGENT_WAITING && pending == NULL && a->pending != NULL) {
		json_object_put(a->pending);
		a->pending = NULL;
	}
	if (pending != NULL) {
		json_object_put(a->pending);
		a->pending = pending;
	}
	if (a->status == status && strcmp(a->phase, phase) == 0 && pending == NULL)
		return;
	if (a->status != status)
		agd_iso8601(time(NULL), a->since, sizeof a->since);
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
	session_event(s, "status", o);
	agent_persist(s);
	if (status == AGENT_IDLE) {
		agent_deliver_next(s);
		if (s->agent != NULL && !s->agent->delivering)
			debrief_idle(s);
	}
}

static void
agent_persist(struct session *s)
{
	struct agent	*a = s->agent;
	const char	*pending = NULL, *tool = NULL;

	if (a->pending != NULL)
		pending = agd_json_text(a->pending, NULL);
	if (a->last_tool != NULL)
		tool = agd_json_text(a->last_tool, NULL);
	persist_agent(s->id, agent_status_names[a->status], a->source, a->since,
	    a->phase, pending, tool, a->uuid, a->transcript, (int64_t)a->toff,
	    a->in, a->out, a->cread, a->cwrite, a->cost);
}

static void
agent_usage(struct session *s, int64_t in, int64_t out, int64_t cread, int64_t cwrite,
    double cost, struct json_object *raw)
{
	struct agent		*a = s->agent;
	struct json_object	*o, *t;

	if (in == 0 && out == 0 && cread == 0 && cwrite == 0 && cost == 0)
		return;
	a->in += in;
	a->out += out;
	a->cread += cread;
	a->cwrite += cwrite;
	a->cost += cost;
	o = json_object_new_object();
	json_object_object_add(o, "inputTokens", json_object_new_int64(in));
	json_object_object_add(o, "outputTokens", json_object_new_int64(out));
	json_object_object_add(o, "cacheReadTokens", json_object_new_int64(cread));
	json_object_object_add(o, "cacheWriteTokens", json_object_new_int64(cwrite));
	json_object_object_add(o, "costUsd", json_object_new_double(cost));
	t = json_object_new_object();
	json_object_object_add(t, "inputTokens", json_object_new_int64(a->in));
	json_object_object_add(t, "outputTokens", json_object_new_int64(a->out));
	json_object_object_add(t, "cacheReadTokens", json_object_new_int64(a->cread));
	json_object_object_add(t, "cacheWriteTokens", json_object_new_int64(a->cwrite));
	json_object_object_add(t, "costUsd", json_object_new_double(a->cost));
	json_object_object_add(o, "total", t);
	agent_event(s, "usage", o, raw, "transcript");
	agent_persist(s);
}

static void
agent_tool_use(struct session *s, const char *tool, struct json_object *input,
    const char *id, struct json_object *raw, const char *via)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "tool", json_object_new_string(tool));
	json_object_object_add(o, "input", input != NULL ? json_object_get(input) : NULL);
	json_object_object_add(o, "id", id != NULL ? json_object_new_string(id) : NULL);
	json_object_put(a->last_tool);
	a->last_tool = json_object_new_object();
	json_object_object_add(a->last_tool, "tool", json_object_new_string(tool));
	json_object_object_add(a->last_tool, "input",
	    input != NULL ? json_object_get(input) : NULL);
	agent_event(s, "tool_use", o, raw, via);
}

static void
agent_text_event(struct session *s, const char *type, const char *text,
    struct json_object *raw, const char *via)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "text", json_object_new_string(text));
	agent_event(s, type, o, raw, via);
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
	session_input(s, "\r", 1);
	s->agent->delivering = 0;
}

static void
agent_deliver_next(struct session *s)
{
	struct agent		*a = s->agent;
	struct qmsg		*m;
	struct json_object	*o;
	struct timeval		 tv = { 0, AGENT_ENTER_MS * 1000 };

	char			*text;
	int			 ready = 1;

	if (a->status != AGENT_IDLE || a->delivering ||
	    (m = TAILQ_FIRST(&a->queue)) == NULL || s->state != SESSION_RUNNING)
		return;
	/* Idle by its own report is not enough: the composer must show it takes input. */
	if (a->kind->ready != NULL) {
		text = screen_text(a->screen, NULL);
		ready = a->kind->ready(text);
		free(text);
	}
	if (!ready)
		return;			/* the poll comes back */
	TAILQ_REMOVE(&a->queue, m, entry);
	a->delivering = 1;
	a->delivered_ms = agd_now_ms();
	a->turn_seen = 0;
	a->enter_retried = 0;
	free(a->last_text);
	a->last_text = xstrndup(m->text, 24);
	session_input(s, m->text, strlen(m->text));
	evtimer_add(a->enter_ev, &tv);
	o = json_object_new_object();
	if (m->seq != 0)
		json_object_object_add(o, "messageSeq", json_object_new_int64((int64_t)m->seq));
	else
		json_object_object_add(o, "command", json_object_new_string(m->text));
	json_object_object_add(o, "queued", json_object_new_int((int)!TAILQ_EMPTY(&a->queue)));
	session_event(s, "delivered", o);
	if (m->debrief)
		debrief_delivered(s);
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
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

/* Transcripts: read new complete lines. */

static void
agent_read_lines(struct session *s)
{
	struct agent		*a = s->agent;
	struct json_object	*rec;
	char			*buf, *p, *nl, *cause;
	ssize_t			 n;
	size_t			 have = 0, cap = 256 * 1024;
	int			 fd, rounds;

	if (a->transcript == NULL)
		return;
	if (strcmp(a->kind->prog, "openclaw") == 0) {
		openclaw_read_rows(s);
		return;
	}
	if ((fd = open(a->transcript, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	buf = xmalloc(cap + 1);
	for (rounds = 0; rounds < 64; rounds++) {
		n = pread(fd, buf + have, cap - have, a->toff + (off_t)have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		for (p = buf; (nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL;
		    p = nl + 1) {
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
		a->toff += p - buf;
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == cap) {
			/* A line longer than we keep: skip it. */
			if (cap >= AGENT_LINE_MAX) {
				a->toff += (off_t)have;
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

/*
 * The content blocks of an assistant message: text, and tool calls of type
 * tool_type whose input is under input_key (claude: tool_use/input, openclaw:
 * toolCall/arguments).
 */
static void
agent_assistant_blocks(struct session *s, struct json_object *content,
    struct json_object *rec, const char *tool_type, const char *input_key)
{
	struct json_object	*it;
	const char		*t;
	size_t			 i;

	if (content == NULL || !json_object_is_type(content, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(content); i++) {
		it = json_object_array_get_idx(content, i);
		if ((t = agent_str(it, "type")) == NULL)
			continue;
		if (strcmp(t, "text") == 0 && agent_str(it, "text") != NULL)
			agent_text_event(s, "assistant_text", agent_str(it, "text"), rec,
			    "transcript");
		else if (strcmp(t, tool_type) == 0)
			agent_tool_use(s, agent_str(it, "name") != NULL ?
			    agent_str(it, "name") : "?", agent_obj(it, input_key),
			    agent_str(it, "id"), rec, "transcript");
	}
}

/* Claude Code (rules for 2.1.x). */

static void
claude_prepare(struct session *s, struct agent *a, char ***argvp)
{
	struct json_object	*set, *hooks, *arr, *ent, *hl, *h;
	static const char	*events[] = { "SessionStart", "UserPromptSubmit",
	    "PreToolUse", "PermissionRequest", "PostToolUse", "Stop", "SessionEnd" };
	char			 self[PATH_MAX], *cmd, **argv = *argvp;
	ssize_t			 n;
	size_t			 i;
	int			 argc = 0;
	FILE			*f;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	xasprintf(&cmd, "'%s' -H '%s' hook '%s'", self, agentd_home, s->name);
	set = json_object_new_object();
	hooks = json_object_new_object();
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		arr = json_object_new_array();
		ent = json_object_new_object();
		json_object_object_add(ent, "matcher", json_object_new_string(""));
		hl = json_object_new_array();
		h = json_object_new_object();
		json_object_object_add(h, "type", json_object_new_string("command"));
		json_object_object_add(h, "command", json_object_new_string(cmd));
		json_object_object_add(h, "timeout", json_object_new_int(10));
		json_object_array_add(hl, h);
		json_object_object_add(ent, "hooks", hl);
		json_object_array_add(arr, ent);
		json_object_object_add(hooks, events[i], arr);
	}
	json_object_object_add(set, "hooks", hooks);
	/* The caller chose bypassPermissions: no second confirmation. */
	json_object_object_add(set, "skipDangerousModePermissionPrompt",
	    json_object_new_boolean(1));
	free(cmd);
	xasprintf(&a->settings, "%s/claude-settings.json", s->dir);
	if ((f = fopen(a->settings, "w")) != NULL) {
		fputs(agd_json_text(set, NULL), f);
		fclose(f);
	}
	json_object_put(set);

	a->uuid = agent_uuid();
	while (argv[argc] != NULL)
		argc++;
	argv = xreallocarray(argv, (size_t)argc + 5, sizeof *argv);
	argv[argc++] = xstrdup("--session-id");
	argv[argc++] = xstrdup(a->uuid);
	argv[argc++] = xstrdup("--settings");
	argv[argc++] = xstrdup(a->settings);
	argv[argc] = NULL;
	*argvp = argv;
}

static void
claude_find(struct session *s, struct agent *a)
{
	glob_t	 g;
	char	*pat, *base;

	(void)s;
	if (a->transcript != NULL || a->uuid == NULL)
		return;
	base = agent_home_path(".claude/projects");
	xasprintf(&pat, "%s/*/%s.jsonl", base, a->uuid);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0)
		a->transcript = xstrdup(g.gl_pathv[0]);
	globfree(&g);
	free(pat);
	free(base);
}

/* The text of a message content (a string, or an array of {type:text,text}). */
static char *
agent_content_text(struct json_object *content, const char *want)
{
	struct json_object	*it;
	const char		*t;
	char			*out = NULL, *tmp;
	size_t			 i;

	if (content == NULL)
		return (NULL);
	if (json_object_is_type(content, json_type_string))
		return (xstrdup(json_object_get_string(content)));
	if (!json_object_is_type(content, json_type_array))
		return (NULL);
	for (i = 0; i < json_object_array_length(content); i++) {
		it = json_object_array_get_idx(content, i);
		if ((t = agent_str(it, "type")) == NULL || strcmp(t, want) != 0 ||
		    (t = agent_str(it, "text")) == NULL)
			continue;
		if (out == NULL)
			out = xstrdup(t);
		else {
			xasprintf(&tmp, "%s\n%s", out, t);
			free(out);
			out = tmp;
		}
	}
	return (out);
}

static void
claude_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*msg, *content, *it, *usage, *o;
	const char		*type, *t, *id;
	size_t			 i;

	if ((type = agent_str(rec, "type")) == NULL)
		return;
	msg = agent_obj(rec, "message");
	content = agent_obj(msg, "content");
	if (strcmp(type, "user") == 0 && msg != NULL) {
		if (json_object_is_type(content, json_type_string)) {
			agent_text_event(s, "user_message", json_object_get_string(content),
			    rec, "transcript");
			return;
		}
		for (i = 0; content != NULL && json_object_is_type(content,
		    json_type_array) && i < json_object_array_length(content); i++) {
			it = json_object_array_get_idx(content, i);
			if ((t = agent_str(it, "type")) == NULL)
				continue;
			if (strcmp(t, "tool_result") == 0) {
				o = json_object_new_object();
				json_object_object_add(o, "id", json_object_new_string(
				    agent_str(it, "tool_use_id") != NULL ?
				    agent_str(it, "tool_use_id") : ""));
				json_object_object_add(o, "output",
				    json_object_get(agent_obj(it, "content")));
				json_object_object_add(o, "isError", json_object_new_boolean(
				    agent_obj(it, "is_error") != NULL &&
				    json_object_get_boolean(agent_obj(it, "is_error"))));
				agent_event(s, "tool_result", o, rec, "transcript");
			} else if (strcmp(t, "text") == 0 && agent_str(it, "text") != NULL)
				agent_text_event(s, "user_message", agent_str(it, "text"),
				    rec, "transcript");
		}
		return;
	}
	if (strcmp(type, "assistant") == 0 && msg != NULL) {
		agent_assistant_blocks(s, content, rec, "tool_use", "input");
		/* One content block per line, the same message: count usage once. */
		id = agent_str(msg, "id");
		usage = agent_obj(msg, "usage");
		if (usage != NULL && (id == NULL || a->last_msg_id == NULL ||
		    strcmp(id, a->last_msg_id) != 0)) {
			free(a->last_msg_id);
			a->last_msg_id = id != NULL ? xstrdup(id) : NULL;
			agent_usage(s, agent_int(usage, "input_tokens"),
			    agent_int(usage, "output_tokens"),
			    agent_int(usage, "cache_read_input_tokens"),
			    agent_int(usage, "cache_creation_input_tokens"),
			    json_object_get_double(agent_obj(rec, "costUSD")), rec);
		}
		return;
	}
	if (strcmp(type, "system") == 0 && (t = agent_str(rec, "subtype")) != NULL &&
	    strcmp(t, "turn_duration") == 0) {
		agent_event(s, "turn_end", NULL, rec, "transcript");
		/*
		 * The hooks say so first; this is for a session without them (and never
		 * for the end of a turn before the last delivery).
		 */
		if (!a->hooks && a->turn_seen && a->status == AGENT_WORKING)
			agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
		return;
	}
	if (strcmp(type, "error") == 0)
		agent_text_event(s, "error", agent_str(rec, "message") != NULL ?
		    agent_str(rec, "message") : "error", rec, "transcript");
}

static void
claude_screen(struct session *s, struct agent *a, const char *text)
{
	int	busy = strstr(text, "esc to interrupt") != NULL;

	/*
	 * Dialogs the API call already answered: the caller chose the folder (trust
	 * it) and the mode (accept bypass). Move the cursor to that option, and
	 * confirm once the screen shows it selected (the TUI may redraw in between).
	 */
	if (agent_choose(s, text, "No, exit", "Yes, I trust this folder", "trust") ||
	    agent_choose(s, text, "No, exit", "Yes, I accept", "bypass_permissions"))
		return;
	if (a->status == AGENT_STARTING && !busy && strstr(text, "for shortcuts") != NULL)
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	/* Approval box in a session whose hooks never reported: the screen says so. */
	if (!a->hooks && a->status == AGENT_WORKING &&
	    strstr(text, "Do you want to proceed?") != NULL)
		agent_set(s, AGENT_WAITING, "screen", "waiting_approval", NULL);
}

static void
claude_hook(struct session *s, struct agent *a, struct json_object *ev)
{
	struct json_object	*p, *o;
	const char		*name = agent_str(ev, "hook_event_name"), *tool;

	if (name == NULL)
		return;
	a->hooks = 1;
	tool = agent_str(ev, "tool_name");
	if (strcmp(name, "SessionStart") == 0) {
		agent_event(s, "agent_started", NULL, ev, "hook");
	} else if (strcmp(name, "UserPromptSubmit") == 0) {
		a->turn_seen = 1;
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "PreToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "tool_use", NULL);
	} else if (strcmp(name, "PermissionRequest") == 0) {
		p = json_object_new_object();
		json_object_object_add(p, "tool", json_object_new_string(tool != NULL ?
		    tool : "?"));
		json_object_object_add(p, "input",
		    json_object_get(agent_obj(ev, "tool_input")));
		o = json_object_new_object();
		json_object_object_add(o, "tool", json_object_new_string(tool != NULL ?
		    tool : "?"));
		json_object_object_add(o, "input",
		    json_object_get(agent_obj(ev, "tool_input")));
		agent_event(s, "permission_request", o, ev, "hook");
		agent_set(s, AGENT_WAITING, "hook", "waiting_approval", p);
	} else if (strcmp(name, "PostToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "Stop") == 0) {
		/* Read the transcript first, so the events come before the idle status. */
		agent_read_lines(s);
		agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	} else if (strcmp(name, "SessionEnd") == 0) {
		agent_event(s, "agent_ended", NULL, ev, "hook");
	}
}

/* Codex CLI (rules for 0.171). */

static void
codex_prepare(struct session *s, struct agent *a, char ***argvp)
{
	char	**argv = *argvp, *trust;
	int	  argc = 0;

	(void)a;
	/* The caller chose the folder: trust it for this run only (-c, no file). */
	xasprintf(&trust, "projects.\"%s\".trust_level=\"trusted\"", s->cwd);
	while (argv[argc] != NULL)
		argc++;
	argv = xreallocarray(argv, (size_t)argc + 3, sizeof *argv);
	argv[argc++] = xstrdup("-c");
	argv[argc++] = trust;
	argv[argc] = NULL;
	*argvp = argv;
}

/* 1 if some other live session already reads this transcript. */
static int
agent_transcript_taken(struct session *self, const char *path)
{
	struct session	*s;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s != self && s->agent != NULL && s->agent->transcript != NULL &&
		    strcmp(s->agent->transcript, path) == 0)
			return (1);
	}
	return (0);
}

static void
codex_find(struct session *s, struct agent *a)
{
	struct json_object	*rec, *payload;
	struct stat		 sb;
	glob_t			 g;
	const char		*ch, *cwd;
	char			*pat, *base = NULL, line[65536], *cause;
	size_t			 i;
	FILE			*f;

	if (a->transcript != NULL)
		return;
	if ((ch = getenv("CODEX_HOME")) != NULL && *ch != '\0')
		base = xstrdup(ch);
	else
		base = agent_home_path(".codex");
	xasprintf(&pat, "%s/sessions/*/*/*/rollout-*.jsonl", base);
	free(base);
	if (glob(pat, 0, NULL, &g) != 0) {
		free(pat);
		return;
	}
	free(pat);
	for (i = g.gl_pathc; i > 0 && a->transcript == NULL; i--) {
		const char *p = g.gl_pathv[i - 1];

		if (stat(p, &sb) == -1 || sb.st_mtime < a->started - 2 ||
		    agent_transcript_taken(s, p) || (f = fopen(p, "r")) == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL) {
			rec = agd_json_parse(line, strcspn(line, "\n"), &cause);
			if (rec == NULL)
				free(cause);
			else {
				payload = agent_obj(rec, "payload");
				if ((cwd = agent_str(payload, "cwd")) != NULL &&
				    strcmp(cwd, s->cwd) == 0)
					a->transcript = xstrdup(p);
				json_object_put(rec);
			}
		}
		fclose(f);
	}
	globfree(&g);
}

static void
codex_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*p, *args, *info, *tot;
	const char		*type, *pt, *role;
	char			*text, *cause;
	int64_t			 in, out, cread;

	if ((type = agent_str(rec, "type")) == NULL ||
	    (p = agent_obj(rec, "payload")) == NULL || (pt = agent_str(p, "type")) == NULL)
		return;
	if (strcmp(type, "response_item") == 0) {
		if (strcmp(pt, "message") == 0 && (role = agent_str(p, "role")) != NULL) {
			if (strcmp(role, "user") == 0 &&
			    (text = agent_content_text(agent_obj(p, "content"), "input_text"))
			    != NULL) {
				/* Codex adds its own context as user messages: keep the user's. */
				if (strncmp(text, "<", 1) != 0)
					agent_text_event(s, "user_message", text, rec, "transcript");
				free(text);
			} else if (strcmp(role, "assistant") == 0 &&
			    (text = agent_content_text(agent_obj(p, "content"), "output_text"))
			    != NULL) {
				agent_text_event(s, "assistant_text", text, rec, "transcript");
				free(text);
			}
		} else if (strcmp(pt, "function_call") == 0 ||
		    strcmp(pt, "custom_tool_call") == 0) {
			args = NULL;
			if (agent_str(p, "arguments") != NULL)
				args = agd_json_parse(agent_str(p, "arguments"),
				    strlen(agent_str(p, "arguments")), &cause);
			if (args == NULL && agent_str(p, "arguments") != NULL) {
				free(cause);
				args = json_object_new_string(agent_str(p, "arguments"));
			}
			agent_tool_use(s, agent_str(p, "name") != NULL ? agent_str(p, "name") :
			    "?", args, agent_str(p, "call_id"), rec, "transcript");
			json_object_put(args);
		} else if (strcmp(pt, "function_call_output") == 0 ||
		    strcmp(pt, "custom_tool_call_output") == 0) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_new_string(
			    agent_str(p, "call_id") != NULL ? agent_str(p, "call_id") : ""));
			json_object_object_add(o, "output",
			    json_object_get(agent_obj(p, "output")));
			json_object_object_add(o, "isError", json_object_new_boolean(0));
			agent_event(s, "tool_result", o, rec, "transcript");
			if (a->status == AGENT_WAITING)
				agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
		}
		return;
	}
	if (strcmp(type, "event_msg") != 0)
		return;
	if (strcmp(pt, "task_started") == 0) {
		a->turn_seen = 1;
		agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
	} else if (strcmp(pt, "task_complete") == 0) {
		agent_event(s, "turn_end", NULL, rec, "transcript");
		/* Not the end of a turn that began before the last delivery. */
		if (a->turn_seen || a->delivered_ms == 0)
			agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
	} else if (strcmp(pt, "token_count") == 0 &&
	    (info = agent_obj(p, "info")) != NULL &&
	    (tot = agent_obj(info, "total_token_usage")) != NULL) {
		/* Codex reports running totals: count the growth. */
		in = agent_int(tot, "input_tokens");
		cread = agent_int(tot, "cached_input_tokens");
		out = agent_int(tot, "output_tokens");
		agent_usage(s, in - cread - (a->in), out - a->out, cread - a->cread,
		    agent_int(tot, "cache_write_input_tokens") - a->cwrite, 0, rec);
	} else if (strcmp(pt, "error") == 0) {
		agent_text_event(s, "error", agent_str(p, "message") != NULL ?
		    agent_str(p, "message") : "error", rec, "transcript");
	}
}

static void
codex_screen(struct session *s, struct agent *a, const char *text)
{
	struct json_object	*p, *in, *o;
	const char		*cmd;
	char			*line;
	int			 busy = strstr(text, "esc to interrupt") != NULL;

	if (strstr(text, "Trust this folder") != NULL && strstr(text, "Trust and continue") != NULL) {
		if (agent_answer(s, "\r", NULL))
			agent_dialog(s, "trust");
		return;
	}
	if (a->status == AGENT_STARTING && !busy &&
	    (strstr(text, "for shortcuts") != NULL || strstr(text, "Ask Codex") != NULL))
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	if (a->status != AGENT_WAITING &&
	    strstr(text, "Would you like to run the following command?") != NULL) {
		p = json_object_new_object();
		json_object_object_add(p, "tool", json_object_new_string("exec_command"));
		in = json_object_new_object();
		if ((cmd = strstr(text, "\n  $ ")) != NULL || (cmd = strstr(text, "$ ")) != NULL) {
			cmd += cmd[0] == '\n' ? 5 : 2;
			line = xstrndup(cmd, strcspn(cmd, "\n"));
			json_object_object_add(in, "command", json_object_new_string(line));
			free(line);
		}
		json_object_object_add(p, "input", in);
		o = json_object_new_object();
		json_object_object_add(o, "tool", json_object_new_string("exec_command"));
		json_object_object_add(o, "input", json_object_get(in));
		agent_event(s, "permission_request", o, NULL, "screen");
		agent_set(s, AGENT_WAITING, "screen", "waiting_approval", p);
	} else if (a->status == AGENT_WAITING && strcmp(a->source, "screen") == 0 &&
	    strstr(text, "Would you like to run the following command?") == NULL)
		agent_set(s, AGENT_WORKING, "screen", "thinking", NULL);
}

/* OpenClaw (rules for 2026.9). */

/*
 * Each session gets its own state directory (the local TUI wants to own one
 * exclusively), reads the user's own config file, and works in the session's
 * directory (OPENCLAW_WORKSPACE_DIR).
 */
static void
openclaw_prepare(struct session *s, struct agent *a, char ***argvp)
{
	char		**argv = *argvp, **nargv, *state, *conf, *base;
	const char	*e;
	int		  argc = 0, k = 0, i;

	(void)a;
	xasprintf(&state, "%s/openclaw", s->dir);
	agd_mkdirs(state, 0700);
	if ((e = getenv("OPENCLAW_CONFIG_PATH")) != NULL && *e != '\0')
		conf = xstrdup(e);
	else if ((e = getenv("OPENCLAW_STATE_DIR")) != NULL && *e != '\0')
		xasprintf(&conf, "%s/openclaw.json", e);
	else {
		base = agent_home_path(".openclaw");
		xasprintf(&conf, "%s/openclaw.json", base);
		free(base);
	}
	while (argv[argc] != NULL)
		argc++;
	nargv = xcalloc((size_t)argc + 5, sizeof *nargv);
	nargv[k++] = xstrdup("env");
	xasprintf(&nargv[k++], "OPENCLAW_STATE_DIR=%s", state);
	xasprintf(&nargv[k++], "OPENCLAW_CONFIG_PATH=%s", conf);
	xasprintf(&nargv[k++], "OPENCLAW_WORKSPACE_DIR=%s", s->cwd);
	for (i = 0; i < argc; i++)
		nargv[k++] = argv[i];
	nargv[k] = NULL;
	free(argv);
	*argvp = nargv;
	a->transcript = NULL;
	xasprintf(&a->settings, "%s/agents/main/agent/openclaw-agent.sqlite", state);
	free(state);
	free(conf);
}

static void
openclaw_find(struct session *s, struct agent *a)
{
	(void)s;
	if (a->transcript == NULL && a->settings != NULL && access(a->settings, R_OK) == 0)
		a->transcript = xstrdup(a->settings);
}

static void
openclaw_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*msg, *content, *usage, *o;
	const char		*type, *role;
	char			*text;

	(void)a;
	if ((type = agent_str(rec, "type")) == NULL || strcmp(type, "message") != 0 ||
	    (msg = agent_obj(rec, "message")) == NULL ||
	    (role = agent_str(msg, "role")) == NULL)
		return;
	content = agent_obj(msg, "content");
	if (strcmp(role, "user") == 0) {
		if ((text = agent_content_text(content, "text")) != NULL) {
			if (strstr(text, "<<<BEGIN_OPENCLAW_INTERNAL") == NULL)
				agent_text_event(s, "user_message", text, rec, "transcript");
			free(text);
		}
	} else if (strcmp(role, "assistant") == 0) {
		agent_assistant_blocks(s, content, rec, "toolCall", "arguments");
		if ((usage = agent_obj(msg, "usage")) != NULL)
			agent_usage(s, agent_int(usage, "input"), agent_int(usage, "output"),
			    agent_int(usage, "cacheRead"), agent_int(usage, "cacheWrite"),
			    agent_obj(usage, "cost") != NULL ? json_object_get_double(
			    agent_obj(agent_obj(usage, "cost"), "total")) : 0, rec);
	} else if (strcmp(role, "toolResult") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(
		    agent_str(msg, "toolCallId") != NULL ? agent_str(msg, "toolCallId") : ""));
		json_object_object_add(o, "output", json_object_get(content));
		json_object_object_add(o, "isError", json_object_new_boolean(
		    agent_obj(msg, "isError") != NULL &&
		    json_object_get_boolean(agent_obj(msg, "isError"))));
		agent_event(s, "tool_result", o, rec, "transcript");
	}
}

/* OpenClaw keeps its transcript in SQLite: read the rows after the last one seen. */
static void
openclaw_read_rows(struct session *s)
{
	struct agent		*a = s->agent;
	struct json_object	*rec;
	sqlite3			*db;
	sqlite3_stmt		*st;
	const char		*text;
	char			*cause;
	int			 n = 0;

	if (sqlite3_open_v2(a->transcript, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, 200);
	if (sqlite3_prepare_v2(db, "SELECT rowid, event_json FROM transcript_events"
	    " WHERE rowid > ? ORDER BY rowid LIMIT 500", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)a->toff);
		while (sqlite3_step(st) == SQLITE_ROW && s->agent != NULL) {
			a->toff = (off_t)sqlite3_column_int64(st, 0);
			text = (const char *)sqlite3_column_text(st, 1);
			n++;
			if (text == NULL ||
			    (rec = agd_json_parse(text, strlen(text), &cause)) == NULL) {
				if (text != NULL)
					free(cause);
				continue;
			}
			if (json_object_is_type(rec, json_type_object))
				openclaw_line(s, a, rec);
			json_object_put(rec);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (n > 0 && s->agent != NULL)
		agent_persist(s);
}

static void
openclaw_screen(struct session *s, struct agent *a, const char *text)
{
	int	idle = strstr(text, "local ready | idle") != NULL;

	/* Just typed: the old "idle" may still be on screen for a moment. */
	if (agd_now_ms() - a->delivered_ms < 1500)
		return;
	if (idle && a->status != AGENT_IDLE)
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	else if (!idle && a->status == AGENT_IDLE && !a->delivering &&
	    (strstr(text, "streaming") != NULL || strstr(text, "| local ready") != NULL))
		agent_set(s, AGENT_WORKING, "screen", "thinking", NULL);
}

static int
claude_ready(const char *text)
{
	return (strstr(text, "for shortcuts") != NULL &&
	    strstr(text, "esc to interrupt") == NULL &&
	    strstr(text, "Do you want to proceed?") == NULL);
}

static int
codex_ready(const char *text)
{
	return ((strstr(text, "for shortcuts") != NULL || strstr(text, "Ask Codex") != NULL) &&
	    strstr(text, "esc to interrupt") == NULL &&
	    strstr(text, "Would you like to run") == NULL);
}

static int
openclaw_ready(const char *text)
{
	return (strstr(text, "local ready | idle") != NULL);
}

static const struct agent_kind agent_kinds[] = {
	{ "claude", "claude-2.1", "/clear", "\r", "\x1b",
	    claude_prepare, claude_find, claude_line, claude_screen, claude_ready,
	    "Do you want to proceed?" },
	{ "codex", "codex-0.171", "/new", "y", "\x1b",
	    codex_prepare, codex_find, codex_line, codex_screen, codex_ready,
	    "Would you like to run the following command?" },
	{ "openclaw", "openclaw-2026.9", "/reset", NULL, NULL,
	    openclaw_prepare, openclaw_find, openclaw_line, openclaw_screen, openclaw_ready,
	    NULL },
};

/* The loop's part: find and read transcripts, run screen rules. */

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
	if (a->transcript == NULL && a->kind->find != NULL)
		a->kind->find(s, a);
	agent_read_lines(s);
	if (s->agent == NULL)
		return;
	agent_approve_send(s);
	agent_deliver_next(s);
	/*
	 * Typed, but the turn did not start and the text still sits in the composer:
	 * the Enter was lost (the TUI was busy for a moment). Press it once more.
	 */
	if (a->delivered_ms != 0 && !a->delivering && !a->turn_seen && !a->enter_retried &&
	    a->status == AGENT_WORKING && agd_now_ms() - a->delivered_ms > 2500 &&
	    a->last_text != NULL) {
		text = screen_text(a->screen, NULL);
		if (strstr(text, a->last_text) != NULL && a->kind->ready != NULL &&
		    a->kind->ready(text)) {
			a->enter_retried = 1;
			session_input(s, "\r", 1);
			agent_event(s, "enter_retried", NULL, NULL, "screen");
		}
		free(text);
	}
	/*
	 * The screen rules run when the screen changed, and twice a second while
	 * the agent starts (a dialog waits for keys without drawing anything).
	 */
	if (s->agent != NULL && a->kind->screen != NULL && (a->screen_dirty ||
	    (a->status == AGENT_STARTING && agd_now_ms() - a->screen_ms >= 500))) {
		a->screen_dirty = 0;
		a->screen_ms = agd_now_ms();
		text = screen_text(a->screen, NULL);
		a->kind->screen(s, a, text);
		free(text);
	}
}

static const struct agent_kind *
agent_kind_of(const char *prog)
{
	const char	*base = strrchr(prog, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : prog;
	for (i = 0; i < sizeof agent_kinds / sizeof agent_kinds[0]; i++) {
		if (strcmp(agent_kinds[i].prog, base) == 0)
			return (&agent_kinds[i]);
	}
	return (NULL);
}

void
agent_attach(struct session *s, char ***argvp, int adopted)
{
	const struct agd_agent	*cfg;
	const struct agent_kind	*k;
	struct agent		*a;
	struct timeval		 tv = { 0, AGENT_POLL_MS * 1000 };
	char			**tmpl = NULL, *cause;

	if (argvp != NULL)
		k = agent_kind_of((*argvp)[0]);
	else if (persist_is_remote(s->id))
		return;			/* a worker on another machine: a plain terminal */
	else {
		/* Re-adoption: the program of the configured command. */
		if ((cfg = agd_conf_agent(agentd_conf, s->agent_type)) == NULL ||
		    (tmpl = agd_argv_split(cfg->argv[s->mode], NULL, &cause)) == NULL)
			return;
		k = agent_kind_of(tmpl[0]);
		agd_argv_free(tmpl);
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
	s->agent = a;
	if (!adopted && k->prepare != NULL)
		k->prepare(s, a, argvp);
	if (adopted)
		persist_agent_load(s->id, &a->uuid, &a->transcript, &a->toff, &a->in,
		    &a->out, &a->cread, &a->cwrite, &a->cost);
	event_add(a->poll_ev, &tv);
	if (!adopted)
		agent_persist(s);
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
	free(a->keys_later);
	free(a->last_text);
	screen_free(a->screen);
	json_object_put(a->pending);
	json_object_put(a->last_tool);
	free(a->uuid);
	free(a->settings);
	free(a->transcript);
	free(a->last_msg_id);
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
	if (s->agent == NULL)
		return;
	screen_feed(s->agent->screen, p, n);
	s->agent->screen_dirty = 1;
}

int
agent_submit(struct session *s, const char *text, uint64_t seq)
{
	if (s->agent == NULL)
		return (0);
	agent_queue(s, text, seq, 0);
	return (1);
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
	if (a->kind->reset_cmd != NULL)
		agent_queue(s, a->kind->reset_cmd, 0, 0);
}

int
agent_approve(struct session *s, int allow, const char **code, char **cause)
{
	struct agent		*a = s->agent;
	const char		*keys;

	if (a == NULL || a->status != AGENT_WAITING) {
		*code = "nothing_pending";
		xasprintf(cause, "no approval is pending for %s", s->name);
		return (-1);
	}
	keys = allow ? a->kind->allow_keys : a->kind->deny_keys;
	if (keys == NULL) {
		*code = "nothing_pending";
		xasprintf(cause, "%s has no approvals in its terminal UI", a->kind->prog);
		return (-1);
	}
	if (a->approve_keys != NULL) {
		*code = "busy";
		xasprintf(cause, "an answer to this approval is being sent");
		return (-1);
	}
	/*
	 * The hook can report the request before the TUI draws its box: keys sent
	 * then would be lost. The poll sends them once the box is on screen.
	 */
	a->approve_keys = keys;
	a->approve_allow = allow;
	a->approve_ms = agd_now_ms();
	agent_approve_send(s);
	return (0);
}

/* Send the queued approval keys if the TUI shows its box (or after 10 s). */
static void
agent_approve_send(struct session *s)
{
	struct agent		*a = s->agent;
	struct json_object	*o;
	char			*text;
	uint64_t		 now = agd_now_ms();
	int			 shown;

	text = screen_text(a->screen, NULL);
	shown = a->kind->approval_box != NULL && strstr(text, a->kind->approval_box) != NULL;
	free(text);

	/*
	 * Sent, but the box is still there 2 s later and the agent did not go on:
	 * the keys came while the box could not take them yet. Once more (twice).
	 */
	if (a->approve_keys == NULL) {
		if (a->approve_sent != NULL && shown && a->status != AGENT_WAITING &&
		    now - a->approve_sent_ms > 2000 && a->approve_retries < 2) {
			a->approve_retries++;
			a->approve_sent_ms = now;
			session_input(s, a->approve_sent, strlen(a->approve_sent));
			agent_event(s, "approval_retried", NULL, NULL, "screen");
		} else if (a->approve_sent != NULL && !shown)
			a->approve_sent = NULL;
		return;
	}
	/* The box must have been on screen a moment (it takes input once drawn). */
	if (shown && a->approve_seen_ms == 0)
		a->approve_seen_ms = now;
	if (!(shown && now - a->approve_seen_ms >= 300) && now - a->approve_ms < 10000)
		return;
	session_input(s, a->approve_keys, strlen(a->approve_keys));
	a->approve_sent = a->approve_keys;
	a->approve_sent_ms = now;
	a->approve_retries = 0;
	a->approve_keys = NULL;
	a->approve_seen_ms = 0;
	o = json_object_new_object();
	json_object_object_add(o, "decision",
	    json_object_new_string(a->approve_allow ? "allow" : "deny"));
	if (a->pending != NULL)
		json_object_object_add(o, "request", json_object_get(a->pending));
	session_event(s, "approval", o);
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
}

void
agent_hook(struct session *s, struct json_object *ev)
{
	if (s->agent == NULL || strcmp(s->agent->kind->prog, "claude") != 0)
		return;
	claude_hook(s, s->agent, ev);
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
	if (s->agent->transcript == NULL && s->agent->kind->find != NULL)
		s->agent->kind->find(s, s->agent);
	agent_read_lines(s);
}
