#!/usr/bin/perl
# Issue 19: a keystroke crosses no holder. The daemon asks each tty session's
# holder for the terminal (a side connection with the secret, the master by
# SCM_RIGHTS) and writes input to it itself, after the holder has written what it
# had; so input reaches an agent whose holder is stopped, in order, and again
# after a kill -9 of the daemon. The side request needs the secret.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(agents => { sink => q{sh -c 'stty raw -echo; exec cat > got'},
    size => q{sh -c 'stty raw -echo; while read -r l; do stty size; done > sizes'} });
my $wd = $t->workdir;
my ($s, $j);

# The daemon holds a PTY master (the holder's, by SCM_RIGHTS).
sub daemon_ptys {
	my $n = 0;
	for my $fd (glob('/proc/' . $t->daemon_pid . '/fd/*')) {
		my $l = readlink($fd) // next;
		$n++ if $l =~ m{^/dev/(?:pts/)?ptmx$};
	}
	return $n;
}
# The prompt may come before "stty raw" has run (its \r then arrives as \n).
sub got { open(my $fh, '<', "$wd/got") or return '';
	local $/; my $g = <$fh> // ''; $g =~ s/^p1\n/p1\r/; return $g }
sub holder_of { my ($pid) = @_; open(my $fh, '<', "/proc/$pid/stat") or return;
	my $l = <$fh>; $l =~ s/^.*\) //; return (split ' ', $l)[1] }
# Wait until the agent has $want; a timeout says what it had instead.
sub wait_got { my ($want, $what) = @_;
	eval { $t->wait_for(sub { got() eq $want }, 20, $what); 1 } and return 1;
	die "timeout waiting for $what: want '$want', got '" . got() . "'\n" }
sub input { my ($name, $data) = @_;
	return ($t->post("/api/agents/sessions/$name/input", { data => $data }))[0] }

# 1. A prompt and a burst of input at once, before the daemon has the terminal:
# everything arrives, in order.
($s, $j) = $t->post('/api/agents/sessions', { name => 'd1', agentType => 'sink',
    workingDirectory => $wd, prompt => 'p1' });
is($s, 201, 'create d1 with a prompt');
my $pid = $j->{pid};
my $want = "p1\r";
my @st;
for my $i (1 .. 30) {
	my $d = sprintf('i%02d', $i);
	push @st, input('d1', $d);
	$want .= $d;
}
is(scalar(grep { $_ == 200 } @st), 30, '30 inputs right after the create: 200 each');
wait_got($want, 'the prompt and 30 inputs in order');
is(got(), $want, 'prompt and 30 inputs arrive whole and in order');

# 2. The daemon writes to the terminal itself: a stopped holder does not stop input.
$t->wait_for(sub { daemon_ptys() >= 1 }, 10, 'the daemon to hold the terminal');
pass('the daemon holds the terminal of a tty session');
my $holder = holder_of($pid);
ok($holder && $holder != $t->daemon_pid, "the holder is pid $holder");
kill 'STOP', $holder;
is(input('d1', 'while-stopped'), 200, 'input while the holder is stopped');
$want .= 'while-stopped';
my $ok = eval { wait_got($want, 'input with the holder stopped'); 1 };
kill 'CONT', $holder;
ok($ok, 'input reaches the agent while its holder is stopped (it crosses no holder)');

# 3. After kill -9 of the daemon: adopted again, the terminal asked for again.
$t->kill_daemon('KILL');
$t->start_daemon;
$t->wait_status('d1', qr/^running$/, 15);
is(input('d1', 'after-restart'), 200, 'input after the restart');
$want .= 'after-restart';
wait_got($want, 'input after the restart');
pass('input after a restart arrives, in order');
$t->wait_for(sub { daemon_ptys() >= 1 }, 10, 'the new daemon to hold the terminal');
kill 'STOP', $holder;
input('d1', 'stopped-again');
$want .= 'stopped-again';
$ok = eval { wait_got($want, 'input, holder stopped, new daemon'); 1 };
kill 'CONT', $holder;
ok($ok, 'the restarted daemon writes to the terminal itself too');

# 4. The side request needs the secret: a wrong one gets nothing, the right one
# (the 0600 file only the daemon's uid reads) the 5-byte HP_PTYFD.
my ($id) = map { m{/sessions/(\d+)/holder$} ? $1 : () } glob($t->home . '/sessions/*/holder');
my ($hpid, $key) = split ' ', AgentdTest::_slurp($t->home . "/sessions/$id/holder");
my $sock = $t->home . "/run/h/$id.sock";
for my $case (['a wrong secret', '00' x 32, 0], ['the secret', $key, 5]) {
	my ($what, $hex, $len) = @$case;
	my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $sock) or die "connect $sock: $!";
	print $c pack('N C', 33, 17) . pack('H*', $hex);
	my $buf = '';
	1 while sysread($c, $buf, 64, length $buf);
	is(length $buf, $len, "HP_AUTH_PTY with $what: $len bytes back, then closed");
	is(unpack('C', substr($buf, 4, 1)), 4, 'and it is HP_PTYFD') if $len;
}
is(input('d1', 'still'), 200, 'the session is not disturbed by the side requests');
$want .= 'still';
wait_got($want, 'input after the side requests');
pass('input after the side requests arrives');

# 5. A resize goes where input goes: with the holder stopped, an agent that
# reads its size when a line comes sees the new one (the resize used to wait
# in the holder's connection while the line overtook it).
($s, $j) = $t->post('/api/agents/sessions', { name => 'd2', agentType => 'size',
    workingDirectory => $wd });
is($s, 201, 'create d2 (prints its size for each line)');
$t->wait_for(sub { daemon_ptys() >= 2 }, 10, 'the daemon to hold d2\'s terminal');
my $h2 = holder_of($j->{pid});
kill 'STOP', $h2;
($s) = $t->post('/api/agents/sessions/d2/resize', { cols => 91, rows => 37 });
is($s, 200, 'resize d2 while its holder is stopped');
input('d2', "x\n");	# raw: a \r would end no line
sub sizes { open(my $fh, '<', "$wd/sizes") or return ''; local $/; return <$fh> // '' }
$ok = eval { $t->wait_for(sub { sizes() =~ /\d/ }, 10, 'd2 to print its size'); 1 };
kill 'CONT', $h2;
# The daemon may have had the terminal but not yet the holder's word that input
# goes there (HP_DIRECTOK): then the line waited for the holder. Either way the
# size comes first.
$t->wait_for(sub { sizes() =~ /\d/ }, 10, 'd2 to print its size') unless $ok;
like(sizes(), qr/^37 91$/m, 'the line after the resize sees the new size ('
    . (sizes() =~ s/\s+$//r) . ')');
($s) = $t->del('/api/agents/sessions/d2');
is($s, 200, 'delete d2');

($s) = $t->del('/api/agents/sessions/d1');
is($s, 200, 'delete d1');
$t->wait_for(sub { daemon_ptys() == 0 }, 10, 'the terminal closed by the daemon');
pass('the daemon lets go of the terminal when the session ends');
$t->done;
