/*
 * What the seed protocol's chat view asks of a stream session's agent beyond a
 * message (ws-chat.c): a message with images (image content blocks), and the
 * answer to an AskUserQuestion tool (its can_use_tool request allowed with the
 * answers in its input, as claude's own clients answer it).
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "json.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* The tool whose approval is a question for the user. */
#define AGENT_ASK_TOOL		"AskUserQuestion"

int
agent_submit_images(struct session *s, const char *text, struct json_object *images,
    const char *from, enum agd_err *code, char **cause)
{
	struct agent		*a = s->agent;
	struct json_object	*content, *o, *b;
	size_t			 i;
	int			 rc;

	if (a == NULL || s->transport != SESSION_STREAM || a->kind->stream_send_blocks == NULL) {
		*code = AGD_ERR_INVALID_FIELD;
		xasprintf(cause, "images: the agent of %s takes text only", s->name);
		return (-1);
	}
	/* What session_message refuses, refused here too, before it is recorded. */
	if (s->flags & SESSION_CAPPED) {
		*code = AGD_ERR_CAPPED;
		xasprintf(cause, "%s reached its cap: raise it with POST .../limits", s->name);
		return (-1);
	}
	if (session_notify_full(s)) {
		*code = AGD_ERR_QUEUE_FULL;
		xasprintf(cause, "too many messages wait for %s", s->name);
		return (-1);
	}
	/*
	 * Only to an idle agent with nothing queued: content blocks do not wait in
	 * the queue, and claude waiting on a question or still starting would be
	 * marked working with its request left open.
	 */
	if (a->status != AGENT_IDLE || !TAILQ_EMPTY(&a->queue) || a->delivering) {
		*code = AGD_ERR_BUSY;
		xasprintf(cause, "%s is not idle (a turn, a question or its start is under way, "
		    "or messages wait): send the images again when it is idle", s->name);
		return (-1);
	}
	content = json_object_new_array();
	if (*text != '\0') {
		b = json_object_new_object();
		json_object_object_add(b, "type", json_object_new_string("text"));
		json_object_object_add(b, "text", json_object_new_string(text));
		json_object_array_add(content, b);
	}
	for (i = 0; i < json_object_array_length(images); i++)
		json_object_array_add(content,
		    json_object_get(json_object_array_get_idx(images, i)));
	rc = a->kind->stream_send_blocks(s, a, content);
	json_object_put(content);
	if (rc == -1) {
		*code = AGD_ERR_BUSY;
		xasprintf(cause, "%s cannot take a message with images now (a turn or a new "
		    "conversation is under way): send it again when it is idle", s->name);
		return (-1);
	}
	if (rc != 0) {
		*code = AGD_ERR_INPUT_FULL;
		xasprintf(cause, "the agent of %s does not read its input: the message "
		    "was not sent", s->name);
		return (-1);
	}
	a->delivered_ms = agd_now_ms();
	a->turn_seen = 0;
	/* The event says how many images came, not their bytes (they are the agent's). */
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "source", json_object_new_string("ws"));
	json_object_object_add(o, "images",
	    json_object_new_int((int)json_object_array_length(images)));
	session_event(s, "message", o);
	agent_render(s, "> (a message with images)\n");
	/* Working from now (as a delivered text): what comes next waits in the queue. */
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
	return (0);
}

int
agent_answer_tool(struct session *s, const char *tool_id, struct json_object *answers,
    const char *by, enum agd_err *code, char **cause)
{
	struct agent		*a = s->agent;
	struct json_object	*input;
	const char		*tool, *id;

	if (a == NULL || s->transport != SESSION_STREAM || a->status != AGENT_WAITING ||
	    (tool = agent_str(a->pending, "tool")) == NULL ||
	    strcmp(tool, AGENT_ASK_TOOL) != 0) {
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "no question of %s waits for an answer", s->name);
		return (-1);
	}
	/* The request names its tool call when the agent says which (claude does). */
	if ((id = agent_str(a->pending, "toolUseId")) != NULL && strcmp(id, tool_id) != 0) {
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "the question waiting is %s, not %s", id, tool_id);
		return (-1);
	}
	if ((input = agent_obj(a->pending, "input")) != NULL &&
	    json_object_is_type(input, json_type_object))
		json_object_object_add(input, "answers", json_object_get(answers));
	return (agent_approve(s, 1, NULL, by, code, cause));
}
