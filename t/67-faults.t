#!/usr/bin/perl
# Fault injection (issue 13, SQLite's discipline): the daemon, built with
# --enable-fault-injection, is started with AGD_FAULT=KIND:N[:K] (lib/fault.h) and
# run through a create / message / output / delete cycle; N walks over the calls
# of the cycle. For every fault:
#   write, disk, fork, step  survivable: the daemon lives, every reply is a 2xx or
#                 a clear JSON error, and once the fault is over (the same daemon,
#                 the fault's calls used up) a new cycle works;
#   malloc        not survivable by design (xmalloc aborts with a "fatal:" line):
#                 the agents live on in their holders, and the next daemon adopts
#                 them with nothing of their output lost.
# No byte the daemon acknowledged to a holder may be missing from the log: the
# agent's output ("print N") is checked byte for byte after the fault.
# Skipped unless the build has the hooks (the CI sanitizer pass turns them on).
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

my $t = AgentdTest->new(
    # Injected faults are logged as the failures they stand for; malloc's is fatal.
    expect_log => [qr/warning:/, qr/fatal: x\w+: out of memory/]);
my $chunk = join('', 'a' .. 'z') x 2521;
my $PRINT = 20000;
my $want = substr($chunk, 0, $PRINT) . "\r\nprinted $PRINT\r\n";
my $cycle = 0;
my @pids;		# the agents of the cycles of one kind

sub fault_log { my $l = AgentdTest::_slurp($t->log_path('daemon')); return $l }

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
# session's name if it was created (and left running: $keep), and whether all
# of it worked.
sub run_cycle {
	my (%o) = @_;
	my $n = 'f' . ++$cycle;
	my ($ok, $bad) = (1, 0);
	my ($s, $j) = $t->create(name => $n);
	$bad++ if !clear($s, $j);
	return ($n, 0, $bad) if $s != 201;
	push @pids, $j->{pid} if $j->{pid};
	($s, $j) = $t->message($n, "print $PRINT");
	$bad++ if !clear($s, $j);
	$ok = 0 if $s != 200;
	if ($s == 200) {
		my $out = eval { $t->wait_output($n, qr/printed $PRINT/, 5) } // '';
		$ok = 0 if index($out, $want) < 0;
	}
	return ($n, $ok, $bad) if $o{keep};
	($s, $j) = $t->del("/api/agents/sessions/$n");
	$bad++ if !clear($s, $j);
	$ok = 0 if $s != 200;
	return ($n, $ok, $bad);
}

my ($walked, $fired) = (0, 0);
for my $kind (qw(write disk fork step)) {
	@pids = ();
	for my $n (1, 2, 3, 5, 8, 13, 21, 34, 55) {
		my $spec = "$kind:$n";
		my $before = length fault_log();
		ok(restart_with($spec), "$spec: the daemon starts") or next;
		$walked++;
		my (undef, undef, $bad) = run_cycle();
		my $hit = index(substr(fault_log(), $before), "fault: $kind call $n") >= 0;
		$fired++ if $hit;
		ok(kill(0, $t->daemon_pid) && eval { $t->ctl_call({ op => 'ping' })->{status} == 200 },
		    "$spec: the daemon lives" . ($hit ? ' (fault fired)' : ''));
		is($bad, 0, "$spec: every reply a success or a clear error");
		last if !$hit;		# past the last call of its kind in a cycle
		# The fault is spent: the same daemon works again, nothing lost.
		my ($name, $ok) = run_cycle();
		ok($ok, "$spec: after the fault, a whole cycle works, output byte-exact");
	}
	# An agent whose session the daemon gave up on while it runs is an orphan.
	my @orphans = grep { kill(0, $_) } @pids;
	TODO: {
		local $TODO = 'a lost holder is not re-adopted yet (issue 13, finding 7)'
		    if $kind eq 'write';
		is(scalar(@orphans), 0, "$kind: no agent left running outside a session");
	}
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
	my ($s, $j) = $t->message($name, "print $PRINT");
	ok(clear($s, $j), "$kind:1:0: message answered clearly ($s)");
	sleep 1;
	ok(kill(0, $t->daemon_pid), "$kind:1:0: the daemon lives");
	ok(restart_with(undef), "$kind: the fault is over");
	my $out = eval { $t->wait_output($name, qr/printed $PRINT.*printed $PRINT/s, 10) } // '';
	my $copies = () = $out =~ /\Q$want\E/g;
	TODO: {
		local $TODO = 'output the log could not take is acknowledged and lost (issue 13)'
		    if $kind eq 'disk';
		is($copies, $s == 200 ? 2 : 1, "$kind: no byte lost across the fault");
	}
	is($t->session($name)->{pid}, $pid, "$kind: the same agent");
	($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "$kind: delete after the fault");
}

# malloc: the daemon exits on exhaustion (by design); its agents do not.
ok(restart_with(undef), 'malloc: a clean daemon');
$t->{expect_exit}{daemon} = 1;	# the harness: its exits are the point here
my ($mname) = run_cycle(keep => 1);
my $mpid = $t->session($mname)->{pid};
for my $n (50, 200, 1000) {
	my $before = length fault_log();
	restart_with("malloc:$n");
	$walked++;
	$t->message($mname, "print $PRINT");
	$t->create(name => "m$n");
	sleep 1;
	my $log = substr(fault_log(), $before);
	my $died = $log =~ /fatal: x\w+: out of memory/;
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
