#!/usr/bin/perl
# The spare holder (daemon/spawn-spare.c, daemon/holder-spare.c): the daemon
# keeps one agentd-holder started ahead (agentd-holder -z, named agentd-spare
# while it waits), and a create hands it the session instead of waiting for a
# holder's exec. Taken, it is the session's holder, and another spare starts;
# one killed is not used (the create starts a holder as before); the spares end
# with the daemon, also when it is killed. The holder itself refuses a bad start
# and ends, with nothing started, when its socket ends first.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use IO::Handle;
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC);
use POSIX qw(WNOHANG);

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $home = $t->home;

sub comm { my $c = AgentdTest::_slurp("/proc/$_[0]/comm"); chomp $c; $c }
# Alive: there, and not a zombie waiting for its parent.
sub alive { my ($st) = AgentdTest::_slurp("/proc/$_[0]/stat") =~ /\) (\S)/; $st && $st ne 'Z' }
sub ppid_of { (AgentdTest::_slurp("/proc/$_[0]/stat") =~ /\) \S (\d+)/)[0] // 0 }
# The daemon's spares: its children named agentd-spare.
sub spares {
	my $d = $t->daemon_pid;
	opendir(my $dh, '/proc') or return ();
	return grep { /^\d+$/ && ppid_of($_) == $d && comm($_) eq 'agentd-spare' } readdir($dh);
}
sub one_spare {
	my ($what, $not) = @_;
	my @s;
	$t->wait_for(sub { @s = grep { !$not || $_ != $not } spares(); @s == 1 }, 15, $what);
	return $s[0];
}
# The holder of a session: its agent's parent.
sub holder_of { ppid_of($t->session($_[0])->{pid} // 0) }

# 1. A spare waits before the first create; the create takes it.
my $spare = one_spare('a spare holder before the first create');
like(AgentdTest::_slurp("/proc/$spare/cmdline"), qr/^agentd-holder\0-z\0\Q$home\E\/run\/h\0$/,
    'the spare: agentd-holder -z HOME/run/h');
my ($s) = $t->create(name => 'sp1');
is($s, 201, 'create sp1');
$t->wait_output('sp1', qr/fake-agent pid=/);
is(holder_of('sp1'), $spare, 'sp1 is held by the spare started ahead');
is(comm($spare), 'agentd-holder', 'taken, the spare is named agentd-holder');
my $next = one_spare('another spare after the create', $spare);
isnt($next, $spare, "another spare ($next)");
($s) = $t->message('sp1', 'hello spare');
is($s, 200, 'sp1 takes a message');
$t->wait_output('sp1', qr/got: hello spare/);
pass('sp1 runs as any session does');

# 2. A spare that died is not used: the create starts its holder itself.
kill 'KILL', $next;
$t->wait_for(sub { !alive($next) }, 10, 'the killed spare gone');
($s) = $t->create(name => 'sp2');
is($s, 201, 'create sp2 after its spare was killed');
$t->wait_output('sp2', qr/fake-agent pid=/);
my $h2 = holder_of('sp2');
ok($h2 && $h2 != $next && alive($h2), "sp2 has a holder of its own ($h2)");
my $again = one_spare('a spare again');
ok($again, "and a spare waits again ($again)");

# 3. The holder alone: a start it cannot take ends it; a socket that ends first too.
my $holder = AgentdTest->builddir . '/daemon/agentd-holder';
sub spare_run {
	my ($bytes, $what) = @_;
	socketpair(my $a, my $b, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		close $a;
		POSIX::dup2(fileno($b), 3) or POSIX::_exit(99);
		open(STDERR, '>', '/dev/null');
		exec($holder, '-z', "$home/run/h") or POSIX::_exit(98);
	}
	close $b;
	syswrite($a, $bytes) if defined $bytes;
	close $a;
	my $got;
	$t->wait_for(sub { waitpid($pid, WNOHANG) == $pid && defined($got = $?) }, 10,
	    "the spare given $what to end");
	return $got;
}
is(spare_run(undef, 'nothing'), 0, 'a spare whose socket ends first: exit 0');
isnt(spare_run(pack('LLL', 1, 0, 3) . "ab\0", 'one argument'), 0,
    'a start of fewer than two arguments: refused');
isnt(spare_run(pack('LLL', 2, 0, 5) . "ab\0cd", 'an unended string'), 0,
    'a start whose last string does not end: refused');
isnt(spare_run(pack('LLL', 3, 0, 6) . "ab\0cd\0", 'fewer strings than it says'), 0,
    'a start with fewer strings than it says: refused');
isnt(spare_run(pack('LLL', 2, 0, 0xffffffff), 'a huge size'), 0,
    'a start larger than the bound: refused');
is(spare_run(pack('LLL', 2, 0, 6) . "ab", 'a cut start'), 0,
    'a start cut short by the socket\'s end: exit 0, nothing started');

# 4. Killed, the daemon's spare ends with it.
$spare = one_spare('the spare before the daemon is killed');
$t->kill_daemon('KILL');
$t->wait_for(sub { !alive($spare) }, 10, 'the spare to end with its daemon');
pass('the spare ended with its killed daemon');
$t->start_daemon;
one_spare('a spare from the new daemon');
pass('the new daemon has its spare');
for my $n (qw(sp1 sp2)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
