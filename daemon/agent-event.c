/*
 * What the adapters share to report their agent: the normalized events (each with
 * the agent's own record under "raw"), usage totals, reading JSON records, and
 * answering the agent's dialogs the way a person would (see agent-kind.h).
 */
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "job.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* A larger record of the agent is summarized in its event (size and a flag). */
#define AGENT_RAW_MAX		(64 * 1024)
/* Typed keys of a dialog, then the rest (Enter): the TUI redraws in between. */
#define AGENT_KEYS_LATER_MS	150
/* A dialog answered this recently is still being processed: no new keys. */
#define AGENT_ANSWER_GAP_MS	500

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

const char *
agent_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

struct json_object *
agent_obj(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return (NULL);
	return (v);
}

int64_t
agent_int(struct json_object *o, const char *key)
{
	struct json_object	*v = agent_obj(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return (0);
	return (json_object_get_int64(v));
}

char *
agent_home_path(const char *rel)
{
	const char	*home = getenv("HOME");
	char		*p;

	xasprintf(&p, "%s/%s", home != NULL ? home : "/", rel);
	return (p);
}

char *
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

void
agent_event(struct session *s, const char *type, struct json_object *fields,
    struct json_object *raw, const char *via)
{
	if (fields == NULL)
		fields = json_object_new_object();
	/* What a stream line causes came by the stream, whatever helper says it. */
	if (s->agent->in_stream)
		via = "stream";
	json_object_object_add(fields, "agent",
	    json_object_new_string(s->agent->kind->name));
	json_object_object_add(fields, "via", json_object_new_string(via));
	if (s->transport == SESSION_STREAM)
		agent_stream_render(s, type, fields);
	if (raw != NULL)
		json_object_object_add(fields, "raw", agent_raw(raw));
	session_event(s, type, fields);
}

void
agent_text_event(struct session *s, const char *type, const char *text,
    struct json_object *raw, const char *via)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "text", json_object_new_string(text));
	agent_event(s, type, o, raw, via);
}

void
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

void
agent_tool_result(struct session *s, const char *id, struct json_object *output,
    int is_error, struct json_object *raw)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(id != NULL ? id : ""));
	json_object_object_add(o, "output", json_object_get(output));
	json_object_object_add(o, "isError", json_object_new_boolean(is_error));
	agent_event(s, "tool_result", o, raw, "transcript");
}

/* {inputTokens, ..., costUsd}. */
static struct json_object *
agent_usage_json(int64_t in, int64_t out, int64_t cread, int64_t cwrite, double cost)
{
	struct agd_usage	u = { in, out, cread, cwrite, cost };

	return (agd_usage_new(&u));
}

void
agent_usage(struct session *s, int64_t in, int64_t out, int64_t cread, int64_t cwrite,
    double cost, struct json_object *raw)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	if (in == 0 && out == 0 && cread == 0 && cwrite == 0 && cost == 0)
		return;
	a->in += in;
	a->out += out;
	a->cread += cread;
	a->cwrite += cwrite;
	a->cost += cost;
	o = agent_usage_json(in, out, cread, cwrite, cost);
	json_object_object_add(o, "total",
	    agent_usage_json(a->in, a->out, a->cread, a->cwrite, a->cost));
	agent_event(s, "usage", o, raw, "transcript");
	agent_persist(s);
	agent_caps_check(s);
}

void
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

char *
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

void
agent_approval_asked(struct session *s, const char *tool, struct json_object *input,
    struct json_object *raw, const char *via)
{
	struct json_object	*p, *o;
	char			*id = agent_uuid();

	/* Its id: a decision names it, so it answers this request and no later one. */
	p = json_object_new_object();
	json_object_object_add(p, "id", json_object_new_string(id));
	json_object_object_add(p, "tool", json_object_new_string(tool));
	json_object_object_add(p, "input", json_object_get(input));
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "tool", json_object_new_string(tool));
	json_object_object_add(o, "input", json_object_get(input));
	free(id);
	agent_event(s, "permission_request", o, raw, via);
	agent_set(s, AGENT_WAITING, via, "waiting_approval", p);
}

/* Dialogs. */

int
agent_answer(struct session *s, const char *now, const char *later)
{
	struct agent	*a = s->agent;
	struct timeval	 tv = { 0, AGENT_KEYS_LATER_MS * 1000 };
	uint64_t	 ms = agd_now_ms();

	/*
	 * A recent answer still being taken, or input its terminal has not read
	 * (the dialog would take that first): the screen rules run again at the
	 * next poll, whether or not the screen changes in between.
	 */
	if ((a->answered_ms != 0 && ms - a->answered_ms < AGENT_ANSWER_GAP_MS) ||
	    session_input_queued(s) > 0) {
		a->screen_dirty = 1;
		return (0);
	}
	a->answered_ms = ms;
	session_keys(s, now);
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

int
agent_dialog_may(struct session *s, int dialog)
{
	struct agent	*a = s->agent;

	if (a->status != AGENT_STARTING || a->started_up || (a->dialogs & dialog) ||
	    a->pending != NULL || a->approve_keys != NULL)
		return (0);
	if (dialog == AGENT_DIALOG_BYPASS && s->mode != AGD_MODE_BYPASS)
		return (0);
	if (dialog == AGENT_DIALOG_TRUST && !(s->flags & SESSION_TRUSTED))
		return (0);
	return (1);
}

int
agent_dialog_left(struct session *s, int dialog)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	if (dialog != AGENT_DIALOG_TRUST || (s->flags & SESSION_TRUSTED) ||
	    a->status != AGENT_STARTING || a->started_up || (a->dialogs & dialog))
		return (0);
	if (a->dialogs_left & dialog)
		return (1);
	a->dialogs_left |= dialog;
	o = json_object_new_object();
	json_object_object_add(o, "dialog", json_object_new_string("trust"));
	json_object_object_add(o, "answer", json_object_new_string("left"));
	json_object_object_add(o, "message", json_object_new_string("the folder is"
	    " not in a project root the creator may change (trustWhy): a person"
	    " answers the agent's trust question on its terminal"));
	agent_event(s, "dialog", o, NULL, "screen");
	agent_set(s, AGENT_STARTING, "screen", "trust_dialog", NULL);
	return (1);
}

int
agent_choose(struct session *s, const char *text, const char *other,
    const char *want, int dialog)
{
	if (strstr(text, other) == NULL || strstr(text, want) == NULL ||
	    !agent_dialog_may(s, dialog))
		return (0);
	if (agent_selected(text, want)) {
		if (agent_answer(s, "\r", NULL))
			agent_dialog(s, dialog);
	} else
		agent_answer(s, "\x1b[B", NULL);
	return (1);
}

int
agent_decline_offer(struct session *s, const char *text, const char *other,
    const char *want)
{
	struct agent	*a = s->agent;
	int		 edits;

	if ((a->dialogs & AGENT_DIALOG_PROMO) || a->turned || a->status == AGENT_WAITING ||
	    a->pending != NULL || a->approve_keys != NULL ||
	    agent_box_find(a->kind, text, &edits) != NULL ||
	    strstr(text, other) == NULL || strstr(text, want) == NULL)
		return (0);
	if (agent_selected(text, want)) {
		if (agent_answer(s, "\r", NULL))
			agent_dialog(s, AGENT_DIALOG_PROMO);
	} else if (agent_selected(text, other))
		agent_answer(s, "\x1b[B", NULL);
	return (1);
}

void
agent_dialog(struct session *s, int dialog)
{
	struct json_object	*o = json_object_new_object();

	s->agent->dialogs |= dialog;
	json_object_object_add(o, "dialog", json_object_new_string(
	    dialog == AGENT_DIALOG_TRUST ? "trust" : dialog == AGENT_DIALOG_PROMO ?
	    "promotion" : "bypass_permissions"));
	json_object_object_add(o, "answer", json_object_new_string(
	    dialog == AGENT_DIALOG_PROMO ? "declined" : "accepted"));
	agent_event(s, "dialog", o, NULL, "screen");
}

char *
agent_hook_cmd(struct session *s)
{
	const char	*self;
	char		*cmd, *qself, *qhome, *qname, *key, *qkey;

	if ((self = agd_self_exe()) == NULL)
		fatal("readlink /proc/self/exe");
	/* The agent runs it with sh -c: every word quoted for it (a ' in a path too). */
	qself = sh_quote(self);
	qhome = sh_quote(agentd_home);
	qname = sh_quote(s->name);
	/* The key is read from its file by the hook: not in the agent's environment. */
	xasprintf(&key, "%s/%s", s->dir, SESSION_KEY_FILE);
	qkey = sh_quote(key);
	xasprintf(&cmd, "%s -H %s hook %s %s", qself, qhome, qname, qkey);
	free(key);
	free(qkey);
	free(qself);
	free(qhome);
	free(qname);
	return (cmd);
}
