#!/usr/bin/perl
# The WebSocket is audited (issue #12): refused upgrades (401), input, resizes,
# messages and refused frames are rows of the audit table, and a flood of
# keystrokes is not a flood of rows: one row per viewer and kind per 10 s, with
# the count of frames and bytes since the last, and one when the viewer goes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;

my $t = AgentdTest->new;
my $port = $t->port;
my ($s) = $t->create(name => 'w');
is($s, 201, 'a session');

for (1 .. 3) {
	my (undef, $st) = WSClient->connect(port => $port, path => '/api/agents/sessions/w',
	    token => undef);
	is($st, 401, "upgrade $_ without the token: 401");
}
my $ws = WSClient->connect(port => $port, path => '/api/agents/sessions/w') or die "upgrade";
my $n = 500;
$ws->send_json({ type => 'input', data => 'k' }) for 1 .. $n;
$ws->send_json({ type => 'resize', cols => 80 + $_ % 10, rows => 30 }) for 1 .. 50;
$ws->send_json({ type => 'message', text => 'hello via ws' });
$ws->send_text('{not json');
$ws->send_json({ type => 'input', data => "echo done-typing\r" });
$t->wait_output('w', qr/done-typing/);
$ws->close;

# Rows of action for session w (or none), once the viewer's last row is written.
sub rows {
	my ($action) = @_;
	my (undef, $j) = $t->get('/api/agents/audit?limit=1000');
	return grep { $_->{action} eq $action } @{$j->{entries} // []};
}
# The frames the rows count ("N frames, B bytes").
sub frames { my $f = 0; $f += ($_->{detail} =~ /^(\d+) frame/)[0] // 0 for @_; $f }
ok($t->wait_for(sub { frames(rows('ws.input')) == $n + 1 }, 10, 'the input rows'),
    "every input frame is counted ($n + 1)");
my @in = rows('ws.input');
cmp_ok(scalar @in, '<=', 4, 'in a few rows (' . scalar(@in) . '), not one a keystroke');
is($in[0]{user}, scalar getpwuid($>), 'input rows name the owner');
is($in[0]{session}, 'w', 'and the session');
is($in[0]{status}, 200, 'status 200');
my @rs = rows('ws.resize');
is(frames(@rs), 50, 'every resize is counted');
cmp_ok(scalar @rs, '<=', 3, 'in a few rows');
my @m = rows('ws.message');
is(scalar @m, 1, 'the message is a row');
my @bad = rows('ws.refused');
is(frames(@bad), 1, 'the refused frame is a row');
like($bad[0]{detail} // '', qr/bad_json|invalid/, 'with its error word');
is($bad[0]{status}, 400, 'and its status');
my @up = rows('ws.upgrade');
ok(@up >= 1 && $up[0]{status} == 401, 'the refused upgrade is a row (401)');
cmp_ok(frames(@up), '>=', 1, 'counted');
$t->done;
