#!/usr/bin/perl
# auth = local (the default): the stack is its owner's. Another Unix user of the
# machine, made here, gets 401 on every REST route and on the WebSocket, and cannot
# plant a file with the upload (issue 12, finding 1); the owner's Bearer token,
# cookie login and ?access_token= on the WebSocket work; the token file is 0600;
# auth = none refuses to start on a non-loopback listen address.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

AgentdTest->require_stack;
plan skip_all => 'needs root: makes a second Unix user' if $> != 0;
for my $p (qw(useradd userdel setpriv curl)) {
	plan skip_all => "$p not found"
	    unless grep { -x "$_/$p" } split(/:/, "$ENV{PATH}:/usr/sbin:/sbin");
}

my $other = "agdt82$$";
system('useradd', '-M', '-N', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', $other) == 0
    or BAIL_OUT("useradd $other failed");
END { system('userdel', $other) if defined $other && getpwnam($other); }
my (undef, undef, $ouid, $ogid) = getpwnam($other);

my $t = AgentdTest->new;
my $port = $t->port;
my $base = "http://127.0.0.1:$port";
my $tok = $t->token;
my $owner = getpwuid($>);

like($tok, qr/^[0-9a-f]{64}$/, 'the daemon made a token of 64 hex digits');
my @st = stat($t->home . '/access-token');
is($st[2] & 07777, 0600, 'HOME/access-token is 0600');
is($st[4], $>, '... owned by the daemon user');

my ($s, $j) = $t->create(name => 'mine');
is($s, 201, 'the owner creates a session with the token');
$t->wait_output('mine', qr/fake-agent pid=/);

# curl as the other user: (status, body, headers).
sub curl_as {
	my ($uid, @args) = @_;
	my $dir = tempdir('curl-XXXXXX', DIR => '/tmp', CLEANUP => 1);
	chown($uid, $ogid, $dir) if $uid != $>;
	my @cmd = ('curl', '-s', '-S', '--max-time', '10', '-o', "$dir/body", '-D', "$dir/head",
	    '-w', '%{http_code}', @args);
	unshift @cmd, 'setpriv', "--reuid=$uid", "--regid=$ogid", '--clear-groups', '--'
	    if $uid != $>;
	open(my $fh, '-|', @cmd) or die "curl: $!";
	my $code = do { local $/; <$fh> } // '';
	close($fh);
	my $body = AgentdTest::_slurp("$dir/body");
	my $head = AgentdTest::_slurp("$dir/head");
	return ($code, $body, $head);
}

# --- the other user cannot read the token --------------------------------------------------
my $rc = system('setpriv', "--reuid=$ouid", "--regid=$ogid", '--clear-groups', '--',
    'cat', $t->home . '/access-token');
isnt($rc, 0, 'the other user cannot read HOME/access-token');

# --- every REST route: 401 for the other user ----------------------------------------------
my %routes;
for my $f (glob(AgentdTest::srcdir() . '/fcgi/*.c')) {
	my $src = AgentdTest::_slurp($f);
	while ($src =~ /\.method\s*=\s*"([A-Z]+)",\s*\.path\s*=\s*"([^"]+)"/g) {
		$routes{"$1 $2"} = 1;
	}
}
cmp_ok(scalar(keys %routes), '>=', 20, 'the routes of fcgi/ (' . scalar(keys %routes) . ')');
for my $r (sort keys %routes) {
	my ($m, $p) = split(/ /, $r, 2);
	$p =~ s/:name/mine/g;
	my @body = $m eq 'GET' ? () : ('-H', 'Content-Type: application/json', '--data', '{}');
	my ($code, $body) = curl_as($ouid, '-X', $m, @body, "$base$p");
	is($code, 401, "other user: $m $p: 401");
	like($body, qr/"code":\s*"unauthenticated"/, "other user: $m $p: unauthenticated JSON");
}
my ($code, $body) = curl_as($ouid, '-H', 'Authorization: Bearer ' . ('0' x 64),
    "$base/api/agents/sessions");
is($code, 401, 'a wrong token: 401');
($code) = curl_as($ouid, '-H', "Authorization: Bearer ${tok}x", "$base/api/agents/sessions");
is($code, 401, 'the token and one more character: 401');
($code) = curl_as($ouid, '-H', 'Cookie: agentd_token=', "$base/api/agents/sessions");
is($code, 401, 'an empty cookie: 401');
($code) = curl_as($ouid, "$base/api/agents/sessions?access_token=$tok");
is($code, 401, 'the token in a REST query string is not taken');

# Finding 1: the upload into the owner's state directory.
my $evil = "/tmp/agdt82-evil-$$.conf";
open(my $fh, '>', $evil) or die;
print $fh "holder_path = /tmp/x\n";
close($fh);
chmod(0644, $evil);
($code, $body) = curl_as($ouid, '-F', 'workingDirectory=' . $t->home, '-F', "file=\@$evil",
    "$base/api/agents/upload");
is($code, 401, 'finding 1: the upload into the state directory: 401');
my $name = $evil =~ s{.*/}{}r;
ok(!-e $t->home . "/$name", 'finding 1: nothing landed in the state directory');
($code) = curl_as($ouid, '-X', 'POST', '-H', 'Content-Type: application/json', '--data',
    '{"name":"theirs","agentType":"fake","workingDirectory":"/tmp",'
    . '"permissionMode":"bypassPermissions"}', "$base/api/agents/sessions");
is($code, 401, 'finding 1: a bypassPermissions session: 401');
is(($t->get('/api/agents/sessions/theirs'))[0], 404, '... none was made');
unlink $evil;

# --- the WebSocket ---------------------------------------------------------------------------
my @ws = ('-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H',
    'Sec-WebSocket-Version: 13', '-H', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
($code, $body) = curl_as($ouid, @ws, "$base/api/agents/sessions/mine");
is($code, 401, 'other user: WebSocket upgrade: 401');
like($body, qr/"code":\s*"unauthenticated"/, 'other user: WebSocket: unauthenticated JSON');
($code) = curl_as($ouid, @ws, "$base/api/agents/sessions/nosuch");
is($code, 401, 'other user: WebSocket of an unknown session: 401, not 404');
($code) = curl_as($ouid, @ws, "$base/api/agents/world");
is($code, 401, 'other user: the world stream: 401');
my (undef, $st) = WSClient->connect(port => $port, path => '/api/agents/sessions/mine',
    token => undef);
is($st, 401, 'WebSocket without a token: 401');
(undef, $st) = WSClient->connect(port => $port, path => '/api/agents/sessions/mine',
    token => 'f' x 64);
is($st, 401, 'WebSocket with a wrong token: 401');
my $w = WSClient->connect(port => $port, path => '/api/agents/sessions/mine');
ok($w, 'WebSocket with the Bearer token: 101');
$w->close if $w;
$w = WSClient->connect(port => $port, path => "/api/agents/sessions/mine?access_token=$tok",
    token => undef);
ok($w, 'WebSocket with ?access_token=: 101');
if ($w) {
	$w->send_json({ type => 'input', data => "typed-by-owner\r" });
	$t->wait_output('mine', qr/got: typed-by-owner/);
	pass('the owner types through it');
	$w->close;
}
$w = WSClient->connect(port => $port, path => '/api/agents/sessions/mine',
    headers => { Cookie => "other=1; agentd_token=$tok" });
ok($w, 'WebSocket with the cookie: 101');
$w->close if $w;

# --- the owner: Bearer, and the cookie login ------------------------------------------------
($code, $body) = curl_as($>, '-H', "Authorization: Bearer $tok", "$base/api/agents/sessions");
is($code, 200, 'the owner with the Bearer token: 200');
like($body, qr/"mine"/, '... the list');
($code, $body, my $head) = curl_as($>, "$base/api/agents/login?token=$tok&next=/api/agents/sessions");
is($code, 303, 'login: 303');
like($head, qr{^Location: /api/agents/sessions\r?$}mi, 'login: to next');
like($head, qr{^Set-Cookie: agentd_token=\Q$tok\E; HttpOnly; SameSite=Strict; Path=/api/agents/\r?$}mi,
    'login: the cookie, HttpOnly, SameSite=Strict, Path=/api/agents/ (not the rest of the site)');
($code, undef, $head) = curl_as($>, "$base/api/agents/login?token=$tok");
is($code, 303, 'login without next: 303');
like($head, qr{^Location: /\r?$}mi, 'login without next: to /');
($code, $body, $head) = curl_as($ouid, "$base/api/agents/login?token=" . ('1' x 64));
is($code, 401, 'login with a wrong token: 401');
unlike($head, qr/Set-Cookie/i, '... no cookie');
($code) = curl_as($ouid, "$base/api/agents/login");
is($code, 401, 'login without a token: 401');
for my $next ('//evil.example/', 'http://evil.example/', '%2F%5Cevil.example', 'x') {
	($code, undef, $head) = curl_as($>, "$base/api/agents/login?token=$tok&next=$next");
	is($code, 400, "login next=$next (not a path of this site): 400");
}
my $jar = tempdir('jar-XXXXXX', DIR => '/tmp', CLEANUP => 1) . '/jar';
($code, $body) = curl_as($>, '-L', '-c', $jar, '-b', $jar,
    "$base/api/agents/login?token=$tok&next=/api/agents/sessions");
is($code, 200, 'a browser-like client: login, then the list with the cookie');
like($body, qr/"mine"/, '... the list');
($code) = curl_as($>, '-b', $jar, "$base/api/agents/sessions/mine");
is($code, 200, 'the cookie alone: 200');

# --- the daemon's own user as identity --------------------------------------------------------
my ($rs, $rj) = $t->post('/api/agents/sessions/mine/reset', {});
is($rs, 200, 'reset as the owner');
my $ev = $t->wait_for(sub {
	return (grep { ($_->{type} // '') eq 'reset' } @{ $t->session('mine')->{events} // [] })[0];
}, 10, 'a reset event');
is($ev->{event}{from}, $owner, 'the owner acts under its Unix user name');

# --- what agentd-fcgi refuses itself is in the audit, coalesced -----------------------------
# A row per kind at once, then one per 10 s (and worker process) with the count:
# the owner's changes from a foreign page (403 forbidden_origin, a kind not seen yet).
my $nref = 30;
$t->post('/api/agents/sessions', { name => "r$_" }, Origin => 'http://evil.example')
    for 1 .. $nref;
sub refused_rows {
	my ($s, $j) = $t->get('/api/agents/audit?limit=1000');
	return grep { ($_->{action} // '') eq 'rest.refused' && $_->{status} == 403 &&
	    ($_->{detail} // '') =~ /^forbidden_origin: / } @{$j->{entries} // []};
}
my @refused = refused_rows();
ok(@refused >= 1, 'a request refused by agentd-fcgi is in the audit at once');
cmp_ok(scalar @refused, '<=', 2, "$nref refused: a row per worker process, not per request");
is($refused[0]{detail}, 'forbidden_origin: 1 request refused by agentd-fcgi (the last:'
    . ' POST /api/agents/sessions)', 'the row says what and how many');
is($refused[0]{user}, '-', 'no user: Origin is checked before the token');
my $counted = 0;
ok($t->wait_for(sub {
	$counted = 0;
	$counted += (($_->{detail} // '') =~ /: (\d+) requests? refused/)[0] // 0 for refused_rows();
	$counted >= $nref;
}, 30, 'the count of the rest'), "then a row counts the rest ($counted in all)");

# --- auth = none refuses a listen address that is not loopback ------------------------------
my $home = tempdir('agd82-XXXXXX', DIR => '/tmp', CLEANUP => 1);
open($fh, '>', "$home/agentd.conf") or die;
print $fh "auth = none\n";
close($fh);
sub run_daemon {
	my ($listen) = @_;
	my $pid = fork // die;
	if ($pid == 0) {
		$ENV{AGENTD_HOME} = $home;
		$ENV{AGENTD_LISTEN} = $listen;
		delete $ENV{AGENTD_CONF};
		open(STDERR, '>', "$home/log") or POSIX::_exit(127);
		exec { AgentdTest::builddir() . '/daemon/agentd' } 'agentd' or POSIX::_exit(127);
	}
	my $deadline = time + 5;
	while (time < $deadline) {
		return $? >> 8 if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	kill 'TERM', $pid;
	waitpid($pid, 0);
	return 'running';
}
isnt(run_daemon('0.0.0.0:8080'), 'running', 'auth = none, listen 0.0.0.0: refuses to start');
like(AgentdTest::_slurp("$home/log"), qr/auth = none refused/, '... and says why');
isnt(run_daemon('192.0.2.1:80'), 'running', 'auth = none, listen 192.0.2.1: refuses');
is(run_daemon('127.0.0.1:8080'), 'running', 'auth = none on loopback still starts');
ok(!-e "$home/access-token", 'auth = none makes no token');

$t->done;
