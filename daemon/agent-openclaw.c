/*
 * The OpenClaw adapter (rules for 2026.9). Each session gets its own state
 * directory (the local TUI wants to own one exclusively); its session store
 * (SQLite, table transcript_events) reports messages, tool use and usage; the
 * screen tells readiness and working/idle. It has no approvals in its TUI.
 * A stream session runs `openclaw acp` on a Gateway of its own instead
 * (agent-openclaw-stream.c).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-kind.h"
#include "agent-openclaw.h"
#include "agentd.h"
#include "json.h"
#include "util.h"
#include "xmalloc.h"

/* Rows read per poll: the rest come at the next one. */
#define OPENCLAW_ROWS_MAX	500
/* How long (ms) a read waits for the agent's write to its store. */
#define OPENCLAW_BUSY_MS	200
/* Just typed: the old "idle" may still be on screen this long (ms). */
#define OPENCLAW_TYPED_MS	1500

#define OPENCLAW_IDLE		"local ready | idle"

static void	openclaw_prepare(struct session *, struct agent *, char ***);
static void	openclaw_find(struct session *, struct agent *);
static void	openclaw_read(struct session *, struct agent *);
static void	openclaw_line(struct session *, struct agent *, struct json_object *);
static void	openclaw_record(struct session *, struct agent *, struct json_object *, int);
static void	openclaw_screen(struct session *, struct agent *, const char *);
static int	openclaw_ready(const char *);
static void	openclaw_free(void *);

/* OpenClaw: agent-kind.h says what each member is for. */
const struct agent_kind agent_openclaw = {
	.name = "openclaw",
	.rules = "openclaw-2026.9",
	.install_hint = "npm install -g openclaw, which needs Node.js 24",
	/* Its own and the shared ~/.agents/skills; a workspace's skills/ and .agents/skills. */
	.skills_user = ".openclaw/skills .agents/skills",
	.skills_project = "skills .agents/skills",
	.argv = {
		"openclaw tui --local",
		"openclaw tui --local",
		"openclaw tui --local"
	},
	.reset_cmd = "/reset",
	/* Its own settings, and CI (it then sends nothing). Its state is the session's. */
	.env_keys = "OPENCLAW_* CI" AGENT_NET_ENV,
	.home_rw = "~/.openclaw/ $OPENCLAW_CONFIG_PATH",
	.session_rw = "openclaw/",
	.prepare = openclaw_prepare,
	.find = openclaw_find,
	.read = openclaw_read,
	.line = openclaw_line,
	.screen = openclaw_screen,
	.ready = openclaw_ready,
	.free = openclaw_free,
	.stream_prepare = openclaw_stream_prepare,
	.stream_start = openclaw_stream_start,
	.stream_line = openclaw_stream_line,
	.stream_send = openclaw_stream_send,
	.stream_approve = openclaw_stream_approve,
	.stream_reset = openclaw_stream_reset
};

static void
openclaw_free(void *p)
{
	struct openclaw	*o = p;

	free(o->store);
	free(o);
}

char *
openclaw_user_conf(void)
{
	const char	*e;
	char		*conf, *base;

	if ((e = getenv("OPENCLAW_CONFIG_PATH")) != NULL && *e != '\0')
		conf = xstrdup(e);
	else if ((e = getenv("OPENCLAW_STATE_DIR")) != NULL && *e != '\0')
		xasprintf(&conf, "%s/openclaw.json", e);
	else {
		base = agent_home_path(".openclaw");
		xasprintf(&conf, "%s/openclaw.json", base);
		free(base);
	}
	return (conf);
}

struct openclaw *
openclaw_state(struct session *s, struct agent *a)
{
	struct openclaw	*o;
	char		*state;

	if (a->priv == NULL) {
		xasprintf(&state, "%s/openclaw", s->dir);
		agd_mkdirs(state, 0700);
		o = xcalloc(1, sizeof *o);
		xasprintf(&o->store, "%s/agents/main/agent/openclaw-agent.sqlite", state);
		free(state);
		a->priv = o;
	}
	return (a->priv);
}

/*
 * Run it under env with its own state directory, the user's own config file,
 * and the session's directory as its workspace (OPENCLAW_WORKSPACE_DIR).
 */
static void
openclaw_prepare(struct session *s, struct agent *a, char ***argvp)
{
	char	**argv = *argvp, **nargv, *conf;
	int	  argc = 0, k = 0, i;

	openclaw_state(s, a);
	conf = openclaw_user_conf();
	while (argv[argc] != NULL)
		argc++;
	nargv = xcalloc((size_t)argc + 5, sizeof *nargv);
	nargv[k++] = xstrdup("env");
	xasprintf(&nargv[k++], "OPENCLAW_STATE_DIR=%s/openclaw", s->dir);
	xasprintf(&nargv[k++], "OPENCLAW_CONFIG_PATH=%s", conf);
	xasprintf(&nargv[k++], "OPENCLAW_WORKSPACE_DIR=%s", s->cwd);
	for (i = 0; i < argc; i++)
		nargv[k++] = argv[i];
	nargv[k] = NULL;
	free(argv);
	*argvp = nargv;
	free(conf);
}

/* The store, once the agent made it (an adopted session knows it already). */
static void
openclaw_find(struct session *s, struct agent *a)
{
	struct openclaw	*o = a->priv;

	(void)s;
	if (a->records == NULL && o != NULL && access(o->store, R_OK) == 0)
		a->records = xstrdup(o->store);
}

static void
openclaw_line(struct session *s, struct agent *a, struct json_object *rec)
{
	openclaw_record(s, a, rec, 0);
}

/* One row of its store; what: OPENCLAW_READ_*. */
static void
openclaw_record(struct session *s, struct agent *a, struct json_object *rec,
    int what)
{
	struct json_object	*msg, *content, *usage, *ev;
	const char		*type, *role, *stop;
	char			*text;

	if ((type = agent_str(rec, "type")) == NULL || strcmp(type, "message") != 0 ||
	    (msg = agent_obj(rec, "message")) == NULL ||
	    (role = agent_str(msg, "role")) == NULL)
		return;
	content = agent_obj(msg, "content");
	if ((what == OPENCLAW_READ_USAGE && strcmp(role, "assistant") != 0) ||
	    (what == OPENCLAW_READ_NO_USER && strcmp(role, "user") == 0))
		return;
	if (strcmp(role, "user") == 0) {
		if ((text = agent_content_text(content, "text")) != NULL) {
			if (strstr(text, "<<<BEGIN_OPENCLAW_INTERNAL") == NULL)
				agent_text_event(s, "user_message", text, rec, "transcript");
			free(text);
		}
		/* Its TUI's turn began: what it took from its composer. */
		if (what == OPENCLAW_READ_ALL && s->agent != NULL) {
			a->turn_seen = 1;
			agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
		}
	} else if (strcmp(role, "assistant") == 0) {
		if (what != OPENCLAW_READ_USAGE)
			agent_assistant_blocks(s, content, rec, "toolCall", "arguments");
		if ((usage = agent_obj(msg, "usage")) != NULL)
			agent_usage(s, agent_int(usage, "input"), agent_int(usage, "output"),
			    agent_int(usage, "cacheRead"), agent_int(usage, "cacheWrite"),
			    agent_obj(usage, "cost") != NULL ? json_object_get_double(
			    agent_obj(agent_obj(usage, "cost"), "total")) : 0, rec);
		/*
		 * The message that ends its TUI's turn: any stopReason but toolUse
		 * (stop, length, error, aborted). Not the end of a turn that began
		 * before the last delivery.
		 */
		stop = agent_str(msg, "stopReason");
		if (what == OPENCLAW_READ_ALL && stop != NULL && strcmp(stop, "toolUse") != 0 &&
		    s->agent != NULL && (a->turn_seen || a->delivered_ms == 0)) {
			ev = json_object_new_object();
			json_object_object_add(ev, "status", json_object_new_string(stop));
			agent_event(s, "turn_end", ev, rec, "transcript");
			if (s->agent != NULL)
				agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
		}
	} else if (strcmp(role, "toolResult") == 0)
		agent_tool_result(s, agent_str(msg, "toolCallId"), content,
		    agent_obj(msg, "isError") != NULL &&
		    json_object_get_boolean(agent_obj(msg, "isError")), rec);
}

static void
openclaw_read(struct session *s, struct agent *a)
{
	openclaw_store_read(s, a, OPENCLAW_READ_ALL);
}

void
openclaw_store_read(struct session *s, struct agent *a, int what)
{
	struct json_object	*rec;
	sqlite3			*db;
	sqlite3_stmt		*st;
	const char		*text;
	char			*cause;
	int			 n = 0;

	if (sqlite3_open_v2(a->records, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, OPENCLAW_BUSY_MS);
	if (sqlite3_prepare_v2(db, "SELECT rowid, event_json FROM transcript_events"
	    " WHERE rowid > ? ORDER BY rowid LIMIT ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)a->roff);
		sqlite3_bind_int(st, 2, OPENCLAW_ROWS_MAX);
		while (sqlite3_step(st) == SQLITE_ROW && s->agent != NULL) {
			a->roff = (off_t)sqlite3_column_int64(st, 0);
			text = (const char *)sqlite3_column_text(st, 1);
			n++;
			if (text == NULL ||
			    (rec = agd_json_parse(text, strlen(text), &cause)) == NULL) {
				if (text != NULL)
					free(cause);
				continue;
			}
			if (json_object_is_type(rec, json_type_object))
				openclaw_record(s, a, rec, what);
			json_object_put(rec);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (n > 0 && s->agent != NULL)
		agent_persist(s);
}

static void
openclaw_screen(struct session *s, struct agent *a, const char *text)
{
	int	idle = strstr(text, OPENCLAW_IDLE) != NULL;

	/*
	 * Just typed: what shows is the composer's echo. Look again at the next
	 * poll, changed or not: a TUI that is idle again within the wait draws
	 * nothing more, and its idle would never be seen (a /reset's).
	 */
	if (agd_now_ms() - a->delivered_ms < OPENCLAW_TYPED_MS) {
		a->screen_dirty = 1;
		return;
	}
	/*
	 * Working by its screen only while its store has not said the turn ended
	 * (the status line may still say streaming a moment after that row).
	 */
	if (idle && a->status != AGENT_IDLE)
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	else if (!idle && a->status == AGENT_IDLE && !a->delivering &&
	    strcmp(a->source, "transcript") != 0 &&
	    (strstr(text, "streaming") != NULL || strstr(text, "| local ready") != NULL))
		agent_set(s, AGENT_WORKING, "screen", "thinking", NULL);
}

static int
openclaw_ready(const char *text)
{
	return (strstr(text, OPENCLAW_IDLE) != NULL);
}
