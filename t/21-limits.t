#!/usr/bin/perl
# max_sessions: live sessions only; one more is 429.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(conf => { max_sessions => 2 });
my ($s, $j);

($s) = $t->create(name => 'l1');
is($s, 201, 'first session: 201');
($s) = $t->create(name => 'l2');
is($s, 201, 'second session: 201');
($s, $j) = $t->create(name => 'l3');
$t->is_err($s, $j, 429, 'too_many_sessions', 'third session with max_sessions = 2');
ok(!grep({ $_->{name} eq 'l3' } @{($t->get('/api/agents/sessions?all=1'))[1]}),
    'the refused session does not exist');

# Ended sessions do not count.
($s) = $t->del('/api/agents/sessions/l1');
is($s, 200, 'DELETE l1');
($s) = $t->create(name => 'l3');
is($s, 201, 'after a DELETE there is room again');
$t->wait_output('l3', qr/fake-agent pid=/);
$t->message('l3', 'exit 0');
$t->wait_status('l3', qr/^exited$/);
($s) = $t->create(name => 'l4');
is($s, 201, 'after an agent exits there is room again');
($s, $j) = $t->create(name => 'l5');
$t->is_err($s, $j, 429, 'too_many_sessions', 'full again');

$t->done;
