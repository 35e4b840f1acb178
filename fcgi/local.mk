sbin_PROGRAMS += fcgi/agentd-fcgi
fcgi_agentd_fcgi_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) \
	$(LIBGIT2_CFLAGS) $(YAML_CFLAGS)
fcgi_agentd_fcgi_LDADD = $(AGD_LIBS) $(FCGI_LIBS) $(LIBGIT2_LIBS) $(YAML_LIBS) -lpthread
fcgi_agentd_fcgi_SOURCES = \
	fcgi/api.h \
	fcgi/api.c \
	fcgi/ctl.c \
	fcgi/query.c \
	fcgi/reply.c \
	fcgi/request.c \
	fcgi/route.c \
	fcgi/refusal.c \
	fcgi/home.c \
	fcgi/multipart.c \
	fcgi/path.c \
	fcgi/api-directories.c \
	fcgi/api-files.c \
	fcgi/api-skills.c \
	fcgi/api-upload.c \
	fcgi/api-audit.c \
	fcgi/api-session-approval.c fcgi/api-session-limits.c \
	fcgi/api-session-debrief.c \
	fcgi/api-session-diff.c \
	fcgi/api-metrics.c \
	fcgi/metrics.c \
	fcgi/api-world.c \
	fcgi/api-session-complete.c \
	fcgi/api-session-create.c \
	fcgi/api-session-delete.c \
	fcgi/api-session-get.c \
	fcgi/api-session-input.c \
	fcgi/api-session-list.c \
	fcgi/api-session-message.c \
	fcgi/api-session-output.c \
	fcgi/api-session-reset.c \
	fcgi/api-session-send.c \
	fcgi/api-worker-clear.c \
	fcgi/api-session-messages.c \
	fcgi/api-session-resize.c \
	fcgi/api-machines.c \
	fcgi/api-me.c \
	fcgi/api-worker-dispatch.c \
	fcgi/api-worker-list.c
