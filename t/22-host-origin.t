#!/usr/bin/perl
# Host and Origin checks (DNS rebinding, CSRF) and no CORS, ever.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $port = $t->port;
my $S = '/api/agents/sessions';
my ($s, $j, $h);

sub exists_session {
	my ($name) = @_;
	my (undef, $l) = $t->get("$S?all=1");
	return scalar grep { $_->{name} eq $name } @{ref $l eq 'ARRAY' ? $l : []};
}

# Host
for my $host ('evil.example', "evil.example:$port", "127.0.0.1.evil.example:$port") {
	($s, $j) = $t->get($S, Host => $host);
	$t->is_err($s, $j, 400, 'bad_host', "GET with Host '$host'");
}
for my $host ("127.0.0.1:$port", '127.0.0.1', "localhost:$port", "LOCALHOST:$port", "[::1]:$port") {
	($s) = $t->get($S, Host => $host);
	is($s, 200, "GET with Host '$host': 200");
}
($s, $j) = $t->create(name => 'h1');
is($s, 201, 'create with the right Host');
($s, $j) = $t->post($S, { name => 'h2', agentType => 'fake', workingDirectory => $t->workdir },
    Host => "evil.example:$port");
$t->is_err($s, $j, 400, 'bad_host', 'create with a bad Host');
ok(!exists_session('h2'), '... creates nothing');

# Origin on state-changing requests
my %body = (agentType => 'fake', workingDirectory => $t->workdir);
for my $origin ('http://evil.example', "http://evil.example:$port", 'null',
    "http://127.0.0.1.evil.example:$port") {
	($s, $j) = $t->post($S, { %body, name => 'o1' }, Origin => $origin);
	$t->is_err($s, $j, 403, 'forbidden_origin', "create with Origin $origin");
}
ok(!exists_session('o1'), 'no session was created by a forbidden origin');
($s) = $t->message('h1', 'no origin');
is($s, 200, 'message without Origin: 200');
($s, $j) = $t->post("$S/h1/message", { message => 'evil says hi' }, Origin => 'http://evil.example');
$t->is_err($s, $j, 403, 'forbidden_origin', 'message with a forbidden Origin');
($s, $j) = $t->req(DELETE => "$S/h1", undef, Origin => 'http://evil.example');
$t->is_err($s, $j, 403, 'forbidden_origin', 'DELETE with a forbidden Origin');
is($t->session('h1')->{state}, 'running', '... the session still runs');
$t->wait_output('h1', qr/got: no origin/);
unlike($t->output('h1'), qr/evil says hi/, '... the forbidden message never reached the agent');

($s) = $t->post($S, { %body, name => 'o2' }, Origin => "http://127.0.0.1:$port");
is($s, 201, 'create with Origin http://127.0.0.1:PORT: 201');
($s) = $t->post($S, { %body, name => 'o3' }, Origin => 'http://localhost:8080');
is($s, 201, 'create with Origin http://localhost:8080: 201');
($s) = $t->get($S, Origin => 'http://evil.example');
is($s, 200, 'GET with a foreign Origin: 200 (reads are not state-changing)');

# No CORS: not on a preflight, not on anything (the harness checks every reply).
($s, $j, $h) = $t->req(OPTIONS => $S, undef, Origin => 'http://evil.example',
    'Access-Control-Request-Method' => 'POST',
    'Access-Control-Request-Headers' => 'content-type');
ok($s >= 400, "preflight OPTIONS: refused ($s)");
ok(!grep({ /^access-control-/ } keys %$h), 'preflight OPTIONS: no Access-Control-* header');

$t->done;
