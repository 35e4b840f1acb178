# What `make install` puts outside the programs: gen-nginx with the nginx
# templates it reads from its own directory, in $(pkgdatadir) (its auth/
# snippets in $(pkgdatadir)/auth), and the commented example configuration in
# $(sysconfdir)/agentd (agentd reads HOME/agentd.conf, -f or $AGENTD_CONF:
# copy it there).
dist_pkgdata_SCRIPTS = conf/gen-nginx
dist_pkgdata_DATA = conf/nginx.conf.in conf/agentd-locations.conf.in conf/agentd-web.conf.in \
	doc/openapi.json

agdauthdir = $(pkgdatadir)/auth
dist_agdauth_DATA = \
	conf/auth/none.http.conf conf/auth/none.server.conf \
	conf/auth/basic.http.conf conf/auth/basic.server.conf \
	conf/auth/request.http.conf conf/auth/request.server.conf \
	conf/auth/cert.http.conf conf/auth/cert.server.conf

agdexampledir = $(sysconfdir)/agentd
dist_agdexample_DATA = conf/agentd.conf.example

# `make install` also installs agentd.conf itself in $(sysconfdir)/agentd when
# there is none (the example, whose values are the defaults); an existing
# one is never touched, and uninstall removes it only while it is the example.
install-data-local: install-agentd-conf
uninstall-local: uninstall-agentd-conf
.PHONY: install-agentd-conf uninstall-agentd-conf
install-agentd-conf:
	$(MKDIR_P) '$(DESTDIR)$(agdexampledir)'
	test -e '$(DESTDIR)$(agdexampledir)/agentd.conf' || \
	    $(INSTALL_DATA) '$(srcdir)/conf/agentd.conf.example' '$(DESTDIR)$(agdexampledir)/agentd.conf'
uninstall-agentd-conf:
	if cmp -s '$(srcdir)/conf/agentd.conf.example' '$(DESTDIR)$(agdexampledir)/agentd.conf'; \
	    then rm -f '$(DESTDIR)$(agdexampledir)/agentd.conf'; fi

# Manual pages of the daemon, the handlers and the configuration (agentctl(1)
# is ctl/'s).
dist_man_MANS = doc/agentd.8 doc/agentd-fcgi.8 doc/agentd-holder.8 doc/agentd.conf.5

# systemd units (README, "Operations"), made from conf/systemd/*.service.in
# with the install's paths; the state directory is $(localstatedir)/lib/agentd.
# ./configure --with-systemdsystemunitdir=DIR (the Debian package: /lib/systemd/
# system); by default $(prefix)/lib/systemd/system, which systemd also reads
# for /usr/local.
systemdsystemunit_DATA = conf/systemd/agentd.service conf/systemd/agentd-fcgi.service
EXTRA_DIST += conf/systemd/agentd.service.in conf/systemd/agentd-fcgi.service.in
CLEANFILES += $(systemdsystemunit_DATA)
AGENTD_STATE = $(localstatedir)/lib/agentd
agd_unit_subst = $(SED) -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@AGENTD_STATE[@]|$(AGENTD_STATE)|g'
conf/systemd/agentd.service: $(srcdir)/conf/systemd/agentd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && $(agd_unit_subst) \
	    $(srcdir)/conf/systemd/agentd.service.in > $@.tmp && mv $@.tmp $@
conf/systemd/agentd-fcgi.service: $(srcdir)/conf/systemd/agentd-fcgi.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && $(agd_unit_subst) \
	    $(srcdir)/conf/systemd/agentd-fcgi.service.in > $@.tmp && mv $@.tmp $@

# The installation directories, as make install uses them (t/06-install.t).
.PHONY: print-install-dirs
print-install-dirs:
	@printf '%s=%s\n' prefix '$(prefix)' bindir '$(bindir)' sbindir '$(sbindir)' \
	    libexecdir '$(libexecdir)' sysconfdir '$(sysconfdir)' pkgdatadir '$(pkgdatadir)' \
	    mandir '$(mandir)' systemdsystemunitdir '$(systemdsystemunitdir)' \
	    localstatedir '$(localstatedir)'
