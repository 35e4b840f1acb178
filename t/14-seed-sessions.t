#!/usr/bin/perl
# Contract (issue #15, items 2 and 5): what the seed source's web UI, headless
# client and workers CLI read from a session - the list, the detail and the
# create reply - and how they decide it is done. Each check names the field a
# client reads:
#   UI       list/detail: name, sessionType, cwd, host, processAlive, label, status;
#            create: sessionName (it opens the new session by it)
#   headless monitorSession: completed === true, result {status, finalComment,
#            costUsd, completedAt}; status running | completed | ...
#   CLI      workers status: status
# agentd's own fine state rides along as state and phase (README "Status, state
# and phase"), the same names in the list, the detail and the world.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $S = '/api/agents/sessions';

# The hello of agentd's own WebSocket protocol: status, state and phase as the
# detail has them (the dashboard reads them there).
sub hello_is {
	my ($name, $what) = @_;
	my $ws = WSClient->connect(port => $t->port, path => "$S/$name");
	my $h = $ws ? $ws->recv_msg(10) : undef;
	my $d = $t->session($name);
	is($h && $h->{type}, 'hello', "$what: hello");
	is($h && $h->{$_}, $d->{$_}, "$what: hello's $_ is the detail's ($d->{$_})")
	    for qw(status state phase);
	$ws->close if $ws;
}

# --- create, as the UI sends it ----------------------------------------------------
my ($s, $j) = $t->post($S, { name => 'ui1', mode => 'default', cwd => $t->workdir,
    sessionType => 'pty', agentType => 'fake', task => 'hello' });
is($s, 201, 'UI create: 201');
is($j->{sessionName}, 'ui1', 'UI create: sessionName');
is($j->{name}, 'ui1', 'create: name (SEED-API)');
like($j->{created} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'create: created (SEED-API)');
is($j->{status}, 'running', 'create: status running');
is($j->{completed}, JSON::PP::false, 'create: completed false');
$t->wait_output('ui1', qr/got: hello/);

# --- list and detail: the UI's fields --------------------------------------------------
($s, $j) = $t->get($S);
is($s, 200, 'list: 200');
is(ref $j, 'ARRAY', 'list: a bare array (SEED-API)');
my ($e) = grep { $_->{name} eq 'ui1' } @$j;
ok($e, 'list: ui1');
is($e->{sessionType}, 'pty', 'list: sessionType pty');
is($e->{cwd}, $t->workdir, 'list: cwd');
ok(exists $e->{host} && !defined $e->{host}, 'list: host null (here)');
is($e->{processAlive}, JSON::PP::true, 'list: processAlive');
is($e->{label}, 'ui1', 'list: label');
is($e->{status}, 'running', 'list: status running');
is($e->{state}, 'running', 'list: state (agentd) running');
ok(defined $e->{phase}, 'list: phase');
my $d = $t->session('ui1');
is($d->{$_}, $e->{$_}, "detail: $_ as in the list")
    for qw(sessionType cwd host processAlive label status state phase);
hello_is('ui1', 'running');
is($d->{completed}, JSON::PP::false, 'detail: completed false while it runs');
ok(exists $d->{result} && !defined $d->{result}, 'detail: result null while it runs');

# --- completion: the headless client's monitorSession --------------------------------
($s, $j) = $t->post("$S/ui1/complete", { status => 'success', comment => 'All tests passing' });
is($s, 200, 'complete: 200');
$d = $t->session('ui1');
is($d->{completed}, JSON::PP::true, 'completed: true');
is($d->{status}, 'completed', 'status completed');
is($d->{result}{status}, 'success', 'result.status');
is($d->{result}{finalComment}, 'All tests passing', 'result.finalComment');
ok(defined $d->{result}{costUsd}, 'result.costUsd');
like($d->{result}{completedAt} // '', qr/^\d{4}-.*Z$/, 'result.completedAt');
is($d->{processAlive}, JSON::PP::true, '... the agent still runs');
is($d->{state}, 'running', '... its state says so');
hello_is('ui1', 'completed');

# --- an agent that exits by itself: done too -------------------------------------------
($s) = $t->create(name => 'ex0');
is($s, 201, 'create ex0');
$t->message('ex0', 'exit 0');
$d = $t->wait_status('ex0', qr/^exited$/);
is($d->{status}, 'completed', 'exit 0: status completed');
is($d->{completed}, JSON::PP::true, 'exit 0: completed');
is($d->{result}{status}, 'success', 'exit 0: result success');
is($d->{result}{completedAt}, $d->{ended}, 'exit 0: completedAt is when it ended');
is($d->{processAlive}, JSON::PP::false, 'exit 0: processAlive false');
is($d->{phase}, 'exited', 'exit 0: phase exited');
hello_is('ex0', 'ended');

($s) = $t->create(name => 'ex3');
$t->message('ex3', 'exit 3');
$d = $t->wait_status('ex3', qr/^exited$/);
is($d->{status}, 'failed', 'exit 3: status failed');
is($d->{result}{status}, 'failure', 'exit 3: result failure');

# --- killed ----------------------------------------------------------------------------
($s) = $t->create(name => 'k1');
($s, $j) = $t->del("$S/k1");
is($s, 200, 'DELETE: 200');
is($j->{killed}, JSON::PP::true, 'DELETE: killed true');
is($j->{status}, 'killed', 'DELETE: status killed');
is($j->{state}, 'terminated', 'DELETE: state terminated');
is($j->{result}{status}, 'cancelled', 'DELETE: result cancelled');
is($j->{completed}, JSON::PP::true, 'DELETE: completed');

# --- ?all=1 lists the ended ones with the same fields ---------------------------------
($s, $j) = $t->get("$S?all=1");
my %by = map { $_->{name} => $_ } @$j;
is($by{ex3}{status}, 'failed', 'list ?all=1: failed');
is($by{k1}{status}, 'killed', 'list ?all=1: killed');

$t->done;
