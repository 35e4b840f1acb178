#!/usr/bin/perl
# Create, its aliases, list and detail, through nginx.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
# Unsandboxed: the pids below are the agent's own as the host sees them (in its
# sandbox an agent is pid 2 of a namespace; t/28-sandbox.t tests that).
my $t = AgentdTest->new(conf => { sandbox => 'off' });
my $wd = $t->workdir;
my $ISO = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

sub iso_epoch {
	my ($s) = @_;
	my @f = $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/ or return undef;
	require Time::Local;
	return Time::Local::timegm($f[5], $f[4], $f[3], $f[2], $f[1] - 1, $f[0]);
}

# --- create -------------------------------------------------------------------
my ($s, $j, $h) = $t->create(name => 'alpha', prompt => 'hello there');
is($s, 201, 'create: 201');
like($h->{'content-type'} // '', qr{^application/json}, 'create: application/json');
for my $k (qw(name pid agentType created workingDirectory permissionMode status)) {
	ok(exists $j->{$k}, "create reply has $k");
}
is($j->{name}, 'alpha', 'create: name');
is($j->{agentType}, 'fake', 'create: agentType');
is($j->{workingDirectory}, $wd, 'create: workingDirectory');
is($j->{permissionMode}, 'default', 'create: permissionMode defaults to default');
like($j->{state} // '', qr/^(?:starting|running)$/, 'create: status starting or running');
like($j->{created} // '', $ISO, 'create: created is ISO-8601 UTC');
my $created = iso_epoch($j->{created} // '');
ok(defined $created && abs($created - time) < 120, 'create: created is now');
like($j->{pid} // '', qr/^\d+$/, 'create: pid is a number');
my $pid = $j->{pid};
ok($pid && kill(0, $pid), 'create: the pid is a live process');

# The agent runs the mode's command in the working directory, leads its own
# process group, and gets the prompt.
my $out = $t->wait_output('alpha', qr/fake-agent pid=\d+ pgid=\d+ args=\S* cwd=\S+/);
my ($bpid, $bpgid, $args, $cwd) = $out =~ /fake-agent pid=(\d+) pgid=(\d+) args=(\S*) cwd=(\S+)/;
is($bpid, $pid, 'pid is the agent process');
is($bpgid, $bpid, 'the agent leads its own process group');
is($args, 'default', 'agent started with the default mode command');
is($cwd, $wd, 'agent runs in workingDirectory');
$t->wait_output('alpha', qr/hello there/);
pass('the prompt reaches the agent');
my $d = $t->wait_status('alpha', qr/^running$/);
is($d->{pid}, $pid, 'detail: same pid once running');

# --- aliases ------------------------------------------------------------------
($s, $j) = $t->create(name => 'beta', workingDirectory => undef, cwd => $wd,
    mode => 'acceptEdits', task => 'the task');
is($s, 201, 'create with cwd/mode/task: 201');
is($j->{workingDirectory}, $wd, 'cwd is workingDirectory');
is($j->{permissionMode}, 'acceptEdits', 'mode is permissionMode');
$out = $t->wait_output('beta', qr/args=\S+/);
like($out, qr/args=acceptEdits /, 'mode: the acceptEdits command runs');
$d = $t->session('beta');
is($d->{prompt}, 'the task', 'task is prompt');

($s, $j) = $t->create(name => 'gamma', mode => 'dangerouslySkipPermissions');
is($s, 201, 'create with mode dangerouslySkipPermissions: 201');
is($j->{permissionMode}, 'bypassPermissions', 'dangerouslySkipPermissions -> bypassPermissions');
like($t->wait_output('gamma', qr/args=\S+/), qr/args=bypassPermissions /,
    'the bypassPermissions command runs');
($s, $j) = $t->create(name => 'delta', permissionMode => 'dangerouslySkipPermissions');
is($j->{permissionMode}, 'bypassPermissions', 'permissionMode dangerouslySkipPermissions too');
($s, $j) = $t->create(name => 'epsilon', permissionMode => 'acceptEdits');
is($j->{permissionMode}, 'acceptEdits', 'permissionMode acceptEdits');

for my $type (qw(claude codex openclaw)) {
	($s, $j) = $t->create(name => "t-$type", agentType => $type);
	is($s, 201, "create agentType $type: 201");
	is($j->{agentType}, $type, "agentType $type echoed");
}
($s, $j) = $t->post('/api/agents/sessions', { name => 'zeta', agentType => 'fake',
    workingDirectory => $wd }, 'Content-Type' => 'application/json; charset=utf-8');
is($s, 201, 'Content-Type with a charset parameter is JSON too');
my $n64 = 'n' x 64;
($s, $j) = $t->create(name => $n64);
is($s, 201, 'a 64-character name is fine');

# --- list ---------------------------------------------------------------------
my @live = ('alpha', 'beta', 'gamma', 'delta', 'epsilon', 't-claude', 't-codex',
    't-openclaw', 'zeta', $n64);
($s, $j, $h) = $t->get('/api/agents/sessions');
is($s, 200, 'list: 200');
is(ref $j, 'ARRAY', 'list: an array');
my %by = map { $_->{name} => $_ } @{ref $j eq 'ARRAY' ? $j : []};
is_deeply([sort keys %by], [sort @live], 'list: every live session once');
is(scalar @{ref $j eq 'ARRAY' ? $j : []}, scalar @live, 'list: no duplicates');
for my $k (qw(name pid agentType created workingDirectory status)) {
	ok(!grep({ !exists $_->{$k} } values %by), "list: every entry has $k");
}
$d = $t->session('alpha');
for my $k (qw(pid agentType created workingDirectory permissionMode)) {
	is($by{alpha}{$k}, $d->{$k}, "list and detail agree on $k");
}

# Ended sessions: only with ?all=1.
($s) = $t->del('/api/agents/sessions/delta');
is($s, 200, 'DELETE delta: 200');
($s) = $t->message('epsilon', 'exit 0');
is($s, 200, 'message exit 0: 200');
$t->wait_status('epsilon', qr/^exited$/);
($s, $j) = $t->get('/api/agents/sessions');
%by = map { $_->{name} => $_ } @$j;
ok(!$by{delta} && !$by{epsilon}, 'list: ended sessions are not listed');
($s, $j) = $t->get('/api/agents/sessions?all=1');
is($s, 200, 'list ?all=1: 200');
%by = map { $_->{name} => $_ } @$j;
is($by{delta}{state}, 'terminated', 'list ?all=1: the deleted session, terminated');
is($by{epsilon}{state}, 'exited', 'list ?all=1: the exited session, exited');
ok($by{alpha}, 'list ?all=1: live sessions too');

# A name can be used again once its session has ended.
($s, $j) = $t->create(name => 'delta');
is($s, 201, 'the name of an ended session can be reused');
$t->wait_status('delta', qr/^running$/);

# --- detail -------------------------------------------------------------------
($s, $d) = $t->get('/api/agents/sessions/alpha');
is($s, 200, 'detail: 200');
for my $k (qw(name pid agentType created workingDirectory permissionMode status prompt
    role parent lastSeq ended exitCode exitSignal completion events workers)) {
	ok(exists $d->{$k}, "detail has $k");
}
is($d->{prompt}, 'hello there', 'detail: prompt');
is(ref $d->{events}, 'ARRAY', 'detail: events is an array');
is_deeply($d->{workers}, { total => 0, running => 0, ended => 0 },
    'detail: workers summary, counts (none)');
ok(!defined $d->{ended} && !defined $d->{exitCode} && !defined $d->{completion},
    'detail: ended, exitCode, completion null while running');
like($d->{lastSeq} // '', qr/^\d+$/, 'detail: lastSeq is a number');
ok($d->{lastSeq} > 0, 'detail: lastSeq counts the output so far');

($s, $d) = $t->get('/api/agents/sessions/epsilon');
is($s, 200, 'detail of an exited session: 200');
is($d->{state}, 'exited', 'detail: exited');
is($d->{exitCode}, 0, 'detail: exitCode 0');
like($d->{ended} // '', $ISO, 'detail: ended is ISO-8601 UTC');

$t->done;
