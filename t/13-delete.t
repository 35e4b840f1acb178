#!/usr/bin/perl
# DELETE /api/agents/sessions/:name: the whole process group goes, nothing is
# left as a zombie; an agent ignoring SIGTERM is killed after kill_grace_ms.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
my $grace_ms = 1000;
# Unsandboxed: the agent's own pids are checked from here (t/10-sessions.t says why).
my $t = AgentdTest->new(conf => { kill_grace_ms => $grace_ms, sandbox => 'off' });
my $ISO = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
my ($s, $j);

sub banner {
	my ($name) = @_;
	my $out = $t->wait_output($name, qr/fake-agent pid=\d+ pgid=\d+/);
	return $out =~ /fake-agent pid=(\d+) pgid=(\d+)/;
}

# An agent with a child in its process group.
($s, $j) = $t->create(name => 'd1');
is($s, 201, 'create d1');
my ($pid, $pgid) = banner('d1');
$t->message('d1', 'child');
my ($child) = $t->wait_output('d1', qr/child \d+/) =~ /child (\d+)/;
ok(kill(0, $child), 'the child runs');
my $t0 = time;
($s, $j) = $t->del('/api/agents/sessions/d1');
my $took = time - $t0;
is($s, 200, 'DELETE: 200');
is($j->{name}, 'd1', 'DELETE reply: the session');
is($j->{state}, 'terminated', 'DELETE reply: status terminated');
like($j->{ended} // '', $ISO, 'DELETE reply: ended');
ok(!kill(0, -$pgid), 'DELETE: the process group is gone when the reply comes');
ok(!-e "/proc/$pid", 'DELETE: the agent is reaped (no zombie)');
ok(!-e "/proc/$child", 'DELETE: its child is gone too');
ok($took < $grace_ms / 1000, sprintf('DELETE of a well-behaved agent does not wait for the grace period (%.2f s)', $took));
my $d = $t->session('d1');
is($d->{state}, 'terminated', 'detail: terminated');
is($d->{exitSignal}, 15, 'detail: the agent died of SIGTERM');
ok(!grep({ $_->{name} eq 'd1' } @{($t->get('/api/agents/sessions'))[1]}), 'list: gone');

# An agent ignoring SIGTERM: SIGKILL after kill_grace_ms.
($s) = $t->create(name => 'd2');
($pid, $pgid) = banner('d2');
$t->message('d2', 'ignore-term');
$t->wait_output('d2', qr/ignoring TERM/);
$t0 = time;
($s, $j) = $t->del('/api/agents/sessions/d2');
$took = time - $t0;
is($s, 200, 'DELETE of an agent ignoring SIGTERM: 200');
is($j->{state}, 'terminated', '... status terminated');
ok($took >= ($grace_ms - 100) / 1000, sprintf('... after the grace period (%.2f s)', $took));
ok($took < $grace_ms / 1000 + 5, '... and not much later');
ok(!kill(0, -$pgid), '... the process group is gone');
ok(!-e "/proc/$pid", '... the agent is reaped');
is($t->session('d2')->{exitSignal}, 9, '... killed by SIGKILL');

# A session whose agent already exited.
($s) = $t->create(name => 'd3');
($pid) = banner('d3');
$t->message('d3', 'exit 7');
$d = $t->wait_status('d3', qr/^exited$/);
is($d->{exitCode}, 7, 'exited: exitCode 7');
ok(!defined $d->{exitSignal}, 'exited: exitSignal null');
ok(!-e "/proc/$pid", 'exited: the agent is reaped');

# Unknown name.
($s, $j) = $t->del('/api/agents/sessions/never-was');
$t->is_err($s, $j, 404, 'not_found', 'DELETE of a session that never existed');

$t->done;
