#!/usr/bin/perl
# Message, output (raw bytes, X-Agentd-Seq, since, limit), events, reset.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use JSON::PP;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $JSON = JSON::PP->new->canonical;

my ($s, $j, $h) = $t->create(name => 'io');
is($s, 201, 'create io');
$t->wait_output('io', qr/fake-agent pid=/);

# message -> stdin of the agent -> its output
($s, $j) = $t->message('io', 'hello world');
is($s, 200, 'message: 200');
is($j->{name}, 'io', 'message reply: name');
like($j->{seq} // '', qr/^\d+$/, 'message reply: seq');
my $out = $t->wait_output('io', qr/got: hello world\r?\n/);
pass('message reaches the agent and its answer is in /output');

# the message is an event in the detail
my $ev;
$t->wait_for(sub {
	my $d = $t->session('io');
	($ev) = grep { $JSON->encode($_) =~ /hello world/ } @{$d->{events} // []};
	return $ev;
}, 10, 'the message to appear in the events of the detail');
ok($ev, 'detail: the message is an event');

# /output: raw bytes with X-Agentd-Seq
my $raw;
($s, undef, $h, $raw) = $t->get('/api/agents/sessions/io/output');
is($s, 200, 'output: 200');
like($h->{'content-type'} // '', qr{^application/octet-stream}, 'output: application/octet-stream');
like($h->{'x-agentd-seq'} // '', qr/^\d+$/, 'output: X-Agentd-Seq');
like($raw, qr/fake-agent pid=\d+.*got: hello world/s, 'output: raw terminal bytes, in order');

my ($all, $seq) = $t->output('io');
($s) = $t->message('io', 'second line');
$t->wait_output('io', qr/got: second line/);
my ($new, $seq2) = $t->output('io', $seq);
like($new, qr/got: second line/, 'output?since=SEQ: the new bytes');
unlike($new, qr/fake-agent pid=|got: hello world/, 'output?since=SEQ: nothing older');
ok($seq2 > $seq, 'X-Agentd-Seq grows');
($s, undef, $h, $raw) = $t->get("/api/agents/sessions/io/output?since=$seq2");
is($s, 200, 'output past the end: 200');
is($raw, '', 'output past the end: empty');

# UTF-8 goes through as bytes
($s) = $t->message('io', "caf\x{e9} \x{2713}");
is($s, 200, 'UTF-8 message: 200');
$out = $t->wait_output('io', qr/got: caf\xc3\xa9 \xe2\x9c\x93/);
pass('UTF-8 message: the same bytes come back');

# A large burst arrives complete and in order.
my $n = 300000;
($s) = $t->message('io', "print $n");
$out = $t->wait_output('io', qr/printed $n/, 20);
my $pattern = substr(join('', 'a' .. 'z') x (int($n / 26) + 1), 0, $n);
ok(index($out, "$pattern\r\nprinted $n") >= 0, "print $n: every byte, in order");

# limit: pages following X-Agentd-Seq give the same bytes
my ($whole, $last) = $t->output('io');
my ($paged, $since, $pages) = ('', 0, 0);
while ($pages < 100000) {
	($s, undef, $h, $raw) = $t->get("/api/agents/sessions/io/output?since=$since&limit=4096");
	last unless $s == 200 && length $raw;
	$paged .= $raw;
	$pages++;
	last if $h->{'x-agentd-seq'} <= $since;
	$since = $h->{'x-agentd-seq'};
}
ok($pages > 1, "limit=4096: more than one page ($pages)");
is(length $paged, length $whole, 'limit: the pages add up to the whole output');
ok($paged eq $whole, 'limit: ... byte for byte');

# reset
($s, $j) = $t->post('/api/agents/sessions/io/reset', {});
is($s, 200, 'reset: 200');
is($j->{name}, 'io', 'reset reply: the session');
my $reset = $t->wait_for(sub {
	return (grep { ($_->{type} // '') eq 'reset' } @{ $t->session('io')->{events} // [] })[0];
}, 10, 'a reset event in the detail');
ok($reset, 'reset: event in the detail');
my $ISO = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
like($reset->{seq} // '', qr/^\d+$/, 'reset event: a seq');
like($reset->{ts} // '', $ISO, 'reset event: ts ISO-8601 UTC');
is_deeply([ sort keys %$reset ], [qw(event seq ts type)], 'reset event: seq, ts, type, event');
is_deeply($reset->{event}, { type => 'reset', from => scalar getpwuid($>), ts => $reset->{ts} },
    'reset event: {type reset, from the owner (the actor), ts}');
is($t->session('io')->{state}, 'running', 'reset: the agent keeps running');
($s) = $t->message('io', 'after reset');
is($s, 200, 'message after reset: 200');
$t->wait_output('io', qr/got: after reset/);
pass('message after reset reaches the agent');

$t->done;
