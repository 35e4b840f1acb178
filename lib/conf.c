/*
 * The daemon configuration: "key = value" lines, "# comments", "[agent TYPE]" and
 * "[machine ID]" sections.
 * Both agentd and agentd-fcgi load it; everything has an embedded default.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "valid.h"
#include "xmalloc.h"

static int	conf_int(const char *, long, long, long *);

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

static const char *mode_names[AGD_MODE_COUNT] = {
	"default", "acceptEdits", "bypassPermissions"
};

static const struct {
	const char	*type;
	const char	*argv[AGD_MODE_COUNT];
} builtin_agents[] = {
	{ "claude", {
	    "claude --permission-mode default",
	    "claude --permission-mode acceptEdits",
	    "claude --permission-mode bypassPermissions" } },
	{ "codex", {
	    "codex --no-daemon -a on-request -s workspace-write",
	    "codex --no-daemon -a on-request -s workspace-write",
	    "codex --no-daemon --dangerously-bypass-approvals-and-sandbox" } },
	{ "openclaw", {
	    "openclaw tui --local",
	    "openclaw tui --local",
	    "openclaw tui --local" } },
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
 * 1 if every byte of v is in the set allowed for an ssh host or user name. Both
 * end up on ssh's command line: nothing may look like an option or need quoting.
 */
static int
conf_ssh_word(const char *v, const char *extra, size_t max)
{
	size_t	i;

	if (*v == '\0' || *v == '-' || strlen(v) > max)
		return (0);
	for (i = 0; v[i] != '\0'; i++) {
		if (!isalnum((unsigned char)v[i]) && strchr(extra, v[i]) == NULL)
			return (0);
	}
	return (1);
}

static int
conf_machine_set(struct agd_machine *m, const char *k, const char *v, char **cause)
{
	const char	*p;
	long		 n;

	if (strcmp(k, "host") == 0) {
		if (!conf_ssh_word(v, ".-_:", 255))
			goto bad;
		free(m->host);
		m->host = xstrdup(v);
	} else if (strcmp(k, "user") == 0) {
		if (!conf_ssh_word(v, ".-_", 64))
			goto bad;
		free(m->user);
		m->user = xstrdup(v);
	} else if (strcmp(k, "port") == 0) {
		if (conf_int(v, 1, 65535, &n) == -1)
			goto bad;
		m->port = (int)n;
	} else if (strcmp(k, "work_root") == 0) {
		if (v[0] != '/')
			goto bad;
		free(m->work_root);
		m->work_root = xstrdup(v);
	} else if (strcmp(k, "identity") == 0) {
		if (*v == '\0')
			goto bad;
		free(m->identity);
		m->identity = xstrdup(v);
	} else if (strcmp(k, "ssh_options") == 0) {
		/* Words of KEY=VALUE, each given to ssh as -o WORD. */
		for (p = v; *p != '\0'; p++) {
			if (*p == '\'' || *p == '"' || *p == '\\')
				goto bad;
		}
		free(m->ssh_options);
		m->ssh_options = xstrdup(v);
	} else {
		xasprintf(cause, "unknown machine setting: %s", k);
		return (-1);
	}
	return (0);
bad:
	xasprintf(cause, "bad value for %s: %s", k, v);
	return (-1);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

static int
conf_int(const char *v, long min, long max, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < min || n > max)
		return (-1);
	*out = n;
	return (0);
}

/* 0 if v is a non-empty blank separated list of absolute paths, else -1. */
static int
conf_abs_list(const char *v)
{
	const char	*p = v;
	int		 n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p != '/')
			return (-1);
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		n++;
	}
	return (n > 0 ? 0 : -1);
}

static int
conf_set(struct agd_conf *conf, struct agd_agent *agent, const char *k,
    const char *v, char **cause)
{
	long	n;
	int	mode;

	if (agent != NULL) {
		if ((mode = agd_mode_parse(k)) == -1) {
			xasprintf(cause, "unknown permission mode: %s", k);
			return (-1);
		}
		free(agent->argv[mode]);
		agent->argv[mode] = xstrdup(v);
		return (0);
	}
	if (strcmp(k, "max_sessions") == 0) {
		if (conf_int(v, 1, 100000, &n) == -1)
			goto bad;
		conf->max_sessions = (int)n;
	} else if (strcmp(k, "kill_grace_ms") == 0) {
		if (conf_int(v, 0, 600000, &n) == -1)
			goto bad;
		conf->kill_grace_ms = (int)n;
	} else if (strcmp(k, "log_max_bytes") == 0) {
		if (conf_int(v, 65536, LONG_MAX, &n) == -1)
			goto bad;
		conf->log_max_bytes = (uint64_t)n;
	} else if (strcmp(k, "default_cols") == 0) {
		if (conf_int(v, 1, 1000, &n) == -1)
			goto bad;
		conf->default_cols = (int)n;
	} else if (strcmp(k, "default_rows") == 0) {
		if (conf_int(v, 1, 1000, &n) == -1)
			goto bad;
		conf->default_rows = (int)n;
	} else if (strcmp(k, "debrief_long_minutes") == 0 ||
	    strcmp(k, "debrief_long_turns") == 0 || strcmp(k, "debrief_long_events") == 0 ||
	    strcmp(k, "debrief_short_secs") == 0 || strcmp(k, "debrief_long_secs") == 0) {
		if (conf_int(v, 0, 1000000, &n) == -1)
			goto bad;
		if (strcmp(k, "debrief_long_minutes") == 0)
			conf->debrief_long_minutes = (int)n;
		else if (strcmp(k, "debrief_long_turns") == 0)
			conf->debrief_long_turns = (int)n;
		else if (strcmp(k, "debrief_long_events") == 0)
			conf->debrief_long_events = (int)n;
		else if (strcmp(k, "debrief_short_secs") == 0)
			conf->debrief_short_secs = (int)n;
		else
			conf->debrief_long_secs = (int)n;
	} else if (strcmp(k, "debrief_prompt_hotwash") == 0 ||
	    strcmp(k, "debrief_prompt_aar") == 0) {
		char **pp = strcmp(k, "debrief_prompt_aar") == 0 ?
		    &conf->debrief_prompt_aar : &conf->debrief_prompt_hotwash;

		if (*v == '\0' || strlen(v) > 8192)
			goto bad;
		free(*pp);
		*pp = xstrdup(v);
	} else if (strcmp(k, "ws_ring_bytes") == 0) {
		if (conf_int(v, 65536, 1L << 32, &n) == -1)
			goto bad;
		conf->ws_ring_bytes = (uint64_t)n;
	} else if (strcmp(k, "ws_replay_bytes") == 0) {
		if (conf_int(v, 0, 1L << 30, &n) == -1)
			goto bad;
		conf->ws_replay_bytes = (uint64_t)n;
	} else if (strcmp(k, "ws_queue_bytes") == 0) {
		if (conf_int(v, 65536, 1L << 30, &n) == -1)
			goto bad;
		conf->ws_queue_bytes = (uint64_t)n;
	} else if (strcmp(k, "ws_ping_ms") == 0) {
		if (conf_int(v, 100, 3600000, &n) == -1)
			goto bad;
		conf->ws_ping_ms = (int)n;
	} else if (strcmp(k, "ws_max_viewers") == 0) {
		if (conf_int(v, 1, 100000, &n) == -1)
			goto bad;
		conf->ws_max_viewers = (int)n;
	} else if (strcmp(k, "auth") == 0) {
		if (strcmp(v, "none") == 0)
			conf->auth = AGD_AUTH_NONE;
		else if (strcmp(v, "proxy") == 0)
			conf->auth = AGD_AUTH_PROXY;
		else
			goto bad;
	} else if (strcmp(k, "viewers") == 0 || strcmp(k, "operators") == 0 ||
	    strcmp(k, "admins") == 0) {
		char **list = k[0] == 'v' ? &conf->viewers :
		    k[0] == 'o' ? &conf->operators : &conf->admins;

		free(*list);
		*list = xstrdup(v);
	} else if (strcmp(k, "default_role") == 0) {
		if ((conf->default_role = agd_role_parse(v)) == -1)
			goto bad;
	} else if (strcmp(k, "operators_manage_all") == 0) {
		if (strcmp(v, "yes") == 0)
			conf->operators_manage_all = 1;
		else if (strcmp(v, "no") == 0)
			conf->operators_manage_all = 0;
		else
			goto bad;
	} else if (strcmp(k, "home_root") == 0) {
		if (v[0] != '/' || strpbrk(v, " \t") != NULL)
			goto bad;
		free(conf->home_root);
		conf->home_root = xstrdup(v);
	} else if (strcmp(k, "project_roots") == 0) {
		if (conf_abs_list(v) == -1)
			goto bad;
		free(conf->project_roots);
		conf->project_roots = xstrdup(v);
	} else if (strcmp(k, "allowed_hosts") == 0) {
		free(conf->allowed_hosts);
		conf->allowed_hosts = xstrdup(v);
	} else if (strcmp(k, "env_deny") == 0) {
		free(conf->env_deny);
		conf->env_deny = xstrdup(v);
	} else if (strcmp(k, "holder_path") == 0) {
		free(conf->holder_path);
		conf->holder_path = xstrdup(v);
	} else if (strcmp(k, "worktree_root") == 0) {
		if (*v != '\0' && *v != '/')
			goto bad;
		free(conf->worktree_root);
		conf->worktree_root = *v == '\0' ? NULL : xstrdup(v);
	} else {
		xasprintf(cause, "unknown setting: %s", k);
		return (-1);
	}
	return (0);
bad:
	xasprintf(cause, "bad value for %s: %s", k, v);
	return (-1);
}

struct agd_conf *
agd_conf_load(const char *path, char **cause)
{
	struct agd_conf		*conf;
	struct agd_agent	*agent = NULL, *a;
	struct agd_machine	*machine = NULL, *mc;
	FILE			*f = NULL;
	char			*line = NULL, *s, *eq, *k, *v, *msg;
	size_t			 cap = 0, i;
	int			 lineno = 0, m, rc;

	conf = xcalloc(1, sizeof *conf);
	conf->max_sessions = 64;
	conf->kill_grace_ms = 5000;
	conf->log_max_bytes = 64ULL * 1024 * 1024;
	conf->allowed_hosts = xstrdup("localhost 127.0.0.1 ::1");
	conf->env_deny = xstrdup("AGENTD_* NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES");
	conf->default_cols = 120;
	conf->default_rows = 40;
	conf->debrief_long_minutes = 45;
	conf->debrief_long_turns = 10;
	conf->debrief_long_events = 120;
	conf->debrief_short_secs = 60;
	conf->debrief_long_secs = 180;
	conf->debrief_prompt_hotwash = xstrdup(DEBRIEF_HOTWASH_PROMPT);
	conf->debrief_prompt_aar = xstrdup(DEBRIEF_AAR_PROMPT);
	conf->ws_ring_bytes = 4 * 1024 * 1024;
	conf->ws_replay_bytes = 256 * 1024;
	conf->ws_queue_bytes = 256 * 1024;
	conf->ws_ping_ms = 30000;
	conf->ws_max_viewers = 1024;
	for (i = 0; i < sizeof builtin_agents / sizeof builtin_agents[0]; i++) {
		a = conf_agent_get(conf, builtin_agents[i].type, 0);
		for (m = 0; m < AGD_MODE_COUNT; m++)
			a->argv[m] = xstrdup(builtin_agents[i].argv[m]);
	}
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
		s = trim(line);
		if (*s == '\0')
			continue;
		if (strncmp(s, "[machine ", 9) == 0 && s[strlen(s) - 1] == ']') {
			s[strlen(s) - 1] = '\0';
			agent = NULL;
			if ((machine = conf_machine_new(conf, trim(s + 9), &msg)) == NULL) {
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
			k = trim(s + 7);
			if (*k == '\0' || strlen(k) > 32) {
				xasprintf(cause, "%s:%d: bad agent name", path, lineno);
				goto fail;
			}
			agent = conf_agent_get(conf, k, 1);
			machine = NULL;
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL) {
			xasprintf(cause, "%s:%d: expected key = value", path, lineno);
			goto fail;
		}
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (machine != NULL)
			rc = conf_machine_set(machine, k, v, &msg);
		else
			rc = conf_set(conf, agent, k, v, &msg);
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
	int			 m;

	if (conf == NULL)
		return;
	for (mc = conf->machines; mc != NULL; mc = mnext) {
		mnext = mc->next;
		free(mc->id);
		free(mc->host);
		free(mc->user);
		free(mc->work_root);
		free(mc->identity);
		free(mc->ssh_options);
		free(mc);
	}
	free(conf->worktree_root);
	for (a = conf->agents; a != NULL; a = next) {
		next = a->next;
		for (m = 0; m < AGD_MODE_COUNT; m++)
			free(a->argv[m]);
		free(a->type);
		free(a);
	}
	free(conf->allowed_hosts);
	free(conf->env_deny);
	free(conf->holder_path);
	free(conf->debrief_prompt_hotwash);
	free(conf->debrief_prompt_aar);
	free(conf->viewers);
	free(conf->operators);
	free(conf->admins);
	free(conf->home_root);
	free(conf->project_roots);
	free(conf);
}

char **
agd_argv_split(const char *s, int *argcp, char **cause)
{
	char	**argv = NULL, *word;
	size_t	 len;
	int	 argc = 0;
	char	 q;

	word = xmalloc(strlen(s) + 1);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = 0;
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s != '\0' && *s != q)
					word[len++] = *s++;
				if (*s != q) {
					xasprintf(cause, "unterminated quote");
					free(word);
					agd_argv_free(argv);
					return (NULL);
				}
				s++;
			} else
				word[len++] = *s++;
		}
		word[len] = '\0';
		argv = xreallocarray(argv, argc + 2, sizeof *argv);
		argv[argc++] = xstrdup(word);
		argv[argc] = NULL;
	}
	free(word);
	if (argc == 0) {
		xasprintf(cause, "empty command");
		return (NULL);
	}
	if (argcp != NULL)
		*argcp = argc;
	return (argv);
}

void
agd_argv_free(char **argv)
{
	char	**p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* 1 if word (len bytes) appears in the blank separated list; a trailing '*' in the list matches a prefix. */
static int
list_match(const char *list, const char *word, size_t len)
{
	const char	*p = list, *e;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		n = (size_t)(e - p);
		if (n > 0 && p[n - 1] == '*') {
			if (len >= n - 1 && strncmp(p, word, n - 1) == 0)
				return (1);
		} else if (n == len && n > 0 && strncasecmp(p, word, n) == 0)
			return (1);
		p = e;
	}
	return (0);
}

int
agd_conf_host_allowed(const struct agd_conf *conf, const char *host, size_t len)
{
	const char	*l, *colon;

	if (list_match(conf->allowed_hosts, host, len))
		return (1);
	/* The host part of AGENTD_LISTEN (address:port, [v6]:port). */
	if ((l = getenv("AGENTD_LISTEN")) != NULL && *l != '\0') {
		if (*l == '[') {
			colon = strchr(l, ']');
			if (colon != NULL && (size_t)(colon - l - 1) == len &&
			    strncasecmp(l + 1, host, len) == 0)
				return (1);
		} else if ((colon = strrchr(l, ':')) != NULL) {
			if ((size_t)(colon - l) == len && strncasecmp(l, host, len) == 0)
				return (1);
		}
	}
	return (0);
}

int
agd_conf_env_denied(const struct agd_conf *conf, const char *name, size_t len)
{
	return (list_match(conf->env_deny, name, len));
}
