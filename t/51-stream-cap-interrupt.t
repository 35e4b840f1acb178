#!/usr/bin/perl
# A token cap reached in the middle of a stream turn interrupts that turn (issue
# #14): claude's assistant lines carry their message's usage, counted as they
# come (once per message), so the cap is reached before the turn ends and
# agentd sends claude's interrupt control request. t/bin/fake-claude-stream's
# "USAGE HANG" turn sends a message with its usage and then waits until it is
# interrupted. The turn's result counts only what its messages did not.
# Before: usage came only from the result line, so a turn that never ended was
# never capped nor interrupted.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(agents => { fc => { default => $fcs, adapter => 'claude' } });

sub events {
	my ($name, $type) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return () unless $s == 200;
	return grep { $_->{type} eq $type } @{$j->{events}};
}

# The fake's usage is 20 in, 10 out, 5 cache read, 3 cache write: 38 a message.
my ($s, $j) = $t->create(name => 'h1', agentType => 'fc', transport => 'stream',
    maxTokens => 30, prompt => 'USAGE HANG');
is($s, 201, 'create with maxTokens 30 and a turn that hangs');
$t->wait_for(sub { events('h1', 'capped') }, 20, 'capped in the middle of the turn');
my ($e) = events('h1', 'capped');
is($e->{event}{what}, 'tokens', 'capped by tokens');
is($e->{event}{used}, 38, 'by its message: 38 tokens');
$t->wait_for(sub { grep { ($_->{event}{subtype} // '') eq 'error_during_execution' }
    events('h1', 'turn_end') }, 20, 'the turn interrupted (claude said so)');
$t->wait_status('h1', qr/^idle$/, 20);
my $d = $t->session('h1');
is($d->{usage}{inputTokens} + $d->{usage}{outputTokens} + $d->{usage}{cacheReadTokens} +
    $d->{usage}{cacheWriteTokens}, 38, 'the result counted nothing twice');
($s, $j) = $t->message('h1', 'more');
$t->is_err($s, $j, 409, 'capped', 'past the cap: refused');

# A turn that ends by itself: its result adds nothing its messages counted.
($s) = $t->create(name => 'h2', agentType => 'fc', transport => 'stream', prompt => 'one');
$t->wait_status('h2', qr/^idle$/, 20);
$t->wait_for(sub { events('h2', 'turn_end') }, 20, 'h2: its turn ended');
$d = $t->session('h2');
is($d->{usage}{outputTokens}, 10, 'h2: the result alone counts a turn whose messages had none');

for my $n (qw(h1 h2)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
