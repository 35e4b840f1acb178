/*
 * Unit tests of the agent adapters (daemon/agent*.c, screen.c) without a live
 * session: each kind is fed recorded transcript, rollout and store records and
 * screens in the shapes the real CLIs write (doc: AGENT-CLIS.md), and the test
 * checks the status, usage and events it derives. The few session and persist
 * functions the engine calls are stubs here that record what they were given.
 *
 * With TEST_AGENTD_VALGRIND=1 it runs itself again under valgrind (memcheck).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "agentd.h"
#include "agent.h"
#include "agent-kind.h"
#include "waiter.h"
#include "json.h"
#include "screen.h"
#include "spawn.h"
#include "log.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

/* The daemon's globals the engine reads. */
struct event_base	*agentd_base;
struct agd_conf		*agentd_conf;
char			*agentd_home;
struct sessions		 sessions = TAILQ_HEAD_INITIALIZER(sessions);

/* What the stubs saw. */
static struct json_object	*events;	/* [{type, fields}] since test_reset */
static char			 typed[4096];	/* keys typed into the terminal */
static size_t			 typed_len;
static char			 persisted[64];	/* the last status stored */
static int64_t			 persisted_in, persisted_out;
static int			 idles, delivered;
static uint64_t			 seq;

/* Stubs of session.c and persist.c, and a debrief's watcher. */

/* spawn-sandbox.c: agentd sandboxes its agents (claude's own sandbox goes off). */
int
spawn_sandboxed(void)
{
	return (1);
}

uint64_t
session_event(struct session *s, const char *type, struct json_object *fields)
{
	struct json_object	*o = json_object_new_object();

	(void)s;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "fields", fields);
	json_object_array_add(events, o);
	return (++seq);
}

/* What a stream session rendered (session_tty). */
static char			 rendered[65536];
static size_t			 rendered_len;

void
session_tty(struct session *s, const char *p, size_t n)
{
	(void)s;
	if (rendered_len + n < sizeof rendered) {
		memcpy(rendered + rendered_len, p, n);
		rendered_len += n;
		rendered[rendered_len] = '\0';
	}
}

int
session_input(struct session *s, const void *p, size_t n)
{
	(void)s;
	if (typed_len + n < sizeof typed) {
		memcpy(typed + typed_len, p, n);
		typed_len += n;
		typed[typed_len] = '\0';
	}
	return (0);
}

int
session_keys(struct session *s, const char *keys)
{
	return (session_input(s, keys, strlen(keys)));
}

size_t
session_input_queued(struct session *s)
{
	(void)s;
	return (0);		/* what is typed here is read at once */
}

void
session_subscribe_all(enum session_sub_rank rank, session_notify_cb *cb,
    void *(*new_arg)(struct session *))
{
	(void)rank, (void)cb, (void)new_arg;	/* the test calls agent_attach... itself */
}

void
session_set_install_hint(const char *(*hint)(const char *))
{
	(void)hint;
}

int
persist_is_remote(int64_t id)
{
	(void)id;
	return (0);
}

void
persist_adapter(int64_t id, const char *adapter)
{
	(void)id, (void)adapter;
}

char *
persist_adapter_load(int64_t id)
{
	(void)id;
	return (NULL);		/* an older row: the type's adapter */
}

void
persist_agent(int64_t id, const char *status, const char *source, const char *since,
    const char *phase, const char *pending, const char *last_tool, const char *uuid,
    const char *tpath, int64_t toff, int64_t in, int64_t out, int64_t cread,
    int64_t cwrite, double cost, const char *pending_id)
{
	(void)id, (void)source, (void)since, (void)phase, (void)pending;
	(void)last_tool, (void)uuid, (void)tpath, (void)toff, (void)cread;
	(void)cwrite, (void)cost, (void)pending_id;
	snprintf(persisted, sizeof persisted, "%s", status);
	persisted_in = in;
	persisted_out = out;
}

int
persist_pending_load(int64_t id, char **status, char **pending, char **pending_id)
{
	(void)id, (void)status, (void)pending, (void)pending_id;
	return (0);
}

void
persist_evidence(int64_t id, const char *evidence)
{
	(void)id, (void)evidence;
}

void
persist_capped(int64_t id, const char *capped)
{
	(void)id, (void)capped;
}

void
persist_limits(int64_t id, double cost, int64_t tokens)
{
	(void)id, (void)cost, (void)tokens;
}

/* A waiting hook's answer, as the command layer would send it. */
static struct json_object	*hook_reply;

void
waiter_hold(struct waiter *w, waiter_cancel_cb cb, void *arg)
{
	w->cancel = cb;
	w->cancel_arg = arg;
}

void
waiter_reply(struct waiter *w, int status, struct json_object *body)
{
	(void)w, (void)status;
	json_object_put(hook_reply);
	hook_reply = body;
}

void
persist_agent_load(int64_t id, char **uuid, char **tpath, off_t *toff, int64_t *in,
    int64_t *out, int64_t *cread, int64_t *cwrite, double *cost)
{
	(void)id, (void)uuid, (void)tpath, (void)toff, (void)in, (void)out;
	(void)cread, (void)cwrite, (void)cost;
}

/* The watcher a running debrief sets (agent_watch): counts what it is told. */
static void
debrief_idle(struct session *s)
{
	(void)s;
	idles++;
}

static void
debrief_delivered(struct session *s)
{
	(void)s;
	delivered++;
}

static char	root[] = "/tmp/agent-test-XXXXXX";

static void
test_reset(void)
{
	json_object_put(events);
	events = json_object_new_array();
	typed_len = 0;
	typed[0] = '\0';
}

/* The fields of the nth (0: first) event of type, or NULL. */
static struct json_object *
event_nth(const char *type, int nth)
{
	struct json_object	*o;
	size_t			 i;

	for (i = 0; i < json_object_array_length(events); i++) {
		o = json_object_array_get_idx(events, i);
		if (strcmp(agent_str(o, "type"), type) == 0 && nth-- == 0)
			return (agent_obj(o, "fields"));
	}
	return (NULL);
}

static int
event_count(const char *type)
{
	int	n = 0;

	while (event_nth(type, n) != NULL)
		n++;
	return (n);
}

/* The last status event's status and source, as "status/source". */
static const char *
last_status(void)
{
	static char		 buf[128];
	struct json_object	*o = NULL, *f;
	int			 n;

	for (n = 0; (f = event_nth("status", n)) != NULL; n++)
		o = f;
	snprintf(buf, sizeof buf, "%s/%s", o != NULL ? agent_str(o, "status") : "-",
	    o != NULL ? agent_str(o, "statusSource") : "-");
	return (buf);
}

static const char *
path_str(struct json_object *o, const char *a, const char *b)
{
	return (agent_str(b != NULL ? agent_obj(o, a) : o, b != NULL ? b : a));
}

/* Draw text on the session's terminal (a clear screen first) and run the rules. */
static void
screen_draw(struct session *s, const char *text)
{
	agent_output(s, "\x1b[2J\x1b[H", 7);
	for (; *text != '\0'; text++) {
		if (*text == '\n')
			agent_output(s, "\r\n", 2);
		else
			agent_output(s, text, 1);
	}
}

static void
screen_show(struct session *s, const char *text)
{
	char	*t;

	screen_draw(s, text);
	t = screen_text(s->agent->screen, NULL);
	s->agent->kind->screen(s, s->agent, t);
	s->agent->screen_dirty = 0;
	free(t);
}

/* The most timers (its poll every 200 ms) to wait for the keys a test expects. */
#define TEST_ROUNDS_MAX		50

/* Run the engine's timers until the keys typed are want (or give up). */
static void
wait_typed(const char *want)
{
	int	i;

	for (i = 0; i < TEST_ROUNDS_MAX && strcmp(typed, want) != 0; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
}

static void
write_file(const char *path, const char *text, const char *mode)
{
	FILE	*f;
	char	*dir = xstrdup(path);

	*strrchr(dir, '/') = '\0';
	agd_mkdirs(dir, 0700);
	free(dir);
	if ((f = fopen(path, mode)) == NULL)
		fatal("%s", path);
	fputs(text, f);
	fclose(f);
}

/* The whole of a small file; caller frees. NULL if it cannot be read. */
static char *
file_text(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	buf = xmalloc(65536);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

static struct session *
session_new(const char *name, const char *type)
{
	struct session	*s = xcalloc(1, sizeof *s);
	static int64_t	 id;

	s->id = ++id;
	s->name = xstrdup(name);
	s->agent_type = xstrdup(type);
	xasprintf(&s->dir, "%s/sessions/%lld", root, (long long)s->id);
	xasprintf(&s->cwd, "%s/work", root);
	agd_mkdirs(s->dir, 0700);
	agd_mkdirs(s->cwd, 0700);
	s->rows = 40;
	s->cols = 120;
	s->state = SESSION_RUNNING;
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	return (s);
}

static void
session_done(struct session *s)
{
	agent_detach(s);
	TAILQ_REMOVE(&sessions, s, entry);
	free(s->name);
	free(s->agent_type);
	free(s->dir);
	free(s->cwd);
	free(s);
}

/* The argv of a command line; freed with agd_argv_free. */
static char **
argv_of(const char *line)
{
	char	*cause, **argv;

	if ((argv = agd_argv_split(line, NULL, &cause)) == NULL)
		fatalx("%s", cause);
	return (argv);
}

static int
argv_has(char **argv, const char *word)
{
	for (; *argv != NULL; argv++) {
		if (strcmp(*argv, word) == 0)
			return (1);
	}
	return (0);
}

/* 1 if a word of argv has text in it. */
static int
argv_grep(char **argv, const char *text)
{
	for (; *argv != NULL; argv++) {
		if (strstr(*argv, text) != NULL)
			return (1);
	}
	return (0);
}

/* The table of kinds. */

static void
test_kinds(void)
{
	const struct agent_kind	*k;
	size_t			 i, j;
	int			 m, whole = 1, unique = 1;

	for (i = 0; (k = agent_kinds[i]) != NULL; i++) {
		whole = whole && k->name != NULL && k->install_hint != NULL &&
		    k->line != NULL && k->screen != NULL && k->find != NULL;
		for (m = 0; m < AGD_MODE_COUNT; m++)
			whole = whole && k->argv[m] != NULL &&
			    strncmp(k->argv[m], k->name, strlen(k->name)) == 0;
		for (j = 0; j < i; j++)
			unique = unique && strcmp(agent_kinds[j]->name, k->name) != 0;
	}
	is_int(i, 3, "three kinds in the table");
	ok(whole, "every kind has a name, an install hint, a command per mode, rules");
	ok(unique, "kind names are unique");
}

/* The built-in command lines and install hints come from the kinds. */
static void
test_builtins(void)
{
	struct agd_conf		*c;
	const struct agd_agent	*a;
	const struct agent_kind	*k;
	char			 path[PATH_MAX], *cause = NULL;
	size_t			 i;
	int			 m, same = 1;

	snprintf(path, sizeof path, "%s/agentd.conf", root);
	write_file(path, "[agent codex]\ndefault = codex --mine\n", "w");
	if ((c = agd_conf_load(path, &cause)) == NULL)
		fatalx("%s", cause);
	if (agent_kinds_configure(c, &cause) == -1)
		fatalx("%s", cause);
	for (i = 0; (k = agent_kinds[i]) != NULL; i++) {
		if (strcmp(k->name, "codex") == 0)
			continue;
		a = agd_conf_agent(c, k->name);
		for (m = 0; m < AGD_MODE_COUNT; m++)
			same = same && a != NULL && strcmp(a->argv[m], k->argv[m]) == 0;
	}
	ok(same, "the built-in command lines are the kinds'");
	a = agd_conf_agent(c, "codex");
	ok(a != NULL && strcmp(a->argv[AGD_MODE_BYPASS], "codex --mine") == 0,
	    "an [agent NAME] section replaces the built-in");
	agd_conf_free(c);
	is_str(agent_install_hint("/nonexistent/bin/claude"),
	    "npm install -g @anthropic-ai/claude-code", "install hint by basename");
	is_str(agent_install_hint("openclaw"), "npm install -g openclaw, which needs Node.js 24",
	    "install hint of openclaw");
	ok(agent_install_hint("no-such-agent") == NULL, "no install hint for another program");
}

static void
test_plain(void)
{
	struct session	*s = session_new("plain", "fake"), *s2;
	char		**argv = argv_of("/bin/sh -c 'echo hi'");
	char		**argv2 = argv_of("/usr/local/bin/claude --permission-mode default");
	enum agd_err	 code = AGD_ERR_INTERNAL;
	char		*cause = NULL;

	agent_attach(s, &argv, 0);
	ok(s->agent == NULL, "another program is a plain terminal");
	/*
	 * A program named like an agent under a type of another name: plain too (the
	 * adapter is the type's, issue 14). Before: claude's, by argv[0]'s basename.
	 */
	s2 = session_new("looks", "looks-like-claude");
	agent_attach(s2, &argv2, 0);
	ok(s2->agent == NULL, "a program named claude under another type is a plain terminal");
	is_int(agent_submit(s, "hi", 1), 0, "plain: the caller types a message itself");
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == -1 && code == AGD_ERR_NOTHING_PENDING,
	    "plain: nothing pending");
	free(cause);
	agd_argv_free(argv);
	agd_argv_free(argv2);
	session_done(s);
	session_done(s2);
}

/* Claude Code: hooks, the transcript JSONL and the screen. */

/* Claude's approval box for command, drawn as its TUI draws it (the command shown). */
static void
claude_box(struct session *s, const char *command)
{
	char	*box;

	xasprintf(&box, "\r\n Bash command\r\n   %s\r\n Do you want to proceed?\r\n"
	    " \xe2\x9d\xaf 1. Yes\r\n", command);
	agent_output(s, box, strlen(box));
	free(box);
}

static void
test_claude(void)
{
	struct session		*s = session_new("c1", "claude");
	struct json_object	*f;
	struct stat		 sb;
	char			**argv = argv_of("/usr/local/bin/claude --permission-mode default");
	char			*path, *line, *cause = NULL;
	enum agd_err		 code = AGD_ERR_INTERNAL;
	int			 i;

	test_reset();
	s->flags |= SESSION_TRUSTED;	/* test_claude_untrusted has the other */
	agent_attach(s, &argv, 0);
	agent_watch(s, debrief_delivered, debrief_idle);
	ok(s->agent != NULL && s->agent->kind->name != NULL &&
	    strcmp(s->agent->kind->name, "claude") == 0, "claude: adapter by its type");
	ok(argv_has(argv, "--session-id") && argv_has(argv, s->agent->uuid) &&
	    argv_has(argv, "--settings"), "claude: --session-id and --settings added");
	ok(!argv_has(argv, "--setting-sources"), "claude: trusted: every setting source");
	xasprintf(&path, "%s/claude-settings.json", s->dir);
	ok(stat(path, &sb) == 0 && sb.st_size > 0, "claude: settings file written");
	line = file_text(path);
	ok(line != NULL && strstr(line, "skipDangerousModePermissionPrompt") == NULL,
	    "claude: default mode: the bypass confirmation is not skipped");
	free(line);
	free(path);
	is_str(persisted, "starting", "claude: stored as starting");

	/* Start dialogs: walk to the answer, then confirm it. */
	screen_show(s, "Do you trust the files in this folder?\n"
	    "\xe2\x9d\xaf 1. No, exit\n  2. Yes, I trust this folder\n");
	is_str(typed, "\x1b[B", "claude: trust dialog: cursor moved down");
	ok(event_nth("dialog", 0) == NULL, "claude: not answered before selected");
	s->agent->answered_ms = 0;
	test_reset();
	screen_show(s, "Do you trust the files in this folder?\n"
	    "  1. No, exit\n\xe2\x9d\xaf 2. Yes, I trust this folder\n");
	is_str(typed, "\r", "claude: trust dialog confirmed");
	is_str(path_str(event_nth("dialog", 0), "dialog", NULL), "trust",
	    "claude: dialog event");
	is_str(path_str(event_nth("dialog", 0), "agent", NULL), "claude",
	    "claude: events name the agent");
	s->agent->answered_ms = 0;
	test_reset();
	screen_show(s, "Do you trust the files in this folder?\n"
	    "  1. No, exit\n\xe2\x9d\xaf 2. Yes, I trust this folder\n");
	is_str(typed, "", "claude: trust dialog answered once only");
	screen_show(s, "Bypass Permissions mode\n"
	    "  1. No, exit\n\xe2\x9d\xaf 2. Yes, I accept\n");
	is_str(typed, "", "claude: bypass dialog in default mode: no key pressed");

	screen_show(s, "\xe2\x94\x80\xe2\x94\x80\n\xe2\x9d\xaf \n"
	    "\xe2\x8f\xb8 manual mode on \xc2\xb7 ? for shortcuts\n");
	is_str(last_status(), "idle/screen", "claude: composer on screen: idle");
	s->agent->answered_ms = 0;
	s->agent->dialogs = 0;
	test_reset();
	screen_show(s, "Do you trust the files in this folder?\n"
	    "\xe2\x9d\xaf 1. No, exit\n  2. Yes, I trust this folder\n");
	is_str(typed, "", "claude: trust dialog text once idle: no key pressed");
	screen_show(s, "\xe2\x94\x80\xe2\x94\x80\n\xe2\x9d\xaf \n"
	    "\xe2\x8f\xb8 manual mode on \xc2\xb7 ? for shortcuts\n");
	is_int(idles, 1, "claude: idle told to debrief");

	/* A message is typed when ready, then Enter a moment later. */
	test_reset();
	is_int(agent_submit(s, "hello tui", 7), 1, "claude: the adapter takes a message");
	is_str(typed, "hello tui", "claude: typed at once (idle and ready)");
	f = event_nth("delivered", 0);
	is_int(json_object_get_int64(agent_obj(f, "messageSeq")), 7, "claude: delivered seq");
	is_str(last_status(), "working/daemon", "claude: working after delivery");
	wait_typed("hello tui\r");
	is_str(typed, "hello tui\r", "claude: Enter after the text");

	/* Hooks. */
	test_reset();
	s->agent->turn_seen = 0;
	f = json_tokener_parse("{\"hook_event_name\":\"UserPromptSubmit\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	ok(s->agent->turn_seen && event_count("status") == 0,
	    "claude: UserPromptSubmit: a turn, still working");
	f = json_tokener_parse("{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(last_status(), "working/hook", "claude: PreToolUse: working");
	is_str(path_str(event_nth("status", 0), "phase", NULL), "tool_use",
	    "claude: PreToolUse: phase tool_use");
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
	    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"echo hi > out.txt\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(path_str(event_nth("permission_request", 0), "tool", NULL), "Bash",
	    "claude: permission_request tool");
	is_str(path_str(event_nth("permission_request", 0), "input", "command"),
	    "echo hi > out.txt", "claude: permission_request input");
	is_str(last_status(), "waiting_approval/hook", "claude: waiting for approval");
	ok(event_nth("status", 1) != NULL && agent_obj(event_nth("status", 1),
	    "pendingApproval") != NULL, "claude: status carries the pending approval");

	/* The answer waits for the box to be drawn a moment. */
	test_reset();
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "claude: approve accepted");
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == -1 && code == AGD_ERR_BUSY,
	    "claude: a second answer is busy");
	free(cause);
	is_int((int)typed_len, 0, "claude: no keys before the box shows");
	claude_box(s, "echo hi > out.txt");
	wait_typed("\r");
	is_str(typed, "\r", "claude: approval keys sent once the box showed");
	is_str(path_str(event_nth("approval", 0), "decision", NULL), "allow",
	    "claude: approval event");
	is_str(last_status(), "working/daemon", "claude: working after the answer");

	/*
	 * Keys for one approval never answer the next: asked, answered (the keys
	 * wait for the box), the turn goes on and another approval is asked before
	 * a poll: the box that shows is the new one's. Late, nothing typed.
	 */
	agent_output(s, "\x1b[2J\x1b[H", 7);
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
	    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	test_reset();
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "claude: approve ls");
	f = json_tokener_parse("{\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
	    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"rm -rf x\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	claude_box(s, "rm -rf x");
	for (i = 0; i < TEST_ROUNDS_MAX && event_nth("approval", 0) == NULL; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	ok(agent_obj(event_nth("approval", 0), "late") != NULL,
	    "claude: the first answer is late for the second approval");
	is_int((int)typed_len, 0, "claude: no keys typed into the second approval's box");
	is_str(last_status(), "waiting_approval/hook", "claude: the second approval still waits");
	ok(agent_approve(s, 0, NULL, "tester", &code, &cause) == 0, "claude: deny rm");
	wait_typed("\x1b");
	is_str(path_str(event_nth("approval", 1), "decision", NULL), "deny",
	    "claude: the second approval answered by its own keys");

	/* Another request while the first still waits (no hook holds it): not its. */
	agent_output(s, "\x1b[2J\x1b[H", 7);
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
	    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	test_reset();
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "claude: approve ls again");
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
	    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"rm -rf y\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	claude_box(s, "rm -rf y");
	for (i = 0; i < TEST_ROUNDS_MAX && event_nth("approval", 0) == NULL; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	ok(agent_obj(event_nth("approval", 0), "late") != NULL && typed_len == 0,
	    "claude: an answer is late for a request that replaced its own, no keys");
	ok(agent_approve(s, 0, NULL, "tester", &code, &cause) == 0, "claude: deny rm -rf y");
	wait_typed("\x1b");

	/* A hook that waits: the API's answer is its reply, no keys. */
	test_reset();
	{
		struct waiter	w;

		memset(&w, 0, sizeof w);
		f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\","
		    "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
		agent_hook(s, f, &w);
		json_object_put(f);
		ok(s->agent->hook_waiter == &w, "claude: the PermissionRequest hook waits");
		ok(agent_approve(s, 0, "no ls", "tester", &code, &cause) == 0,
		    "claude: deny through the hook");
		ok(hook_reply != NULL && strstr(json_object_to_json_string_ext(hook_reply, JSON_C_TO_STRING_PLAIN),
		    "\"behavior\":\"deny\"") != NULL && strstr(json_object_to_json_string(
		    hook_reply), "no ls") != NULL, "claude: the hook prints the deny and why");
		is_int((int)typed_len, 0, "claude: no keys for a hook's answer");
		is_str(path_str(event_nth("approval", 0), "by", NULL), "tester",
		    "claude: the approval says who");
		ok(s->agent->hook_waiter == NULL, "claude: the hook let go");
	}

	/* The transcript: messages, tool use and usage, counted once per message. */
	test_reset();
	xasprintf(&path, "%s/home/.claude/projects/-work/%s.jsonl", root, s->agent->uuid);
	write_file(path,
	    "{\"type\":\"permission-mode\",\"permissionMode\":\"default\"}\n"
	    "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hello tui\"}}\n"
	    "not json\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"role\":\"assistant\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"FAKE: running a tool.\"}],"
	    "\"usage\":{\"input_tokens\":10,\"output_tokens\":5,"
	    "\"cache_read_input_tokens\":3,\"cache_creation_input_tokens\":2}}}\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"role\":\"assistant\","
	    "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_12\",\"name\":\"Bash\","
	    "\"input\":{\"command\":\"echo hi > out.txt\"}}],"
	    "\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}}\n"
	    "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":"
	    "\"toolu_12\",\"type\":\"tool_result\",\"content\":\"(no output)\","
	    "\"is_error\":false}]}}\n"
	    "{\"type\":\"system\",\"subtype\":\"turn_duration\",\"durationMs\":180}\n"
	    "{\"type\":\"error\",\"message\":\"overloaded\"}\n"
	    "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_2\",\"con", "w");
	s->agent->kind->find(s, s->agent);
	ok(s->agent->records != NULL && strcmp(s->agent->records, path) == 0,
	    "claude: transcript found by the session id");
	f = json_tokener_parse("{\"hook_event_name\":\"Stop\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(path_str(event_nth("user_message", 0), "text", NULL), "hello tui",
	    "claude: user_message");
	is_str(path_str(event_nth("assistant_text", 0), "text", NULL),
	    "FAKE: running a tool.", "claude: assistant_text");
	is_str(path_str(event_nth("tool_use", 0), "tool", NULL), "Bash", "claude: tool_use");
	is_str(path_str(event_nth("tool_use", 0), "id", NULL), "toolu_12",
	    "claude: tool_use id");
	is_str(path_str(event_nth("tool_result", 0), "id", NULL), "toolu_12",
	    "claude: tool_result id");
	ok(!json_object_get_boolean(agent_obj(event_nth("tool_result", 0), "isError")),
	    "claude: tool_result not an error");
	is_int(event_count("usage"), 1, "claude: usage once per message");
	is_int(json_object_get_int64(agent_obj(event_nth("usage", 0), "inputTokens")), 10,
	    "claude: input tokens");
	is_int(json_object_get_int64(agent_obj(event_nth("usage", 0),
	    "cacheWriteTokens")), 2, "claude: cache write tokens");
	is_int(event_count("turn_end"), 1, "claude: turn_end");
	is_str(path_str(event_nth("error", 0), "text", NULL), "overloaded", "claude: error");
	ok(agent_obj(event_nth("user_message", 0), "raw") != NULL, "claude: raw record kept");
	is_str(last_status(), "idle/hook", "claude: Stop: idle after the records");
	is_int(persisted_in, 10, "claude: usage totals stored");

	/* A line completed later is read then, once. */
	test_reset();
	write_file(path, "tent\":[{\"type\":\"text\",\"text\":\"late\"}]}}\n", "a");
	agent_ended(s);
	is_int(event_count("assistant_text"), 1, "claude: the completed line read");
	is_str(path_str(event_nth("assistant_text", 0), "text", NULL), "late",
	    "claude: its text");
	agent_ended(s);
	is_int(event_count("assistant_text"), 1, "claude: and not read again");
	free(path);

	/* A long record is summarized in its event. */
	test_reset();
	line = xmalloc(80 * 1024);
	memset(line, 'x', 80 * 1024 - 1);
	line[80 * 1024 - 1] = '\0';
	f = json_object_new_object();
	json_object_object_add(f, "type", json_object_new_string("error"));
	json_object_object_add(f, "message", json_object_new_string(line));
	s->agent->kind->line(s, s->agent, f);
	json_object_put(f);
	free(line);
	ok(json_object_get_boolean(agent_obj(agent_obj(event_nth("error", 0), "raw"),
	    "truncated")), "claude: a large record is summarized");

	/* Reset: its own command, typed when idle and ready. */
	test_reset();
	agent_reset(s);
	is_int((int)typed_len, 0, "claude: not typed while the approval box shows");
	screen_show(s, "\xe2\x9d\xaf \n? for shortcuts\n");
	wait_typed("/clear");
	is_str(typed, "/clear", "claude: reset types /clear once the composer shows");
	is_str(path_str(event_nth("delivered", 0), "command", NULL), "/clear",
	    "claude: delivered command");
	agent_submit_command(s, "/debrief", 1);
	s->agent->delivering = 0;
	agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	is_int(delivered, 1, "claude: the watcher told when a watched command is typed");
	agd_argv_free(argv);
	session_done(s);
}

/* Claude Code whose hooks never report: the screen and the transcript say it. */
static void
test_claude_nohooks(void)
{
	struct session	*s = session_new("c2", "claude");
	char		**argv = argv_of("claude --permission-mode default");
	int		 i;

	test_reset();
	agent_attach(s, &argv, 0);
	screen_show(s, "\xe2\x9d\xaf \n? for shortcuts\n");
	agent_submit(s, "hello again", 3);
	wait_typed("hello again\r");
	is_str(last_status(), "working/daemon", "claude without hooks: working");

	/* Typed, no turn began, the text still in the composer: Enter once more. */
	test_reset();
	screen_show(s, "\xe2\x9d\xaf hello again\n? for shortcuts\n");
	s->agent->delivered_ms -= 3000;
	wait_typed("\r");
	is_str(typed, "\r", "claude: a lost Enter pressed again");
	is_int(event_count("enter_retried"), 1, "claude: enter_retried event");
	test_reset();
	screen_show(s, "\xe2\x9d\xaf hello again\n? for shortcuts\n");
	event_base_loop(agentd_base, EVLOOP_ONCE);
	is_int(event_count("enter_retried"), 0, "claude: only once");

	/* A message of several lines: its first line in the composer says the same. */
	agent_set(s, AGENT_IDLE, "daemon", "idle", NULL);
	screen_show(s, "\xe2\x9d\xaf \n? for shortcuts\n");
	test_reset();
	agent_submit(s, "improve the notes\n\nIssue: #7", 4);
	wait_typed("improve the notes\n\nIssue: #7\r");
	test_reset();
	screen_show(s, "\xe2\x9d\xaf improve the notes\n\n  Issue: #7\n? for shortcuts\n");
	s->agent->delivered_ms -= 3000;
	wait_typed("\r");
	is_int(event_count("enter_retried"), 1, "claude: a lost Enter after several lines pressed again");

	/* A first line that short could be anywhere on screen: no Enter again. */
	agent_set(s, AGENT_IDLE, "daemon", "idle", NULL);
	screen_show(s, "\xe2\x9d\xaf \n? for shortcuts\n");
	test_reset();
	agent_submit(s, "ok\nplease", 5);
	wait_typed("ok\nplease\r");
	test_reset();
	screen_show(s, "\xe2\x9d\xaf ok\n  please\n? for shortcuts\n");
	s->agent->delivered_ms -= 3000;
	for (i = 0; i < 3; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_int(event_count("enter_retried"), 0, "claude: no Enter again for a short first line");

	screen_show(s, " Bash command\n Do you want to proceed?\n \xe2\x9d\xaf 1. Yes\n");
	is_str(last_status(), "waiting_approval/screen", "claude without hooks: box: waiting");
	agd_argv_free(argv);
	session_done(s);
}

/* Claude Code in bypassPermissions: its settings skip the second confirmation. */
static void
test_claude_bypass(void)
{
	struct session	*s = session_new("c3", "claude");
	char		**argv = argv_of("claude --permission-mode bypassPermissions");
	char		*path, *text;

	s->mode = AGD_MODE_BYPASS;
	test_reset();
	agent_attach(s, &argv, 0);
	xasprintf(&path, "%s/claude-settings.json", s->dir);
	text = file_text(path);
	ok(text != NULL && strstr(text, "\"skipDangerousModePermissionPrompt\":true") != NULL,
	    "claude: bypassPermissions: the confirmation is skipped");
	free(text);
	free(path);
	screen_show(s, "Bypass Permissions mode\n"
	    "  1. No, exit\n\xe2\x9d\xaf 2. Yes, I accept\n");
	is_str(typed, "\r", "claude: bypassPermissions: its confirmation answered");
	screen_show(s, "\xe2\x9d\xaf \n"
	    "\xe2\x8f\xb5\xe2\x8f\xb5 bypass permissions on (shift+tab to cycle)\n");
	is_str(last_status(), "idle/screen", "claude: bypassPermissions: its footer: idle");
	ok(s->agent->kind->ready("\xe2\x8f\xb5\xe2\x8f\xb5 accept edits on\n"),
	    "claude: acceptEdits: its footer: ready");
	agd_argv_free(argv);
	session_done(s);
}

/* claude's TUI: the cost from its status line's input, by its growth; the cap. */
static void
test_claude_status_line(void)
{
	struct session		*s = session_new("c5", "claude");
	struct json_object	*f;
	char			**argv = argv_of("claude --permission-mode default");
	char			*path, *text;
	static const char	*lines[] = {
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":0}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":0.5}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":0.5}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":\"9\"}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":-3}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":0.75}}",
		"{\"session_id\":\"u\",\"cost\":{\"total_cost_usd\":0.25}}",
	};
	size_t			 i;

	test_reset();
	s->max_cost = 0.9;
	agent_attach(s, &argv, 0);
	xasprintf(&path, "%s/claude-settings.json", s->dir);
	text = file_text(path);
	ok(text != NULL && strstr(text, "\"statusLine\":{\"type\":\"command\"") != NULL,
	    "claude: a cost cap: its status line reports to agentd");
	free(text);
	free(path);
	ok(s->agent->kind->ready("\xe2\x9d\xaf \n  \xe2\x8f\xb8 manual mode on\n"),
	    "claude: default mode's footer without its hint (a status line): ready");
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		f = json_tokener_parse(lines[i]);
		agent_hook(s, f, NULL);
		json_object_put(f);
	}
	is_int(event_count("usage"), 3, "claude: status line: usage per growth (bad ones skipped)");
	ok(json_object_get_double(agent_obj(event_nth("usage", 0), "costUsd")) == 0.5,
	    "claude: status line: its cost");
	ok(json_object_get_double(agent_obj(event_nth("usage", 1), "costUsd")) == 0.25,
	    "claude: status line: the growth only");
	ok(json_object_get_double(agent_obj(event_nth("usage", 2), "costUsd")) == 0.25,
	    "claude: status line: from 0 again: all of it");
	ok(s->agent->cost == 1.0, "claude: status line: the session's cost");
	f = event_nth("capped", 0);
	is_str(path_str(f, "what", NULL), "cost", "claude: tty: capped by the cost");
	ok(s->agent->status == AGENT_STARTING,
	    "claude: status line: no status from it");
	agd_argv_free(argv);
	session_done(s);
	s = session_new("c6", "claude");
	argv = argv_of("claude --permission-mode default");
	test_reset();
	agent_attach(s, &argv, 0);
	xasprintf(&path, "%s/claude-settings.json", s->dir);
	text = file_text(path);
	ok(text != NULL && strstr(text, "statusLine") == NULL,
	    "claude: no cost cap: no status line of ours (the user's and its hint stay)");
	free(text);
	free(path);
	agd_argv_free(argv);
	session_done(s);
}

/* Idle by its own report, no screen rule confirms: typed after a bounded wait. */
static void
test_claude_fallback(void)
{
	struct session		*s = session_new("c4", "claude");
	struct json_object	*f;
	char			**argv = argv_of("claude --permission-mode default");

	test_reset();
	agent_attach(s, &argv, 0);
	f = json_tokener_parse("{\"hook_event_name\":\"SessionStart\",\"source\":\"startup\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(last_status(), "idle/hook", "claude: SessionStart: idle");
	screen_show(s, "a footer no screen rule knows\n");
	is_int(agent_submit(s, "hi", 9), 1, "claude: a message while unconfirmed");
	is_str(typed, "", "claude: not typed at once");
	wait_typed("hi\r");
	is_str(typed, "hi\r", "claude: typed after the bounded wait");
	is_str(path_str(event_nth("delivered", 0), "via", NULL), "fallback",
	    "claude: delivered via fallback");
	agd_argv_free(argv);
	session_done(s);
}

/*
 * codex idle by its rollout, a screen no rule knows (a new footer, a new TUI
 * release): typed after the bounded wait, not never.
 */
static void
test_codex_fallback(void)
{
	struct session		*s = session_new("x4", "codex");
	char			**argv = argv_of("codex --no-daemon -a on-request");

	test_reset();
	agent_attach(s, &argv, 0);
	screen_show(s, "a screen no codex rule knows\n");
	agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
	is_int(agent_submit(s, "hi", 9), 1, "codex: a message while unconfirmed");
	is_str(typed, "", "codex: not typed at once");
	wait_typed("hi\r");
	is_str(typed, "hi\r", "codex: typed after the bounded wait");
	is_str(path_str(event_nth("delivered", 0), "via", NULL), "fallback",
	    "codex: delivered via fallback");
	agd_argv_free(argv);
	session_done(s);
}

/*
 * A folder not trusted (issue #12): claude reads the user's settings only, codex is
 * not told to trust it, and their trust dialogs are left to a person (once, a
 * dialog event; phase trust_dialog), still starting.
 */
static void
test_untrusted(void)
{
	struct session	*c = session_new("u1", "claude"), *x = session_new("u2", "codex");
	char		**argv = argv_of("claude --permission-mode default");
	char		**xargv = argv_of("codex --no-daemon");
	struct json_object *ev;
	const char	*phase;

	test_reset();
	agent_attach(c, &argv, 0);
	ok(argv_has(argv, "--setting-sources") && argv_has(argv, "user"),
	    "untrusted claude: --setting-sources user");
	screen_show(c, "Do you trust the files in this folder?\n"
	    "\xe2\x9d\xaf 1. No, exit\n  2. Yes, I trust this folder\n");
	is_str(typed, "", "untrusted claude: no key pressed");
	ev = event_nth("dialog", 0);
	is_str(path_str(ev, "dialog", NULL), "trust", "untrusted claude: dialog event");
	is_str(path_str(ev, "answer", NULL), "left", "untrusted claude: left to a person");
	phase = c->agent->phase;
	is_str(phase, "trust_dialog", "untrusted claude: phase trust_dialog");
	ok(c->agent->status == AGENT_STARTING, "untrusted claude: still starting");
	screen_show(c, "Do you trust the files in this folder?\n"
	    "  1. No, exit\n\xe2\x9d\xaf 2. Yes, I trust this folder\n");
	is_str(typed, "", "untrusted claude: selected by a person: still no key");
	ok(event_nth("dialog", 1) == NULL, "untrusted claude: one dialog event");
	screen_show(c, "\xe2\x94\x80\xe2\x94\x80\n\xe2\x9d\xaf \n"
	    "\xe2\x8f\xb8 manual mode on \xc2\xb7 ? for shortcuts\n");
	is_str(last_status(), "idle/screen", "untrusted claude: answered by a person: idle");
	session_done(c);

	test_reset();
	agent_attach(x, &xargv, 0);
	ok(!argv_grep(xargv, "trust_level"), "untrusted codex: not told to trust the folder");
	screen_show(x, "Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n");
	is_str(typed, "", "untrusted codex: no key pressed");
	is_str(path_str(event_nth("dialog", 0), "answer", NULL), "left",
	    "untrusted codex: left to a person");
	session_done(x);
	agd_argv_free(argv);
	agd_argv_free(xargv);
}

/* Codex CLI: the rollout JSONL and the screen (approvals). */

static void
test_codex(void)
{
	struct session		*s = session_new("x1", "codex"), *s2;
	struct json_object	*f;
	char			**argv = argv_of("codex --no-daemon -a on-request"), **argv2;
	char			*path, *trust, *meta, *cause;
	enum agd_err		 code;
	int			 i, j;

	test_reset();
	s->flags |= SESSION_TRUSTED;	/* test_untrusted has the other */
	agent_attach(s, &argv, 0);
	ok(s->agent != NULL && strcmp(s->agent->kind->name, "codex") == 0,
	    "codex: adapter by its type");
	xasprintf(&trust, "projects.\"%s\".trust_level=\"trusted\"", s->cwd);
	ok(argv_has(argv, "-c") && argv_has(argv, trust), "codex: the folder trusted");
	free(trust);
	/* Its hooks: one -c each, run without codex's review dialog. */
	ok(argv_has(argv, "--dangerously-bypass-hook-trust"), "codex: its hooks need no review");
	ok(argv_grep(argv, "hooks.PermissionRequest=[{hooks=[{type=\"command\",command=\"")
	    && argv_grep(argv, " hook "), "codex: its PermissionRequest hook calls agentd hook");
	ok(argv_grep(argv, "hooks.Stop=") && argv_grep(argv, "hooks.UserPromptSubmit="),
	    "codex: and its turns' hooks");
	/* A folder name cannot add TOML of its own to the key. */
	free(s->cwd);
	s->cwd = xstrdup("/tmp/a\".sandbox_mode=\"danger-full-access\\");
	argv2 = argv_of("codex");
	s->agent->kind->prepare(s, s->agent, &argv2);
	ok(!argv_grep(argv2, "trust_level"), "codex: a folder with '=' is not trusted by -c");
	agd_argv_free(argv2);
	s->cwd[strlen(s->cwd) - 1] = '\0';
	*strchr(s->cwd, '=') = '-';
	argv2 = argv_of("codex");
	s->agent->kind->prepare(s, s->agent, &argv2);
	ok(argv_has(argv2, "projects.\"/tmp/a\\\".sandbox_mode-\\\"danger-full-access\"."
	    "trust_level=\"trusted\""), "codex: the trust key is an escaped TOML string");
	agd_argv_free(argv2);
	free(s->cwd);
	xasprintf(&s->cwd, "%s/work", root);

	ok(s->agent->status == AGENT_STARTING, "codex: the trust dialog while starting");
	screen_show(s, "Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n");
	is_str(typed, "\r", "codex: trust dialog answered");
	is_str(path_str(event_nth("dialog", 0), "dialog", NULL), "trust", "codex: dialog");
	screen_show(s, "\xe2\x80\xba Ask Codex to do anything\n"
	    "\xe2\x86\x90 for agents \xc2\xb7 ? for shortcuts\n");
	is_str(last_status(), "idle/screen", "codex: composer: idle");
	/* Ready: the composer, not a menu's pointer; a trust dialog only above it. */
	ok(!s->agent->kind->ready("Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n"
	    "  2. Quit\n"), "codex: the trust dialog's pointer is no composer");
	ok(s->agent->kind->ready("Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n"
	    "Ask Codex to do anything\n? for shortcuts\n"),
	    "codex: a composer drawn below an old trust dialog: ready");
	ok(!s->agent->kind->ready("\xe2\x80\xba Ask Codex to do anything\n"
	    "Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n"),
	    "codex: a trust dialog drawn below the composer: not ready");
	ok(s->agent->kind->ready("\n\xe2\x80\xba RUNTOOL typed already\n"
	    "  tab to queue message\n"), "codex: text in the composer (bypass footer): ready");
	ok(!s->agent->kind->ready("\n\xe2\x80\xba 2. Yes, and don't ask again\n"),
	    "codex: a numbered choice is no composer");
	/* The same words once started (idle, then in a turn) press nothing. */
	s->agent->answered_ms = 0;
	s->agent->dialogs = 0;
	test_reset();
	screen_show(s, "Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n");
	is_str(typed, "", "codex: trust dialog text once idle: no key pressed");
	agent_set(s, AGENT_WORKING, "transcript", "thinking", NULL);
	screen_show(s, "Trust this folder?\n\xe2\x80\xba 1. Trust and continue\n");
	is_str(typed, "", "codex: trust dialog text during a turn: no key pressed");
	ok(event_nth("dialog", 0) == NULL, "codex: no dialog event after the start");
	agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);

	/*
	 * Its model offer, drawn after the composer the prompt was typed into:
	 * down to the option that keeps the model, confirmed once the screen shows
	 * it selected (also when that redraw comes within the gap between
	 * answers), once; not while busy, not text printed above a composer.
	 */
	test_reset();
	s->agent->answered_ms = 0;
	screen_show(s, "\xe2\x80\xba 1. Try new model\n  2. Use existing model\n"
	    "esc to interrupt\n");
	is_str(typed, "", "codex offer: no key while busy");
	screen_show(s, "  1. Try new model\n\xe2\x80\xba 2. Use existing model\n"
	    "\xe2\x80\xba Ask Codex to do anything\n");
	is_str(typed, "", "codex offer: not above a composer (printed text)");
	screen_show(s, "\xe2\x80\xba say hello\n  Meet GPT-6 Sol\n"
	    "\xe2\x80\xba 1. Try new model\n  2. Use existing model\n");
	is_str(typed, "\x1b[B", "codex offer: down to the existing model");
	ok(!s->agent->kind->ready("\xe2\x80\xba say hello\n  Meet GPT-6 Sol\n"
	    "  1. Try new model\n\xe2\x80\xba 2. Use existing model\n"),
	    "codex offer: not ready while it shows");
	/* Drawn at once: the polls run the rules until the gap is over. */
	screen_draw(s, "\xe2\x80\xba say hello\n  Meet GPT-6 Sol\n"
	    "  1. Try new model\n\xe2\x80\xba 2. Use existing model\n");
	wait_typed("\x1b[B\r");
	is_str(typed, "\x1b[B\r", "codex offer: confirmed at a poll after the gap");
	is_str(path_str(event_nth("dialog", 0), "dialog", NULL), "promotion",
	    "codex offer: dialog event");
	is_str(path_str(event_nth("dialog", 0), "answer", NULL), "declined",
	    "codex offer: declined");
	s->agent->answered_ms = 0;
	screen_show(s, "  Meet GPT-6 Sol\n\xe2\x80\xba 1. Try new model\n"
	    "  2. Use existing model\n");
	is_str(typed, "\x1b[B\r", "codex offer: once a session");
	/*
	 * Its words once a turn began (what its model or tools print), or beside
	 * an approval box: no key.
	 */
	s->agent->dialogs = 0;
	s->agent->answered_ms = 0;
	test_reset();
	screen_show(s, "  Would you like to run the following command?\n  $ ls\n"
	    "  Meet GPT-6 Sol\n\xe2\x80\xba 1. Try new model\n  2. Use existing model\n");
	is_str(typed, "", "codex offer: no key beside an approval box");
	agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);
	s->agent->turned = 1;
	screen_show(s, "  Meet GPT-6 Sol\n\xe2\x80\xba 1. Try new model\n"
	    "  2. Use existing model\n");
	is_str(typed, "", "codex offer: no key once a turn began");
	s->agent->dialogs = 0;
	s->agent->turned = 0;
	agent_set(s, AGENT_IDLE, "transcript", "idle", NULL);

	test_reset();
	screen_show(s, "\xe2\x80\xa2 Running echo hi > out.txt\n"
	    "  Would you like to run the following command?\n  Environment: local\n"
	    "  $ echo hi > out.txt\n\xe2\x80\xba 1. Yes, proceed (y)\n");
	f = event_nth("permission_request", 0);
	is_str(path_str(f, "tool", NULL), "exec_command", "codex: approval from the screen");
	is_str(path_str(f, "input", "command"), "echo hi > out.txt", "codex: its command");
	is_str(last_status(), "waiting_approval/screen", "codex: waiting");
	screen_show(s, "\xe2\x80\xa2 Working (1s \xe2\x80\xa2 esc to interrupt)\n");
	is_str(last_status(), "working/screen", "codex: box gone: working");

	/*
	 * Interrupted (a cap) while its box shows: the box still drawn a moment
	 * after the Esc is not asked for again; once gone, a new box is.
	 */
	test_reset();
	screen_show(s, "  Would you like to run the following command?\n  $ rm x\n");
	is_str(last_status(), "waiting_approval/screen", "codex: waiting again");
	agent_interrupt(s);
	is_str(last_status(), "idle/daemon", "codex: interrupted: idle");
	test_reset();
	screen_show(s, "  Would you like to run the following command?\n  $ rm x\n"
	    "\xe2\x80\xa2 Working\n");
	ok(event_nth("permission_request", 0) == NULL, "codex: the stale box asks nothing");
	is_str(last_status(), "-/-", "codex: still idle (no status event)");
	screen_show(s, "\xe2\x80\xba Ask Codex to do anything\n");
	screen_show(s, "  Would you like to run the following command?\n  $ rm y\n");
	is_str(path_str(event_nth("permission_request", 0), "input", "command"), "rm y",
	    "codex: a box drawn anew asks");

	/*
	 * Its hooks report. While an approval waits on its box, another request
	 * or a report that does not follow it (what a tool could send with the
	 * session's key) is refused; its tool going on says it was allowed there.
	 */
	agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	screen_show(s, "\xe2\x80\xa2 Working\n");
	test_reset();
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"echo hi > out.txt\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(last_status(), "waiting_approval/hook", "codex hook: waiting");
	is_str(path_str(event_nth("permission_request", 0), "tool", NULL), "exec_command",
	    "codex hook: its Bash named exec_command");
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	ok(event_nth("permission_request_refused", 0) != NULL &&
	    event_nth("permission_request", 1) == NULL, "codex hook: a second request refused");
	f = json_tokener_parse("{\"hook_event_name\":\"Stop\"}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	ok(event_nth("hook_refused", 0) != NULL, "codex hook: a Stop while it waits refused");
	is_str(last_status(), "waiting_approval/hook", "codex hook: still waiting");
	is_str(path_str(s->agent->pending, "input", "command"), "echo hi > out.txt",
	    "codex hook: the first request still the one waiting");
	f = json_tokener_parse("{\"hook_event_name\":\"PostToolUse\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"echo hi > out.txt\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(path_str(event_nth("approval", 0), "by", NULL), "tui",
	    "codex hook: its command ran: allowed at the terminal");
	is_str(last_status(), "working/hook", "codex hook: working");
	/* A stream session runs no hooks: a report is a tool's, not taken. */
	test_reset();
	s->transport = SESSION_STREAM;
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	s->transport = SESSION_TTY;
	ok(event_nth("permission_request", 0) == NULL && event_count("status") == 0,
	    "codex hook: not taken from a stream session");

	/*
	 * A patch its hook reports (apply_patch): the API's keys go only into the
	 * box for edits that names each of its files (a relative one under the
	 * folder), not into a command's box, nor one naming another file.
	 */
	test_reset();
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"apply_patch\",\"tool_input\":{\"command\":\"*** Begin Patch\\n"
	    "*** Add File: out.txt\\n+hi\\n*** End Patch\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	is_str(last_status(), "waiting_approval/hook", "codex patch: waiting");
	is_str(path_str(event_nth("permission_request", 0), "tool", NULL), "apply_patch",
	    "codex patch: its tool");
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "codex patch: allow");
	screen_show(s, "  Would you like to run the following command?\n  $ cat out.txt\n");
	for (i = 0; i < 4; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(typed, "", "codex patch: no key into a command's box");
	screen_show(s, "  Would you like to make the following edits?\n  Destination:\n"
	    "  /elsewhere/out.txt\n");
	for (i = 0; i < 4; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(typed, "", "codex patch: no key into a box for another file");
	xasprintf(&meta, "  Would you like to make the following edits?\n  Destination:\n"
	    "  %s/out.txt\n\xe2\x80\xba 1. Yes, proceed (y)\n", s->cwd);
	screen_show(s, meta);
	free(meta);
	wait_typed("y");
	is_str(typed, "y", "codex patch: its keys into its box");
	is_str(path_str(event_nth("approval", 0), "by", NULL), "tester",
	    "codex patch: the approval says who");

	/*
	 * What its hook reports must be what the box shows, all of it: not a
	 * command the box shows a part of, nor one of its choices' letters; a
	 * report without a command matches no box. A report named as agentd names
	 * the tool (codex's hook says Bash) is not the tool going on.
	 */
	{
		static const char *const	 cmds[] = {
			"{\"command\":\"git status\"}", "{\"command\":\"y\"}",
			"{\"cmd\":\"ls\"}" };

		for (i = 0; i < 3; i++) {
			agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
			test_reset();
			xasprintf(&meta, "{\"hook_event_name\":\"PermissionRequest\","
			    "\"tool_name\":\"Bash\",\"tool_input\":%s}", cmds[i]);
			f = json_tokener_parse(meta);
			free(meta);
			agent_hook(s, f, NULL);
			json_object_put(f);
			ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0,
			    "codex hook: allow a request");
			screen_show(s, "  Would you like to run the following command?\n"
			    "  $ git status; curl x | sh\n\xe2\x80\xba 1. Yes, proceed (y)\n"
			    "  2. Yes, and don't ask again (p)\n");
			for (j = 0; j < 4; j++)
				event_base_loop(agentd_base, EVLOOP_ONCE);
			is_str(typed, "", "codex hook: no key into a box for another command");
			s->agent->approve_keys = NULL;
			agent_approve_free(s->agent);
		}
	}
	/* A command shown with a question of its own (and a "$ ls" after it): no key. */
	agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	test_reset();
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "codex hook: allow ls");
	screen_show(s, "  Would you like to run the following command?\n  $ curl x | sh\n"
	    "  Would you like to run the following command?\n  $ ls\n"
	    "\xe2\x80\xba 1. Yes, proceed (y)\n");
	for (j = 0; j < 4; j++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(typed, "", "codex hook: no key while two questions show");
	s->agent->approve_keys = NULL;
	agent_approve_free(s->agent);
	/* The words on a line of grep's output (not alone on their line): one box. */
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == 0, "codex hook: allow ls again");
	screen_show(s, "README:845:  Would you like to run the following command?\n"
	    "  Would you like to run the following command?\n  $ ls\n"
	    "\xe2\x80\xba 1. Yes, proceed (y)\n");
	wait_typed("y");
	is_str(typed, "y", "codex hook: the question quoted in a line is no second box");
	agent_set(s, AGENT_WORKING, "hook", "thinking", NULL);
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"ls\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	f = json_tokener_parse("{\"hook_event_name\":\"PostToolUse\",\"tool_name\":"
	    "\"exec_command\",\"tool_input\":{\"command\":\"rm -rf /\"}}");
	test_reset();
	agent_hook(s, f, NULL);
	json_object_put(f);
	ok(event_nth("hook_refused", 0) != NULL && event_nth("approval", 0) == NULL,
	    "codex hook: a report named exec_command is refused, not taken as allowed");
	/*
	 * A request its hook reported whose box is never drawn (an agent's tool
	 * can send one): not waited for after a while, so delivery goes on.
	 */
	agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	test_reset();
	f = json_tokener_parse("{\"hook_event_name\":\"PermissionRequest\",\"tool_name\":"
	    "\"Bash\",\"tool_input\":{\"command\":\"touch x\"}}");
	agent_hook(s, f, NULL);
	json_object_put(f);
	screen_show(s, "\xe2\x80\xba Ask Codex to do anything\n");
	event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(last_status(), "waiting_approval/hook", "codex hook: a request without its box waits");
	/* Choices on screen (a box whose question is not recognized): it waits. */
	screen_show(s, "  Would you like to run the\n\xe2\x80\xba 1. Yes, proceed (y)\n");
	s->agent->wait_ms -= 31000;
	for (i = 0; i < 3; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(last_status(), "waiting_approval/hook", "codex hook: a box's choices on screen: waits");
	screen_show(s, "\xe2\x80\xba Ask Codex to do anything\n");
	for (i = 0; i < 4 && s->agent->status == AGENT_WAITING; i++)
		event_base_loop(agentd_base, EVLOOP_ONCE);
	is_str(last_status(), "idle/daemon", "codex hook: its box never drawn: idle again");
	ok(event_nth("error", 0) != NULL, "codex hook: an error says so");
	/* A box's question above its composer is text in the conversation. */
	agent_set(s, AGENT_IDLE, "hook", "idle", NULL);
	s->agent->box_stale_ms = 0;
	test_reset();
	screen_show(s, "  Would you like to run the following command?\n  $ ls\n"
	    "\xe2\x80\xba Ask Codex to do anything\n");
	ok(event_nth("permission_request", 0) == NULL && strcmp(last_status(), "-/-") == 0,
	    "codex: a box's words above its composer ask nothing");
	agent_set(s, AGENT_IDLE, "hook", "idle", NULL);

	/* The rollout: found by its cwd, read as it grows. */
	test_reset();
	xasprintf(&path, "%s/codex/sessions/2026/12/01/rollout-2026-12-01T00-00-00-01a2.jsonl",
	    root);
	xasprintf(&meta, "{\"type\":\"session_meta\",\"payload\":{\"id\":\"01a2\","
	    "\"cwd\":\"%s\"}}\n", s->cwd);
	write_file(path, meta, "w");
	free(meta);
	write_file(path,
	    "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_started\",\"turn_id\":\"1\"}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"<environment_context>\"}]}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_text\",\"text\":\"ESCALATE now\"}]}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":"
	    "\"exec_command\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\",\"call_id\":\"c1\"}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"custom_tool_call\",\"name\":"
	    "\"apply_patch\",\"arguments\":\"*** Begin Patch\",\"call_id\":\"c2\"}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"function_call_output\","
	    "\"call_id\":\"c1\",\"output\":\"Process exited with code 0\"}}\n"
	    "{\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":"
	    "\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"FAKE_DONE\"}]}}\n"
	    "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":"
	    "{\"total_token_usage\":{\"input_tokens\":100,\"cached_input_tokens\":40,"
	    "\"output_tokens\":10}}}}\n"
	    "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":"
	    "{\"total_token_usage\":{\"input_tokens\":150,\"cached_input_tokens\":50,"
	    "\"output_tokens\":20}}}}\n"
	    "{\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":null}}\n"
	    "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\","
	    "\"last_agent_message\":\"FAKE_DONE\"}}\n", "a");
	xasprintf(&meta, "%s/codex", root);
	setenv("CODEX_HOME", meta, 1);
	free(meta);
	agent_ended(s);
	ok(s->agent->records != NULL && strcmp(s->agent->records, path) == 0,
	    "codex: rollout found by its cwd");
	is_int(event_count("user_message"), 1, "codex: its own context is not a user message");
	is_str(path_str(event_nth("user_message", 0), "text", NULL), "ESCALATE now",
	    "codex: user_message");
	is_str(path_str(event_nth("tool_use", 0), "input", "cmd"), "ls",
	    "codex: tool arguments parsed");
	ok(json_object_is_type(agent_obj(event_nth("tool_use", 1), "input"),
	    json_type_string), "codex: arguments that are not JSON kept as text");
	is_str(path_str(event_nth("tool_result", 0), "id", NULL), "c1", "codex: tool_result");
	is_str(path_str(event_nth("assistant_text", 0), "text", NULL), "FAKE_DONE",
	    "codex: assistant_text");
	is_int(event_count("usage"), 2, "codex: usage per growth of the totals");
	f = event_nth("usage", 1);
	is_int(json_object_get_int64(agent_obj(f, "inputTokens")), 40,
	    "codex: input growth without the cached part");
	is_int(json_object_get_int64(agent_obj(f, "cacheReadTokens")), 10,
	    "codex: cache read growth");
	is_int(json_object_get_int64(agent_obj(agent_obj(f, "total"), "outputTokens")), 20,
	    "codex: total output");
	is_int(event_count("turn_end"), 1, "codex: turn_end");
	is_str(last_status(), "idle/transcript", "codex: task_complete: idle");

	/* Another session in the same directory does not take the same rollout. */
	s2 = session_new("x2", "codex");
	argv2 = argv_of("codex");
	agent_attach(s2, &argv2, 0);
	agent_ended(s2);
	ok(s2->agent->records == NULL, "codex: a rollout read by another session is not taken");
	agd_argv_free(argv2);
	session_done(s2);
	free(path);
	agd_argv_free(argv);
	session_done(s);
}

/* OpenClaw: its SQLite store and the screen. */

static void
test_openclaw(void)
{
	struct session		*s = session_new("o1", "openclaw");
	struct json_object	*f;
	sqlite3			*db;
	char			**argv = argv_of("openclaw tui --local"), *path, *want, *cause, *t;
	enum agd_err		 code = AGD_ERR_INTERNAL;
	off_t			 roff;

	test_reset();
	setenv("OPENCLAW_CONFIG_PATH", "/etc/openclaw-test.json", 1);
	agent_attach(s, &argv, 0);
	ok(s->agent != NULL && strcmp(s->agent->kind->name, "openclaw") == 0,
	    "openclaw: adapter by its type");
	xasprintf(&want, "OPENCLAW_STATE_DIR=%s/openclaw", s->dir);
	ok(strcmp(argv[0], "env") == 0 && argv_has(argv, want) &&
	    argv_has(argv, "OPENCLAW_CONFIG_PATH=/etc/openclaw-test.json") &&
	    strcmp(argv[4], "openclaw") == 0, "openclaw: run under env with its own state");
	free(want);

	agent_ended(s);
	ok(s->agent->records == NULL, "openclaw: no store yet");
	xasprintf(&path, "%s/openclaw/agents/main/agent/openclaw-agent.sqlite", s->dir);
	write_file(path, "", "w");
	ok(sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db,
	    "CREATE TABLE transcript_events (session_id TEXT, seq INTEGER, event_json TEXT);"
	    "INSERT INTO transcript_events VALUES ('m', 1, '{\"type\":\"session\","
	    "\"version\":4}'), ('m', 2, '{\"type\":\"message\",\"message\":{\"role\":"
	    "\"user\",\"content\":\"RUNTOOL please\"}}'), ('m', 3, '{\"type\":\"message\","
	    "\"message\":{\"role\":\"user\",\"content\":\"<<<BEGIN_OPENCLAW_INTERNAL x\"}}'),"
	    " ('m', 4, 'not json'), ('m', 5, NULL), ('m', 6, '{\"type\":\"message\","
	    "\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"toolCall\",\"id\":"
	    "\"call_2\",\"name\":\"exec\",\"arguments\":{\"command\":\"ls\"}}],"
	    "\"stopReason\":\"toolUse\"}}'),"
	    " ('m', 7, '{\"type\":\"message\",\"message\":{\"role\":\"toolResult\","
	    "\"toolCallId\":\"call_2\",\"toolName\":\"exec\",\"isError\":true,\"content\":"
	    "[{\"type\":\"text\",\"text\":\"(no output)\"}]}}'), ('m', 8, '{\"type\":"
	    "\"message\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"FAKE_DONE\"}],\"usage\":{\"input\":10,\"output\":5,\"cacheRead\":2,"
	    "\"cacheWrite\":1,\"cost\":{\"total\":0.5}},\"stopReason\":\"stop\"}}');", NULL,
	    NULL, NULL) == SQLITE_OK,
	    "openclaw: a store with transcript_events");
	sqlite3_close(db);
	agent_ended(s);
	ok(s->agent->records != NULL, "openclaw: store found");
	is_int(event_count("user_message"), 1, "openclaw: internal prompts are not messages");
	is_str(path_str(event_nth("user_message", 0), "text", NULL), "RUNTOOL please",
	    "openclaw: user_message");
	is_str(path_str(event_nth("tool_use", 0), "input", "command"), "ls",
	    "openclaw: toolCall arguments");
	f = event_nth("tool_result", 0);
	is_str(path_str(f, "id", NULL), "call_2", "openclaw: tool_result id");
	ok(json_object_get_boolean(agent_obj(f, "isError")), "openclaw: tool_result error");
	is_str(path_str(event_nth("assistant_text", 0), "text", NULL), "FAKE_DONE",
	    "openclaw: assistant_text");
	f = event_nth("usage", 0);
	is_int(json_object_get_int64(agent_obj(f, "cacheReadTokens")), 2,
	    "openclaw: cache read tokens");
	ok(json_object_get_double(agent_obj(f, "costUsd")) == 0.5, "openclaw: cost");
	/* Its turn, by its store: the user's message, then the one that stops. */
	is_str(path_str(event_nth("status", 0), "statusSource", NULL), "transcript",
	    "openclaw: its store's user message: working");
	is_str(path_str(event_nth("status", 0), "status", NULL), "working",
	    "openclaw: working by its store");
	is_int(event_count("turn_end"), 1, "openclaw: one turn_end (not at toolUse)");
	is_str(path_str(event_nth("turn_end", 0), "status", NULL), "stop",
	    "openclaw: turn_end: its stopReason");
	is_str(last_status(), "idle/transcript", "openclaw: idle by its store");
	roff = s->agent->roff;
	is_int(roff, 8, "openclaw: read up to the last row");
	test_reset();
	agent_ended(s);
	is_int((int)json_object_array_length(events), 0, "openclaw: rows read once");
	free(path);

	/* Its status line a moment after its store said the turn ended: still idle. */
	screen_show(s, "\xe2\xa0\x99 streaming \xe2\x80\xa2 1s | local ready\n");
	is_int(event_count("status"), 0, "openclaw: streaming after its store's idle: idle");
	agent_set(s, AGENT_WORKING, "daemon", "thinking", NULL);
	screen_show(s, "openclaw tui - local embedded - agent main\nlocal ready | idle\n");
	is_str(last_status(), "idle/screen", "openclaw: local ready | idle");
	screen_show(s, "\xe2\xa0\x99 streaming \xe2\x80\xa2 1s | local ready\n");
	is_str(last_status(), "working/screen", "openclaw: streaming: working");
	/* Idle again within the typing wait (a /reset): looked at again later. */
	s->agent->delivered_ms = agd_now_ms();
	screen_show(s, "openclaw tui - local embedded - agent main\nlocal ready | idle\n");
	is_str(last_status(), "working/screen", "openclaw: just typed: not judged yet");
	t = screen_text(s->agent->screen, NULL);
	s->agent->kind->screen(s, s->agent, t);
	ok(s->agent->screen_dirty, "openclaw: just typed: the screen rules run again at the next poll");
	s->agent->delivered_ms = agd_now_ms() - 2000;
	s->agent->screen_dirty = 0;
	s->agent->kind->screen(s, s->agent, t);
	free(t);
	is_str(last_status(), "idle/screen", "openclaw: then idle, with no new output");
	s->agent->status = AGENT_WAITING;
	ok(agent_approve(s, 1, NULL, "tester", &code, &cause) == -1 && code == AGD_ERR_NOTHING_PENDING &&
	    strstr(cause, "openclaw has no approvals") != NULL, "openclaw: no approvals");
	free(cause);
	agd_argv_free(argv);
	session_done(s);
}

int
main(int argc, char **argv)
{
	char	*home;

	(void)argc;
	if (getenv("TEST_AGENTD_VALGRIND") != NULL && getenv("AGENT_TEST_VALGRIND") == NULL) {
		setenv("AGENT_TEST_VALGRIND", "1", 1);
		execlp("valgrind", "valgrind", "-q", "--error-exitcode=1", "--leak-check=full",
		    "--errors-for-leak-kinds=definite", argv[0], (char *)NULL);
		fatal("valgrind");
	}
	if (mkdtemp(root) == NULL)
		fatal("mkdtemp");
	xasprintf(&home, "%s/home", root);
	agd_mkdirs(home, 0700);
	setenv("HOME", home, 1);
	free(home);
	agentd_home = root;
	agentd_base = event_base_new();
	events = json_object_new_array();

	test_kinds();
	test_builtins();
	test_plain();
	test_claude();
	test_untrusted();
	test_claude_nohooks();
	test_claude_bypass();
	test_claude_fallback();
	test_claude_status_line();
	test_codex_fallback();
	test_codex();
	test_openclaw();

	json_object_put(events);
	event_base_free(agentd_base);
	xasprintf(&home, "rm -rf '%s'", root);
	if (system(home) != 0)
		printf("# cannot remove %s\n", root);
	free(home);
	return (tap_done());
}
