#!/usr/bin/perl
# Issue 19's direct input, found by the attack review: an agent that closes its
# terminal and lives on. The daemon holds the PTY master; a write to a master
# whose slaves are all closed is EAGAIN while epoll reports EPOLLOUT|EPOLLHUP at
# once, and the daemon re-armed its write event forever (100% CPU). Now the input
# that waits is dropped (as the holder drops it) and the holder's path takes over.
# Unsandboxed: inside bwrap its init keeps the slave open.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(conf => { sandbox => 'off' }, agents => { closer =>
    q{sh -c 'stty raw -echo; head -c 3 >/dev/null; : > closed; exec </dev/null >/dev/null 2>&1; exec sleep 300'} });
my $wd = $t->workdir;

sub daemon_ptys {
	my $n = 0;
	for my $fd (glob('/proc/' . $t->daemon_pid . '/fd/*')) {
		my $l = readlink($fd) // next;
		$n++ if $l =~ m{^/dev/(?:pts/)?ptmx$};
	}
	return $n;
}
sub cpu { open(my $fh, '<', '/proc/' . $t->daemon_pid . '/stat') or return 0;
	my $l = <$fh>; $l =~ s/^.*\) //; my @f = split ' ', $l; return $f[11] + $f[12] }
sub input { my ($name, $data) = @_;
	return ($t->post("/api/agents/sessions/$name/input", { data => $data }))[0] }

my ($s, $j) = $t->post('/api/agents/sessions', { name => 'c1', agentType => 'closer',
    workingDirectory => $wd });
is($s, 201, 'create c1');
$t->wait_for(sub { daemon_ptys() >= 1 }, 10, 'the daemon to hold the terminal');
is(input('c1', 'go!'), 200, 'the line that makes the agent close its terminal');
$t->wait_for(sub { -e "$wd/closed" }, 10, 'the agent to close its terminal');
# Fill what the kernel still takes (~12 KB), then one more write is EAGAIN.
my @st = map { input('c1', 'x' x 4000) } 1 .. 8;
is(scalar(grep { $_ == 200 || $_ == 429 } @st), 8, 'input after the hang-up: answered');
my $c0 = cpu();
my $until = time + 3;
1 while time < $until && select(undef, undef, undef, 0.2) >= 0;
my $used = (cpu() - $c0) / 100;
cmp_ok($used, '<', 0.5, "the daemon does not spin on a terminal nobody holds ($used s of 3)");
is(input('c1', 'more'), 200, 'input is still taken (and dropped), not refused for ever');
($s) = $t->del('/api/agents/sessions/c1');
is($s, 200, 'delete c1');
$t->done;
