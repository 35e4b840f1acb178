#!/usr/bin/perl
# kill -9 the daemon while an agent writes: the agent lives on, the restarted
# daemon adopts it again, its output has no gap and input still reaches it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
# Unsandboxed: the fake agent names its spam file by its own pid, which in its
# sandbox is one of its namespace (t/10-sessions.t).
my $t = AgentdTest->new(conf => { sandbox => 'off' });
my $wd = $t->workdir;
my ($s, $j);

sub numbers {
	my ($out) = @_;
	return ($out =~ /^spam (\d+)\r?$/mg);
}

sub spam_count {
	my ($pid) = @_;
	open(my $fh, '<', "$wd/fake-agent-spam.$pid") or return 0;
	my $n = <$fh>;
	return ($n // 0) + 0;
}

($s, $j) = $t->create(name => 'r1');
is($s, 201, 'create r1');
my $pid = $j->{pid};
$t->wait_output('r1', qr/fake-agent pid=/);
($s) = $t->message('r1', 'spam');
is($s, 200, 'message spam');
$t->wait_output('r1', qr/^spam 30\r?$/m);
my $old = $t->daemon_pid;

$t->kill_daemon('KILL');
ok(!kill(0, $old), 'the daemon is gone');
ok(kill(0, $pid), 'the agent survives kill -9 of the daemon');
my $at_kill = spam_count($pid);
$t->wait_for(sub { spam_count($pid) >= $at_kill + 50 }, 10,
    'the agent to write 50 more lines while the daemon is down');
pass('the agent keeps writing while the daemon is down');
my ($s2, $l) = $t->get('/api/agents/sessions');
is($s2, 200, 'reads work while the daemon is down');

$t->start_daemon;
isnt($t->daemon_pid, $old, 'a new daemon');
my $at_restart = spam_count($pid);
my $d = $t->session('r1');
is($d->{state}, 'running', 'after restart: still running');
is($d->{pid}, $pid, 'after restart: same pid');
($s, $j) = $t->get('/api/agents/sessions');
my ($e) = grep { $_->{name} eq 'r1' } @{ref $j eq 'ARRAY' ? $j : []};
ok($e && $e->{state} eq 'running' && $e->{pid} == $pid, 'after restart: listed, running, same pid');

my $out = $t->wait_output('r1', qr/^spam ${\ ($at_restart + 30)}\r?$/m, 15);
my @n = numbers($out);
is($n[0], 1, 'history starts at spam 1');
my ($gap) = grep { $n[$_] != $n[$_ - 1] + 1 } 1 .. $#n;
ok(!defined $gap, sprintf('no gap or repeat in %d lines across the restart (lines %d..%d)',
    scalar @n, $n[0] // 0, $n[-1] // 0))
    or diag("after spam $n[$gap - 1] comes spam $n[$gap]");
ok(@n && $n[-1] > $at_restart, 'lines written while the daemon was down are in the history');

($s) = $t->message('r1', 'after restart');
is($s, 200, 'message after restart: 200');
$t->wait_output('r1', qr/got: after restart/);
pass('input reaches the agent after the restart');

($s, $j) = $t->del('/api/agents/sessions/r1');
is($s, 200, 'DELETE after restart: 200');
ok(!kill(0, -$pid), 'DELETE after restart: the process group is gone');

$t->done;
