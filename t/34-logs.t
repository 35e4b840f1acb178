#!/usr/bin/perl
# Logs (issue #18): agentd and agentd-fcgi write one logfmt line per event to
# stderr; a request through nginx has nginx's $request_id, which the nginx
# access log (log_format agentd), agentd-fcgi's line, the daemon's
# line (fcgi passes it on ctl.sock) and its audit row all name; the WebSocket
# upgrade gets it as a header. An id that is no id (over 64 bytes, a control
# character) is replaced and never logged; a message cannot break its line.
# log_level (agentd.conf), -l and AGENTD_LOG_LEVEL choose the level.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use FcgiClient;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Test::More;
use WSClient;

AgentdTest->require_stack;

my $VALUE = qr/(?:"(?:[^"\\\x00-\x1f]|\\.)*"|[^\s"=\\]+)/;
my $LINE = qr/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z[ ]level=(?:error|warn|info|debug|fatal)
    [ ]prog=[\w-]+[ ]pid=\d+[ ]msg=$VALUE(?:[ ][a-z_]+=$VALUE)*$/x;

sub lines { my ($t, $name) = @_; return split /\n/, AgentdTest->slurp($t->log_path($name)) }

# The lines of log NAME that have req=ID.
sub with_id {
	my ($t, $name, $id) = @_;
	return grep { / req=\Q$id\E$/ } lines($t, $name);
}

my $t = AgentdTest->new;

# --- a request through nginx: one id everywhere ------------------------------------------
my ($s, $j, $h) = $t->create(name => 'r1', agentType => 'fake');
is($s, 201, 'create r1');
# nginx's access log (log_format agentd) has its $request_id: the id to follow.
my $id;
$t->wait_for(sub { ($id) = AgentdTest->slurp($t->home . '/nginx/access.log')
    =~ m{"POST /api/agents/sessions HTTP/1\.1" 201 .* req=([0-9a-f]{32})$}m }, 10,
    "the access log has the create's \$request_id");
$id //= 'none';
# agentd-fcgi writes its line once the reply is out: wait for it.
my @f;
$t->wait_for(sub { @f = with_id($t, 'fcgi', $id) }, 10, 'agentd-fcgi logs the request');
ok((grep { /msg=request method=POST path=\/api\/agents\/sessions status=201 / } @f),
    'agentd-fcgi: its line of the request has the id') or diag(join("\n", lines($t, 'fcgi')));
my @d;
$t->wait_for(sub { @d = with_id($t, 'daemon', $id) }, 10, 'the daemon logs the request');
ok((grep { /msg=request op=session\.create status=201 user=\S+ session=r1 / } @d),
    'agentd: its line of session.create has the id') or diag(join("\n", lines($t, 'daemon')));
($s, $j) = $t->get('/api/agents/audit?limit=1000');
is($s, 200, 'GET audit');
my ($row) = grep { $_->{action} eq 'session.create' && ($_->{session} // '') eq 'r1' }
    @{$j->{entries}};
is($row && $row->{request}, $id, 'the audit row of the create has the id');

# Every line of both logs is one logfmt line.
for my $name (qw(daemon fcgi)) {
	my @bad = grep { !/$LINE/ } lines($t, $name);
	ok(!@bad, "every $name line is logfmt") or diag(join("\n", @bad[0 .. ($#bad < 4 ? $#bad : 4)]));
}

# The query string is not logged (login?token= carries the token).
($s) = $t->get('/api/agents/login?token=' . ('ab' x 32) . '&next=/', Authorization => undef);
is($s, 401, 'login with a wrong token');
unlike(AgentdTest->slurp($t->log_path('fcgi')) . AgentdTest->slurp($t->home . '/nginx/access.log'),
    qr/abababab/, 'no token in the logs (agentd-fcgi, nginx)');

# A hostile path cannot break its line or forge a key (nginx decodes %0A and %22).
($s) = $t->get('/api/agents/sessions/a%22b%0Aforged=1%01/output');
ok($s >= 400, "a path with a quote, a newline and a control byte: $s");
my $esc;
$t->wait_for(sub { ($esc) = grep { /forged/ } lines($t, 'fcgi') }, 10, 'the hostile path logged');
like($esc // '', qr/ path="\/api\/agents\/sessions\/a\\"b\\nforged=1\\x01\/output" /,
    'it is one line, quoted and escaped');

# --- the WebSocket: the id is a header of nginx's upgrade ----------------------------------
my $ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/r1');
ok($ws, 'WebSocket upgrade through nginx');
$ws->recv_msg(5);
$ws->close;
# nginx writes the line of an upgrade when the connection ends.
my $wsid;
$t->wait_for(sub { ($wsid) = AgentdTest->slurp($t->home . '/nginx/access.log')
    =~ m{"GET /api/agents/sessions/r1 HTTP/1\.1" 101 .* req=([0-9a-f]{32})$}m }, 10,
    'the upgrade is in the access log with its id');
$t->wait_for(sub { grep { /msg="ws upgrade" session=r1 / } with_id($t, 'daemon', $wsid // 'none') },
    10, "agentd's line of the upgrade has nginx's id");

# --- ids that are no ids: replaced, never logged --------------------------------------------
my $long = 'L' x 65;
my $ctrl = "ctl\x01id\x1b[31m";
for my $bad ($long, $ctrl, '') {
	my $c = FcgiClient->new($t->home . '/run/fcgi.sock');
	$c->begin(POST => '/api/agents/sessions/r1/message', 'application/json', 13,
	    AGENTD_REQUEST_ID => $bad, HTTP_AUTHORIZATION => 'Bearer ' . $t->token);
	$c->send('{"message":1}');
	my $resp = $c->finish;
	like($resp, qr/^HTTP\/1\.1 400/, 'a bad request with a bad id (length ' . length($bad)
	    . ') is answered');
}
my $fl;
$t->wait_for(sub { $fl = AgentdTest->slurp($t->log_path('fcgi'));
    (() = $fl =~ /msg="request id replaced/g) >= 3 }, 10, 'agentd-fcgi replaces them');
unlike($fl, qr/LLLLLLLL|ctl.id|\x1b/, 'agentd-fcgi never logs a bad id');
my @repl = $fl =~ /msg="request id replaced: not an id" length=(\d+) req=[0-9a-f]{32}$/mg;
is_deeply([sort { $a <=> $b } @repl], [0, 11, 65], 'each bad id replaced (its length only)');

# On ctl.sock: the daemon checks the id agentd-fcgi sends too.
my $r = $t->ctl_call({ op => 'session.message', args => { name => 'nosuch', message => 'x' },
    actor => { user => 'local', addr => '127.0.0.1' }, request => "x\ny" . ('z' x 70) });
is($r && $r->{status}, 404, 'ctl.sock: a request with a bad id is answered');
$r = $t->ctl_call({ op => 'session.message', args => { name => 'nosuch', message => 'x' },
    actor => { user => 'local', addr => '127.0.0.1' }, request => { not => 'a string' } });
is($r && $r->{status}, 404, 'ctl.sock: an id that is not a string');
my $dl;
$t->wait_for(sub { $dl = AgentdTest->slurp($t->log_path('daemon'));
    (() = $dl =~ /msg="request id replaced: not an id"/g) >= 2 }, 10, 'the daemon replaces them');
unlike($dl, qr/zzzzzzzz|x\ny/, 'agentd never logs a bad id');
($s, $j) = $t->get('/api/agents/audit?limit=1000');
my @nosuch = grep { ($_->{session} // '') eq 'nosuch' } @{$j->{entries}};
is(scalar(grep { ($_->{request} // '') =~ /^[0-9a-f]{32}$/ } @nosuch), 2,
    'their audit rows have the new ids') or diag(explain(\@nosuch));

# The WebSocket socket: an X-Request-Id that is no id.
{
	my $u = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $t->home . '/run/ws.sock')
	    or die "ws.sock: $!";
	print $u "GET /api/agents/sessions/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    . "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Request-Id: " . ('W' x 80)
	    . "\r\nAuthorization: Bearer " . $t->token . "\r\n\r\n";
	my $got = '';
	$t->wait_for(sub { sysread($u, $got, 4096, length $got); $got =~ /\r\n\r\n/ }, 10,
	    'ws.sock answers');
	like($got, qr/^HTTP\/1\.1 101/, 'ws.sock: upgraded');
	close $u;
	$t->wait_for(sub { AgentdTest->slurp($t->log_path('daemon'))
	    =~ /msg="request id replaced: not an id" length=80 req=([0-9a-f]{32})$/m }, 10,
	    'the daemon replaces a bad X-Request-Id');
	unlike(AgentdTest->slurp($t->log_path('daemon')), qr/WWWWWWWW/, 'and never logs it');
}
$t->stop;

# --- levels ----------------------------------------------------------------------------------
# log_level = warn: neither logs a request (info); fcgi's -l debug wins over the file.
my $q = AgentdTest->new(conf => { log_level => 'warn' });
($s) = $q->create(name => 'q1', agentType => 'fake');
is($s, 201, 'log_level = warn: create');
$q->stop;
ok(!(grep { /level=(?:info|debug)/ } lines($q, 'daemon'), lines($q, 'fcgi')),
    'log_level = warn: no info or debug line');

my $fcgi = AgentdTest->builddir . '/fcgi/agentd-fcgi';
my $v = AgentdTest->new(conf => { log_level => 'warn' }, argv => { fcgi => ['/usr/bin/env',
    'AGENTD_LOG_LEVEL=info', $fcgi, '-H', '@HOME@', '-l', 'debug'] });
($s) = $v->create(name => 'v1', agentType => 'fake');
is($s, 201, '-l debug: create');
$v->stop;
ok((grep { /level=debug .*msg="listening on/ } lines($v, 'fcgi')),
    'agentd-fcgi -l debug: debug lines, over log_level and AGENTD_LOG_LEVEL');
ok(!(grep { /level=info/ } lines($v, 'daemon')), 'the daemon keeps log_level = warn');

my $e = AgentdTest->new(conf => { log_level => 'warn' }, argv => { fcgi => ['/usr/bin/env',
    'AGENTD_LOG_LEVEL=info', $fcgi, '-H', '@HOME@'] });
($s) = $e->create(name => 'e1', agentType => 'fake');
is($s, 201, 'AGENTD_LOG_LEVEL=info: create');
$e->stop;
ok((grep { /level=info .*msg=request method=POST/ } lines($e, 'fcgi')),
    'AGENTD_LOG_LEVEL=info wins over log_level = warn');

done_testing;
