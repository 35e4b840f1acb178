package DashTest;

# The dashboard's browser tests (t/76-78): run one script of t/browser/ in
# headless chromium (puppeteer-core) against a stack of AgentdTest, and pass
# its TAP lines on to Test::More.
#
#	DashTest::require_browser();		# skip_all without chromium/node/bundle
#	my $t = AgentdTest->new(...);
#	DashTest::run($t, 't/browser/dash-session.mjs', KEY => VALUE, ...);
#
# The extra KEY => VALUE pairs go to the script's environment as DASH_KEY.
# Screenshots go to BUILDDIR/t/screenshots (TEST_DASH_SHOTS overrides).

use strict;
use warnings;
use AgentdTest;
use Test::More;

my $CHROMIUM = $ENV{CHROMIUM} // (grep { -x } '/usr/bin/chromium', '/usr/bin/chromium-browser')[0];
my $MODULES;

sub require_browser {
	my $b = AgentdTest::builddir();
	my $s = AgentdTest::srcdir();
	plan skip_all => 'chromium not found' unless $CHROMIUM;
	plan skip_all => 'node not found' unless grep { -x "$_/node" } split(/:/, $ENV{PATH});
	# Not a skip once node is there: "make" builds the bundle before the tests.
	BAIL_OUT("$b/web/dist/index.html is missing: build first (make)")
	    unless -f "$b/web/dist/index.html";
	$MODULES = `sh '$s/web/build-web' --modules '$s/web' 2>&1`;
	chomp $MODULES;
	BAIL_OUT("web/build-web --modules failed: $MODULES") unless -d $MODULES;
}

sub shots_dir { $ENV{TEST_DASH_SHOTS} // AgentdTest::builddir() . '/t/screenshots' }

# Run t/browser/SCRIPT against $t; every "ok"/"not ok" line is a test here.
sub run {
	my ($t, $script, %env) = @_;
	local %ENV = (%ENV, DASH_BASE => 'http://127.0.0.1:' . $t->port,
	    DASH_NODE_MODULES => $MODULES, DASH_SHOTS => shots_dir(),
	    DASH_WORKDIR => $t->workdir, CHROMIUM => $CHROMIUM,
	    map { ("DASH_$_" => $env{$_}) } keys %env);
	my $path = AgentdTest::srcdir() . "/$script";
	open(my $fh, '-|', 'node', $path) or die "DashTest: node $path: $!\n";
	my $n = 0;
	while (my $line = <$fh>) {
		chomp $line;
		if ($line =~ /^(not )?ok - (.*)$/) {
			ok(!$1, $2);
			$n++;
		} elsif ($line =~ /^# ?(.*)$/) {
			diag($1);
		} else {
			diag("node: $line");
		}
	}
	close($fh);
	my $rc = $? >> 8;
	ok($n > 0 && $rc == 0, "$script ran ($n checks, exit $rc)");
}

1;
