#!/usr/bin/perl
# GET /api/agents/machines does not start an ssh per machine per request (issue
# #13, item 6): the daemon keeps each machine's reachability for a TTL
# (MACHINE_REACH_TTL_MS, daemon/machine.c) and runs at most one probe per
# machine at a time, whatever the number of requests. ssh is a fake on PATH
# that logs each run, takes a while, and reaches one machine but not the other.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

AgentdTest->require_stack;

my $TTL = 10;		# s: MACHINE_REACH_TTL_MS
my $N = 20;		# requests in each burst

my $bin = tempdir('agentd-mach-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $log = "$bin/ssh.log";
open(my $fh, '>', "$bin/ssh") or die;
print $fh <<EOF;
#!/bin/sh
# The last two words are HOST true for a probe.
for a in "\$@"; do prev=\$host; host=\$a; done
case "\$host" in true) ;; *) exit 0 ;; esac	# ssh -O exit at shutdown
echo "\$prev" >> '$log'
sleep 1
case "\$prev" in
up.invalid) exit 0 ;;
*) echo "ssh: connect to host \$prev port 22: Connection refused" >&2; exit 255 ;;
esac
EOF
close $fh;
chmod 0755, "$bin/ssh" or die;
$ENV{PATH} = "$bin:$ENV{PATH}";

my $t = AgentdTest->new;
open(my $cf, '>>', $t->home . '/agentd.conf') or die;
print $cf "\n[machine up]\nhost = up.invalid\nwork_root = /tmp\n"
    . "\n[machine down]\nhost = down.invalid\nwork_root = /tmp\n";
close $cf;
$t->kill_daemon('TERM');
$t->start_daemon;

sub probes {
	my %n = (up => 0, down => 0);
	open(my $l, '<', $log) or return \%n;
	while (<$l>) { $n{$1}++ if /^(up|down)\.invalid$/ }
	return \%n;
}

# N requests at once; the replies (decoded), in order.
sub burst {
	my @socks = map {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port,
		    Proto => 'tcp', Timeout => 10) or die "connect: $!";
		syswrite($s, "GET /api/agents/machines HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    . $t->auth_header . "Connection: close\r\n\r\n");
		$s;
	} 1 .. $N;
	my @out;
	for my $s (@socks) {
		my ($resp, $sel) = ('', IO::Select->new($s));
		while ($sel->can_read(30)) {
			last unless sysread($s, $resp, 65536, length $resp);
		}
		close $s;
		my ($st, undef, undef, $raw) = $t->_parse_reply('GET', '/api/agents/machines', $resp);
		push @out, $st == 200 ? JSON::PP->new->decode($raw) : undef;
	}
	return @out;
}

sub check {
	my ($what, @r) = @_;
	is(scalar(grep { defined } @r), $N, "$what: $N replies 200");
	my @up = grep { $_ && $_->{reachable} } map { my %m = map { $_->{id} => $_ } @$_; $m{up} } grep { defined } @r;
	my @down = grep { $_ && !$_->{reachable} && ($_->{error} // '') =~ /refused/ }
	    map { my %m = map { $_->{id} => $_ } @$_; $m{down} } grep { defined } @r;
	is(scalar @up, $N, "$what: every reply has up reachable");
	is(scalar @down, $N, "$what: every reply has down unreachable, with ssh's message");
}

my $t0 = time;
check('a burst while no probe has run', burst());
is_deeply(probes(), { up => 1, down => 1 }, "$N requests at once: one probe per machine");
check('requests right after', burst()) for 1 .. 2;
is_deeply(probes(), { up => 1, down => 1 }, 'within the TTL: no new probe');
my ($s, $j) = $t->get('/api/agents/machines');
ok(defined $j->[1]{checkedMs}, 'checkedMs is still there');

# The TTL runs from the end of the probe (1 s after the burst began).
sleep($TTL + 2 - (time - $t0)) if time - $t0 < $TTL + 2;
check('a burst after the TTL', burst());
is_deeply(probes(), { up => 2, down => 2 }, 'after the TTL: one new probe per machine');

$t->done;
