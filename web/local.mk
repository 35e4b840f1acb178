# The dashboard (web/, README "The dashboard"): static files built with esbuild
# from the npm packages pinned in web/package-lock.json (web/build-web installs
# them into a cache directory, never into the source tree) into web/dist of the
# build tree, which nginx serves (conf/agentd-web.conf.in).  The bundle is not
# committed; the release tarball carries it (dist-hook below), and configure
# takes that one without node and npm, or with AGENTD_WEB_PREBUILT=yes (the
# Debian package).  With neither, configure says so and there is no dashboard
# (the browser tests then skip).
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
if WEB_PREBUILT
AGD_WEB_BUNDLE = web-prebuilt
endif
all-local: $(AGD_WEB_BUNDLE)
web/dist/BUILD: $(AGD_WEB_FILES)
	$(AM_V_GEN)$(SHELL) $(srcdir)/web/build-web $(srcdir)/web web/dist

# True in a build in the source tree, where web/dist is the source's.
agd_web_in_tree = test "$$(cd '$(srcdir)' && pwd -P)" = "$$(pwd -P)"

# The shipped bundle: in the source tree it is web/dist already; a VPATH build
# copies it (writable: distcheck's source tree is read-only).
.PHONY: web-prebuilt
web-prebuilt:
	@if ! $(agd_web_in_tree) && ! cmp -s '$(srcdir)/web/dist/BUILD' web/dist/BUILD; then \
	    echo "  CP       web/dist (shipped)"; \
	    rm -rf web/dist web/dist.tmp && $(MKDIR_P) web && \
	    cp -R '$(srcdir)/web/dist' web/dist.tmp && chmod -R u+w web/dist.tmp && \
	    mv web/dist.tmp web/dist; \
	fi

install-data-local: install-web
uninstall-local: uninstall-web
clean-local: clean-web
maintainer-clean-local: maintainer-clean-web
.PHONY: install-web uninstall-web clean-web maintainer-clean-web dist-web
install-web: $(AGD_WEB_BUNDLE)
	if test -f web/dist/BUILD; then \
	    $(MKDIR_P) '$(DESTDIR)$(webdir)' && \
	    for f in web/dist/*; do case $$f in */SHIPPED) continue;; esac; \
	        $(INSTALL_DATA) "$$f" '$(DESTDIR)$(webdir)/' || exit 1; done; \
	fi
uninstall-web:
	rm -rf '$(DESTDIR)$(webdir)'
# In the source tree of a release, web/dist is a distributed file (as configure
# is): only maintainer-clean removes it there.
clean-web:
	rm -rf web/dist.tmp
	if ! $(agd_web_in_tree) || test ! -f '$(srcdir)/web/dist/SHIPPED'; then rm -rf web/dist; fi
maintainer-clean-web:
	rm -rf web/dist web/dist.tmp

# The release tarball carries the bundle (built here with node and npm, or the
# shipped one), so that a machine without node, npm or the npm registry still
# installs the dashboard.  SHIPPED marks it as the tarball's (clean-web).
dist-hook: dist-web
dist-web: $(AGD_WEB_BUNDLE)
	@test -f web/dist/BUILD || { echo "make dist: no dashboard bundle in web/dist" \
	    "(configure found no node and npm): the tarball would have no dashboard" >&2; exit 1; }
	rm -rf '$(distdir)/web/dist'
	$(MKDIR_P) '$(distdir)/web/dist'
	for f in web/dist/*; do cp -p "$$f" '$(distdir)/web/dist/' || exit 1; done
	echo 'the dashboard bundle of the release tarball (web/local.mk, dist-web)' \
	    > '$(distdir)/web/dist/SHIPPED'
