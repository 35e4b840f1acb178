/*
 * The stream transport of the Codex adapter: `codex app-server`, JSON-RPC 2.0
 * on the pipes, one message a line (doc/AGENTS-STRUCTURED.md has what was
 * measured on 0.171). initialize / initialized, then thread/start with the
 * mode's approval policy and sandbox; a message is a turn/start, an interrupt
 * turn/interrupt, a reset a new thread. Its notifications report the turns,
 * items (messages, commands, file changes) and token usage; its approvals are
 * requests to us (item/commandExecution/requestApproval,
 * item/fileChange/requestApproval), answered through the API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-codex.h"
#include "agent-kind.h"
#include "agentd.h"
#include "util.h"
#include "xmalloc.h"

/* Our requests' ids: a prefix per kind of request, then a counter. */
#define CODEX_ID_INIT		"agentd-init"
#define CODEX_ID_THREAD		"agentd-thread-"
#define CODEX_ID_TURN		"agentd-turn-"
#define CODEX_ID_OTHER		"agentd-req-"

/* JSON-RPC's "method not found", for the requests agentd does not serve. */
#define CODEX_RPC_NO_METHOD	-32601

/* The stream's own state (a->priv); the thread's id is a->uuid. */
struct codex_stream {
	char			*approval;	/* approvalPolicy of thread/start */
	char			*sandbox;	/* sandbox of thread/start */
	char			*model;		/* NULL: its config's */
	char			*turn;		/* the turn under way */
	char			*first;		/* a message waiting for the thread */
	struct json_object	*changes;	/* the last file change's, for its approval */
	struct json_object	*req_id;	/* the id of its approval request */
	char			*old_rollout;	/* tty: the rollout of the thread before /new */
	int			 adopted;	/* re-adopted: the first usage is a baseline */
	int			 asking;	/* thread/start or resume under way */
	int64_t			 seq;		/* our requests so far */
	int64_t			 in, cread, out, cwrite;	/* the thread's totals seen */
};

void
codex_stream_free(void *p)
{
	struct codex_stream	*c = p;

	free(c->approval);
	free(c->sandbox);
	free(c->model);
	free(c->turn);
	free(c->first);
	json_object_put(c->changes);
	json_object_put(c->req_id);
	free(c->old_rollout);
	free(c);
}

/* The state, made on first use (an adopted session was never prepared). */
static struct codex_stream *
codex_of(struct agent *a)
{
	return (codex_state(a));
}

char **
codex_old_rollout(struct agent *a)
{
	return (&codex_state(a)->old_rollout);
}

struct codex_stream *
codex_state(struct agent *a)
{
	struct codex_stream	*c;

	if (a->priv == NULL) {
		c = xcalloc(1, sizeof *c);
		c->approval = xstrdup("on-request");
		c->sandbox = xstrdup("workspace-write");
		c->adopted = 1;
		a->priv = c;
	}
	return (a->priv);
}

static void
codex_set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/*
 * The configured command of the mode is the TUI's (codex [options]): keep its
 * program (a wrapper keeps working) and -c overrides; its -a, -s, -m and the
 * bypass flag become thread/start's approvalPolicy, sandbox and model.
 */
void
codex_stream_prepare(struct session *s, struct agent *a, char ***argvp)
{
	struct codex_stream	 *c;
	char			**argv = *argvp, **nargv, *trust;
	const char		 *o, *v;
	size_t			  argc = 0, k = 0, i;

	a->priv = NULL;
	c = codex_of(a);
	c->adopted = 0;
	while (argv[argc] != NULL)
		argc++;
	nargv = xcalloc(argc + 5, sizeof *nargv);
	nargv[k++] = argv[0];
	nargv[k++] = xstrdup("app-server");
	for (i = 1; i < argc; i++) {
		o = argv[i];
		v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--dangerously-bypass-approvals-and-sandbox") == 0 ||
		    strcmp(o, "--yolo") == 0) {
			codex_set(&c->approval, "never");
			codex_set(&c->sandbox, "danger-full-access");
		} else if (v != NULL && (strcmp(o, "-a") == 0 ||
		    strcmp(o, "--ask-for-approval") == 0)) {
			codex_set(&c->approval, v);
			i++;
		} else if (v != NULL && (strcmp(o, "-s") == 0 || strcmp(o, "--sandbox") == 0)) {
			codex_set(&c->sandbox, v);
			i++;
		} else if (v != NULL && (strcmp(o, "-m") == 0 || strcmp(o, "--model") == 0)) {
			codex_set(&c->model, v);
			i++;
		} else if (v != NULL && (strcmp(o, "-c") == 0 || strcmp(o, "--config") == 0)) {
			nargv = xreallocarray(nargv, k + (argc - i) + 5, sizeof *nargv);
			nargv[k++] = xstrdup("-c");
			nargv[k++] = xstrdup(v);
			i++;
		}
		/* Anything else is the TUI's (--no-daemon, ...): not app-server's. */
	}
	for (i = 1; i < argc; i++)
		free(argv[i]);
	free(argv);
	/* A trusted folder (SESSION_TRUSTED): for this run (as the TUI's). */
	if ((s->flags & SESSION_TRUSTED) && (trust = codex_trust_arg(s->cwd)) != NULL) {
		nargv = xreallocarray(nargv, k + 3, sizeof *nargv);
		nargv[k++] = xstrdup("-c");
		nargv[k++] = trust;
	}
	nargv[k] = NULL;
	*argvp = nargv;
}

/* Send a request of ours: id is its kind's prefix; params taken. -1 if not written. */
static int
codex_request(struct session *s, struct codex_stream *c, const char *prefix,
    const char *method, struct json_object *params)
{
	struct json_object	*o;
	char			*id;
	int			 rc;

	if (strcmp(prefix, CODEX_ID_INIT) == 0)
		id = xstrdup(prefix);
	else
		xasprintf(&id, "%s%lld", prefix, (long long)++c->seq);
	o = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", params != NULL ? params :
	    json_object_new_object());
	rc = agent_stream_write(s, o);
	json_object_put(o);
	free(id);
	return (rc);
}

/* Answer its request id (borrowed) with result, or an error if result is NULL. */
static void
codex_reply(struct session *s, struct json_object *id, struct json_object *result,
    const char *error)
{
	struct json_object	*o, *e;

	o = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", json_object_get(id));
	if (result != NULL)
		json_object_object_add(o, "result", result);
	else {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_int(CODEX_RPC_NO_METHOD));
		json_object_object_add(e, "message", json_object_new_string(error));
		json_object_object_add(o, "error", e);
	}
	agent_stream_write(s, o);
	json_object_put(o);
}

void
codex_stream_start(struct session *s, struct agent *a)
{
	struct json_object	*p, *ci;

	codex_of(a);
	ci = json_object_new_object();
	json_object_object_add(ci, "name", json_object_new_string("agentd"));
	json_object_object_add(ci, "version", json_object_new_string(AGD_VERSION));
	p = json_object_new_object();
	json_object_object_add(p, "clientInfo", ci);
	codex_request(s, a->priv, CODEX_ID_INIT, "initialize", p);
}

/* Ask for the thread: a new one, or (re-adopted) the one it had. */
static void
codex_thread(struct session *s, struct agent *a)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*p = json_object_new_object();

	c->asking = 1;
	if (a->uuid != NULL) {
		json_object_object_add(p, "threadId", json_object_new_string(a->uuid));
		codex_request(s, c, CODEX_ID_THREAD, "thread/resume", p);
		return;
	}
	json_object_object_add(p, "cwd", json_object_new_string(s->cwd));
	json_object_object_add(p, "approvalPolicy", json_object_new_string(c->approval));
	json_object_object_add(p, "sandbox", json_object_new_string(c->sandbox));
	if (c->model != NULL)
		json_object_object_add(p, "model", json_object_new_string(c->model));
	codex_request(s, c, CODEX_ID_THREAD, "thread/start", p);
}

/* The user input item {"type": "text", "text": text}. */
static struct json_object *
codex_text_item(const char *text)
{
	struct json_object	*item = json_object_new_object();

	json_object_object_add(item, "type", json_object_new_string("text"));
	json_object_object_add(item, "text", json_object_new_string(text));
	return (item);
}

/* Start a turn with the user input items in (taken) on the thread; -1 if not written. */
static int
codex_turn_input(struct session *s, struct agent *a, struct json_object *in)
{
	struct json_object	*p = json_object_new_object();

	json_object_object_add(p, "threadId", json_object_new_string(a->uuid));
	json_object_object_add(p, "input", in);
	return (codex_request(s, a->priv, CODEX_ID_TURN, "turn/start", p));
}

/* Start a turn with text (borrowed) on the thread. */
static void
codex_turn(struct session *s, struct agent *a, const char *text)
{
	struct json_object	*in = json_object_new_array();

	json_object_array_add(in, codex_text_item(text));
	codex_turn_input(s, a, in);
}

/* The error of a response, as text; NULL if it has none. */
static const char *
codex_error(struct json_object *rec)
{
	struct json_object	*e = agent_obj(rec, "error");

	if (e == NULL)
		return (NULL);
	return (agent_str(e, "message") != NULL ? agent_str(e, "message") : "error");
}

/* Tell it we are initialized (a notification). */
static void
codex_initialized(struct session *s)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "method", json_object_new_string("initialized"));
	agent_stream_write(s, o);
	json_object_put(o);
}

/* The answer to thread/start or thread/resume: ready, and the waiting message. */
static void
codex_thread_started(struct session *s, struct agent *a, struct json_object *rec)
{
	struct codex_stream	*c = codex_of(a);
	const char		*err = codex_error(rec), *tid;
	char			*first;

	c->asking = 0;
	tid = agent_str(agent_obj(agent_obj(rec, "result"), "thread"), "id");
	if (err != NULL || tid == NULL) {
		if (a->uuid != NULL) {
			/* Its old thread is gone (not resumable): a new one. */
			free(a->uuid);
			a->uuid = NULL;
			codex_thread(s, a);
			return;
		}
		agent_text_event(s, "error", err != NULL ? err : "thread/start failed", rec,
		    "stream");
		return;
	}
	if (a->uuid == NULL || strcmp(a->uuid, tid) != 0) {
		free(a->uuid);
		a->uuid = xstrdup(tid);
		agent_persist(s);
	}
	if (a->status == AGENT_STARTING)
		agent_event(s, "agent_started", NULL, rec, "stream");
	if ((first = c->first) != NULL) {
		c->first = NULL;
		codex_turn(s, a, first);
		free(first);
	} else if (a->status == AGENT_STARTING)
		agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
}

/* The answer to a request of ours (id is ours: a string). */
static void
codex_response(struct session *s, struct agent *a, const char *id, struct json_object *rec)
{
	struct codex_stream	*c = codex_of(a);
	const char		*err = codex_error(rec), *tid;

	if (strcmp(id, CODEX_ID_INIT) == 0) {
		/* An error here is "already initialized": our restart, the same pipes. */
		if (err == NULL)
			codex_initialized(s);
		codex_thread(s, a);
	} else if (strncmp(id, CODEX_ID_THREAD, strlen(CODEX_ID_THREAD)) == 0)
		codex_thread_started(s, a, rec);
	else if (strncmp(id, CODEX_ID_TURN, strlen(CODEX_ID_TURN)) == 0) {
		if (err != NULL) {
			agent_text_event(s, "error", err, rec, "stream");
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
			return;
		}
		tid = agent_str(agent_obj(agent_obj(rec, "result"), "turn"), "id");
		if (tid != NULL && c->turn == NULL)
			c->turn = xstrdup(tid);
	} else if (err != NULL)
		agent_text_event(s, "error", err, rec, "stream");
}

/* An approval it asks for: the pending request, and its box in the API. */
static void
codex_ask(struct session *s, struct agent *a, struct json_object *rec, int file)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*p = agent_obj(rec, "params"), *in;
	const char		*k;
	static const char	*keys[] = { "command", "cwd", "reason", "grantRoot", NULL };
	int			 i;

	in = json_object_new_object();
	for (i = 0; keys[i] != NULL; i++) {
		if ((k = agent_str(p, keys[i])) != NULL)
			json_object_object_add(in, keys[i], json_object_new_string(k));
	}
	if (file && c->changes != NULL)
		json_object_object_add(in, "changes", json_object_get(c->changes));
	json_object_put(c->req_id);
	c->req_id = json_object_get(agent_obj(rec, "id"));
	free(a->pending_id);
	a->pending_id = xstrdup(json_object_to_json_string_ext(c->req_id,
	    JSON_C_TO_STRING_PLAIN));
	agent_approval_asked(s, file ? "apply_patch" : "exec_command", in, rec, "stream");
	json_object_put(in);
}

/* A request of its: approvals are ours to answer; anything else we lack. */
static void
codex_server_request(struct session *s, struct agent *a, const char *method,
    struct json_object *rec)
{
	if (strcmp(method, "item/commandExecution/requestApproval") == 0)
		codex_ask(s, a, rec, 0);
	else if (strcmp(method, "item/fileChange/requestApproval") == 0)
		codex_ask(s, a, rec, 1);
	else
		codex_reply(s, agent_obj(rec, "id"), NULL, "not supported by agentd");
}

/* The pending request was resolved without us (the turn ended, another client). */
static void
codex_resolved(struct session *s, struct agent *a, struct json_object *p)
{
	const char	*id;

	if (a->pending_id == NULL || a->status != AGENT_WAITING)
		return;
	id = json_object_to_json_string_ext(agent_obj(p, "requestId"), JSON_C_TO_STRING_PLAIN);
	if (strcmp(id, a->pending_id) != 0)
		return;
	free(a->pending_id);
	a->pending_id = NULL;
	agent_set(s, AGENT_WORKING, "stream", "thinking", NULL);
}

/* An item begins: a tool call (a command, a file change, an MCP tool). */
static void
codex_item_started(struct session *s, struct agent *a, struct json_object *it,
    struct json_object *rec)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*in;
	const char		*type = agent_str(it, "type"), *id = agent_str(it, "id");

	if (type == NULL)
		return;
	in = json_object_new_object();
	if (strcmp(type, "commandExecution") == 0) {
		if (agent_str(it, "command") != NULL)
			json_object_object_add(in, "command",
			    json_object_new_string(agent_str(it, "command")));
		if (agent_str(it, "cwd") != NULL)
			json_object_object_add(in, "cwd",
			    json_object_new_string(agent_str(it, "cwd")));
		agent_tool_use(s, "exec_command", in, id, rec, "stream");
	} else if (strcmp(type, "fileChange") == 0) {
		json_object_put(c->changes);
		c->changes = json_object_get(agent_obj(it, "changes"));
		if (c->changes != NULL)
			json_object_object_add(in, "changes", json_object_get(c->changes));
		agent_tool_use(s, "apply_patch", in, id, rec, "stream");
	} else if (strcmp(type, "mcpToolCall") == 0)
		agent_tool_use(s, agent_str(it, "tool") != NULL ? agent_str(it, "tool") : "mcp",
		    agent_obj(it, "arguments"), id, rec, "stream");
	json_object_put(in);
}

/* An item is done: a message, or a tool call's result. */
static void
codex_item_completed(struct session *s, struct agent *a, struct json_object *it,
    struct json_object *rec)
{
	struct json_object	*out;
	const char		*type = agent_str(it, "type"), *st = agent_str(it, "status");
	int			 failed = st != NULL && strcmp(st, "completed") != 0;

	if (type == NULL)
		return;
	if (strcmp(type, "agentMessage") == 0 && agent_str(it, "text") != NULL) {
		a->turn_seen = 1;
		agent_text_event(s, "assistant_text", agent_str(it, "text"), rec, "stream");
	} else if (strcmp(type, "commandExecution") == 0 || strcmp(type, "fileChange") == 0 ||
	    strcmp(type, "mcpToolCall") == 0) {
		if ((out = agent_obj(it, "aggregatedOutput")) == NULL &&
		    (out = agent_obj(it, "result")) == NULL)
			out = agent_obj(it, "status");
		agent_tool_result(s, agent_str(it, "id"), out, failed, rec);
	}
}

/* Token usage: the thread's running totals; count their growth. */
static void
codex_tokens(struct session *s, struct agent *a, struct json_object *p,
    struct json_object *rec)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*t = agent_obj(agent_obj(p, "tokenUsage"), "total");
	int64_t			 in, cread, out, cwrite;

	if (t == NULL)
		return;
	in = agent_int(t, "inputTokens");
	cread = agent_int(t, "cachedInputTokens");
	out = agent_int(t, "outputTokens");
	cwrite = agent_int(t, "cacheWriteInputTokens");
	/* Re-adopted: what it reports first was counted before our restart. */
	if (!c->adopted && (in > c->in || out > c->out))
		agent_usage(s, (in - cread) - (c->in - c->cread), out - c->out,
		    cread - c->cread, cwrite - c->cwrite, 0, rec);
	c->adopted = 0;
	c->in = in;
	c->cread = cread;
	c->out = out;
	c->cwrite = cwrite;
}

/* A notification: turns, items, usage, errors. */
static void
codex_notify(struct session *s, struct agent *a, const char *m, struct json_object *rec)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*p = agent_obj(rec, "params"), *turn, *o;
	const char		*st, *err;

	if (strcmp(m, "turn/started") == 0) {
		turn = agent_obj(p, "turn");
		free(c->turn);
		c->turn = agent_str(turn, "id") != NULL ? xstrdup(agent_str(turn, "id")) : NULL;
		a->turn_seen = 1;
		agent_set(s, AGENT_WORKING, "stream", "thinking", NULL);
	} else if (strcmp(m, "turn/completed") == 0) {
		turn = agent_obj(p, "turn");
		free(c->turn);
		c->turn = NULL;
		o = json_object_new_object();
		if ((st = agent_str(turn, "status")) != NULL)
			json_object_object_add(o, "status", json_object_new_string(st));
		agent_event(s, "turn_end", o, rec, "stream");
		if (s->agent != NULL && (err = agent_str(agent_obj(turn, "error"),
		    "message")) != NULL)
			agent_text_event(s, "error", err, rec, "stream");
		if (s->agent != NULL)
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
	} else if (strcmp(m, "item/started") == 0)
		codex_item_started(s, a, agent_obj(p, "item"), rec);
	else if (strcmp(m, "item/completed") == 0)
		codex_item_completed(s, a, agent_obj(p, "item"), rec);
	else if (strcmp(m, "thread/tokenUsage/updated") == 0)
		codex_tokens(s, a, p, rec);
	else if (strcmp(m, "serverRequest/resolved") == 0)
		codex_resolved(s, a, p);
	else if (strcmp(m, "error") == 0 && (err = agent_str(agent_obj(p, "error"),
	    "message")) != NULL && !json_object_get_boolean(agent_obj(p, "willRetry")))
		agent_text_event(s, "error", err, rec, "stream");
}

void
codex_stream_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*id = agent_obj(rec, "id");
	const char		*m = agent_str(rec, "method");

	if (m != NULL && id != NULL)
		codex_server_request(s, a, m, rec);
	else if (m != NULL)
		codex_notify(s, a, m, rec);
	else if (id != NULL && json_object_is_type(id, json_type_string))
		codex_response(s, a, json_object_get_string(id), rec);
}

int
codex_stream_send(struct session *s, struct agent *a, const char *text)
{
	struct codex_stream	*c = codex_of(a);

	if (a->uuid == NULL || c->asking) {
		/* A reset's new thread is on its way: the message starts it. */
		if (c->first != NULL)
			return (-1);
		c->first = xstrdup(text);
		if (!c->asking)
			codex_thread(s, a);
		return (0);
	}
	codex_turn(s, a, text);
	return (0);
}

/*
 * Content blocks (claude's shapes, checked by the chat view: text, image with a
 * base64 source) as codex's user input: text items and image items with a data
 * URL. Only on an idle thread: a reset's first message, or one that would wait
 * for the turn under way (text is queued by agentd), is refused.
 */
int
codex_stream_send_blocks(struct session *s, struct agent *a, struct json_object *content)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*in, *b, *src, *item;
	const char		*type;
	char			*url;
	size_t			 i;

	if (a->uuid == NULL || c->asking || a->status != AGENT_IDLE)
		return (-1);
	in = json_object_new_array();
	for (i = 0; i < json_object_array_length(content); i++) {
		b = json_object_array_get_idx(content, i);
		type = agent_str(b, "type");
		if (type != NULL && strcmp(type, "text") == 0) {
			if (agent_str(b, "text") != NULL)
				json_object_array_add(in, codex_text_item(agent_str(b, "text")));
			continue;
		}
		if ((src = agent_obj(b, "source")) == NULL || agent_str(src, "data") == NULL ||
		    agent_str(src, "media_type") == NULL)
			continue;
		xasprintf(&url, "data:%s;base64,%s", agent_str(src, "media_type"),
		    agent_str(src, "data"));
		item = json_object_new_object();
		json_object_object_add(item, "type", json_object_new_string("image"));
		json_object_object_add(item, "url", json_object_new_string(url));
		json_object_array_add(in, item);
		free(url);
	}
	return (codex_turn_input(s, a, in) == -1 ? -2 : 0);
}

int
codex_stream_approve(struct session *s, struct agent *a, int allow, const char *message)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*r;

	(void)message;		/* codex's answer has no reason: decline is all it hears */
	if (a->pending_id == NULL)
		return (-1);
	/* Asked before a restart of ours: its id is what was kept (JSON text). */
	if (c->req_id == NULL &&
	    (c->req_id = json_tokener_parse(a->pending_id)) == NULL)
		return (-1);
	r = json_object_new_object();
	json_object_object_add(r, "decision", json_object_new_string(allow ? "accept" :
	    "decline"));
	codex_reply(s, c->req_id, r, NULL);
	json_object_put(c->req_id);
	c->req_id = NULL;
	return (0);
}

void
codex_stream_interrupt(struct session *s, struct agent *a)
{
	struct codex_stream	*c = codex_of(a);
	struct json_object	*p;

	if (a->uuid == NULL || c->turn == NULL)
		return;
	p = json_object_new_object();
	json_object_object_add(p, "threadId", json_object_new_string(a->uuid));
	json_object_object_add(p, "turnId", json_object_new_string(c->turn));
	codex_request(s, c, CODEX_ID_OTHER, "turn/interrupt", p);
}

void
codex_stream_reset(struct session *s, struct agent *a)
{
	struct codex_stream	*c = codex_of(a);

	codex_stream_interrupt(s, a);
	free(c->turn);
	c->turn = NULL;
	free(a->uuid);
	a->uuid = NULL;
	c->in = c->cread = c->out = c->cwrite = 0;
	c->adopted = 0;
	agent_event(s, "conversation_reset", NULL, NULL, "stream");
	if (s->agent != NULL && !c->asking)
		codex_thread(s, a);
}
