# C unit tests (TAP), run by `make check` with the same driver as t/*.t
check_PROGRAMS += t/unit/lib-test t/unit/ws-parse-test t/unit/agent-test t/unit/seqlog-test \
	t/unit/ws-chat-test
TESTS += t/unit/lib-test t/unit/ws-parse-test t/unit/agent-test t/unit/seqlog-test \
	t/unit/ws-chat-test
t_unit_lib_test_SOURCES = t/unit/lib-test.c t/unit/tap.h
t_unit_lib_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_lib_test_LDADD = $(AGD_LIBS)
# The output log's index: a reader seeks (issue 13).
t_unit_seqlog_test_SOURCES = t/unit/seqlog-test.c t/unit/tap.h
t_unit_seqlog_test_LDADD = $(AGD_LIBS)
t_unit_ws_parse_test_SOURCES = t/unit/ws-parse-test.c daemon/ws-parse.c t/unit/tap.h
t_unit_ws_parse_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/daemon
t_unit_ws_parse_test_LDADD = $(AGD_LIBS)
# The agent adapters, fed recorded records and screens (stubs of session.c in the test).
t_unit_agent_test_SOURCES = t/unit/agent-test.c t/unit/tap.h \
	daemon/agent.c daemon/agent-approve.c daemon/agent.h daemon/agent-kind.h \
	daemon/agent-event.c daemon/agent-kinds.c daemon/agent-stream.c daemon/agent-guard.c \
	daemon/agent-claude.c daemon/agent-claude.h daemon/agent-claude-stream.c \
	daemon/agent-codex.c daemon/agent-codex-stream.c \
	daemon/agent-openclaw.c daemon/agent-openclaw-stream.c \
	daemon/screen.c daemon/screen.h daemon/job.c daemon/job.h
t_unit_agent_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(VTERM_CFLAGS) -I$(top_srcdir)/daemon
t_unit_agent_test_LDADD = $(AGD_LIBS) $(LIBEVENT_LIBS) $(VTERM_LIBS)
# The seed chat view's mapping of events, by kind, for every agent (issue 15, item 4).
t_unit_ws_chat_test_SOURCES = t/unit/ws-chat-test.c daemon/ws-chat.c t/unit/tap.h
t_unit_ws_chat_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBEVENT_CFLAGS) \
	-I$(top_srcdir)/daemon
t_unit_ws_chat_test_LDADD = $(AGD_LIBS)
