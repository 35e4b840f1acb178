# agentctl: the command-line client (issue #17).  It talks to nginx over HTTP
# (libcurl) and WebSocket (wslay framing) like a remote user; it does not link
# libagd.a, so it builds and runs on a machine without the daemon.
bin_PROGRAMS += ctl/agentctl
ctl_agentctl_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(LIBCRYPTO_CFLAGS)
ctl_agentctl_LDADD = $(CURL_LIBS) $(JSONC_LIBS) $(WSLAY_LIBS) $(LIBCRYPTO_LIBS)
ctl_agentctl_SOURCES = \
	ctl/agentctl.h \
	ctl/agentctl.c \
	ctl/util.c \
	ctl/http.c \
	ctl/ws.c \
	ctl/stream.c \
	ctl/attach.c \
	ctl/cmd-session.c \
	ctl/cmd-diff.c \
	ctl/cmd-follow.c \
	ctl/cmd-world.c

man_MANS = ctl/agentctl.1
bashcompdir = $(datadir)/bash-completion/completions
EXTRA_DIST += ctl/agentctl.1 ctl/agentctl.bash-completion

# The completion is installed under the command's name, as bash-completion
# looks it up.
install-data-local: install-ctl-completion
uninstall-local: uninstall-ctl-completion
.PHONY: install-ctl-completion uninstall-ctl-completion
install-ctl-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompdir)'
	$(INSTALL_DATA) '$(srcdir)/ctl/agentctl.bash-completion' '$(DESTDIR)$(bashcompdir)/agentctl'
uninstall-ctl-completion:
	rm -f '$(DESTDIR)$(bashcompdir)/agentctl'
