#!/usr/bin/perl
# The stream transport (issue #14) with fake agents: "transport": "stream" (alias
# sessionType) runs the agent on pipes; a plain program (adapter = none) gets
# messages as lines and its lines are its terminal output; a claude stream
# (t/bin/fake-claude-stream, adapter = claude) is driven by its stream-json:
# the prompt and messages as user lines, its events via "stream", a readable
# rendering in the terminal output, approvals through the API, reset, and keys
# refused. Which adapter drives a type is its configuration, not argv[0].
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
my $src = AgentdTest->srcdir;
my $fcs = "$src/t/bin/fake-claude-stream";
my $fake = AgentdTest->fake_agent;
# A program named claude that is not claude (a wrapper, or a look-alike): its
# type says which adapter it gets.
my $bin = tempdir('agentd-stream-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink($fcs, "$bin/claude") or die "symlink: $!";
my $t = AgentdTest->new(agents => {
	fc => { default => $fcs, acceptEdits => "$fcs --permission-mode acceptEdits",
	    adapter => 'claude' },
	wrapped => { default => "$bin/claude", adapter => 'claude' },
	lookalike => { default => "$bin/claude", adapter => 'none' },
	lines => { default => $fake, adapter => 'none' },
});

sub events {
	my ($name, $type) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return () unless $s == 200;
	return grep { !defined $type || $_->{type} eq $type } @{$j->{events}};
}
sub wait_event {
	my ($name, $type, $match, $what) = @_;
	my @e;
	$t->wait_for(sub { @e = grep { !$match || $match->($_->{event}) } events($name, $type);
	    @e }, 20, "$name: $what");
	return $e[-1];
}
sub strip { AgentdTest::strip_ansi($_[0]) }

# Validation.
my ($s, $j) = $t->create(name => 'bad', transport => 'carrier-pigeon');
$t->is_err($s, $j, 400, 'invalid_field', 'transport: unknown');
($s, $j) = $t->create(name => 'bad', agentType => 'codex', transport => 'stream');
is($s, 201, 'codex under the fake agent (adapter none): a plain stream') or diag explain $j;
$t->del('/api/agents/sessions/bad');

# A plain program on pipes: messages are lines, its lines its output.
($s, $j) = $t->create(name => 'p1', agentType => 'lines', sessionType => 'stream',
    prompt => 'first');
is($s, 201, 'plain stream: created (sessionType alias)');
is($j->{transport}, 'stream', 'transport shown');
is($j->{sessionType}, 'stream', 'sessionType shown');
my $out = $t->wait_output('p1', qr/got: first/);
like($out, qr/got: first\r\n/, 'the prompt arrived as a line; output lines end in CRLF');
($s) = $t->message('p1', 'second');
is($s, 200, 'plain stream: message');
$t->wait_output('p1', qr/got: second/);
($s) = $t->post('/api/agents/sessions/p1/input', { data => "typed\n" });
is($s, 200, 'plain stream: raw input is allowed (no adapter)');
$t->wait_output('p1', qr/got: typed/);
($s) = $t->post('/api/agents/sessions/p1/resize', { cols => 100, rows => 30 });
is($s, 200, 'plain stream: a resize is harmless');
$t->del('/api/agents/sessions/p1');
($s, $j) = $t->create(name => 't1', agentType => 'lines');
is($j->{transport}, 'tty', 'the default transport is tty');
is($j->{sessionType}, 'pty', '... pty by its older name');
$t->del('/api/agents/sessions/t1');

# A claude stream: the fake speaks claude's stream-json.
($s, $j) = $t->create(name => 'c1', agentType => 'fc', transport => 'stream',
    prompt => 'hello agent');
is($s, 201, 'claude stream: created');
my $e = wait_event('c1', 'assistant_text', sub { $_[0]{text} =~ /FAKE_REPLY/ }, 'the reply');
is($e->{event}{via}, 'stream', 'the reply came by the stream');
my ($d) = events('c1', 'delivered');
is($d && $d->{event}{via}, 'stream', 'the prompt delivered via stream');
$t->wait_status('c1', qr/^idle$/, 20);
my $sess = $t->session('c1');
is($sess->{statusSource}, 'stream', 'idle by the stream');
is($sess->{usage}{inputTokens}, 20, 'usage counted from the result');
$out = strip(scalar $t->output('c1'));
like($out, qr/> hello agent/, 'rendering: the user message');
like($out, qr/FAKE_REPLY: hello from the fake model/, 'rendering: the reply');
unlike($out, qr/"type"/, 'rendering: no raw JSON');
($s, $j) = $t->post('/api/agents/sessions/c1/input', { data => "x" });
$t->is_err($s, $j, 409, 'not_a_terminal', 'claude stream: keys refused');

# Approvals: asked on the stream, answered through the API.
($s) = $t->message('c1', 'RUNTOOL please');
is($s, 200, 'claude stream: message');
$t->wait_status('c1', qr/^waiting_approval$/, 20);
$sess = $t->session('c1');
is($sess->{pendingApproval}{tool}, 'Bash', 'the pending approval names the tool');
like(strip(scalar $t->output('c1')), qr/\? Bash wants to run: echo hi > out\.txt/,
    'rendering: the approval asked');
($s, $j) = $t->post('/api/agents/sessions/c1/approval', { decision => 'allow' });
is($s, 200, 'allow');
wait_event('c1', 'assistant_text', sub { $_[0]{text} =~ /FAKE_DONE/ }, 'the tool ran');
($e) = events('c1', 'tool_result');
ok($e && !$e->{event}{isError}, 'the tool result is no error');
ok(-e $t->workdir . '/out.txt', 'the tool ran in the working directory');
($e) = events('c1', 'approval');
is($e && $e->{event}{decision}, 'allow', 'approval event');
$out = strip(scalar $t->output('c1'));
like($out, qr/\* Bash\(echo hi > out\.txt\)/, 'rendering: the tool call');
like($out, qr/-> \(Bash completed with no output\)/, 'rendering: its result');
like($out, qr/allowed by/, 'rendering: the approval');
$t->wait_status('c1', qr/^idle$/, 20);

unlink($t->workdir . '/out.txt');
($s) = $t->message('c1', 'RUNTOOL again');
$t->wait_status('c1', qr/^waiting_approval$/, 20);
($s, $j) = $t->post('/api/agents/sessions/c1/approval',
    { decision => 'deny', message => 'not today' });
is($s, 200, 'deny with a message');
$e = wait_event('c1', 'tool_result', sub { $_[0]{isError} }, 'the denied result');
like(ref $e->{event}{output} ? '' : $e->{event}{output}, qr/not today/,
    'the agent got the message');
ok(!-e $t->workdir . '/out.txt', 'the denied tool did not run');
($s, $j) = $t->post('/api/agents/sessions/c1/approval', { decision => 'allow' });
$t->is_err($s, $j, 409, 'nothing_pending', 'nothing pending after the answer');
$t->wait_status('c1', qr/^idle$/, 20);

# Reset: a new conversation.
($s) = $t->post('/api/agents/sessions/c1/reset', {});
is($s, 200, 'reset');
wait_event('c1', 'conversation_reset', undef, 'the conversation reset');
$t->del('/api/agents/sessions/c1');

# acceptEdits: the tool runs without asking.
($s) = $t->create(name => 'c2', agentType => 'fc', transport => 'stream',
    permissionMode => 'acceptEdits', prompt => 'RUNTOOL');
wait_event('c2', 'assistant_text', sub { $_[0]{text} =~ /FAKE_DONE/ }, 'the tool ran');
ok(!events('c2', 'permission_request'), 'acceptEdits: no approval asked');
$t->del('/api/agents/sessions/c2');

# The adapter is the type's: a program named claude under adapter = none is a
# plain stream; a wrapper of another name under adapter = claude is claude.
($s) = $t->create(name => 'w1', agentType => 'wrapped', transport => 'stream',
    prompt => 'hello');
wait_event('w1', 'assistant_text', sub { $_[0]{text} =~ /FAKE_REPLY/ }, 'the wrapper replies');
$t->del('/api/agents/sessions/w1');
($s) = $t->create(name => 'l1', agentType => 'lookalike', transport => 'stream',
    prompt => 'hello');
$t->wait_output('l1', qr/not json: hello/);
ok(!events('l1', 'assistant_text'), 'adapter none: no agent events');
$t->del('/api/agents/sessions/l1');

# A restart of the daemon (kill -9): the stream session is taken back, its
# lines neither lost nor read twice (the holder keeps what is not recorded;
# the records of a line carry its end).
($s, $j) = $t->create(name => 'r1', agentType => 'lines', transport => 'stream');
($s) = $t->message('r1', 'spam');
$t->wait_output('r1', qr/^spam 30\r$/m);
($s) = $t->create(name => 'r2', agentType => 'fc', transport => 'stream', prompt => 'one');
wait_event('r2', 'assistant_text', sub { $_[0]{text} =~ /FAKE_REPLY/ }, 'the first reply');
$t->wait_status('r2', qr/^idle$/, 20);
$t->kill_daemon('KILL');
$t->start_daemon;
my $n = () = events('r1', 'exit');
$out = $t->wait_output('r1', qr/^spam 400\r$/m, 20);
my @nums = $out =~ /^spam (\d+)\r$/mg;
my @bad = grep { $nums[$_] != $nums[$_ - 1] + 1 } 1 .. $#nums;
ok(@nums > 300 && !@bad, 'plain stream: every line once, in order, across the restart')
    or diag("breaks at @nums[@bad[0 .. ($#bad < 4 ? $#bad : 4)]]");
($s) = $t->message('r2', 'two');
is($s, 200, 'claude stream after the restart: message');
$t->wait_for(sub { my @r = grep { $_->{event}{text} =~ /FAKE_REPLY/ }
    events('r2', 'assistant_text'); @r >= 2 }, 20, 'the second reply');
my @r = grep { $_->{event}{text} =~ /FAKE_REPLY/ } events('r2', 'assistant_text');
is(scalar @r, 2, 'claude stream after the restart: two replies, none twice');
$t->del("/api/agents/sessions/$_") for qw(r1 r2);

# A cost cap: the turn that reaches it is the last; messages are refused (409
# capped) until the cap is raised. The fake costs 0.25 a turn.
($s, $j) = $t->create(name => 'cap', agentType => 'fc', transport => 'stream',
    maxCostUsd => 0.3, prompt => 'one');
is($s, 201, 'create with maxCostUsd');
is($j->{limits}{maxCostUsd}, 0.3, 'the cap is in the session object');
$t->wait_status('cap', qr/^idle$/, 20);
($s) = $t->message('cap', 'two');
is($s, 200, 'under the cap: a message');
$e = wait_event('cap', 'capped', undef, 'capped');
is($e->{event}{what}, 'cost', 'capped: by cost');
($s, $j) = $t->message('cap', 'three');
$t->is_err($s, $j, 409, 'capped', 'past the cap: refused');
is($t->session('cap')->{capped}{what}, 'cost', 'capped in the session object');
($s, $j) = $t->post('/api/agents/sessions/cap/limits', { maxCostUsd => 'lots' });
$t->is_err($s, $j, 400, 'invalid_field', 'limits: not a number');
($s, $j) = $t->post('/api/agents/sessions/cap/limits', { maxCostUsd => 5 });
is($s, 200, 'limits: raised');
is($j->{capped}, undef, 'no longer capped');
wait_event('cap', 'uncapped', undef, 'uncapped');
$t->wait_status('cap', qr/^idle$/, 20);
($s) = $t->message('cap', 'three');
is($s, 200, 'raised: messages again');
($s, $j) = $t->create(name => 'cap2', agentType => 'fc', transport => 'stream',
    maxTokens => 30, prompt => 'one');
$e = wait_event('cap2', 'capped', undef, 'capped by tokens');
is($e->{event}{what}, 'tokens', 'capped: by tokens (20+10+5+3 a turn, cached too)');
is($e->{event}{used}, 38, 'capped: 38 tokens used of 30');
$t->del("/api/agents/sessions/$_") for qw(cap cap2);

# Status provenance: what said the current status.
($s) = $t->create(name => 'ev', agentType => 'fc', transport => 'stream', prompt => 'one');
$t->wait_status('ev', qr/^idle$/, 20);
$sess = $t->session('ev');
is($sess->{statusEvidence}{source}, 'stream', 'statusEvidence: the stream');
is($sess->{statusEvidence}{detail}, 'result', 'statusEvidence: its result line');
($e) = grep { $_->{event}{status} eq 'idle' } events('ev', 'status');
ok($e && $e->{event}{evidence}{source}, 'status events carry their evidence');
$t->del('/api/agents/sessions/ev');
$t->stop;

# Timeouts, on a stack of their own: an agent that gives no sign within
# agent_start_timeout is a plain terminal after an error that says what was
# waited for; an approval nobody answers within approval_timeout is decided.
$t = AgentdTest->new(conf => { agent_start_timeout => 2, approval_timeout => 2 },
    agents => { mute => { default => $fake, adapter => 'claude' },
    fc => { default => $fcs, adapter => 'claude' } });
($s) = $t->create(name => 'm1', agentType => 'mute', prompt => 'hello');
$e = wait_event('m1', 'error', sub { $_[0]{text} =~ /agent_start_timeout/ },
    'the start timeout');
like($e->{event}{text}, qr/SessionStart hook/, 'the error names what it waited for');
$t->wait_output('m1', qr/got: hello/);
($d) = events('m1', 'delivered');
is($d && $d->{event}{via}, 'plain', 'then typed as a plain terminal');
($e) = grep { ($_->{event}{evidence}{source} // '') eq 'timeout' } events('m1', 'status');
is($e && $e->{event}{evidence}{detail}, 'agent_start_timeout',
    'the status it left starting by: the timeout');
($s) = $t->create(name => 'to', agentType => 'fc', transport => 'stream',
    prompt => 'RUNTOOL');
$t->wait_status('to', qr/^waiting_approval$/, 20);
$e = wait_event('to', 'approval', undef, 'the approval timeout');
is($e->{event}{decision}, 'deny', 'approval_timeout: denied');
is($e->{event}{by}, 'timeout', '... by the timeout');
wait_event('to', 'tool_result', sub { $_[0]{isError} }, 'the tool did not run');
$t->done;
