/*
 * The table of agent kinds: the one place that lists them. A new agent program is
 * one agent-NAME.c exporting its struct agent_kind, and one line here.
 */
#include "agent-kind.h"

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
