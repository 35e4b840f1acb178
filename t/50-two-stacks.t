#!/usr/bin/perl
# Two stacks side by side (different HOME and port) do not see each other.
# As root the second one runs as nobody, which also proves that no piece
# needs root.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use POSIX ();
use Test::More;

AgentdTest->require_stack;

# Can user read and run everything a stack needs from the build and source trees?
sub usable_by {
	my ($user) = @_;
	my @pw = getpwnam($user) or return "no user $user";
	my $src = AgentdTest->srcdir;
	my $build = AgentdTest->builddir;
	my @x = ("$build/daemon/agentd", "$build/daemon/agentd-holder", "$build/fcgi/agentd-fcgi",
	    "$src/t/bin/fake-agent", "$src/conf/gen-nginx");
	my @r = ("$src/t/bin/fake-backend", "$src/conf/nginx.conf.in", "$src/conf/agentd-locations.conf.in");
	my $kid = fork // die "fork: $!";
	if ($kid == 0) {
		$) = "$pw[3] $pw[3]";
		POSIX::setgid($pw[3]);
		POSIX::setuid($pw[2]);
		for (@x) { POSIX::_exit(1) unless -x $_ && -r _ }
		for (@r) { POSIX::_exit(1) unless -r $_ }
		POSIX::_exit(0);
	}
	waitpid($kid, 0);
	return $? == 0 ? undef : "$user cannot read or run the build tree ($build, $src)";
}

my %b_opt;
my $why_not;
if ($> != 0) {
	$why_not = 'not root: both stacks run as the current user';
} elsif (my $err = usable_by('nobody')) {
	$why_not = "$err: both stacks run as root";
} else {
	$b_opt{user} = 'nobody';
}
diag("second stack as the same user: $why_not") if $why_not;

my $a = AgentdTest->new;
my $b = AgentdTest->new(%b_opt);
isnt($a->port, $b->port, 'different ports');
isnt($a->home, $b->home, 'different HOMEs');

my ($s, $j);
for my $st ([$a, 'A'], [$b, 'B']) {
	my ($t, $tag) = @$st;
	($s, $j) = $t->create(name => 'same-name');
	is($s, 201, "$tag: create same-name");
	($s, $j) = $t->create(name => "only-$tag");
	is($s, 201, "$tag: create only-$tag");
}
for my $st ([$a, 'A', 'B'], [$b, 'B', 'A']) {
	my ($t, $tag, $other) = @$st;
	($s, $j) = $t->get('/api/agents/sessions?all=1');
	is_deeply([sort map { $_->{name} } @$j], [sort('same-name', "only-$tag")],
	    "$tag lists only its own sessions");
}
my $pa = $a->session('same-name')->{pid};
my $pb = $b->session('same-name')->{pid};
isnt($pa, $pb, 'two different agents');

$a->message('same-name', 'to A');
$b->message('same-name', 'to B');
like($a->wait_output('same-name', qr/got: to A/), qr/got: to A/, 'A: its message');
like($b->wait_output('same-name', qr/got: to B/), qr/got: to B/, 'B: its message');
unlike($a->output('same-name'), qr/got: to B/, "A does not see B's message");
unlike($b->output('same-name'), qr/got: to A/, "B does not see A's message");

SKIP: {
	skip $why_not, 3 if $why_not;
	my $uid = getpwnam('nobody');
	my $owner = sub {
		my ($pid) = @_;
		open(my $fh, '<', "/proc/$pid/status") or return -1;
		while (<$fh>) { return (split)[1] if /^Uid:/ }
		return -1;
	};
	is($owner->($b->daemon_pid), $uid, 'B: agentd runs as nobody');
	is($owner->($b->fcgi_pid), $uid, 'B: agentd-fcgi runs as nobody');
	is($owner->($pb), $uid, 'B: its agent runs as nobody');
}

# Stopping A leaves B alone.
$a->stop;
($s) = $b->get('/api/agents/sessions');
is($s, 200, 'B still answers after A stopped');
is($b->session('same-name')->{state}, 'running', "B's agent still runs");
ok(kill(0, $pb), "B's agent process is alive");
$b->done;
