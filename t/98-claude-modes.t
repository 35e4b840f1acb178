#!/usr/bin/perl
# The real claude in acceptEdits and bypassPermissions (issue #14, first bug):
# create with a prompt -> the prompt is delivered -> the model's reply arrives.
# Its footer there is not "? for shortcuts" ("accept edits on", "bypass
# permissions on (shift+tab to cycle)"): readiness comes from its own reports
# (the SessionStart hook), and delivery does not wait on a screen rule forever.
# Before: the session stayed starting and the prompt was never typed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
AgentdTest->require_agent('claude');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 120;

my $t = AgentdTest->new(real_agents => 1);

sub events {
	my ($name, $since) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=" . ($since // 0) . '&limit=1000');
	return $s == 200 ? @{$j->{events}} : ();
}

sub status_of { my $d = $t->session($_[0]); return $d ? $d->{state} : '' }

for my $mode (qw(acceptEdits bypassPermissions)) {
	my $name = "c-$mode";
	my $work = $t->workdir . "/$mode";
	make_path($work);
	my $t0 = time;
	my ($s, $j) = $t->create(name => $name, agentType => 'claude', permissionMode => $mode,
	    workingDirectory => $work, prompt => 'hello agent');
	is($s, 201, "$mode: create with a prompt");
	my $reply;
	my $ok = eval {
		$t->wait_for(sub { ($reply) = grep { $_->{type} eq 'assistant_text' &&
		    ($_->{event}{text} // '') =~ /FAKE_REPLY/ } events($name); $reply },
		    $TURN, "$name: the model's reply");
		1;
	};
	ok($ok && $reply, "$mode: the reply arrives") or
	    diag("$mode: status " . status_of($name) . ", output:\n" .
	    AgentdTest::strip_ansi(scalar $t->output($name)));
	my ($d) = grep { $_->{type} eq 'delivered' } events($name);
	ok($d, "$mode: the prompt delivered" . ($d && $d->{event}{via} ?
	    " (via $d->{event}{via})" : ''));
	diag(sprintf("%s: create -> reply %.1f s", $mode, time - $t0)) if $ok;
	$t->wait_for(sub { status_of($name) eq 'idle' }, $TURN, "$name idle") if $ok;
	is(status_of($name), 'idle', "$mode: idle after the turn");
	($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "$mode: delete");
}

$t->stop;
done_testing;
