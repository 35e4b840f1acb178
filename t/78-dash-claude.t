#!/usr/bin/perl
# The dashboard driving the real claude (t/agents/install) against the
# scripted model server (t/bin/fake-model): a session created through the
# form shows its prompt in claude's terminal; the approval bar shows the tool
# and its input; Allow lets the tool run (it writes out.txt), Deny refuses the
# next one; the timeline shows the tool call, its result and both decisions.
# Then keys typed into claude's terminal reach its composer and Enter sends
# them; complete and the pre-kill debrief (claude's own report) from the page; a
# claude worker dispatched from the form with an issue URL, its diff, a review
# comment that claude answers; delete with confirmation.
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
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};
$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

my $t = AgentdTest->new(real_agents => 1, fake_cmd => 'echo hi > out.txt');
my $work = $t->workdir . '/cl';
make_path($work);
# A repository: the session's folder is the worker's parent.
AgentdTest->git_repo($work, 'notes.txt' => "line one\nline two\nline three\n");

DashTest::run($t, 'dash-claude.mjs', DIR => $work,
    STEP_MS => ($ENV{TEST_AGENTS_TURN_TIMEOUT} || 120) * 1000);

$t->done;
