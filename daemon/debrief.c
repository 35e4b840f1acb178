/*
 * Pre-kill debrief: before a session is terminated, ask the agent what it did.
 *
 * A session is "long" past the config's thresholds (duration, user turns, events)
 * and gets an After-Action Review, else a hotwash. An AI agent gets the built-in
 * prompt of that kind (queued like a message) and agentd takes the report from the
 * agent's own answer - the assistant_text events after the prompt - once its turn
 * ends. When it cannot answer (not an AI agent, ended, busy past the deadline, no
 * answer), agentd writes the report itself from what it recorded. Either way the
 * report is stored (SQLite and a markdown file in the session's directory) and is a
 * json_event. The session keeps running: the caller DELETEs it after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "agent.h"
#include "agentd.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "waiter.h"
#include "xmalloc.h"

#define DEBRIEF_HOTWASH	0
#define DEBRIEF_AAR	1

/* After the turn, how long the answer may take to reach the transcript. */
#define DEBRIEF_SETTLE_MS	3000
#define DEBRIEF_SETTLE_POLL_MS	200	/* how often to look for it meanwhile */

static const char *debrief_kinds[] = { "hotwash", "aar" };

struct debrief {
	struct session		*s;
	int			 kind;
	int			 delivered;	/* the prompt reached the agent */
	uint64_t		 after_seq;	/* its answer is after this */
	struct event		*deadline_ev;
	struct event		*settle_ev;	/* after the turn: wait for the answer */
	uint64_t		 idle_ms;
	int			 deadline_s;
	struct waiter_list	 waiters;	/* session.debrief callers */
	struct session_sub	*sub;		/* told when the session ends or is freed */
};

static void	debrief_session_note(struct session *, const struct session_note *, void *);

/* Facts for classification and the fallback report. */
struct debrief_facts {
	int64_t		 id;
	char		 name[AGD_NAME_MAX + 1];
	char		 agent_type[64];
	char		 cwd[4096];
	char		 created[32];
	char		 status[32];
	char		 completion[64];
	time_t		 created_t;
	int64_t		 turns;
	int64_t		 events;
};

static const char *
debrief_prompt(int kind)
{
	return (kind == DEBRIEF_AAR ? agentd_conf->debrief_prompt_aar :
	    agentd_conf->debrief_prompt_hotwash);
}

static time_t
debrief_parse_time(const char *iso)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	if (strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return (time(NULL));
	return (timegm(&tm));
}

static int
debrief_facts(int64_t id, struct debrief_facts *f)
{
	sqlite3_stmt	*st;
	const char	*v;
	int		 rc = -1;

	memset(f, 0, sizeof *f);
	f->id = id;
	if (sqlite3_prepare_v2(agentd_db, "SELECT name, agent_type, working_directory,"
	    " created, status, completion_status,"
	    " (SELECT count(*) FROM events WHERE session_id = s.id),"
	    " (SELECT count(*) FROM events WHERE session_id = s.id AND type = 'message')"
	    " FROM sessions AS s WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(f->name, sizeof f->name, "%s", sqlite3_column_text(st, 0));
		snprintf(f->agent_type, sizeof f->agent_type, "%s",
		    sqlite3_column_text(st, 1));
		snprintf(f->cwd, sizeof f->cwd, "%s", sqlite3_column_text(st, 2));
		snprintf(f->created, sizeof f->created, "%s", sqlite3_column_text(st, 3));
		snprintf(f->status, sizeof f->status, "%s", sqlite3_column_text(st, 4));
		v = (const char *)sqlite3_column_text(st, 5);
		snprintf(f->completion, sizeof f->completion, "%s", v != NULL ? v : "none");
		f->events = sqlite3_column_int64(st, 6);
		f->turns = sqlite3_column_int64(st, 7);
		f->created_t = debrief_parse_time(f->created);
		rc = 0;
	}
	sqlite3_finalize(st);
	return (rc);
}

static int
debrief_classify(const struct debrief_facts *f)
{
	const struct agd_conf	*c = agentd_conf;

	if (time(NULL) - f->created_t >= (time_t)c->debrief_long_minutes * 60 ||
	    f->turns >= c->debrief_long_turns || f->events >= c->debrief_long_events)
		return (DEBRIEF_AAR);
	return (DEBRIEF_HOTWASH);
}

/*
 * What git says of the working directory cwd, with libgit2, the repository opened
 * once: *diffstat its `git diff --stat`, *head its branch and commit (open work).
 * Both are set, and the caller frees them.
 */
static void
debrief_git(const char *cwd, char **diffstat, char **head)
{
	git_repository		*repo = NULL;
	git_diff		*diff = NULL;
	git_diff_stats		*stats = NULL;
	git_reference		*ref = NULL;
	git_buf			 buf = { NULL, 0, 0 };
	char			 oid[GIT_OID_HEXSZ + 1];

	if (git_repository_open_ext(&repo, cwd, 0, NULL) != 0) {
		*diffstat = xstrdup("(not a git repository)");
		*head = xstrdup("none (not a git repository)");
		return;
	}
	if (git_diff_index_to_workdir(&diff, repo, NULL, NULL) == 0 &&
	    git_diff_get_stats(&stats, diff) == 0 &&
	    git_diff_stats_to_buf(&buf, stats, GIT_DIFF_STATS_FULL, 80) == 0)
		*diffstat = xstrdup(buf.size > 0 ? buf.ptr : "(no changes)");
	else
		*diffstat = xstrdup("(git diff failed)");
	git_buf_dispose(&buf);
	git_diff_stats_free(stats);
	git_diff_free(diff);
	if (git_repository_head(&ref, repo) != 0)
		*head = xstrdup("none (no commit yet)");
	else {
		git_oid_tostr(oid, sizeof oid, git_reference_target(ref) != NULL ?
		    git_reference_target(ref) : &(git_oid){ { 0 } });
		xasprintf(head, "branch `%s` at %.12s", git_reference_shorthand(ref), oid);
		git_reference_free(ref);
	}
	git_repository_free(repo);
}

/* Append one line per row of sql (text of column 0..n-1 joined by sep). */
static void
debrief_rows(char **md, const char *sql, int64_t id, const char *prefix)
{
	sqlite3_stmt	*st;
	char		*tmp;

	if (sqlite3_prepare_v2(agentd_db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		xasprintf(&tmp, "%s%s%s\n", *md, prefix, sqlite3_column_text(st, 0));
		free(*md);
		*md = tmp;
	}
	sqlite3_finalize(st);
}

/* agentd's own report, from what it recorded. Caller frees. */
static char *
debrief_fallback(const struct debrief_facts *f, int kind, const char *why)
{
	char	*md, *tmp, *diff, *head;
	long	 mins = (long)((time(NULL) - f->created_t) / 60);

	debrief_git(f->cwd, &diff, &head);
	xasprintf(&md, "# %s: %s\n\n_Written by agentd: %s._\n\n"
	    "- Agent: %s in `%s`\n- Ran: %ld min (since %s), status %s\n"
	    "- Turns: %lld user messages, %lld events\n- Completion: %s\n\n"
	    "## Tools used\n",
	    kind == DEBRIEF_AAR ? "After-Action Review" : "Hotwash", f->name, why,
	    f->agent_type, f->cwd, mins, f->created, f->status, (long long)f->turns,
	    (long long)f->events, f->completion);
	debrief_rows(&md, "SELECT json_extract(data, '$.tool') || ' x' || count(*)"
	    " FROM events WHERE session_id = ? AND type = 'tool_use'"
	    " GROUP BY json_extract(data, '$.tool') ORDER BY count(*) DESC", f->id, "- ");
	xasprintf(&tmp, "%s\n## Files changed (git diff --stat)\n```\n%s```\n\n"
	    "## Last messages\n", md, diff);
	free(md);
	md = tmp;
	debrief_rows(&md, "SELECT * FROM (SELECT type || ': ' ||"
	    " substr(replace(json_extract(data, '$.text'), char(10), ' '), 1, 300)"
	    " FROM events WHERE session_id = ? AND type IN ('message', 'user_message',"
	    " 'assistant_text') ORDER BY seq DESC LIMIT 6) ", f->id, "> ");
	if (kind == DEBRIEF_AAR) {
		xasprintf(&tmp, "%s\n## Intended vs actual outcome\nIntended: the"
		    " session's prompt and messages above. Actual: completion %s,"
		    " status %s.\n\n## Why they differ\nThe agent gave no account of its"
		    " own (%s).\n\n## Sustain\n- (the agent did not say)\n\n## Improve\n"
		    "- (the agent did not say)\n\n## Open work\n- %s\n- uncommitted: see"
		    " the files changed above\n", md, f->completion, f->status, why, head);
		free(md);
		md = tmp;
	} else {
		xasprintf(&tmp, "%s\n## What is left\n- %s; uncommitted changes as"
		    " listed above\n", md, head);
		free(md);
		md = tmp;
	}
	free(diff);
	free(head);
	return (md);
}

/*
 * The agent's answer: its assistant text after the debrief prompt as the agent
 * recorded it (its user_message), not text of an earlier turn that reached the
 * transcript late. At most debrief_answer_max bytes (an agent can write without
 * end; the report is a row, a file and an event): past it the answer is cut, on a
 * UTF-8 boundary, and says so. Caller frees, or NULL.
 */
static char *
debrief_answer(int64_t id, uint64_t after, const char *prompt)
{
	struct evbuffer	*b;
	sqlite3_stmt	*st;
	const char	*text;
	char		*out = NULL, note[128];
	size_t		 max = agentd_conf->debrief_answer_max, len, room, total = 0;

	if (sqlite3_prepare_v2(agentd_db, "SELECT json_extract(data, '$.text') FROM"
	    " events WHERE session_id = ?1 AND type = 'assistant_text' AND seq >"
	    " (SELECT min(seq) FROM events WHERE session_id = ?1 AND seq > ?2 AND"
	    " type = 'user_message' AND substr(json_extract(data, '$.text'), 1, 32) ="
	    " substr(?3, 1, 32)) ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return (NULL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
	sqlite3_bind_text(st, 3, prompt, -1, SQLITE_STATIC);
	b = evbuffer_new();
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;
		text = (const char *)sqlite3_column_text(st, 0);
		len = (size_t)sqlite3_column_bytes(st, 0);
		if (total > 0)
			total += 2;
		total += len;
		room = max - evbuffer_get_length(b);
		if (evbuffer_get_length(b) > 0 && room >= 2) {
			evbuffer_add(b, "\n\n", 2);
			room -= 2;
		}
		if (len > room) {
			len = room;
			while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
				len--;		/* not inside a UTF-8 sequence */
		}
		evbuffer_add(b, text, len);
	}
	sqlite3_finalize(st);
	if (total > 0) {
		len = evbuffer_get_length(b);
		if (total > len) {
			snprintf(note, sizeof note, "\n\n[answer cut: %zu of %zu bytes"
			    " kept (debrief_answer_max)]", len, total);
			evbuffer_add(b, note, strlen(note));
		}
		evbuffer_add(b, "", 1);
		out = xstrdup((const char *)evbuffer_pullup(b, -1));
	}
	evbuffer_free(b);
	return (out);
}

/* Store and announce a report; the reply body. Caller puts. */
static struct json_object *
debrief_store(struct session *s, const struct debrief_facts *f, int kind,
    const char *source, const char *report)
{
	struct json_object	*o, *e;
	char			 ts[32], *path;
	FILE			*fp;

	agd_iso8601(time(NULL), ts, sizeof ts);
	xasprintf(&path, "%s/sessions/%lld/debrief-%lld.md", agentd_home,
	    (long long)f->id, (long long)time(NULL));
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(report, fp);
		fclose(fp);
	} else
		log_warn("%s: %s", __func__, path);
	persist_debrief(f->id, debrief_kinds[kind], source, report, ts, path);
	persist_debriefing(f->id, 0);
	o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(debrief_kinds[kind]));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "report", json_object_new_string(report));
	json_object_object_add(o, "createdAt", json_object_new_string(ts));
	json_object_object_add(o, "path", json_object_new_string(path));
	free(path);
	if (s != NULL && s->state != SESSION_ENDED) {
		e = NULL;
		json_object_deep_copy(o, &e, NULL);
		session_event(s, "debrief", e);
	}
	return (o);
}

static void
debrief_finish(struct session *s, const char *why)
{
	struct debrief		*d = s->debrief;
	struct debrief_facts	 f;
	struct json_object	*body;
	struct waiter		*w;
	char			*report, *answer = NULL;
	const char		*source = "agent";

	if (d == NULL)
		return;
	s->debrief = NULL;
	session_unsubscribe(s, d->sub);
	agent_watch(s, NULL, NULL);
	debrief_facts(s->id, &f);
	if (why == NULL && (answer = debrief_answer(s->id, d->after_seq,
	    debrief_prompt(d->kind))) != NULL)
		report = answer;
	else {
		source = "fallback";
		report = debrief_fallback(&f, d->kind, why != NULL ? why :
		    "the agent's turn ended without an answer");
	}
	body = debrief_store(s, &f, d->kind, source, report);
	while ((w = TAILQ_FIRST(&d->waiters)) != NULL) {
		TAILQ_REMOVE(&d->waiters, w, entry);
		waiter_reply(w, 200, json_object_get(body));
	}
	json_object_put(body);
	free(report);
	event_free(d->deadline_ev);
	event_free(d->settle_ev);
	free(d);
}

static void
debrief_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	char		*why;

	(void)fd;
	(void)what;
	if (s->debrief == NULL)
		return;
	xasprintf(&why, "the agent did not finish within %d s", s->debrief->deadline_s);
	debrief_finish(s, why);
	free(why);
}

/* The debrief prompt reached the agent (agent.c, agent_watch). */
static void
debrief_delivered(struct session *s)
{
	if (s->debrief != NULL && !s->debrief->delivered) {
		s->debrief->delivered = 1;
		s->debrief->after_seq = s->seq;
	}
}

/*
 * The turn has ended; its last lines may reach the transcript a moment after the
 * agent says so. Take the answer as soon as it is recorded, or give up after
 * DEBRIEF_SETTLE_MS.
 */
static void
debrief_settle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct debrief	*d = s->debrief;
	struct timeval	 tv = { 0, DEBRIEF_SETTLE_POLL_MS * 1000 };
	char		*answer;

	(void)fd;
	(void)what;
	if (d == NULL)
		return;
	if ((answer = debrief_answer(s->id, d->after_seq, debrief_prompt(d->kind))) != NULL) {
		free(answer);
		debrief_finish(s, NULL);
		return;
	}
	if (agd_now_ms() - d->idle_ms >= DEBRIEF_SETTLE_MS) {
		debrief_finish(s, "the agent's turn ended without an answer");
		return;
	}
	evtimer_add(d->settle_ev, &tv);
}

/* The agent is idle with nothing queued (agent_watch): was that the debrief's turn? */
static void
debrief_idle(struct session *s)
{
	struct debrief	*d = s->debrief;

	if (d == NULL || !d->delivered || d->idle_ms != 0)
		return;
	d->idle_ms = agd_now_ms();
	debrief_settle_cb(-1, 0, s);
}

/* The session ends: a debrief still waiting gets the fallback. */
static void
debrief_session_ended(struct session *s)
{
	if (s->debrief != NULL)
		debrief_finish(s, "the agent exited before it answered");
}

/* A caller waiting for the report has gone. */
static void
debrief_cancel(struct waiter *w, void *arg)
{
	struct debrief	*d = arg;

	TAILQ_REMOVE(&d->waiters, w, entry);
}

void
debrief_start(struct waiter *w, struct session *s, int64_t id, int async)
{
	struct debrief_facts	 f;
	struct debrief		*d;
	struct json_object	*o, *body;
	struct timeval		 tv;
	char			*report;
	int			 kind;

	if (debrief_facts(id, &f) == -1) {
		waiter_error(w, AGD_ERR_NOT_FOUND, "no such session");
		return;
	}
	kind = debrief_classify(&f);
	if (s == NULL || s->state == SESSION_ENDED || s->agent == NULL) {
		report = debrief_fallback(&f, kind, s == NULL || s->state == SESSION_ENDED ?
		    "the session has ended" : "this session does not run an AI agent");
		body = debrief_store(s, &f, kind, "fallback", report);
		free(report);
		waiter_reply(w, 200, body);
		return;
	}
	if (s->debrief != NULL) {
		waiter_error(w, AGD_ERR_BUSY, "a debrief of %s is already running", s->name);
		return;
	}
	d = xcalloc(1, sizeof *d);
	d->s = s;
	d->kind = kind;
	d->after_seq = s->seq;
	d->deadline_s = kind == DEBRIEF_AAR ? agentd_conf->debrief_long_secs :
	    agentd_conf->debrief_short_secs;
	TAILQ_INIT(&d->waiters);
	d->deadline_ev = evtimer_new(agentd_base, debrief_deadline_cb, s);
	d->settle_ev = evtimer_new(agentd_base, debrief_settle_cb, s);
	tv.tv_sec = d->deadline_s;
	tv.tv_usec = 0;
	evtimer_add(d->deadline_ev, &tv);
	s->debrief = d;
	d->sub = session_subscribe(s, SESSION_SUB_DEBRIEF, debrief_session_note, d);
	persist_debriefing(s->id, 1);
	o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(debrief_kinds[kind]));
	json_object_object_add(o, "deadlineSeconds", json_object_new_int(d->deadline_s));
	session_event(s, "debrief_started", o);
	agent_watch(s, debrief_delivered, debrief_idle);
	agent_submit_command(s, debrief_prompt(kind), 1);
	if (async) {
		o = json_object_new_object();
		json_object_object_add(o, "status", json_object_new_string("running"));
		json_object_object_add(o, "kind", json_object_new_string(debrief_kinds[kind]));
		json_object_object_add(o, "deadlineSeconds", json_object_new_int(d->deadline_s));
		waiter_reply(w, 202, o);
		return;
	}
	TAILQ_INSERT_TAIL(&d->waiters, w, entry);
	waiter_hold(w, debrief_cancel, d);
}

/* The daemon exits with a debrief running: drop it (it is not answered). */
static void
debrief_free(struct session *s)
{
	struct debrief	*d = s->debrief;
	struct waiter	*w;

	if (d == NULL)
		return;
	session_unsubscribe(s, d->sub);
	agent_watch(s, NULL, NULL);
	while ((w = TAILQ_FIRST(&d->waiters)) != NULL) {
		TAILQ_REMOVE(&d->waiters, w, entry);
		waiter_hold(w, NULL, NULL);	/* unanswered: nobody to tell */
	}
	event_free(d->deadline_ev);
	event_free(d->settle_ev);
	free(d);
	s->debrief = NULL;
}

/* What the session tells a running debrief (subscribed by debrief_start). */
static void
debrief_session_note(struct session *s, const struct session_note *n, void *arg)
{
	(void)arg;
	if (n->type == SESSION_NOTE_ENDING)
		debrief_session_ended(s);
	else if (n->type == SESSION_NOTE_FREED)
		debrief_free(s);
}
