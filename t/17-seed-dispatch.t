#!/usr/bin/perl
# Contract (issue #15, item 8): the seed CLI's dispatch and the old clients' host.
#   CLI  dispatch-worker {workerType: "agent"} without a branch: an agent worker in
#        the parent's directory, no worktree, named agent-<unix time>
#   CLI  {workerType: "factory"}: a worktree worker named factory-<branch>-<unix
#        time>; the branch feat-N from an issue URL when none is given
#   CLI  both of sessionType stream where their agent has a stream transport (the
#        CLI lists its workers so), else pty
#   CLI  DELETE .../workers/done: the ended workers no longer listed
#   UI   create {host: "box9"}: 422 unknown_machine for a machine not configured
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};
$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(agents => { fc => { default => $fcs, adapter => 'claude' } });
my $S = '/api/agents/sessions';
my $repo = $t->workdir . '/repo';
mkdir $repo or die;
system("git -C '$repo' init -q -b main && touch '$repo/a' && git -C '$repo' add a &&"
    . " git -C '$repo' commit -q -m a") == 0 or die "git";

my ($s, $j) = $t->create(name => 'boss', workingDirectory => $repo);
is($s, 201, 'parent');

# --- workerType agent -------------------------------------------------------------------
my $t0 = time;
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'look around',
    workerType => 'agent' });
is($s, 201, 'agent worker: 201') or diag explain $j;
like($j->{name} // '', qr/^agent-(\d+)$/, 'agent worker: agent-<unix time>');
my ($when) = ($j->{name} // '') =~ /(\d+)$/;
ok($when >= $t0 - 1 && $when <= time + 1, 'agent worker: the time is now');
my $agent = $j->{name};
is($j->{workingDirectory}, $repo, "agent worker: the parent's directory");
is($j->{role}, 'worker', 'agent worker: role worker');
is($j->{parent}, 'boss', 'agent worker: parent');
ok(!defined $j->{branch} && !defined $j->{worktree}, 'agent worker: no branch, no worktree');
ok(!-d "$repo/.worktrees", 'agent worker: no worktree made');
is($j->{sessionType}, 'pty', 'agent worker of a plain program: pty (it has no stream)');
$t->wait_output($agent, qr/got: look around/);

# The CLI's worker of an agent with a stream transport (claude here): stream.
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'stream it',
    workerType => 'agent', agent => 'fc' });
is($s, 201, 'agent worker of claude: 201') or diag explain $j;
is($j->{sessionType}, 'stream', 'agent worker of claude: sessionType stream');
is($j->{transport}, 'stream', '... transport stream');
my $sworker = $j->{name};
$t->wait_status($sworker, qr/^idle$/, 30);
pass('the stream worker ran its task and is idle');
like($sworker, qr/^agent-\d+$/, 'a second agent worker in the same second: a name of its own');
isnt($sworker, $agent, '... not the first one\'s');

# --- workerType factory -----------------------------------------------------------------
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'fix it',
    workerType => 'factory', issue => 'https://github.com/org/repo/issues/7' });
is($s, 201, 'factory worker from an issue: 201') or diag explain $j;
like($j->{name} // '', qr/^factory-feat-7-\d+$/, 'factory worker: factory-feat-7-<unix time>');
is($j->{branch}, 'feat-7', 'factory worker: branch feat-N from the issue URL');
ok(-d "$repo/.worktrees/feat-7", 'factory worker: its worktree');
my $factory = $j->{name};
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'more',
    workerType => 'factory', branch => 'x/y' });
is($s, 201, 'factory worker with a branch: 201');
like($j->{name} // '', qr/^factory-x-y-\d+$/, 'factory worker: the branch made a name');
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'nope',
    workerType => 'factory' });
$t->is_err($s, $j, 400, 'invalid_field', 'factory without branch or issue');
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'boss', task => 'nope',
    workerType => 'robot' });
$t->is_err($s, $j, 400, 'invalid_field', 'an unknown workerType');

# --- the list, done workers ---------------------------------------------------------------
($s, $j) = $t->get("$S/boss/workers");
is(scalar @$j, 4, 'workers: four');
is($_->{status}, 'running', "workers: $_->{name} running") for @$j;
($s, $j) = $t->del("$S/$agent");
is($s, 200, 'DELETE of the agent worker: 200');
is($j->{killed}, JSON::PP::true, '... killed');
ok(-d $repo && -f "$repo/a", "... the parent's directory stays as it was");
($s, $j) = $t->req(DELETE => "$S/boss/workers/done");
is($s, 200, 'DELETE workers/done: 200') or diag explain $j;
is($j->{removed}, 1, 'workers/done: one removed');
is_deeply($j->{names}, [$agent], 'workers/done: its name');
($s, $j) = $t->get("$S/boss/workers");
is(scalar @$j, 3, 'workers: the ended one is gone');
ok(!grep({ $_->{name} eq $agent } @$j), '... the agent worker');
ok($t->session($agent), '... its record stays');
($s, $j) = $t->req(DELETE => "$S/nosuch/workers/done");
$t->is_err($s, $j, 404, 'not_found', 'workers/done of an unknown session');

# --- create on a host ---------------------------------------------------------------------
($s, $j) = $t->create(name => 'far', host => 'box9');
$t->is_err($s, $j, 422, 'unknown_machine', 'create on an unknown host');
ok(!$t->session('far'), '... nothing created');
($s, $j) = $t->create(name => 'near', host => 'local');
is($s, 201, 'create on host local: 201');
ok(!defined $j->{host}, '... here');

$t->del("$S/boss");
$t->done;
