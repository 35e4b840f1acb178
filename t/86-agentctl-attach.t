#!/usr/bin/perl
# agentctl attach driven inside tmux (send-keys, capture-pane): typing into a
# shell session, detach with C-b d, a message sent while detached seen on
# re-attach, nginx restarted mid-attach with nothing lost or repeated,
# --read-only, and a viewer (auth_basic, credentials from ~/.netrc) who
# watches but cannot type.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest qw(wait_until);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'tmux not found' unless grep { -x "$_/tmux" } split(/:/, $ENV{PATH} // '');

my $SH = q{sh -c 'PS1="sh> " exec sh -i'};
my $t = AgentdTest->new(agents => { sh => $SH });
my $ctl = AgentdTest::builddir() . '/ctl/agentctl';
my $sock = "agentctl-t-$$";
my @TMUX = ('tmux', '-L', $sock, '-f', '/dev/null');

sub tmux { system(@TMUX, @_) == 0 or die "tmux @_ failed\n" }
# The pane's text, with its history.
sub pane { my $s = qx{tmux -L $sock capture-pane -p -J -S - -t ctl}; return $s }
sub wait_pane {
	my ($re, $what, $timeout) = @_;
	my $s;
	eval { wait_until(sub { $s = pane(); $s =~ $re }, $timeout // 15, $what) };
	if ($@) {
		fail($what);
		diag("the pane:\n" . pane());
		die $@;
	}
	pass($what);
	return $s;
}
# Type a line into the pane (literally), then Enter.
sub type_line {
	tmux('send-keys', '-t', 'ctl', '-l', $_[0]);
	tmux('send-keys', '-t', 'ctl', 'Enter');
}
sub clear_pane { type_line('clear'); tmux('clear-history', '-t', 'ctl') }

END { system(@TMUX, 'kill-server') if defined $sock; }

# The outer pane: a plain shell with a prompt of its own, the stack's URL in its environment.
tmux('new-session', '-d', '-s', 'ctl', '-x', '120', '-y', '40',
    "env -u AGENTD_HOME AGENTD_TOKEN=" . $t->token . " AGENTD_URL=http://127.0.0.1:" . $t->port
    . " PS1='outer\$ ' sh");
tmux('set-option', '-g', 'history-limit', '10000');
tmux('set-option', '-g', 'status', 'off');
wait_pane(qr/outer\$ /, 'the outer shell runs in tmux');

my ($rc, $out, $err) = $t->agentctl({}, 'new', 'sh1', '-t', 'sh', '-d', $t->workdir);
is($rc, 0, 'a shell session') or diag($err);
$t->wait_output('sh1', qr/sh> /);

# --- type into the session and see its output ----------------------------------------------
type_line("$ctl attach sh1");
wait_pane(qr/^sh>\s*$/m, 'attach: the session\'s prompt');
type_line('echo typed-$((2+3))');
wait_pane(qr/^typed-5$/m, 'attach: keys typed reach the shell, its output comes back');
$t->wait_output('sh1', qr/^typed-5\r?$/m);
pass('the session itself got the keys');
my $s = $t->session('sh1');
is("$s->{cols}x$s->{rows}", '120x40', 'attach: the session took the window size');
tmux('resize-window', '-t', 'ctl', '-x', '100', '-y', '30');
wait_until(sub { my $x = $t->session('sh1'); "$x->{cols}x$x->{rows}" eq '100x30' }, 10,
    'the resize');
pass('SIGWINCH: a resize');

# --- detach, a message while detached, re-attach ---------------------------------------------
tmux('send-keys', '-t', 'ctl', 'C-b', 'd');
wait_pane(qr/\[detached from sh1\]\s*\n(?:.*\n)*?outer\$ /,
    'C-b d detaches back to the outer shell');
($rc) = $t->agentctl({}, 'send', 'sh1', 'echo while-$((3+4))');
is($rc, 0, 'send while detached');
$t->wait_output('sh1', qr/^while-7\r?$/m);
clear_pane();
wait_until(sub { pane() !~ /while|typed/ }, 10, 'the pane to clear');
type_line("$ctl attach sh1");
wait_pane(qr/^while-7$/m, 're-attach: what happened meanwhile is there');

# --- nginx restarted mid-attach: the attach resumes with nothing lost or repeated --------
type_line('for i in $(seq 1 60); do echo line-$i; sleep 0.05; done; echo loop-$((10*10))');
wait_pane(qr/^line-5$/m, 'the loop prints');
$t->restart_nginx;
my $p = wait_pane(qr/^loop-100$/m, 'after the restart the rest of the output arrives', 30);
like($p, qr/\[agentctl: connection lost, reconnecting\]/, 'the connection did drop');
like($p, qr/\[agentctl: reconnected\]/, 'and was resumed');
my %n;
$n{$1}++ while $p =~ /^line-(\d+)$/mg;
is_deeply([map { $n{$_} // 0 } 1 .. 60], [(1) x 60],
    'every line exactly once: no gap, no duplicate');
type_line('echo after-$((5+6))');
wait_pane(qr/^after-11$/m, 'typing works again after the reconnect');

# --- --read-only and a custom prefix ------------------------------------------------------------
tmux('send-keys', '-t', 'ctl', 'C-b', 'd');
wait_pane(qr/\[detached from sh1\]\s*\n(?:.*\n)*?outer\$\s*$/m, 'detached again');
clear_pane();
type_line("AGENTCTL_PREFIX=C-a $ctl attach sh1 --read-only");
wait_pane(qr/^after-11$/m, 'attach --read-only shows the session');
type_line('echo ro-$((1+1))');
($rc) = $t->agentctl({}, 'send', 'sh1', 'echo marker-$((2*4))');
wait_pane(qr/^marker-8$/m, 'the read-only attach follows the output');
unlike($t->output('sh1'), qr/ro-/, '--read-only: the keys were not sent');
tmux('send-keys', '-t', 'ctl', 'C-b', 'd');
tmux('send-keys', '-t', 'ctl', 'C-a', 'd');
wait_pane(qr/\[detached from sh1\]\s*\n(?:.*\n)*?outer\$\s*$/m,
    'AGENTCTL_PREFIX=C-a: C-a d detaches');

# --- world: a refreshing view; q quits ---------------------------------------------------------
clear_pane();
type_line("$ctl world -n 1");
wait_pane(qr/^sh1\s+sh\s+standalone\s+running\s/m, 'world: the live agents');
($rc) = $t->agentctl({}, 'new', 'w2', '-t', 'fake', '-d', $t->workdir, '-p', 'world task');
is($rc, 0, 'a second session');
wait_pane(qr/^w2\s+fake\s+standalone\s+running\s.*world task/m, 'world redraws: the new one');
wait_pane(qr/^agents 2\b/m, 'world: the totals follow');
tmux('send-keys', '-t', 'ctl', 'q');
wait_pane(qr/^outer\$\s*$/m, 'q quits world');
($rc) = $t->agentctl({}, 'kill', 'w2');
is($rc, 0, 'kill the second session');

# --- the session ends: attach says so and exits ------------------------------------------------
clear_pane();
type_line("$ctl attach sh1");
wait_pane(qr/^marker-8$/m, 'attached once more');
type_line('exit 0');
wait_pane(qr/\[agentctl: sh1 has ended\]\s*\n(?:.*\n)*?outer\$\s*$/m,
    'the session ending ends the attach');
$t->stop;

# --- a viewer's attach cannot type ------------------------------------------------------------
my $a = AgentdTest->new(auth => 'basic', agents => { sh => $SH }, conf => {
	auth => 'proxy', viewers => 'alice', operators => 'bob',
});
open(my $fh, '>', $a->home . '/htpasswd') or die;
print $fh "alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\n";
close($fh);
chmod(0644, $a->home . '/htpasswd');
my $ah = $a->home . '/alice';
mkdir $ah or die;
open($fh, '>', "$ah/.netrc") or die;
print $fh "machine 127.0.0.1 login alice password alice-pw\n";
close($fh);
chmod(0600, "$ah/.netrc");

($rc, $out, $err) = $a->agentctl({}, 'ls');
is($rc, 1, 'auth stack without credentials: an API error');
like($err, qr/\(401 unauthenticated\)/, 'the 401 JSON message');
($rc, $out, $err) = $a->agentctl({}, '--user', 'bob:bob-pw', 'new', 'v1', '-t', 'sh', '-d',
    $a->workdir);
is($rc, 0, 'bob (operator, --user) creates') or diag($err);
($rc) = $a->agentctl({ env => { HOME => $ah } }, 'ls');
is($rc, 0, 'alice lists with the credentials of ~/.netrc');
($rc, $out, $err) = $a->agentctl({ env => { HOME => $ah } }, 'send', 'v1', 'echo no');
is($rc, 1, 'alice cannot send');
like($err, qr/\(403 /, 'a 403');
# The session's output, read as bob.
sub v1_output {
	my (undef, $o) = $a->agentctl({}, '--user', 'bob:bob-pw', 'logs', 'v1', '--raw');
	return $o;
}
wait_until(sub { v1_output() =~ /sh> / }, 10, 'the prompt of v1');

clear_pane();
type_line("AGENTD_TOKEN= HOME=$ah AGENTD_URL=http://127.0.0.1:" . $a->port . " $ctl attach v1");
wait_pane(qr/^sh>\s*$/m, 'alice attaches (netrc on the WebSocket too) and sees the session');
type_line('echo alice-$((4+4))');
wait_pane(qr/\[agentctl: [^\]]*(?:viewer|operator|refused|forbidden)[^\]]*\]/i,
    'the server refuses her keys, and attach says so');
($rc) = $a->agentctl({}, '--user', 'bob:bob-pw', 'send', 'v1', 'echo bob-$((5+5))');
wait_pane(qr/^bob-10$/m, 'alice sees what bob makes the session print');
unlike(v1_output(), qr/alice-/, 'nothing alice typed reached the session');
tmux('send-keys', '-t', 'ctl', 'C-b', 'd');
wait_pane(qr/\[detached from v1\]/, 'alice detaches');
system(@TMUX, 'kill-server');
undef $sock;
$a->done;
