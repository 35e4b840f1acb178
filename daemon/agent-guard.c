/*
 * What bounds and explains an agent, for the engine (agent.c): the evidence of
 * each status change (who said so, and what: a hook's name, a stream line's
 * type, a screen rule and its version), the session's cost and token caps, the
 * approval timeout, the start timeout after which the session is a plain
 * terminal, and the approvals a claude hook waits on (answered by the API or
 * at the terminal, whichever comes first; both are recorded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "waiter.h"
#include "xmalloc.h"

/* Evidence. */

void
agent_evidence(struct session *s, const char *detail)
{
	if (s->agent != NULL)
		s->agent->ev_detail = detail;
}

struct json_object *
agent_evidence_json(struct session *s, const char *source)
{
	struct agent		*a = s->agent;
	struct json_object	*o = json_object_new_object();
	int			 screen = strcmp(source, "screen") == 0;

	json_object_object_add(o, "source", json_object_new_string(source));
	if (a->ev_detail != NULL)
		json_object_object_add(o, screen ? "rule" : "detail",
		    json_object_new_string(a->ev_detail));
	if (screen && a->kind->rules != NULL)
		json_object_object_add(o, "version", json_object_new_string(a->kind->rules));
	json_object_object_add(o, "at", json_object_new_string(a->since));
	a->ev_detail = NULL;
	return (o);
}

/* Interrupting a turn, and the caps. */

void
agent_interrupt(struct session *s)
{
	struct agent	*a = s->agent;

	if (a == NULL)
		return;
	if (s->transport == SESSION_STREAM) {
		if (a->kind->stream_interrupt != NULL)
			a->kind->stream_interrupt(s, a);
		return;
	}
	if (a->kind->interrupt_keys == NULL)
		return;
	/* An approval box open: the keys deny it (claude's and codex's Esc). */
	if (a->status == AGENT_WAITING)
		agent_approval_event(s, 0, "daemon", "daemon", "the turn was interrupted", 0);
	session_keys(s, a->kind->interrupt_keys);
	a->box_stale_ms = agd_now_ms();
	/* Its TUI says nothing of an interrupted turn (no Stop hook): idle now. */
	agent_evidence(s, "interrupted");
	agent_set(s, AGENT_IDLE, "daemon", "idle", NULL);
}

/* Tokens that count against maxTokens: all of them, cached or not. */
static int64_t
agent_tokens(struct agent *a)
{
	return (a->in + a->out + a->cread + a->cwrite);
}

void
agent_caps_check(struct session *s)
{
	struct agent		*a = s->agent;
	struct json_object	*o;
	const char		*what;
	char			 reason[128], at[32];

	if (a == NULL || (s->flags & SESSION_CAPPED))
		return;
	o = json_object_new_object();
	if (s->max_cost > 0 && a->cost >= s->max_cost) {
		what = "cost";
		json_object_object_add(o, "limit", json_object_new_double(s->max_cost));
		json_object_object_add(o, "used", json_object_new_double(a->cost));
		snprintf(reason, sizeof reason, "cost %.4f USD reached the cap of %.4f",
		    a->cost, s->max_cost);
	} else if (s->max_tokens > 0 && agent_tokens(a) >= s->max_tokens) {
		what = "tokens";
		json_object_object_add(o, "limit", json_object_new_int64(s->max_tokens));
		json_object_object_add(o, "used", json_object_new_int64(agent_tokens(a)));
		snprintf(reason, sizeof reason, "%lld tokens reached the cap of %lld",
		    (long long)agent_tokens(a), (long long)s->max_tokens);
	} else {
		json_object_put(o);
		return;
	}
	s->flags |= SESSION_CAPPED;
	json_object_object_add(o, "what", json_object_new_string(what));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	agd_iso8601(time(NULL), at, sizeof at);
	json_object_object_add(o, "at", json_object_new_string(at));
	persist_capped(s->id, agd_json_text(o, NULL));
	log_info("session %s: capped: %s", s->name, reason);
	agent_event(s, "capped", o, NULL, "daemon");
	if (a->status == AGENT_WORKING || a->status == AGENT_WAITING)
		agent_interrupt(s);
}

void
agent_limits(struct session *s, int has_cost, double cost, int has_tokens, int64_t tokens)
{
	struct json_object	*o;

	if (has_cost)
		s->max_cost = cost;
	if (has_tokens)
		s->max_tokens = tokens;
	persist_limits(s->id, s->max_cost, s->max_tokens);
	if (s->agent == NULL)
		return;
	if (s->flags & SESSION_CAPPED) {
		s->flags &= ~SESSION_CAPPED;
		agent_caps_check(s);
		if (s->flags & SESSION_CAPPED)
			return;		/* still past a cap */
		persist_capped(s->id, NULL);
		o = json_object_new_object();
		json_object_object_add(o, "maxCostUsd", s->max_cost > 0 ?
		    json_object_new_double(s->max_cost) : NULL);
		json_object_object_add(o, "maxTokens", s->max_tokens > 0 ?
		    json_object_new_int64(s->max_tokens) : NULL);
		agent_event(s, "uncapped", o, NULL, "daemon");
		agent_deliver_queued(s);
	} else
		agent_caps_check(s);
}

/* The approval timeout. */

static void
agent_approve_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	enum agd_err	 code;
	char		*cause, msg[96];

	(void)fd;
	(void)what;
	if (s->agent == NULL || s->agent->status != AGENT_WAITING)
		return;
	snprintf(msg, sizeof msg, "no answer within approval_timeout (%d s)",
	    agentd_conf->approval_timeout);
	if (agent_approve(s, agentd_conf->approval_timeout_allow, msg, "timeout", &code,
	    &cause) == -1) {
		log_warnx("session %s: approval timeout: %s", s->name, cause);
		free(cause);
	}
}

void
agent_approve_timer(struct session *s, int was)
{
	struct agent	*a = s->agent;
	struct timeval	 tv = { 0, 0 };

	if (agentd_conf == NULL)
		return;		/* no configuration (the unit test): no timeout */
	tv.tv_sec = agentd_conf->approval_timeout;
	if (a->approve_timer == NULL)
		a->approve_timer = evtimer_new(agentd_base, agent_approve_timeout_cb, s);
	if (a->status != AGENT_WAITING)
		evtimer_del(a->approve_timer);
	else if (was != AGENT_WAITING && agentd_conf->approval_timeout > 0)
		evtimer_add(a->approve_timer, &tv);
}

/* The start timeout. */

void
agent_start_check(struct session *s)
{
	struct agent	*a = s->agent;
	const char	*sign;
	char		*text;

	if (agentd_conf == NULL || a->status != AGENT_STARTING || a->plain || a->started_up ||
	    time(NULL) - a->started < agentd_conf->agent_start_timeout)
		return;
	sign = s->transport == SESSION_STREAM ? a->kind->stream_start_sign :
	    a->kind->start_sign;
	xasprintf(&text, "no sign of %s within agent_start_timeout (%d s): waited for %s;"
	    " from now on a plain terminal (messages typed as they come)", a->kind->name,
	    agentd_conf->agent_start_timeout, sign != NULL ? sign : "its first report");
	a->plain = 1;
	agent_text_event(s, "error", text, NULL, "daemon");
	free(text);
	agent_evidence(s, "agent_start_timeout");
	agent_set(s, AGENT_IDLE, "timeout", "idle", NULL);
}

/* Approvals a hook waits on (claude's PermissionRequest in its TUI). */

/* The approval event: decision, who answered (by), through what (via). */
void
agent_approval_event(struct session *s, int allow, const char *by, const char *via,
    const char *message, int late)
{
	struct agent		*a = s->agent;
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "decision", json_object_new_string(allow ? "allow" : "deny"));
	json_object_object_add(o, "by", json_object_new_string(by != NULL ? by : "local"));
	if (message != NULL)
		json_object_object_add(o, "message", json_object_new_string(message));
	if (late)
		json_object_object_add(o, "late", json_object_new_boolean(1));
	else if (a->pending != NULL)
		json_object_object_add(o, "request", json_object_get(a->pending));
	agent_event(s, "approval", o, NULL, via);
}

int
agent_approval_check(struct session *s, const char *id, enum agd_err *code, char **cause)
{
	struct agent	*a = s->agent;
	const char	*now;

	if (id == NULL || a == NULL || a->pending == NULL)
		return (0);	/* none named, or nothing waits: agent_approve says */
	if ((now = agent_str(a->pending, "id")) != NULL && strcmp(now, id) == 0)
		return (0);
	*code = AGD_ERR_STALE_APPROVAL;
	xasprintf(cause, "approval %s of %s is no longer waiting (%s is: %s)", id, s->name,
	    now != NULL ? now : "another", agent_str(a->pending, "tool") != NULL ?
	    agent_str(a->pending, "tool") : "?");
	return (-1);
}

/*
 * A PermissionRequest while the hook of another waits: the agent's claude asks
 * one at a time, so this one is not claude's own (a tool sent it with the key of
 * its session) or claude gave up on the first. It is not shown as the approval
 * nor does it replace the waiting hook: its hook gets no decision (claude then
 * asks in its own dialog), and the refusal is recorded.
 */
static void
agent_hook_refuse(struct session *s, struct json_object *ev, struct waiter *w,
    const char *reason)
{
	struct agent		*a = s->agent;
	struct json_object	*o;
	const char		*tool = agent_str(ev, "tool_name");
	const char		*name = agent_str(ev, "hook_event_name");

	o = json_object_new_object();
	json_object_object_add(o, "tool", json_object_new_string(tool != NULL ? tool : "?"));
	json_object_object_add(o, "input", json_object_get(agent_obj(ev, "tool_input")));
	json_object_object_add(o, "hook", json_object_new_string(name != NULL ? name : "?"));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	if (a->pending != NULL && agent_str(a->pending, "id") != NULL)
		json_object_object_add(o, "waiting",
		    json_object_new_string(agent_str(a->pending, "id")));
	agent_event(s, name != NULL && strcmp(name, "PermissionRequest") == 0 ?
	    "permission_request_refused" : "hook_refused", o, NULL, "hook");
	log_info("session %s: a %s hook (%s) while an approval waits: refused",
	    s->name, name != NULL ? name : "?", tool != NULL ? tool : "?");
	if (w != NULL)
		waiter_reply(w, 200, json_object_new_object());
}

/*
 * While a hook waits for an approval, which report says the human allowed it at
 * the terminal: the tool itself going on (its PostToolUse, or a PreToolUse of the
 * same tool): 1. A Notification changes nothing: 0. Anything else (a Stop, a
 * UserPromptSubmit, another tool's report - what a tool of the agent's could send
 * with the session's key) is not claude's order of things: -1, refused, and the
 * approval keeps waiting (the attack review of issue 12).
 */
static int
agent_hook_follows(struct agent *a, const char *name, struct json_object *ev)
{
	const char		*tool = agent_str(ev, "tool_name");
	const char		*want = a->pending != NULL ? agent_str(a->pending, "tool") : NULL;
	struct json_object	*in = agent_obj(a->pending, "input");

	if (strcmp(name, "Notification") == 0)
		return (0);
	if ((strcmp(name, "PostToolUse") != 0 && strcmp(name, "PreToolUse") != 0) ||
	    tool == NULL)
		return (-1);
	/*
	 * Its very input. A kind whose hook only reports (codex: it names the tool
	 * otherwise, "Bash" for exec_command) has nothing else: a report named as
	 * agentd names the tool is a forgery. Claude's may also be the same tool.
	 */
	if (in != NULL && json_object_equal(in, agent_obj(ev, "tool_input")))
		return (1);
	if (a->kind->hook_decision != NULL && (want == NULL || strcmp(tool, want) == 0))
		return (1);
	return (-1);
}

void
agent_hook(struct session *s, struct json_object *ev, struct waiter *w)
{
	struct agent	*a = s->agent;
	const char	*name = agent_str(ev, "hook_event_name");
	int		 holds, asking;

	/*
	 * A stream session's agent runs no hooks (its channel is its pipes): a
	 * report is a tool's, with the session's key. Not taken.
	 */
	if (a == NULL || a->kind->hook == NULL || s->transport == SESSION_STREAM) {
		if (w != NULL)
			waiter_reply(w, 200, json_object_new_object());
		return;
	}
	/*
	 * An approval waits: for its hook's decision (claude), or, of a kind whose
	 * hook only reports (codex), on its box.
	 */
	asking = a->hook_waiter != NULL ||
	    (a->status == AGENT_WAITING && a->kind->hook_decision == NULL);
	if (asking && name != NULL && strcmp(name, "PermissionRequest") == 0) {
		agent_hook_refuse(s, ev, w, "another approval is waiting: not shown, its"
		    " hook answered without a decision");
		return;
	}
	/*
	 * An approval waits and the agent goes on (its next hook): the human
	 * allowed it at the terminal first. (Refused there, claude ends the
	 * waiting hook: agent_hook_gone; codex's rollout says the turn ended.)
	 */
	if (asking && name != NULL) {
		switch (agent_hook_follows(a, name, ev)) {
		case 1:
			if (a->hook_waiter != NULL)
				agent_hook_release(s, 1, "tui");
			else {
				agent_approval_event(s, 1, "tui", "hook", NULL, 0);
				a->tui_answered = 1;
			}
			break;
		case -1:
			agent_hook_refuse(s, ev, w, "an approval is waiting and this report"
			    " does not follow it: not taken, the approval still waits");
			return;
		}
	}
	a->ev_detail = name;
	holds = a->kind->hook(s, a, ev);
	if ((a = s->agent) != NULL)
		a->ev_detail = NULL;
	if (w != NULL && a != NULL && holds && a->status == AGENT_WAITING &&
	    a->kind->hook_decision != NULL) {
		agent_hook_hold(s, w);
		return;
	}
	if (w != NULL)
		waiter_reply(w, 200, json_object_new_object());
}

/* The hook that waited is gone (claude ended it): the human refused at the TUI. */
static void
agent_hook_gone(struct waiter *w, void *arg)
{
	struct session	*s = arg;
	struct agent	*a = s->agent;

	(void)w;
	if (a == NULL)
		return;
	a->hook_waiter = NULL;
	if (a->status != AGENT_WAITING)
		return;
	agent_approval_event(s, 0, "tui", "hook", NULL, 0);
	a->tui_answered = 1;
	/* claude interrupts the turn at its box's Esc, and says no more. */
	agent_evidence(s, "PermissionRequest hook ended");
	agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
}

void
agent_hook_hold(struct session *s, struct waiter *w)
{
	struct agent	*a = s->agent;

	if (a->hook_waiter != NULL)
		agent_hook_release(s, 1, "tui");
	a->hook_waiter = w;
	a->tui_answered = 0;
	waiter_hold(w, agent_hook_gone, s);
}

void
agent_hook_release(struct session *s, int allow, const char *by)
{
	struct agent	*a = s->agent;
	struct waiter	*w = a->hook_waiter;

	a->hook_waiter = NULL;
	waiter_hold(w, NULL, NULL);
	waiter_reply(w, 200, json_object_new_object());
	if (a->status == AGENT_WAITING || a->pending != NULL) {
		agent_approval_event(s, allow, by, "hook", NULL, 0);
		a->tui_answered = 1;
	}
}

int
agent_hook_answer(struct session *s, int allow, const char *message, const char *by)
{
	struct agent	*a = s->agent;
	struct waiter	*w = a->hook_waiter;

	if (w == NULL || a->kind->hook_decision == NULL)
		return (-1);
	a->hook_waiter = NULL;
	waiter_hold(w, NULL, NULL);
	waiter_reply(w, 200, a->kind->hook_decision(allow, message));
	agent_approval_event(s, allow, by, "hook", message, 0);
	agent_evidence(s, "approval");
	agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	return (0);
}
