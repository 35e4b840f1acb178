#!/usr/bin/perl
# A process that puts its own listener where a session's holder socket was is
# connected to by a restarting daemon.  Its oversized DATA frame must be refused
# and logged, not copied onto the daemon's stack (issue #13, item 2).  Since the
# holders' keys (issue #12) the daemon refuses a listener that is not the
# holder's pid before it reads a byte (t/42); without the key file (a session
# of an older agentd) it connects by path as before, and then the frame's
# length is what protects it: the key file is removed here to reach that check.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Socket::UNIX;
use IO::Select;
use POSIX qw(_exit);
use Socket qw(SOCK_STREAM);
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(expect_log => [qr/bad frame from holder|session forged/]);

my ($s, $j) = $t->create(name => 'forged');
is($s, 201, 'create a session');
$t->wait_output('forged', qr/fake-agent pid=/);
my @socks = glob($t->home . '/run/h/*.sock');
is(scalar @socks, 1, 'one holder socket');
my $path = $socks[0];

# The real holder takes its path back (it checks every second): stopped while
# the forged one is there, or a daemon slow to start connects to it instead.
my ($holder) = (`cat /proc/$j->{pid}/stat` =~ /^\d+ \(.*?\) \S (\d+)/);
kill('STOP', $holder) if $holder && $holder > 1;
$t->kill_daemon('KILL');
my @keys = glob($t->home . '/sessions/*/holder');
is(scalar @keys, 1, "the holder's key file");
unlink(@keys) or die "unlink: $!";
rename($path, "$path.real") or die "rename: $!";
my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 1)
    or die "listen: $!";

sub frame { my ($type, $payload) = @_; pack('N', 1 + length $payload) . chr($type) . $payload }

my $child = fork // die "fork: $!";
if ($child == 0) {
	alarm(60);	# never hang the suite: a daemon that does not come fails the test
	my $c = $l->accept or _exit(1);
	# HELLO: version 1, the agent's pid and group, running, nothing held.
	syswrite($c, frame(1, pack('L l l l Q Q', 1, $j->{pid}, $j->{pid}, 0, 0, 0)));
	my $buf = '';
	my $sel = IO::Select->new($c);
	while (length($buf) < 13 && $sel->can_read(20)) {
		sysread($c, $buf, 13 - length $buf, length $buf) or last;
	}
	# DATA at offset 0: 512 KiB, well within the frame limit but 8 times
	# what a holder ever sends.
	syswrite($c, frame(2, pack('NN', 0, 0) . ('A' x (512 * 1024))));
	# Wait for the daemon to drop us (or to die).
	while ($sel->can_read(20)) {
		last unless sysread($c, $buf, 65536);
	}
	_exit(0);
}
close($l);
$t->start_daemon;
my $pid = $t->daemon_pid;
waitpid($child, 0);
is($? >> 8, 0, 'the forged holder was connected to and dropped');
kill('CONT', $holder) if $holder && $holder > 1;
ok(kill(0, $pid), 'the daemon is alive after the oversized frame');
($s) = $t->get('/api/agents/sessions');
is($s, 200, 'REST answers');
# The daemon may log after it closed the connection: wait for the line.
ok(eval { $t->wait_for(sub { -s $t->log_path('daemon') &&
    AgentdTest::_slurp($t->log_path('daemon')) =~ /bad frame from holder \(524297 bytes\)/ },
    10, 'the refusal logged') }, 'the refusal is logged: bad frame from holder (524297 bytes)');

# The session was given up for the forged holder; the real holder (the agent's
# parent) and the agent still run: end them so nothing is left behind.  (That a
# daemon forgets a live holder is issue #13 item 7, tested on its own.)
unlink($path);
kill('KILL', -$j->{pid});
kill('KILL', $holder) if $holder && $holder > 1;
$t->wait_for(sub { !kill(0, -$j->{pid}) && !($holder && kill(0, $holder)) }, 10,
    'the real holder and agent to end');
$t->done;
