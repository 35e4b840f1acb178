# Reverse-proxy authentication, roles and audit (issue: auth), through nginx.
AGD_T_AUTH_TESTS = t/79-auth-local.t t/80-auth-basic.t t/81-auth-request.t t/82-state-dir.t t/83-auth-snippets.t t/84-small-boundaries.t
TESTS += $(AGD_T_AUTH_TESTS)
EXTRA_DIST += $(AGD_T_AUTH_TESTS) t/bin/fake-auth \
	conf/auth/none.http.conf conf/auth/none.server.conf \
	conf/auth/basic.http.conf conf/auth/basic.server.conf \
	conf/auth/request.http.conf conf/auth/request.server.conf \
	conf/auth/cert.http.conf conf/auth/cert.server.conf
