# The seed source's own clients against agentd (issue #15): a contract suite, one
# file per group of requests, each asserting the fields those clients read.
AGD_T_SEED_TESTS = t/14-seed-sessions.t t/15-seed-lists.t t/16-seed-replies.t \
	t/17-seed-dispatch.t t/18-seed-home.t t/19-seed-auth.t
TESTS += $(AGD_T_SEED_TESTS)
EXTRA_DIST += $(AGD_T_SEED_TESTS)
