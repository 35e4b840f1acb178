/*
 * Approvals answered through the API (agent_approve): by the hook that waits
 * for the decision, by the stream's control request, or by keys typed into the
 * TUI once its box is on screen (and again if they were lost). Keys are never
 * typed for an approval that was settled meanwhile, nor without its box.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "screen.h"
#include "util.h"
#include "xmalloc.h"

/* An approval box takes keys once it has been drawn this long (ms). */
#define AGENT_BOX_SHOWN_MS	300
/* Keys for an approval whose box has not shown by then (ms) are not sent. */
#define AGENT_BOX_WAIT_MS	10000
/* Sent, the box still there after this (ms): the keys were lost. */
#define AGENT_BOX_RETRY_MS	2000
/* Lost approval keys are sent again at most this often. */
#define AGENT_BOX_RETRIES	2
/*
 * A box answered is taken for the same box this long (ms), if it is still
 * drawn: then it is another (the next approval drawn in its place) or the keys
 * did not reach it, and the screen rules may ask for it.
 */
#define AGENT_BOX_STALE_MS	2500
/*
 * An approval a hook that only reports (codex's) said was asked, whose box has
 * not been drawn after this (ms), is not waited for: codex draws it within a
 * second; a report with the session's key (an agent's tool) need not have one,
 * and would hold the session's delivery.
 */
#define AGENT_BOX_UNSEEN_MS	30000
/* ... nor, whatever the screen shows, after this (ms). */
#define AGENT_BOX_UNSEEN_MAX_MS	300000
/* The lines above its question a box (claude's) shows its command in. */
#define AGENT_BOX_LINES		12

int
agent_box_stale(struct agent *a, int shown)
{
	if (!shown || (a->box_stale_ms != 0 &&
	    agd_now_ms() - a->box_stale_ms >= AGENT_BOX_STALE_MS))
		a->box_stale_ms = 0;
	return (a->box_stale_ms != 0);
}

/*
 * s with its blanks removed (a box wraps a long command over lines, with an
 * indent). Caller frees.
 */
static char *
agent_unblank(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			*o++ = *s;
	}
	*o = '\0';
	return (out);
}

const char *
agent_composer(const char *text, const char *mark)
{
	const char	*p = text, *q;

	while ((p = strstr(p, mark)) != NULL) {
		p += strlen(mark);
		for (q = p; *q >= '0' && *q <= '9'; q++)
			continue;
		if (q == p || *q != '.')
			return (p);
	}
	return (NULL);
}

/*
 * 1 if the question at p in text is a box's: for a kind whose box shows its
 * command below it (codex), alone on its line after blanks, as the TUI draws
 * it (not a line of grep's output, a diff, a sentence quoting it).
 */
static int
agent_box_line(const struct agent_kind *k, const char *text, const char *p,
    const char *question)
{
	const char	*b, *e = p + strlen(question);

	if (k->box_command == NULL)
		return (1);
	for (b = p; b > text && b[-1] == ' '; b--)
		continue;
	if (b > text && b[-1] != '\n')
		return (0);
	while (*e == ' ')
		e++;
	return (*e == '\n' || *e == '\0');
}

/*
 * The last question of a box (question) that text shows, or NULL; *n counts
 * them all.
 */
static const char *
agent_box_last(const struct agent_kind *k, const char *text, const char *question, int *n)
{
	const char	*p, *q = NULL;

	if (question == NULL)
		return (NULL);
	for (p = text; (p = strstr(p, question)) != NULL; p++) {
		if (agent_box_line(k, text, p, question)) {
			q = p;
			(*n)++;
		}
	}
	return (q);
}

const char *
agent_box_find(const struct agent_kind *k, const char *text, int *edits)
{
	const char	*q, *e, *p;
	int		 n = 0;

	q = agent_box_last(k, text, k->approval_box, &n);
	e = agent_box_last(k, text, k->edits_box, &n);
	*edits = e != NULL && (q == NULL || e > q);
	p = *edits ? e : q;
	/* Its words above a composer are text printed in the conversation. */
	if (p != NULL && k->composer != NULL && agent_composer(p, k->composer) != NULL)
		return (NULL);
	return (p);
}

/* How many approval questions (either box's, each on a line of its own) text shows. */
static int
agent_box_count(const struct agent_kind *k, const char *text)
{
	int	n = 0;

	agent_box_last(k, text, k->approval_box, &n);
	agent_box_last(k, text, k->edits_box, &n);
	return (n);
}

/*
 * What a box below its question q shows after mark (on a line of its own) and
 * above its choices (the first line with k->box_choices), without blanks; NULL
 * if it shows no such field. Caller frees.
 */
static char *
agent_box_field(const struct agent_kind *k, const char *q, const char *mark)
{
	const char	*p, *l, *e;
	char		*region, *t;
	size_t		 len;

	for (p = q; (p = strstr(p, mark)) != NULL; p++) {
		for (l = p; l > q && l[-1] == ' '; l--)
			continue;
		if (l > q && l[-1] == '\n')
			break;
	}
	if (p == NULL)
		return (NULL);
	p += strlen(mark);
	for (l = strchr(p, '\n'); l != NULL; l = strchr(l + 1, '\n')) {
		e = strchr(l + 1, '\n');
		len = e != NULL ? (size_t)(e - (l + 1)) : strlen(l + 1);
		if (memmem(l + 1, len, k->box_choices, strlen(k->box_choices)) != NULL)
			break;
	}
	if (l == NULL)
		return (NULL);
	region = xstrndup(p, (size_t)(l - p));
	t = agent_unblank(region);
	free(region);
	return (t);
}

/*
 * The one file a patch (codex's apply_patch: "*** Add File: PATH", or its
 * Update or Delete line; a move names two) changes, as its box names it: a
 * relative path under the session's folder, without blanks. NULL if it names
 * none or several. Caller frees.
 */
static char *
agent_patch_file(struct session *s, const char *patch)
{
	static const char *const	 heads[] = { "*** Add File: ", "*** Update File: ",
					    "*** Delete File: ", "*** Move to: " };
	const char			*l, *e;
	char				*path = NULL, *c;
	size_t				 i, n;
	int				 files = 0;

	for (l = patch; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = l + strcspn(l, "\n");
		for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
			n = strlen(heads[i]);
			if ((size_t)(e - l) > n && strncmp(l, heads[i], n) == 0)
				break;
		}
		if (i == sizeof(heads) / sizeof(heads[0]))
			continue;
		if (files++ > 0)
			break;
		path = xstrndup(l + n, (size_t)(e - l) - n);
	}
	if (files != 1) {
		free(path);
		return (NULL);
	}
	if (path[0] != '/') {
		c = path;
		xasprintf(&path, "%s/%s", s->cwd, c);
		free(c);
	}
	c = agent_unblank(path);
	free(path);
	return (c);
}

/*
 * 1 if the box on screen (text) is for the approval that waits: a change of
 * files only in the box for one (edits_box), the others only in the approval
 * box; and what its hook reported is what the box shows. Below its question
 * (codex): the command, all of it and nothing else, between box_command and
 * the choices; for a patch, its one file after edits_files. Above it (claude):
 * the command in the AGENT_BOX_LINES lines above the question. Blanks are
 * ignored (a box wraps a long command with an indent). An approval the screen
 * asked for (no command of its own) is taken as the box's; one a hook reported
 * without a command never is.
 */
static int
agent_box_matches(struct session *s, struct agent *a, const char *text)
{
	const char	*cmd = agent_str(agent_obj(a->pending, "input"), "command");
	const char	*tool = agent_str(a->pending, "tool");
	const char	*q, *from;
	char		*c, *t, *region;
	int		 match, lines, edits, patch;

	if ((q = agent_box_find(a->kind, text, &edits)) == NULL)
		return (0);
	patch = tool != NULL && a->kind->edits_tool != NULL &&
	    strcmp(tool, a->kind->edits_tool) == 0;
	if (edits != patch)
		return (0);
	c = cmd != NULL ? agent_unblank(cmd) : xstrdup("");
	if (*c == '\0') {
		free(c);
		return (strcmp(a->source, "screen") == 0);
	}
	/*
	 * Two questions on screen: the command shown may hold one of its own (and
	 * a "$ " line after it) to look like another box. No key; a person answers.
	 */
	if (a->kind->box_command != NULL && agent_box_count(a->kind, text) > 1) {
		free(c);
		return (0);
	}
	if (a->kind->box_command != NULL) {
		t = agent_box_field(a->kind, q, patch ? a->kind->edits_files :
		    a->kind->box_command);
		if (patch) {
			free(c);
			c = agent_patch_file(s, cmd);
		}
		match = t != NULL && c != NULL && strcmp(t, c) == 0;
	} else {
		/* Its box: the lines above the question, up to AGENT_BOX_LINES. */
		for (from = q, lines = 0; from > text && lines <= AGENT_BOX_LINES; from--) {
			if (from[-1] == '\n')
				lines++;
		}
		region = xstrndup(from, (size_t)(q - from));
		t = agent_unblank(region);
		free(region);
		match = strstr(t, c) != NULL;
	}
	free(c);
	free(t);
	return (match);
}

int
agent_approve(struct session *s, int allow, const char *message, const char *by,
    enum agd_err *code, char **cause)
{
	struct agent		*a = s->agent;
	const char		*keys;

	if (a != NULL && a->status != AGENT_WAITING && a->tui_answered) {
		/* Answered at the terminal first: recorded, not applied. */
		a->tui_answered = 0;
		agent_approval_event(s, allow, by, "daemon", message, 1);
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "the approval of %s was answered at its terminal first",
		    s->name);
		return (-1);
	}
	if (a == NULL || a->status != AGENT_WAITING) {
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "no approval is pending for %s", s->name);
		return (-1);
	}
	if (s->transport == SESSION_STREAM)
		return (agent_stream_approve(s, allow, message, by, code, cause));
	/* The hook that asked waits for the answer: it gives it, no keys. */
	if (agent_hook_answer(s, allow, message, by) == 0)
		return (0);
	keys = allow ? a->kind->allow_keys : a->kind->deny_keys;
	if (keys == NULL) {
		*code = AGD_ERR_NOTHING_PENDING;
		xasprintf(cause, "%s has no approvals in its terminal UI", a->kind->name);
		return (-1);
	}
	if (a->approve_keys != NULL) {
		*code = AGD_ERR_BUSY;
		xasprintf(cause, "an answer to this approval is being sent");
		return (-1);
	}
	/*
	 * The hook can report the request before the TUI draws its box: keys sent
	 * then would be lost. The poll sends them once the box is on screen.
	 */
	a->approve_keys = keys;
	a->approve_allow = allow;
	agent_approve_free(a);
	a->approve_by = by != NULL ? xstrdup(by) : NULL;
	a->approve_message = message != NULL ? xstrdup(message) : NULL;
	a->approve_ms = agd_now_ms();
	a->approve_gen = a->wait_gen;
	agent_approve_send(s);
	return (0);
}

/* Send the queued approval keys if the TUI shows its box (or after a while). */
void
agent_approve_send(struct session *s)
{
	struct agent		*a = s->agent;
	char			*text;
	uint64_t		 now = agd_now_ms();
	int			 shown, edits;

	text = screen_text(a->screen, NULL);
	shown = agent_box_find(a->kind, text, &edits) != NULL;
	/*
	 * A box for another command is not this approval's: a report of the hook
	 * can be a tool's (with the session's key), its box codex's own.
	 */
	if (shown && a->approve_keys != NULL && !agent_box_matches(s, a, text))
		shown = 0;
	free(text);
	if (!shown)
		a->approve_seen_ms = 0;		/* drawn again: the wait again */

	/*
	 * Sent, but the box is still there a while later, nothing drawn since and
	 * no new approval asked: the keys came while the box could not take them
	 * yet. Once more. (A box drawn again, or another approval's, is not ours.)
	 */
	if (a->approve_keys == NULL) {
		if (a->approve_sent != NULL && shown && a->status != AGENT_WAITING &&
		    session_input_queued(s) == 0 &&
		    a->wait_gen == a->approve_gen && a->out_bytes == a->approve_sent_out &&
		    now - a->approve_sent_ms > AGENT_BOX_RETRY_MS &&
		    a->approve_retries < AGENT_BOX_RETRIES) {
			a->approve_retries++;
			a->approve_sent_ms = now;
			session_keys(s, a->approve_sent);
			agent_event(s, "approval_retried", NULL, NULL, "screen");
		} else if (a->approve_sent != NULL && !shown)
			a->approve_sent = NULL;
		return;
	}
	/*
	 * Settled while the keys waited for the box (answered at the terminal, the
	 * turn interrupted or gone on, another approval asked since): typed now,
	 * they would land in whatever the TUI shows. Recorded as a late answer,
	 * not applied.
	 */
	if (a->status != AGENT_WAITING || a->wait_gen != a->approve_gen) {
		agent_approval_event(s, a->approve_allow, a->approve_by, "daemon",
		    a->approve_message, 1);
		a->approve_keys = NULL;
		a->approve_seen_ms = 0;
		agent_approve_free(a);
		return;
	}
	/* The box must have been on screen a moment (it takes input once drawn). */
	if (shown && a->approve_seen_ms == 0)
		a->approve_seen_ms = now;
	if (!(shown && now - a->approve_seen_ms >= AGENT_BOX_SHOWN_MS)) {
		if (now - a->approve_ms < AGENT_BOX_WAIT_MS)
			return;
		/*
		 * No box: typed now, the keys would land in the composer or whatever
		 * else shows (a request its hook reported, by an agent's tool too,
		 * need not have one). Given up, said; the approval still waits.
		 */
		agent_text_event(s, "error", "the approval box never showed (or showed"
		    " another command): no key was typed for the answer; answer again,"
		    " or at the terminal", NULL, "daemon");
		a->approve_keys = NULL;
		a->approve_seen_ms = 0;
		agent_approve_free(a);
		return;
	}
	/*
	 * Behind input its terminal has not read yet, the box would take that first
	 * (an Enter in it picks the box's default): kept until it is read.
	 */
	if (session_input_queued(s) > 0 || session_keys(s, a->approve_keys) == -1) {
		/* Then the box must show again, as if the answer came now. */
		a->approve_ms = now;
		a->approve_seen_ms = 0;
		return;
	}
	a->approve_sent_out = a->out_bytes;
	a->box_stale_ms = now;
	a->approve_sent = a->approve_keys;
	a->approve_sent_ms = now;
	a->approve_retries = 0;
	a->approve_keys = NULL;
	a->approve_seen_ms = 0;
	/*
	 * Who decided and why ride along, as on the hook and stream paths. The
	 * TUI's box takes no text: a denial's message is recorded, not typed (a
	 * person's next message says it to the agent).
	 */
	agent_approval_event(s, a->approve_allow, a->approve_by, "screen",
	    a->approve_message, 0);
	agent_approve_free(a);
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
}

void
agent_wait_check(struct session *s)
{
	struct agent	*a = s->agent;
	const char	*p, *q;
	char		*text;
	int		 ready, choices;

	if (a->status != AGENT_WAITING || a->kind->hook_decision != NULL ||
	    a->hook_waiter != NULL || strcmp(a->source, "hook") != 0 ||
	    a->box_seen_gen == a->wait_gen || agd_now_ms() - a->wait_ms < AGENT_BOX_UNSEEN_MS)
		return;
	text = screen_text(a->screen, NULL);
	/*
	 * A box's choices on screen, no composer below them (its question not
	 * recognized: wrapped): it waits, up to AGENT_BOX_UNSEEN_MAX_MS.
	 */
	choices = 0;
	if (a->kind->box_choices != NULL) {
		for (p = NULL, q = text; (q = strstr(q, a->kind->box_choices)) != NULL; q++)
			p = q;
		choices = p != NULL && (a->kind->composer == NULL ||
		    agent_composer(p, a->kind->composer) == NULL) &&
		    agd_now_ms() - a->wait_ms < AGENT_BOX_UNSEEN_MAX_MS;
	}
	ready = a->kind->ready != NULL && a->kind->ready(text);
	free(text);
	if (choices)
		return;
	agent_text_event(s, "error", "the approval its hook reported was never drawn"
	    " on its terminal: not waited for any more", NULL, "daemon");
	if (s->agent == NULL)
		return;
	agent_set(s, ready ? AGENT_IDLE : AGENT_WORKING, "daemon", ready ? "idle" : "thinking",
	    NULL);
}

void
agent_approve_free(struct agent *a)
{
	free(a->approve_by);
	a->approve_by = NULL;
	free(a->approve_message);
	a->approve_message = NULL;
}
