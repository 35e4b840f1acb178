#!/usr/bin/perl
# The real claude beyond the matrix (issue #14): a wrapper script named claude
# keeps the claude adapter; adapter = none makes claude a plain terminal; a cost
# cap (stream and tty: its status line's cost) and a token cap (tty) reached
# refuse messages until raised; an
# approval answered at the TUI while the PermissionRequest hook waits wins (the
# API's late answer is recorded, 409); an approval nobody answers is decided by
# approval_timeout. Two stacks (the second with approval_timeout) run at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
AgentdTest->require_agent('claude');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;
my $t0 = time;

my ($dir) = AgentdTest::agents_dir();
my $real = "$dir/bin/claude";
# A wrapper named claude, as one pins a version or sets variables.
my $bin = tempdir('agentd-wrap-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open(my $fh, '>', "$bin/claude") or die "$bin/claude: $!";
print $fh "#!/bin/sh\nexport AGENTD_TEST_WRAPPED=1\nexec '$real' \"\$@\"\n";
close($fh);
chmod(0755, "$bin/claude");

my $t = AgentdTest->new(real_agents => 1, agents => {
	wrapped => { default => "$bin/claude --permission-mode default", adapter => 'claude' },
	plain => { default => "$real --permission-mode default", adapter => 'none' },
});
my $u = AgentdTest->new(real_agents => 1, conf => { approval_timeout => 5 });

sub events {
	my ($x, $name, $type) = @_;
	my ($s, $j) = $x->get("/api/agents/sessions/$name?since=0&limit=1000");
	return () unless $s == 200;
	return grep { !defined $type || $_->{type} eq $type } @{$j->{events}};
}
sub wait_ev {
	my ($x, $name, $type, $match, $what) = @_;
	my @e;
	my $ok = eval { $x->wait_for(sub { @e = grep { !$match || $match->($_->{event}) }
	    events($x, $name, $type); @e }, $TURN, "$name: $what"); 1 };
	ok($ok, "$name: $what") or diag(AgentdTest::strip_ansi(scalar $x->output($name)));
	return $e[-1];
}
sub status_of { my $d = $_[0]->session($_[1]); $d ? $d->{state} : '' }
sub mk {
	my ($x, $name, %a) = @_;
	make_path($x->workdir . "/$name");
	my ($s, $j) = $x->create(name => $name, workingDirectory => $x->workdir . "/$name",
	    agentType => 'claude', %a);
	is($s, 201, "create $name") or diag(explain $j);
	return $j;
}
my $reply = sub { ($_[0]{text} // '') =~ /FAKE_REPLY/ };

mk($t, 'wrap', agentType => 'wrapped', prompt => 'hello agent');
mk($t, 'wraps', agentType => 'wrapped', transport => 'stream', prompt => 'hello agent');
mk($t, 'plain', agentType => 'plain', prompt => 'hello agent');
mk($t, 'capc', transport => 'stream', maxCostUsd => 0.0001, prompt => 'hello agent');
mk($t, 'capt', maxTokens => 10, prompt => 'hello agent');
mk($t, 'capct', maxCostUsd => 0.0001, prompt => 'hello agent');
mk($t, 'tui', prompt => 'RUNTOOL now');
mk($u, 'late', prompt => 'RUNTOOL now');

# The wrapper keeps its adapter, in both transports.
wait_ev($t, 'wrap', 'assistant_text', $reply, 'the wrapper (tty) replies');
wait_ev($t, 'wraps', 'assistant_text', $reply, 'the wrapper (stream) replies');

# adapter = none: a plain terminal; the prompt is typed at once, no agent events.
$t->wait_output('plain', qr/Claude|trust|FAKE_REPLY/i, $TURN);
ok(!events($t, 'plain', 'delivered') && !events($t, 'plain', 'agent_started'),
    'adapter none: no adapter (no delivery, no agent events)');

# Caps.
my $e = wait_ev($t, 'capc', 'capped', undef, 'stream: the cost cap reached');
is($e && $e->{event}{what}, 'cost', 'capped by cost');
my ($s, $j) = $t->message('capc', 'more');
$t->is_err($s, $j, 409, 'capped', 'stream: past the cost cap, refused');
($s) = $t->post('/api/agents/sessions/capc/limits', { maxCostUsd => 10 });
is($s, 200, 'the cost cap raised');
$t->wait_for(sub { status_of($t, 'capc') eq 'idle' }, $TURN, 'capc idle');
($s) = $t->message('capc', 'more');
is($s, 200, 'raised: a message again');
$t->wait_for(sub { (grep { $reply->($_->{event}) } events($t, 'capc', 'assistant_text'))
    >= 2 }, $TURN, 'capc: its reply');
$e = wait_ev($t, 'capt', 'capped', undef, 'tty: the token cap reached');
is($e && $e->{event}{what}, 'tokens', 'capped by tokens');
($s, $j) = $t->message('capt', 'more');
$t->is_err($s, $j, 409, 'capped', 'tty: past the token cap, refused');
# The TUI's cost: from its status line (its transcript has none until it exits).
$e = wait_ev($t, 'capct', 'capped', undef, 'tty: the cost cap reached');
is($e && $e->{event}{what}, 'cost', 'tty: capped by cost');
ok(($t->session('capct')->{usage}{costUsd} // 0) > 0, 'tty: its cost counted');
($s, $j) = $t->message('capct', 'more');
$t->is_err($s, $j, 409, 'capped', 'tty: past the cost cap, refused');

# The human at the TUI answers while the hook waits: the TUI wins.
$t->wait_for(sub { status_of($t, 'tui') eq 'waiting_approval' }, $TURN, 'tui waits');
# Its box drawn (the words come with cursor moves between them).
$t->wait_for(sub { AgentdTest::strip_ansi(scalar $t->output('tui')) =~ /proceed\?/ },
    $TURN, 'the approval box on the TUI');
($s) = $t->post('/api/agents/sessions/tui/input', { data => "\r" });
is($s, 200, 'Enter at the TUI');
$e = wait_ev($t, 'tui', 'approval', sub { ($_[0]{by} // '') eq 'tui' },
    'the TUI answer recorded');
is($e && $e->{event}{decision}, 'allow', '... as allow');
wait_ev($t, 'tui', 'assistant_text', sub { ($_[0]{text} // '') =~ /FAKE_DONE/ },
    'the tool ran');
ok(-e $t->workdir . '/tui/out.txt', 'the tool ran in its directory');
($s, $j) = $t->post('/api/agents/sessions/tui/approval', { decision => 'deny' });
$t->is_err($s, $j, 409, 'nothing_pending', 'the API answer after the TUI: 409');
ok(grep({ $_->{event}{late} } events($t, 'tui', 'approval')),
    'the late answer is recorded too');

# approval_timeout (5 s, deny): decided by the timeout through the hook.
$e = wait_ev($u, 'late', 'approval', sub { ($_[0]{by} // '') eq 'timeout' },
    'the approval timeout');
is($e && $e->{event}{decision}, 'deny', 'approval_timeout denies');
wait_ev($u, 'late', 'assistant_text', sub { ($_[0]{text} // '') =~ /FAKE_DONE/ },
    'the turn goes on');
ok(!-e $u->workdir . '/late/out.txt', 'the timed-out tool did not run');

diag(sprintf('t/99: %.0f s', time - $t0));
$u->stop;
$t->done;
