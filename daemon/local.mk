sbin_PROGRAMS += daemon/agentd
libexec_PROGRAMS += daemon/agentd-holder

daemon_agentd_SOURCES = \
	daemon/agentd.c daemon/agentd.h \
	daemon/cmd.c daemon/cmd.h \
	daemon/cmd-agent-hook.c \
	daemon/cmd-daemon-metrics.c \
	daemon/cmd-daemon-shutdown.c \
	daemon/cmd-files-upload.c \
	daemon/cmd-audit-refusal.c \
	daemon/cmd-machine-list.c \
	daemon/cmd-ping.c \
	daemon/cmd-session-approval.c daemon/cmd-session-limits.c \
	daemon/cmd-session-complete.c \
	daemon/cmd-session-create.c \
	daemon/cmd-session-debrief.c \
	daemon/cmd-session-delete.c \
	daemon/cmd-session-input.c \
	daemon/cmd-session-message.c \
	daemon/cmd-session-reset.c \
	daemon/cmd-session-resize.c \
	daemon/cmd-worker-dispatch.c \
	daemon/cmd-worker-clear.c \
	daemon/cmd-worker-link.c \
	daemon/hproto.h \
	daemon/persist.c \
	daemon/listen.c \
	daemon/server.c \
	daemon/server-client.c \
	daemon/session.c daemon/session.h daemon/session-notify.c \
	daemon/session-input.c daemon/session-holder.c daemon/session-direct.c \
	daemon/session-record.c \
	daemon/spawn.c daemon/spawn.h daemon/spawn-sandbox.c daemon/spawn-spare.c \
	daemon/screen.c daemon/screen.h \
	daemon/agent.c daemon/agent.h daemon/agent-kind.h \
	daemon/agent-event.c daemon/agent-kinds.c daemon/agent-stream.c daemon/agent-guard.c \
	daemon/agent-claude.c daemon/agent-claude.h daemon/agent-claude-stream.c \
	daemon/agent-codex.c daemon/agent-codex.h daemon/agent-codex-stream.c \
	daemon/agent-openclaw.c daemon/agent-openclaw.h daemon/agent-openclaw-stream.c \
	daemon/agent-answer.c daemon/agent-approve.c \
	daemon/debrief.c \
	daemon/ws.c daemon/ws.h daemon/ws-ring.c daemon/ws-upgrade.c \
	daemon/ws-server.c daemon/ws-linger.c daemon/ws-seed.c daemon/ws-chat.c daemon/ws-audit.c \
	daemon/ws-parse.c daemon/ws-parse.h \
	daemon/worker.h \
	daemon/waiter.c daemon/waiter.h \
	daemon/webhook.c \
	daemon/worker.c \
	daemon/worker-end.c \
	daemon/worker-push.c \
	daemon/worker-session.c \
	daemon/job.c daemon/job.h \
	daemon/machine.c \
	daemon/persist-worker.c daemon/persist-worker.h \
	daemon/worktree.c daemon/worktree.h
nodist_daemon_agentd_SOURCES = daemon/scripts.c
BUILT_SOURCES += daemon/scripts.c
CLEANFILES += daemon/scripts.c

AGENTD_SH_FILES = daemon/sh/worker-check.sh daemon/sh/worker-setup.sh \
	daemon/sh/worker-finish.sh daemon/sh/worker-loop.sh daemon/sh/session-setup.sh
EXTRA_DIST += $(AGENTD_SH_FILES) daemon/sh/mkscripts.pl

# The shell scripts a worker runs over ssh become C strings (as lib/migrations.c).
daemon/scripts.c: $(AGENTD_SH_FILES) $(srcdir)/daemon/sh/mkscripts.pl
	$(AM_V_GEN)$(MKDIR_P) daemon && $(PERL) $(srcdir)/daemon/sh/mkscripts.pl \
	    $(srcdir) $(AGENTD_SH_FILES) > $@.tmp && mv $@.tmp $@

daemon_agentd_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCRYPTO_CFLAGS) $(VTERM_CFLAGS) $(LIBGIT2_CFLAGS) $(LIBGIT2_CFLAGS)
daemon_agentd_LDADD = $(AGD_LIBS) $(CURL_LIBS) $(LIBEVENT_LIBS) $(WSLAY_LIBS) $(LIBCRYPTO_LIBS) $(VTERM_LIBS) $(LIBGIT2_LIBS) $(LIBGIT2_LIBS)

# The holder is small on purpose: no event library, no SQLite.
daemon_agentd_holder_SOURCES = daemon/holder.c daemon/holder.h daemon/holder-agent.c \
	daemon/holder-listen.c daemon/holder-spare.c \
	daemon/hproto.h
daemon_agentd_holder_LDADD = lib/libagd.a $(UTIL_LIBS)
