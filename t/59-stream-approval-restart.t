#!/usr/bin/perl
# An approval a stream agent asked for before a restart of the daemon (kill -9)
# is still answerable after it (issue #14): the agent waits for the answer on the
# same pipes (the holder kept them), so the daemon keeps the id of the agent's
# request (sql/0007) and answers that request. t/bin/fake-claude-stream only
# takes an answer that names its request.
# Before: after the restart the session went idle with nothing pending; POST
# .../approval was 409 nothing_pending and the agent waited forever.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(agents => { fc => { default => $fcs, adapter => 'claude' } });

sub events {
	my ($name, $type) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return () unless $s == 200;
	return grep { $_->{type} eq $type } @{$j->{events}};
}

my ($s, $j);
for my $n (qw(a1 d1)) {
	($s) = $t->create(name => $n, agentType => 'fc', transport => 'stream',
	    workingDirectory => $t->workdir, prompt => "RUNTOOL $n");
	is($s, 201, "create $n with a tool call");
	$t->wait_status($n, qr/^waiting_approval$/, 20);
}
unlink($t->workdir . '/out.txt');
my %id = map { $_ => $t->session($_)->{pendingApproval}{id} } qw(a1 d1);
ok($id{a1} && $id{d1}, 'each approval has its id (pendingApproval.id)');

$t->kill_daemon('KILL');
$t->start_daemon;

for my $n (qw(a1 d1)) {
	eval { $t->wait_for(sub { my $d = $t->session($n);
	    ($d->{statusEvidence}{detail} // '') =~ /before the daemon's restart/ }, 20,
	    "$n: its approval taken back") };
	is($@, '', "$n: its approval taken back") or diag explain $t->session($n);
	my $d = $t->session($n);
	is($d->{state}, 'waiting_approval', "$n: still waiting after the restart");
	is($d->{pendingApproval}{tool}, 'Bash', "$n: the pending tool");
	is($d->{pendingApproval}{id}, $id{$n}, "$n: the same approval id");
}
($s, $j) = $t->post('/api/agents/sessions/a1/approval', { decision => 'allow', id => $id{d1} });
$t->is_err($s, $j, 409, 'stale_approval', "a1: another's id after the restart: 409");

($s, $j) = $t->post('/api/agents/sessions/d1/approval',
    { decision => 'deny', message => 'not after a restart', id => $id{d1} });
is($s, 200, 'd1: deny after the restart') or diag explain $j;
$t->wait_for(sub { grep { $_->{event}{isError} } events('d1', 'tool_result') }, 20,
    'd1: the denied result');
my ($r) = grep { $_->{event}{isError} } events('d1', 'tool_result');
like(ref $r->{event}{output} ? '' : $r->{event}{output}, qr/not after a restart/,
    'd1: the agent got the denial, of its own request');
ok(!-e $t->workdir . '/out.txt', 'd1: the denied tool did not run');

($s, $j) = $t->post('/api/agents/sessions/a1/approval', { decision => 'allow', id => $id{a1} });
is($s, 200, 'a1: allow after the restart, by its id') or diag explain $j;
$t->wait_for(sub { grep { ($_->{event}{text} // '') =~ /FAKE_DONE/ }
    events('a1', 'assistant_text') }, 20, 'a1: the turn went on');
ok(-e $t->workdir . '/out.txt', 'a1: the allowed tool ran');
$t->wait_status('a1', qr/^idle$/, 20);
($s, $j) = $t->post('/api/agents/sessions/a1/approval', { decision => 'allow' });
$t->is_err($s, $j, 409, 'nothing_pending', 'a1: nothing pending once answered');

# A second restart: nothing pending is taken back as pending.
$t->kill_daemon('KILL');
$t->start_daemon;
($s) = $t->message('a1', 'hello again');
is($s, 200, 'a1: a message after the second restart');
$t->wait_for(sub { grep { ($_->{event}{text} // '') =~ /FAKE_REPLY/ }
    events('a1', 'assistant_text') }, 20, 'a1: answered');
is($t->session('a1')->{pendingApproval}, undef, 'a1: no approval pending');

for my $n (qw(a1 d1)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
