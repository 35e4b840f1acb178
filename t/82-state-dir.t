#!/usr/bin/perl
# The state directory is trusted only when it is ours (issue #12, item 8):
# agentd and agentd-fcgi refuse one that is group- or other-writable or owned by
# another user (its agentd.conf names the programs they run), and with HOME
# unset the home comes from the password database, not /tmp.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

my $build = AgentdTest->builddir;
my %bin = (agentd => "$build/daemon/agentd", 'agentd-fcgi' => "$build/fcgi/agentd-fcgi");
my $tmp = tempdir('agentd-sd-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod(0755, $tmp);

# Run argv with a clean AGENTD_* environment (and %env over it): (exit code, output).
sub run {
	my ($env, @argv) = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if ($pid == 0) {
		open(STDERR, '>&', \*STDOUT);
		open(STDIN, '<', '/dev/null');
		setpgrp(0, 0);	# a program that wrongly starts is killed whole
		delete @ENV{grep { /^AGENTD_/ } keys %ENV};
		for my $k (keys %$env) {
			if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
		}
		exec(@argv) or POSIX::_exit(127);
	}
	local $SIG{ALRM} = sub { kill 'KILL', -$pid };
	alarm 20;
	local $/;
	my $out = <$fh> // '';
	close $fh;
	alarm 0;
	return ($? >> 8, $out);
}

my $open = "$tmp/open";
mkdir $open or die;
chmod(0777, $open);
for my $p (sort keys %bin) {
	my ($rc, $out) = run({}, $bin{$p}, '-H', $open);
	is($rc, 1, "$p: a world-writable state directory: exit 1");
	like($out, qr/\Q$open\E: group- or other-writable/, "$p: ... says why on stderr");
	ok(!-e "$open/run", "$p: ... and made nothing in it");
}
chmod(0775, $open);
my ($rc, $out) = run({ AGENTD_HOME => $open }, $bin{agentd});
is($rc, 1, 'agentd: group-writable through AGENTD_HOME: exit 1');

SKIP: {
	skip 'needs root (another user)', 8 if $> != 0;
	my @pw = getpwnam('nobody');
	skip 'no user nobody', 8 unless @pw;
	my $theirs = "$tmp/theirs";
	mkdir $theirs or die;
	chmod(0700, $theirs);
	chown($pw[2], $pw[3], $theirs);
	for my $p (sort keys %bin) {
		($rc, $out) = run({}, $bin{$p}, '-H', $theirs);
		is($rc, 1, "$p: another user's state directory: exit 1");
		like($out, qr/\Q$theirs\E: owned by uid $pw[2], not by us/, "$p: ... says why");
	}

	# HOME unset: nobody's home from the password database (/nonexistent),
	# not /tmp/.local/state/agentd, which anyone could have made first.
	my $ok = 1;
	for my $d ($build) {
		my $p = $d;
		while ($p ne '/' && $p ne '') {
			$ok = 0 unless ((stat $p)[2] // 0) & 01;
			$p =~ s{/[^/]*$}{};
		}
	}
	skip 'nobody cannot reach the build tree', 4 unless $ok;
	my $want = "$pw[7]/.local/state/agentd";
	my $env = { HOME => undef, XDG_STATE_HOME => undef };
	($rc, $out) = run($env, 'runuser', '-u', 'nobody', '--', 'env', '-u', 'HOME',
	    $bin{agentd}, 'shutdown');
	isnt($rc, 0, 'agentd shutdown as nobody without HOME fails (no daemon)');
	like($out, qr{\Q$want\E/run/ctl\.sock}, "agentd: the state directory is under nobody's home");
	($rc, $out) = run($env, 'runuser', '-u', 'nobody', '--', 'env', '-u', 'HOME',
	    $bin{'agentd-fcgi'});
	isnt($rc, 0, 'agentd-fcgi as nobody without HOME fails (cannot make it)');
	like($out, qr{\Q$want\E}, "agentd-fcgi: the state directory is under nobody's home");
}

done_testing;
