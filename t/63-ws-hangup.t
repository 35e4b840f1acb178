#!/usr/bin/perl
# Viewers that send a message or input and hang up at once, 1,000 times (issue #13,
# item 1: the ASan and valgrind passes run it). The daemon answers into the closed
# socket while still inside wslay's callback for that frame; it must survive (and
# the sanitizer build must see no use after free).
# Straight to ws.sock (no proxy in between, so the timing is the same every run),
# then through nginx with a reset.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM SOL_SOCKET SO_LINGER);
use JSON::PP;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $port = $t->port;
my $json = JSON::PP->new->canonical;
my $HASTY = 1000;		# the issue's count: one of them is enough to find the bug

my ($s) = $t->create(name => 'hasty');
is($s, 201, 'create hasty');
$t->wait_output('hasty', qr/fake-agent pid=/);

# Upgrade on the daemon's own socket; the 101 head is read, nothing after it.
sub direct {
	my $c = IO::Socket::UNIX->new(Peer => $t->home . '/run/ws.sock', Type => SOCK_STREAM)
	    or return undef;
	my $req = "GET /api/agents/sessions/hasty HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n" .
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n" .
	    "Authorization: Bearer " . $t->token . "\r\n" .
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
	syswrite($c, $req) == length($req) or return undef;
	my $buf = '';
	while ($buf !~ /\r\n\r\n/) {
		my $n = sysread($c, $buf, 1, length $buf);
		return undef if !$n;
	}
	return $buf =~ m{^HTTP/1\.1 101 } ? $c : undef;
}

my ($up, $sent) = (0, 0);
for my $i (1 .. $HASTY) {
	my $c = direct() or next;
	$up++;
	my $m = $i % 2 ? { type => 'message', text => "hasty $i" } :
	    { type => 'input', data => "hasty $i\r" };
	my $f = WSClient::frame(1, $json->encode($m));
	$sent++ if syswrite($c, $f) == length($f);
	close($c);
}
is($up, $HASTY, 'every direct viewer was upgraded');
is($sent, $HASTY, 'and sent its frame before hanging up');

for my $i (1 .. 20) {
	my ($ws) = WSClient->connect(port => $port, path => '/api/agents/sessions/hasty');
	next if !$ws;
	$ws->send_json({ type => 'message', text => "reset $i" });
	setsockopt($ws->socket, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
	close($ws->socket);
}

# The daemon is alive, the session too, and a new viewer works.
my $ws = WSClient->connect(port => $port, path => '/api/agents/sessions/hasty');
ok($ws, 'a viewer after the hasty ones');
$ws->send_json({ type => 'input', data => "still-here\r" });
my @m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' &&
    WSClient::tty_bytes($_[0]) =~ /got: still-here/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /still-here/, 'the session still answers');
($s, my $j) = $t->get('/api/agents/sessions/hasty');
is($s, 200, 'REST still answers');

$t->stop;
done_testing;
