# The dashboard's browser tests (web/, issue 16): headless chromium driven by
# puppeteer-core (t/lib/DashTest.pm, t/browser/), skipped without chromium.
AGD_T_WEB_TESTS = t/76-dash.t t/77-dash-roles.t t/78-dash-claude.t
TESTS += $(AGD_T_WEB_TESTS)
EXTRA_DIST += $(AGD_T_WEB_TESTS) t/lib/DashTest.pm t/browser/dash-harness.mjs \
	t/browser/dash-session.mjs t/browser/dash-roles.mjs t/browser/dash-claude.mjs
