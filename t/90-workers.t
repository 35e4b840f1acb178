#!/usr/bin/perl
# Workers on this machine: dispatch-worker makes a branch and a git worktree from
# the parent's HEAD (libgit2), runs the agent there, lists workers; the end keeps
# a worktree with work in it and removes a clean one; deleting a parent stops its
# workers (unless keepWorkers=1); bad input is refused and creates nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use JSON::PP;
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};

$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;
delete $ENV{$_} for grep { /^GIT_(?:DIR|WORK_TREE|INDEX_FILE)$/ } keys %ENV;

# The repository is in a project root: the parent's folder is trusted (t/52).
my $t = AgentdTest->new(projects => 1);
my $repo = $t->workdir . '/repo';
my ($s, $j);

# git in dir; its output (one line trimmed) or dies.
sub git {
	my ($dir, @args) = @_;
	my $out = qx{git -C '$dir' @args 2>&1};
	die "git -C $dir @args: $out" if $?;
	chomp $out;
	return $out;
}

sub write_file {
	my ($f, $text) = @_;
	open(my $fh, '>', $f) or die "$f: $!";
	print $fh $text;
	close $fh;
}

sub dispatch { return $t->post('/api/agents/sessions/dispatch-worker', {@_}) }

# What a bad request must leave as it was.
sub snapshot {
	my (undef, $l) = $t->get('/api/agents/sessions?all=1');
	opendir(my $d, "$repo/.worktrees");
	my @wt = $d ? sort grep { !/^\./ } readdir $d : ();
	return join('|', scalar(@$l), git($repo, 'branch --format="%(refname:short)"'),
	    @wt, git($repo, 'worktree list --porcelain'));
}

# A repository with two commits, and a parent session in it.
mkdir $repo or die;
git($repo, 'init -q -b main');
write_file("$repo/README", "one\n");
git($repo, 'add README');
git($repo, 'commit -q -m one');
write_file("$repo/README", "two\n");
git($repo, 'commit -q -a -m two');
my $head = git($repo, 'rev-parse HEAD');

($s, $j) = $t->create(name => 'p1', workingDirectory => $repo);
is($s, 201, 'parent p1 created in the repository');
$t->wait_output('p1', qr/fake-agent pid=/);
is($t->session('p1')->{role}, 'standalone', 'p1 is standalone before its first worker');

# --- dispatch -------------------------------------------------------------------
($s, $j) = dispatch(parentSession => 'p1', branch => 'feat-a', task => 'do A');
is($s, 201, 'dispatch: 201');
is($j->{name}, 'p1.feat-a', 'worker name: parent.branch');
is($j->{branch}, 'feat-a', 'reply: branch');
is($j->{worktree}, "$repo/.worktrees/feat-a", 'reply: worktree beside the repository');
is($j->{workingDirectory}, "$repo/.worktrees/feat-a", 'reply: the worktree is its directory');
is($j->{machine}, 'local', 'reply: machine local');
like($j->{pid} // '', qr/^\d+$/, 'reply: pid');
is($j->{role}, 'worker', 'reply: role worker');
is($j->{parent}, 'p1', 'reply: parent');
is($j->{agentType}, 'fake', "agentType: the parent's");
is($j->{permissionMode}, 'default', "permissionMode: the parent's");
is($t->session('p1')->{trustFolder}, JSON::PP::true, 'p1: its folder is trusted');
is($j->{trustFolder}, JSON::PP::true, "trustFolder: the parent's (its repository is in its folder)");
my $w1pid = $j->{pid};
ok(-d "$repo/.worktrees/feat-a", 'the worktree exists');
is(git($repo, 'rev-parse refs/heads/feat-a'), $head, "branch feat-a is at the parent's HEAD");
is(git("$repo/.worktrees/feat-a", 'rev-parse HEAD'), $head, "the worktree's HEAD is the parent's");
is(git("$repo/.worktrees/feat-a", 'rev-parse --abbrev-ref HEAD'), 'feat-a',
    'the worktree is on its branch');
is(git("$repo/.worktrees/feat-a", 'status --porcelain'), '', 'the worktree is clean');
is(git($repo, 'status --porcelain'), '', 'the repository stays clean (.worktrees is excluded)');
like(git($repo, 'worktree list'), qr{\Q$repo\E/\.worktrees/feat-a\s+\w+\s+\[feat-a\]},
    'git knows the worktree');
my $out = $t->wait_output('p1.feat-a', qr/got: do A/);
like($out, qr{cwd=\Q$repo\E/\.worktrees/feat-a\b}, 'the agent runs in the worktree');

($s, $j) = dispatch(parentSession => 'p1', issue => 'https://github.com/org/repo/issues/42',
    task => 'fix the login redirect');
is($s, 201, 'dispatch from an issue: 201');
is($j->{branch}, 'issue-42', 'branch derived from the issue number');
is($j->{name}, 'p1.issue-42', 'its name');
is($j->{issue}, 'https://github.com/org/repo/issues/42', 'reply: issue');
is($j->{issueNumber}, 42, 'reply: issueNumber');
my $w2pid = $j->{pid};
$t->wait_output('p1.issue-42',
    qr{got: fix the login redirect.*got: Issue: https://github\.com/org/repo/issues/42 \(#42\)}s);
pass('the prompt is the task with the issue URL and number');
is(git($repo, 'rev-parse refs/heads/issue-42'), $head, "issue-42 is at the parent's HEAD");

($s, $j) = dispatch(parentSession => 'p1', branch => 'feature/deep-b', issueUrl => 'https://gitlab.example/g/r/-/issues/7',
    agentType => 'codex', task => 'do B');
is($s, 201, 'dispatch with a / in the branch and the older names: 201');
is($j->{name}, 'p1.feature-deep-b', 'name: other bytes become -');
is($j->{agentType}, 'codex', 'agent given: used');
is($j->{issueNumber}, 7, 'GitLab issue number');
ok(-d "$repo/.worktrees/feature/deep-b", 'worktree path keeps the branch path');
my $w3pid = $j->{pid};

# --- listing --------------------------------------------------------------------
($s, $j, my $h) = $t->get('/api/agents/sessions/p1/workers');
is($s, 200, 'GET workers: 200');
is($h->{'x-total-count'}, 3, 'workers: X-Total-Count 3');
is($h->{'x-running-count'}, 3, 'workers: X-Running-Count 3');
is(scalar @$j, 3, 'workers: three');
my %w = map { $_->{name} => $_ } @$j;
for my $n ('p1.feat-a', 'p1.issue-42', 'p1.feature-deep-b') {
	ok($w{$n}, "workers: $n listed");
}
my $x = $w{'p1.issue-42'};
is($x->{branch}, 'issue-42', 'worker entry: branch');
is($x->{worktree}, "$repo/.worktrees/issue-42", 'worker entry: worktree');
is($x->{machine}, 'local', 'worker entry: machine');
is($x->{issue}, 'https://github.com/org/repo/issues/42', 'worker entry: issue');
ok(exists $x->{$_}, "worker entry: $_") for qw(status created lastActivity completion);
is($x->{worktreeState}, 'active', 'worker entry: worktree active');
my $p = $t->session('p1');
is($p->{role}, 'parent', 'p1 is a parent now');
is($p->{workers}{total}, 3, 'parent detail: 3 workers');
is($p->{workers}{running}, 3, 'parent detail: 3 running');
ok(grep({ $_->{type} eq 'worker' } @{$p->{events}}), 'parent history: worker events');
($s, $j) = $t->get('/api/agents/sessions/nobody/workers');
$t->is_err($s, $j, 404, 'not_found', 'workers of an unknown session');
($s, $j) = $t->get('/api/agents/machines');
is($s, 200, 'machines: 200');
is_deeply([map { $_->{id} } @$j], ['local'], 'machines: only local');
ok($j->[0]{reachable}, 'local is reachable');

# --- the end of a worker --------------------------------------------------------
# A worker that committed keeps its worktree and branch.
my $wt1 = "$repo/.worktrees/feat-a";
write_file("$wt1/a.txt", "A\n");
git($wt1, 'add a.txt');
git($wt1, 'commit -q -m A');
($s, $j) = $t->del('/api/agents/sessions/p1.feat-a');
is($s, 200, 'DELETE of a worker with a commit: 200');
is($j->{state}, 'terminated', 'it is terminated');
is($j->{worktreeState}, 'kept', 'its worktree is kept');
like($j->{keepReason} // '', qr/1 commit not in main/, 'the record says why');
ok(!kill(0, $w1pid), 'its agent is gone');
ok(-f "$wt1/a.txt", 'the worktree is still there');
ok(git($repo, 'rev-parse --verify -q refs/heads/feat-a'), 'the branch is still there');
($s, $j) = $t->del('/api/agents/sessions/p1.feat-a');
is($s, 200, 'DELETE again: 200');
is($j->{worktreeState}, 'kept', 'still kept');
ok(-d $wt1, 'and still there');

# A branch that exists is 409, and nothing is made.
my $before = snapshot();
($s, $j) = dispatch(parentSession => 'p1', branch => 'feat-a', task => 'again');
$t->is_err($s, $j, 409, 'exists', 'dispatch on an existing branch');
is(snapshot(), $before, '... nothing created');

# Uncommitted work keeps a worktree too; a clean one is removed. Deleting the
# parent stops every worker.
write_file("$repo/.worktrees/feature/deep-b/notes.txt", "wip\n");
($s, $j) = $t->del('/api/agents/sessions/p1');
is($s, 200, 'DELETE of the parent: 200');
is($j->{name}, 'p1', 'the reply is the parent');
is($j->{state}, 'terminated', 'the parent is terminated');
ok(!kill(0, $w2pid), 'worker issue-42 stopped');
ok(!kill(0, $w3pid), 'worker feature/deep-b stopped');
my $d2 = $t->session('p1.issue-42');
is($d2->{state}, 'terminated', 'issue-42: terminated');
is($d2->{worktreeState}, 'removed', 'issue-42: clean, worktree removed');
ok(!defined $d2->{keepReason}, 'issue-42: no keep reason');
ok(!-e "$repo/.worktrees/issue-42", 'issue-42: the directory is gone');
ok(!git($repo, 'branch --list issue-42'), 'issue-42: the branch is gone');
unlike(git($repo, 'worktree list'), qr/issue-42/, 'issue-42: git forgot the worktree');
my $d3 = $t->session('p1.feature-deep-b');
is($d3->{state}, 'terminated', 'feature/deep-b: terminated');
is($d3->{worktreeState}, 'kept', 'feature/deep-b: kept');
like($d3->{keepReason} // '', qr/uncommitted changes \(1 file\)/, 'feature/deep-b: why');
ok(-f "$repo/.worktrees/feature/deep-b/notes.txt", 'feature/deep-b: the work is there');
ok(git($repo, 'branch --list feature/deep-b'), 'feature/deep-b: the branch is there');
is(git($repo, 'status --porcelain'), '', 'the repository is still clean');
($s, $j, $h) = $t->get('/api/agents/sessions/p1/workers');
is($h->{'x-running-count'}, 0, 'no worker of p1 runs');
ok(!grep({ $_->{processAlive} } @$j), '... none alive');

# keepWorkers=1 leaves the workers running.
($s) = $t->create(name => 'p2', workingDirectory => $repo);
is($s, 201, 'parent p2');
($s, $j) = dispatch(parentSession => 'p2', branch => 'kw', task => 'stay');
is($s, 201, 'worker of p2');
my $kwpid = $j->{pid};
($s, $j) = $t->del('/api/agents/sessions/p2?keepWorkers=1');
is($s, 200, 'DELETE p2?keepWorkers=1: 200');
is($j->{state}, 'terminated', 'p2 terminated');
ok(kill(0, $kwpid), 'its worker still runs');
is($t->session('p2.kw')->{state}, 'running', 'worker status running');
($s, $j) = $t->del('/api/agents/sessions/p2.kw');
is($s, 200, 'DELETE the worker');
is($j->{worktreeState}, 'removed', 'clean: removed');
ok(!-e "$repo/.worktrees/kw", 'its directory is gone');

# --- bad input: each its error, nothing created ---------------------------------
($s) = $t->create(name => 'p3', workingDirectory => $repo);
is($s, 201, 'parent p3');
($s) = $t->create(name => 'gone', workingDirectory => $repo);
$t->del('/api/agents/sessions/gone');
mkdir $t->workdir . '/plain';
($s) = $t->create(name => 'norepo', workingDirectory => $t->workdir . '/plain');
is($s, 201, 'a parent outside any repository');
$before = snapshot();
my @bad = (
	[{ parentSession => 'nobody', branch => 'b1', task => 't' }, 404, 'not_found', 'unknown parent'],
	[{ parentSession => 'gone', branch => 'b1', task => 't' }, 409, 'parent_not_running', 'ended parent'],
	[{ parentSession => 'bad name!', branch => 'b1', task => 't' }, 400, 'invalid_name', 'invalid parent name'],
	[{ parentSession => 'p3', branch => 'b1' }, 400, 'invalid_field', 'missing task'],
	[{ parentSession => 'p3', branch => 'b1', task => '' }, 400, 'invalid_field', 'empty task'],
	[{ parentSession => 'p3', branch => 'b1', task => 42 }, 400, 'invalid_field', 'task not a string'],
	[{ parentSession => 'p3', task => 't' }, 400, 'invalid_field', 'no branch and no issue'],
	(map { [{ parentSession => 'p3', branch => $_, task => 't' }, 400, 'invalid_branch', "branch '$_'"] }
	    '..', 'a..b', 'x@{y', 'topic.lock', 'has space', '-dash', 'end/', 'a//b', '.hidden', 'x~1', 'q?', 'HEAD'),
	[{ parentSession => 'p3', branch => 'b1', task => 't', issue => 'ftp://example.com/issues/1' }, 400,
	    'invalid_field', 'issue URL not http(s)'],
	[{ parentSession => 'p3', branch => 'b1', task => 't', issue => 'github.com/o/r/issues/1' }, 400,
	    'invalid_field', 'issue URL without a scheme'],
	[{ parentSession => 'p3', branch => 'b1', task => 't', machine => 'box9' }, 422, 'unknown_machine',
	    'unknown machine'],
	[{ parentSession => 'p3', branch => 'b1', task => 't', agent => 'nosuch' }, 400, 'invalid_agent_type',
	    'unknown agent'],
	[{ parentSession => 'norepo', branch => 'b1', task => 't' }, 422, 'not_a_repository',
	    'parent not in a git repository'],
);
for my $b (@bad) {
	($s, $j) = dispatch(%{$b->[0]});
	$t->is_err($s, $j, $b->[1], $b->[2], "dispatch: $b->[3]");
}
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker', '{"parentSession":',
    'Content-Type' => 'application/json');
$t->is_err($s, $j, 400, 'bad_json', 'dispatch: bad JSON');
is(snapshot(), $before, 'bad input: no session, branch or worktree was created');
ok(!-e "$repo/.worktrees/b1", 'no worktree b1');

# The daemon checks as well (agentd-fcgi is not the only client); every request
# names its actor, as agentd-fcgi's do.
my $me = { user => scalar getpwuid($>) };
my $r = $t->ctl_call({ op => 'worker.dispatch', actor => $me,
    args => { parentSession => 'p3', branch => 'a..b', task => 't' } });
is($r->{status}, 400, 'ctl: invalid branch 400');
is($r->{body}{code}, 'invalid_branch', 'ctl: invalid_branch');
$r = $t->ctl_call({ op => 'worker.dispatch', actor => $me,
    args => { parentSession => 'p3', branch => 'b1', task => 't', issue => 'javascript:alert(1)' } });
is($r->{body}{code}, 'invalid_field', 'ctl: bad issue URL');
is(snapshot(), $before, 'still nothing created');

# A parent whose folder is not trusted (the state directory): neither is its worker.
my $urepo = $t->home . '/urepo';
mkdir $urepo or die;
git($urepo, 'init -q -b main');
write_file("$urepo/README", "u\n");
git($urepo, 'add README');
git($urepo, 'commit -q -m u');
($s, $j) = $t->create(name => 'pu', workingDirectory => $urepo);
is($s, 201, 'parent pu in a folder outside the project roots');
is($j->{trustFolder}, JSON::PP::false, 'pu: not trusted');
($s, $j) = dispatch(parentSession => 'pu', branch => 'u1', task => 'do U');
is($s, 201, 'dispatch from pu');
is($j->{trustFolder}, JSON::PP::false, "pu's worker: not trusted either");
$t->del("/api/agents/sessions/$_") for qw(pu.u1 pu);

$t->done;
