#!/usr/bin/perl
# auth = proxy behind nginx auth_request: the user and groups come from the auth
# service's response headers; roles by @group.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(sleep time);
use Test::More;

AgentdTest->require_stack;
my $dir = tempdir(CLEANUP => 1);
my $auth = fork // die;
if ($auth == 0) {
	exec($^X, "$FindBin::Bin/bin/fake-auth", "$dir/port") or POSIX::_exit(127);
}
my $deadline = time + 10;
sleep 0.02 while !-s "$dir/port" && time < $deadline;
open(my $fh, '<', "$dir/port") or die "fake-auth did not start";
chomp(my $aport = <$fh>);

my $t = AgentdTest->new(auth => 'request', auth_url => "http://127.0.0.1:$aport/check",
    conf => { auth => 'proxy', viewers => '@readers', operators => '@dev', admins => '@root' });
sub tok { (Authorization => "Bearer tok-$_[0]") }

my ($s, $j) = $t->get('/api/agents/sessions');
is($s, 401, 'no token: 401');
is($j->{code}, 'unauthenticated', 'as JSON');
($s) = $t->get('/api/agents/sessions', Authorization => 'Bearer bogus');
is($s, 401, 'unknown token: 401');

($s) = $t->get('/api/agents/sessions', tok('erin'));
is($s, 200, 'erin (@readers) lists');
($s, $j) = $t->post('/api/agents/sessions', { name => 'e1', agentType => 'fake',
    workingDirectory => $t->workdir }, tok('erin'));
is($s, 403, 'erin cannot create');
($s, $j) = $t->get('/api/agents/sessions', tok('frank'));
is($s, 403, 'frank (no listed group) cannot even read');
like($j->{error}, qr/viewer/, 'the 403 names the viewer role');

($s, $j) = $t->post('/api/agents/sessions', { name => 'd1', agentType => 'fake',
    workingDirectory => $t->workdir }, tok('dave'), 'X-Auth-User' => 'root');
is($s, 201, 'dave (@dev) creates');
is($j->{creator}, 'dave', 'as dave, whatever headers he sends');
($s) = $t->post('/api/agents/sessions', { name => 'd2', agentType => 'fake',
    workingDirectory => $t->workdir, permissionMode => 'bypassPermissions' }, tok('dave'));
is($s, 403, 'dave cannot use bypassPermissions');

# The dashboard through auth_request: the page and who it speaks for.
my ($ps, undef, undef, $page) = $t->req(GET => '/', undef, tok('erin'));
is($ps, 200, 'the dashboard loads through auth_request');
like($page // '', qr{<script src="\./app-[A-Z0-9]+\.js"></script>}, 'with its bundle');
($s, $j) = $t->get('/api/agents/me', tok('erin'));
is_deeply([$s, @$j{qw(user role auth)}], [200, 'erin', 'viewer', 'proxy'],
    '/api/agents/me: erin, a viewer, by the proxy');

# WebSocket through auth_request: the identity reaches the daemon.
my $ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/d1',
    headers => { tok('erin') });
ok($ws, 'erin watches');
$ws->recv_msg(5);
$ws->send_json({ type => 'input', data => "x\r" });
my @m = $ws->read_until(sub { $_[0]{type} eq 'error' }, 5);
is($m[-1]{code}, 'forbidden', "erin's input refused");
$ws->close;
$ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/d1',
    headers => { tok('dave') });
$ws->recv_msg(5);
$ws->send_json({ type => 'input', data => "dave-typed\r" });
@m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: dave-typed/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /dave-typed/, "dave's input reaches his agent");
$ws->close;
my (undef, $st) = WSClient->connect(port => $t->port, path => '/api/agents/sessions/d1');
is($st, 401, 'WebSocket without a token: 401');

# The input is in the history with its sender.
$t->wait_for(sub {
	my (undef, $d) = $t->get('/api/agents/sessions/d1', tok('dave'));
	grep { $_->{type} eq 'input' && $_->{event}{from} eq 'dave' } @{$d->{events} // []};
}, 10, 'an input event from dave');
pass('input events name who typed');

($s) = $t->del('/api/agents/sessions/d1', tok('dave'));
is($s, 200, 'dave deletes his session');

# Every change is in the audit, with the user the auth service named.
($s, $j) = $t->get('/api/agents/audit', tok('gina'));
is($s, 200, 'gina (@root) reads the audit');
my @e = @{$j->{entries}};
ok(grep({ $_->{user} eq 'dave' && $_->{action} eq 'session.create' && $_->{status} == 201 } @e),
    'audit: dave created d1');
ok(grep({ $_->{user} eq 'erin' && $_->{action} eq 'session.create' && $_->{status} == 403 } @e),
    "audit: erin's refused create");
ok(grep({ $_->{user} eq 'dave' && $_->{action} eq 'session.delete' && $_->{status} == 200 } @e),
    'audit: dave deleted d1');
ok(!grep({ $_->{user} eq 'root' } @e), 'audit: no forged user');
$t->stop;
kill 'TERM', $auth;
waitpid($auth, 0);
done_testing;
