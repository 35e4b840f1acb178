package Browser;

# Browser tests: a Perl test starts the stack (AgentdTest, with www => to serve
# its pages through the stack's nginx) and runs a Node script that drives
# Debian's chromium with puppeteer-core (t/browser/lib/harness.js). The script
# prints TAP; each of its lines becomes a test of the Perl file.
#
#	use Browser;
#	Browser->require_browser;	# before the plan: skip unless it can run here
#	my $t = AgentdTest->new(www => { '/t/' => Browser->pages,
#	    '/t/xterm/' => Browser->module('@xterm/xterm') });
#	Browser->run($t, 'terminal.js', AGENTD_WORKDIR => $t->workdir);
#	$t->done;
#
# The npm packages (t/browser/package.json and its lock file) are installed by
# t/browser/install, which ./bootstrap check runs, into a cache directory. A
# missing chromium, node or install makes the file skip, unless
# AGENTD_REQUIRE_BROWSER=1 (CI), where it is a failure.
#
# The script gets AGENTD_URL, AGENTD_TOKEN, AGENTD_SHOTS (screenshots, default
# BUILDDIR/t/browser-shots/TEST/), CHROMIUM if set, NODE_PATH (the installed
# node_modules) and what run() is given.
use strict;
use warnings;

use File::Basename qw(basename);
use File::Path qw(make_path);
use IO::Select;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time);

use AgentdTest;

# The longest a browser script may run (it waits for the stack, page by page).
my $RUN_TIMEOUT = 180;

sub _install { AgentdTest->srcdir . '/t/browser/install' }

# The cache directory the packages are installed in.
sub dir {
	my $d = `'${\ _install()}' --dir`;
	chomp $d;
	return $d;
}

# The directory of the test pages (t/browser).
sub pages { AgentdTest->srcdir . '/t/browser' }

# The installed directory of an npm package, e.g. @xterm/xterm.
sub module { my (undef, $name) = @_; return dir() . "/node_modules/$name" }

sub _which {
	my ($prog) = @_;
	for my $d (split(/:/, $ENV{PATH} // ''), '/usr/bin', '/usr/lib/chromium') {
		return "$d/$prog" if $d ne '' && -x "$d/$prog";
	}
	return undef;
}

# Why the browser tests cannot run here, or undef.
sub missing {
	return 'node not found (Debian package nodejs)' unless _which('node');
	return 'chromium not found (Debian package chromium)'
	    unless ($ENV{CHROMIUM} && -x $ENV{CHROMIUM}) || _which('chromium');
	my $inst = _install();
	return "the npm packages are not installed (run t/browser/install)"
	    if system("'$inst' --check >/dev/null 2>&1") != 0;
	return undef;
}

# Call before the plan: skip the file unless a browser test can run here.
sub require_browser {
	my $why = missing();
	return unless defined $why;
	BAIL_OUT("browser tests: $why") if $ENV{AGENTD_REQUIRE_BROWSER};
	plan skip_all => $why;
}

# Run t/browser/SCRIPT against stack t with more environment; its TAP lines
# become tests here, then one test that it finished (exit 0, its plan seen).
sub run {
	my (undef, $t, $script, %env) = @_;
	my $actions = delete $env{ACTIONS} // {};
	local $SIG{PIPE} = 'IGNORE';	# a script gone while an action ran: no answer
	my $path = pages() . "/$script";
	my $shots = $ENV{AGENTD_SHOTS} //
	    AgentdTest->builddir . '/t/browser-shots/' . basename($0, '.t');
	make_path($shots);
	my %child = (
		AGENTD_URL => 'http://127.0.0.1:' . $t->port,
		AGENTD_TOKEN => $t->token // '',
		AGENTD_SHOTS => $shots,
		NODE_PATH => dir() . '/node_modules',
		%env,
	);
	pipe(my $r, my $w) or die "Browser: pipe: $!\n";
	pipe(my $cr, my $cw) or die "Browser: pipe: $!\n";
	my $pid = fork;
	die "Browser: fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		close $r;
		close $cw;
		POSIX::setsid();
		$ENV{$_} = $child{$_} for keys %child;
		open(STDIN, '<&', $cr) or POSIX::_exit(127);
		open(STDOUT, '>&', $w) or POSIX::_exit(127);
		open(STDERR, '>&', $w) or POSIX::_exit(127);
		exec('node', $path) or POSIX::_exit(127);
	}
	close $w;
	close $cr;
	$cw->autoflush(1);
	my ($plan, $buf, $last_failed) = (undef, '', 0);
	my $sel = IO::Select->new($r);
	# A longer script (the dashboard's, t/lib/DashTest.pm) sets its own.
	my $deadline = time + ($ENV{AGENTD_BROWSER_RUN_TIMEOUT} || $RUN_TIMEOUT);
	my $line = sub {
		my ($l) = @_;
		if ($l =~ /^# ACTION (\w+)$/) {
			# What the script asks of the stack (ACTIONS => {NAME => sub}),
			# answered on its standard input when done.
			my $ok = $actions->{$1} && eval { $actions->{$1}->(); 1 };
			diag("action $1: " . ($@ || 'unknown')) unless $ok;
			print $cw ($ok ? 'done' : 'failed') . " $1\n";
		} elsif ($l =~ /^ok \d+ - .*?# SKIP\s*(.*)$/) {
			$last_failed = 0;
			SKIP: { skip($1, 1) }
		} elsif ($l =~ /^(not )?ok \d+ - (.*)$/) {
			$last_failed = defined $1;
			ok(!$last_failed, $2);
		} elsif ($l =~ /^1\.\.(\d+)$/) {
			$plan = $1;
		} elsif ($l =~ /^# ?(.*)$/) {
			$last_failed ? diag($1) : note($1);
		} elsif ($l =~ /\S/) {
			diag("$script: $l");
		}
	};
	while (time < $deadline) {
		next unless $sel->can_read($deadline - time);
		my $n = sysread($r, $buf, 65536, length $buf);
		last if !$n;
		$line->($1) while $buf =~ s/^([^\n]*)\n//;
	}
	$line->($buf) if length $buf;
	my $timed_out = time >= $deadline;
	if ($timed_out) {
		kill 'KILL', -$pid;
		kill 'KILL', $pid;
	}
	close $cw;
	waitpid($pid, 0);
	my $st = $?;
	close $r;
	ok(!$timed_out && $st == 0 && defined $plan, "browser script $script finished")
	    or diag($timed_out ? "timed out" : "exit status $st, "
	    . (defined $plan ? "plan 1..$plan" : 'no plan'));
	return $st;
}

1;
