#!/usr/bin/perl
# The dashboard (web/) in headless chromium against the real stack with the
# fake agent (issue 16): nginx serves it at /, its first load is measured
# against the 300 KB goal; a session created through the form shows its
# prompt in the terminal, typed keys echo, the message box, complete, the
# debrief and delete work from the page; a worker dispatched from the page
# shows its diff and a review comment reaches the agent.  No console error is
# allowed; every page is screenshotted (t/browser-shots/76-dash/ in the build tree).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use DashTest;
use File::Temp ();
use Test::More;

AgentdTest->require_stack;
DashTest::require_browser();
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};

$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

# fcs: a claude-shaped stream agent, for a stream session's page.
my $t = AgentdTest->new(agents => { fcs => { default => AgentdTest->srcdir
    . '/t/bin/fake-claude-stream', adapter => 'claude' } });

# nginx serves the page and its bundle, compressed, with no external origin.
my ($s, undef, $h, $raw) = $t->req(GET => '/');
is($s, 200, 'GET / is the dashboard');
like($raw, qr{<script src="\./app-[A-Z0-9]+\.js"></script>}, 'it loads its bundle by relative URL');
like($h->{'content-security-policy'} // '', qr/default-src 'self'/, 'with a same-origin CSP');
my ($js) = $raw =~ m{src="\./(app-[A-Z0-9]+\.js)"};
($s, undef, $h) = $t->req(GET => "/$js", undef, 'Accept-Encoding' => 'gzip');
is($s, 200, 'the bundle is served');
is($h->{'content-encoding'} // '', 'gzip', 'precompressed (gzip_static)');
like($h->{'content-type'} // '', qr{^application/javascript}, 'as JavaScript');

# Who the page is talking for: auth = local (the default) is the owner, as admin.
my $me;
($s, $me) = $t->get('/api/agents/me');
is($s, 200, 'GET /api/agents/me');
is_deeply([@$me{qw(user role auth)}], [scalar getpwuid($>), 'admin', 'local'],
    'auth = local: the owner, admin');

# A repository for the worker and its diff.
my $repo = $t->workdir . '/repo';
AgentdTest->git_repo($repo, 'notes.txt' => "line one\nline two\nline three\n");

# The form's session runs outside the state directory, where uploads may go.
my $updir = File::Temp::tempdir('agentd-dash-XXXXXX', DIR => '/tmp', CLEANUP => 1);

# ASAN: the sanitizer pass measures no pace (its daemon spends several times
# the CPU per byte, taken from the browser on a 2-core machine).
DashTest::run($t, 'dash-session.mjs', REPO => $repo,
    ACTIONS => { restart_daemon => sub { $t->kill_daemon('KILL'); $t->start_daemon } },
    UPDIR => $updir, ASAN => AgentdTest->asan_build ? 1 : 0);

$t->done;
