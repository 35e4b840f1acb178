#!/usr/bin/perl
# Contract (issue #15, items 1 and 7): the bare arrays and shapes the seed
# source's clients map over, with agentd's extras beside them.
#   UI   GET machines  -> [{id, label, host, user, port, cwd}]   (machineList.map)
#   UI   GET world     -> [{id, name, sessionType, agentType, role, status, phase,
#                           usage, task, lastToolUse, lastUpdatedAt}], status one
#                           of active idle stale completed
#   UI   GET directories -> {parent, directories: ["/abs/dir"]}  (dir.split)
#   CLI  GET .../workers -> [{name, status, phase}]
#   UI   GET skills    -> [...]
#   UI   GET files     -> {path, files: [{name, isDirectory}]}
#   UI   POST upload   -> {uploaded: [...]}
# agentd's totals: world/totals, X-Total-Count and X-Running-Count, entries.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};
$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

my $tmp = tempdir('agentd-seed-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $home = "$tmp/home";
make_path("$home/proj/sub", "$home/other", "$home/.claude/skills/x");
open(my $fh, '>', "$home/.claude/skills/x/SKILL.md") or die;
print $fh "---\nname: x\ndescription: a skill\n---\nbody\n";
close $fh;
open($fh, '>', "$home/file.txt") or die;
print $fh "hello\n";
close $fh;
my $repo = "$home/repo";
mkdir $repo or die;
system("git -C '$repo' init -q -b main && touch '$repo/a' && git -C '$repo' add a &&"
    . " git -C '$repo' commit -q -m a") == 0 or die "git";

my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(conf => { home_root => $home }, agents => {
    fc => { default => $fcs, adapter => 'claude' }, quiet => 'sleep 3600' });
my $S = '/api/agents/sessions';

# --- machines ------------------------------------------------------------------------
my ($s, $j) = $t->get('/api/agents/machines');
is($s, 200, 'machines: 200');
is(ref $j, 'ARRAY', 'machines: a bare array');
my ($local) = grep { $_->{id} eq 'local' } @$j;
ok($local, 'machines: local');
ok(exists $local->{$_}, "machines: $_") for qw(id label host user port cwd);
is($local->{label}, 'local', 'machines: label');
is($local->{cwd}, $home, 'machines: local cwd is the home');
ok($local->{reachable}, "machines: agentd's reachable beside");

# --- world -----------------------------------------------------------------------------
($s) = $t->create(name => 'w1', workingDirectory => $repo, prompt => 'task one');
is($s, 201, 'create w1');
($s, $j) = $t->get('/api/agents/world');
is($s, 200, 'world: 200');
is(ref $j, 'ARRAY', 'world: a bare array');
my ($w) = grep { $_->{name} eq 'w1' } @$j;
ok($w, 'world: w1');
ok(exists $w->{$_}, "world: $_")
    for qw(id name sessionType agentType role status phase usage task lastToolUse lastUpdatedAt);
is($w->{id}, 'w1', 'world: id');
is($w->{sessionType}, 'pty', 'world: sessionType');
like($w->{status}, qr/^(?:active|idle|stale|completed)$/, 'world: status active|idle|stale|completed');
is($w->{status}, 'active', 'world: a running program is active');
is($w->{task}, 'task one', 'world: task');
is(ref $w->{usage}, 'HASH', 'world: usage');
is($w->{state}, 'running', 'world: state (agentd) as in the session');
is($w->{phase}, $t->session('w1')->{phase}, 'world: phase as in the session');
$t->post("$S/w1/complete", { status => 'success' });
($s, $j) = $t->get('/api/agents/world');
($w) = grep { $_->{name} eq 'w1' } @$j;
is($w->{status}, 'completed', 'world: completed once marked');
($s, $j) = $t->get('/api/agents/world/totals');
is($s, 200, 'world/totals: 200');
is($j->{agents}, 1, 'world/totals: agents');
is($j->{byStatus}{completed}, 1, 'world/totals: byStatus');
ok(defined $j->{usage}{costUsd}, 'world/totals: usage');

# An agent between turns is idle; a live session silent for over ten minutes
# (WORLD_STALE_SECS) is stale: its last activity is moved back in the store.
($s) = $t->create(name => 'w2', agentType => 'fc', transport => 'stream',
    workingDirectory => $repo);
is($s, 201, 'create w2 (claude, stream)');
$t->wait_status('w2', qr/^idle$/, 30);
($s) = $t->create(name => 'w3', agentType => 'quiet', workingDirectory => $repo);
is($s, 201, 'create w3 (a silent program)');
$t->wait_for(sub { ($t->session('w3')->{state} // '') eq 'running' }, 10, 'w3 running');
my %ws = map { $_->{name} => $_->{status} } @{($t->get('/api/agents/world'))[1]};
is($ws{w2}, 'idle', 'world: an agent between turns is idle');
is($ws{w3}, 'active', 'world: a silent program just started is active');
system('sqlite3', $t->home . '/agentd.db', "UPDATE sessions SET last_activity ="
    . " strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-11 minutes') WHERE name = 'w3'"
    . " AND ended IS NULL") == 0 or die "sqlite3";
%ws = map { $_->{name} => $_->{status} } @{($t->get('/api/agents/world'))[1]};
is($ws{w3}, 'stale', 'world: silent for eleven minutes: stale');
($s, $j) = $t->get('/api/agents/world/totals');
is($j->{byStatus}{idle}, 1, 'world/totals: byStatus idle');
is($j->{byStatus}{stale}, 1, 'world/totals: byStatus stale');
$t->del("$S/$_") for qw(w2 w3);

# --- workers ---------------------------------------------------------------------------
($s, $j) = $t->post("$S/dispatch-worker", { parentSession => 'w1', branch => 'b1',
    task => 'work' });
is($s, 201, 'dispatch: 201');
($s, $j, my $h) = $t->get("$S/w1/workers");
is($s, 200, 'workers: 200');
is(ref $j, 'ARRAY', 'workers: a bare array');
ok(exists $j->[0]{$_}, "workers: $_") for qw(name status phase);
is($j->[0]{status}, 'running', 'workers: status running');
is($h->{'x-total-count'}, 1, 'workers: X-Total-Count');
is($h->{'x-running-count'}, 1, 'workers: X-Running-Count');

# --- directories -------------------------------------------------------------------------
($s, $j) = $t->get('/api/agents/directories');
is($s, 200, 'directories: 200');
is($j->{parent}, $home, 'directories: parent, the home');
is(ref $j->{directories}, 'ARRAY', 'directories: an array');
ok(!grep({ ref } @{$j->{directories}}), 'directories: strings');
ok((grep { $_ eq "$home/proj" } @{$j->{directories}}), 'directories: absolute paths');
ok((grep { ($_->{path} // '') eq $repo && $_->{isGitRepo} } @{$j->{entries}}),
    "directories: agentd's entries beside");
($s, $j) = $t->get("/api/agents/directories?path=$home/proj");
is($j->{parent}, "$home/proj", '?path: parent is the directory listed');
is_deeply($j->{directories}, ["$home/proj/sub"], '?path: its subdirectories')
    or diag explain $j;

# --- skills ----------------------------------------------------------------------------------
($s, $j, $h) = $t->get('/api/agents/skills');
is($s, 200, 'skills: 200');
is(ref $j, 'ARRAY', 'skills: a bare array');
my ($x) = grep { $_->{name} eq 'x' } @$j;
ok($x, 'skills: x');
is($x->{agent}, 'claude', 'skills: agent');
is($x->{scope}, 'user', 'skills: scope');
is($h->{'x-agentd-truncated'}, 'false', 'skills: X-Agentd-Truncated');

# --- files ---------------------------------------------------------------------------------------
($s, $j) = $t->get("/api/agents/files?path=$home");
is($s, 200, 'files: 200');
is($j->{path}, $home, 'files: path');
my %f = map { $_->{name} => $_ } @{$j->{files}};
is($f{'file.txt'}{isDirectory}, JSON::PP::false, 'files: a file, isDirectory false');
is($f{proj}{isDirectory}, JSON::PP::true, 'files: a directory, isDirectory true');

# --- upload ------------------------------------------------------------------------------------------
my $b = 'seedboundary';
my $body = "--$b\r\nContent-Disposition: form-data; name=\"workingDirectory\"\r\n\r\n$home/other\r\n"
    . "--$b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"u.txt\"\r\n"
    . "Content-Type: text/plain\r\n\r\nuploaded\r\n--$b--\r\n";
($s, $j) = $t->req(POST => '/api/agents/upload', $body,
    'Content-Type' => "multipart/form-data; boundary=$b");
is($s, 200, 'upload: 200') or diag explain $j;
is_deeply($j->{uploaded}, ["$home/other/u.txt"], 'upload: uploaded, the paths written');
ok(-f "$home/other/u.txt", 'upload: the file is there');

$t->done;
