#!/usr/bin/perl
# auth = proxy behind nginx auth_basic: roles by user, ownership, forged
# identities, WebSocket input refused to viewers, and the audit trail.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use MIME::Base64 qw(encode_base64);
use File::Temp ();
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(auth => 'basic', conf => {
	auth => 'proxy', viewers => 'alice', operators => 'bob', admins => 'carol',
});
open(my $fh, '>', $t->home . '/htpasswd') or die;
print $fh "alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\ncarol:{PLAIN}carol-pw\n";
close($fh);
chmod(0644, $t->home . '/htpasswd');

sub as { my ($u) = @_; return (Authorization => 'Basic ' . encode_base64("$u:$u-pw", '')) }
sub create_as {
	my ($u, %args) = @_;
	my %body = (agentType => 'fake', workingDirectory => $t->workdir, %args);
	return $t->post('/api/agents/sessions', \%body, as($u));
}

# No credentials: 401, as JSON.
my ($s, $j, $h) = $t->get('/api/agents/sessions');
is($s, 401, 'no credentials: 401');
is($j->{code}, 'unauthenticated', 'JSON error');
like($h->{'www-authenticate'} // '', qr/Basic/, 'with the Basic challenge');
($s) = $t->get('/api/agents/sessions', Authorization => 'Basic ' . encode_base64('bob:wrong', ''));
is($s, 401, 'wrong password: 401');

# alice (viewer): reads, cannot change.
($s) = $t->get('/api/agents/sessions', as('alice'));
is($s, 200, 'alice lists');
($s, $j) = create_as('alice', name => 'a1');
is($s, 403, 'alice cannot create');
like($j->{error}, qr/operator/, '403 names the role needed');
# A forged identity header is ignored.
($s, $j) = $t->post('/api/agents/sessions', { name => 'a2', agentType => 'fake',
    workingDirectory => $t->workdir }, as('alice'), 'X-Agentd-User' => 'carol',
    'X-Agentd-Groups' => 'admins', 'Agentd-User' => 'carol');
is($s, 403, 'alice with forged identity headers is still alice');

# bob (operator): creates in default mode, not bypassPermissions.
($s, $j) = create_as('bob', name => 'b1');
is($s, 201, 'bob creates');
is($j->{creator}, 'bob', 'the session records its creator');
($s, $j) = create_as('bob', name => 'b2', permissionMode => 'bypassPermissions');
is($s, 403, 'bob cannot use bypassPermissions');
like($j->{error}, qr/admin/, 'the 403 names the admin role');
($s, $j) = create_as('bob', name => 'b3', mode => 'dangerouslySkipPermissions');
is($s, 403, 'nor through the old alias');

# carol (admin).
($s) = create_as('carol', name => 'c1', permissionMode => 'bypassPermissions');
is($s, 201, 'carol creates in bypassPermissions');
($s, $j) = $t->del('/api/agents/sessions/c1', as('bob'));
is($s, 403, "bob cannot delete carol's session");
($s) = $t->post('/api/agents/sessions/c1/message', { message => 'hi' }, as('bob'));
is($s, 403, "nor message it");
($s) = $t->post('/api/agents/sessions/b1/message', { message => 'from bob' }, as('bob'));
is($s, 200, 'bob messages his own session');
$t->wait_for(sub {
	my ($s, $d) = $t->get('/api/agents/sessions/b1', as('alice'));
	grep { ($_->{event}{from} // '') eq 'bob' && ($_->{event}{text} // '') eq 'from bob' }
	    @{$d->{events} // []};
}, 10, 'the message event to name bob');
pass('the event history names who sent the message');

# WebSocket: alice watches, her input is refused; bob's input reaches his agent.
my $ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/b1',
    headers => { as('alice'), 'X-Agentd-User' => 'bob' });
ok($ws, 'alice watches b1');
$ws->recv_msg(5);
$ws->send_json({ type => 'input', data => "alice-typed\r" });
my @m = $ws->read_until(sub { $_[0]{type} eq 'error' }, 5);
is($m[-1]{code}, 'forbidden', "alice's input frame is refused");
$ws->close;
my (undef, $st) = WSClient->connect(port => $t->port, path => '/api/agents/sessions/b1');
is($st, 401, 'WebSocket without credentials: 401');
$ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/b1', headers => { as('bob') });
$ws->recv_msg(5);
$ws->send_json({ type => 'input', data => "bob-typed\r" });
@m = $ws->read_until(sub { $_[0]{type} eq 'tty_data' && WSClient::tty_bytes($_[0]) =~ /got: bob-typed/ }, 10);
ok(@m && WSClient::tty_bytes($m[-1]) =~ /bob-typed/, "bob's input reaches his agent");
$ws->close;

# The seed clients' token ways (issue #15) are the local mode's: here they are
# ignored, harmlessly - ?access_token= beside bob's credentials changes nothing
# (not an identity, not an error), and alone it is no credential.
$ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/b1/terminal?access_token='
    . ('f' x 64), headers => { as('bob') });
ok($ws, 'bob with a stray ?access_token= on /terminal: 101');
$ws->close if $ws;
(undef, $st) = WSClient->connect(port => $t->port,
    path => '/api/agents/sessions/b1/terminal?access_token=' . ('f' x 64));
is($st, 401, '?access_token= alone is no credential here: 401');
($s) = $t->get('/api/agents/sessions?access_token=' . ('f' x 64), as('alice'));
is($s, 200, 'REST with a stray ?access_token=: 200');
($s, $j) = $t->get('/api/agents/sessions', Authorization => 'Bearer ' . ('f' x 64));
is($s, 401, 'a Bearer token is no credential here: 401');
is($j->{code}, 'unauthenticated', '... as JSON');

# Uploads are written by agentd-fcgi itself: the operator role there too, audited.
# (Into a session of bob's outside HOME: agentd's state is never written.)
my $updir = File::Temp::tempdir('agentd-up-XXXXXX', TMPDIR => 1, CLEANUP => 1);
($s) = create_as('bob', name => 'b4', workingDirectory => $updir);
is($s, 201, 'bob creates b4 to upload into');
my $b = 'agentdtestboundary';
my $mp = "--$b\r\nContent-Disposition: form-data; name=\"workingDirectory\"\r\n\r\n"
    . $updir . "\r\n--$b\r\nContent-Disposition: form-data; name=\"file\";"
    . " filename=\"up.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--$b--\r\n";
($s) = $t->post('/api/agents/upload', $mp, as('alice'),
    'Content-Type' => "multipart/form-data; boundary=$b");
is($s, 403, 'alice cannot upload');
($s) = $t->post('/api/agents/upload', $mp, as('bob'),
    'Content-Type' => "multipart/form-data; boundary=$b");
is($s, 200, 'bob uploads');

($s) = $t->del('/api/agents/sessions/b1', as('carol'));
is($s, 200, "carol deletes bob's session");
($s) = $t->del('/api/agents/sessions/c1', as('carol'));
is($s, 200, 'carol deletes her own');

# The audit trail: every change, with who, role, result and address.
($s) = $t->get('/api/agents/audit', as('bob'));
is($s, 403, 'the audit is for admins');
($s, $j) = $t->get('/api/agents/audit?limit=1000', as('carol'));
is($s, 200, 'carol reads the audit');
my @e = @{$j->{entries} // []};
sub seen {
	my ($user, $action, $session, $status) = @_;
	return scalar grep { $_->{user} eq $user && $_->{action} eq $action &&
	    ($_->{session} // '') eq $session && $_->{status} == $status } @e;
}
ok(seen('bob', 'session.create', 'b1', 201), 'audit: bob created b1');
ok(seen('alice', 'session.create', 'a1', 403), "audit: alice's refused create");
ok(seen('bob', 'session.create', 'b2', 403), 'audit: bob refused bypassPermissions');
ok(seen('bob', 'session.delete', 'c1', 403), "audit: bob refused deleting carol's session");
ok(seen('carol', 'session.delete', 'b1', 200), 'audit: carol deleted b1');
ok(seen('bob', 'session.message', 'b1', 200), 'audit: bob messaged b1');
ok(seen('bob', 'files.upload', $updir, 200), 'audit: bob uploaded');
ok(!grep({ $_->{user} eq 'carol' && $_->{session} eq 'a2' } @e), 'audit: no forged carol');
my ($row) = grep { $_->{user} eq 'carol' && $_->{action} eq 'session.delete' } @e;
is($row->{role}, 'admin', 'audit rows carry the role');
is($row->{addr}, '127.0.0.1', 'and the address');
ok($j->{nextSince} >= $e[-1]{id}, 'nextSince for paging');
($s, $j) = $t->get("/api/agents/audit?since=$e[-2]{id}", as('carol'));
is($j->{entries}[0]{id}, $e[-1]{id}, 'since pages: the entries after it');

$t->stop;
done_testing;
