#!/usr/bin/perl
# Holder sockets accept only the daemon (issue 12, item 3), and a lost holder is
# found again while it lives (issue 13, item 7): a same-uid process that connects to
# HOME/run/h/ID.sock hears nothing and cannot type, and the daemon keeps its own
# connection; a listener someone put at the path is not adopted (it hears nothing,
# not even after a hello); a holder whose socket the restarted daemon cannot reach
# at first is re-adopted once it can, instead of being recorded as lost.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use IO::Socket::UNIX;
use IO::Select;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);

AgentdTest->require_stack;
$SIG{PIPE} = "IGNORE";
my $t = AgentdTest->new;
$t->expect_log(qr/is not its holder .*not adopted/);

my ($s, $j) = $t->create(name => 'held');
is($s, 201, 'create held');
$t->wait_output('held', qr/fake-agent pid=/);
my $home = $t->home;
my ($sock) = glob("$home/run/h/*.sock");
my ($id) = $sock =~ m{/(\d+)\.sock$};
ok(defined $id, "the holder socket ($sock)");

# The secret: 0600 in the session directory, not on the holder's command line.
my $kf = "$home/sessions/$id/holder";
my @st = stat($kf);
is($st[2] & 07777, 0600, 'the holder secret file is 0600');
my ($hpid, $key) = AgentdTest::_slurp($kf) =~ /^(\d+) ([0-9a-f]{64})$/;
ok($hpid && kill(0, $hpid), "it names the live holder ($hpid)");
my $cmdline = AgentdTest::_slurp("/proc/$hpid/cmdline");
unlike($cmdline, qr/\Q$key\E/, 'the secret is not on the holder command line');
unlike(AgentdTest::_slurp("/proc/$hpid/environ"), qr/\Q$key\E/, '... nor in its environment');

sub frame { my ($type, $p) = @_; return pack('N', length($p) + 1) . chr($type) . $p }
# What arrives on $c within $secs: (bytes, 1 if the peer closed).
sub heard {
	my ($c, $secs) = @_;
	my $sel = IO::Select->new($c);
	my $buf = '';
	my $deadline = time + $secs;
	while ((my $left = $deadline - time) > 0) {
		last unless $sel->can_read($left);
		my $n = sysread($c, $buf, 65536, length $buf);
		return ($buf, 1) unless $n;
	}
	return ($buf, 0);
}

# --- a same-uid intruder on the holder socket ------------------------------------------------
my $in = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $sock);
ok($in, 'a same-uid process connects to the holder socket');
my ($got) = heard($in, 1);
is(length $got, 0, 'it hears nothing (no hello, no output)');
syswrite($in, frame(12, "intruder-typed\r"));
syswrite($in, frame(16, 'x' x 32));
syswrite($in, frame(12, "intruder-again\r"));
($got) = heard($in, 1);
is(length $got, 0, 'still nothing after its frames');
close $in;
($s) = $t->message('held', 'still-mine');
is($s, 200, 'the daemon still has the session');
$t->wait_output('held', qr/got: still-mine/);
pass('and its connection to the holder');
unlike($t->output('held'), qr/intruder/, 'the intruder could not type');
is($t->session('held')->{status}, 'running', 'the session runs');

# --- a forged listener at the path while the daemon restarts ---------------------------------
$t->kill_daemon('TERM');
kill 'STOP', $hpid;		# it would take its path back within a second
unlink $sock;
my $forged = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $sock, Listen => 4)
    or die "forged listener: $!";
$t->start_daemon;
my $sel = IO::Select->new($forged);
ok($sel->can_read(5), 'the restarted daemon dials the forged listener');
my $c = $forged->accept;
syswrite($c, frame(1, pack('L l l l Q Q', 1, $$, $$, 0, 0, 0)));
my ($heard, $closed) = heard($c, 1.5);
is(length $heard, 0, 'the forged listener hears nothing, even after its hello');
ok($closed, 'the daemon hung up on it');
close $c;
close $forged;
unlink $sock;
kill 'CONT', $hpid;
$t->wait_for(sub { $t->daemon_pid && grep { /re-adopted/ } _log() }, 20,
    'the daemon to re-adopt the real holder');
($s) = $t->message('held', 'after-forgery');
is($s, 200, 'message after the forgery');
$t->wait_output('held', qr/got: after-forgery/);
pass('the real holder was re-adopted');
is($t->session('held')->{status}, 'running', 'the session runs');

sub _log { return split(/\n/, AgentdTest::_slurp($t->log_path('daemon'))) }

# --- a holder the restarted daemon cannot reach at first -------------------------------------
$t->kill_daemon('TERM');
kill 'STOP', $hpid;
rename($sock, "$sock.away") or die "rename: $!";
my $before = () = grep { /re-adopted/ } _log();
$t->start_daemon;
sleep 1.5;			# the daemon has found no socket, and tried again
kill 'CONT', $hpid;		# the holder binds its path again
$t->wait_for(sub { (() = grep { /re-adopted/ } _log()) > $before }, 20,
    'the daemon to find the holder again');
is($t->session('held')->{status}, 'running', 'a holder unreachable for a while is not lost');
($s) = $t->message('held', 'found-again');
is($s, 200, 'message after it was found again');
$t->wait_output('held', qr/got: found-again/);
pass('the agent is reached');
unlink "$sock.away";
ok(!grep({ /holder_lost|the agent is lost/ } _log()), 'no holder was recorded lost');

$t->done;
