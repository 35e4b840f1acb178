#!/usr/bin/perl
# The browser test of issue 15, item 3: a minimal page of our own that uses
# xterm.js the way the seed source's web UI does (t/browser/terminal.html),
# served by the stack's nginx and opened in Debian's chromium through
# puppeteer-core (t/browser/terminal.js): the output is in the terminal byte for
# byte, typed keys reach the agent, resize, the exit frame, the close reasons.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Browser;
use Test::More;

AgentdTest->require_stack;
Browser->require_browser;
my $fake = AgentdTest->fake_agent;
(my $bin = $fake) =~ s{/[^/]+\z}{};
my $t = AgentdTest->new(
	# The fake agent is exec'd by sh, not named as the program: the sandbox binds
	# back only the program's own directory, and a tree under /tmp (a CI clone, the
	# sanitizer mirror) is hidden otherwise.
	conf => { sandbox_bind => $bin },
	agents => {
		# red text and a UTF-8 character split across two writes, then the fake agent
		web => qq{sh -c 'printf "\\033[31mRED\\033[0m plain A\\303"; sleep 0.2; }
		    . qq{printf "\\251B\\n"; exec $fake default'},
	},
	www => { '/t/' => Browser->pages, '/t/xterm/' => Browser->module('@xterm/xterm') },
);

# The page and its terminal are served by the stack's nginx.
my ($s, undef, $h) = $t->get('/t/terminal.html');
is($s, 200, 'the test page is served');
like($h->{'content-type'} // '', qr{^text/html}, 'as HTML');
($s) = $t->get('/t/xterm/lib/xterm.js');
is($s, 200, 'xterm.js from npm is served');

Browser->run($t, 'terminal.js', AGENTD_WORKDIR => $t->workdir);
$t->done;
