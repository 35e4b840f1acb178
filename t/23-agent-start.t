#!/usr/bin/perl
# Agents that cannot start: a missing program is 422 with its name and how to
# install it, and nothing is created; one that dies at start ends with its exit
# status, its last output kept in the history.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(agents => {
	ghost => 'no-such-agent-program --flag',
	# "claude" that is not on PATH: the built-in hint names the npm package
	claude => '/nonexistent/bin/claude --permission-mode default',
	dies => q{sh -c 'echo "dying words"; exit 7'},
});

my ($s, $j) = $t->create(name => 'g1', agentType => 'ghost');
$t->is_err($s, $j, 422, 'agent_not_found', 'missing agent program');
like($j->{error}, qr/no-such-agent-program/, 'names the program');
($s, $j) = $t->create(name => 'g2', agentType => 'claude');
$t->is_err($s, $j, 422, 'agent_not_found', 'missing claude');
like($j->{error}, qr{npm install -g \@anthropic-ai/claude-code}, 'says how to install it');
($s, $j) = $t->get('/api/agents/sessions?all=1');
ok(!grep({ $_->{name} =~ /^g[12]$/ } @$j), 'nothing was created');

($s, $j) = $t->create(name => 'd1', agentType => 'dies');
is($s, 201, 'an agent that dies at start is created');
my $d = $t->wait_status('d1', qr/^exited$/);
is($d->{exitCode}, 7, 'it ends with its exit status');
like($t->output('d1'), qr/dying words/, 'its last output is kept');
ok(grep({ $_->{type} eq 'exit' && $_->{event}{exitCode} == 7 } @{$d->{events}}),
    'the exit is in the history');

$t->stop;
done_testing;
