#!/usr/bin/perl
# The real openclaw in its modes and both transports (issue #14), against
# t/bin/fake-model. stream is one embedded turn per message (`openclaw agent
# --local --session-id ID --json`, driven by agentd's bash driver on the pipes;
# its events are read from its store when the turn ends); tty is its TUI (`tui
# --local`). OpenClaw has no approvals in either (its Gateway, which has them,
# does not start reliably under load: doc/AGENTS-STRUCTURED.md); its default exec
# policy is full access in every mode. For each: create with a prompt -> the reply
# in json_event and tty_data -> a tool call runs -> usage counted -> reset starts a
# new conversation -> DELETE leaves no process. The TUI's turn comes from its
# store (working at the user's message, idle and turn_end at the message whose
# stopReason is not toolUse), not only from its status line. OpenClaw starts slowly: the cases
# run side by side. TEST_OPENCLAW_CASES=stream-default,... limits them.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use AgentMatrix;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
AgentdTest->require_agent('openclaw');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 600;

# OpenClaw's exec approvals (a Gateway's) refuse to bind a command with a
# redirection ("approval cannot safely bind this command"): a touch, as in t/95.
$ENV{FAKE_CMD} = 'touch out.txt';

my $t = AgentdTest->new(real_agents => 1);
my $t0 = time;

our @cases;
matrix_init($t, $TURN);
for my $c (['stream', 'default'], ['stream', 'bypassPermissions'], ['tty', 'default']) {
	my ($tr, $mode) = @$c;
	my $name = "oc-$tr-$mode";
	next if $ENV{TEST_OPENCLAW_CASES} &&
	    !grep { "$tr-$mode" eq $_ } split /,/, $ENV{TEST_OPENCLAW_CASES};
	push @cases, { name => $name, tr => $tr, mode => $mode, work => $t->workdir . "/$name",
	    asks => 0 };
}

# Create: every case at once.
for my $c (@cases) {
	make_path($c->{work});
	my ($s, $j) = $t->create(name => $c->{name}, agentType => 'openclaw',
	    transport => $c->{tr}, permissionMode => $c->{mode},
	    workingDirectory => $c->{work}, prompt => 'hello agent');
	is($s, 201, "$c->{name}: create with a prompt") or diag explain $j;
}
wait_all(\@cases, 'the reply in json_event', sub { reply_event($_[0], qr/FAKE_REPLY/) });
diag(sprintf('create -> every reply %.1f s', time - $t0));
# A TUI's reply event comes from its transcript, which can be written before
# the TUI draws the reply on its screen: wait for that too.
wait_all(\@cases, 'the reply in tty_data',
    sub { AgentdTest::strip_ansi(scalar $t->output($_[0]{name})) =~ /FAKE_REPLY/ });
for my $c (@cases) {
	my ($e) = reply_event($c, qr/FAKE_REPLY/);
	is($e->{event}{via}, $c->{tr} eq 'stream' ? 'stream' : 'transcript',
	    "$c->{name}: via $e->{event}{via}");
}
wait_all(\@cases, 'idle after the first turn', sub { status_of($_[0]{name}) eq 'idle' });
wait_all(\@cases, 'usage counted', sub { ($t->session($_[0]{name})->{usage}{outputTokens} // 0) > 0 },
    60);
for my $c (@cases) {
	my $d = $t->session($c->{name});
	like($d->{statusSource}, $c->{tr} eq 'stream' ? qr/^stream$/ : qr/^(transcript|screen)$/,
	    "$c->{name}: statusSource $d->{statusSource}");
	$c->{usage} = $d->{usage}{outputTokens} // 0;
	$c->{seq} = $d->{lastSeq};
}

# A tool call: asked first where the mode asks.
for my $c (@cases) {
	my ($s) = $t->message($c->{name}, 'RUNTOOL now');
	is($s, 200, "$c->{name}: a second message");
}
my @asking = grep { $_->{asks} } @cases;
{
	local @cases = @asking;
	wait_all(\@cases, 'waiting_approval', sub { status_of($_[0]{name}) eq 'waiting_approval' })
	    if @cases;
	for my $c (@cases) {
		my $d = $t->session($c->{name});
		is($d->{pendingApproval}{tool}, 'exec', "$c->{name}: the pending tool");
		like(enc($d->{pendingApproval}{input}), qr/touch out\.txt/,
		    "$c->{name}: and its input");
		my ($s) = $t->post("/api/agents/sessions/$c->{name}/approval",
		    { decision => 'allow' });
		is($s, 200, "$c->{name}: allow");
	}
}
wait_all(\@cases, 'the tool ran (out.txt)', sub { -e "$_[0]{work}/out.txt" });
wait_all(\@cases, 'the turn after the tool', sub { reply_event($_[0], qr/FAKE_DONE/, $_[0]{seq}) });
wait_all(\@cases, 'idle after the tool', sub { status_of($_[0]{name}) eq 'idle' });
wait_all(\@cases, 'usage grows', sub {
    ($t->session($_[0]{name})->{usage}{outputTokens} // 0) > $_[0]{usage} }, 60);
for my $c (@cases) {
	my @ev = events($c->{name}, $c->{seq});
	my ($use) = grep { $_->{type} eq 'tool_use' } @ev;
	like(enc($use && $use->{event}{input}), qr/touch out\.txt/,
	    "$c->{name}: tool_use with its input");
	ok((grep { $_->{type} eq 'tool_result' } @ev), "$c->{name}: tool_result");
	my $asked = grep { $_->{type} eq 'permission_request' } @ev;
	is(!!$asked, !!$c->{asks}, "$c->{name}: " . ($c->{asks} ? 'asked first' :
	    'ran without asking'));
	# Its TUI's turn by its store: idle at the message that stops (turn_end),
	# not only by its status line.
	if ($c->{tr} eq 'tty') {
		my @st = map { "$_->{event}{status}/$_->{event}{statusSource}" }
		    grep { $_->{type} eq 'status' } @ev;
		ok((grep { m{^working/(daemon|transcript)$} } @st),
		    "$c->{name}: working (typed, or its store)") or diag("@st");
		ok((grep { $_ eq 'idle/transcript' } @st), "$c->{name}: idle by its store")
		    or diag("@st");
		my ($end) = grep { $_->{type} eq 'turn_end' } @ev;
		is($end && $end->{event}{status}, 'stop', "$c->{name}: turn_end: stop");
	}
	unlink("$c->{work}/out.txt");
	$c->{seq} = $t->session($c->{name})->{lastSeq};
}

# Deny: it does not run.
{
	local @cases = @asking;
	for my $c (@cases) {
		my ($s) = $t->message($c->{name}, 'RUNTOOL again');
		is($s, 200, "$c->{name}: a third message");
	}
	wait_all(\@cases, 'waiting_approval again', sub { status_of($_[0]{name}) eq 'waiting_approval' })
	    if @cases;
	decide_all(\@cases, 'deny');
	wait_all(\@cases, 'idle after the denial', sub { status_of($_[0]{name}) eq 'idle' }) if @cases;
	for my $c (@cases) {
		ok(!-e "$c->{work}/out.txt", "$c->{name}: the denied command did not run");
		my ($r) = grep { $_->{type} eq 'tool_result' } events($c->{name}, $c->{seq});
		ok($r && $r->{event}{isError}, "$c->{name}: its result is an error");
		$c->{seq} = $t->session($c->{name})->{lastSeq};
	}
}

# Reset: a new conversation, and it answers there.
reset_all(\@cases, '/reset');
message_all(\@cases, 'hello after reset', 'a message after the reset');
wait_all(\@cases, 'the reply after the reset', sub { reply_event($_[0], qr/FAKE_REPLY/, $_[0]{seq}) });

# DELETE: no process is left (the driver and its turns are in the session's group).
delete_all(\@cases);
diag(sprintf('%d cases in %.1f s', scalar @cases, time - $t0));

$t->stop;
done_testing;
