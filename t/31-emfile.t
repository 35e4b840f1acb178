#!/usr/bin/perl
# Issue #13, item 4: EMFILE backoff on every listener, not only the WebSocket's
# (t/64-ws-fds.t): the daemon's control socket, its hook.sock and a holder's
# socket, agentd-fcgi's FastCGI socket. Out of descriptors, a level-triggered
# listener whose accept fails would be readable again at once and spin the loop at
# 100% CPU (agentd-fcgi's worker ended, and its successor failed too); each must stop
# accepting for AGD_ACCEPT_BACKOFF_MS (lib/sock.h) and take the waiting
# connections once descriptors are back. The process's soft RLIMIT_NOFILE is cut
# to the descriptors it holds (prlimit), connections are queued on the listener,
# and the process's CPU time is read over a few seconds.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use POSIX qw(sysconf _SC_CLK_TCK);
use Time::HiRes qw(sleep time);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'no prlimit' if system('prlimit --version >/dev/null 2>&1') != 0;

my $QUEUED = 4;			# connections left waiting on a listener
my $WINDOW = 3;			# seconds of CPU time measured while out of descriptors
my $CPU_MAX = 0.5;		# a spinning listener uses ~$WINDOW of it
# The stack starts with a soft limit of 256: agentd-fcgi raises it, as the daemon
# does (t/64), for its workers too.
chomp(my $soft0 = `prlimit --pid $$ --nofile --noheadings --output SOFT`);
system("prlimit --pid $$ --nofile=256:") == 0 or die "prlimit";
my $t = AgentdTest->new(
	agents => { quiet => q{sh -c 'echo QUIET-UP; while read l; do echo "got:$l"; done'} },
	# The daemon's listeners say when they pause, out of descriptors.
	expect_log => [qr/accept/],
	# agentd-fcgi's own worker count: one per CPU, at least 2.
	fcgi_workers => 0,
);

system("prlimit --pid $$ --nofile=$soft0:") == 0 or die "prlimit";

sub fds { my @f = glob("/proc/$_[0]/fd/*"); return scalar @f }

sub cpu {
	open(my $f, '<', "/proc/$_[0]/stat") or return 0;
	my @f = split ' ', (<$f> =~ s/^.*\) //r);
	return ($f[11] + $f[12]) / sysconf(_SC_CLK_TCK);
}

sub soft {
	my ($pid) = @_;
	chomp(my $s = `prlimit --pid $pid --nofile --noheadings --output SOFT`);
	return $s;
}

sub connect_to {
	my ($path, $n) = @_;
	return grep { defined } map {
	    IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) } 1 .. $n;
}

# Cut pid's descriptors to those it holds and $spare more, make $spare + $QUEUED
# connections to path, wait until $seen says an accept failed, read the CPU pid
# uses meanwhile, give the descriptors back. The sockets.
sub starve {
	my ($pid, $path, $what, $spare, $seen) = @_;
	my $soft = soft($pid);
	my $lim = fds($pid) + $spare;
	my $n = $spare + $QUEUED;
	system("prlimit --pid $pid --nofile=$lim:") == 0 or die "prlimit";
	my @c = connect_to($path, $n);
	is(scalar @c, $n, "$what: $n connections made");
	ok(eval { $t->wait_for(sub { $seen->($lim) }, 10, "$what: out of descriptors"); 1 },
	    "$what: out of descriptors (the daemon logs its pause; a holder is full)");
	my $c0 = cpu($pid);
	my $t0 = time;
	sleep $WINDOW;		# a measurement over time, not a wait for an event
	my $used = cpu($pid) - $c0;
	my $took = time - $t0;
	system("prlimit --pid $pid --nofile=$soft:") == 0 or die "prlimit";
	cmp_ok($used, '<', $CPU_MAX,
	    sprintf('%s: out of descriptors, %.2f s of CPU in %.1f s', $what, $used, $took));
	return @c;
}

my $daemon = $t->daemon_pid;
my $log = $t->log_path('daemon');
sub logged {
	my ($re) = @_;
	return sub { open(my $f, '<', $log) or return 0; return scalar grep { /$re/ } <$f> };
}

# The control socket: the queued requests are answered once descriptors are back.
my @c = starve($daemon, $t->ctl_path, 'ctl.sock', 0, logged(qr/control socket: accept/));
my $answered = 0;
for my $c (@c) {
	my $r = $t->ctl_call({ op => 'ping' }, $c);
	$answered++ if $r && $r->{status} == 200;
}
is($answered, $QUEUED, 'ctl.sock: every queued connection answered afterwards');
close($_) for @c;

# hook.sock: the same listener code, its own listener.
my $before = `grep -c 'control socket: accept' $log` + 0;
@c = starve($daemon, $t->home . '/run/hook.sock', 'hook.sock', 0,
    sub { (`grep -c 'control socket: accept' $log` + 0) > $before });
$answered = 0;
for my $c (@c) {
	# No session's key: refused, but answered - the connection was taken.
	my $r = $t->ctl_call({ op => 'agent.hook', args => { key => 'x' x 64 } }, $c);
	$answered++ if $r && $r->{status} >= 400;
}
is($answered, $QUEUED, 'hook.sock: every queued connection answered afterwards');
close($_) for @c;

# A holder: its poll loop, out of descriptors, waits before it accepts again.
my ($s) = $t->create(name => 'quiet', agentType => 'quiet');
is($s, 201, 'create quiet');
$t->wait_output('quiet', qr/QUIET-UP/);
my ($keyfile) = glob($t->home . '/sessions/*/holder');
open(my $kf, '<', $keyfile) or die "$keyfile: $!";
my ($holder) = <$kf> =~ /^(\d+) /;
close $kf;
ok($holder && kill(0, $holder), "holder pid $holder");
my ($hsock) = glob($t->home . '/run/h/*.sock');
# Room for the connections it keeps while they prove themselves (HOLDER_PENDING_MAX,
# daemon/holder.c), which also keeps the limit over its poll array (poll() refuses
# more entries than RLIMIT_NOFILE); the next accept fails: it holds all it may.
my $HOLDER_PENDING_MAX = 4;
@c = starve($holder, $hsock, 'holder socket', $HOLDER_PENDING_MAX,
    sub { fds($holder) >= $_[0] });
# Taken afterwards: the holder drops a connection that never proves itself.
my $closed = 0;
for my $c (@c) {
	$closed++ if $t->ctl_closed($c, 15);
}
is($closed, scalar @c, 'holder socket: every queued connection taken (and dropped) afterwards');
close($_) for @c;

# agentd-fcgi's workers (libfcgi's accept, in each request thread): out of
# descriptors, a thread pauses, and the same workers answer afterwards. Before:
# the failed accept ended its worker, and the next one failed the same way.
my $fcgi = $t->fcgi_pid;
my @workers = sort split ' ', `pgrep -P $fcgi`;
chomp(my $cpus = `getconf _NPROCESSORS_ONLN`);
my $want = $cpus < 2 ? 2 : $cpus > 64 ? 64 : $cpus;
is(scalar @workers, $want, "agentd-fcgi runs a worker per CPU, at least 2 ($cpus CPUs): "
    . join(' ', @workers));
for my $p ($fcgi, @workers) {
	cmp_ok(soft($p), '>', 256, "agentd-fcgi $p raised its descriptors: " . soft($p));
}
like(join('', `cat ${\ $t->log_path('fcgi')}`), qr/descriptors: up to \d+ \(was 256\)/,
    'and logged it');
my %soft = map { $_ => soft($_) } @workers;
# Its lowest free descriptor: a worker's have gaps, and the limit is on numbers.
sub lowest_free {
	my %open = map { m{/(\d+)$} ? ($1 => 1) : () } glob("/proc/$_[0]/fd/*");
	my $n = 0;
	$n++ while $open{$n};
	return $n;
}
system("prlimit --pid $_ --nofile=" . lowest_free($_) . ':') == 0 or die "prlimit"
    for @workers;
@c = connect_to($t->home . '/run/fcgi.sock', $QUEUED);
is(scalar @c, $QUEUED, "fcgi.sock: $QUEUED connections made");
my $flog = $t->log_path('fcgi');
ok(eval { $t->wait_for(sub { `grep -c 'fcgi.sock: accept' $flog` > 0 }, 10,
    'fcgi.sock: out of descriptors'); 1 }, 'fcgi.sock: out of descriptors (the worker logs its pause)');
my %c0 = map { $_ => cpu($_) } @workers;
sleep $WINDOW;		# a measurement over time, as above
my $fused = 0;
$fused += cpu($_) - $c0{$_} for @workers;
system("prlimit --pid $_ --nofile=$soft{$_}:") == 0 or die "prlimit" for @workers;
cmp_ok($fused, '<', $CPU_MAX, sprintf('fcgi.sock: out of descriptors, %.2f s of CPU', $fused));
close($_) for @c;
($s) = $t->get('/api/agents/sessions');
is($s, 200, 'agentd-fcgi answers afterwards');
is(join(' ', sort split ' ', `pgrep -P $fcgi`), join(' ', @workers), 'by the same workers');

# All still work: the session's output and input, the control socket.
($s) = $t->post('/api/agents/sessions/quiet/input', { data => "still\r" });
is($s, 200, 'the session takes input');
ok($t->wait_output('quiet', qr/got:still/), 'and its agent answers through the holder');
my $r = $t->ctl_call({ op => 'ping' });
is($r && $r->{status}, 200, 'the daemon answers');
($s) = $t->del('/api/agents/sessions/quiet');
is($s, 200, 'delete quiet');
$t->done;
