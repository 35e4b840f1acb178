/*
 * The Codex CLI adapter (rules for 0.171). Its hooks (-c hooks.EVENT=..., each
 * calling `agentd hook`) report turns, tool use and approvals asked; its rollout
 * JSONL ($CODEX_HOME/sessions/Y/M/D/rollout-*.jsonl) reports messages, tool use,
 * turns (an interrupted one too: no hook says so) and usage; the screen answers
 * its trust dialog, tells readiness before the first turn (its first hook comes
 * with it), and shows the approval box the API's answer types into. A stream
 * session runs `codex app-server` instead (agent-codex-stream.c).
 */
#include <sys/stat.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-codex.h"
#include "agent-kind.h"
#include "agentd.h"
#include "json.h"
#include "util.h"
#include "xmalloc.h"

/* The first line of a rollout (its session_meta, with the cwd) fits in this. */
#define CODEX_META_MAX		65536
/* A rollout this much older than the session (seconds) is another run's. */
#define CODEX_ROLLOUT_SLACK	2
/*
 * Seconds codex waits for one `agentd hook` before it goes on without it. None
 * waits for a decision: its PermissionRequest hook only reports, and answers
 * nothing, so the TUI's box stays the human's (a hook that decides hides it).
 */
#define CODEX_HOOK_TIMEOUT	10

#define CODEX_APPROVAL		"Would you like to run the following command?"
/* Its box for an apply_patch (the files below it: "Destination: /abs/path"). */
#define CODEX_EDITS		"Would you like to make the following edits?"
/* The composer's prompt mark, at the start of its line. */
#define CODEX_COMPOSER		"\n\xe2\x80\xba "
/* The options of its model offer (codex_offer). */
#define CODEX_OFFER_TRY		"Try new model"
#define CODEX_OFFER_KEEP	"Use existing model"

static void	codex_prepare(struct session *, struct agent *, char ***);
static void	codex_find(struct session *, struct agent *);
static void	codex_line(struct session *, struct agent *, struct json_object *);
static void	codex_screen(struct session *, struct agent *, const char *);
static int	codex_ready(const char *);
static int	codex_hook(struct session *, struct agent *, struct json_object *);

/* Codex CLI: agent-kind.h says what each member is for. */
const struct agent_kind agent_codex = {
	.name = "codex",
	.rules = "codex-0.171",
	.install_hint = "npm install -g @openai/codex",
	/* Its own, and the shared layout (.agents/skills) it loads too. */
	.skills_user = ".codex/skills .agents/skills",
	.skills_project = ".agents/skills",
	.argv = {
		"codex --no-daemon -a on-request -s workspace-write",
		"codex --no-daemon -a on-request -s workspace-write",
		"codex --no-daemon --dangerously-bypass-approvals-and-sandbox"
	},
	.reset_cmd = "/new",
	.allow_keys = "y",
	.deny_keys = "\x1b",
	/* Esc stops a turn ("esc to interrupt"; its rollout then says turn_aborted). */
	.interrupt_keys = "\x1b",
	.approval_box = CODEX_APPROVAL,
	.box_command = "$ ",
	.box_choices = "1. Yes",
	.edits_box = CODEX_EDITS,
	.edits_tool = "apply_patch",
	.edits_files = "Destination:",
	.composer = CODEX_COMPOSER,
	/* Its API and its own settings; a provider's env_key is given with env_allow. */
	.env_keys = "OPENAI_* CODEX_* RUST_LOG" AGENT_NET_ENV,
	.home_rw = "~/.codex/ $CODEX_HOME/",
	/*
	 * Its helpers' directory (tmp/path2, made at every start): one codex's
	 * clean-up there removed another's as it was being made (an unlocked
	 * moment in codex's arg0), whose sandbox then failed (seen in t/57).
	 */
	.home_tmp = "~/.codex/tmp/ $CODEX_HOME/tmp/",
	/*
	 * Its config (notify, MCP servers, projects' trust) and the .env it loads
	 * into its environment at start: read, never written by a tool.
	 */
	.home_ro = "~/.codex/config.toml $CODEX_HOME/config.toml ~/.codex/.env $CODEX_HOME/.env"
	    " ~/.codex/hooks.json $CODEX_HOME/hooks.json",
	.session_ro = SESSION_KEY_FILE,
	.hooks = 1,
	.prepare = codex_prepare,
	.find = codex_find,
	.line = codex_line,
	.screen = codex_screen,
	.ready = codex_ready,
	.hook = codex_hook,
	.free = codex_stream_free,
	.stream_prepare = codex_stream_prepare,
	.stream_start = codex_stream_start,
	.stream_line = codex_stream_line,
	.stream_send = codex_stream_send,
	.stream_send_blocks = codex_stream_send_blocks,
	.stream_approve = codex_stream_approve,
	.stream_interrupt = codex_stream_interrupt,
	.stream_reset = codex_stream_reset
};

/*
 * s as a TOML basic string, quotes included: '"' and '\\' escaped, control
 * characters as \\uXXXX. Caller frees; NULL if s is not UTF-8.
 */
static char *
codex_toml_string(const char *s)
{
	const unsigned char	*p;
	char			*out;
	size_t			 len = strlen(s), n = 0;

	if (!agd_utf8_valid(s, len))
		return (NULL);
	out = xmalloc(len * 6 + 3);
	out[n++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(out + n, 7, "\\u%04x", *p);
			n += 6;
		} else
			out[n++] = (char)*p;
	}
	out[n++] = '"';
	out[n] = '\0';
	return (out);
}

char *
codex_trust_arg(const char *cwd)
{
	char	*trust, *key;

	/*
	 * The key is a TOML basic string, escaped; codex splits -c at its first
	 * '=', so a folder with one in its name is not trusted this way (its
	 * dialog is answered, or not, by the screen rules).
	 */
	if (strchr(cwd, '=') != NULL || (key = codex_toml_string(cwd)) == NULL)
		return (NULL);
	xasprintf(&trust, "projects.%s.trust_level=\"trusted\"", key);
	free(key);
	return (trust);
}

/*
 * Its hooks, one -c each (a layer of this run only, no file written): every
 * event calls `agentd hook`. --dangerously-bypass-hook-trust runs them without
 * codex's review (it asks for one at start otherwise, in a dialog, for hooks
 * that are new to it); it runs the user's own hooks unreviewed too, as
 * claude runs them. The words go to *argv at *argcp (room for 13).
 */
static void
codex_hook_args(struct session *s, char **argv, int *argcp)
{
	static const char	*events[] = { "SessionStart", "UserPromptSubmit",
	    "PreToolUse", "PermissionRequest", "PostToolUse", "Stop" };
	char			*cmd, *tcmd;
	size_t			 i;

	cmd = agent_hook_cmd(s);
	tcmd = codex_toml_string(cmd);
	free(cmd);
	if (tcmd == NULL)	/* a path that is not UTF-8: no hooks, the screen */
		return;
	argv[(*argcp)++] = xstrdup("--dangerously-bypass-hook-trust");
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		argv[(*argcp)++] = xstrdup("-c");
		xasprintf(&argv[(*argcp)++], "hooks.%s=[{hooks=[{type=\"command\","
		    "command=%s,timeout=%d}]}]", events[i], tcmd, CODEX_HOOK_TIMEOUT);
	}
	free(tcmd);
}

static void
codex_prepare(struct session *s, struct agent *a, char ***argvp)
{
	char	**argv = *argvp, *trust;
	int	  argc = 0;

	(void)a;
	while (argv[argc] != NULL)
		argc++;
	argv = xreallocarray(argv, (size_t)argc + 16, sizeof *argv);
	codex_hook_args(s, argv, &argc);
	/* A trusted folder (SESSION_TRUSTED): for this run only (-c, no file). */
	if ((s->flags & SESSION_TRUSTED) && (trust = codex_trust_arg(s->cwd)) != NULL) {
		argv[argc++] = xstrdup("-c");
		argv[argc++] = trust;
	}
	argv[argc] = NULL;
	*argvp = argv;
}

/* 1 if the rollout at path starts with the meta of a run in cwd. */
static int
codex_rollout_of(const char *path, const char *cwd)
{
	struct json_object	*rec;
	const char		*rcwd;
	char			 line[CODEX_META_MAX], *cause;
	int			 mine = 0;
	FILE			*f;

	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(line, sizeof line, f) != NULL) {
		rec = agd_json_parse(line, strcspn(line, "\n"), &cause);
		if (rec == NULL)
			free(cause);
		else {
			rcwd = agent_str(agent_obj(rec, "payload"), "cwd");
			mine = rcwd != NULL && strcmp(rcwd, cwd) == 0;
			json_object_put(rec);
		}
	}
	fclose(f);
	return (mine);
}

/* The newest rollout no other session reads, begun in the session's directory. */
static void
codex_find(struct session *s, struct agent *a)
{
	struct stat	 sb;
	glob_t		 g;
	const char	*ch, *p;
	char		*pat, *base = NULL;
	size_t		 i;

	if (a->records != NULL)
		return;
	if ((ch = getenv("CODEX_HOME")) != NULL && *ch != '\0')
		base = xstrdup(ch);
	else
		base = agent_home_path(".codex");
	xasprintf(&pat, "%s/sessions/*/*/*/rollout-*.jsonl", base);
	free(base);
	if (glob(pat, 0, NULL, &g) != 0) {
		free(pat);
		return;
	}
	free(pat);
	for (i = g.gl_pathc; i > 0 && a->records == NULL; i--) {
		p = g.gl_pathv[i - 1];
		if (stat(p, &sb) == -1 || sb.st_mtime < a->started - CODEX_ROLLOUT_SLACK ||
		    agent_records_taken(s, p) || (*codex_old_rollout(a) != NULL &&
		    strcmp(p, *codex_old_rollout(a)) == 0))
			continue;
		if (codex_rollout_of(p, s->cwd))
			a->records = xstrdup(p);
	}
	globfree(&g);
}

/* A message of the user or the assistant. */
static void
codex_message(struct session *s, struct json_object *p, struct json_object *rec)
{
	const char	*role;
	char		*text;

	if ((role = agent_str(p, "role")) == NULL)
		return;
	if (strcmp(role, "user") == 0 &&
	    (text = agent_content_text(agent_obj(p, "content"), "input_text")) != NULL) {
		/* Codex adds its own context as user messages: keep the user's. */
		if (strncmp(text, "<", 1) != 0)
			agent_text_event(s, "user_message", text, rec, "transcript");
		free(text);
	} else if (strcmp(role, "assistant") == 0 &&
	    (text = agent_content_text(agent_obj(p, "content"), "output_text")) != NULL) {
		agent_text_event(s, "assistant_text", text, rec, "transcript");
		free(text);
	}
}

/* A tool call; its arguments are a JSON text (kept as a string if not JSON). */
static void
codex_call(struct session *s, struct json_object *p, struct json_object *rec)
{
	struct json_object	*args = NULL;
	const char		*text = agent_str(p, "arguments");
	char			*cause;

	if (text != NULL && (args = agd_json_parse(text, strlen(text), &cause)) == NULL) {
		free(cause);
		args = json_object_new_string(text);
	}
	agent_tool_use(s, agent_str(p, "name") != NULL ? agent_str(p, "name") : "?", args,
	    agent_str(p, "call_id"), rec, "transcript");
	json_object_put(args);
}

static void
codex_item(struct session *s, struct agent *a, const char *pt, struct json_object *p,
    struct json_object *rec)
{
	if (strcmp(pt, "message") == 0)
		codex_message(s, p, rec);
	else if (strcmp(pt, "function_call") == 0 || strcmp(pt, "custom_tool_call") == 0)
		codex_call(s, p, rec);
	else if (strcmp(pt, "function_call_output") == 0 ||
	    strcmp(pt, "custom_tool_call_output") == 0) {
		agent_tool_result(s, agent_str(p, "call_id"), agent_obj(p, "output"), 0, rec);
		if (a->status == AGENT_WAITING)
			agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
	}
}

static void
codex_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*p, *info, *tot, *ev;
	const char		*type, *pt;
	int64_t			 in, out, cread;

	if ((type = agent_str(rec, "type")) == NULL ||
	    (p = agent_obj(rec, "payload")) == NULL || (pt = agent_str(p, "type")) == NULL)
		return;
	if (strcmp(type, "response_item") == 0) {
		codex_item(s, a, pt, p, rec);
		return;
	}
	if (strcmp(type, "event_msg") != 0)
		return;
	if (strcmp(pt, "task_started") == 0) {
		a->turn_seen = a->turned = 1;
		agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
	} else if (strcmp(pt, "task_complete") == 0 || strcmp(pt, "turn_aborted") == 0) {
		/*
		 * Aborted: an approval denied at its box (esc) ends the turn there, as
		 * does agentd's interrupt (esc): status as the stream's turn says it.
		 */
		ev = json_object_new_object();
		json_object_object_add(ev, "status", json_object_new_string(
		    strcmp(pt, "turn_aborted") == 0 ? "interrupted" : "completed"));
		if (agent_str(p, "reason") != NULL)
			json_object_object_add(ev, "reason",
			    json_object_new_string(agent_str(p, "reason")));
		agent_event(s, "turn_end", ev, rec, "transcript");
		/* Not the end of a turn that began before the last delivery. */
		if (a->turn_seen || a->delivered_ms == 0)
			agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
	} else if (strcmp(pt, "token_count") == 0 &&
	    (info = agent_obj(p, "info")) != NULL &&
	    (tot = agent_obj(info, "total_token_usage")) != NULL) {
		/* Codex reports running totals: count the growth. */
		in = agent_int(tot, "input_tokens");
		cread = agent_int(tot, "cached_input_tokens");
		out = agent_int(tot, "output_tokens");
		agent_usage(s, in - cread - (a->in), out - a->out, cread - a->cread,
		    agent_int(tot, "cache_write_input_tokens") - a->cwrite, 0, rec);
	} else if (strcmp(pt, "error") == 0) {
		agent_text_event(s, "error", agent_str(p, "message") != NULL ?
		    agent_str(p, "message") : "error", rec, "transcript");
	}
}

/*
 * A command typed (a->last_text "/..."), submitted (its composer is empty again)
 * and no turn began: it was done at once, idle again. After /new the thread is
 * a new one, with a rollout of its own: the old one is not read again.
 */
static void
codex_command_done(struct session *s, struct agent *a, const char *text, int busy)
{
	char	**old;

	if (a->status != AGENT_WORKING || a->turn_seen || a->delivering || busy ||
	    a->last_text == NULL || a->last_text[0] != '/' ||
	    strstr(text, "Ask Codex") == NULL || strstr(text, CODEX_APPROVAL) != NULL ||
	    strstr(text, CODEX_EDITS) != NULL)
		return;
	if (strcmp(a->last_text, "/new") == 0 && a->records != NULL) {
		old = codex_old_rollout(a);
		free(*old);
		*old = a->records;
		a->records = NULL;
		a->roff = 0;
		agent_persist(s);
	}
	agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
}

static const char	*codex_composer(const char *);

/*
 * An offer codex 0.171 makes at its start with a model of its catalog ("Meet
 * GPT-6 Sol ... \xe2\x80\xba 1. Try new model 2. Use existing model"), drawn after
 * its composer: on screen while both options show and no composer is drawn
 * below them (text an agent printed above its composer is not the offer).
 */
static int
codex_offer(const char *text)
{
	const char	*p;

	if (strstr(text, CODEX_OFFER_TRY) == NULL ||
	    (p = strstr(text, CODEX_OFFER_KEEP)) == NULL)
		return (0);
	return (codex_composer(p) == NULL);
}

static void
codex_screen(struct session *s, struct agent *a, const char *text)
{
	struct json_object	*in;
	const char		*cmd, *q;
	char			*line;
	int			 busy = strstr(text, "esc to interrupt") != NULL, box, edits;

	/*
	 * The model offer, declined (the session keeps the model its type names):
	 * once, outside a turn. The prompt typed before it was drawn is sent when
	 * it is gone (agent_enter_retry).
	 */
	if (!busy && codex_offer(text) &&
	    agent_decline_offer(s, text, CODEX_OFFER_TRY, CODEX_OFFER_KEEP))
		return;
	/* The start dialog: a trusted folder (only while starting, once). */
	if (strstr(text, "Trust this folder") != NULL &&
	    strstr(text, "Trust and continue") != NULL &&
	    agent_dialog_may(s, AGENT_DIALOG_TRUST)) {
		if (agent_answer(s, "\r", NULL))
			agent_dialog(s, AGENT_DIALOG_TRUST);
		return;
	}
	/* A folder not trusted: its question is a person's to answer. */
	if (strstr(text, "Trust this folder") != NULL &&
	    strstr(text, "Trust and continue") != NULL &&
	    agent_dialog_left(s, AGENT_DIALOG_TRUST))
		return;
	if (a->status == AGENT_STARTING && !busy &&
	    (strstr(text, "for shortcuts") != NULL || strstr(text, "Ask Codex") != NULL))
		agent_set(s, AGENT_IDLE, "screen", "idle", NULL);
	codex_command_done(s, a, text, busy);
	box = (q = agent_box_find(a->kind, text, &edits)) != NULL;
	if (box && a->status == AGENT_WAITING)
		a->box_seen_gen = a->wait_gen;
	/*
	 * Its box gone: answered at the terminal (a hook's PostToolUse says so
	 * later, once the command ran). Not before it was drawn: the hook asks
	 * first.
	 */
	if (!box && a->status == AGENT_WAITING && (strcmp(a->source, "screen") == 0 ||
	    a->box_seen_gen == a->wait_gen)) {
		agent_evidence(s, "codex.approval_box");
		agent_set(s, AGENT_WORKING, "screen", "thinking", NULL);
	}
	if (agent_box_stale(a, box) || !box)
		return;
	if (a->status != AGENT_WAITING) {
		/* A patch's box (its hook reports it first): its files are not its input. */
		in = json_object_new_object();
		if (!edits && (cmd = strstr(q, "\n  $ ")) != NULL) {
			cmd += 5;
			line = xstrndup(cmd, strcspn(cmd, "\n"));
			json_object_object_add(in, "command", json_object_new_string(line));
			free(line);
		}
		agent_evidence(s, "codex.approval_box");
		agent_approval_asked(s, edits ? "apply_patch" : "exec_command", in, NULL,
		    "screen");
		json_object_put(in);
	}
}

/*
 * The composer's prompt mark at the start of a line, not a menu's pointer at one
 * of its numbered choices ("\xe2\x80\xba 1. Trust and continue", "\xe2\x80\xba 1. Yes,
 * proceed"); NULL if none.
 */
static const char *
codex_composer(const char *text)
{
	return (agent_composer(text, CODEX_COMPOSER));
}

/*
 * The composer takes input: its placeholder or footer, or (text already typed
 * in it: the footer then shows other hints, e.g. in bypass mode) its prompt
 * mark; not while working or asking. A trust dialog counts while it is the last
 * thing drawn: only a composer below it (drawn after) takes input.
 */
static int
codex_ready(const char *text)
{
	const char	*p;

	if (strstr(text, "esc to interrupt") != NULL ||
	    strstr(text, "Would you like to run") != NULL ||
	    strstr(text, "Would you like to make") != NULL || codex_offer(text))
		return (0);
	while ((p = strstr(text, "Trust this folder")) != NULL)
		text = p + 1;
	return (strstr(text, "for shortcuts") != NULL || strstr(text, "Ask Codex") != NULL ||
	    codex_composer(text) != NULL);
}

/*
 * A hook's report. Its tool is "Bash" for every command codex asks to run:
 * named exec_command here, as its rollout's call and its app-server's request
 * are. It waits for nothing: the API's answer is the box's keys.
 */
static int
codex_hook(struct session *s, struct agent *a, struct json_object *ev)
{
	const char	*name = agent_str(ev, "hook_event_name"), *tool;

	if (name == NULL)
		return (0);
	tool = agent_str(ev, "tool_name");
	if (tool != NULL && strcmp(tool, "Bash") == 0)
		tool = "exec_command";
	if (strcmp(name, "SessionStart") == 0) {
		agent_event(s, "agent_started", NULL, ev, "hook");
		if (a->status == AGENT_STARTING)
			agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	} else if (strcmp(name, "UserPromptSubmit") == 0) {
		a->turn_seen = a->turned = 1;
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "PreToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "tool_use", NULL);
	} else if (strcmp(name, "PermissionRequest") == 0) {
		agent_approval_asked(s, tool != NULL ? tool : "?",
		    agent_obj(ev, "tool_input"), ev, "hook");
	} else if (strcmp(name, "PostToolUse") == 0) {
		agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	} else if (strcmp(name, "Stop") == 0) {
		/* The rollout first, so its events come before the idle status. */
		agent_read_records(s);
		if (s->agent != NULL)
			agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	}
	return (0);
}
