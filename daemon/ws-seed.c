/*
 * The seed source's WebSocket protocol, spoken on /api/agents/sessions/NAME/terminal
 * (and .../ws) for the clients people bring from it (its web UI's terminal view):
 *
 *   server -> client  binary frames of raw terminal bytes (no seq), the recent
 *                     output first, then live; {"type":"exit","exitCode","signal"}
 *                     when the agent ends; then close 1000 "Session ended" (it
 *                     exited) or "Session killed" (DELETE); 4004 for no session
 *   client -> server  binary frames are keystrokes; {"type":"resize","cols","rows"};
 *                     {"type":"input","text"} is a message
 *
 * A stream session's viewer gets its chat view instead (ws-chat.c). Everything
 * else of a viewer is ws.c's: the pump, the ring and the log, the per-user cap,
 * pings (WebSocket pings only: a JSON one would reach the page).
 */
#include <stdlib.h>
#include <string.h>

#include <wslay/wslay.h>

#include "agentd.h"
#include "json.h"
#include "ws-parse.h"
#include "ws.h"

/* Close code of the seed protocol for a session that does not exist. */
#define WS_SEED_CLOSE_UNKNOWN	4004

void
ws_seed_open(struct ws_client *v)
{
	if (v->unknown)
		ws_close_with(v, WS_SEED_CLOSE_UNKNOWN, "Session not found");
	else if (v->chat)
		ws_chat_open(v);
}

/*
 * The frame of the exit event: {"type":"exit","exitCode":N,"signal":S} as node-pty
 * reports an end (a signal's exitCode is 0), null where agentd knows nothing (a
 * lost holder). Notes whether it was killed. Returns a new object.
 */
static struct json_object *
ws_seed_exit(struct ws_client *v, struct json_object *ev)
{
	struct json_object	*o, *code, *sig;
	const char		*status = NULL;

	agd_json_get_string(ev, "status", &status);
	v->killed = status != NULL && strcmp(status, "terminated") == 0;
	if (!json_object_object_get_ex(ev, "exitCode", &code) ||
	    !json_object_is_type(code, json_type_int))
		code = NULL;
	if (!json_object_object_get_ex(ev, "exitSignal", &sig) ||
	    !json_object_is_type(sig, json_type_int))
		sig = NULL;
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("exit"));
	json_object_object_add(o, "exitCode", code != NULL ? json_object_get(code) :
	    sig != NULL ? json_object_new_int(0) : NULL);
	json_object_object_add(o, "signal", sig != NULL ? json_object_get(sig) : NULL);
	return (o);
}

void
ws_seed_rec(struct ws_client *v, int type, const uint8_t *p, size_t n)
{
	struct json_object	*ev, *exit = NULL;
	const char		*t = NULL;
	char			*cause;

	if (type == AGD_REC_TTY) {
		/* A stream session's terminal output is a rendering of its events. */
		if (!v->chat)
			ws_queue(v, WSLAY_BINARY_FRAME, p, n);
		return;
	}
	if ((ev = agd_json_parse((const char *)p, n, &cause)) == NULL) {
		free(cause);
		return;
	}
	if (agd_json_get_string(ev, "type", &t) == 0 && t != NULL && strcmp(t, "exit") == 0)
		exit = ws_seed_exit(v, ev);
	if (v->chat)
		ws_chat_event(v, ev, exit);
	else if (exit != NULL)
		ws_queue_json(v, exit);
	json_object_put(ev);
}

void
ws_seed_text(struct ws_client *v, const uint8_t *p, size_t n)
{
	struct ws_msg	m;
	struct ws_fail	f;

	if (ws_parse_seed_msg(p, n, &m, &f) == -1)
		ws_queue_error(v, f.code, f.msg);
	else if (v->chat)
		ws_chat_message(v, &m);
	else if (m.type == WS_MSG_TOOL_ANSWER)
		ws_queue_error(v, "invalid_field", "tool_answer: not a stream session");
	else
		ws_msg_apply(v, &m);
	ws_msg_free(&m);
}

void
ws_seed_binary(struct ws_client *v, const uint8_t *p, size_t n)
{
	struct ws_msg	m;

	if (n > AGD_MESSAGE_MAX) {
		ws_queue_error(v, "too_large", "input too long");
		return;
	}
	memset(&m, 0, sizeof m);
	m.type = WS_MSG_INPUT;
	m.data = (const char *)p;
	m.len = n;
	ws_msg_apply(v, &m);
}

const char *
ws_seed_reason(struct ws_client *v)
{
	return (v->killed ? "Session killed" : "Session ended");
}
