/*
 * The stream transport of the OpenClaw adapter: `openclaw acp` (ACP, JSON-RPC
 * 2.0 on the pipes) on a Gateway of the session's own. A small bash launcher
 * (OPENCLAW_LAUNCH) starts `openclaw gateway run` on a free loopback port with
 * a token of the session's, waits until it listens, and runs the ACP bridge in
 * the foreground; both are the session's processes (sandbox, process group)
 * and end with it. A Gateway per session, not a shared one: its workspace (where
 * its tools run) is the Gateway's, and each session has its own directory.
 *
 * The Gateway reads a config of the session's (HOME/sessions/ID/openclaw/
 * openclaw-session.json) that includes the user's own ($include) and sets the
 * mode's exec policy: "ask" (an approval per command, ACP
 * session/request_permission, answered through the API) in default and
 * acceptEdits, "full" in bypassPermissions. Messages are session/prompt; the
 * agent's text, tool calls and their results are session/update
 * notifications; usage is read from its session store at the end of a turn.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-kind.h"
#include "agent-openclaw.h"
#include "agentd.h"
#include "util.h"
#include "xmalloc.h"

/* Seconds the launcher waits for its Gateway to listen (it took 36 s on 2 busy cores). */
#define OPENCLAW_GATEWAY_WAIT	300

/* Our requests' ids: a prefix per kind of request, then a counter. */
#define OPENCLAW_ID_INIT	"agentd-init"
#define OPENCLAW_ID_SESSION	"agentd-session-"
#define OPENCLAW_ID_PROMPT	"agentd-prompt-"

/* JSON-RPC's "method not found", for the requests agentd does not serve. */
#define OPENCLAW_RPC_NO_METHOD	-32601

/* Times the launcher starts its Gateway: on a loaded machine its start can time out. */
#define OPENCLAW_GATEWAY_TRIES	3

/*
 * The launcher: $1 the port, $2 the seconds to wait, $3 the tries, $4 the
 * openclaw program. The Gateway's output goes to its log in the state directory.
 * OpenClaw's Gateway gives its state lease heartbeat 5 s to start and exits if
 * it is late (seen on two busy cores): it is started again, up to $3 times.
 */
#define OPENCLAW_LAUNCH \
	"port=$1 wait=$2 tries=$3 oc=$4 log=\"$OPENCLAW_STATE_DIR/gateway.log\" try=0\n" \
	"trap 'kill $gw 2>/dev/null; exit 143' TERM INT HUP\n" \
	"while :; do\n" \
	"  try=$((try + 1))\n" \
	"  \"$oc\" gateway run --allow-unconfigured --bind loopback --port \"$port\" " \
	    "--auth token >>\"$log\" 2>&1 &\n" \
	"  gw=$! n=0\n" \
	"  until (exec 3<>\"/dev/tcp/127.0.0.1/$port\") 2>/dev/null; do\n" \
	"    kill -0 $gw 2>/dev/null && [ $n -lt $((wait * 2)) ] || break\n" \
	"    n=$((n + 1)); sleep 0.5\n" \
	"  done\n" \
	"  (exec 3<>\"/dev/tcp/127.0.0.1/$port\") 2>/dev/null && break\n" \
	"  kill $gw 2>/dev/null; wait $gw 2>/dev/null\n" \
	"  if [ $try -ge $tries ]; then\n" \
	"    echo \"openclaw gateway did not listen on port $port ($try tries):\" >&2\n" \
	"    tail -n 20 \"$log\" >&2; exit 1\n" \
	"  fi\n" \
	"  echo \"openclaw gateway did not start (try $try of $tries): again\" >&2\n" \
	"done\n" \
	"\"$oc\" acp --url \"ws://127.0.0.1:$port\"\n" \
	"rc=$?\n" \
	"kill $gw 2>/dev/null\n" \
	"exit $rc\n"

/* A free loopback port (0 if none): the Gateway's. */
static int
openclaw_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* The session's config: the user's, included, and the mode's exec policy. */
static char *
openclaw_session_conf(struct session *s)
{
	struct json_object	*c, *tools, *ex;
	char			*path, *user;
	FILE			*f;

	c = json_object_new_object();
	user = openclaw_user_conf();
	if (access(user, R_OK) == 0)
		json_object_object_add(c, "$include", json_object_new_string(user));
	free(user);
	ex = json_object_new_object();
	json_object_object_add(ex, "mode", json_object_new_string(s->mode == AGD_MODE_BYPASS ?
	    "full" : "ask"));
	tools = json_object_new_object();
	json_object_object_add(tools, "exec", ex);
	json_object_object_add(c, "tools", tools);
	xasprintf(&path, "%s/openclaw/openclaw-session.json", s->dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_NOSLASHESCAPE), f);
		fputc('\n', f);
		fclose(f);
	}
	json_object_put(c);
	return (path);
}

void
openclaw_stream_prepare(struct session *s, struct agent *a, char ***argvp)
{
	struct openclaw	 *o;
	char		**argv = *argvp, **nargv, *token;
	size_t		  k = 0, i;

	o = openclaw_state(s, a);
	free(o->conf);
	o->conf = openclaw_session_conf(s);
	token = agent_uuid();
	nargv = xcalloc(14, sizeof *nargv);
	nargv[k++] = xstrdup("env");
	xasprintf(&nargv[k++], "OPENCLAW_STATE_DIR=%s/openclaw", s->dir);
	xasprintf(&nargv[k++], "OPENCLAW_CONFIG_PATH=%s", o->conf);
	xasprintf(&nargv[k++], "OPENCLAW_WORKSPACE_DIR=%s", s->cwd);
	xasprintf(&nargv[k++], "OPENCLAW_GATEWAY_TOKEN=%s", token);
	nargv[k++] = xstrdup("bash");
	nargv[k++] = xstrdup("-c");
	nargv[k++] = xstrdup(OPENCLAW_LAUNCH);
	nargv[k++] = xstrdup("openclaw-stream");
	xasprintf(&nargv[k++], "%d", openclaw_free_port());
	xasprintf(&nargv[k++], "%d", OPENCLAW_GATEWAY_WAIT);
	xasprintf(&nargv[k++], "%d", OPENCLAW_GATEWAY_TRIES);
	/* The configured program (a wrapper keeps working); its TUI arguments are not acp's. */
	nargv[k++] = argv[0];
	nargv[k] = NULL;
	for (i = 1; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	free(token);
	*argvp = nargv;
}

/* Send a request of ours (params taken). */
static void
openclaw_request(struct session *s, struct openclaw *o, const char *prefix,
    const char *method, struct json_object *params)
{
	struct json_object	*m;
	char			*id;

	if (strcmp(prefix, OPENCLAW_ID_INIT) == 0)
		id = xstrdup(prefix);
	else
		xasprintf(&id, "%s%lld", prefix, (long long)++o->seq);
	m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "method", json_object_new_string(method));
	json_object_object_add(m, "params", params);
	agent_stream_write(s, m);
	json_object_put(m);
	free(id);
}

/* Answer its request id (borrowed) with result (taken), or error if result is NULL. */
static void
openclaw_reply(struct session *s, struct json_object *id, struct json_object *result,
    const char *error)
{
	struct json_object	*m, *e;

	m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", json_object_get(id));
	if (result != NULL)
		json_object_object_add(m, "result", result);
	else {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_int(OPENCLAW_RPC_NO_METHOD));
		json_object_object_add(e, "message", json_object_new_string(error));
		json_object_object_add(m, "error", e);
	}
	agent_stream_write(s, m);
	json_object_put(m);
}

void
openclaw_stream_start(struct session *s, struct agent *a)
{
	struct json_object	*p, *caps, *fs;

	fs = json_object_new_object();
	json_object_object_add(fs, "readTextFile", json_object_new_boolean(0));
	json_object_object_add(fs, "writeTextFile", json_object_new_boolean(0));
	caps = json_object_new_object();
	json_object_object_add(caps, "fs", fs);
	json_object_object_add(caps, "terminal", json_object_new_boolean(0));
	p = json_object_new_object();
	json_object_object_add(p, "protocolVersion", json_object_new_int(1));
	json_object_object_add(p, "clientCapabilities", caps);
	openclaw_request(s, openclaw_state(s, a), OPENCLAW_ID_INIT, "initialize", p);
}

/* Ask for a new ACP session in the working directory. */
static void
openclaw_session_new(struct session *s, struct agent *a)
{
	struct openclaw		*o = openclaw_state(s, a);
	struct json_object	*p = json_object_new_object();

	o->asking = 1;
	json_object_object_add(p, "cwd", json_object_new_string(s->cwd));
	json_object_object_add(p, "mcpServers", json_object_new_array());
	openclaw_request(s, o, OPENCLAW_ID_SESSION, "session/new", p);
}

/* A turn with text (borrowed). */
static void
openclaw_prompt(struct session *s, struct agent *a, const char *text)
{
	struct json_object	*p, *pr, *b;

	b = json_object_new_object();
	json_object_object_add(b, "type", json_object_new_string("text"));
	json_object_object_add(b, "text", json_object_new_string(text));
	pr = json_object_new_array();
	json_object_array_add(pr, b);
	p = json_object_new_object();
	json_object_object_add(p, "sessionId", json_object_new_string(a->uuid));
	json_object_object_add(p, "prompt", pr);
	openclaw_request(s, openclaw_state(s, a), OPENCLAW_ID_PROMPT, "session/prompt", p);
}

/* The agent's text so far, as one assistant_text event. */
static void
openclaw_flush(struct session *s, struct openclaw *o, struct json_object *rec)
{
	const char	*t = o->text;

	if (t == NULL)
		return;
	t += strspn(t, "\r\n");
	if (*t != '\0')
		agent_text_event(s, "assistant_text", t, rec, "stream");
	free(o->text);
	o->text = NULL;
}

/* Its usage, from its store (the ACP channel reports only the context's size). */
static void
openclaw_stream_usage(struct session *s, struct agent *a)
{
	struct openclaw	*o = openclaw_state(s, a);

	if (a->records == NULL && access(o->store, R_OK) == 0)
		a->records = xstrdup(o->store);
	if (a->records != NULL)
		openclaw_store_read(s, a, 1);
}

/* The answer to a request of ours. */
static void
openclaw_response(struct session *s, struct agent *a, const char *id,
    struct json_object *rec)
{
	struct openclaw		*o = openclaw_state(s, a);
	struct json_object	*e = agent_obj(rec, "error"), *f;
	const char		*err = e == NULL ? NULL : (agent_str(e, "message") != NULL ?
				    agent_str(e, "message") : "error"), *sid, *why;
	char			*first;

	if (strcmp(id, OPENCLAW_ID_INIT) == 0) {
		if (a->uuid != NULL) {
			/* Re-adopted: the bridge still has its session. */
			if (a->status == AGENT_STARTING)
				agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
		} else
			openclaw_session_new(s, a);
	} else if (strncmp(id, OPENCLAW_ID_SESSION, strlen(OPENCLAW_ID_SESSION)) == 0) {
		o->asking = 0;
		if (err != NULL || (sid = agent_str(agent_obj(rec, "result"),
		    "sessionId")) == NULL) {
			agent_text_event(s, "error", err != NULL ? err : "session/new failed",
			    rec, "stream");
			return;
		}
		free(a->uuid);
		a->uuid = xstrdup(sid);
		agent_persist(s);
		if (a->status == AGENT_STARTING)
			agent_event(s, "agent_started", NULL, rec, "stream");
		if ((first = o->first) != NULL) {
			o->first = NULL;
			openclaw_prompt(s, a, first);
			free(first);
		} else if (s->agent != NULL && a->status == AGENT_STARTING)
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
	} else if (strncmp(id, OPENCLAW_ID_PROMPT, strlen(OPENCLAW_ID_PROMPT)) == 0) {
		openclaw_flush(s, o, rec);
		if (err != NULL)
			agent_text_event(s, "error", err, rec, "stream");
		f = json_object_new_object();
		if ((why = agent_str(agent_obj(rec, "result"), "stopReason")) != NULL)
			json_object_object_add(f, "stopReason", json_object_new_string(why));
		if (s->agent != NULL)
			agent_event(s, "turn_end", f, rec, "stream");
		else
			json_object_put(f);
		if (s->agent != NULL)
			openclaw_stream_usage(s, a);
		if (s->agent != NULL)
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
	}
}

/* A tool's name: its title's first word ("exec: command: ..."), else its kind. */
static char *
openclaw_tool_name(struct json_object *u)
{
	const char	*t = agent_str(u, "title");

	if (t != NULL && strcspn(t, ": ") > 0)
		return (xstrndup(t, strcspn(t, ": ")));
	return (xstrdup(agent_str(u, "kind") != NULL ? agent_str(u, "kind") : "tool"));
}

/* A session/update: the agent's text, its tool calls and their results. */
static void
openclaw_update(struct session *s, struct agent *a, struct json_object *rec)
{
	struct openclaw		*o = openclaw_state(s, a);
	struct json_object	*u = agent_obj(agent_obj(rec, "params"), "update"), *out;
	const char		*kind = agent_str(u, "sessionUpdate"), *t, *st;
	char			*name, *n;

	if (kind == NULL)
		return;
	if (strcmp(kind, "agent_message_chunk") == 0) {
		if ((t = agent_str(agent_obj(u, "content"), "text")) == NULL)
			return;
		if (o->text == NULL)
			o->text = xstrdup(t);
		else {
			xasprintf(&n, "%s%s", o->text, t);
			free(o->text);
			o->text = n;
		}
		a->turn_seen = 1;
	} else if (strcmp(kind, "tool_call") == 0) {
		openclaw_flush(s, o, rec);
		name = openclaw_tool_name(u);
		if (s->agent != NULL)
			agent_tool_use(s, name, agent_obj(u, "rawInput"),
			    agent_str(u, "toolCallId"), rec, "stream");
		free(name);
	} else if (strcmp(kind, "tool_call_update") == 0 &&
	    (st = agent_str(u, "status")) != NULL &&
	    (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0)) {
		if ((out = agent_obj(agent_obj(u, "rawOutput"), "content")) == NULL)
			out = agent_obj(u, "content");
		agent_tool_result(s, agent_str(u, "toolCallId"), out, strcmp(st, "failed") == 0,
		    rec);
	}
}

/* Its request: a permission is ours to answer; anything else we lack. */
static void
openclaw_server_request(struct session *s, struct agent *a, const char *method,
    struct json_object *rec)
{
	struct openclaw		*o = openclaw_state(s, a);
	struct json_object	*p = agent_obj(rec, "params"), *tc;
	char			*name;

	if (strcmp(method, "session/request_permission") != 0) {
		openclaw_reply(s, agent_obj(rec, "id"), NULL, "not supported by agentd");
		return;
	}
	openclaw_flush(s, o, rec);
	if (s->agent == NULL)
		return;
	tc = agent_obj(p, "toolCall");
	json_object_put(o->options);
	o->options = json_object_get(agent_obj(p, "options"));
	json_object_put(o->req_id);
	o->req_id = json_object_get(agent_obj(rec, "id"));
	free(a->pending_id);
	a->pending_id = xstrdup(json_object_to_json_string_ext(o->req_id,
	    JSON_C_TO_STRING_PLAIN));
	name = openclaw_tool_name(tc);
	agent_approval_asked(s, name, agent_obj(tc, "rawInput"), rec, "stream");
	free(name);
}

void
openclaw_stream_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*id = agent_obj(rec, "id");
	const char		*m = agent_str(rec, "method");

	if (m != NULL && id != NULL)
		openclaw_server_request(s, a, m, rec);
	else if (m != NULL && strcmp(m, "session/update") == 0)
		openclaw_update(s, a, rec);
	else if (m == NULL && id != NULL && json_object_is_type(id, json_type_string))
		openclaw_response(s, a, json_object_get_string(id), rec);
}

int
openclaw_stream_send(struct session *s, struct agent *a, const char *text)
{
	struct openclaw	*o = openclaw_state(s, a);

	if (a->uuid == NULL || o->asking) {
		/* A reset's new session is on its way: the message starts it. */
		if (o->first != NULL)
			return (-1);
		o->first = xstrdup(text);
		if (!o->asking)
			openclaw_session_new(s, a);
		return (0);
	}
	openclaw_prompt(s, a, text);
	return (0);
}

/* The option of kind want (allow_once, reject_once), else of kind alt; NULL if none. */
static const char *
openclaw_option(struct json_object *options, const char *want, const char *alt)
{
	struct json_object	*op;
	const char		*k, *found = NULL;
	size_t			 i;

	if (options == NULL || !json_object_is_type(options, json_type_array))
		return (NULL);
	for (i = 0; i < json_object_array_length(options); i++) {
		op = json_object_array_get_idx(options, i);
		if ((k = agent_str(op, "kind")) == NULL)
			continue;
		if (strcmp(k, want) == 0)
			return (agent_str(op, "optionId"));
		if (found == NULL && strcmp(k, alt) == 0)
			found = agent_str(op, "optionId");
	}
	return (found);
}

int
openclaw_stream_approve(struct session *s, struct agent *a, int allow, const char *message)
{
	struct openclaw		*o = openclaw_state(s, a);
	struct json_object	*r, *out;
	const char		*opt;

	(void)message;		/* ACP's answer has no reason: the option is all it hears */
	opt = allow ? openclaw_option(o->options, "allow_once", "allow_always") :
	    openclaw_option(o->options, "reject_once", "reject_always");
	if (a->pending_id == NULL || o->req_id == NULL)
		return (-1);
	out = json_object_new_object();
	if (opt != NULL) {
		json_object_object_add(out, "outcome", json_object_new_string("selected"));
		json_object_object_add(out, "optionId", json_object_new_string(opt));
	} else
		json_object_object_add(out, "outcome", json_object_new_string("cancelled"));
	r = json_object_new_object();
	json_object_object_add(r, "outcome", out);
	openclaw_reply(s, o->req_id, r, NULL);
	json_object_put(o->req_id);
	o->req_id = NULL;
	json_object_put(o->options);
	o->options = NULL;
	return (0);
}

void
openclaw_stream_interrupt(struct session *s, struct agent *a)
{
	struct json_object	*m, *p;

	if (a->uuid == NULL)
		return;
	p = json_object_new_object();
	json_object_object_add(p, "sessionId", json_object_new_string(a->uuid));
	m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "method", json_object_new_string("session/cancel"));
	json_object_object_add(m, "params", p);
	agent_stream_write(s, m);
	json_object_put(m);
}

void
openclaw_stream_reset(struct session *s, struct agent *a)
{
	struct openclaw	*o = openclaw_state(s, a);

	if (a->status == AGENT_WORKING || a->status == AGENT_WAITING)
		openclaw_stream_interrupt(s, a);
	free(a->uuid);
	a->uuid = NULL;
	free(o->text);
	o->text = NULL;
	agent_event(s, "conversation_reset", NULL, NULL, "stream");
	if (s->agent != NULL && !o->asking)
		openclaw_session_new(s, a);
}
