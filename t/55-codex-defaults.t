#!/usr/bin/perl
# The config's defaults for caps and approvals with the real codex (issue #14),
# against t/bin/fake-model: `max_tokens` caps a session created without one (and
# a session's own maxTokens overrides it), and `approval_timeout` with
# `approval_timeout_decision = allow` allows an approval nobody answers, in the
# stream (`item/commandExecution/requestApproval` answered) and in the TUI (its
# box answered with its allow key while it is on the screen): the escalated
# command runs and the turn goes on.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use Test::More;

AgentdTest->require_stack;
AgentdTest->require_agent('codex');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;

# Codex's sandbox helper needs CODEX_HOME outside the temp directory.
AgentdTest->agents_tmpdir('t55');

my $t = AgentdTest->new(real_agents => 1, conf => { max_tokens => 50, approval_timeout => 2,
    approval_timeout_decision => 'allow' });

sub events { $t->events_of(@_) }
sub replies { $t->replies_of(@_) }

my %case = (
	'def-cap' => { transport => 'stream', permissionMode => 'bypassPermissions',
	    prompt => 'hello agent' },
	'ask-stream' => { transport => 'stream', permissionMode => 'default', maxTokens => 10000,
	    prompt => 'ESCALATE now' },
	'ask-tty' => { transport => 'tty', permissionMode => 'default', maxTokens => 10000,
	    prompt => 'ESCALATE now' },
);
for my $name (sort keys %case) {
	make_path($case{$name}{work} = $t->workdir . "/$name");
	my ($s, $j) = $t->create(name => $name, agentType => 'codex',
	    workingDirectory => $case{$name}{work}, %{$case{$name}}{grep { $_ ne 'work' }
	    keys %{$case{$name}}});
	is($s, 201, "$name: create") or diag explain $j;
	is($j->{limits}{maxTokens}, $name eq 'def-cap' ? 50 : 10000,
	    "$name: maxTokens " . ($name eq 'def-cap' ? 'from max_tokens' : 'its own'));
}

# The default cap: 30 tokens a request, capped by the second turn.
$t->wait_for(sub { replies('def-cap', qr/FAKE_REPLY/) }, $TURN, 'def-cap: the first reply');
$t->wait_status('def-cap', qr/^idle$/, $TURN);
ok(!events('def-cap', 'capped'), 'def-cap: 30 tokens: under the default cap');
my ($s, $j) = $t->message('def-cap', 'again');
is($s, 200, 'def-cap: a second message');
$t->wait_for(sub { events('def-cap', 'capped') }, $TURN, 'def-cap: capped by max_tokens');
my ($e) = events('def-cap', 'capped');
is($e->{event}{limit}, 50, 'def-cap: the limit of the config');
$t->wait_status('def-cap', qr/^idle$/, $TURN);
($s, $j) = $t->message('def-cap', 'more');
$t->is_err($s, $j, 409, 'capped', 'def-cap: refused');

# The approval nobody answers: allowed by the timeout; the command runs.
for my $name (qw(ask-stream ask-tty)) {
	$t->wait_for(sub { events($name, 'permission_request') }, $TURN, "$name: it asks");
	$t->wait_for(sub { grep { ($_->{event}{by} // '') eq 'timeout' } events($name, 'approval') },
	    $TURN, "$name: the approval timeout");
	($e) = grep { ($_->{event}{by} // '') eq 'timeout' } events($name, 'approval');
	is($e->{event}{decision}, 'allow', "$name: allowed by approval_timeout_decision");
	$t->wait_for(sub { -e "$case{$name}{work}/out.txt" }, $TURN, "$name: the command ran");
	$t->wait_for(sub { replies($name, qr/FAKE_DONE/) }, $TURN, "$name: the turn goes on");
	$t->wait_status($name, qr/^idle$/, $TURN);
	ok(!events($name, 'capped'), "$name: its own cap, not the default");
}

for my $name (sort keys %case) {
	($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "delete $name");
}
$t->done;
