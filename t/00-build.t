#!/usr/bin/perl
# The build and the pieces the other tests stand on: binaries, test helpers,
# the nginx configuration generator, and the example configuration file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use POSIX qw(:sys_wait_h);
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);

my $src = AgentdTest->srcdir;
my $build = AgentdTest->builddir;

for my $b (qw(daemon/agentd daemon/agentd-holder fcgi/agentd-fcgi)) {
	ok(-x "$build/$b", "$b is built");
}
for my $s (qw(t/bin/fake-agent t/bin/fake-backend conf/gen-nginx)) {
	ok(-x "$src/$s", "$s is executable");
	is(system($^X, '-c', "$src/$s") >> 8, 0, "$s compiles");
}

# A release's source tree carries the dashboard's bundle (web/dist/SHIPPED, made
# by make dist): every build of it has the dashboard, with node and npm or not
# (make distcheck builds it with AGENTD_WEB_PREBUILT=yes).
SKIP: {
	skip 'not a release tarball (no web/dist/SHIPPED)', 1 unless -f "$src/web/dist/SHIPPED";
	ok(-f "$build/web/dist/index.html" && -f "$build/web/dist/BUILD",
	    'the build has the dashboard the tarball carries');
}

# gen-nginx: a config nginx accepts, for root (user line) and for others.
my $tmp = tempdir('agentd-t-XXXXXX', DIR => '/tmp', CLEANUP => 1);
my $nginx = AgentdTest::nginx_path();
delete $ENV{NGINX};	# nginx reads it as inherited sockets
SKIP: {
	skip 'nginx not found', 8 unless $nginx;
	for my $opt (['--no-user'], ['--user', scalar getpwuid($>)]) {
		my $home = "$tmp/h" . scalar @$opt;
		is(system($^X, "$src/conf/gen-nginx", @$opt, $home, '127.0.0.1:1'), 0,
		    "gen-nginx @$opt");
		my $conf = do { local (@ARGV, $/) = "$home/nginx/nginx.conf"; <> } // '';
		my $loc = do { local (@ARGV, $/) = "$home/nginx/agentd-locations.conf"; <> } // '';
		unlike($conf . $loc, qr/@[A-Z_]+@/, "gen-nginx @$opt: every \@TOKEN\@ substituted");
		like($loc, qr{fastcgi_pass unix:\Q$home\E/run/fcgi\.sock;}, "gen-nginx @$opt: fcgi.sock path");
		my $out = `'$nginx' -t -p '$home/nginx' -c '$home/nginx/nginx.conf' -e '$home/nginx/error.log' 2>&1`;
		is($?, 0, "nginx -t accepts the generated config (@$opt)") or diag($out);
	}
}
my $loc = `'$^X' '$src/conf/gen-nginx' --print-locations /srv/agentd/run`;
like($loc, qr{proxy_pass http://unix:/srv/agentd/run/ws\.sock:;}, 'gen-nginx --print-locations');
isnt(system("'$^X' '$src/conf/gen-nginx' '$tmp/a b' 127.0.0.1:1 2>/dev/null"), 0,
    'gen-nginx refuses a HOME nginx cannot take');

# agentd accepts the example configuration, and refuses a broken one.
sub run_daemon {
	my ($conf, $home) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>>', "$home.log");
		open(STDERR, '>&', \*STDOUT);
		delete @ENV{grep { /^AGENTD_/ } keys %ENV};
		exec("$build/daemon/agentd", '-f', $conf, '-H', $home) or POSIX::_exit(127);
	}
	return $pid;
}

sub ping {
	my ($path) = @_;
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) or return 0;
	my $p = '{"op":"ping"}';
	syswrite($s, 'AGD' . chr(1) . pack('N', length $p) . $p);
	my $buf = '';
	my $deadline = time + 5;
	my $rin = '';
	vec($rin, fileno $s, 1) = 1;
	while (time < $deadline && select(my $r = $rin, undef, undef, 0.2) >= 0) {
		my $n = sysread($s, $buf, 65536, length $buf);
		last if defined $n && $n == 0;
		next unless $n;
		last if length $buf >= 8 && length $buf >= 8 + unpack('N', substr($buf, 4, 4));
	}
	return $buf =~ /"status"\s*:\s*200/;
}

# Start agentd with conf, in home: 1 if it answers a ping, then SIGTERM; its
# exit status.
sub start_stop {
	my ($conf, $home) = @_;
	my $pid = run_daemon($conf, $home);
	my $up = 0;
	for (1 .. 1500) {
		last if waitpid($pid, WNOHANG) == $pid;
		if (ping("$home/run/ctl.sock")) { $up = 1; last }
		sleep 0.02;
	}
	kill 'TERM', $pid;
	my $st;
	for (1 .. 500) {
		if (waitpid($pid, WNOHANG) == $pid) { $st = $?; last }
		sleep 0.02;
	}
	if (!defined $st) { kill 'KILL', $pid; waitpid($pid, 0) }
	return ($up, $st);
}

SKIP: {
	skip 'agentd not built', 6 unless -x "$build/daemon/agentd";
	my $home = "$tmp/example";
	my ($up, $st) = start_stop("$src/conf/agentd.conf.example", $home);
	ok($up, 'agentd starts with conf/agentd.conf.example and answers a ping')
	    or diag(`cat '$home.log'`);
	is($st, 0, 'agentd exits 0 on SIGTERM') or diag(`cat '$home.log'`);

	# The example's top-level settings where they stand, uncommented (one in
	# a section's place would be taken for that section's line).
	my $ex = do { local (@ARGV, $/) = "$src/conf/agentd.conf.example"; <> };
	ok($ex =~ s/^#(public_url\s*=)/$1/mg, 'the example has a #public_url line');
	open(my $fh, '>', "$tmp/uncommented.conf") or die;
	print $fh $ex;
	close $fh;
	$home = "$tmp/uncommented";
	($up) = start_stop("$tmp/uncommented.conf", $home);
	ok($up, 'agentd starts with its public_url uncommented') or diag(`cat '$home.log'`);

	open($fh, '>', "$tmp/bad.conf") or die;
	print $fh "max_sessions = 2\nno_such_setting = 1\n";
	close $fh;
	$home = "$tmp/bad";
	my $pid = run_daemon("$tmp/bad.conf", $home);
	$st = undef;
	for (1 .. 500) {
		if (waitpid($pid, WNOHANG) == $pid) { $st = $?; last }
		sleep 0.02;
	}
	if (!defined $st) { kill 'KILL', $pid; waitpid($pid, 0) }
	ok(defined $st && $st != 0, 'agentd refuses a config with an unknown setting');
	like(`cat '$home.log'`, qr/no_such_setting/, '... and names the setting');
}

done_testing();
