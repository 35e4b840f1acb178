# The real agent CLIs (claude, codex, openclaw) inside agentd's PTY, offline,
# against the scripted model server t/bin/fake-model.  The CLIs come from npm
# (t/agents/install, run by ./bootstrap check); without them the tests skip.
# The slowest come first (make -j runs them side by side with the others):
# openclaw's matrix (its start-up is seconds to minutes), then codex's (issue #14),
# then the seed chat view with both (issue #15), codex's caps and config defaults.
AGD_T_AGENT_TESTS6 = t/58-openclaw-matrix.t t/57-codex-matrix.t t/88-chat-agents.t \
	t/57-codex-file-change.t \
	t/56-codex-caps.t t/55-codex-defaults.t
TESTS += $(AGD_T_AGENT_TESTS6)
EXTRA_DIST += $(AGD_T_AGENT_TESTS6) t/lib/AgentMatrix.pm
AGD_T_AGENTS_TESTS = t/95-agents-smoke.t
TESTS += $(AGD_T_AGENTS_TESTS)
EXTRA_DIST += $(AGD_T_AGENTS_TESTS) t/agents/install t/bin/fake-model
AGD_T_AGENT_TESTS2 = t/96-agents.t
TESTS += $(AGD_T_AGENT_TESTS2)
EXTRA_DIST += $(AGD_T_AGENT_TESTS2)
AGD_T_AGENT_TESTS3 = t/97-world-debrief.t
TESTS += $(AGD_T_AGENT_TESTS3)
EXTRA_DIST += $(AGD_T_AGENT_TESTS3)
AGD_T_AGENT_TESTS4 = t/98-claude-modes.t t/87-nested-sandboxes.t
TESTS += $(AGD_T_AGENT_TESTS4)
EXTRA_DIST += $(AGD_T_AGENT_TESTS4)
# The matrix of issue #14 (claude x modes x transports) and its extras; the
# slow files run in parallel with the others (make -j).
AGD_T_AGENT_TESTS5 = t/93-claude-tty.t t/94-claude-stream.t t/99-claude-extras.t
TESTS += $(AGD_T_AGENT_TESTS5)
EXTRA_DIST += $(AGD_T_AGENT_TESTS5) t/lib/ClaudeMatrix.pm
