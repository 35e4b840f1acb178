#!/usr/bin/perl
# The dashboard driving the real claude (t/agents/install) against the
# scripted model server (t/bin/fake-model): a session created through the
# form shows its prompt in claude's terminal; the approval bar shows the tool
# and its input; Allow lets the tool run (it writes out.txt), Deny refuses the
# next one; the timeline shows the tool call, its result and both decisions.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use DashTest;
use File::Path qw(make_path);
use Test::More;

AgentdTest->require_stack;
AgentdTest->require_agent('claude');
DashTest::require_browser();

my $t = AgentdTest->new(real_agents => 1, fake_cmd => 'echo hi > out.txt');
my $work = $t->workdir . '/cl';
make_path($work);

DashTest::run($t, 'dash-claude.mjs', DIR => $work,
    STEP_MS => ($ENV{TEST_AGENTS_TURN_TIMEOUT} || 120) * 1000);

$t->done;
