#!/usr/bin/perl
# Token caps with the real codex (issue #14), against t/bin/fake-model, in both
# transports: the cap reached in the middle of a turn (its first model reply, a
# tool call; the fake's reply after the tool result is slow: SLOWTOOL) interrupts
# the turn - stream (`codex app-server`, usage from thread/tokenUsage/updated):
# turn/interrupt; TUI (usage from its rollout): Esc, its rollout's turn_aborted -,
# so the slow reply never comes; `capped` is recorded, messages are refused with
# 409 `capped` until POST .../limits raises the cap, and then it answers again.
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
AgentdTest->require_agent('codex');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;

# Codex's sandbox helper needs CODEX_HOME outside the temp directory.
AgentdTest->agents_tmpdir('t56');

my $t = AgentdTest->new(real_agents => 1);

sub events { $t->events_of(@_) }
sub replies { $t->replies_of(@_) }

# The fake model's usage: 20 in (5 of them cached), 10 out: 30 tokens a request.
my %work;
for my $tr (qw(stream tty)) {
	my $name = "cap-$tr";
	make_path($work{$tr} = $t->workdir . "/$name");
	my ($s, $j) = $t->create(name => $name, agentType => 'codex', transport => $tr,
	    permissionMode => 'bypassPermissions', workingDirectory => $work{$tr},
	    maxTokens => 50, prompt => 'hello agent');
	is($s, 201, "$name: create with maxTokens 50") or diag explain $j;
	is($j->{limits}{maxTokens}, 50, "$name: limits in the session object");
}
for my $tr (qw(stream tty)) {
	my $name = "cap-$tr";
	$t->wait_for(sub { replies($name, qr/FAKE_REPLY/) }, $TURN, "$name: the first reply");
	$t->wait_status($name, qr/^idle$/, $TURN);
	ok(!events($name, 'capped'), "$name: 30 tokens: under the cap");
}

# A tool call's reply reaches the cap; the turn is interrupted, in both.
for my $tr (qw(stream tty)) {
	my $name = "cap-$tr";
	my ($s, $j) = $t->message($name, 'SLOWTOOL now');
	is($s, 200, "$name: a message with a tool call") or diag explain $j;
}
for my $tr (qw(stream tty)) {
	my $name = "cap-$tr";
	$t->wait_for(sub { events($name, 'capped') }, $TURN, "$name: capped during the turn");
	my ($e) = events($name, 'capped');
	is($e->{event}{what}, 'tokens', "$name: capped by tokens");
	cmp_ok($e->{event}{used}, '>=', 50, "$name: at or past 50");
	$t->wait_for(sub { grep { ($_->{event}{status} // '') eq 'interrupted' }
	    events($name, 'turn_end') }, $TURN, "$name: the turn interrupted (codex says so)");
	$t->wait_status($name, qr/^idle$/, $TURN);
	# A turn's text comes before its end.
	ok(!replies($name, qr/FAKE_DONE/), "$name: the reply after the tool never came");
	ok($t->session($name)->{capped}, "$name: capped in the session object");
	my ($s, $j) = $t->message($name, 'more');
	$t->is_err($s, $j, 409, 'capped', "$name: past the cap: refused");
}
# The chat view's message with images is refused the same way.
my $ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/cap-stream/terminal');
chat_frames($ws, sub { 1 }, 20);
$ws->send_json({ type => 'input', text => 'SEEIMAGES', images => [{ mediaType => 'image/png',
    data => 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' }] });
my ($got) = chat_frames($ws, sub { ($_[0]{type} // '') eq 'error' }, 20);
is($got->[-1]{code}, 'capped', 'cap-stream: a message with images past the cap: capped');
$ws->close;
# Raised: uncapped, and it answers again.
for my $tr (qw(stream tty)) {
	my $name = "cap-$tr";
	my ($s, $j) = $t->post("/api/agents/sessions/$name/limits", { maxTokens => 0 });
	is($s, 200, "$name: the cap removed") or diag explain $j;
	ok(scalar(events($name, 'uncapped')), "$name: uncapped");
	# (The model sees the interrupted tool call's output first: its answer is
	# FAKE_DONE now.)
	my $had = replies($name, qr/FAKE_/);
	($s, $j) = $t->message($name, 'again');
	is($s, 200, "$name: a message is taken again") or diag explain $j;
	$t->wait_for(sub { replies($name, qr/FAKE_/) > $had }, $TURN, "$name: and answered");
}

for my $n (qw(cap-stream cap-tty)) {
	my ($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
