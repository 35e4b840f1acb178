#!/usr/bin/perl
# The control socket: broken frames close that connection only; the daemon
# keeps serving everyone else.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Socket::UNIX;
use POSIX ();
use Socket qw(SOCK_STREAM);
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
$t->expect_log(qr/level=warn/);		# each bad frame is logged
my $pid = $t->daemon_pid;
my $ping = '{"op":"ping"}';
local $SIG{PIPE} = 'IGNORE';

sub still_serving {
	my ($what) = @_;
	my $r = $t->ctl_call({ op => 'ping' });
	ok($r && $r->{status} == 200, "$what: a new connection still gets pings answered");
	ok(kill(0, $pid), "$what: same daemon");
}

my $r = $t->ctl_call({ op => 'ping' });
is($r->{status}, 200, 'ping: status 200');
like($r->{body}{version} // '', qr/^\d+\.\d+/, 'ping: version');

my @bad = (
	['garbage', "GET / HTTP/1.0\r\n\r\n"],
	['wrong magic', 'XYZ' . chr(1) . pack('N', length $ping) . $ping],
	['wrong version', $t->ctl_frame($ping, 2)],
	['length 3 MiB', $t->ctl_frame('', 1, 3 * 1024 * 1024)],
	['length 0', $t->ctl_frame('', 1, 0)],
	['not JSON', $t->ctl_frame('{"op": ping}')],
);
for my $b (@bad) {
	my ($what, $bytes) = @$b;
	my $c = $t->ctl_connect or BAIL_OUT("connect ctl.sock: $!");
	syswrite($c, $bytes);
	ok($t->ctl_closed($c, 5), "$what: the daemon closes the connection");
	still_serving($what);
}

# A bad frame after good ones on the same connection.
my $c = $t->ctl_connect;
$r = $t->ctl_call({ op => 'ping' }, $c);
is($r->{status}, 200, 'first request on a connection');
$r = $t->ctl_call({ op => 'ping' }, $c);
is($r->{status}, 200, 'second request on the same connection');
syswrite($c, $t->ctl_frame($ping, 9));
ok($t->ctl_closed($c, 5), 'a bad frame after good ones closes the connection');

# A client that stops mid-frame does not block the daemon.
my $slow = $t->ctl_connect;
syswrite($slow, 'AG');
my @idle = map { $t->ctl_connect } 1 .. 50;
still_serving('a half-sent header and 50 idle connections');
my ($s) = $t->get('/api/agents/sessions');
is($s, 200, 'the REST API still answers');
close $_ for $slow, @idle;

# Only our uid (or root) may talk: as root, open the socket up and try as nobody.
SKIP: {
	skip 'peer credential check needs root', 3 unless $> == 0;
	my @pw = getpwnam('nobody') or skip 'no user nobody', 3;
	my $sock = $t->ctl_path;
	my @dirs = ($t->home, $t->home . '/run');
	my %mode = map { $_ => (stat $_)[2] & 07777 } @dirs, $sock;
	chmod(0755, @dirs);
	chmod(0666, $sock);
	my $kid = fork // die "fork: $!";
	if ($kid == 0) {
		$) = "$pw[3] $pw[3]";
		POSIX::setgid($pw[3]);
		POSIX::setuid($pw[2]);
		my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $sock) or POSIX::_exit(3);
		my $r = $t->ctl_call({ op => 'ping' }, $c);
		POSIX::_exit($r && $r->{status} == 200 ? 0 : 1);
	}
	waitpid($kid, 0);
	chmod($mode{$_}, $_) for keys %mode;
	is($? >> 8, 1, 'another uid is not answered');
	still_serving('after a foreign uid');
}

$t->done;
