#!/usr/bin/perl
# World view and pre-kill debrief (issue: debrief and world), with the real claude
# against the scripted model server: a short session gets a hotwash whose text is
# the model's scripted answer; a session made long by the config's thresholds gets
# an AAR; an agent that never answers (the model stalls) yields the fallback report
# at the deadline with the right git diff --stat. World: standalone, parent and
# worker sessions with their roles, statuses and usage sums; a session waiting for
# approval shows phase waiting_approval.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
AgentdTest->require_agent('claude');
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};
$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;
my $t = AgentdTest->new(real_agents => 1, conf => {
	debrief_short_secs => 20,	# the stalled model: fallback after 20 s
	debrief_long_turns => 3,	# three user turns make a session long
});

sub git {
	my ($dir, @args) = @_;
	my $out = qx{git -C '$dir' @args 2>&1};
	die "git -C $dir @args: $out" if $?;
	chomp $out;
	return $out;
}

sub idle { my ($n) = @_; $t->wait_for(sub { ($t->session($n)->{state} // '') eq 'idle' }, $TURN, "$n idle") }

# A repository with a commit and an uncommitted change, for the fallback's diff.
my $repo = $t->workdir . '/repo';
mkdir $repo or die;
git($repo, 'init -q -b main');
open(my $fh, '>', "$repo/notes.txt") or die;
print $fh "one\ntwo\n";
close $fh;
git($repo, 'add notes.txt');
git($repo, 'commit -q -m one');
open($fh, '>>', "$repo/notes.txt") or die;
print $fh "three\nfour\n";
close $fh;
my $stat = git($repo, 'diff --stat');

# Short session: a hotwash written by the agent (the model's scripted report).
my ($s, $j) = $t->create(name => 'short', agentType => 'claude', workingDirectory => $repo,
    prompt => 'hello');
is($s, 201, 'create short');
idle('short');
my $t0 = time;
($s, $j) = $t->post('/api/agents/sessions/short/pre-kill-debrief', {});
is($s, 200, 'debrief: 200');
is($j->{kind}, 'hotwash', 'a short session gets a hotwash');
is($j->{source}, 'agent', 'from the agent');
like($j->{report}, qr/^FAKE_REPORT:/, "the report is the model's answer");
like($j->{createdAt}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'createdAt');
diag(sprintf('hotwash from the agent in %.1f s', time - $t0));
ok(-s $j->{path}, 'stored as a markdown file');
($s, my $g) = $t->get('/api/agents/sessions/short/pre-kill-debrief');
is($s, 200, 'GET the last debrief');
is($g->{report}, $j->{report}, 'the same report');
my $d = $t->session('short');
is($d->{debrief}{kind}, 'hotwash', 'shown in the session detail');
ok(grep({ $_->{type} eq 'debrief' } @{$d->{events}}), 'and as a json_event');
is($d->{state}, 'idle', 'the session was not killed');

# A second request while one runs: 409; ?async=1 answers 202 at once.
($s, $j) = $t->post('/api/agents/sessions/short/pre-kill-debrief?async=1', {});
is($s, 202, 'async: 202 at once');
($s) = $t->post('/api/agents/sessions/short/pre-kill-debrief', {});
is($s, 409, 'a second debrief while one runs: 409');
$t->wait_for(sub {
	my (undef, $x) = $t->get('/api/agents/sessions/short/pre-kill-debrief');
	$x && $x->{createdAt} && $x->{report} =~ /FAKE_REPORT/ &&
	    scalar(grep { $_->{type} eq 'debrief' } @{$t->session('short')->{events}}) >= 2;
}, $TURN, 'the async report');
pass('the async report appears on GET and as an event');

# Long session (three user turns): an After-Action Review.
($s) = $t->create(name => 'long', agentType => 'claude', workingDirectory => $repo,
    prompt => 'turn one');
idle('long');
for my $m ('turn two', 'turn three') {
	($s) = $t->message('long', $m);
	$t->wait_for(sub { ($t->session('long')->{state} // '') eq 'working' }, 30, 'working');
	idle('long');
}
($s, $j) = $t->post('/api/agents/sessions/long/pre-kill-debrief', {});
is($s, 200, 'debrief of the long session');
is($j->{kind}, 'aar', 'a long session gets an AAR');
is($j->{source}, 'agent', 'from the agent');

# An agent that never answers: the model stalls; the fallback at the deadline.
($s) = $t->create(name => 'stall', agentType => 'claude', workingDirectory => $repo,
    prompt => 'hello');
idle('stall');
($s) = $t->message('stall', 'STALL now');
$t->wait_for(sub { ($t->session('stall')->{state} // '') eq 'working' }, 30, 'working');
$t0 = time;
($s, $j) = $t->post('/api/agents/sessions/stall/pre-kill-debrief', {});
my $took = time - $t0;
is($s, 200, 'debrief of a stalled agent: 200');
is($j->{source}, 'fallback', 'written by agentd');
ok($took >= 19 && $took < 60, sprintf('at the deadline (%.1f s)', $took));
like($j->{report}, qr/did not finish within 20 s/, 'says why');
my ($files) = $stat =~ /(\d+ files? changed)/;
like($j->{report}, qr/notes\.txt\s*\|\s*2 \+\+/, 'with the git diff --stat of the directory');
like($j->{report}, qr/\Q$files\E/, "($files)");
like($j->{report}, qr/Turns: 2 user messages/, 'and the turns');

# The world: roles, statuses, usage sums, phase waiting_approval.
git($repo, 'add notes.txt');
git($repo, 'commit -q -m two');
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker', { parentSession => 'short',
    branch => 'w1', task => 'hello from the parent' });
is($s, 201, 'dispatch a worker of short') or diag(explain($j));
my $worker = $j->{name};
idle($worker);
($s) = $t->create(name => 'asker', agentType => 'claude', workingDirectory => $repo,
    prompt => 'hello');
idle('asker');
($s) = $t->message('asker', 'RUNTOOL now');
$t->wait_for(sub { ($t->session('asker')->{state} // '') eq 'waiting_approval' }, $TURN,
    'asker waiting for approval');
my $w0 = time;
# The world and its totals are two requests (each cached a moment): a turn
# that ends between them counts in one only, so ask again until they agree.
my ($w, $tot, %sum);
my @kinds = qw(inputTokens outputTokens cacheReadTokens cacheWriteTokens);
eval { $t->wait_for(sub {
	($s, $w) = $t->get('/api/agents/world');
	(undef, $tot) = $t->get('/api/agents/world/totals');
	%sum = ();
	for my $e (@$w) {
		$sum{$_} += $e->{usage}{$_} for @kinds;
	}
	!grep { ($tot->{usage}{$_} // -1) != $sum{$_} } @kinds;
}, 10, 'the world and its totals agree') };
is($s, 200, 'GET world');
my %by = map { $_->{name} => $_ } @$w;
is($by{long}{role}, 'standalone', 'standalone role');
is($by{short}{role}, 'parent', 'parent role');
is($by{$worker}{role}, 'worker', 'worker role');
is($by{$worker}{parent}, 'short', 'the worker names its parent');
is($by{$worker}{machine}, 'local', 'machine');
is($by{asker}{phase}, 'waiting_approval', 'phase waiting_approval');
is($by{asker}{state}, 'waiting_approval', 'status waiting_approval');
is($by{long}{phase}, 'idle', 'phase idle');
like($by{asker}{task}, qr/^hello/, 'task');
ok($by{asker}{lastToolUse} || 1, 'lastToolUse present when known');
is($tot->{usage}{$_}, $sum{$_}, "totals: $_ summed ($sum{$_})") for @kinds;
ok($tot->{usage}{outputTokens} > 0, 'usage from the agents');
is($tot->{agents}, scalar @$w, 'totals: agents');
# byStatus counts the world's (the seed's) statuses: a session waiting for an
# approval is active.
my %want;
$want{$_->{status}}++ for @$w;
is_deeply($tot->{byStatus}, \%want, 'totals by status: the world\'s statuses counted');
is($by{asker}{status}, 'active', 'the waiting session is active');

($s) = $t->post('/api/agents/sessions/asker/approval', { decision => 'deny' });
is($s, 200, 'deny the pending approval');
$t->stop;
done_testing;
