#!/usr/bin/perl
# The seed source's chat view (issue 15, item 4) with the real codex and
# openclaw in the stream transport, against t/bin/fake-model: their events in
# claude's stream-json shapes on /api/agents/sessions/NAME/terminal. The replay
# frame (system init, the prompt as a user record, the reply as an assistant
# text block, a result, the usage), a message typed in the view with its tool
# call (an assistant tool_use block, the user record of its tool_result with the
# same id, the reply after it, a result carrying the usage), images (codex: image
# input items that reach the model; openclaw takes text only: an error frame),
# a tool_answer nothing waits for, and DELETE's exit frame and close reason.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use SeedChat;
use File::Path qw(make_path);
use Test::More;

AgentdTest->require_stack;
AgentdTest->require_agent($_) for qw(codex openclaw);
my @kinds = qw(codex openclaw);
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 600;

# Codex's sandbox helper needs CODEX_HOME outside the temp directory;
# OpenClaw's exec approvals refuse a redirection (t/58).
AgentdTest->agents_tmpdir('t88');
$ENV{FAKE_CMD} = 'touch out.txt';

my $t = AgentdTest->new(real_agents => 1);
my $port = $t->port;
my $png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

sub turns {
	my ($name) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return $s == 200 ? scalar(grep { $_->{type} eq 'turn_end' } @{$j->{events}}) : 0;
}

# Both start at once (openclaw's start-up is slow).
for my $k (@kinds) {
	my $work = $t->workdir . "/chat-$k";
	make_path($work);
	my ($s, $j) = $t->create(name => "chat-$k", agentType => $k, transport => 'stream',
	    permissionMode => 'bypassPermissions', workingDirectory => $work,
	    prompt => 'hello agent');
	is($s, 201, "$k: a stream session") or diag explain $j;
	is($j->{sessionType}, 'stream', "$k: sessionType stream");
}

for my $k (@kinds) {
	my $name = "chat-$k";
	$t->wait_for(sub { turns($name) >= 1 }, $TURN, "$k: the first turn");

	# The replay: the conversation so far.
	my $ws = WSClient->connect(port => $port, path => "/api/agents/sessions/$name/terminal");
	ok($ws, "$k: /terminal upgrades");
	my ($got, $bin) = chat_frames($ws, sub { 1 }, 20);
	my $r = $got->[0] // {};
	is($r->{type}, 'replay', "$k: the replay frame first");
	my @ev = @{$r->{events} // []};
	ok((grep { ($_->{type} // '') eq 'system' && ($_->{subtype} // '') eq 'init' } @ev),
	    "$k: a system init");
	my ($user) = grep { $_->{type} eq 'user' } @ev;
	is(text_of($user // {}), 'hello agent', "$k: the prompt as a user record");
	ok((grep { $_->{type} eq 'assistant' && text_of($_) =~ /FAKE_REPLY/ } @ev),
	    "$k: the reply as an assistant text block") or diag explain \@ev;
	my ($res) = grep { is_result($_) } @ev;
	is($res->{subtype} // '', 'success', "$k: a result, success");
	cmp_ok($r->{usage}{inputTokens} // 0, '>', 0, "$k: the replay usage counts tokens");
	ok(exists $r->{usage}{costUsd}, "$k: and has costUsd");
	is($bin, 0, "$k: no binary frame");

	# A message with a tool call, live.
	$ws->send_json({ type => 'input', text => 'RUNTOOL now' });
	($got, $bin) = chat_frames($ws, sub { is_result($_[0]) }, $TURN);
	is(text_of($got->[0] // {}), 'RUNTOOL now', "$k: the message first, as a user record");
	my ($use) = grep { $_->{type} eq 'tool_use' } map { blocks_of($_) }
	    grep { $_->{type} eq 'assistant' } @$got;
	ok($use && $use->{id} && $use->{name}, "$k: a tool_use block with id and name")
	    or diag explain $got;
	my ($tr) = grep { $_->{type} eq 'tool_result' } map { blocks_of($_) }
	    grep { $_->{type} eq 'user' } @$got;
	is($tr && $tr->{tool_use_id}, $use && $use->{id}, "$k: its tool_result, same id");
	ok((grep { $_->{type} eq 'assistant' && text_of($_) =~ /FAKE_DONE/ } @$got),
	    "$k: the reply after the tool");
	ok(-e $t->workdir . "/chat-$k/out.txt", "$k: the tool ran");
	is($got->[-1]{type}, 'result', "$k: a result ends the turn");
	cmp_ok($got->[-1]{usage}{input_tokens} // 0, '>', $r->{usage}{inputTokens} // 0,
	    "$k: its usage grew");
	is($bin, 0, "$k: no binary frame");

	# Images.
	$ws->send_json({ type => 'input', text => 'SEEIMAGES here',
	    images => [{ data => $png, mediaType => 'image/png' }] });
	if ($k eq 'codex') {
		($got) = chat_frames($ws, sub { is_result($_[0]) || $_[0]{type} eq 'error' }, $TURN);
		ok((grep { $_->{type} eq 'assistant' && text_of($_) =~ /^FAKE_IMAGES: 1 image\/png$/ }
		    @$got), "$k: the image reaches the model") or diag explain $got;
		# Two at once: the first starts a turn, the second is refused (not a second
		# turn/start before codex says the first began).
		$ws->send_json({ type => 'input', text => "SEEIMAGES $_",
		    images => [{ data => $png, mediaType => 'image/png' }] }) for 1, 2;
		($got) = chat_frames($ws, sub { is_result($_[0]) }, $TURN);
		my @busy = grep { $_->{type} eq 'error' && $_->{code} eq 'busy' } @$got;
		is(scalar(@busy), 1, "$k: two image messages at once: the second is busy");
		is(scalar(grep { $_->{type} eq 'assistant' && text_of($_) =~ /^FAKE_IMAGES/ } @$got),
		    1, "$k: one turn");
		ok(!grep({ text_of($_) =~ /SEEIMAGES 2/ } @$got), "$k: the refused one not recorded");
		# While a turn is under way codex would start another: refused, nothing recorded.
		$ws->send_json({ type => 'input', text => 'SLOW reply' });
		$t->wait_for(sub { ($t->session($name)->{state} // '') eq 'working' }, 60,
		    "$k: the slow turn");
		$ws->send_json({ type => 'input', text => 'SEEIMAGES again',
		    images => [{ data => $png, mediaType => 'image/png' }] });
		($got) = chat_frames($ws, sub { is_result($_[0]) }, $TURN);
		my ($err) = grep { $_->{type} eq 'error' } @$got;
		is($err && $err->{code}, 'busy', "$k: images during a turn: busy");
		ok(!grep({ text_of($_) =~ /SEEIMAGES again|FAKE_IMAGES/ } @$got),
		    "$k: not recorded, not sent");
	} else {
		($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'error' }, 20);
		is($got->[-1]{code}, 'invalid_field', "$k: images: an error frame (text only)");
		like($got->[-1]{error} // '', qr/text only/, "$k: saying so");
	}

	# A tool answer nothing waits for.
	$ws->send_json({ type => 'tool_answer', toolId => 'toolu_none', answers => { a => 'b' } });
	($got) = chat_frames($ws, sub { ($_[0]{type} // '') =~ /^tool_answer/ }, 20);
	is($got->[-1]{type}, 'tool_answer_error', "$k: an unknown tool: tool_answer_error");
	is($got->[-1]{toolId}, 'toolu_none', "$k: naming it");

	# DELETE: the exit frame and "Session killed".
	my ($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "$k: DELETE");
	($got) = chat_frames($ws, undef, 30);
	ok((grep { ($_->{type} // '') eq 'exit' } @$got), "$k: the exit frame");
	is($ws->close_code, 1000, "$k: close 1000");
	is($ws->close_reason, 'Session killed', "$k: \"Session killed\"");
}
$t->done;
