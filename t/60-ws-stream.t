#!/usr/bin/perl
# WebSocket streams through nginx: hello, replay with since, live data, input,
# resize, message, binary mode, UTF-8 and raw bytes, exit and close 1000.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(agents => {
	# prints a UTF-8 character split across two writes, then bytes that are not UTF-8
	bytes => q{sh -c 'printf "A\303"; sleep 0.2; printf "\251B\n"; printf "\377\376raw\n"; sleep 0.3; exit 7'},
	size => q{sh -c 'stty raw -echo; while read -r l; do stty size; done'},
});
my $port = $t->port;
sub ws { WSClient->connect(port => $port, @_) }

my ($s) = $t->create(name => 'w1');
is($s, 201, 'create w1');
$t->wait_output('w1', qr/fake-agent pid=/);

# A new viewer: hello first, then the scrollback, then live data.
my $ws = ws(path => '/api/agents/sessions/w1');
ok($ws, 'upgrade through nginx');
my $hello = $ws->recv_msg(5);
is($hello->{type}, 'hello', 'first message is hello');
is($hello->{name}, 'w1', 'hello names the session');
my @m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /fake-agent pid=/ }, 10);
ok(scalar(grep { $_->{type} eq 'tty_data' } @m), 'scrollback as tty_data');
my $last = $m[-1]{seq};

# Input from the viewer reaches the agent; its answer comes live.
$ws->send_json({ type => 'input', data => "ping-from-ws\r" });
@m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: ping-from-ws/ }, 10);
like(join('', map { WSClient::tty_bytes($_) } grep { $_->{type} eq 'tty_data' } @m),
    qr/got: ping-from-ws/, 'input frame reaches the agent');
my @seqs = map { $_->{seq} } grep { defined $_->{seq} } @m;
is_deeply(\@seqs, [ $last + 1 .. $last + @seqs ], 'seq numbers follow one another');

# A message from the viewer is a message event, like POST message.
$ws->send_json({ type => 'message', text => 'via ws' });
@m = $ws->read_until(sub { $_[0]{type} eq 'json_event' && $_[0]{event}{type} eq 'message' }, 10);
is($m[-1]{event}{text}, 'via ws', 'message frame recorded as a message event');

# Bad messages: an error frame, and the connection stays.
for my $bad ('{"type":"bogus"}', 'not json', '{"type":"resize","cols":0,"rows":5}',
    '{"type":"resize","cols":80,"rows":1001}', '{"type":"input"}') {
	$ws->send_text($bad);
	my $e = $ws->recv_msg(5);
	while ($e && $e->{type} ne 'error') { $e = $ws->recv_msg(5) }
	ok($e && $e->{type} eq 'error' && $e->{code}, "error frame for $bad");
}
$ws->send_json({ type => 'input', data => "still-here\r" });
@m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: still-here/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /still-here/, 'connection stays after errors');

# Replay with one cursor: since=N gives exactly what follows N, in order.
# (/terminal and /ws speak the seed source's protocol: t/65-ws-terminal.t.)
my $ws2 = ws(path => "/api/agents/sessions/w1?since=$last");
ok($ws2, 'since');
is($ws2->recv_msg(5)->{type}, 'hello', 'hello');
my $first = $ws2->recv_msg(5);
is($first->{seq}, $last + 1, 'replay starts right after since');
$ws2->close;

my $ws3 = ws(path => '/api/agents/sessions/w1?since=0');
ok($ws3, 'since=0');
$ws3->recv_msg(5);
is($ws3->recv_msg(5)->{seq}, 1, 'since=0 replays from the first record');
is($ws3->recv_msg(5)->{seq}, 2, 'in order');
$ws3->close;

# Exit: the exit json_event, then a normal close.
$ws->send_json({ type => 'input', data => "exit 3\r" });
@m = $ws->read_until(sub { $_[0]{type} eq 'json_event' && $_[0]{event}{type} eq 'exit' }, 10);
is($m[-1]{event}{exitCode}, 3, 'exit event with the code');
ok(!defined $ws->recv_msg(5), 'then the stream ends');
is($ws->close_code, 1000, 'with close code 1000');

# An ended session can still be replayed, then closes normally.
$ws = ws(path => '/api/agents/sessions/w1?since=0');
ok($ws, 'replay of an ended session');
@m = $ws->read_until(sub { 0 }, 10);
ok(grep({ $_->{type} eq 'json_event' && $_->{event}{type} eq 'exit' } @m), 'it has the exit event');
is($ws->close_code, 1000, 'and closes with 1000');

# UTF-8 split across reads is never broken; bytes that are not UTF-8 are not lost.
($s) = $t->create(name => 'bytes', agentType => 'bytes');
is($s, 201, 'create bytes');
$ws = ws(path => '/api/agents/sessions/bytes?since=0');
@m = $ws->read_until(sub { 0 }, 10);
my $all = join('', map { WSClient::tty_bytes($_) } grep { $_->{type} eq 'tty_data' } @m);
like($all, qr/A\xc3\xa9B\r\n\xff\xferaw\r\n/, 'every byte arrives, split character joined');
ok(!grep({ $_->{type} eq 'tty_data' && !$_->{encoding} && $_->{data} =~ /\x{fffd}/ } @m),
    'no replacement characters');
ok(grep({ ($_->{encoding} // '') eq 'base64' } @m), 'non-UTF-8 output sent as base64');

# Binary mode: tty_data as binary frames with the seq in front.
($s) = $t->create(name => 'bin');
$t->wait_output('bin', qr/fake-agent pid=/);
$ws = ws(path => '/api/agents/sessions/bin?since=0&format=binary');
is($ws->recv_msg(5)->{format}, 'binary', 'hello says binary');
@m = $ws->read_until(sub { $_[0]{type} eq 'binary' }, 10);
ok(@m && $m[-1]{type} eq 'binary' && $m[-1]{seq} >= 1 && $m[-1]{data} =~ /fake-agent/,
    'tty_data as a binary frame with its seq');
$ws->close;

# Resize from the viewer changes the terminal size the agent sees.
($s) = $t->create(name => 'size', agentType => 'size');
$ws = ws(path => '/api/agents/sessions/size');
$ws->recv_msg(5);
$ws->send_json({ type => 'resize', cols => 91, rows => 37 });
$ws->send_json({ type => "input", data => "x\n" });
@m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /37 91/ }, 10);
like(WSClient::tty_bytes($m[-1] // { type => 'x', data => '' }), qr/37 91/, 'resize reaches the PTY');
$ws->close;

# Unknown session: refused before any frame.
my (undef, $status, $body) = ws(path => '/api/agents/sessions/nosuch');
is($status, 404, 'unknown session: 404');
like($body, qr/"code":"not_found"/, 'with a JSON error');
# Foreign Origin: 403.
(undef, $status) = ws(path => '/api/agents/sessions/bin', headers => { Origin => 'http://evil.example' });
is($status, 403, 'foreign Origin: 403');
# Plain GET on the same path still goes to the REST handler.
($s) = $t->get('/api/agents/sessions/bin');
is($s, 200, 'plain GET of the same path: the REST detail');

$t->stop;
done_testing;
