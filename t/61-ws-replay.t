#!/usr/bin/perl
# Reconnecting during heavy output loses nothing and repeats nothing; a viewer that
# stops reading stalls neither the agent nor the other viewers, and catches up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;

AgentdTest->require_stack;
my $N = 200000;
my $t = AgentdTest->new(
	conf => { ws_ring_bytes => 262144, ws_queue_bytes => 65536 },
	agents => { lines => qq{sh -c 'sleep 0.5; seq 1 $N; sleep 0.2'} },
);
my $port = $t->port;
sub ws { WSClient->connect(port => $port, @_) }

# Records the tty bytes per seq; checks seq continuity.
sub drain {
	my ($ws, $acc, $stop) = @_;
	while (my $m = $ws->recv_msg(20)) {
		next if $m->{type} eq 'hello' || $m->{type} eq 'ping';
		die "resync: $m->{seq}" if $m->{type} eq 'resync';
		die "seq $m->{seq} after $acc->{seq}" if $m->{seq} != $acc->{seq} + 1;
		$acc->{seq} = $m->{seq};
		$acc->{tty} .= WSClient::tty_bytes($m) if $m->{type} eq 'tty_data';
		$acc->{exit} = 1 if $m->{type} eq 'json_event' && $m->{event}{type} eq 'exit';
		return 1 if $stop && $stop->($acc);
	}
	return 0;
}

my ($s) = $t->create(name => 'heavy', agentType => 'lines');
is($s, 201, 'create heavy');

# Viewer A reconnects three times during the stream, each time with since.
# Viewer B connects and then does not read until the end.
my $slow = ws(path => '/api/agents/sessions/heavy?since=0');
ok($slow, 'slow viewer connected');
my $acc = { seq => 0, tty => '' };
my $ws = ws(path => '/api/agents/sessions/heavy?since=0');
for my $cut (1 .. 3) {
	my $target = length($acc->{tty}) + 150000;
	drain($ws, $acc, sub { length($_[0]{tty}) >= $target });
	$ws->close;
	$ws = ws(path => "/api/agents/sessions/heavy?since=$acc->{seq}");
	ok($ws, "reconnect $cut at seq $acc->{seq}");
}
drain($ws, $acc);
ok($acc->{exit}, 'the fast viewer saw the exit');
is($ws->close_code, 1000, 'and a normal close');
(my $text = $acc->{tty}) =~ s/\r//g;
my @n = grep { /^\d+$/ } split(/\n/, $text);
is(scalar(@n), $N, "all $N lines, once each");
is_deeply([ @n[0, -1] ], [ 1, $N ], 'first and last line');
ok(!grep({ $n[$_] != $_ + 1 } 0 .. $#n), 'no gap, no duplicate');

# The agent was not stalled by the slow viewer: it has ended already.
my $d = $t->session('heavy');
is($d->{state}, 'exited', 'the agent finished while a viewer did not read');
my $rss = rss_kb($t->daemon_pid);
ok(defined $rss, 'daemon RSS read (VmRSS in /proc/PID/status)');
SKIP: {
	# ASan's quarantine keeps freed memory: RSS says nothing there.
	skip('RSS under ASan', 1) if AgentdTest->asan_build;
	ok(defined $rss && $rss < 64 * 1024, 'daemon RSS bounded (' . ($rss // '?') . ' kB)');
}

# The slow viewer now reads: it gets everything from the log, in order.
my $sacc = { seq => 0, tty => '' };
drain($slow, $sacc);
($text = $sacc->{tty}) =~ s/\r//g;
@n = grep { /^\d+$/ } split(/\n/, $text);
is(scalar(@n), $N, 'the slow viewer catches up from the log with every line');
is($slow->close_code, 1000, 'then closes normally');

$t->stop;
done_testing;

# The daemon's resident size in kB (VmRSS); undef, with the reason, if unknown.
sub rss_kb {
	my ($pid) = @_;
	my $fh;
	if (!defined $pid || !open($fh, '<', "/proc/$pid/status")) {
		diag('cannot read /proc/' . ($pid // '(no daemon pid)') . "/status: $!");
		return undef;
	}
	while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)/ }
	diag("no VmRSS line in /proc/$pid/status");
	return undef;
}
