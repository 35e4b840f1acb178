#!/usr/bin/perl
# The REST API cannot be tied up by slow or long requests (issue #13, item 5):
# two uploads that send their body at 1 byte per second and two synchronous
# debriefs of agents that never answer are in flight at once, through the real
# nginx, and GET /api/agents/sessions still answers within 100 ms, every time.
# Before: two single-threaded workers, uploads streamed unbuffered: the four
# requests hold both workers and the GET waits for one of them to end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Select;
use IO::Socket::INET;
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

AgentdTest->require_stack;

my $GET_MAX_MS = $ENV{TEST_REST_BUSY_MS} // 100;	# the promise of the issue
my $GETS = 10;					# measured while the four are in flight
my $DEADLINE = 60;				# debrief_short_secs: longer than the test

# The fake agent as a program named claude (the daemon picks the adapter by the
# program's name): the daemon queues the debrief prompt and waits for an answer
# the fake agent never gives, until the deadline.
my $bin = tempdir('agentd-busy-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest->srcdir . '/t/bin/fake-agent', "$bin/claude") or die "symlink: $!";
my $t = AgentdTest->new(conf => { debrief_short_secs => $DEADLINE },
    agents => { claude => "$bin/claude" });
my $B = 'agentd-busy-boundary';

# A request sent on a raw connection and left open: the socket.
sub open_req {
	my ($head, $body) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port,
	    Proto => 'tcp', Timeout => 10) or die "connect: $!";
	$sock->autoflush(1);
	my $auth = $t->auth_header;
	$head =~ s/\r\n/\r\n$auth/;		# after the request line
	syswrite($sock, $head . ($body // '')) or die "write: $!";
	return $sock;
}

# GET path within limit s: (status, milliseconds, body); status 0 when nothing came.
sub timed_get {
	my ($path, $limit) = @_;
	my $t0 = time;
	my $sock = open_req("GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	my ($resp, $sel) = ('', IO::Select->new($sock));
	while ((my $left = $t0 + $limit - time) > 0) {
		last unless $sel->can_read($left);
		last unless sysread($sock, $resp, 65536, length $resp);
	}
	close $sock;
	my ($status) = $resp =~ m{^HTTP/1\.[01] (\d{3})};
	my (undef, $body) = split(/\r\n\r\n/, $resp, 2);
	return ($status // 0, (time - $t0) * 1000, $body);
}

for my $n (qw(d1 d2)) {
	my ($s, $j) = $t->create(name => $n, agentType => 'claude', prompt => 'hello');
	is($s, 201, "create $n");
}
$t->wait_output($_, qr/fake-agent pid=/) for qw(d1 d2);
my ($s0, $ms0) = timed_get('/api/agents/sessions', 5);
is($s0, 200, sprintf('idle: GET /api/agents/sessions %d in %.1f ms', $s0, $ms0));

# Two synchronous debriefs: each waits $DEADLINE s for the agent's answer.
my @debriefs = map {
	open_req("POST /api/agents/sessions/$_/pre-kill-debrief HTTP/1.1\r\n"
	    . "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
} qw(d1 d2);

# Both are running once the world shows them debriefing (a GET that cannot get
# through - the workers are all taken - counts as not yet).
my $running = 0;
for (my $t0 = time; time - $t0 < 5 && $running < 2; sleep 0.2) {
	my ($s, undef, $body) = timed_get('/api/agents/world', 1);
	next unless $s == 200;
	my $w = eval { JSON::PP->new->decode($body) } or next;
	$running = grep { ($_->{phase} // '') eq 'debriefing' } @{ref $w eq 'ARRAY' ? $w : []};
}
is($running, 2, 'both debriefs are running');

# Two uploads whose bodies trickle at a byte a second.
my $size = 4096;
my @uploads = map {
	open_req("POST /api/agents/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    . "Content-Type: multipart/form-data; boundary=$B\r\nContent-Length: $size\r\n\r\n",
	    "--$B\r\n")
} 1 .. 2;
sleep 0.5;

# Measure, feeding the uploads a byte every second in between.
my ($next, @ms, @st) = (time + 1);
for my $i (1 .. $GETS) {
	if (time >= $next) {
		syswrite($_, 'x') for @uploads;
		$next = time + 1;
	}
	my ($s, $ms) = timed_get('/api/agents/sessions', 3);
	push @st, $s;
	push @ms, $ms;
	sleep 0.3;
}
diag(sprintf('GET /api/agents/sessions under load: %s ms', join(' ', map { sprintf '%.1f', $_ } @ms)));
is_deeply(\@st, [(200) x $GETS], "$GETS GETs answered 200 while two uploads trickle and two debriefs wait");
for my $i (0 .. $#ms) {
	ok($ms[$i] < $GET_MAX_MS, sprintf('GET %d within %d ms (%.1f ms)', $i + 1, $GET_MAX_MS, $ms[$i]));
}

# The four are still in flight: nobody answered them.
my @answered = IO::Select->new(@debriefs, @uploads)->can_read(0);
is(scalar @answered, 0, 'the debriefs and the uploads are still in flight');

# Done: the clients go; the sessions end (their debriefs get the fallback).
close $_ for @uploads, @debriefs;
for my $n (qw(d1 d2)) {
	my ($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
