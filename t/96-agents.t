#!/usr/bin/perl
# The real agents through nginx (issue: the real agents), for each installed CLI:
# create with a prompt -> the model's reply in tty_data -> a scripted tool call
# writes a file -> tool_use and tool_result json_events -> status working, then
# idle -> a message starts a second turn -> usage grows -> reset sends the agent's
# own command -> DELETE leaves no process. In default mode a tool call shows
# waiting_approval with its input and approval: allow lets it run (claude: every
# shell command asks; codex: an escalated one). TEST_AGENTS_ONLY=claude,codex
# limits the agents.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(time);
use JSON::PP ();

AgentdTest->require_stack;
my ($dir, $why) = AgentdTest::agents_dir();
plan skip_all => $why unless defined $dir;
my %only = map { $_ => 1 } split /,/, ($ENV{TEST_AGENTS_ONLY} // 'claude,codex,openclaw');
# openclaw spends 20-90 s per turn on its own CPU work (t/95): it does the
# shorter flow (no approval, which its TUI does not have).
my %slow = (openclaw => 1);
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 240;

my $t = AgentdTest->new(real_agents => 1);
my $port = $t->port;

sub events {
	my ($name, $since) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=" . ($since // 0) . '&limit=1000');
	return $s == 200 ? @{$j->{events}} : ();
}

# Wait for an event (of the session, after seq) matching $code; that event.
sub wait_event {
	my ($name, $since, $code, $timeout, $what) = @_;
	my $found;
	$t->wait_for(sub { ($found) = grep { $code->($_) } events($name, $since); $found },
	    $timeout, "$name: $what");
	return $found;
}

sub status_of { my $d = $t->session($_[0]); return $d ? $d->{state} : '' }

for my $agent (grep { $only{$_} } qw(claude codex openclaw)) {
	SKIP: {
		my $missing = AgentdTest::agent_missing($agent);
		skip "$agent: $missing", 1 if defined $missing;
		my $work = $t->workdir . "/$agent";
		make_path($work);
		my $name = "a-$agent";
		my $t0 = time;
		my ($s, $j) = $t->create(name => $name, agentType => $agent,
		    workingDirectory => $work, prompt => 'hello agent');
		is($s, 201, "$agent: create with a prompt");
		is($j->{state}, 'starting', "$agent: starting until the TUI is ready");

		# The reply shows in the live stream (tty_data), after the prompt was
		# delivered when the agent was ready.
		my $ws = WSClient->connect(port => $port, path => "/api/agents/sessions/$name?since=0");
		my $tty = '';
		$ws->read_until(sub {
			$tty .= WSClient::tty_bytes($_[0]) if $_[0]{type} eq 'tty_data';
			$tty =~ /FAKE_REPLY/;
		}, $TURN);
		like($tty, qr/FAKE_REPLY/, "$agent: the model's reply in tty_data");
		my $ready = wait_event($name, 0, sub { $_[0]{type} eq 'delivered' }, 10, 'delivered');
		diag(sprintf("%s: create -> reply %.1f s", $agent, time - $t0));
		my $e = wait_event($name, 0, sub { $_[0]{type} eq 'assistant_text' &&
		    $_[0]{event}{text} =~ /FAKE_REPLY/ }, $TURN, 'assistant_text');
		ok($e->{event}{raw}, "$agent: assistant_text keeps the agent's record under raw");
		is($e->{event}{agent}, $agent, "$agent: the event names its agent");
		$t->wait_for(sub { status_of($name) eq 'idle' }, $TURN, "$name idle");
		pass("$agent: idle after the turn");
		my $d = $t->session($name);
		like($d->{statusSource}, qr/^(hook|transcript|screen)$/, "$agent: statusSource $d->{statusSource}");
		my $usage1 = $d->{usage}{outputTokens};
		ok($usage1 > 0, "$agent: usage from the agent's records ($usage1 output tokens)");

		# A tool call that writes a file: tool_use, (approval,) tool_result.
		my $seq = $d->{lastSeq};
		my $word = $agent eq 'codex' ? 'ESCALATE now' : 'RUNTOOL now';
		($s) = $t->message($name, $word);
		is($s, 200, "$agent: message for a second turn");
		my @saw;
		$t->wait_for(sub { @saw = map { $_->{event}{status} // () }
		    grep { $_->{type} eq 'status' } events($name, $seq);
		    grep { $_ eq 'working' } @saw }, 30, "$name working");
		pass("$agent: status working");
		unless ($slow{$agent}) {
			$t->wait_for(sub { status_of($name) eq 'waiting_approval' }, $TURN,
			    "$name waiting_approval");
			$d = $t->session($name);
			ok($d->{pendingApproval} && $d->{pendingApproval}{tool},
			    "$agent: waiting_approval with the pending tool ($d->{pendingApproval}{tool})");
			like(JSON::PP->new->canonical->encode($d->{pendingApproval}{input} // {}),
			    qr/echo hi/, "$agent: and its input");
			my ($s2, $j2) = $t->post("/api/agents/sessions/$name/approval", { decision => 'allow' });
			is($s2, 200, "$agent: approval allow");
		}
		$e = wait_event($name, $seq, sub { $_[0]{type} eq 'tool_use' }, $TURN, 'tool_use');
		like(JSON::PP->new->canonical->encode($e->{event}{input} // {}), qr/echo hi > out.txt/,
		    "$agent: tool_use with its input");
		$e = wait_event($name, $seq, sub { $_[0]{type} eq 'tool_result' }, $TURN, 'tool_result');
		ok($e, "$agent: tool_result");
		$t->wait_for(sub { -e "$work/out.txt" }, $TURN, "$work/out.txt");
		ok(-e "$work/out.txt", "$agent: the tool wrote the file");
		$t->wait_for(sub { status_of($name) eq 'idle' }, $TURN, "$name idle again");
		$t->wait_for(sub { ($t->session($name)->{usage}{outputTokens} // 0) > $usage1 },
		    30, "$name usage to grow");
		pass("$agent: usage grows with the second turn");
		($s) = $t->post("/api/agents/sessions/$name/approval", { decision => 'allow' });
		is($s, 409, "$agent: approval with nothing pending: 409");

		# Reset: the agent's own "new conversation" command.
		$seq = $t->session($name)->{lastSeq};
		($s) = $t->post("/api/agents/sessions/$name/reset", {});
		is($s, 200, "$agent: reset");
		$e = wait_event($name, $seq, sub { $_[0]{type} eq 'delivered' && $_[0]{event}{command} },
		    $TURN, 'reset command delivered');
		like($e->{event}{command}, qr{^/(clear|new|reset)$}, "$agent: sends $e->{event}{command}");

		# DELETE: no process of the agent is left.
		my $pid = $t->session($name)->{pid};
		($s, $j) = $t->del("/api/agents/sessions/$name");
		is($s, 200, "$agent: DELETE");
		is($j->{state}, 'terminated', "$agent: terminated");
		# SIGKILLed by its holder after the drain period: a node process of
		# openclaw's can take seconds to be gone on a loaded machine.
		ok(eval { $t->wait_for(sub { !kill(0, -$pid) }, 30, "$agent group to go") },
		    "$agent: its process group is gone");
		$ws->close;
	}
}

$t->stop;
done_testing;
