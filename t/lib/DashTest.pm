package DashTest;

# The dashboard's browser tests (t/76-78): t/lib/Browser.pm runs one script of
# t/browser/ (t/browser/dash-harness.mjs: puppeteer-core from t/browser/install
# driving headless chromium) against a stack of AgentdTest, and passes its TAP
# lines on to Test::More.
#
#	DashTest::require_browser();		# skip without chromium/node/npm install
#	my $t = AgentdTest->new(...);
#	DashTest::run($t, 'dash-session.mjs', KEY => VALUE, ...);
#
# The extra KEY => VALUE pairs go to the script's environment as DASH_KEY;
# DASH_WORKDIR is the stack's work directory.  ACTIONS => {NAME => sub} are
# what the script may ask of the stack (dash-harness.mjs's action(NAME)).  Screenshots go to
# BUILDDIR/t/browser-shots/TEST/ (AGENTD_SHOTS overrides).

use strict;
use warnings;
use AgentdTest;
use Browser;
use Test::More;

# How long one dashboard script may run: a whole user session, page by page,
# on a shared machine (Browser.pm's default is for a single page).
my $RUN_TIMEOUT = 900 + ($ENV{DASH_SOAK_S} || 0);	# and the soak asked for (t/76)

sub require_browser {
	Browser->require_browser;
	# Not a skip once node is there: "make" builds the bundle before the tests.
	my $b = AgentdTest::builddir();
	BAIL_OUT("$b/web/dist/index.html is missing: build first (make)")
	    unless -f "$b/web/dist/index.html";
}

# Run t/browser/SCRIPT against $t; every "ok"/"not ok" line is a test here.
sub run {
	my ($t, $script, %env) = @_;
	local $ENV{AGENTD_BROWSER_RUN_TIMEOUT} = $RUN_TIMEOUT;
	my $actions = delete $env{ACTIONS};
	Browser->run($t, $script, DASH_WORKDIR => $t->workdir, ACTIONS => $actions,
	    map { ("DASH_$_" => $env{$_}) } keys %env);
}

1;
