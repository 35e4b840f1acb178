#!/usr/bin/perl
# Issue #13, item 3: input to a terminal that does not read it, messages for an
# agent that never gets idle, are capped (input_queue_bytes, message_queue_max) and
# answered 429 input_full / queue_full, or a WebSocket error frame; the daemon's
# memory stays bounded, and a refused message is not recorded.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;

# An agent of the claude kind (by its program's name) that never draws a composer:
# it stays "starting", so every message waits in its queue.
my $bin = tempdir(CLEANUP => 1);
open(my $fh, '>', "$bin/claude") or die "$bin/claude: $!";
print $fh "#!/bin/sh\nexec sleep 1000000\n";
close($fh);
chmod(0755, "$bin/claude") or die;

my $QUEUE = 1 << 20;
my $t = AgentdTest->new(
	conf => { input_queue_bytes => $QUEUE, message_queue_max => 5 },
	agents => { mute => q{sh -c 'stty raw -echo; exec sleep 1000000'}, claude => "$bin/claude" },
);
my $port = $t->port;

sub rss_kib {
	open(my $f, '<', "/proc/$_[0]/status") or return 0;
	while (<$f>) { return $1 if /^VmRSS:\s+(\d+)/ }
	return 0;
}

# Input: a program that never reads its terminal (raw, as a TUI's: the tty holds
# what it was sent and the holder's writes block).
my ($s) = $t->create(name => 'mute', agentType => 'mute');
is($s, 201, 'create mute');
my $rss0 = rss_kib($t->daemon_pid);
my $chunk = 'x' x (128 * 1024);
my ($taken, $refused, $j) = (0, 0);
for my $i (1 .. 240) {		# 30 MiB offered
	($s, $j) = $t->post('/api/agents/sessions/mute/input', { data => $chunk });
	if ($s == 429) { $refused = 1; last }
	last if $s != 200;
	$taken++;
}
ok($refused, "input refused once the queue is full (after $taken x 128 KiB)");
is($j->{code}, 'input_full', 'code input_full');
sleep 1;
($s, $j) = $t->post('/api/agents/sessions/mute/input', { data => $chunk });
is($s, 429, 'still refused a second later: the terminal reads nothing');
my $grown = rss_kib($t->daemon_pid) - $rss0;
SKIP: {
	# ASan's quarantine keeps freed memory: RSS says nothing there.
	skip('RSS under ASan', 1) if AgentdTest->asan_build;
	cmp_ok($grown, '<', 16 * 1024, "daemon RSS grew ${grown} KiB for 30 MiB offered");
}
# Past the holder's own buffer (4 MiB) and the cap, no more than that was taken.
cmp_ok($taken * 128 * 1024, '<', 4 * 1048576 + $QUEUE + 4 * 1048576,
    'what was taken: the holder\'s buffer, the sockets and the cap');

# The same on a WebSocket: an error frame, the viewer stays.
my $ws = WSClient->connect(port => $port, path => '/api/agents/sessions/mute');
ok($ws, 'viewer of mute');
$ws->send_json({ type => 'input', data => 'y' x (256 * 1024) });
my $err;
while (my $m = $ws->recv_msg(5)) {
	if ($m->{type} eq 'error') { $err = $m; last }
}
is($err && $err->{code}, 'input_full', 'WebSocket input: error frame input_full');
$ws->send_json({ type => 'resize', cols => 100, rows => 30 });
ok(!$ws->closed, 'the viewer is still connected');
$ws->close;

# A plain program's message is typed at once: refused the same way.
($s, $j) = $t->message('mute', 'z' x (200 * 1024));
$t->is_err($s, $j, 429, 'input_full', 'message to a full terminal');

# Messages: an agent that never gets idle.
($s) = $t->create(name => 'busy', agentType => 'claude');
is($s, 201, 'create busy (claude kind, never idle)');
for my $i (1 .. 5) {
	($s) = $t->message('busy', "m$i");
	is($s, 200, "message $i queued");
}
($s, $j) = $t->message('busy', 'm6');
$t->is_err($s, $j, 429, 'queue_full', 'message 6');
($s, $j) = $t->get('/api/agents/sessions/busy?limit=1000');
my @msgs = grep { $_->{type} eq 'message' } @{ $j->{events} // [] };
is(scalar @msgs, 5, 'the refused message is not an event');
$ws = WSClient->connect(port => $port, path => '/api/agents/sessions/busy');
$ws->send_json({ type => 'message', text => 'm7' });
$err = undef;
while (my $m = $ws->recv_msg(5)) {
	if ($m->{type} eq 'error') { $err = $m; last }
}
is($err && $err->{code}, 'queue_full', 'WebSocket message: error frame queue_full');
$ws->close;

($s) = $t->del('/api/agents/sessions/mute');
is($s, 200, 'delete mute');
($s) = $t->del('/api/agents/sessions/busy');
is($s, 200, 'delete busy');
$t->done;
