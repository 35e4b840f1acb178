/*
 * The Claude Code adapter (rules for 2.1.x). Its hooks (--settings with command
 * hooks that call `agentd hook`) report status and approvals; its live transcript
 * JSONL (~/.claude/projects/<dir>/<session-id>.jsonl) reports messages, tool use
 * and usage; the screen answers its start dialogs and tells readiness. A stream
 * session runs `claude -p` with stream-json both ways instead (agent-claude-stream.c):
 * messages are user lines, approvals its can_use_tool control requests.
 */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "agent-claude.h"
#include "json.h"
#include "log.h"
#include "spawn.h"
#include "xmalloc.h"

/* Seconds claude waits for one `agentd hook` before it goes on without it. */
#define CLAUDE_HOOK_TIMEOUT	10
/*
 * But its PermissionRequest hook waits for the API's decision (its box stays
 * live meanwhile): a day, as agentd hook does (AGENTD_APPROVAL_HOOK_MS).
 */
#define CLAUDE_APPROVAL_HOOK_TIMEOUT	86400


static void	claude_prepare(struct session *, struct agent *, char ***);
static void	claude_find(struct session *, struct agent *);
static void	claude_line(struct session *, struct agent *, struct json_object *);
static void	claude_screen(struct session *, struct agent *, const char *);
static int	claude_ready(const char *);
static int	claude_hook(struct session *, struct agent *, struct json_object *);
static struct json_object *claude_hook_decision(int, const char *);
static void	claude_free(void *);

/* Claude Code: agent-kind.h says what each member is for. */
const struct agent_kind agent_claude = {
	.name = "claude",
	.rules = "claude-2.1",
	.install_hint = "npm install -g @anthropic-ai/claude-code",
	.skills_user = ".claude/skills",
	.skills_project = ".claude/skills",
	.argv = {
		"claude --permission-mode default",
		"claude --permission-mode acceptEdits",
		"claude --permission-mode bypassPermissions"
	},
	.reset_cmd = "/clear",
	.allow_keys = "\r",
	.deny_keys = "\x1b",
	.approval_box = "Do you want to proceed?",
	.interrupt_keys = "\x1b",
	.start_sign = "its SessionStart hook or its composer's footer",
	.stream_start_sign = "its answer to the initialize request",
	/*
	 * Its API (ANTHROPIC_*), its own settings (CLAUDE_*, DISABLE_*: updater,
	 * telemetry, error reports), IS_SANDBOX (root may bypass: agentd sandboxes it)
	 * and MCP_* timeouts. AWS_* (Bedrock) and gcloud's are given with env_allow.
	 */
	.env_keys = "ANTHROPIC_* CLAUDE_* CLAUDECODE DISABLE_* IS_SANDBOX MCP_*"
	    " MAX_THINKING_TOKENS BASH_DEFAULT_TIMEOUT_MS BASH_MAX_TIMEOUT_MS" AGENT_NET_ENV,
	.home_rw = "~/.claude/ ~/.claude.json ~/.claude.json.backup ~/.cache/claude-cli-nodejs/"
	    " ~/.config/claude/ $CLAUDE_CONFIG_DIR/",
	/* Its user settings (hooks, permissions, MCP): read, never written by a tool. */
	.home_ro = "~/.claude/settings.json ~/.config/claude/settings.json"
	    " $CLAUDE_CONFIG_DIR/settings.json",
	.session_ro = "claude-settings.json " SESSION_KEY_FILE,
	.hooks = 1,
	/* Sandboxed from outside (so root may run bypassPermissions): claude's own rule. */
	.sandbox_env = "IS_SANDBOX=1",
	.prepare = claude_prepare,
	.find = claude_find,
	.line = claude_line,
	.screen = claude_screen,
	.ready = claude_ready,
	.hook = claude_hook,
	.hook_decision = claude_hook_decision,
	.free = claude_free,
	.stream_prepare = claude_stream_prepare,
	.stream_start = claude_stream_start,
	.stream_line = claude_stream_line,
	.stream_send = claude_stream_send,
	.stream_approve = claude_stream_approve,
	.stream_send_blocks = claude_stream_send_blocks,
	.stream_interrupt = claude_stream_interrupt,
	.stream_reset = claude_stream_reset
};

struct claude *
claude_of(struct agent *a)
{
	if (a->priv == NULL)
		a->priv = xcalloc(1, sizeof (struct claude));
	return (a->priv);
}

static void
claude_free(void *p)
{
	struct claude	*c = p;

	free(c->settings);
	free(c->last_msg_id);
	free(c);
}

/* The settings: a command hook for each event, calling `agentd hook NAME`. */
/*
 * Claude's own Bash sandbox is bubblewrap too, reported fragile nested in another
 * namespace sandbox (AGENT-CLIS.md): when agentd sandboxes the agent, that is its
 * sandbox, and claude's is off in the settings agentd gives it (they override the
 * user's). Unsandboxed (sandbox = off, no bwrap), the user's setting stands.
 */
void
claude_sandbox_off(struct json_object *set)
{
	struct json_object	*sb;

	if (!spawn_sandboxed())
		return;
	sb = json_object_new_object();
	json_object_object_add(sb, "enabled", json_object_new_boolean(0));
	json_object_object_add(set, "sandbox", sb);
}

/*
 * The setting sources of a session: all of them in a trusted folder; else the
 * user's only, so that the folder's own .claude/settings*.json (hooks, commands,
 * permissions of a cloned repository) are not run unreviewed. Appended to argv
 * at *argcp (room for two).
 */
static void
claude_sources(struct session *s, char **argv, int *argcp)
{
	if (s->flags & SESSION_TRUSTED)
		return;
	argv[(*argcp)++] = xstrdup("--setting-sources");
	argv[(*argcp)++] = xstrdup("user");
}

/*
 * Write set (taken) to the session's file name; the path (the caller frees). A
 * file that cannot be written is logged: claude then starts without agentd's
 * settings (no hooks), which the screen rules still follow.
 */
static char *
claude_settings_file(struct session *s, const char *name, struct json_object *set)
{
	char	*path;
	FILE	*f;
	int	 bad;

	xasprintf(&path, "%s/%s", s->dir, name);
	if ((f = fopen(path, "w")) == NULL)
		log_warn("session %s: %s", s->name, path);
	else {
		bad = fputs(agd_json_text(set, NULL), f) == EOF;
		if (fclose(f) == EOF || bad)
			log_warn("session %s: %s", s->name, path);
	}
	json_object_put(set);
	return (path);
}

static struct json_object *
claude_settings(struct session *s)
{
	struct json_object	*set, *hooks, *arr, *ent, *hl, *h;
	static const char	*events[] = { "SessionStart", "UserPromptSubmit",
	    "PreToolUse", "PermissionRequest", "PostToolUse", "Stop", "SessionEnd" };
	char			*cmd;
	size_t			 i;

	cmd = agent_hook_cmd(s);
	set = json_object_new_object();
	hooks = json_object_new_object();
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		arr = json_object_new_array();
		ent = json_object_new_object();
		json_object_object_add(ent, "matcher", json_object_new_string(""));
		hl = json_object_new_array();
		h = json_object_new_object();
		json_object_object_add(h, "type", json_object_new_string("command"));
		json_object_object_add(h, "command", json_object_new_string(cmd));
		json_object_object_add(h, "timeout", json_object_new_int(
		    strcmp(events[i], "PermissionRequest") == 0 ?
		    CLAUDE_APPROVAL_HOOK_TIMEOUT : CLAUDE_HOOK_TIMEOUT));
		json_object_array_add(hl, h);
		json_object_object_add(ent, "hooks", hl);
		json_object_array_add(arr, ent);
		json_object_object_add(hooks, events[i], arr);
	}
	json_object_object_add(set, "hooks", hooks);
	/*
	 * A cost cap: its status line command gets the session's cost
	 * (cost.total_cost_usd) after every message; the TUI's transcript has none
	 * until it exits. Only then: a status line replaces the user's own and
	 * claude's "? for shortcuts" hint (its footer is the mode's line alone).
	 * It prints nothing.
	 */
	if (s->max_cost > 0) {
		h = json_object_new_object();
		json_object_object_add(h, "type", json_object_new_string("command"));
		json_object_object_add(h, "command", json_object_new_string(cmd));
		json_object_object_add(set, "statusLine", h);
	}
	claude_sandbox_off(set);
	/* The caller chose bypassPermissions: no second confirmation (only then). */
	if (s->mode == AGD_MODE_BYPASS)
		json_object_object_add(set, "skipDangerousModePermissionPrompt",
		    json_object_new_boolean(1));
	free(cmd);
	return (set);
}

void
claude_args(struct session *s, struct agent *a, char ***argvp, const char **extra,
    struct json_object *set)
{
	struct claude	*c = claude_of(a);
	char		**argv = *argvp;
	int		  argc = 0, n = 0;

	free(c->settings);
	c->settings = claude_settings_file(s, "claude-settings.json", set);
	a->uuid = agent_uuid();
	while (argv[argc] != NULL)
		argc++;
	while (extra != NULL && extra[n] != NULL)
		n++;
	argv = xreallocarray(argv, (size_t)argc + (size_t)n + 7, sizeof *argv);
	for (n = 0; extra != NULL && extra[n] != NULL; n++)
		argv[argc++] = xstrdup(extra[n]);
	argv[argc++] = xstrdup("--session-id");
	argv[argc++] = xstrdup(a->uuid);
	argv[argc++] = xstrdup("--settings");
	argv[argc++] = xstrdup(c->settings);
	claude_sources(s, argv, &argc);
	argv[argc] = NULL;
	*argvp = argv;
}

static void
claude_prepare(struct session *s, struct agent *a, char ***argvp)
{
	claude_args(s, a, argvp, NULL, claude_settings(s));
}

static void
claude_find(struct session *s, struct agent *a)
{
	glob_t	 g;
	char	*pat, *base;

	(void)s;
	if (a->records != NULL || a->uuid == NULL)
		return;
	base = agent_home_path(".claude/projects");
	xasprintf(&pat, "%s/*/%s.jsonl", base, a->uuid);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0)
		a->records = xstrdup(g.gl_pathv[0]);
	globfree(&g);
	free(pat);
	free(base);
}

/* A user record: the prompt, or tool results (and text) in blocks. */
void
claude_user(struct session *s, struct json_object *content, struct json_object *rec)
{
	struct json_object	*it;
	const char		*t;
	size_t			 i;

	if (json_object_is_type(content, json_type_string)) {
		agent_text_event(s, "user_message", json_object_get_string(content),
		    rec, "transcript");
		return;
	}
	for (i = 0; content != NULL && json_object_is_type(content,
	    json_type_array) && i < json_object_array_length(content); i++) {
		it = json_object_array_get_idx(content, i);
		if ((t = agent_str(it, "type")) == NULL)
			continue;
		if (strcmp(t, "tool_result") == 0)
			agent_tool_result(s, agent_str(it, "tool_use_id"),
			    agent_obj(it, "content"), agent_obj(it, "is_error") != NULL &&
			    json_object_get_boolean(agent_obj(it, "is_error")), rec);
		else if (strcmp(t, "text") == 0 && agent_str(it, "text") != NULL)
			agent_text_event(s, "user_message", agent_str(it, "text"),
			    rec, "transcript");
	}
}

static void
claude_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct claude		*c = claude_of(a);
	struct json_object	*msg, *content, *usage;
	const char		*type, *t, *id;

	if ((type = agent_str(rec, "type")) == NULL)
		return;
	msg = agent_obj(rec, "message");
	content = agent_obj(msg, "content");
	if (strcmp(type, "user") == 0 && msg != NULL) {
		claude_user(s, content, rec);
		return;
	}
	if (strcmp(type, "assistant") == 0 && msg != NULL) {
		agent_assistant_blocks(s, content, rec, "tool_use", "input");
		/* One content block per line, the same message: count usage once. */
		id = agent_str(msg, "id");
		usage = agent_obj(msg, "usage");
		if (usage != NULL && (id == NULL || c->last_msg_id == NULL ||
		    strcmp(id, c->last_msg_id) != 0)) {
			free(c->last_msg_id);
			c->last_msg_id = id != NULL ? xstrdup(id) : NULL;
			agent_usage(s, agent_int(usage, "input_tokens"),
			    agent_int(usage, "output_tokens"),
			    agent_int(usage, "cache_read_input_tokens"),
			    agent_int(usage, "cache_creation_input_tokens"),
			    json_object_get_double(agent_obj(rec, "costUSD")), rec);
		}
		return;
	}
	if (strcmp(type, "system") == 0 && (t = agent_str(rec, "subtype")) != NULL &&
	    strcmp(t, "turn_duration") == 0) {
		agent_event(s, "turn_end", NULL, rec, "transcript");
		/*
		 * The hooks say so first; this is for a session without them (and never
		 * for the end of a turn before the last delivery).
		 */
		if (!c->hooks && a->turn_seen && a->status == AGENT_WORKING)
			agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
		return;
	}
	if (strcmp(type, "error") == 0)
		agent_text_event(s, "error", agent_str(rec, "message") != NULL ?
		    agent_str(rec, "message") : "error", rec, "transcript");
}

/*
 * 1 if the composer's footer is on screen: "? for shortcuts" in default mode, the
 * mode line in the others ("accept edits on", "bypass permissions on"), and in
 * default mode with a status line (a cost cap), which takes the hint's place.
 */
static int
claude_footer(const char *text)
{
	return (strstr(text, "for shortcuts") != NULL ||
	    strstr(text, "manual mode on") != NULL ||
	    strstr(text, "accept edits on") != NULL ||
	    strstr(text, "bypass permissions on") != NULL);
}

static void
claude_screen(struct session *s, struct agent *a, const char *text)
{
	int	busy = strstr(text, "esc to interrupt") != NULL;

	/*
	 * An offer claude 2.1.332 makes after some launches, once its SessionStart
	 * hook has said it is ready ("Try the new fullscreen renderer? 1. Yes, try
	 * it 2. Not now"): it would take the prompt as its answer. Declined (Esc,
	 * its "cancel"), once, whenever both options show outside a turn.
	 */
	if (!busy && !(a->dialogs & AGENT_DIALOG_PROMO) &&
	    strstr(text, "Try the new fullscreen renderer?") != NULL &&
	    strstr(text, "Not now") != NULL && strstr(text, "Yes, try it") != NULL) {
		if (agent_answer(s, "\x1b", NULL))
			agent_dialog(s, AGENT_DIALOG_PROMO);
		return;
	}

	/*
	 * Start dialogs the API call already answered: the creator chose the folder
	 * (trust it) and the mode (accept bypass, in bypassPermissions only). Only
	 * while starting, once each: move the cursor to that option, and confirm
	 * once the screen shows it selected (the TUI may redraw in between).
	 */
	if (agent_choose(s, text, "No, exit", "Yes, I trust this folder",
	    AGENT_DIALOG_TRUST) ||
	    agent_choose(s, text, "No, exit", "Yes, I accept", AGENT_DIALOG_BYPASS))
		return;
	/* A folder not trusted: its question is a person's to answer. */
	if (strstr(text, "No, exit") != NULL &&
	    strstr(text, "Yes, I trust this folder") != NULL &&
	    agent_dialog_left(s, AGENT_DIALOG_TRUST))
		return;
	if (a->status == AGENT_STARTING && !busy && claude_footer(text)) {
		agent_evidence(s, "claude.footer");
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	}
	/*
	 * Approval box in a session whose hooks never reported: the screen says so
	 * (not the box just answered, until it is gone).
	 */
	if (!agent_box_stale(a, strstr(text, "Do you want to proceed?") != NULL) &&
	    strstr(text, "Do you want to proceed?") != NULL &&
	    !claude_of(a)->hooks && a->status == AGENT_WORKING) {
		agent_evidence(s, "claude.approval_box");
		agent_set(s, AGENT_WAITING, "screen", "waiting_approval", NULL);
	}
}

static int
claude_ready(const char *text)
{
	return (claude_footer(text) &&
	    strstr(text, "esc to interrupt") == NULL &&
	    strstr(text, "Enter to confirm") == NULL &&	/* a dialog of its own */
	    strstr(text, "Do you want to proceed?") == NULL);
}

/* What its PermissionRequest hook prints for the decision. */
static struct json_object *
claude_hook_decision(int allow, const char *message)
{
	struct json_object	*o, *h, *d;

	d = json_object_new_object();
	json_object_object_add(d, "behavior", json_object_new_string(allow ? "allow" : "deny"));
	if (!allow) {
		json_object_object_add(d, "message", json_object_new_string(message != NULL ?
		    message : "denied through agentd"));
		json_object_object_add(d, "interrupt", json_object_new_boolean(0));
	}
	h = json_object_new_object();
	json_object_object_add(h, "hookEventName", json_object_new_string("PermissionRequest"));
	json_object_object_add(h, "decision", d);
	o = json_object_new_object();
	json_object_object_add(o, "hookSpecificOutput", h);
	return (o);
}

/*
 * SessionStart: its own word that it started (ready, whatever its footer shows),
 * or, source "clear", that its /clear made a new conversation: a new session id
 * and transcript (read from the start), and nothing more comes for that command.
 */
static void
claude_session_start(struct session *s, struct agent *a, struct json_object *ev)
{
	const char	*src = agent_str(ev, "source"), *id = agent_str(ev, "session_id");
	const char	*path = agent_str(ev, "transcript_path");
	int		 clear = src != NULL && strcmp(src, "clear") == 0;

	agent_event(s, "agent_started", NULL, ev, "hook");
	if (clear && id != NULL && path != NULL &&
	    (a->uuid == NULL || strcmp(a->uuid, id) != 0)) {
		agent_read_records(s);		/* the last of the old one */
		free(a->uuid);
		a->uuid = xstrdup(id);
		free(a->records);
		a->records = NULL;		/* found again by its new id */
		a->roff = 0;
		agent_event(s, "conversation_reset", NULL, NULL, "hook");
	}
	if (a->status == AGENT_STARTING || (clear && a->status == AGENT_WORKING))
		agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
}

/*
 * Its status line's input (no hook_event_name): the cost so far of the whole
 * session (cost.total_cost_usd, growing; from 0 again if it starts over), counted
 * by its growth. After a restart of ours, what was counted before is the base.
 */
static void
claude_status_line(struct session *s, struct agent *a, struct json_object *ev)
{
	struct claude		*c = claude_of(a);
	struct json_object	*cost = agent_obj(ev, "cost"), *v;
	double			 total;

	if ((v = agent_obj(cost, "total_cost_usd")) == NULL ||
	    (!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int)) ||
	    (total = json_object_get_double(v)) < 0 || total > AGD_COST_CAP_MAX)
		return;
	if (!c->line_seen) {
		c->line_seen = 1;
		c->cost_seen = a->cost;
	}
	if (total < c->cost_seen)
		c->cost_seen = 0;
	if (total > c->cost_seen)
		agent_usage(s, 0, 0, 0, 0, total - c->cost_seen, ev);
	c->cost_seen = total;
}

static int
claude_hook(struct session *s, struct agent *a, struct json_object *ev)
{
	const char	*name = agent_str(ev, "hook_event_name"), *tool;

	if (name == NULL) {
		if (s->transport != SESSION_STREAM && agent_obj(ev, "cost") != NULL)
			claude_status_line(s, a, ev);
		return (0);
	}
	claude_of(a)->hooks = 1;
	tool = agent_str(ev, "tool_name");
	if (strcmp(name, "SessionStart") == 0) {
		claude_session_start(s, a, ev);
	} else if (strcmp(name, "UserPromptSubmit") == 0) {
		a->turn_seen = 1;
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "PreToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "tool_use", NULL);
	} else if (strcmp(name, "PermissionRequest") == 0) {
		agent_approval_asked(s, tool != NULL ? tool : "?",
		    agent_obj(ev, "tool_input"), ev, "hook");
		return (1);	/* it waits for the decision */
	} else if (strcmp(name, "PostToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "Stop") == 0) {
		/* Read the transcript first, so the events come before the idle status. */
		agent_read_records(s);
		if (s->agent != NULL)
			agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	} else if (strcmp(name, "SessionEnd") == 0) {
		agent_event(s, "agent_ended", NULL, ev, "hook");
	}
	return (0);
}
