# What `make install` puts outside the programs: gen-nginx with the nginx
# templates it reads from its own directory, in $(pkgdatadir) (its auth/
# snippets in $(pkgdatadir)/auth), and the commented example configuration in
# $(sysconfdir)/agentd (agentd reads HOME/agentd.conf, -f or $AGENTD_CONF:
# copy it there).
dist_pkgdata_SCRIPTS = conf/gen-nginx
dist_pkgdata_DATA = conf/nginx.conf.in conf/agentd-locations.conf.in conf/agentd-web.conf.in

agdauthdir = $(pkgdatadir)/auth
dist_agdauth_DATA = \
	conf/auth/none.http.conf conf/auth/none.server.conf \
	conf/auth/basic.http.conf conf/auth/basic.server.conf \
	conf/auth/request.http.conf conf/auth/request.server.conf \
	conf/auth/cert.http.conf conf/auth/cert.server.conf

agdexampledir = $(sysconfdir)/agentd
dist_agdexample_DATA = conf/agentd.conf.example
