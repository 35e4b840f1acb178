/*
 * The Claude Code adapter's stream transport: `claude -p` with stream-json in and
 * out. Messages are user lines; approvals are its can_use_tool control requests
 * (--permission-prompt-tool stdio), answered with control responses; a result line
 * ends a turn and carries its usage and cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "agent-claude.h"
#include "json.h"
#include "log.h"
#include "xmalloc.h"

/* The arguments of a stream session, after the configured command of its mode. */
static const char *claude_stream_args[] = {
	"-p", "--input-format", "stream-json", "--output-format", "stream-json",
	"--verbose", "--permission-prompt-tool", "stdio", NULL
};

void
claude_stream_prepare(struct session *s, struct agent *a, char ***argvp)
{
	struct json_object	*set;

	/* Its settings: the sandbox only (the control channel does the rest). */
	set = json_object_new_object();
	claude_sandbox_off(set);
	claude_args(s, a, argvp, claude_stream_args, set);
}

/* A control request of ours: {type: control_request, request_id, request}. */
static void
claude_stream_request(struct session *s, const char *id, const char *subtype)
{
	struct json_object	*o, *r;

	r = json_object_new_object();
	json_object_object_add(r, "subtype", json_object_new_string(subtype));
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("control_request"));
	json_object_object_add(o, "request_id", json_object_new_string(id));
	json_object_object_add(o, "request", r);
	agent_stream_write(s, o);
	json_object_put(o);
}

/* Its hello: ready once it answers (again after a restart of ours: harmless). */
void
claude_stream_start(struct session *s, struct agent *a)
{
	(void)a;
	claude_stream_request(s, CLAUDE_INIT_ID, "initialize");
}

/* A control_response to request_id with response (taken). */
static void
claude_stream_respond(struct session *s, const char *id, struct json_object *response,
    const char *error)
{
	struct json_object	*o, *r;

	r = json_object_new_object();
	json_object_object_add(r, "subtype", json_object_new_string(error != NULL ?
	    "error" : "success"));
	json_object_object_add(r, "request_id", json_object_new_string(id));
	if (error != NULL)
		json_object_object_add(r, "error", json_object_new_string(error));
	else
		json_object_object_add(r, "response", response);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("control_response"));
	json_object_object_add(o, "response", r);
	agent_stream_write(s, o);
	json_object_put(o);
}

/* Its control request: an approval to ask for; anything else it is told we lack. */
static void
claude_stream_control(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*req = agent_obj(rec, "request");
	const char		*id = agent_str(rec, "request_id"), *sub, *tool;

	if (id == NULL)
		return;
	if ((sub = agent_str(req, "subtype")) == NULL || strcmp(sub, "can_use_tool") != 0) {
		claude_stream_respond(s, id, NULL, "not supported by agentd");
		return;
	}
	free(a->pending_id);
	a->pending_id = xstrdup(id);
	tool = agent_str(req, "tool_name");
	agent_approval_asked(s, tool != NULL ? tool : "?", agent_obj(req, "input"), rec,
	    "stream");
	/* Which tool call asks (the seed chat view answers a question by it). */
	if (a->pending != NULL && agent_str(req, "tool_use_id") != NULL)
		json_object_object_add(a->pending, "toolUseId",
		    json_object_new_string(agent_str(req, "tool_use_id")));
}

/* usage's tokens (input, output, cache read, cache write) into t. */
static void
claude_stream_tokens(struct json_object *usage, int64_t t[4])
{
	t[0] = agent_int(usage, "input_tokens");
	t[1] = agent_int(usage, "output_tokens");
	t[2] = agent_int(usage, "cache_read_input_tokens");
	t[3] = agent_int(usage, "cache_creation_input_tokens");
}

/*
 * An assistant message's usage, once per message (a line per content block):
 * counted as it comes, so a token cap is reached, and the turn interrupted, in
 * the middle of the turn rather than at its end.
 */
static void
claude_stream_message_usage(struct session *s, struct claude *c, struct json_object *msg,
    struct json_object *rec)
{
	struct json_object	*usage = agent_obj(msg, "usage");
	const char		*id = agent_str(msg, "id");
	int64_t			 t[4];
	int			 i;

	if (usage == NULL || id == NULL ||
	    (c->last_msg_id != NULL && strcmp(id, c->last_msg_id) == 0))
		return;
	free(c->last_msg_id);
	c->last_msg_id = xstrdup(id);
	claude_stream_tokens(usage, t);
	for (i = 0; i < 4; i++)
		c->turn[i] += t[i];
	agent_usage(s, t[0], t[1], t[2], t[3], 0, rec);
}

/*
 * The end of a turn: its cost (a total per conversation) and usage (the turn's,
 * or its last message's: beyond what its messages counted), then idle.
 */
static void
claude_stream_result(struct session *s, struct agent *a, struct json_object *rec)
{
	struct claude		*c = claude_of(a);
	struct json_object	*usage = agent_obj(rec, "usage"), *o;
	double			 cost = json_object_get_double(agent_obj(rec, "total_cost_usd"));
	const char		*sub = agent_str(rec, "subtype");
	int64_t			 t[4];
	int			 i;

	o = json_object_new_object();
	if (sub != NULL)
		json_object_object_add(o, "subtype", json_object_new_string(sub));
	agent_event(s, "turn_end", o, rec, "stream");
	if (agent_obj(rec, "is_error") != NULL &&
	    json_object_get_boolean(agent_obj(rec, "is_error")))
		agent_text_event(s, "error", agent_str(rec, "result") != NULL ?
		    agent_str(rec, "result") : (sub != NULL ? sub : "error"), rec, "stream");
	/* The turn's usage: what its messages did not already count. */
	claude_stream_tokens(usage, t);
	for (i = 0; i < 4; i++) {
		t[i] = t[i] > c->turn[i] ? t[i] - c->turn[i] : 0;
		c->turn[i] = 0;
	}
	agent_usage(s, t[0], t[1], t[2], t[3], cost > c->cost_seen ? cost - c->cost_seen : 0,
	    rec);
	c->cost_seen = cost;
	if (s->agent != NULL)
		agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
}

void
claude_stream_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct claude		*c = claude_of(a);
	struct json_object	*msg = agent_obj(rec, "message");
	const char		*type = agent_str(rec, "type"), *sub, *id;

	if (type == NULL)
		return;
	if (strcmp(type, "control_response") == 0) {
		id = agent_str(agent_obj(rec, "response"), "request_id");
		if (id != NULL && strcmp(id, CLAUDE_INIT_ID) == 0 &&
		    a->status == AGENT_STARTING) {
			agent_event(s, "agent_started", NULL, NULL, "stream");
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
		}
	} else if (strcmp(type, "control_request") == 0)
		claude_stream_control(s, a, rec);
	else if (strcmp(type, "system") == 0) {
		sub = agent_str(rec, "subtype");
		if (sub != NULL && strcmp(sub, "init") == 0 &&
		    (id = agent_str(rec, "session_id")) != NULL &&
		    (a->uuid == NULL || strcmp(a->uuid, id) != 0)) {
			free(a->uuid);
			a->uuid = xstrdup(id);
			agent_persist(s);
		}
	} else if (strcmp(type, "conversation_reset") == 0) {
		c->cost_seen = 0;
		agent_event(s, "conversation_reset", NULL, rec, "stream");
	} else if (strcmp(type, "assistant") == 0 && msg != NULL) {
		a->turn_seen = 1;
		agent_assistant_blocks(s, agent_obj(msg, "content"), rec, "tool_use",
		    "input");
		claude_stream_message_usage(s, c, msg, rec);
		if (s->agent == NULL)
			return;
		if (a->status == AGENT_WORKING)
			agent_set(s, AGENT_WORKING, "stream", "thinking", NULL);
	} else if (strcmp(type, "user") == 0 && msg != NULL)
		claude_user(s, agent_obj(msg, "content"), rec);
	else if (strcmp(type, "result") == 0)
		claude_stream_result(s, a, rec);
}

/* A user line of content (taken): a string, or content blocks. */
static int
claude_stream_user(struct session *s, struct json_object *content)
{
	struct json_object	*o, *m;
	int			 rc;

	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", content);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("user"));
	json_object_object_add(o, "message", m);
	rc = agent_stream_write(s, o);
	json_object_put(o);
	return (rc);
}

int
claude_stream_send(struct session *s, struct agent *a, const char *text)
{
	(void)a;
	return (claude_stream_user(s, json_object_new_string(text)));
}

int
claude_stream_send_blocks(struct session *s, struct agent *a, struct json_object *content)
{
	(void)a;
	return (claude_stream_user(s, json_object_get(content)) == -1 ? -2 : 0);
}

int
claude_stream_approve(struct session *s, struct agent *a, int allow, const char *message)
{
	struct json_object	*r, *input;

	r = json_object_new_object();
	json_object_object_add(r, "behavior", json_object_new_string(allow ? "allow" : "deny"));
	if (allow) {
		/* Allowed as asked: its input unchanged. */
		input = agent_obj(a->pending, "input");
		json_object_object_add(r, "updatedInput", input != NULL ?
		    json_object_get(input) : json_object_new_object());
	} else
		json_object_object_add(r, "message", json_object_new_string(
		    message != NULL ? message : "denied through agentd"));
	claude_stream_respond(s, a->pending_id, r, NULL);
	return (0);
}

void
claude_stream_interrupt(struct session *s, struct agent *a)
{
	struct claude	*c = claude_of(a);
	char		 id[32];

	snprintf(id, sizeof id, "agentd-%d", ++c->requests);
	claude_stream_request(s, id, "interrupt");
}

/* Its own /clear: a new conversation (and session id) in the same process. */
void
claude_stream_reset(struct session *s, struct agent *a)
{
	(void)a;
	agent_submit_command(s, "/clear", 0);
}
