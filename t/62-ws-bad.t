#!/usr/bin/perl
# Hostile WebSocket peers: each is closed with the right code; the daemon and the
# other viewers are untouched. Pings: a peer that ignores two is dropped.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
my $t = AgentdTest->new(conf => { ws_ping_ms => 400 });
my $port = $t->port;
sub ws { WSClient->connect(port => $port, path => '/api/agents/sessions/victim', @_) }

my ($s) = $t->create(name => 'victim');
is($s, 201, 'create victim');
$t->wait_output('victim', qr/fake-agent pid=/);
my $good = ws();
ok($good, 'a well-behaved viewer');

sub closes_with {
	my ($bytes, $code, $what) = @_;
	my $ws = ws(auto_pong => 1);
	$ws->send_raw($bytes);
	my $deadline = time + 10;
	while (!$ws->closed && !$ws->{eof} && time < $deadline) {
		$ws->recv_frame(1);
	}
	if (defined $code) {
		is($ws->close_code, $code, "$what: closed with $code");
	} else {
		ok($ws->closed || $ws->{eof}, "$what: closed");
	}
	close($ws->socket);
}

closes_with(WSClient::frame(1, '{"type":"input","data":"x"}', mask => 0), 1002, 'unmasked frame');
closes_with(WSClient::frame(3, 'x'), 1002, 'unknown opcode');
closes_with(WSClient::frame(1, "\xff\xfe bad utf-8"), 1007, 'invalid UTF-8 text');
closes_with(WSClient::frame(1, 'x' x (1024 * 1024 + 1)), 1009, 'frame over 1 MiB');
closes_with(WSClient::frame(1, 'a' x 65536, fin => 0) .
    join('', map { WSClient::frame(0, 'a' x 65536, fin => 0) } 1 .. 17), 1009,
    'fragment flood past 1 MiB');
closes_with(WSClient::frame(9, 'p' x 200), undef, 'oversized control frame');

# The daemon and the good viewer are untouched.
$good->send_json({ type => 'input', data => "after-abuse\r" });
my @m = $good->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: after-abuse/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /after-abuse/, 'the good viewer still works');
($s) = $t->get('/api/agents/sessions');
is($s, 200, 'REST still answers');

# Pings: JSON ping messages and WebSocket pings; a silent peer is dropped.
my $ping = $good->recv_msg(3);
$ping = $good->recv_msg(3) while $ping && $ping->{type} ne 'ping';
ok($ping && $ping->{ts}, 'JSON ping with a timestamp');
ok($good->{pings} >= 1, 'WebSocket ping frames too');
my $mute = ws(auto_pong => 0);
my $deadline = time + 10;
while (!$mute->{eof} && !$mute->closed && time < $deadline) {
	$mute->recv_frame(0.1);
	$good->recv_frame(0.1);		# the good one keeps answering pings
}
ok($mute->{eof} || $mute->closed, 'a peer that answers no ping is closed');
# The good one (auto pong) is still there after several intervals.
$good->send_json({ type => 'input', data => "alive\r" });
@m = $good->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: alive/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /alive/, 'a peer that answers pings stays');

# Garbage instead of an upgrade: the connection is refused, nothing else happens.
my (undef, $status) = WSClient->connect(port => $port, path => '/api/agents/sessions/victim',
    headers => { 'Sec-WebSocket-Version' => 8 });
ok($status >= 400, "wrong WebSocket version refused ($status)");

$t->stop;
done_testing;
