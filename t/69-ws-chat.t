#!/usr/bin/perl
# The seed source's chat view on /api/agents/sessions/NAME/terminal for a stream
# session (issue 15, item 4), with t/bin/fake-claude-stream as claude: the replay
# frame (events so far in claude's stream-json shapes, usage), each later event
# as its own frame, input with text and with images, tool_answer acknowledged
# (an AskUserQuestion answered) or refused, keys refused, the exit frame and
# the close reason, and the replay of an ended session.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use SeedChat;
use Test::More;

AgentdTest->require_stack;
my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(agents => { fc => { default => $fcs, adapter => 'claude' } });
my $port = $t->port;
sub ws { WSClient->connect(port => $port, @_) }

sub events {
	my ($name) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return $s == 200 ? @{$j->{events}} : ();
}
sub wait_turns {
	my ($name, $n) = @_;
	$t->wait_for(sub { (grep { $_->{type} eq 'turn_end' } events($name)) >= $n }, 20,
	    "$name: $n turns");
}

my ($s, $j) = $t->create(name => 'c1', agentType => 'fc', sessionType => 'stream',
    prompt => 'hello there');
is($s, 201, 'a stream session (sessionType stream)');
wait_turns('c1', 1);
# The UI picks the chat view by sessionType: the list's, the detail's and the world's.
is($t->session('c1')->{sessionType}, 'stream', 'detail: sessionType stream');
my ($ls, $lj) = $t->get('/api/agents/sessions');
is((grep { $_->{name} eq 'c1' } @$lj)[0]{sessionType}, 'stream', 'list: sessionType stream');
my ($ws_, $wj) = $t->get('/api/agents/world');
my ($we) = grep { $_->{name} eq 'c1' } @$wj;
is($we->{sessionType}, 'stream', 'world: sessionType stream');
is($we->{transport}, 'stream', 'world: transport stream');

# The replay frame first: the conversation so far, in claude's shapes.
my $ws = ws(path => '/api/agents/sessions/c1/terminal');
ok($ws, '/terminal upgrades');
my ($got, $bin) = chat_frames($ws, sub { 1 }, 10);
my $r = $got->[0];
is($r->{type}, 'replay', 'the first frame is the replay');
my @ev = @{$r->{events} // []};
my ($user) = grep { $_->{type} eq 'user' } @ev;
is(text_of($user), 'hello there', 'the prompt, as a user message');
is($user->{message}{role}, 'user', 'with its role');
my @asst = grep { $_->{type} eq 'assistant' } @ev;
is(scalar(@asst), 1, "claude's assistant record once (not once per event made of it)");
is(text_of($asst[0]), 'FAKE_REPLY: hello from the fake model', 'its text block');
is($asst[0]{message}{content}[0]{type}, 'text', 'message.content blocks');
my ($res) = grep { is_result($_) } @ev;
is($res->{total_cost_usd}, 0.25, 'the result with total_cost_usd');
is($res->{usage}{input_tokens}, 20, 'and its usage');
ok(scalar(grep { $_->{type} eq 'system' } @ev), 'a system init');
is_deeply($r->{usage}, { inputTokens => 20, outputTokens => 10, costUsd => 0.25 },
    'the replay usage: inputTokens, outputTokens, costUsd');
is($bin, 0, 'no binary frame: the rendering is not sent');

# Input: a message; its events come one frame each.
$ws->send_json({ type => 'input', text => 'second one' });
($got, $bin) = chat_frames($ws, \&is_result, 20);
is($got->[0]{type}, 'user', 'the message first');
is(text_of($got->[0]), 'second one', 'with its text');
my @a2 = grep { $_->{type} eq 'assistant' } @$got;
is(text_of($a2[0]), 'FAKE_REPLY: hello from the fake model', 'the reply, live');
is($got->[-1]{total_cost_usd}, 0.5, 'its result: the cost of the conversation');
ok(!grep({ $_->{type} eq 'replay' } @$got), 'no second replay');
is($bin, 0, 'no binary frame');

# AskUserQuestion: the question as a tool_use, the answer by tool_answer.
$ws->send_json({ type => 'input', text => 'ASKQ which colour' });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'assistant' &&
    ($_[0]{message}{content}[0]{name} // '') eq 'AskUserQuestion' }, 20);
my $q = $got->[-1]{message}{content}[0];
is($q->{type}, 'tool_use', 'the question is a tool_use block');
is($q->{id}, 'toolu_q1', 'with its id');
is($q->{input}{questions}[0]{question}, 'Which colour?', 'and its questions');
$t->wait_for(sub { ($t->session('c1')->{phase} // '') eq 'waiting_approval' }, 20,
    'the question to wait');
# A message with images now would mark claude working with its question open.
$ws->send_json({ type => 'input', text => 'blue, see', images => [{ mediaType => 'image/png',
    data => 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' }] });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'error' }, 10);
is($got->[-1]{code}, 'busy', 'images while the question waits: busy');
is($t->session('c1')->{phase}, 'waiting_approval', 'the question still waits');
$ws->send_json({ type => 'tool_answer', toolId => 'toolu_x', answers => { 'Which colour?' => 'red' } });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') =~ /^tool_answer/ }, 10);
is($got->[-1]{type}, 'tool_answer_error', 'an answer to another tool call: tool_answer_error');
is($got->[-1]{toolId}, 'toolu_x', 'naming it');
$ws->send_json({ type => 'tool_answer', toolId => 'toolu_q1', answers => { 'Which colour?' => 'blue' } });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') =~ /^tool_answer/ }, 10);
is_deeply($got->[-1], { type => 'tool_answer_ack', toolId => 'toolu_q1' }, 'tool_answer_ack');
($got) = chat_frames($ws, \&is_result, 20);
my ($tr) = grep { $_->{type} eq 'user' } @$got;
is($tr->{message}{content}[0]{type}, 'tool_result', 'the tool result, as a user record');
like($tr->{message}{content}[0]{content}, qr/Which colour\?=blue/, 'the agent got the answer');
like(text_of((grep { $_->{type} eq 'assistant' } @$got)[0]), qr/FAKE_ANSWERED: Which colour\?=blue/,
    'and answered with it');
$ws->send_json({ type => 'tool_answer', toolId => 'toolu_q1', answers => {} });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') =~ /^tool_answer/ }, 10);
is($got->[-1]{type}, 'tool_answer_error', 'nothing waits: tool_answer_error');

# Images: image content blocks.
$ws->send_json({ type => 'input', text => 'look at this', images => [
    { data => 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      mediaType => 'image/png' }] });
($got) = chat_frames($ws, \&is_result, 20);
like(text_of((grep { $_->{type} eq 'assistant' } @$got)[0]), qr/^FAKE_IMAGES: 1 image\/png$/,
    'images reach the agent as image content blocks');
$ws->send_json({ type => 'input', text => 'x', images => [{ data => '!!', mediaType => 'image/png' }] });
($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'error' }, 10);
is($got->[-1]{code}, 'invalid_field', 'image data that is not base64: an error frame');

# Keys are refused: a stream session's stdin is the agent's channel.
$ws->send_raw(WSClient::frame(2, "ls\r"));
($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'error' }, 10);
is($got->[-1]{code}, 'not_a_terminal', 'binary keystrokes: not_a_terminal');

# A second viewer's replay has the whole conversation and the totals.
wait_turns('c1', 4);
my $ws2 = ws(path => '/api/agents/sessions/c1/ws');
($got) = chat_frames($ws2, sub { 1 }, 10);
$r = $got->[0];
is($r->{type}, 'replay', 'a new viewer: the replay');
is(scalar(grep { is_result($_) } @{$r->{events}}), 4, 'with the four turns');
is(scalar(grep { $_->{type} eq 'assistant' } @{$r->{events}}), 5,
    'their assistant records, once each');
is($r->{usage}{costUsd}, 1, 'the usage of all of them');
is($r->{usage}{inputTokens}, 80, 'inputTokens');
$ws2->close;

# DELETE: the exit frame, then "Session killed".
($s) = $t->del('/api/agents/sessions/c1');
is($s, 200, 'DELETE c1');
($got) = chat_frames($ws, undef, 10);
my ($ex) = grep { ($_->{type} // '') eq 'exit' } @$got;
ok($ex, 'the exit frame');
is($ws->close_code, 1000, 'close 1000');
is($ws->close_reason, 'Session killed', '"Session killed"');

# An ended stream session: the replay, its exit frame, the same close.
$ws = ws(path => '/api/agents/sessions/c1/terminal');
($got, $bin) = chat_frames($ws, undef, 10);
is($got->[0]{type}, 'replay', 'an ended session: the replay');
is(scalar(grep { is_result($_) } @{$got->[0]{events}}), 4, 'of its conversation');
is($got->[1]{type}, 'exit', 'then its exit frame');
is($ws->close_reason, 'Session killed', 'and the close of a killed session');
is($bin, 0, 'no binary frame');

# The bare path keeps agentd's protocol for a stream session too.
$ws = ws(path => '/api/agents/sessions/c1');
is($ws->recv_msg(5)->{type}, 'hello', 'the bare path still says hello');
$ws->close;
$t->done;
