/*
 * The daemon configuration: "key = value" lines, "# comments", "[agent TYPE]" and
 * "[machine ID]" sections.
 * Both agentd and agentd-fcgi load it; everything has an embedded default. The
 * built-in agent types are the daemon's agent kinds, added with
 * agd_conf_agent_default where no section defines them.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "conf-value.h"
#include "log.h"
#include "valid.h"
#include "xmalloc.h"


/* The built-in debrief prompts (one line each: they are typed into a TUI). */
#define DEBRIEF_HOTWASH_PROMPT \
	"DEBRIEF (hotwash): this session is about to end. Reply in markdown with a" \
	" short hotwash, a few lines under these headings: What was done; What went" \
	" well; What did not; What is left. Do not run tools."
#define DEBRIEF_AAR_PROMPT \
	"DEBRIEF (after-action review): this long session is about to end. Reply in" \
	" markdown with these headings: Intended outcome vs actual outcome; Why they" \
	" differ; What to sustain; What to improve; Open work (branch, last commit," \
	" files changed, what is unfinished). Do not run tools."

/*
 * What the utility endpoints never write nor list by default: credentials, the agents'
 * own settings and hooks, and the shell's startup files (each runs code on its own).
 */
#define CONF_DENY_PATHS \
	"~/.ssh ~/.gnupg ~/.claude ~/.claude.json ~/.codex ~/.openclaw ~/.bashrc" \
	" ~/.profile ~/.bash_profile ~/.bash_login ~/.bash_logout ~/.zshrc ~/.zprofile" \
	" ~/.zshenv ~/.config/git ~/.gitconfig"

static const char *mode_names[AGD_MODE_COUNT] = {
	"default", "acceptEdits", "bypassPermissions"
};

int
agd_mode_parse(const char *s)
{
	int	i;

	for (i = 0; i < AGD_MODE_COUNT; i++) {
		if (strcmp(s, mode_names[i]) == 0)
			return (i);
	}
	if (strcmp(s, "dangerouslySkipPermissions") == 0)
		return (AGD_MODE_BYPASS);
	return (-1);
}

const char *
agd_mode_name(int mode)
{
	if (mode < 0 || mode >= AGD_MODE_COUNT)
		return ("default");
	return (mode_names[mode]);
}

static struct agd_agent *
conf_agent_get(struct agd_conf *conf, const char *type, int replace)
{
	struct agd_agent	*a;
	int			 i;

	for (a = conf->agents; a != NULL; a = a->next) {
		if (strcmp(a->type, type) != 0)
			continue;
		if (replace) {
			for (i = 0; i < AGD_MODE_COUNT; i++) {
				free(a->argv[i]);
				a->argv[i] = NULL;
			}
		}
		return (a);
	}
	a = xcalloc(1, sizeof *a);
	a->type = xstrdup(type);
	a->next = conf->agents;
	conf->agents = a;
	return (a);
}

void
agd_conf_agent_default(struct agd_conf *conf, const char *type,
    const char *const argv[AGD_MODE_COUNT])
{
	struct agd_agent	*a;
	int			 m;

	if (agd_conf_agent(conf, type) != NULL)
		return;
	a = conf_agent_get(conf, type, 0);
	for (m = 0; m < AGD_MODE_COUNT; m++)
		a->argv[m] = xstrdup(argv[m]);
}

const struct agd_agent *
agd_conf_agent(const struct agd_conf *conf, const char *type)
{
	const struct agd_agent	*a;

	for (a = conf->agents; a != NULL; a = a->next) {
		if (strcmp(a->type, type) == 0)
			return (a);
	}
	return (NULL);
}

const struct agd_machine *
agd_conf_machine(const struct agd_conf *conf, const char *id)
{
	const struct agd_machine	*m;

	for (m = conf->machines; m != NULL; m = m->next) {
		if (strcmp(m->id, id) == 0)
			return (m);
	}
	return (NULL);
}

/* A new [machine ID] section, appended so the list keeps the file's order. */
static struct agd_machine *
conf_machine_new(struct agd_conf *conf, const char *id, char **cause)
{
	struct agd_machine	*m, **tail;

	if (!agd_valid_name(id) || strcmp(id, "local") == 0) {
		xasprintf(cause, "bad machine id: %s", id);
		return (NULL);
	}
	if (agd_conf_machine(conf, id) != NULL) {
		xasprintf(cause, "machine %s defined twice", id);
		return (NULL);
	}
	m = xcalloc(1, sizeof *m);
	m->id = xstrdup(id);
	for (tail = &conf->machines; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = m;
	return (m);
}

/*
 * The settings, each written once (tmux options-table.c): its name, its type and
 * field, its bounds, its default (as it would be written in the file, so it goes
 * through the same check) and why it exists. A new setting is a field in conf.h
 * and one line here.
 */
enum conf_type {
	CONF_INT,	/* int in [min, max] */
	CONF_U64,	/* uint64_t in [min, max] */
	CONF_ENUM,	/* int from parse(), -1 refused */
	CONF_STRING,	/* char *, at most max bytes (0: any), passing check() if set */
};

#define CONF_NONEMPTY	0x1	/* a string may not be "" */
#define CONF_EMPTYNULL	0x2	/* "" sets the string back to NULL (its default) */

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;	/* of the field in its struct */
	long		 min, max;
	int		 flags;
	int		(*parse)(const char *);	/* CONF_ENUM: the value, or -1 */
	int		(*check)(const char *);	/* CONF_STRING: 0 if acceptable */
	const char	*dflt;		/* NULL: zero / NULL */
	const char	*reason;
};

/* The longest debrief prompt: it is typed into the agent's terminal as one line. */
#define CONF_PROMPT_MAX		8192
/* ssh limits a host name to 255 bytes (RFC 1035) and we a user name to 64. */
#define CONF_HOST_MAX		255
#define CONF_USER_MAX		64

#define nitems(a)		(sizeof (a) / sizeof (a)[0])
#define CONF(f)			offsetof(struct agd_conf, f)
#define MACHINE(f)		offsetof(struct agd_machine, f)
#define WEBHOOK(f)		offsetof(struct agd_webhook, f)
/* A webhook URL: longer ones are not a receiver's address but a mistake. */
#define CONF_URL_MAX		2048
/* An HMAC key longer than SHA-256's block is hashed first anyway. */
#define CONF_SECRET_MAX		256

static const struct conf_key conf_keys[] = {
	{ "max_sessions", CONF_INT, CONF(max_sessions), 1, 100000, 0, NULL, NULL, "64",
	  "each session is a holder, an agent and its memory: refuse more" },
	{ "kill_grace_ms", CONF_INT, CONF(kill_grace_ms), 0, 600000, 0, NULL, NULL, "5000",
	  "how long an ended agent's group has between SIGTERM and SIGKILL" },
	{ "log_max_bytes", CONF_U64, CONF(log_max_bytes), 65536, LONG_MAX, 0, NULL, NULL,
	  "67108864", "a session's output log is cut beyond this" },
	{ "allowed_hosts", CONF_STRING, CONF(allowed_hosts), 0, 0, 0, NULL, NULL,
	  "localhost 127.0.0.1 ::1", "Host headers accepted (DNS rebinding)" },
	{ "env_deny", CONF_STRING, CONF(env_deny), 0, 0, 0, NULL, NULL,
	  "AGENTD_* NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES",
	  "taken out of what an agent is given, on top of the allow-list" },
	{ "env_allow", CONF_STRING, CONF(env_allow), 0, 0, 0, NULL, NULL, NULL, "agents get it" },
	{ "sandbox", CONF_STRING, CONF(sandbox), 0, 0, 0, NULL, NULL, NULL, "bwrap | off" },
	{ "sandbox_bind", CONF_STRING, CONF(sandbox_bind), 0, 0, 0, NULL, conf_abs_list,
	  NULL, "more paths an agent may write inside its sandbox" },
	{ "agent_user", CONF_STRING, CONF(agent_user), 0, 0, 0, NULL, conf_ssh_user, NULL, "user" },
	{ "agent_users", CONF_STRING, CONF(agent_users), 0, 0, 0, NULL, NULL, NULL, "a pool" },
	{ "default_cols", CONF_INT, CONF(default_cols), 1, 1000, 0, NULL, NULL, "120",
	  "terminal width of a session created without one" },
	{ "default_rows", CONF_INT, CONF(default_rows), 1, 1000, 0, NULL, NULL, "40",
	  "terminal height of a session created without one" },
	{ "holder_path", CONF_STRING, CONF(holder_path), 0, 0, 0, NULL, NULL, NULL,
	  "agentd-holder, if not next to agentd" },
	{ "ws_ring_bytes", CONF_U64, CONF(ws_ring_bytes), 65536, 1L << 32, 0, NULL, NULL,
	  "4194304", "recent output kept in memory per session for viewers" },
	{ "ws_replay_bytes", CONF_U64, CONF(ws_replay_bytes), 0, 1L << 30, 0, NULL, NULL,
	  "262144", "scrollback a new viewer gets when it asks for no offset" },
	{ "ws_queue_bytes", CONF_U64, CONF(ws_queue_bytes), 65536, 1L << 30, 0, NULL, NULL,
	  "262144", "queued for one viewer beyond this, it reads from the log" },
	{ "ws_ping_ms", CONF_INT, CONF(ws_ping_ms), 100, 3600000, 0, NULL, NULL, "30000",
	  "viewer ping interval; two missed pongs close it" },
	{ "ws_max_viewers", CONF_INT, CONF(ws_max_viewers), 1, 100000, 0, NULL, NULL, "1024",
	  "WebSocket viewers at once, over all sessions" },
	{ "ws_max_per_user", CONF_INT, CONF(ws_max_per_user), 1, 100000, 0, NULL, NULL, "64",
	  "WebSocket viewers of one user: one user cannot take them all" },
	{ "input_queue_bytes", CONF_U64, CONF(input_queue_bytes), 65536, 1L << 30, 0, NULL,
	  NULL, "2097152", "input held for a terminal that does not read: 429 beyond" },
	{ "message_queue_max", CONF_INT, CONF(message_queue_max), 1, 100000, 0, NULL, NULL,
	  "64", "messages waiting for a busy agent (each an event): 429 beyond" },
	{ "agent_start_timeout", CONF_INT, CONF(agent_start_timeout), 1, 86400, 0, NULL,
	  NULL, "300", "no sign of the agent this long: an error, then a plain terminal" },
	{ "approval_timeout", CONF_INT, CONF(approval_timeout), 0, 1 << 30, 0, NULL, NULL,
	  "0", "an approval unanswered this long (s) is decided; 0: it waits" },
	{ "approval_timeout_decision", CONF_ENUM, CONF(approval_timeout_allow), 0, 0, 0,
	  conf_decision_parse, NULL, "deny", "what an approval timeout decides" },
	{ "max_cost_usd", CONF_STRING, CONF(max_cost_usd), 0, 32, CONF_EMPTYNULL, NULL,
	  conf_usd, NULL, "a session's cost cap unless its create says (none)" },
	{ "max_tokens", CONF_U64, CONF(max_tokens), 0, LONG_MAX, 0, NULL, NULL, "0",
	  "a session's token cap unless its create says (0: none)" },
	{ "debrief_answer_max", CONF_U64, CONF(debrief_answer_max), 4096, 1L << 30, 0, NULL,
	  NULL, "262144", "an agent's debrief answer is stored cut to this" },
	{ "home_root", CONF_STRING, CONF(home_root), 0, 0, 0, NULL, conf_abs_path, NULL,
	  "the home the directory browser starts in, if not ours" },
	{ "project_roots", CONF_STRING, CONF(project_roots), 0, 0, 0, NULL, conf_abs_list,
	  NULL, "where sessions may work (blank separated), if not the home" },
	{ "deny_paths", CONF_STRING, CONF(deny_paths), 0, 0, 0, NULL, conf_home_list,
	  CONF_DENY_PATHS, "what runs things: never written, nor listed, through the API" },
	{ "debrief_long_minutes", CONF_INT, CONF(debrief_long_minutes), 0, 1000000, 0, NULL,
	  NULL, "45", "a session this long gets an after-action review" },
	{ "debrief_long_turns", CONF_INT, CONF(debrief_long_turns), 0, 1000000, 0, NULL,
	  NULL, "10", "so does one with this many turns" },
	{ "debrief_long_events", CONF_INT, CONF(debrief_long_events), 0, 1000000, 0, NULL,
	  NULL, "120", "or with this many events" },
	{ "debrief_short_secs", CONF_INT, CONF(debrief_short_secs), 0, 1000000, 0, NULL,
	  NULL, "60", "how long the agent has to write its hotwash" },
	{ "debrief_long_secs", CONF_INT, CONF(debrief_long_secs), 0, 1000000, 0, NULL,
	  NULL, "180", "and its after-action review" },
	{ "debrief_prompt_hotwash", CONF_STRING, CONF(debrief_prompt_hotwash), 0,
	  CONF_PROMPT_MAX, CONF_NONEMPTY, NULL, NULL, DEBRIEF_HOTWASH_PROMPT,
	  "what a short session's agent is asked at its end" },
	{ "debrief_prompt_aar", CONF_STRING, CONF(debrief_prompt_aar), 0, CONF_PROMPT_MAX,
	  CONF_NONEMPTY, NULL, NULL, DEBRIEF_AAR_PROMPT,
	  "what a long session's agent is asked at its end" },
	{ "auth", CONF_ENUM, CONF(auth), 0, 0, 0, conf_auth_parse, NULL, "local",
	  "local: HOME/access-token is the owner; none: all (loopback); proxy: nginx says" },
	{ "viewers", CONF_STRING, CONF(viewers), 0, 0, 0, NULL, NULL, NULL,
	  "users and @groups that may look" },
	{ "operators", CONF_STRING, CONF(operators), 0, 0, 0, NULL, NULL, NULL,
	  "users and @groups that may run sessions" },
	{ "admins", CONF_STRING, CONF(admins), 0, 0, 0, NULL, NULL, NULL,
	  "users and @groups that may do anything" },
	{ "default_role", CONF_ENUM, CONF(default_role), 0, 0, 0, agd_role_parse, NULL,
	  "none", "the role of an authenticated user not listed" },
	{ "operators_manage_all", CONF_ENUM, CONF(operators_manage_all), 0, 0, 0,
	  conf_yesno_parse, NULL, "no", "operators may change others' sessions" },
	{ "log_level", CONF_ENUM, CONF(log_level), 0, 0, 0, log_level_parse, NULL, "info",
	  "error | warn | info | debug: the least severe lines agentd and agentd-fcgi write" },
	{ "group_sockets", CONF_ENUM, CONF(group_sockets), 0, 0, 0, conf_yesno_parse, NULL, "no",
	  "fcgi.sock and ws.sock 0660: nginx reaches them as the group of HOME/run" },
	{ "worktree_root", CONF_STRING, CONF(worktree_root), 0, 0, CONF_EMPTYNULL, NULL,
	  conf_abs_or_empty, NULL, "where worker worktrees go, if not <repo>/.worktrees" },
	{ "public_url", CONF_STRING, CONF(public_url), 0, CONF_URL_MAX, CONF_EMPTYNULL, NULL,
	  conf_url, NULL, "the dashboard's address in webhook links; NULL: http://listen/" },
};

static const struct conf_key webhook_keys[] = {
	{ "url", CONF_STRING, WEBHOOK(url), 0, CONF_URL_MAX, 0, NULL, conf_url, NULL,
	  "where the events are POSTed" },
	{ "events", CONF_ENUM, WEBHOOK(events), 0, 0, 0, conf_webhook_events, NULL,
	  "waiting_approval", "which events, blank separated" },
	{ "secret", CONF_STRING, WEBHOOK(secret), 0, CONF_SECRET_MAX, CONF_EMPTYNULL, NULL,
	  NULL, NULL, "signs each body: X-Agentd-Signature: sha256=HMAC" },
	{ "timeout_ms", CONF_INT, WEBHOOK(timeout_ms), 100, 120000, 0, NULL, NULL, "10000",
	  "one attempt, from connect to the last byte of the answer" },
	{ "retries", CONF_INT, WEBHOOK(retries), 0, 20, 0, NULL, NULL, "5",
	  "attempts after a failed first one (no 2xx)" },
	{ "retry_ms", CONF_INT, WEBHOOK(retry_ms), 10, 600000, 0, NULL, NULL, "1000",
	  "the first wait before a retry; doubled each time, at most 5 minutes" },
};

static const struct conf_key machine_keys[] = {
	{ "host", CONF_STRING, MACHINE(host), 0, CONF_HOST_MAX, 0, NULL, conf_ssh_host,
	  NULL, "ssh host name or address" },
	{ "user", CONF_STRING, MACHINE(user), 0, CONF_USER_MAX, 0, NULL, conf_ssh_user,
	  NULL, "ssh user, if not ssh's default" },
	{ "port", CONF_INT, MACHINE(port), 1, 65535, 0, NULL, NULL, NULL,
	  "ssh port, if not ssh's default" },
	{ "work_root", CONF_STRING, MACHINE(work_root), 0, 0, 0, NULL, conf_abs, NULL,
	  "holds the clones, named like the local repositories" },
	{ "identity", CONF_STRING, MACHINE(identity), 0, 0, CONF_NONEMPTY, NULL, NULL, NULL,
	  "ssh -i" },
	{ "ssh_options", CONF_STRING, MACHINE(ssh_options), 0, 0, 0, NULL, conf_ssh_options,
	  NULL, "extra -o KEY=VALUE words, blank separated" },
};

/* Set key k of the struct at base from v, as the table says; -1 with *cause if refused. */
static int
conf_set(const struct conf_key *keys, size_t nkeys, void *base, const char *what,
    const char *k, const char *v, char **cause)
{
	const struct conf_key	*key;
	char			*p = base, **sp;
	size_t			 i;
	long			 n;

	for (i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].name, k) == 0)
			break;
	}
	if (i == nkeys) {
		xasprintf(cause, "unknown %ssetting: %s", what, k);
		return (-1);
	}
	key = &keys[i];
	p += key->offset;
	switch (key->type) {
	case CONF_INT:
	case CONF_U64:
		if (conf_int(v, key->min, key->max, &n) == -1)
			goto bad;
		if (key->type == CONF_INT)
			*(int *)p = (int)n;
		else
			*(uint64_t *)p = (uint64_t)n;
		break;
	case CONF_ENUM:
		if ((n = key->parse(v)) == -1)
			goto bad;
		*(int *)p = (int)n;
		break;
	case CONF_STRING:
		if ((key->flags & CONF_NONEMPTY) && *v == '\0')
			goto bad;
		if (key->max != 0 && strlen(v) > (size_t)key->max)
			goto bad;
		if (key->check != NULL && key->check(v) == -1)
			goto bad;
		sp = (char **)p;
		free(*sp);
		*sp = (key->flags & CONF_EMPTYNULL) && *v == '\0' ? NULL : xstrdup(v);
		break;
	}
	return (0);
bad:
	xasprintf(cause, "bad value for %s: %s", k, v);
	return (-1);
}

/* Every key with a default, set from it (a default the table refuses is a bug). */
static void
conf_defaults(const struct conf_key *keys, size_t nkeys, void *base)
{
	char	*cause;
	size_t	 i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].dflt == NULL)
			continue;
		if (conf_set(keys, nkeys, base, "", keys[i].name, keys[i].dflt, &cause) == -1)
			fatalx("built-in default: %s", cause);
	}
}

/* Free every string the table put in the struct at base. */
static void
conf_free_strings(const struct conf_key *keys, size_t nkeys, void *base)
{
	size_t	i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].type == CONF_STRING)
			free(*(char **)((char *)base + keys[i].offset));
	}
}

/* A new [webhook NAME] section, with its defaults, appended in the file's order. */
static struct agd_webhook *
conf_webhook_new(struct agd_conf *conf, const char *name, char **cause)
{
	struct agd_webhook	*w, **tail;

	if (!agd_valid_name(name)) {
		xasprintf(cause, "bad webhook name: %s", name);
		return (NULL);
	}
	for (tail = &conf->webhooks; *tail != NULL; tail = &(*tail)->next) {
		if (strcmp((*tail)->name, name) == 0) {
			xasprintf(cause, "webhook %s defined twice", name);
			return (NULL);
		}
	}
	w = xcalloc(1, sizeof *w);
	w->name = xstrdup(name);
	conf_defaults(webhook_keys, nitems(webhook_keys), w);
	*tail = w;
	return (w);
}

/* A line of an [agent TYPE] section: MODE = command line, or adapter = KIND|none. */
static int
conf_agent_set(struct agd_agent *agent, const char *k, const char *v, char **cause)
{
	int	mode;

	if (strcmp(k, "adapter") == 0) {
		if (!agd_valid_name(v)) {
			xasprintf(cause, "adapter: not a name: %s", v);
			return (-1);
		}
		free(agent->adapter);
		agent->adapter = xstrdup(v);
		return (0);
	}
	if ((mode = agd_mode_parse(k)) == -1) {
		xasprintf(cause, "unknown permission mode: %s", k);
		return (-1);
	}
	free(agent->argv[mode]);
	agent->argv[mode] = xstrdup(v);
	return (0);
}

struct agd_conf *
agd_conf_load(const char *path, char **cause)
{
	struct agd_conf		*conf;
	struct agd_agent	*agent = NULL, *a;
	struct agd_machine	*machine = NULL, *mc;
	struct agd_webhook	*webhook = NULL, *wh;
	FILE			*f = NULL;
	char			*line = NULL, *s, *eq, *k, *v, *msg;
	size_t			 cap = 0;
	int			 lineno = 0, m, rc;

	conf = xcalloc(1, sizeof *conf);
	conf_defaults(conf_keys, nitems(conf_keys), conf);
	if (path == NULL)
		return (conf);

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		s = conf_trim(line);
		if (*s == '\0')
			continue;
		if (strncmp(s, "[webhook ", 9) == 0 && s[strlen(s) - 1] == ']') {
			s[strlen(s) - 1] = '\0';
			agent = NULL;
			machine = NULL;
			if ((webhook = conf_webhook_new(conf, conf_trim(s + 9), &msg)) == NULL) {
				xasprintf(cause, "%s:%d: %s", path, lineno, msg);
				free(msg);
				goto fail;
			}
			continue;
		}
		if (strncmp(s, "[machine ", 9) == 0 && s[strlen(s) - 1] == ']') {
			s[strlen(s) - 1] = '\0';
			agent = NULL;
			webhook = NULL;
			if ((machine = conf_machine_new(conf, conf_trim(s + 9), &msg)) == NULL) {
				xasprintf(cause, "%s:%d: %s", path, lineno, msg);
				free(msg);
				goto fail;
			}
			continue;
		}
		if (*s == '[') {
			if (strncmp(s, "[agent ", 7) != 0 || s[strlen(s) - 1] != ']') {
				xasprintf(cause, "%s:%d: unknown section", path, lineno);
				goto fail;
			}
			s[strlen(s) - 1] = '\0';
			k = conf_trim(s + 7);
			if (*k == '\0' || strlen(k) > 32) {
				xasprintf(cause, "%s:%d: bad agent name", path, lineno);
				goto fail;
			}
			agent = conf_agent_get(conf, k, 1);
			machine = NULL;
			webhook = NULL;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			xasprintf(cause, "%s:%d: expected key = value", path, lineno);
			goto fail;
		}
		*eq = '\0';
		k = conf_trim(s);
		v = conf_trim(eq + 1);
		if (webhook != NULL)
			rc = conf_set(webhook_keys, nitems(webhook_keys), webhook, "webhook ", k,
			    v, &msg);
		else if (machine != NULL)
			rc = conf_set(machine_keys, nitems(machine_keys), machine, "machine ", k,
			    v, &msg);
		else if (agent != NULL)
			rc = conf_agent_set(agent, k, v, &msg);
		else
			rc = conf_set(conf_keys, nitems(conf_keys), conf, "", k, v, &msg);
		if (rc == -1) {
			xasprintf(cause, "%s:%d: %s", path, lineno, msg);
			free(msg);
			goto fail;
		}
	}
	/* A replaced agent section must define every mode; fill gaps from "default". */
	for (a = conf->agents; a != NULL; a = a->next) {
		if (a->argv[AGD_MODE_DEFAULT] == NULL) {
			xasprintf(cause, "%s: [agent %s] has no default command", path, a->type);
			goto fail;
		}
		for (m = 1; m < AGD_MODE_COUNT; m++) {
			if (a->argv[m] == NULL)
				a->argv[m] = xstrdup(a->argv[AGD_MODE_DEFAULT]);
		}
	}
	for (mc = conf->machines; mc != NULL; mc = mc->next) {
		if (mc->host == NULL || mc->work_root == NULL) {
			xasprintf(cause, "%s: [machine %s] needs host and work_root", path,
			    mc->id);
			goto fail;
		}
	}
	for (wh = conf->webhooks; wh != NULL; wh = wh->next) {
		if (wh->url == NULL) {
			xasprintf(cause, "%s: [webhook %s] needs a url", path, wh->name);
			goto fail;
		}
	}
	free(line);
	fclose(f);
	return (conf);
fail:
	free(line);
	if (f != NULL)
		fclose(f);
	agd_conf_free(conf);
	return (NULL);
}

void
agd_conf_free(struct agd_conf *conf)
{
	struct agd_agent	*a, *next;
	struct agd_machine	*mc, *mnext;
	struct agd_webhook	*wh, *wnext;
	int			 m;

	if (conf == NULL)
		return;
	for (wh = conf->webhooks; wh != NULL; wh = wnext) {
		wnext = wh->next;
		free(wh->name);
		conf_free_strings(webhook_keys, nitems(webhook_keys), wh);
		free(wh);
	}
	for (mc = conf->machines; mc != NULL; mc = mnext) {
		mnext = mc->next;
		free(mc->id);
		conf_free_strings(machine_keys, nitems(machine_keys), mc);
		free(mc);
	}
	for (a = conf->agents; a != NULL; a = next) {
		next = a->next;
		for (m = 0; m < AGD_MODE_COUNT; m++)
			free(a->argv[m]);
		free(a->adapter);
		free(a->type);
		free(a);
	}
	conf_free_strings(conf_keys, nitems(conf_keys), conf);
	free(conf);
}
