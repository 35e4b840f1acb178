#!/usr/bin/perl
# The storm (issue 13): many WebSocket viewers on a few flooding sessions connect,
# send input, resize, stop reading for a while and hang up at random moments - a
# clean close, a TCP reset (SO_LINGER 0), a half-open shutdown(SHUT_WR) that stays
# open unread, or a peer that goes silent (no FIN, nothing read) - while
# REST creates, messages and deletes other sessions and the daemon is kill -9ed
# and restarted twice. Then: the daemon always came back, every viewer that stayed
# got the agents' output byte for byte (reconnecting with since across the
# restarts), every viewer that left had a correct prefix of it, the daemon holds
# the same descriptors as before, and the teardown checks (no sanitizer or valgrind
# report, no warning line, no process left) pass.
#
# Bounded: each phase has a deadline, the whole run stops by itself. 200 viewers
# at once; TEST_AGENTD_VALGRIND=1: a sixth of the output - memcheck runs the daemon
# some 20 times slower, and every viewer, every kind of hang-up and both kill -9
# restarts are still in - for time. TEST_STORM_SEED=N replays a run (the seed is
# printed).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;
use IO::Select;
use Socket qw(SOL_SOCKET SO_LINGER SHUT_WR);
use Time::HiRes qw(time sleep);

AgentdTest->require_stack;
my $vg = $ENV{TEST_AGENTD_VALGRIND};
my $seed = $ENV{TEST_STORM_SEED} // int(rand(2**31));
srand($seed);
diag("storm seed $seed (TEST_STORM_SEED=$seed replays it)");

my $NSESS = 5;				# flooding sessions
my $NVIEW = 200;			# viewers at any time
my $LINES = $vg ? 1000 : 6000;		# lines each flooding agent writes
my $HELD = 40;				# half-open and silent peers kept open at once
my $STAYERS = 2;			# viewers per session that stay to the end
my $PAD = 'x' x 60;

# Writes $LINES numbered lines, 100 at a time with a pause (so it floods through
# both restarts), then an end marker, then waits to be deleted. No echo: input
# from viewers is not output.
my $flood = q{sh -c 'stty -echo; i=0; while [ $i -lt } . $LINES . q{ ]; do } .
    q{echo "storm $i } . $PAD . q{"; i=$((i+1)); case $i in *00) sleep 0.1;; esac; done; } .
    q{echo storm-end; exec sleep 600'};
my $t = AgentdTest->new(agents => { flood => $flood },
    # Every viewer is the test's one user: its cap (64 by default) would refuse most.
    conf => { max_sessions => 64, ws_max_per_user => 1000 });
my $port = $t->port;
my $expected = join('', map { "storm $_ $PAD\r\n" } 0 .. $LINES - 1) . "storm-end\r\n";

sub daemon_fds {
	my $pid = $t->daemon_pid or return -1;
	opendir(my $d, "/proc/$pid/fd") or return -1;
	my $n = grep { /^\d+$/ } readdir($d);
	return $n;
}

my $fds_before = daemon_fds();
my @names = map { "storm$_" } 1 .. $NSESS;
for my $n (@names) {
	my ($s) = $t->create(name => $n, agentType => 'flood');
	is($s, 201, "create $n");
}
# Input sent before the agent's stty -echo would be echoed into its output: the
# crowd comes once every agent has written its first line.
$t->wait_output($_, qr/storm 0 /, 30) for @names;

# A viewer: {name, ws, since, got (tty bytes since seq 0, if from 0), last seq,
# stay, pause_until, leave_at, how}.
my @viewers;
my $sel = IO::Select->new;
my %by_fh;
my ($connected, $left, $resets, $halfs, $silents, $closes, $inputs, $resizes, $bad) = (0) x 9;
my @held;			# sockets of peers that hung up half or went silent
my ($refused, $peak) = (0, 0);	# upgrades that failed (a restart); most viewers at once

sub connect_viewer {
	my ($v) = @_;
	my $q = "format=binary" . (defined $v->{since} ? "&since=$v->{since}" : '');
	my ($ws) = eval { WSClient->connect(port => $port, path => "/api/agents/sessions/$v->{name}?$q") };
	if (!$ws) {
		$refused++;
		return 0;
	}
	$v->{ws} = $ws;
	$v->{hello} = 0;
	$sel->add($ws->socket);
	$by_fh{fileno $ws->socket} = $v;
	$connected++;
	return 1;
}

# Its socket closed, or with keep left open and never read again (the oldest of
# those closed once HELD are open).
sub drop_viewer {
	my ($v, $keep) = @_;
	return if !$v->{ws};
	$sel->remove($v->{ws}->socket);
	delete $by_fh{fileno $v->{ws}->socket};
	if ($keep) {
		push @held, $v->{ws}->socket;
		close(shift @held) while @held > $HELD;
	} else {
		close($v->{ws}->socket);
	}
	$v->{ws} = undef;
}

sub new_viewer {
	my ($name, $stay) = @_;
	my $v = { name => $name, stay => $stay, stayer => $stay, got => '', last => 0 };
	# Stayers and a third of the others replay from the start; the rest join live.
	$v->{since} = ($stay || rand() < 0.3) ? 0 : undef;
	$v->{from0} = defined $v->{since};
	$v->{leave_at} = $stay ? 1e18 : time + 0.2 + rand(6);
	$v->{how} = (qw(close reset half silent))[int(rand(4))];
	return $v if !connect_viewer($v);
	push @viewers, $v;
	# Most say something at once: a hang-up may follow right behind it.
	if (!$stay && rand() < 0.6) {
		$v->{ws}->send_json({ type => 'input', data => "hi$connected" });
		$inputs++;
	}
	if (!$stay && rand() < 0.2) {
		$v->{ws}->send_json({ type => 'resize', cols => 80 + int(rand(50)), rows => 24 });
		$resizes++;
	}
	return $v;
}

# Frames that arrived for v: check seqs, gather tty bytes.
sub take_frames {
	my ($v) = @_;
	my $ws = $v->{ws};
	while (my $f = $ws->recv_frame(0)) {
		if ($f->{op} == 8) {
			return 0;
		} elsif ($f->{op} == 2) {
			my $seq = unpack('Q>', substr($f->{data}, 0, 8));
			if ($v->{last} && $seq != $v->{last} + 1) {
				$bad++;
				diag("$v->{name}: seq $seq after $v->{last}") if $bad < 5;
			}
			$v->{last} = $seq;
			$v->{got} .= substr($f->{data}, 8) if $v->{from0};
		} elsif ($f->{op} == 1) {
			my $m = eval { JSON::PP->new->utf8->decode($f->{data}) } or next;
			if ($m->{type} eq 'hello') {
				$v->{hello} = 1;
			} elsif (defined $m->{seq}) {
				$bad++ if $v->{last} && $m->{seq} != $v->{last} + 1;
				$v->{last} = $m->{seq};
			}
			if ($m->{type} eq 'resync') {
				$bad++;
				diag("$v->{name}: resync");
			}
		}
	}
	return 1;
}

# One round of the event loop: read what is there, act on the schedule.
sub pump {
	my ($secs) = @_;
	my $until = time + $secs;
	while (time < $until) {
		for my $fh ($sel->can_read(0.02)) {
			my $v = $by_fh{fileno $fh} or next;
			next if $v->{pause_until} && time < $v->{pause_until};
			my $n = sysread($fh, $v->{ws}{buf}, 1 << 16, length $v->{ws}{buf});
			if (!$n || !take_frames($v)) {
				take_frames($v) if $n;
				drop_viewer($v);
				$v->{lost} = time;	# the daemon went, or closed us
			}
		}
		my $now = time;
		for my $v (@viewers) {
			next if !$v->{ws};
			if ($now >= $v->{leave_at}) {
				my $fh = $v->{ws}->socket;
				if ($v->{how} eq 'reset') {
					setsockopt($fh, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
					$resets++;
				} elsif ($v->{how} eq 'half') {
					shutdown($fh, SHUT_WR);
					$halfs++;
				} elsif ($v->{how} eq 'silent') {
					$silents++;
				} else {
					$v->{ws}->send_raw(WSClient::frame(8, pack('n', 1000)));
					$closes++;
				}
				drop_viewer($v, $v->{how} eq 'half' || $v->{how} eq 'silent');
				$v->{done} = 1;
				$left++;
				next;
			}
			next if $v->{stay} || rand() > 0.01;
			my $r = rand();
			if ($r < 0.4) {
				$v->{ws}->send_json({ type => 'input', data => "in$connected" });
				$inputs++;
			} elsif ($r < 0.7) {
				$v->{ws}->send_json({ type => 'resize', cols => 60 + int(rand(100)),
				    rows => 20 + int(rand(40)) });
				$resizes++;
			} else {
				$v->{pause_until} = $now + rand(1.5);	# stop reading a while
			}
		}
		# Keep the crowd at NVIEW: who left is replaced.
		my $live = grep { $_->{ws} } @viewers;
		new_viewer($names[int(rand(@names))], 0) for $live .. $NVIEW - 1;
		$live = grep { $_->{ws} } @viewers;
		$peak = $live if $live > $peak;
	}
}

# Stayers whose connection went (a daemon restart) come back with since.
sub reconnect_stayers {
	my ($deadline) = @_;
	for my $v (grep { $_->{stay} && !$_->{ws} } @viewers) {
		$v->{since} = $v->{last};
		until (connect_viewer($v)) {
			if (time > $deadline) {
				fail("a stayer of $v->{name} reconnects");
				return;
			}
			sleep 0.1;
		}
	}
}

# REST churn: create, message and delete sessions of their own.
my ($churn, $churn_ok) = (0, 0);
sub churn {
	my ($must) = @_;
	my $n = 'churn' . ++$churn;
	my ($s) = $t->create(name => $n);
	return if !$must && $s != 201;
	is($s, 201, "REST create $n") if $must;
	my ($m) = $t->message($n, "hello $n");
	my ($d) = $t->del("/api/agents/sessions/$n");
	$churn_ok++ if $s == 201 && $m == 200 && $d == 200;
}

my $t0 = time;
for my $n (@names) {
	new_viewer($n, 1) for 1 .. $STAYERS;
}
pump(0.5);

for my $round (1 .. 2) {
	for (1 .. 4) { churn(0); pump(0.5) }
	my $old = $t->daemon_pid;
	$t->kill_daemon('KILL');
	ok(!kill(0, $old), "round $round: daemon killed with -9");
	pump(0.5);			# viewers see it go; REST may fail meanwhile
	churn(0);
	$t->start_daemon;
	ok($t->daemon_pid && $t->daemon_pid != $old, "round $round: the daemon is back");
	reconnect_stayers(time + 30);
	churn(1);
	pump(1);
}

# Let the agents finish; the stayers must reach the end marker.
my $deadline = time + ($vg ? 120 : 60);
while (time < $deadline) {
	pump(0.5);
	reconnect_stayers(time + 30);
	churn(0);
	last if !grep { $_->{stay} && index($_->{got}, "storm-end\r\n") < 0 } @viewers;
}
# The crowd leaves.
$_->{leave_at} = 0 for grep { !$_->{stay} } @viewers;
$_->{stay} = 0 for @viewers;
pump(0.1);
drop_viewer($_) for @viewers;
close($_) for splice(@held);

my @stayers = grep { $_->{stayer} } @viewers;
my $ended = grep { index($_->{got}, "storm-end\r\n") >= 0 } @stayers;
is($ended, $NSESS * $STAYERS, 'every stayer saw the end marker');
my ($exact, $prefix, $wrong) = (0, 0, 0);
for my $v (grep { $_->{from0} } @viewers) {
	if ($v->{got} eq $expected) {
		$exact++;
	} elsif (substr($expected, 0, length $v->{got}) eq $v->{got}) {
		$prefix++;
	} else {
		$wrong++;
		if ($wrong < 3) {
			my $i = 0;
			$i++ while $i < length($v->{got}) && substr($v->{got}, $i, 1) eq substr($expected, $i, 1);
			diag("$v->{name}: differs at byte $i: " .
			    substr($v->{got}, $i > 20 ? $i - 20 : 0, 60) . ' | ' .
			    substr($expected, $i > 20 ? $i - 20 : 0, 60));
		}
	}
}
is(scalar(grep { $_->{got} eq $expected } @stayers), $NSESS * $STAYERS,
    "byte-exact output for every viewer that stayed ($exact from seq 0 in all)");
is($wrong, 0, "every viewer that left had a byte-exact prefix ($prefix)");
is($bad, 0, 'no gap, repeat or resync in any seq stream');
ok($churn_ok >= 3, "REST create/message/delete worked around the restarts ($churn_ok of $churn)");
diag(sprintf('storm: %d connections (%d at most at once, %d upgrades refused), %d left (%d close,'
    . ' %d reset, %d half-open, %d silent), %d inputs, %d resizes, %d churned, %.1f s', $connected,
    $peak, $refused, $left, $closes, $resets, $halfs, $silents, $inputs, $resizes, $churn,
    time - $t0));
ok($peak >= $NVIEW, "the crowd reached $NVIEW viewers at once ($peak)");

for my $n (@names) {
	my ($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
# The daemon's descriptors are what they were (a fresh daemon: it has adopted and
# let go of everything; a viewer's hang-up may linger a moment).
my $fds_after;
eval { $t->wait_for(sub { ($fds_after = daemon_fds()) <= $fds_before }, 10, 'fds') };
ok($fds_after <= $fds_before, "no descriptor left behind ($fds_before before, $fds_after after)");
my ($s) = $t->get('/api/agents/sessions');
is($s, 200, 'REST answers after the storm');
$t->done;
