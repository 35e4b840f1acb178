#!/usr/bin/perl
# The smaller boundaries of issue #12 (item 9) through the real stack: a session
# name a route spells literally is refused, agents run with umask 022 (not the
# daemon's 077), and an allowed_hosts wildcard is one DNS label, not a prefix.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(conf => { allowed_hosts => 'localhost 127.0.0.1 agentd.*' });

my ($s, $j) = $t->create(name => 'dispatch-worker');
$t->is_err($s, $j, 400, 'invalid_name', 'a session named dispatch-worker');

($s) = $t->create(name => 'u1');
is($s, 201, 'a session');
ok($t->wait_output('u1', qr/fake-agent pid=/), 'its agent started');
$t->post('/api/agents/sessions/u1/input', { data => "umask\r" });
ok($t->wait_output('u1', qr/umask 0022/), 'the agent runs with umask 022');

($s) = $t->get('/api/agents/sessions', Host => 'agentd.lan');
is($s, 200, 'allowed_hosts agentd.*: agentd.lan');
($s, $j) = $t->get('/api/agents/sessions', Host => 'agentd.attacker.net');
$t->is_err($s, $j, 400, 'bad_host', 'allowed_hosts agentd.*: not agentd.attacker.net');

$t->done;
