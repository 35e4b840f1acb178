# The dashboard (web/, README "The dashboard"): static files built with esbuild
# from the npm packages pinned in web/package-lock.json (web/build-web installs
# them into a cache directory, never into the source tree) into web/dist of the
# build tree, which nginx serves (conf/agentd-web.conf.in).  The bundle is not
# committed.  Without node and npm, configure says so and the bundle is not
# built (the browser tests then skip).
AGD_WEB_FILES = \
	web/package.json web/package-lock.json web/build.mjs web/build-web \
	web/src/index.html web/src/app.css web/src/main.js web/src/api.js \
	web/src/dom.js web/src/fleet.js web/src/session.js web/src/term.js \
	web/src/changes.js web/src/new.js web/src/workers.js web/src/audit.js
EXTRA_DIST += $(AGD_WEB_FILES) web/README.md
webdir = $(pkgdatadir)/web

if HAVE_WEB
AGD_WEB_BUNDLE = web/dist/BUILD
endif
all-local: $(AGD_WEB_BUNDLE)
web/dist/BUILD: $(AGD_WEB_FILES)
	$(AM_V_GEN)$(SHELL) $(srcdir)/web/build-web $(srcdir)/web web/dist

install-data-local: install-web
uninstall-local: uninstall-web
clean-local: clean-web
.PHONY: install-web uninstall-web clean-web
install-web: $(AGD_WEB_BUNDLE)
	if test -f web/dist/BUILD; then \
	    $(MKDIR_P) '$(DESTDIR)$(webdir)' && \
	    for f in web/dist/*; do $(INSTALL_DATA) "$$f" '$(DESTDIR)$(webdir)/' || exit 1; done; \
	fi
uninstall-web:
	rm -rf '$(DESTDIR)$(webdir)'
clean-web:
	rm -rf web/dist web/dist.tmp
