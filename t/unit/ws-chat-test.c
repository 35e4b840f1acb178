/*
 * Unit tests of the seed chat view's mapping (daemon/ws-chat.c, issue 15 item 4):
 * the events agentd records, by kind, as claude's stream-json shapes - for a
 * claude session its own record once, for codex's and openclaw's (and agentd's
 * own) events the mapping, whatever their raw record looks like.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent.h"
#include "ws.h"
#include "tap.h"

/* The frames ws_queue_json was given, in order. */
static struct json_object	*sent;

void
ws_queue_json(struct ws_client *v, struct json_object *o)
{
	(void)v;
	json_object_array_add(sent, o);
}

void
ws_queue_error(struct ws_client *v, const char *code, const char *msg)
{
	(void)v; (void)code; (void)msg;
}

void
ws_msg_apply(struct ws_client *v, const struct ws_msg *m)
{
	(void)v; (void)m;
}

int
agent_submit_images(struct session *s, const char *text, struct json_object *images,
    const char *from, enum agd_err *code, char **cause)
{
	(void)s; (void)text; (void)images; (void)from; (void)code; (void)cause;
	return (0);
}

int
agent_answer_tool(struct session *s, const char *tool_id, struct json_object *answers,
    const char *by, enum agd_err *code, char **cause)
{
	(void)s; (void)tool_id; (void)answers; (void)by; (void)code; (void)cause;
	return (0);
}

/* Feed the event (JSON text) live; the frame it made, or NULL. Borrowed. */
static struct json_object *
feed(struct ws_client *v, const char *text)
{
	struct json_object	*ev = json_tokener_parse(text);
	size_t			 n = json_object_array_length(sent);

	if (ev == NULL) {
		printf("# bad test JSON: %s\n", text);
		exit(1);
	}
	ws_chat_event(v, ev, NULL);
	json_object_put(ev);
	return (json_object_array_length(sent) > n ?
	    json_object_array_get_idx(sent, json_object_array_length(sent) - 1) : NULL);
}

/* The string at a path of keys and array indexes ("message.content.0.type"). */
static const char *
at(struct json_object *o, const char *path)
{
	char	 buf[256], *p, *k;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf; o != NULL && (k = strsep(&p, ".")) != NULL; ) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	}
	return (o != NULL ? json_object_get_string(o) : NULL);
}

/* The mapping of an agent's events: codex's, openclaw's (raw not claude's). */
static void
test_agent(const char *agent, const char *raw, const char *end, const char *want_sub)
{
	struct ws_client	 v;
	struct json_object	*f;
	char			 ev[1024];

	memset(&v, 0, sizeof v);
	snprintf(ev, sizeof ev, "{\"type\":\"agent_started\",\"agent\":\"%s\",\"raw\":%s}",
	    agent, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "system", "%s agent_started: system", agent);
	is_str(at(f, "subtype"), "init", "%s agent_started: init", agent);

	f = feed(&v, "{\"type\":\"message\",\"text\":\"fix it\",\"from\":\"u\"}");
	is_str(at(f, "type"), "user", "%s message: user", agent);
	is_str(at(f, "message.content.0.type"), "text", "%s message: a text block", agent);
	is_str(at(f, "message.content.0.text"), "fix it", "%s message: its text", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"assistant_text\",\"agent\":\"%s\","
	    "\"text\":\"on it\",\"raw\":%s}", agent, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "assistant", "%s assistant_text: assistant", agent);
	is_str(at(f, "message.role"), "assistant", "%s assistant_text: role", agent);
	is_str(at(f, "message.content.0.text"), "on it", "%s assistant_text: text", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"tool_use\",\"agent\":\"%s\",\"id\":\"t1\","
	    "\"tool\":\"Bash\",\"input\":{\"command\":\"ls\"},\"raw\":%s}", agent, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "assistant", "%s tool_use: assistant", agent);
	is_str(at(f, "message.content.0.type"), "tool_use", "%s tool_use: a tool_use block",
	    agent);
	is_str(at(f, "message.content.0.id"), "t1", "%s tool_use: id", agent);
	is_str(at(f, "message.content.0.name"), "Bash", "%s tool_use: name", agent);
	is_str(at(f, "message.content.0.input.command"), "ls", "%s tool_use: input", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"tool_result\",\"agent\":\"%s\",\"id\":\"t1\","
	    "\"output\":\"a b\",\"isError\":false,\"raw\":%s}", agent, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "user", "%s tool_result: user", agent);
	is_str(at(f, "message.content.0.type"), "tool_result", "%s tool_result: block", agent);
	is_str(at(f, "message.content.0.tool_use_id"), "t1", "%s tool_result: tool_use_id",
	    agent);
	is_str(at(f, "message.content.0.content"), "a b", "%s tool_result: content", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"usage\",\"agent\":\"%s\",\"total\":"
	    "{\"inputTokens\":12,\"outputTokens\":5,\"costUsd\":0.25},\"raw\":%s}", agent, raw);
	ok(feed(&v, ev) == NULL, "%s usage: no frame of its own", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"error\",\"agent\":\"%s\",\"text\":\"boom\","
	    "\"raw\":%s}", agent, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "system", "%s error: system", agent);
	is_str(at(f, "error"), "boom", "%s error: its text", agent);

	snprintf(ev, sizeof ev, "{\"type\":\"turn_end\",\"agent\":\"%s\",%s,\"raw\":%s}",
	    agent, end, raw);
	f = feed(&v, ev);
	is_str(at(f, "type"), "result", "%s turn_end: result", agent);
	is_str(at(f, "subtype"), want_sub, "%s turn_end (%s): subtype %s", agent, end, want_sub);
	is_str(at(f, "total_cost_usd"), "0.25", "%s turn_end: total_cost_usd", agent);
	is_str(at(f, "usage.input_tokens"), "12", "%s turn_end: usage.input_tokens", agent);
	is_str(at(f, "usage.output_tokens"), "5", "%s turn_end: usage.output_tokens", agent);

	f = feed(&v, "{\"type\":\"status\",\"status\":\"idle\"}");
	ok(f == NULL, "%s status: not a chat frame", agent);
}

int
main(void)
{
	struct ws_client	 v;
	struct json_object	*f;
	const char		*claude = "{\"type\":\"assistant\",\"message\":{\"role\":"
	    "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}";
	char			 ev[1024];

	sent = json_object_new_array();
	test_agent("codex", "{\"jsonrpc\":\"2.0\",\"method\":\"item/completed\"}",
	    "\"status\":\"completed\"", "success");
	test_agent("codex", "{\"jsonrpc\":\"2.0\",\"method\":\"turn/completed\"}",
	    "\"status\":\"interrupted\"", "error_during_execution");
	/* openclaw's records have a "type": never taken for claude's own. */
	test_agent("openclaw", "{\"type\":\"result\",\"payloads\":[]}", "\"rc\":0", "success");
	test_agent("openclaw", "{\"type\":\"user\"}", "\"rc\":2", "error_during_execution");

	/* claude: its own record, once for the several events it made. */
	memset(&v, 0, sizeof v);
	snprintf(ev, sizeof ev, "{\"type\":\"assistant_text\",\"agent\":\"claude\","
	    "\"text\":\"hi\",\"raw\":%s}", claude);
	f = feed(&v, ev);
	is_str(at(f, "message.content.0.text"), "hi", "claude: its own record");
	snprintf(ev, sizeof ev, "{\"type\":\"usage\",\"agent\":\"claude\",\"raw\":%s}", claude);
	ok(feed(&v, ev) == NULL, "claude: the same record once");

	json_object_put(sent);
	return (tap_done());
}
