/*
 * The table of agent kinds: the one place that lists them, and which of them
 * drives a session (its type's adapter =, see agent_kind_for). A new agent
 * program is one agent-NAME.c exporting its struct agent_kind, and one line here.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "log.h"
#include "xmalloc.h"

extern const struct agent_kind	agent_claude;
extern const struct agent_kind	agent_codex;
extern const struct agent_kind	agent_openclaw;

/* Every kind, ended by NULL (agent-kind.h). */
const struct agent_kind *const agent_kinds[] = {
	&agent_claude,
	&agent_codex,
	&agent_openclaw,
	NULL
};

/* The kind of the program prog (by its basename), or NULL. */
static const struct agent_kind *
agent_kind_of(const char *prog)
{
	const char	*base = strrchr(prog, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : prog;
	for (i = 0; agent_kinds[i] != NULL; i++) {
		if (strcmp(agent_kinds[i]->name, base) == 0)
			return (agent_kinds[i]);
	}
	return (NULL);
}

const struct agent_kind *
agent_kind_named(const char *name)
{
	size_t	i;

	for (i = 0; agent_kinds[i] != NULL; i++) {
		if (strcmp(agent_kinds[i]->name, name) == 0)
			return (agent_kinds[i]);
	}
	return (NULL);
}

/*
 * The kind that drives sessions of type: its section's adapter (none: no kind),
 * else the kind of the type's name, else none. Never by the program's name: a
 * program that only looks like an agent is no agent, and a wrapper keeps its type's.
 */
const struct agent_kind *
agent_kind_for(const char *type)
{
	const struct agd_agent	*cfg = NULL;

	if (agentd_conf != NULL)
		cfg = agd_conf_agent(agentd_conf, type);
	if (cfg != NULL && cfg->adapter != NULL)
		return (agent_kind_named(cfg->adapter));	/* none: NULL */
	return (agent_kind_named(type));
}

int
agent_transport_check(const char *type, int transport, char **cause)
{
	const struct agent_kind	*k = agent_kind_for(type);

	if (transport != SESSION_STREAM || k == NULL || k->stream_prepare != NULL)
		return (0);
	xasprintf(cause, "agent type %s: the %s adapter has no stream transport", type,
	    k->name);
	return (-1);
}

const char *
agent_home_ro_all(void)
{
	static char	*all;
	size_t		 i;
	char		*n;

	if (all != NULL)
		return (all);
	all = xstrdup("");
	for (i = 0; agent_kinds[i] != NULL; i++) {
		if (agent_kinds[i]->home_ro == NULL)
			continue;
		xasprintf(&n, "%s%s%s", all, *all != '\0' ? " " : "", agent_kinds[i]->home_ro);
		free(all);
		all = n;
	}
	return (all);
}

int
agent_has_stream(const char *type)
{
	const struct agent_kind	*k = agent_kind_for(type);

	return (k != NULL && k->stream_prepare != NULL);
}

/*
 * A type of another name running an agent's program is a plain terminal (the
 * adapter is never the program's name): said once, at start, for a section
 * written when it meant that agent.
 */
static void
agent_kinds_note_plain(const struct agd_agent *a)
{
	const struct agent_kind	*k;
	char			**argv, *cause = NULL;

	if (a->argv[AGD_MODE_DEFAULT] == NULL ||
	    (argv = agd_argv_split(a->argv[AGD_MODE_DEFAULT], NULL, &cause)) == NULL) {
		free(cause);
		return;
	}
	if (argv[0] != NULL && (k = agent_kind_of(argv[0])) != NULL)
		log_info("[agent %s] runs %s as a plain terminal: \"adapter = %s\" drives "
		    "it as %s", a->type, argv[0], k->name, k->name);
	agd_argv_free(argv);
}

int
agent_kinds_configure(struct agd_conf *conf, char **cause)
{
	const struct agd_agent	*a;
	size_t			 i;

	for (i = 0; agent_kinds[i] != NULL; i++)
		agd_conf_agent_default(conf, agent_kinds[i]->name, agent_kinds[i]->argv);
	for (a = conf->agents; a != NULL; a = a->next) {
		if (a->adapter == NULL && agent_kind_named(a->type) == NULL)
			agent_kinds_note_plain(a);
		if (a->adapter != NULL && strcmp(a->adapter, "none") != 0 &&
		    agent_kind_named(a->adapter) == NULL) {
			xasprintf(cause, "[agent %s] adapter %s: not an agent kind"
			    " (claude, codex, openclaw or none)", a->type, a->adapter);
			return (-1);
		}
	}
	return (0);
}

const char *
agent_install_hint(const char *prog)
{
	const struct agent_kind	*k = agent_kind_of(prog);

	return (k != NULL ? k->install_hint : NULL);
}

