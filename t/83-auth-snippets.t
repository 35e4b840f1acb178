#!/usr/bin/perl
# The nginx identity snippets (issue #12, item 7): conf/auth/none gives the empty
# identity whatever Basic header a client sends; conf/auth/cert takes the CN and
# the OU from whole RDNs of the client DN, so an escaped "\," inside a CN does
# not make an OU (the map tested on a header standing in for $ssl_client_s_dn).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use Test::More;

AgentdTest->require_stack;

# --- none: a Basic header names nobody ----------------------------------------
my $t = AgentdTest->new(conf => { auth => 'none' });	# auth = none: the snippet alone
my $basic = 'Basic ' . encode_base64('mallory:x', '');
my ($s, $j) = $t->post('/api/agents/sessions', { name => 'n1', agentType => 'fake',
    workingDirectory => $t->workdir }, Authorization => $basic);
is($s, 201, 'none: a request with a Basic header is served');
is($j->{creator}, 'local', 'none: the creator is the local user, not the header\'s');
($s, $j) = $t->get('/api/agents/audit?limit=100', Authorization => $basic);
is($s, 200, 'none: the audit');
my @e = grep { $_->{action} eq 'session.create' } @{$j->{entries} // []};
ok(@e && !grep({ $_->{user} eq 'mallory' } @e), 'none: no audit row names mallory');
$t->stop;

# --- cert: the map on a variable we control -----------------------------------
my $dir = tempdir('agentd-cert-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod(0755, $dir);
open(my $in, '<', AgentdTest->srcdir . '/conf/auth/cert.http.conf') or die;
my $maps = do { local $/; <$in> };
close $in;
ok($maps =~ s/\$ssl_client_s_dn\b/\$http_x_test_dn/g, 'cert: the snippet maps $ssl_client_s_dn');
my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
    or die "listen: $!";
my $port = $probe->sockport;
close $probe;
mkdir "$dir/$_" for qw(logs tmp);
open(my $out, '>', "$dir/nginx.conf") or die;
print $out <<"EOF";
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 16; }
http {
	access_log off;
	client_body_temp_path $dir/tmp;
	proxy_temp_path $dir/tmp;
	fastcgi_temp_path $dir/tmp;
	uwsgi_temp_path $dir/tmp;
	scgi_temp_path $dir/tmp;
$maps
	server {
		listen 127.0.0.1:$port;
		location / { return 200 "user=[\$agentd_user] groups=[\$agentd_groups]"; }
	}
}
EOF
close $out;
my $pid = fork // die;
if ($pid == 0) {
	open(STDERR, '>>', "$dir/logs/stderr.log");
	exec(AgentdTest::nginx_path(), '-p', $dir, '-c', "$dir/nginx.conf") or POSIX::_exit(127);
}
sub ask {
	my ($dn) = @_;
	for (1 .. 100) {
		my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
		    Timeout => 5);
		if (!$c) { select(undef, undef, undef, 0.05); next }
		print $c "GET / HTTP/1.0\r\nX-Test-DN: $dn\r\n\r\n";
		local $/;
		my $r = <$c> // '';
		return $r =~ /\r\n\r\n(.*)\z/s ? $1 : $r;
	}
	return 'no answer';
}
for my $c (
	['CN=alice,OU=ops,O=Example', 'alice', 'ops', 'CN and OU'],
	['OU=dev,CN=bob,O=Example', 'bob', 'dev', 'in any order'],
	['CN=mallory\,OU=admins,O=Example', '', '', 'an escaped comma in the CN: no user, no OU'],
	['CN=mallory\,OU\=admins', '', '', 'an escaped comma and equals'],
	['O=Example\, OU=admins,CN=carol', 'carol', '', 'an OU inside an escaped O value is none'],
	['CN=eve+OU=admins,O=Example', '', '', 'a multi-valued RDN is not taken'],
) {
	my ($dn, $user, $groups, $what) = @$c;
	is(ask($dn), "user=[$user] groups=[$groups]", "cert: $what");
}
kill 'TERM', $pid;
waitpid($pid, 0);

done_testing;
