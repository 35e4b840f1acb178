#!/usr/bin/perl
# Fault injection (issue 13, SQLite's discipline): the daemon, built with
# --enable-fault-injection, is started with AGD_FAULT=KIND:N[:K] (lib/fault.h) and
# run through a create / message / output / delete cycle; N walks over the calls
# of the cycle. For every fault:
#   write, disk, fork, step  survivable: the daemon lives, every reply is a 2xx or
#                 a clear JSON error, and once the fault is over (the same daemon,
#                 the fault's calls used up) a new cycle works;
#   malloc        not survivable by design (xmalloc aborts with a level=fatal line):
#                 the agents live on in their holders, and the next daemon adopts
#                 them with nothing of their output lost.
# No byte the daemon acknowledged to a holder may be missing from the log: the
# agent's output ("print N") is checked byte for byte, in the faulted cycle too
# whenever its message was answered 200. No agent may outlive its session: after
# each kind, every holder of the stack belongs to a live session. The log is small
# (log_max_bytes 64 KiB) so that its rotations are in the walk.
# A full disk that stays full, then frees: the daemon acknowledges nothing the log
# refused, says so in its log, and records it all once the log takes it again - in
# the same daemon, or in the next one.
# Skipped unless the build has the hooks (--enable-fault-injection; CI builds its
# sanitizer pass and its valgrind pass with them).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use Time::HiRes qw(time sleep);

AgentdTest->require_stack;
my $mk = AgentdTest::builddir() . '/Makefile';
open(my $fh, '<', $mk) or plan skip_all => "no $mk";
plan skip_all => 'built without --enable-fault-injection'
    unless grep { /^CPPFLAGS = .*-DAGD_FAULT_INJECTION/ } <$fh>;
close($fh);

my $t = AgentdTest->new(conf => { log_max_bytes => 65536 },
    # Injected faults are logged as the failures they stand for; malloc's is fatal.
    expect_log => [qr/level=warn/, qr/level=fatal .*msg="x\w+: out of memory/]);
my $chunk = join('', 'a' .. 'z') x 2521;
my $PRINT = 20000;
my $want = substr($chunk, 0, $PRINT) . "\r\nprinted $PRINT\r\n";
my $cycle = 0;
# The call numbers walked: every one, from the first call of each kind to past its
# last in a cycle (the walk stops at the first that does not fire). Under valgrind
# (every daemon start takes seconds) a sample of them over the same range.
my $vg = $ENV{TEST_AGENTD_VALGRIND};
my @walk = $vg ? (1, 3, 8, 21, 55) : (1 .. 500);
my @mwalk = $vg ? (50, 1000) : (50, 200, 1000);
my @pids;		# the agents of the cycles of one kind

sub fault_log { my $l = AgentdTest::_slurp($t->log_path('daemon')); return $l }

# Wait until the daemon's log after offset $from matches $re; 1 if it did.
sub wait_log {
	my ($from, $re, $secs) = @_;
	return eval { $t->wait_for(sub { substr(fault_log(), $from) =~ $re }, $secs, "log $re");
	    1 } // 0;
}

# The stack's holders (agentd-holder processes with a socket under its HOME;
# a spare taken by a session names only the directory, one still waiting is named
# agentd-spare and is no session's).
sub holders {
	my $dir = $t->home . '/run/h';
	opendir(my $d, '/proc') or return ();
	my @h = grep { /^\d+$/ && do { my $c = AgentdTest::_slurp("/proc/$_/cmdline");
	    $c =~ /^agentd-holder\0/ && index($c, $dir) >= 0 &&
	    AgentdTest::_slurp("/proc/$_/comm") !~ /^agentd-spare/ } } readdir($d);
	return @h;
}

# Holders beyond the live sessions (an orphaned agent has one), once that settles.
sub stray_holders {
	my ($n, @live);
	eval { $t->wait_for(sub {
		my ($s, $j) = $t->get('/api/agents/sessions');
		@live = grep { $_->{status} =~ /^(running|starting)$/ } @{ref $j ? $j : []};
		($n = holders() - @live) <= 0 }, 15, 'holders of live sessions only') };
	if ($n > 0) {
		diag('live: ' . join(' ', map { "$_->{name}($_->{status})" } @live));
		for my $pid (holders()) {
			(my $c = AgentdTest::_slurp("/proc/$pid/cmdline")) =~ tr/\0/ /;
			diag("holder $pid: " . substr($c, 0, 80));
		}
	}
	return $n;
}

# Restart the daemon with AGD_FAULT=$spec (or none).
sub restart_with {
	my ($spec) = @_;
	$t->kill_daemon('TERM');
	local $ENV{AGD_FAULT} = $spec if defined $spec;
	delete $ENV{AGD_FAULT} if !defined $spec;
	return eval { $t->start_daemon; 1 };
}

# A reply that is fine under a fault: success, or a clear JSON error from agentd.
sub clear {
	my ($s, $j) = @_;
	return 1 if $s >= 200 && $s < 300;
	return $s >= 400 && $s != 502 && $s != 504 && ref $j eq 'HASH' && $j->{code};
}

# One cycle; under a fault every step may fail, but clearly. Returns the
# session's name if it was created (and left running: $keep), whether all of it
# worked, the replies that were not clear, and 1 if the message was answered 200
# but its output did not come whole.
sub run_cycle {
	my (%o) = @_;
	my $n = 'f' . ++$cycle;
	my ($ok, $bad, $lost) = (1, 0, 0);
	my ($s, $j) = $t->create(name => $n, $o{stream} ? (transport => 'stream') : ());
	$bad++ if !clear($s, $j);
	return ($n, 0, $bad, 0) if $s != 201;
	push @pids, $j->{pid} if $j->{pid};
	($s, $j) = $t->message($n, "print $PRINT");
	$bad++ if !clear($s, $j);
	$ok = 0 if $s != 200;
	if ($s == 200) {
		my $out = eval { $t->wait_output($n, qr/printed $PRINT/, 10) } // '';
		$lost = index($out, $want) < 0 ? 1 : 0;
		$ok = 0 if $lost;
	}
	return ($n, $ok, $bad, $lost) if $o{keep};
	($s, $j) = $t->del("/api/agents/sessions/$n");
	$bad++ if !clear($s, $j);
	$ok = 0 if $s != 200;
	return ($n, $ok, $bad, $lost);
}

my ($walked, $fired) = (0, 0);
# write/stream: the write fault over a stream session's cycle (pipes: every byte
# of its input goes through the holder as HP_INPUT, where a tty session's is
# written to the terminal by the daemon itself once it has it).
for my $walk (qw(write write/stream disk fork step)) {
	my ($kind, $stream) = split m{/}, $walk;
	@pids = ();
	for my $n (@walk) {
		my $spec = "$kind:$n" . ($stream ? ' (stream)' : '');
		my $before = length fault_log();
		ok(restart_with("$kind:$n"), "$spec: the daemon starts") or next;
		$walked++;
		my (undef, undef, $bad, $lost) = run_cycle(stream => $stream);
		my $hit = index(substr(fault_log(), $before), "fault: $kind call $n") >= 0;
		$fired++ if $hit;
		ok(kill(0, $t->daemon_pid) && eval { $t->ctl_call({ op => 'ping' })->{status} == 200 },
		    "$spec: the daemon lives" . ($hit ? ' (fault fired)' : ''));
		is($bad, 0, "$spec: every reply a success or a clear error");
		# write too: the input on the connection the fault broke is sent again
		# on the next one, from what the holder says it took (HP_INPUTACK).
		is($lost, 0, "$spec: a message answered 200 has its output whole");
		last if !$hit;		# past the last call of its kind in a cycle
		# The fault is spent: the same daemon works again, nothing lost.
		my ($name, $ok) = run_cycle(stream => $stream);
		ok($ok, "$spec: after the fault, a whole cycle works, output byte-exact");
	}
	# An agent whose session the daemon gave up on while it runs is an orphan (a
	# holder broken before it had the session's secret ends its agent itself).
	my @orphans = grep { kill(0, $_) } @pids;
	is(scalar(@orphans), 0, "$walk: no agent of a deleted session left running");
	is(stray_holders(), 0, "$walk: every holder belongs to a live session");
	for my $pid (@orphans) {
		# Its holder waits for a daemon that no longer knows it: it goes too.
		my ($ppid) = (AgentdTest::_slurp("/proc/$pid/stat") =~ /^\d+ \(.*?\) \S (\d+)/);
		kill('KILL', -$pid);
		kill('KILL', $ppid) if $ppid && $ppid > 1;
	}
}

# Persistent faults (K = 0: every call from N on) until the daemon is restarted:
# a full disk and a full database. The agent keeps running; what it wrote while
# the log could not grow must be there after the disk has room again.
for my $kind (qw(disk step)) {
	ok(restart_with(undef), "$kind:persistent: a clean daemon");
	my ($name) = run_cycle(keep => 1);
	my $pid = $t->session($name)->{pid};
	ok(restart_with("$kind:1:0"), "$kind:1:0: the daemon starts");
	my $before = length fault_log();
	my ($s, $j) = $t->message($name, "print $PRINT");
	ok(clear($s, $j), "$kind:1:0: message answered clearly ($s)");
	ok(wait_log($before, qr/fault: $kind call/, 10), "$kind:1:0: the fault fired");
	if ($kind eq 'disk') {
		my $re = qr/level=warn .*msg="session $name: cannot write its output log: No space left/;
		ok(wait_log($before, $re, 10), 'disk:1:0: the refused output is logged as an error');
	}
	ok(kill(0, $t->daemon_pid), "$kind:1:0: the daemon lives");
	ok(restart_with(undef), "$kind: the fault is over");
	my $out = eval { $t->wait_output($name, qr/printed $PRINT.*printed $PRINT/s, 10) } // '';
	my $copies = () = $out =~ /\Q$want\E/g;
	is($copies, $s == 200 ? 2 : 1, "$kind: no byte lost across the fault");
	is($t->session($name)->{pid}, $pid, "$kind: the same agent");
	($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "$kind: delete after the fault");
}

# A disk that is full for a while, then has room, under the same daemon: the
# output waits in the holder (unacknowledged) and is recorded whole, in order,
# once the log takes it; the log says when it stopped and when it went on.
{
	ok(restart_with(undef), 'disk:recovery: a clean daemon');
	my ($name) = run_cycle(keep => 1);
	my $spec = 'disk:1:6';
	ok(restart_with($spec), "$spec: the daemon starts");
	my $before = length fault_log();
	my ($s) = $t->message($name, "print $PRINT");
	is($s, 200, "$spec: message accepted");
	my $out = eval { $t->wait_output($name, qr/printed $PRINT.*printed $PRINT/s, 20) } // '';
	my $copies = () = $out =~ /\Q$want\E/g;
	is($copies, 2, "$spec: the output the log refused came whole once it had room");
	my $log = substr(fault_log(), $before);
	like($log, qr/level=warn .*msg="session $name: cannot write its output log: No space left/,
	    "$spec: the daemon logged the refused output");
	like($log, qr/session $name: output log written again/, "$spec: and the recovery");
	ok(kill(0, $t->daemon_pid), "$spec: the same daemon");
	($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "$spec: delete");
}

# malloc: the daemon exits on exhaustion (by design); its agents do not.
ok(restart_with(undef), 'malloc: a clean daemon');
$t->{expect_exit}{daemon} = 1;	# the harness: its exits are the point here
my ($mname) = run_cycle(keep => 1);
my $mpid = $t->session($mname)->{pid};
for my $n (@mwalk) {
	my $before = length fault_log();
	restart_with("malloc:$n");
	$walked++;
	$t->message($mname, "print $PRINT");
	$t->create(name => "m$n");
	# Alive after the cycle: the fault is past it; else it exits (its fatal line).
	wait_log($before, qr/level=fatal .*msg="x\w+: out of memory/, 10)
	    if !eval { $t->ctl_call({ op => 'ping' })->{status} == 200 };
	my $log = substr(fault_log(), $before);
	my $died = $log =~ /level=fatal .*msg="x\w+: out of memory/;
	$fired++ if $died;
	ok(restart_with(undef), "malloc:$n: " . ($died ? 'the daemon exited cleanly; ' : '') .
	    'a new daemon starts');
	ok(kill(0, $mpid), "malloc:$n: the agent survived");
	my $d = $t->session($mname);
	is($d && $d->{status}, 'running', "malloc:$n: re-adopted, running");
	$t->del("/api/agents/sessions/m$n");
}
my $out = $t->wait_output($mname, qr/printed $PRINT/, 10);
ok(index($out, $want) >= 0, 'malloc: the output written around the exits is whole');
my ($s) = $t->del("/api/agents/sessions/$mname");
is($s, 200, 'malloc: delete');
diag("faults: $walked settings walked, $fired fired");
$t->done;
