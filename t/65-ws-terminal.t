#!/usr/bin/perl
# The seed source's terminal protocol on /api/agents/sessions/NAME/terminal (and
# /ws), as its web UI speaks it (issue 15, item 3): binary frames of raw terminal
# bytes, recent output first; binary keystrokes; a resize message; the exit frame;
# close 1000 "Session ended" / "Session killed", 4004 for no session; access_token;
# the per-user cap, the role check and flow control of agentd's own viewers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Test::More;

AgentdTest->require_stack;
my $N = 60000;
my $t = AgentdTest->new(
	conf => { ws_max_per_user => 4, ws_ring_bytes => 65536, ws_queue_bytes => 65536 },
	agents => {
		# a UTF-8 character split across two writes, bytes that are not UTF-8,
		# every byte value but NUL, then it waits for a line and exits 5 on it
		bytes => q{sh -c 'printf "A\303"; sleep 0.2; printf "\251B\n\377\376raw\n";}
		    . q{ i=1; while [ $i -lt 256 ]; do printf "\\\\$(printf %o $i)"; i=$((i+1)); done;}
		    . q{ printf "\nbytes-done\n"; read -r l; exit 5'},
		size => q{sh -c 'stty raw -echo; while read -r l; do stty size; done'},
		lines => qq{sh -c 'read -r go; seq 1 $N; printf "lines-done\\n"; read -r l'},
	},
);
my $port = $t->port;
my $json = JSON::PP->new->canonical;
sub ws { WSClient->connect(port => $port, @_) }

# Frames of a seed viewer until $stop->(\%acc) or the close: binary bytes
# concatenated, text frames decoded, the close code and reason.
sub seed_read {
	my ($ws, $stop, $timeout) = @_;
	my %acc = (bin => '', text => [], frames => []);
	my $deadline = time + ($timeout // 20);
	while (time < $deadline) {
		my $f = $ws->recv_frame($deadline - time) or last;
		next if $f->{op} == 9 || $f->{op} == 10;
		last if $f->{op} == 8;
		push @{$acc{frames}}, $f->{op};
		if ($f->{op} == 2) {
			$acc{bin} .= $f->{data};
		} elsif ($f->{op} == 1) {
			push @{$acc{text}}, eval { $json->decode($f->{data}) } // { raw => $f->{data} };
		}
		last if $stop && $stop->(\%acc);
	}
	return \%acc;
}
sub exits { grep { ($_->{type} // '') eq 'exit' } @{$_[0]{text}} }

# A tty session: recent output first, as binary frames of raw bytes.
my ($s) = $t->create(name => 'tt');
is($s, 201, 'create tt');
$t->wait_output('tt', qr/fake-agent pid=/);
my $ws = ws(path => '/api/agents/sessions/tt/terminal');
ok($ws, '/terminal upgrades');
my $a = seed_read($ws, sub { $_[0]{bin} =~ /fake-agent pid=\d+[^\n]*\n/ }, 10);
is($a->{frames}[0], 2, 'the first frame is binary: no hello');
ok(!@{$a->{text}}, 'no text frame before output');
like($a->{bin}, qr/^fake-agent pid=\d+ pgid=/, 'raw bytes, no seq in front');
is($a->{bin}, $t->output('tt'), 'the replay is the output so far, byte for byte');

# Keystrokes are binary frames; the answer comes live.
ok($ws->send_raw(WSClient::frame(2, "typed-keys\r")), 'binary keystrokes sent');
$a = seed_read($ws, sub { $_[0]{bin} =~ /got: typed-keys/ }, 10);
like($a->{bin}, qr/typed-keys\r?\n.*got: typed-keys/s, 'keystrokes reach the agent');
# A message of the seed protocol is delivered like POST message.
$ws->send_json({ type => 'input', text => 'from-seed-input' });
$a = seed_read($ws, sub { $_[0]{bin} =~ /got: from-seed-input/ }, 10);
like($a->{bin}, qr/got: from-seed-input/, '{"type":"input","text"} is a message');
# Bad text: an error frame; agentd's own shapes are not this protocol's.
$ws->send_json({ type => 'input', data => "x\r" });
$a = seed_read($ws, sub { @{$_[0]{text}} }, 5);
is($a->{text}[0]{type}, 'error', "agentd's input shape: an error frame");
$ws->send_text('not json');
$a = seed_read($ws, sub { @{$_[0]{text}} }, 5);
is($a->{text}[0]{code}, 'bad_json', 'bad JSON: an error frame');
ok($ws->send_raw(WSClient::frame(2, "still-open\r")), 'the connection stays');
$a = seed_read($ws, sub { $_[0]{bin} =~ /got: still-open/ }, 10);
like($a->{bin}, qr/got: still-open/, 'and types');

# The per-user cap applies: 4 viewers of one user at most.
my @more = map { scalar ws(path => '/api/agents/sessions/tt/ws') } 1 .. 3;
ok(!grep({ !$_ } @more), 'three more viewers (/ws)');
my (undef, $status, $body) = ws(path => '/api/agents/sessions/tt/terminal');
is($status, 429, 'the fifth of one user: 429');
like($body // '', qr/too_many_connections/, 'too_many_connections');
$_->close for @more;

# Exit: the exit frame, then close 1000 "Session ended".
$ws->send_raw(WSClient::frame(2, "exit 3\r"));
$a = seed_read($ws, undef, 10);
like($a->{bin}, qr/exiting 3/, 'the last output first');
my @e = exits($a);
is(scalar(@e), 1, 'one exit frame');
is_deeply($e[0], { type => 'exit', exitCode => 3, signal => undef },
    '{"type":"exit","exitCode":3,"signal":null}');
is($ws->close_code, 1000, 'close 1000');
is($ws->close_reason, 'Session ended', 'reason "Session ended"');

# An ended session: the recent output, the exit frame, the same close.
$ws = ws(path => '/api/agents/sessions/tt/terminal');
$a = seed_read($ws, undef, 10);
like($a->{bin}, qr/exiting 3/, 'an ended session replays its output');
is((exits($a))[0]{exitCode}, 3, 'then its exit frame');
is($ws->close_code, 1000, 'close 1000');
is($ws->close_reason, 'Session ended', '"Session ended"');

# Killed (DELETE): "Session killed", the signal in the exit frame.
($s) = $t->create(name => 'kk');
$t->wait_output('kk', qr/fake-agent pid=/);
$ws = ws(path => '/api/agents/sessions/kk/ws');
seed_read($ws, sub { $_[0]{bin} =~ /fake-agent pid=/ }, 10);
($s) = $t->del('/api/agents/sessions/kk');
is($s, 200, 'DELETE kk');
$a = seed_read($ws, undef, 10);
@e = exits($a);
is(scalar(@e), 1, 'killed: one exit frame');
is($e[0]{signal}, 15, 'killed: signal 15');
is($e[0]{exitCode}, 0, 'killed: exitCode 0, as node-pty reports a signal');
is($ws->close_code, 1000, 'killed: close 1000');
is($ws->close_reason, 'Session killed', 'reason "Session killed"');

# Unknown session: upgraded, then closed 4004.
$ws = ws(path => '/api/agents/sessions/nosuch/terminal');
ok($ws, 'an unknown session is upgraded');
$a = seed_read($ws, undef, 5);
ok(!@{$a->{frames}}, 'no data frame');
is($ws->close_code, 4004, 'close 4004');
# ... but the bare path keeps agentd's 404.
(undef, $status) = ws(path => '/api/agents/sessions/nosuch');
is($status, 404, 'the bare path: 404 as before');

# access_token: as on main's local mode; without a token 401.
($s) = $t->create(name => 'bytes', agentType => 'bytes');
is($s, 201, 'create bytes');
$t->wait_output('bytes', qr/bytes-done/);
(undef, $status) = ws(path => '/api/agents/sessions/bytes/terminal', token => undef);
is($status, 401, 'no token: 401');
$ws = ws(path => '/api/agents/sessions/bytes/terminal?access_token=' . $t->token,
    token => undef);
ok($ws, '?access_token= accepted');
$a = seed_read($ws, sub { $_[0]{bin} =~ /bytes-done\r\n/ }, 10);
my $all = join('', map { chr } 1 .. 255);
$all =~ s/\n/\r\n/;
like($a->{bin}, qr/A\xc3\xa9B\r\n\xff\xferaw\r\n/, 'split UTF-8 and bytes that are not UTF-8');
ok(index($a->{bin}, "\x01\x02\x03") >= 0 && index($a->{bin}, "\xfd\xfe\xff\r\nbytes-done") >= 0,
    'every byte value');
is($a->{bin}, $t->output('bytes'), 'byte for byte what the terminal wrote');
$ws->send_raw(WSClient::frame(2, "\r"));
$a = seed_read($ws, undef, 10);
is((exits($a))[0]{exitCode}, 5, 'exit code 5');
is($ws->close_reason, 'Session ended', 'Session ended');

# Resize reaches the PTY.
($s) = $t->create(name => 'size', agentType => 'size');
$ws = ws(path => '/api/agents/sessions/size/terminal');
$ws->send_json({ type => 'resize', cols => 91, rows => 37 });
$ws->send_raw(WSClient::frame(2, "x\n"));
$a = seed_read($ws, sub { $_[0]{bin} =~ /37 91/ }, 10);
like($a->{bin}, qr/37 91/, 'resize: the agent sees 37 rows, 91 columns');
$ws->send_json({ type => 'resize', cols => 0, rows => 5 });
$a = seed_read($ws, sub { @{$_[0]{text}} }, 5);
is($a->{text}[0]{type}, 'error', 'a resize out of range: an error frame');
$ws->close;

# Flow control: a viewer that stops reading stalls nothing and loses nothing.
($s) = $t->create(name => 'lines', agentType => 'lines');
$ws = ws(path => '/api/agents/sessions/lines/terminal');
my $fast = ws(path => '/api/agents/sessions/lines/terminal');
$fast->send_raw(WSClient::frame(2, "go\r"));
$a = seed_read($fast, sub { $_[0]{bin} =~ /lines-done/ }, 30);
like($a->{bin}, qr/lines-done/, 'a reading viewer has it all');
$t->wait_output('lines', qr/lines-done/, 30);
$a = seed_read($ws, sub { $_[0]{bin} =~ /lines-done/ }, 30);
(my $text = $a->{bin}) =~ s/\r//g;
my @n = grep { /^\d+$/ } split /\n/, $text;
is(scalar(@n), $N, "the viewer that did not read gets all $N lines");
ok(!grep({ $n[$_] != $_ + 1 } 0 .. $#n), 'in order, no gap, no duplicate');
$ws->close;
$fast->close;

# The bare path keeps agentd's protocol.
$ws = ws(path => '/api/agents/sessions/lines');
is($ws->recv_msg(5)->{type}, 'hello', 'the bare path still says hello');
$ws->close;
$t->stop;

# Roles: a viewer watches /terminal but its keystrokes are refused.
my $b = AgentdTest->new(auth => 'basic', conf => {
	auth => 'proxy', viewers => 'alice', operators => 'bob' });
open(my $fh, '>', $b->home . '/htpasswd') or die;
print $fh "alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\n";
close($fh);
chmod(0644, $b->home . '/htpasswd');
sub as { my ($u) = @_; return (Authorization => 'Basic ' . encode_base64("$u:$u-pw", '')) }
($s) = $b->post('/api/agents/sessions', { name => 'r1', agentType => 'fake',
    workingDirectory => $b->workdir }, as('bob'));
is($s, 201, 'bob creates r1');
my $alice = WSClient->connect(port => $b->port, path => '/api/agents/sessions/r1/terminal',
    headers => { as('alice') });
ok($alice, 'alice (viewer) watches');
$a = seed_read($alice, sub { $_[0]{bin} =~ /fake-agent pid=/ }, 10);
like($a->{bin}, qr/fake-agent pid=/, 'and sees the output');
$alice->send_raw(WSClient::frame(2, "from-alice\r"));
$a = seed_read($alice, sub { @{$_[0]{text}} }, 10);
is($a->{text}[0]{code}, 'forbidden', "alice's keystrokes: forbidden");
my $bob = WSClient->connect(port => $b->port, path => '/api/agents/sessions/r1/terminal',
    headers => { as('bob') });
$bob->send_raw(WSClient::frame(2, "from-bob\r"));
$a = seed_read($bob, sub { $_[0]{bin} =~ /got: from-bob/ }, 10);
like($a->{bin}, qr/got: from-bob/, "bob's keystrokes are typed");
my (undef, undef, undef, $out) = $b->get('/api/agents/sessions/r1/output?since=0', as('bob'));
unlike($out, qr/from-alice/, "alice's keystrokes never reached the agent");
my (undef, $d) = $b->get('/api/agents/sessions/r1', as('bob'));
my @input = grep { ($_->{type} // '') eq 'input' } @{$d->{events} // []};
is(scalar(@input), 1, 'one input event');
is($input[0]{event}{from}, 'bob', "bob's input is recorded as his");
is($input[0]{event}{bytes}, 9, 'with its size');
$alice->close;
$bob->close;
$b->done;
