#!/usr/bin/perl
# Issue #13, item 4: descriptors. The daemon raises RLIMIT_NOFILE to the hard limit
# at start, so ~500 paused viewers reading from disk (two descriptors each) do not
# make session creation, log rotation or control accepts fail; a WebSocket listener
# out of descriptors backs off instead of spinning; one user cannot take every
# WebSocket connection (ws_max_per_user, 429 too_many_connections).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use POSIX qw(sysconf _SC_CLK_TCK);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'no prlimit' if system('prlimit --version >/dev/null 2>&1') != 0;
my $VIEWERS = 500;
my $t = AgentdTest->new(
	# auth = none: the viewers are told apart by the X-Agentd-User header the
	# snippet sets, which the local mode (one owner) does not read.
	conf => { auth => "none", ws_max_per_user => 3, ws_max_viewers => 4000,
	    log_max_bytes => 2097152, ws_queue_bytes => 65536 },
	agents => {
		big => q{sh -c 'head -c 3000000 /dev/zero | tr "\\\\0" x; exec sleep 1000000'},
		rot => q{sh -c 'sleep 1; head -c 5000000 /dev/zero | tr "\\\\0" y; echo; echo ROT-END; exec sleep 1000000'},
	},
	# The listeners say when they pause, out of descriptors.
	expect_log => [qr/accept/],
);
my $port = $t->port;

# One user, ws_max_per_user viewers: the next is refused at its upgrade.
my ($s) = $t->create(name => 'big', agentType => 'big');
is($s, 201, 'create big');
my @ws = map { WSClient->connect(port => $port, path => '/api/agents/sessions/big') } 1 .. 3;
is(scalar(grep { defined } @ws), 3, 'three viewers of one user');
my (undef, $st, $body) = WSClient->connect(port => $port, path => '/api/agents/sessions/big');
is($st, 429, 'the fourth: 429');
like($body // '', qr/"code":\s*"too_many_connections"/, 'code too_many_connections');
$_->close for @ws;
my $again;
$t->wait_for(sub {
	my $w = WSClient->connect(port => $port, path => '/api/agents/sessions/big');
	$again = $w and $w->close;
	return $again;
}, 10, 'a viewer once the others left');
ok($again, 'under the cap again: accepted');
$t->wait_output('big', qr/x{1000}$/, 30);

# The daemon starts with a soft limit of 256 (hard as before): it raises it.
chomp(my $soft = `prlimit --pid $$ --nofile --noheadings --output SOFT`);
$t->kill_daemon('TERM');
system("prlimit --pid $$ --nofile=256:") == 0 or die "prlimit";
$t->start_daemon;
system("prlimit --pid $$ --nofile=$soft:") == 0 or die "prlimit";
my $pid = $t->daemon_pid;
like(`cat /proc/$pid/limits`, qr/^Max open files\s+(\d+)/m, 'limits readable');
my ($now) = `cat /proc/$pid/limits` =~ /^Max open files\s+(\d+)/m;
cmp_ok($now, '>', 256, "daemon raised its descriptors: $now");
like(join('', `cat ${\ $t->log_path('daemon')}`), qr/descriptors: up to \d+ \(was 256\)/,
    'and logged it');

sub fds { my @f = glob("/proc/$_[0]/fd/*"); return scalar @f }

sub viewer {
	my ($user, $name, $q) = @_;
	my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $t->home . '/run/ws.sock')
	    or return undef;
	my $key = 'dGhlIHNhbXBsZSBub25jZQ==';
	syswrite($c, "GET /api/agents/sessions/$name$q HTTP/1.1\r\nHost: localhost\r\n" .
	    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: $key\r\n" .
	    "Sec-WebSocket-Version: 13\r\nX-Agentd-User: $user\r\n\r\n");
	return $c;
}

# Paused viewers from the start of the log: each reads it from disk.
my @slow;
for my $i (1 .. $VIEWERS) {
	my $c = viewer("v$i", 'big', '?since=1') or last;
	push @slow, $c;
}
is(scalar @slow, $VIEWERS, "$VIEWERS paused viewers connected");
my $up = 0;
for my $c (@slow) {
	my $head = '';
	my $sel = IO::Select->new($c);
	while ($head !~ /\r\n\r\n/ && $sel->can_read(10)) {
		sysread($c, $head, 1, length $head) or last;
	}
	$up++ if $head =~ m{^HTTP/1\.1 101};
}
is($up, $VIEWERS, "all $VIEWERS upgraded (they now read nothing)");
sleep 1;
cmp_ok(fds($pid), '>', $VIEWERS, 'daemon holds ' . fds($pid) . ' descriptors, past the 256 it started with');

# Session creation, log rotation, control accepts.
($s) = $t->create(name => 'rot', agentType => 'rot');
is($s, 201, 'create with 500 viewers on disk');
$t->wait_output('rot', qr/ROT-END/, 60);
ok(-e $t->home . '/sessions/2/output.log.1', 'the log of rot rotated');
my $r = $t->ctl_call({ op => 'ping' });
is($r && $r->{status}, 200, 'control socket accepts');

# Out of descriptors: the ws listener backs off; the daemon does not spin.
my $lim = fds($pid) + 3;
system("prlimit --pid $pid --nofile=$lim:") == 0 or die "prlimit";
my @over = grep { defined } map { viewer("o$_", 'big', '') } 1 .. 10;
sleep 1;
sub cpu {
	open(my $f, '<', "/proc/$_[0]/stat") or return 0;
	my @f = split ' ', (<$f> =~ s/^.*\) //r);
	return ($f[11] + $f[12]) / sysconf(_SC_CLK_TCK);
}
my $c0 = cpu($pid);
sleep 3;
my $used = cpu($pid) - $c0;
cmp_ok($used, '<', 0.5, sprintf('at EMFILE the daemon used %.2f s CPU in 3 s', $used));
system("prlimit --pid $pid --nofile=$soft:") == 0 or die "prlimit";
my $sel = IO::Select->new($over[-1]);
my $head = '';
while ($head !~ /\r\n\r\n/ && $sel->can_read(10)) {
	sysread($over[-1], $head, 1, length $head) or last;
}
like($head, qr{^HTTP/1\.1 101}, 'descriptors back: the waiting viewers are accepted');
close($_) for @over, @slow;
$r = $t->ctl_call({ op => 'ping' });
is($r && $r->{status}, 200, 'the daemon answers');
for my $n (qw(big rot)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
