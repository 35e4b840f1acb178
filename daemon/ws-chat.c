/*
 * The seed protocol's chat view (issue 15, item 4): what a viewer of a stream
 * session gets on /terminal, built from the events agentd records for it.
 *
 *   first   {"type":"replay","events":[...],"usage":{"inputTokens","outputTokens",
 *           "costUsd"}}: the events since the last reset (or after since=N), at
 *           most WS_CHAT_REPLAY_MAX bytes of them, the newest kept
 *   then    each event as its own text frame
 *   client  {"type":"input","text","images"?} (a message; images as image content
 *           blocks), {"type":"tool_answer","toolId","answers"} answered with
 *           {"type":"tool_answer_ack","toolId"} or {"type":"tool_answer_error",...}
 *
 * Events are in claude's stream-json shapes: system (init), assistant (message
 * with content blocks and usage), user (a message, tool results), result
 * (total_cost_usd, usage). A claude stream's own record (the event's "raw") is
 * sent as it is, once for the several events one record makes; the events of
 * the other agents (and agentd's own: messages) are mapped into those shapes.
 * The readable rendering of the conversation (tty records) is not sent.
 */
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "agent.h"
#include "agentd.h"
#include "json.h"
#include "ws-parse.h"
#include "ws.h"
#include "xmalloc.h"

/*
 * The events of one replay frame: a long conversation's last ones, in the frame
 * a browser parses at once (what does not fit is dropped, oldest first).
 */
#define WS_CHAT_REPLAY_MAX	(4 * 1024 * 1024)

/* The claude stream-json record types that are sent as they are. */
static const char *const ws_chat_raw_types[] = { "system", "assistant", "user", "result" };

/* FNV-1a of the text: tells a record from the one sent before it. */
static uint64_t
ws_chat_hash(const char *p, size_t n)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

static struct json_object *
ws_chat_get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (v);
}

static const char *
ws_chat_str(struct json_object *o, const char *key)
{
	struct json_object	*v = ws_chat_get(o, key);

	return (v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL);
}

/* {"type":T,"message":{"role":R,"content":[block]}} (block taken). */
static struct json_object *
ws_chat_record(const char *type, struct json_object *block)
{
	struct json_object	*o, *m, *c;

	c = json_object_new_array();
	json_object_array_add(c, block);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string(type));
	json_object_object_add(m, "content", c);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "message", m);
	return (o);
}

/* A content block {"type":T, key: value (taken)}. */
static struct json_object *
ws_chat_block(const char *type, const char *key, struct json_object *value)
{
	struct json_object	*b = json_object_new_object();

	json_object_object_add(b, "type", json_object_new_string(type));
	json_object_object_add(b, key, value);
	return (b);
}

static struct json_object *
ws_chat_copy(struct json_object *ev, const char *key)
{
	struct json_object	*v = ws_chat_get(ev, key);

	return (v != NULL ? json_object_get(v) : NULL);
}

/* The usage totals of a usage event, for the replay frame and results. */
static void
ws_chat_usage(struct ws_client *v, struct json_object *ev)
{
	struct json_object	*t = ws_chat_get(ev, "total");

	if (t == NULL)
		return;
	v->chat_in = json_object_get_int64(ws_chat_get(t, "inputTokens"));
	v->chat_out = json_object_get_int64(ws_chat_get(t, "outputTokens"));
	v->chat_cost = json_object_get_double(ws_chat_get(t, "costUsd"));
}

/*
 * A turn_end's result subtype: claude's own (subtype), codex's turn status
 * (completed, interrupted, failed), openclaw's exit (rc); success when unsaid.
 */
static const char *
ws_chat_turn_subtype(struct json_object *ev)
{
	struct json_object	*rc = ws_chat_get(ev, "rc");
	const char		*sub = ws_chat_str(ev, "subtype");
	const char		*st = ws_chat_str(ev, "status");

	if (sub != NULL)
		return (sub);
	if ((st != NULL && strcmp(st, "completed") != 0) ||
	    (rc != NULL && json_object_get_int64(rc) != 0))
		return ("error_during_execution");
	return ("success");
}

/*
 * An event of agentd's own, or of an agent other than claude, in claude's shapes,
 * by its kind (the event types of doc/DESIGN.md "Events", whatever agent made them).
 */
static struct json_object *
ws_chat_map(struct ws_client *v, const char *type, struct json_object *ev)
{
	struct json_object	*b, *o, *u;
	const char		*sub;

	if (strcmp(type, "message") == 0) {
		b = ws_chat_block("text", "text", ws_chat_copy(ev, "text"));
		return (ws_chat_record("user", b));
	}
	if (strcmp(type, "assistant_text") == 0) {
		b = ws_chat_block("text", "text", ws_chat_copy(ev, "text"));
		return (ws_chat_record("assistant", b));
	}
	if (strcmp(type, "tool_use") == 0) {
		b = ws_chat_block("tool_use", "id", ws_chat_copy(ev, "id"));
		json_object_object_add(b, "name", ws_chat_copy(ev, "tool"));
		json_object_object_add(b, "input", ws_chat_copy(ev, "input"));
		return (ws_chat_record("assistant", b));
	}
	if (strcmp(type, "tool_result") == 0) {
		b = ws_chat_block("tool_result", "tool_use_id", ws_chat_copy(ev, "id"));
		json_object_object_add(b, "content", ws_chat_copy(ev, "output"));
		json_object_object_add(b, "is_error", ws_chat_copy(ev, "isError"));
		return (ws_chat_record("user", b));
	}
	if (strcmp(type, "agent_started") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("system"));
		json_object_object_add(o, "subtype", json_object_new_string("init"));
		json_object_object_add(o, "agent", ws_chat_copy(ev, "agent"));
		return (o);
	}
	if (strcmp(type, "error") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("system"));
		json_object_object_add(o, "subtype", json_object_new_string("error"));
		json_object_object_add(o, "error", ws_chat_copy(ev, "text"));
		return (o);
	}
	if (strcmp(type, "turn_end") == 0) {
		sub = ws_chat_turn_subtype(ev);
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("result"));
		json_object_object_add(o, "subtype", json_object_new_string(
		    sub != NULL ? sub : "success"));
		json_object_object_add(o, "is_error", json_object_new_boolean(
		    sub != NULL && strcmp(sub, "success") != 0));
		json_object_object_add(o, "total_cost_usd",
		    json_object_new_double(v->chat_cost));
		u = json_object_new_object();
		json_object_object_add(u, "input_tokens", json_object_new_int64(v->chat_in));
		json_object_object_add(u, "output_tokens", json_object_new_int64(v->chat_out));
		json_object_object_add(o, "usage", u);
		return (o);
	}
	return (NULL);
}

/*
 * The frame of event ev (of this type), or NULL: its claude record once, or its
 * mapping. Returns a new object.
 */
static struct json_object *
ws_chat_frame(struct ws_client *v, const char *type, struct json_object *ev)
{
	struct json_object	*raw = ws_chat_get(ev, "raw"), *f;
	const char		*ag, *rt, *text;
	size_t			 i, len;
	uint64_t		 h;

	if (strcmp(type, "usage") == 0)
		ws_chat_usage(v, ev);
	/* Only claude's records are claude's shapes (openclaw's have a "type" too). */
	ag = ws_chat_str(ev, "agent");
	rt = ag != NULL && strcmp(ag, "claude") == 0 ? ws_chat_str(raw, "type") : NULL;
	for (i = 0; rt != NULL && i < sizeof ws_chat_raw_types / sizeof ws_chat_raw_types[0];
	    i++) {
		if (strcmp(rt, ws_chat_raw_types[i]) != 0)
			continue;
		/* The several events of one record: the record once. */
		text = agd_json_text(raw, &len);
		if ((h = ws_chat_hash(text, len)) == v->chat_raw)
			return (NULL);
		v->chat_raw = h;
		return (json_object_get(raw));
	}
	if (strcmp(type, "usage") == 0 || (f = ws_chat_map(v, type, ev)) == NULL)
		return (NULL);
	v->chat_raw = 0;
	return (f);
}

/* The replay frame: the events gathered, then the exit of an ended session. */
static void
ws_chat_replay_send(struct ws_client *v)
{
	struct json_object	*o, *u;

	u = json_object_new_object();
	json_object_object_add(u, "inputTokens", json_object_new_int64(v->chat_in));
	json_object_object_add(u, "outputTokens", json_object_new_int64(v->chat_out));
	json_object_object_add(u, "costUsd", json_object_new_double(v->chat_cost));
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("replay"));
	json_object_object_add(o, "events", v->chat_replay);
	json_object_object_add(o, "usage", u);
	v->chat_replay = NULL;
	v->chat_replay_bytes = 0;
	v->replaying = 0;
	ws_queue_json(v, o);
	if (v->chat_exit != NULL) {
		ws_queue_json(v, v->chat_exit);
		v->chat_exit = NULL;
	}
}

void
ws_chat_open(struct ws_client *v)
{
	v->replaying = 1;
	v->chat_replay = json_object_new_array();
	v->chat_replay_bytes = 0;
}

void
ws_chat_caught_up(struct ws_client *v)
{
	if (v->replaying)
		ws_chat_replay_send(v);
}

/* Keep frame f (taken) for the replay, dropping the oldest past WS_CHAT_REPLAY_MAX. */
static void
ws_chat_keep(struct ws_client *v, struct json_object *f)
{
	size_t	len;

	agd_json_text(f, &len);
	json_object_array_add(v->chat_replay, f);
	v->chat_replay_bytes += len;
	while (v->chat_replay_bytes > WS_CHAT_REPLAY_MAX &&
	    json_object_array_length(v->chat_replay) > 1) {
		agd_json_text(json_object_array_get_idx(v->chat_replay, 0), &len);
		json_object_array_del_idx(v->chat_replay, 0, 1);
		v->chat_replay_bytes -= len;
	}
}

void
ws_chat_event(struct ws_client *v, struct json_object *ev, struct json_object *exit)
{
	struct json_object	*f;
	const char		*type = ws_chat_str(ev, "type");

	if (exit != NULL) {
		if (v->replaying) {
			json_object_put(v->chat_exit);
			v->chat_exit = exit;
		} else
			ws_queue_json(v, exit);
		return;
	}
	if (type == NULL || (f = ws_chat_frame(v, type, ev)) == NULL)
		return;
	if (v->replaying)
		ws_chat_keep(v, f);
	else
		ws_queue_json(v, f);
}

/* The images of a seed input as image content blocks (source base64). Caller puts. */
static struct json_object *
ws_chat_images(struct json_object *msg)
{
	struct json_object	*a, *img, *out, *src, *mt;
	size_t			 i;

	if (!json_object_object_get_ex(msg, "images", &a) ||
	    !json_object_is_type(a, json_type_array) || json_object_array_length(a) == 0)
		return (NULL);
	out = json_object_new_array();
	for (i = 0; i < json_object_array_length(a); i++) {
		img = json_object_array_get_idx(a, i);
		if ((mt = ws_chat_get(img, "mediaType")) == NULL)
			mt = ws_chat_get(img, "media_type");
		src = json_object_new_object();
		json_object_object_add(src, "type", json_object_new_string("base64"));
		json_object_object_add(src, "media_type", json_object_get(mt));
		json_object_object_add(src, "data", ws_chat_copy(img, "data"));
		json_object_array_add(out, ws_chat_block("image", "source", src));
	}
	return (out);
}

/* {"type": type, "toolId": id} (and the error's text). */
static void
ws_chat_tool_reply(struct ws_client *v, const char *type, const char *id, const char *error)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "toolId", json_object_new_string(id));
	if (error != NULL)
		json_object_object_add(o, "error", json_object_new_string(error));
	ws_queue_json(v, o);
}

void
ws_chat_message(struct ws_client *v, const struct ws_msg *m)
{
	struct json_object	*images;
	enum agd_err		 code;
	char			*cause = NULL;

	/* What ws_msg_apply says of a viewer that may not type, or of an ended session. */
	if (m->type == WS_MSG_RESIZE || !v->can_write || v->s == NULL ||
	    v->s->state == SESSION_ENDED) {
		if (m->type == WS_MSG_TOOL_ANSWER)
			ws_chat_tool_reply(v, "tool_answer_error", m->data, "not allowed now");
		ws_msg_apply(v, m);
		return;
	}
	switch (m->type) {
	case WS_MSG_MESSAGE:
		images = ws_chat_images(m->obj);
		if (images == NULL) {
			ws_msg_apply(v, m);
			break;
		}
		if (agent_submit_images(v->s, m->data, images, v->user, &code, &cause) == -1)
			ws_queue_error(v, agd_err_word(code), cause);
		json_object_put(images);
		break;
	case WS_MSG_TOOL_ANSWER:
		if (agent_answer_tool(v->s, m->data,
		    ws_chat_get(m->obj, "answers"), v->user, &code, &cause) == -1)
			ws_chat_tool_reply(v, "tool_answer_error", m->data, cause);
		else
			ws_chat_tool_reply(v, "tool_answer_ack", m->data, NULL);
		break;
	}
	free(cause);
}
