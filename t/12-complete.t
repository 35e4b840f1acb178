#!/usr/bin/perl
# POST /api/agents/sessions/:name/complete
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $ISO = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
my ($s, $j);

for my $status (qw(success failure partial cancelled)) {
	($s) = $t->create(name => "c-$status");
	is($s, 201, "create c-$status");
	($s, $j) = $t->post("/api/agents/sessions/c-$status/complete",
	    { status => $status, comment => "done: $status" });
	is($s, 200, "complete $status: 200");
	is($j->{name}, "c-$status", "complete $status: the session object");
	is(ref $j->{completion}, 'HASH', "complete $status: completion object");
	is($j->{completion}{status}, $status, "complete $status: completion.status");
	is($j->{completion}{comment}, "done: $status", "complete $status: completion.comment");
	like($j->{completion}{at} // '', $ISO, "complete $status: completion.at ISO-8601 UTC");
	my $d = $t->session("c-$status");
	is_deeply($d->{completion}, $j->{completion}, "complete $status: the detail agrees");
}

# Idempotent: the same request again changes nothing, and records no new event
# (README: "no new event unless it changed").
sub completed_events {
	my ($name) = @_;
	return [ grep { ($_->{type} // '') eq 'completed' } @{ $t->session($name)->{events} // [] } ];
}
my $before = $t->session('c-success')->{completion};
my $ev = completed_events('c-success');
is(scalar @$ev, 1, 'complete: one completed event');
is_deeply($ev->[0]{event}, { type => 'completed', status => 'success', comment => 'done: success',
    from => scalar getpwuid($>), ts => $ev->[0]{ts} }, 'completed event: {type, status, comment, from, ts}');
($s, $j) = $t->post('/api/agents/sessions/c-success/complete',
    { status => 'success', comment => 'done: success' });
is($s, 200, 'complete again: 200');
is_deeply($j->{completion}, $before, 'complete again: same completion');
is_deeply(completed_events('c-success'), $ev, 'complete again: no new event');
($s, $j) = $t->post('/api/agents/sessions/c-success/complete',
    { status => 'success', comment => 'done: success' });
is_deeply(completed_events('c-success'), $ev, 'complete a third time: still no new event');
# A change is recorded: a new completion and a second event.
($s, $j) = $t->post('/api/agents/sessions/c-success/complete',
    { status => 'partial', comment => 'done: success' });
is($s, 200, 'complete with another status: 200');
is($j->{completion}{status}, 'partial', 'complete with another status: the new status');
$ev = completed_events('c-success');
is(scalar @$ev, 2, 'complete with another status: a second completed event');
is($ev->[-1]{event}{status}, 'partial', 'the second event has the new status');
($s, $j) = $t->post('/api/agents/sessions/c-success/complete',
    { status => 'partial', comment => 'another comment' });
is(scalar @{ completed_events('c-success') }, 3, 'complete with another comment: a third event');

# Comment size: 16 KiB is the limit.
($s) = $t->create(name => 'c-long');
($s, $j) = $t->post('/api/agents/sessions/c-long/complete',
    { status => 'partial', comment => 'x' x 16384 });
is($s, 200, 'comment of 16 KiB: 200');
is(length($j->{completion}{comment} // ''), 16384, 'comment of 16 KiB: kept whole');
($s) = $t->create(name => 'c-long2');
($s, $j) = $t->post('/api/agents/sessions/c-long2/complete',
    { status => 'partial', comment => 'x' x 16385 });
$t->is_err($s, $j, 400, 'invalid_field', 'comment of 16 KiB + 1');
ok(!defined $t->session('c-long2')->{completion}, 'comment too long: nothing recorded');

# Bad input.
($s, $j) = $t->post('/api/agents/sessions/c-long2/complete', { status => 'great' });
$t->is_err($s, $j, 400, 'invalid_field', 'unknown completion status');
($s, $j) = $t->post('/api/agents/sessions/c-long2/complete', { comment => 'no status' });
$t->is_err($s, $j, 400, 'invalid_field', 'missing status');
($s, $j) = $t->post('/api/agents/sessions/c-long2/complete', { status => 1 });
$t->is_err($s, $j, 400, 'invalid_field', 'status of the wrong type');
($s, $j) = $t->post('/api/agents/sessions/never-was/complete', { status => 'success' });
$t->is_err($s, $j, 404, 'not_found', 'complete a session that never existed');

# Completing does not stop the agent.
is($t->session('c-failure')->{state}, 'running', 'a completed session keeps running');

$t->done;
