bin_PROGRAMS += daemon/agentd daemon/agentd-holder

daemon_agentd_SOURCES = \
	daemon/agentd.c daemon/agentd.h \
	daemon/cmd.c \
	daemon/hproto.h \
	daemon/persist.c \
	daemon/server.c \
	daemon/session.c \
	daemon/spawn.c \
	daemon/screen.c daemon/screen.h \
	daemon/agent.c daemon/agent.h \
	daemon/debrief.c \
	daemon/ws.c \
	daemon/ws-parse.c daemon/ws-parse.h \
	daemon/worker.h \
	daemon/cmd-worker.c \
	daemon/job.c \
	daemon/machine.c \
	daemon/persist-worker.c \
	daemon/worktree.c
daemon_agentd_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCRYPTO_CFLAGS) $(VTERM_CFLAGS) $(LIBGIT2_CFLAGS) $(LIBGIT2_CFLAGS)
daemon_agentd_LDADD = $(AGD_LIBS) $(LIBEVENT_LIBS) $(WSLAY_LIBS) $(LIBCRYPTO_LIBS) $(VTERM_LIBS) $(LIBGIT2_LIBS) $(LIBGIT2_LIBS)

# The holder is small on purpose: no event library, no SQLite.
daemon_agentd_holder_SOURCES = daemon/holder.c daemon/hproto.h
daemon_agentd_holder_LDADD = lib/libagd.a $(UTIL_LIBS)
