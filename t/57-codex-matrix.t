#!/usr/bin/perl
# The real codex in every permission mode and both transports (issue #14), against
# t/bin/fake-model: {default, acceptEdits, bypassPermissions} x {tty, stream}.
# tty is its TUI in the PTY (its hooks, rollout + screen); stream is `codex app-server`
# (JSON-RPC on pipes). For each: create with a prompt -> the reply in json_event
# and in tty_data (stream: the readable rendering) -> a second message -> a tool
# call: default asks (an escalated command; allow runs it, and deny in the next
# turn does not), acceptEdits runs a command inside the workspace without asking
# (codex's own sandbox), bypass runs it -> usage counted -> reset starts a new
# conversation -> (stream) a daemon restart takes it back -> DELETE leaves no
# process. The cases run side by side, phase by
# phase. TEST_CODEX_CASES=stream-default,... limits them.
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
AgentdTest->require_agent('codex');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;

# Codex's sandbox helper needs CODEX_HOME outside the temp directory.
AgentdTest->agents_tmpdir('t57');

my $t = AgentdTest->new(real_agents => 1);
my $t0 = time;

our @cases;
matrix_init($t, $TURN);
for my $tr (qw(tty stream)) {
	for my $mode (qw(default acceptEdits bypassPermissions)) {
		my $name = "cx-$tr-$mode";
		next if $ENV{TEST_CODEX_CASES} &&
		    !grep { "$tr-$mode" eq $_ } split /,/, $ENV{TEST_CODEX_CASES};
		push @cases, { name => $name, tr => $tr, mode => $mode,
		    work => $t->workdir . "/$name" };
	}
}

# Create: every case at once.
for my $c (@cases) {
	make_path($c->{work});
	my ($s, $j) = $t->create(name => $c->{name}, agentType => 'codex',
	    transport => $c->{tr}, permissionMode => $c->{mode},
	    workingDirectory => $c->{work}, prompt => 'hello agent');
	is($s, 201, "$c->{name}: create with a prompt") or diag explain $j;
	is($j->{transport}, $c->{tr}, "$c->{name}: transport $c->{tr}");
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
	ok($e->{event}{raw}, "$c->{name}: the agent's record under raw");
}
wait_all(\@cases, 'idle after the first turn', sub { status_of($_[0]{name}) eq 'idle' });
for my $c (@cases) {
	my $d = $t->session($c->{name});
	# tty: its Stop hook says idle (before its rollout's task_complete).
	is($d->{statusSource}, $c->{tr} eq 'stream' ? 'stream' : 'hook',
	    "$c->{name}: statusSource $d->{statusSource}");
	is($d->{statusEvidence}{detail}, 'Stop', "$c->{name}: evidence: its Stop hook")
	    if $c->{tr} eq 'tty';
	ok(($d->{usage}{outputTokens} // 0) > 0,
	    "$c->{name}: usage counted ($d->{usage}{outputTokens} output tokens)");
	$c->{usage} = $d->{usage}{outputTokens} // 0;
	$c->{seq} = $d->{lastSeq};
	unlike(AgentdTest::strip_ansi(scalar $t->output($c->{name})), qr/"jsonrpc"/,
	    "$c->{name}: no raw JSON in the terminal output") if $c->{tr} eq 'stream';
}

# A second message: a tool call. default: an escalated command asks first.
for my $c (@cases) {
	my ($s) = $t->message($c->{name}, $c->{mode} eq 'default' ? 'ESCALATE now' :
	    'RUNTOOL now');
	is($s, 200, "$c->{name}: a second message");
}
my @asking = grep { $_->{mode} eq 'default' } @cases;
{
	local @cases = @asking;
	wait_all(\@cases, 'waiting_approval (default)', sub { status_of($_[0]{name}) eq 'waiting_approval' })
	    if @cases;
	for my $c (@cases) {
		my $d = $t->session($c->{name});
		is($d->{pendingApproval}{tool}, 'exec_command', "$c->{name}: the pending tool");
		# tty: its PermissionRequest hook asked (not the screen's box).
		is($d->{statusSource}, $c->{tr} eq 'stream' ? 'stream' : 'hook',
		    "$c->{name}: waiting, said by $d->{statusSource}");
		is($d->{statusEvidence}{detail}, 'PermissionRequest',
		    "$c->{name}: evidence: its PermissionRequest hook") if $c->{tr} eq 'tty';
		like(enc($d->{pendingApproval}{input}), qr/echo hi > out\.txt/,
		    "$c->{name}: and its input");
		my ($s) = $t->post("/api/agents/sessions/$c->{name}/approval",
		    { decision => 'allow' });
		is($s, 200, "$c->{name}: allow");
	}
}
wait_all(\@cases, 'the tool ran (out.txt)', sub { -e "$_[0]{work}/out.txt" });
wait_all(\@cases, 'the turn after the tool', sub { reply_event($_[0], qr/FAKE_DONE/, $_[0]{seq}) });
wait_all(\@cases, 'idle after the tool', sub { status_of($_[0]{name}) eq 'idle' });
for my $c (@cases) {
	my @ev = events($c->{name}, $c->{seq});
	my ($use) = grep { $_->{type} eq 'tool_use' } @ev;
	like(enc($use && $use->{event}{input}), qr/echo hi > out\.txt/,
	    "$c->{name}: tool_use with its input");
	ok((grep { $_->{type} eq 'tool_result' } @ev), "$c->{name}: tool_result");
	my ($asked) = grep { $_->{type} eq 'permission_request' } @ev;
	is($asked->{event}{via}, 'hook', "$c->{name}: asked through its hook")
	    if $asked && $c->{tr} eq 'tty';
	is(!!$asked, $c->{mode} eq 'default', "$c->{name}: " .
	    ($c->{mode} eq 'default' ? 'asked first' : 'ran without asking'));
	my $d = $t->session($c->{name});
	ok(($d->{usage}{outputTokens} // 0) > $c->{usage}, "$c->{name}: usage grows");
	like(AgentdTest::strip_ansi(scalar $t->output($c->{name})), qr/allowed by/,
	    "$c->{name}: rendering: the approval") if $c->{tr} eq 'stream' && $asked;
	unlink("$c->{work}/out.txt");
	$c->{seq} = $d->{lastSeq};
	my ($s) = $t->post("/api/agents/sessions/$c->{name}/approval", { decision => 'allow' });
	is($s, 409, "$c->{name}: approval with nothing pending: 409");
}

# default: deny does not run it.
{
	local @cases = @asking;
	for my $c (@cases) {
		my ($s) = $t->message($c->{name}, 'ESCALATE again');
		is($s, 200, "$c->{name}: a third message");
	}
	wait_all(\@cases, 'waiting_approval again', sub { status_of($_[0]{name}) eq 'waiting_approval' })
	    if @cases;
	decide_all(\@cases, 'deny');
	# stream: a declined command is reported to the model, which goes on;
	# tty: its box's "No" (esc) ends the turn there.
	wait_all(\@cases, 'the turn after the denial', sub { $_[0]{tr} eq 'tty' ||
	    reply_event($_[0], qr/FAKE_DONE/, $_[0]{seq}) }) if @cases;
	wait_all(\@cases, 'idle after the denial', sub { status_of($_[0]{name}) eq 'idle' }) if @cases;
	for my $c (@cases) {
		ok(!-e "$c->{work}/out.txt", "$c->{name}: the denied command did not run");
		my ($e) = grep { $_->{type} eq 'approval' } events($c->{name}, $c->{seq});
		is($e && $e->{event}{decision}, 'deny', "$c->{name}: approval event: deny");
		# Who decided, on the keys' path (tty) as on the structured one.
		is($e && $e->{event}{by}, scalar getpwuid($>), "$c->{name}: approval event: by the caller");
		$c->{seq} = $t->session($c->{name})->{lastSeq};
	}
}

# Reset: a new conversation, and it answers there.
reset_all(\@cases, '/new');
# Of two lines: one message (the TUI gets it as one bracketed paste).
message_all(\@cases, "hello after reset\nin two lines", 'a message after the reset');
wait_all(\@cases, 'the reply after the reset', sub { reply_event($_[0], qr/FAKE_REPLY/, $_[0]{seq}) });
my @req = grep { ($_->{prompt} // '') =~ /hello after reset\nin two lines/ } $t->model_requests;
ok(@req >= @cases, 'the model saw every message after the reset, both lines in one prompt');

# A restart of the daemon (kill -9): a stream session is taken back (the same
# app-server, its thread resumed) and answers once per message.
{
	local @cases = grep { $_->{tr} eq 'stream' } @cases;
	if (@cases) {
		wait_all(\@cases, 'idle before the restart', sub { status_of($_[0]{name}) eq 'idle' });
		$_->{seq} = $t->session($_->{name})->{lastSeq} for @cases;
		# default: an approval asked before the restart is answered after it.
		my @ask = grep { $_->{mode} eq 'default' } @cases;
		for my $c (@ask) {
			my ($s) = $t->message($c->{name}, 'ESCALATE before the restart');
			is($s, 200, "$c->{name}: a tool call before the restart");
		}
		wait_all(\@ask, 'waiting_approval before the restart',
		    sub { status_of($_[0]{name}) eq 'waiting_approval' }) if @ask;
		$t->kill_daemon('KILL');
		$t->start_daemon;
		for my $c (@ask) {
			my $d = $t->session($c->{name});
			is($d->{state}, 'waiting_approval', "$c->{name}: still waiting after it");
			my ($s, $j) = $t->post("/api/agents/sessions/$c->{name}/approval",
			    { decision => 'allow' });
			is($s, 200, "$c->{name}: allowed after the restart") or diag explain $j;
		}
		wait_all(\@ask, 'the tool allowed after the restart ran',
		    sub { -e "$_[0]{work}/out.txt" }) if @ask;
		wait_all(\@ask, 'its turn went on', sub {
		    reply_event($_[0], qr/FAKE_DONE/, $_[0]{seq}) }) if @ask;
		wait_all(\@cases, 'idle after the restart', sub { status_of($_[0]{name}) eq 'idle' });
		$_->{seq} = $t->session($_->{name})->{lastSeq} for @ask;
		for my $c (@cases) {
			my ($s) = $t->message($c->{name}, 'hello after restart');
			is($s, 200, "$c->{name}: a message after the restart");
		}
		wait_all(\@cases, 'the reply after the restart', sub {
		    reply_event($_[0], qr/FAKE_REPLY/, $_[0]{seq}) });
		wait_all(\@cases, 'idle again', sub { status_of($_[0]{name}) eq 'idle' });
		for my $c (@cases) {
			my @r = grep { $_->{type} eq 'assistant_text' } events($c->{name}, $c->{seq});
			is(scalar @r, 1, "$c->{name}: one reply after the restart, none twice");
		}
	}
}

# DELETE: no process is left.
delete_all(\@cases);
diag(sprintf('%d cases in %.1f s', scalar @cases, time - $t0));

$t->stop;
done_testing;
