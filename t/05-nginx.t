#!/usr/bin/perl
# The generated nginx configuration alone, with t/bin/fake-backend standing in
# for agentd-fcgi (fcgi.sock) and the daemon (ws.sock): which request goes
# where, what the backends receive, and nginx's own errors as JSON.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack(backend => 'fake');
my $t = AgentdTest->new(backend => 'fake');
my $port = $t->port;

# Plain requests go to FastCGI with the parameters agentd-fcgi relies on.
my ($s, $j, $h) = $t->get('/api/agents/sessions?all=1', 'X-Agentd-User' => 'mallory',
    'Proxy' => 'http://evil.example');
is($s, 200, 'GET sessions: 200');
is($h->{'x-backend'}, 'fcgi', 'GET sessions: answered by FastCGI');
my $p = $j->{params};
is($p->{REQUEST_METHOD}, 'GET', 'REQUEST_METHOD');
is($p->{REQUEST_URI}, '/api/agents/sessions?all=1', 'REQUEST_URI');
is($p->{DOCUMENT_URI}, '/api/agents/sessions', 'DOCUMENT_URI');
is($p->{SCRIPT_NAME}, '/api/agents/sessions', 'SCRIPT_NAME');
is($p->{QUERY_STRING}, 'all=1', 'QUERY_STRING');
is($p->{REMOTE_ADDR}, '127.0.0.1', 'REMOTE_ADDR');
is($p->{SERVER_PROTOCOL}, 'HTTP/1.1', 'SERVER_PROTOCOL');
is($p->{HTTP_HOST}, "127.0.0.1:$port", 'HTTP_HOST');
ok(exists $p->{REMOTE_USER}, 'REMOTE_USER is passed');
ok(exists $p->{AGENTD_USER} && $p->{AGENTD_USER} eq '', 'AGENTD_USER is set by nginx (empty: no authentication)');
ok(!defined $p->{HTTP_X_AGENTD_USER} || $p->{HTTP_X_AGENTD_USER} eq '',
    "the client's X-Agentd-User does not reach FastCGI");
ok(!$p->{HTTP_PROXY}, "the client's Proxy header does not become HTTP_PROXY");

($s, $j, $h) = $t->post('/api/agents/sessions', { name => 'x' });
is($h->{'x-backend'}, 'fcgi', 'POST sessions: FastCGI');
is($j->{params}{REQUEST_METHOD}, 'POST', 'POST: REQUEST_METHOD');
is($j->{params}{CONTENT_TYPE}, 'application/json', 'POST: CONTENT_TYPE');
is($j->{params}{CONTENT_LENGTH}, 12, 'POST: CONTENT_LENGTH');
is($j->{stdin_len}, 12, 'POST: the body arrives on stdin');

# WebSocket endpoints: Upgrade -> ws.sock, anything else -> FastCGI.
my @ws = ('/api/agents/sessions/one', '/api/agents/sessions/one/terminal',
    '/api/agents/sessions/one/ws', '/api/agents/world');
my @upgrade = (Upgrade => 'websocket', Connection => 'Upgrade',
    'Sec-WebSocket-Version' => 13, 'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==');
for my $path (@ws) {
	($s, $j, $h) = $t->get($path);
	is($h->{'x-backend'}, 'fcgi', "GET $path without Upgrade: FastCGI");
	my $raw;
	($s, undef, $h, $raw) = $t->get("$path?since=5", @upgrade, 'X-Agentd-User' => 'mallory');
	is($s, 101, "GET $path with Upgrade: 101 from the proxied backend");
	is($h->{'x-backend'}, 'ws', "GET $path with Upgrade: ws.sock");
	my $seen = eval { JSON::PP->new->decode($raw) } // {};
	is($seen->{request}, "GET $path?since=5 HTTP/1.1", "$path: request line passed unchanged");
	is(lc($seen->{headers}{upgrade} // ''), 'websocket', "$path: Upgrade passed");
	is(lc($seen->{headers}{connection} // ''), 'upgrade', "$path: Connection: upgrade");
	is($seen->{headers}{host}, "127.0.0.1:$port", "$path: Host passed");
	is($seen->{headers}{'sec-websocket-key'}, 'dGhlIHNhbXBsZSBub25jZQ==', "$path: key passed");
	ok(!exists $seen->{headers}{'x-agentd-user'}, "$path: client's X-Agentd-User dropped");
	is($seen->{headers}{'x-real-ip'}, '127.0.0.1', "$path: X-Real-IP");
}
($s, undef, $h) = $t->get('/api/agents/world', @upgrade[0 .. 1], Upgrade => 'WebSocket');
is($h->{'x-backend'}, 'ws', 'Upgrade value is case-insensitive');

for my $path ('/api/agents/sessions', '/api/agents/sessions/one/output',
    '/api/agents/sessions/one/message', '/api/agents/sessions/a/b/terminal',
    '/api/agents/worlds', '/api/agents/directories') {
	($s, undef, $h) = $t->get($path, @upgrade);
	is($h->{'x-backend'}, 'fcgi', "GET $path with Upgrade: still FastCGI");
}
($s, undef, $h) = $t->get('/api/agents/sessions/one', Upgrade => 'h2c', Connection => 'Upgrade');
is($h->{'x-backend'}, 'fcgi', 'a non-WebSocket Upgrade goes to FastCGI');

# Body size: 1 MiB is the limit, nginx's own 413 is JSON.
($s, $j) = $t->post('/api/agents/sessions', 'x' x (1024 * 1024), 'Content-Type' => 'application/json');
is($s, 200, '1 MiB body: passed');
is($j->{stdin_len}, 1024 * 1024, '1 MiB body: all of it reaches FastCGI');
($s, $j, $h) = $t->post('/api/agents/sessions', 'x' x (1024 * 1024 + 1),
    'Content-Type' => 'application/json');
$t->is_err($s, $j, 413, 'too_large', '1 MiB + 1 body');
like($h->{'content-type'}, qr{^application/json}, '413: application/json');

# Backends down: 503 JSON for FastCGI and WebSocket alike.
$t->kill_proc('backend', 'TERM');
$t->expect_log(qr{\[crit\].*connect\(\) to unix:.*/run/(?:fcgi|ws)\.sock failed});
unlink($t->home . '/run/fcgi.sock', $t->home . '/run/ws.sock');
($s, $j, $h) = $t->get('/api/agents/sessions');
$t->is_err($s, $j, 503, 'daemon_unavailable', 'FastCGI down');
like($h->{'content-type'}, qr{^application/json}, '503: application/json');
($s, $j) = $t->get('/api/agents/sessions/one.html', @upgrade);
$t->is_err($s, $j, 503, 'daemon_unavailable', 'ws.sock down');
($s, $j, $h) = $t->get('/api/agents/sessions/one.html');
like($h->{'content-type'}, qr{^application/json}, 'JSON error even for a name with an extension');

$t->done;
