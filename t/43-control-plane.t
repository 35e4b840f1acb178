#!/usr/bin/perl
# The control plane is the daemon's (issue #12, "what must be true"): a control
# request without an actor is nobody's (401; only ping is answered), `agentd
# shutdown` is a signal, not a request, and a session's hooks and link loop have
# a socket of their own (run/hook.sock) where only their session's key counts.
# A bypassPermissions "claude" (t/bin/hook-probe) in its sandbox finds no control,
# WebSocket or FastCGI socket, no token, no database; on the sessions' socket it
# can neither create, nor ping, nor report for another session or with a wrong
# key, nor hold more than 8 connections there (4 a process), and the API is 401 to it; its own
# SessionStart hook still reaches the daemon.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'bwrap is not installed (apt-get install bubblewrap)'
    unless grep { -x "$_/bwrap" } split /:/, $ENV{PATH} // '';

my $bin = tempdir('agentd-claude-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest::srcdir() . '/t/bin/hook-probe', "$bin/claude") or die "symlink: $!";
my $t = AgentdTest->new(
    agents => { hostile => { default => "$bin/claude", bypassPermissions => "$bin/claude",
	adapter => 'claude' } });
$t->expect_log(qr/sessions' socket: pid \d+('s namespace)? holds \d+ connections: refused/);
my $me = { user => scalar getpwuid($>) };

# ctl.sock: the actor is required.
my $r = $t->ctl_call({ op => 'session.create',
    args => { name => 'x', agentType => 'fake', workingDirectory => $t->workdir } });
is($r->{status}, 401, 'ctl: a create without an actor is 401');
is($r->{body}{code}, 'unauthenticated', 'ctl: code unauthenticated');
$r = $t->ctl_call({ op => 'ping' });
is($r->{status}, 200, 'ctl: ping needs no actor');
$r = $t->ctl_call({ op => 'daemon.shutdown', actor => $me, args => { terminate => JSON::PP::true } });
is($r->{status}, 400, 'ctl: daemon.shutdown is no request any more');
for my $op (qw(agent.hook worker.link)) {
	$r = $t->ctl_call({ op => $op, actor => $me,
	    args => { name => 'x', state => 'up', event => {} } });
	is($r->{status}, 403, "ctl: $op without the session's key is 403, even for the owner");
}

# hook.sock: nothing but a session's keyed reports.
my $hook = $t->home . '/run/hook.sock';
ok(-S $hook, 'the sessions\' socket exists');
my $hs = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $hook) or die "connect: $!";
$r = $t->ctl_call({ op => 'session.create', actor => $me,
    args => { name => 'y', agentType => 'fake', workingDirectory => $t->workdir } }, $hs);
is($r->{status}, 403, 'hook.sock: a create with an owner actor is 403');
$hs = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $hook) or die "connect: $!";
$r = $t->ctl_call({ op => 'ping', actor => $me }, $hs);
is($r->{status}, 403, 'hook.sock: ping is 403');

# The hostile agent.
my ($s) = $t->create(name => 'other');
is($s, 201, 'another session');
my $url = 'http://127.0.0.1:' . $t->port;
open(my $fh, '>', $t->workdir . '/probe.args') or die;
print $fh join(' ', $t->home, $url, 'other', 'hostile'), "\n";
close $fh;
($s) = $t->create(name => 'hostile', agentType => 'hostile',
    permissionMode => 'bypassPermissions');
is($s, 201, 'create the hostile claude');
my $out = $t->wait_output('hostile', qr/hook-probe done/);
$out =~ s/\r//g;
for (qw(ctl-connect ws-connect fcgi-connect read-access-token read-agentd.db
    read-agentd.conf)) {
	like($out, qr/^probe \Q$_\E: denied/m, "sandboxed agent: $_ fails");
}
like($out, qr/^probe env-key: none$/m, 'the agent has no session key in its environment');
like($out, qr/^probe key: given$/m, 'its tools can read the key its hooks read');
like($out, qr/^probe hook-create: status 403$/m, 'agent: no create over hook.sock');
like($out, qr/^probe hook-ping: status 403$/m, 'agent: no ping over hook.sock');
like($out, qr/^probe hook-other: status 403$/m, 'agent: no report for another session');
like($out, qr/^probe hook-badkey: status 403$/m, 'agent: no report with a wrong key');
like($out, qr/^probe link-own: status 40[34]$/m, 'agent: no link report (not a remote worker)');
like($out, qr/^probe http-create: status 401$/m, 'agent: the API is 401 without the token');
like($out, qr/^probe hook-flood-process: [0-4] open$/m, 'agent: 4 connections of a process at most');
like($out, qr/^probe hook-flood: 8 open$/m, 'agent: 8 connections to hook.sock at once, no more');
like($out, qr/^probe hook-run: exit 0$/m, 'its SessionStart hook runs (after the flood)');
my $j = $t->wait_for(sub {
	my $d = $t->session('hostile');
	(grep { $_->{type} eq 'agent_started' } @{$d->{events} // []}) ? $d : undef;
}, 10, 'the hook\'s agent_started event');
ok($j, 'the hook reached the daemon through hook.sock');
my $o = $t->session('other');
ok(!grep({ $_->{type} eq 'agent_ended' || $_->{type} eq 'turn_end' } @{$o->{events} // []}),
    'nothing was recorded on the other session');

$t->done;
