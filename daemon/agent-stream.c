/*
 * The stream transport of the agent engine (doc/DESIGN.md "Transports"): a
 * session whose agent runs its structured channel on pipes (the holder's -p)
 * instead of its TUI on a PTY. Each line the agent writes comes here for its
 * kind's stream_line hook; messages, approvals and resets go to the agent
 * through the kind's stream hooks; and what happens - the messages, the
 * agent's text, its tool calls and their results, the approvals - is rendered
 * as readable text into the session's terminal output, so the WebSocket,
 * /output and a terminal view of a stream session are never empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* A tool's input is shown cut to this many bytes (its event has all of it). */
#define AGENT_RENDER_INPUT_MAX	200
/* A tool's result is shown cut to this many bytes. */
#define AGENT_RENDER_RESULT_MAX	800

/* SGR sequences of the rendering. */
#define R_BOLD		"\x1b[1m"
#define R_DIM		"\x1b[2m"
#define R_RED		"\x1b[31m"
#define R_GREEN		"\x1b[32m"
#define R_YELLOW	"\x1b[33m"
#define R_MAGENTA	"\x1b[35m"
#define R_CYAN		"\x1b[36m"
#define R_OFF		"\x1b[0m"

int
agent_stream_write(struct session *s, struct json_object *v)
{
	const char	*text;
	char		*line;
	size_t		 len;
	int		 rc;

	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	line = xmalloc(len + 1);
	memcpy(line, text, len);
	line[len] = '\n';
	rc = session_input(s, line, len + 1);
	free(line);
	if (rc == -1)
		log_warnx("session %s: the agent's stdin is full: a line dropped", s->name);
	return (rc);
}

void
agent_render(struct session *s, const char *text)
{
	const char	*p, *nl;

	/* The terminal's newlines: "\r\n". */
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl > p && nl[-1] == '\r')
			session_tty(s, p, (size_t)(nl + 1 - p));
		else {
			session_tty(s, p, (size_t)(nl - p));
			session_tty(s, "\r\n", 2);
		}
	}
	if (*p != '\0')
		session_tty(s, p, strlen(p));
}

/* text cut to max bytes on a character boundary, "..." added if cut; caller frees. */
static char *
agent_render_cut(const char *text, size_t max)
{
	size_t	len = strlen(text);
	char	*out;

	if (len <= max)
		return (xstrdup(text));
	while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
		max--;
	xasprintf(&out, "%.*s...", (int)max, text);
	return (out);
}

/* A tool's input in a line: its command or path if it has one, else its JSON. */
static char *
agent_render_input(struct json_object *input)
{
	const char	*t;

	if ((t = agent_str(input, "command")) == NULL &&
	    (t = agent_str(input, "cmd")) == NULL &&
	    (t = agent_str(input, "file_path")) == NULL &&
	    (t = agent_str(input, "path")) == NULL)
		t = input != NULL ? json_object_to_json_string_ext(input,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	return (agent_render_cut(t, AGENT_RENDER_INPUT_MAX));
}

/* Render one line of format with the strings a and b (either may be NULL). */
static void
agent_render_line(struct session *s, const char *fmt, const char *a, const char *b)
{
	char	*line;

	xasprintf(&line, fmt, a != NULL ? a : "", b != NULL ? b : "");
	agent_render(s, line);
	free(line);
}

void
agent_stream_render(struct session *s, const char *type, struct json_object *f)
{
	struct json_object	*out;
	char			*in, *text;

	if (strcmp(type, "user_message") == 0)
		agent_render_line(s, "\n" R_CYAN "> " R_OFF R_BOLD "%s" R_OFF "%s\n",
		    agent_str(f, "text"), NULL);
	else if (strcmp(type, "assistant_text") == 0)
		agent_render_line(s, "%s%s\n", agent_str(f, "text"), NULL);
	else if (strcmp(type, "tool_use") == 0 || strcmp(type, "permission_request") == 0) {
		in = agent_render_input(agent_obj(f, "input"));
		agent_render_line(s, strcmp(type, "tool_use") == 0 ?
		    R_YELLOW "* %s" R_OFF "(%s)\n" : R_MAGENTA R_BOLD "? %s wants to run: %s"
		    R_OFF R_MAGENTA " - waiting for approval" R_OFF "\n",
		    agent_str(f, "tool"), in);
		free(in);
	} else if (strcmp(type, "tool_result") == 0) {
		out = agent_obj(f, "output");
		if (out != NULL && json_object_is_type(out, json_type_string))
			text = xstrdup(json_object_get_string(out));
		else if ((text = agent_content_text(out, "text")) == NULL)
			text = xstrdup("(no output)");
		in = agent_render_cut(text, AGENT_RENDER_RESULT_MAX);
		agent_render_line(s, R_DIM "  -> %s" R_OFF "%s\n", in, NULL);
		free(in);
		free(text);
	} else if (strcmp(type, "approval") == 0) {
		if (strcmp(agent_str(f, "decision") != NULL ? agent_str(f, "decision") : "",
		    "allow") == 0)
			agent_render_line(s, R_GREEN "  allowed by %s" R_OFF "%s\n",
			    agent_str(f, "by"), NULL);
		else
			agent_render_line(s, R_RED "  denied by %s" R_OFF " %s\n",
			    agent_str(f, "by"), agent_str(f, "message"));
	} else if (strcmp(type, "error") == 0 || strcmp(type, "capped") == 0)
		agent_render_line(s, R_RED "! %s%s" R_OFF "\n", type[0] == 'c' ?
		    "capped: " : "", agent_str(f, type[0] == 'c' ? "reason" : "text"));
	else if (strcmp(type, "agent_started") == 0)
		agent_render_line(s, R_DIM "[%s ready]" R_OFF "%s\n",
		    s->agent->kind->name, NULL);
}

int
agent_stream_line(struct session *s, const char *line, size_t len)
{
	struct agent		*a = s->agent;
	struct json_object	*v;
	char			*cause;

	if (a == NULL || s->transport != SESSION_STREAM || a->kind->stream_line == NULL)
		return (0);
	if (len == 0)
		return (1);
	if ((v = agd_json_parse(line, len, &cause)) == NULL ||
	    !json_object_is_type(v, json_type_object)) {
		/* Not the channel's (its stderr, a warning): shown as it is. */
		if (v == NULL)
			free(cause);
		json_object_put(v);
		agent_render_line(s, R_DIM "%s" R_OFF "%s\n", line, NULL);
		return (1);
	}
	a->in_stream = 1;
	a->ev_detail = agent_str(v, "type");
	a->kind->stream_line(s, a, v);
	if (s->agent != NULL) {
		s->agent->in_stream = 0;
		s->agent->ev_detail = NULL;
	}
	json_object_put(v);
	return (1);
}

void
agent_stream_deliver(struct session *s, struct qmsg *m)
{
	struct agent		*a = s->agent;

	if (a->kind->stream_send == NULL || a->kind->stream_send(s, a, m->text) == -1) {
		agent_text_event(s, "error", "the agent's stream did not take a message",
		    NULL, "stream");
		return;
	}
	agent_render_line(s, "\n" R_CYAN "> " R_OFF R_BOLD "%s" R_OFF "%s\n", m->text, NULL);
	a->delivered_ms = agd_now_ms();
	a->turn_seen = 0;
	agent_delivered(s, m, "stream");
}

int
agent_stream_approve(struct session *s, int allow, const char *message, const char *by,
    enum agd_err *code, char **cause)
{
	struct agent		*a = s->agent;

	if (a->kind->stream_approve == NULL || a->pending_id == NULL ||
	    a->kind->stream_approve(s, a, allow, message) == -1) {
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "%s has no approval its stream can answer", s->name);
		return (-1);
	}
	agent_approval_event(s, allow, by, "stream", message, 0);
	free(a->pending_id);
	a->pending_id = NULL;
	agent_set(s, AGENT_WORKING, "stream", "thinking", NULL);
	return (0);
}

void
agent_restore(struct session *s)
{
	struct agent		*a = s->agent;
	struct json_object	*p;
	char			*status, *pending, *id, *cause;

	a->started_up = 1;	/* it started before the restart: no dialogs */
	persist_agent_load(s->id, &a->uuid, &a->records, &a->roff, &a->in, &a->out,
	    &a->cread, &a->cwrite, &a->cost);
	/* A hook's or the screen's approval is asked again by them: no id is kept. */
	if (s->transport != SESSION_STREAM ||
	    !persist_pending_load(s->id, &status, &pending, &id))
		return;
	if (strcmp(status, "waiting_approval") == 0 &&
	    (p = agd_json_parse(pending, strlen(pending), &cause)) != NULL) {
		a->pending_id = id;
		id = NULL;
		agent_evidence(s, "the approval open before the daemon's restart");
		agent_set(s, AGENT_WAITING, "stream", "waiting_approval", p);
	} else if (strcmp(status, "waiting_approval") == 0) {
		log_warnx("session %s: its pending approval is unreadable: %s", s->name,
		    cause);
		free(cause);
	}
	free(status);
	free(pending);
	free(id);
}
