# agentctl through the real stack (issue #17): every command, and attach inside tmux.
AGD_T_CTL_TESTS = t/85-agentctl.t t/86-agentctl-attach.t
TESTS += $(AGD_T_CTL_TESTS)
EXTRA_DIST += $(AGD_T_CTL_TESTS)
