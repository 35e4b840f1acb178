#!/usr/bin/perl
# Issue #18, metrics: GET /api/agents/metrics is Prometheus' text format for admins
# (403 for operators and viewers, 401 without identity): live sessions by agent and
# status, tokens and cost by agent, approvals waiting, the daemon's counters
# (output bytes, events, holder adoptions), viewers, queues, webhooks, RSS and
# descriptors, agentd_up, and request latency histograms by endpoint shared by
# every agentd-fcgi worker.  promtool (Debian's prometheus package) checks the
# exposition; the values are checked against what the test did.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use File::Temp qw(tempdir);
use IPC::Open3;
use POSIX ();
use Time::HiRes qw(sleep time);
use Test::More;

AgentdTest->require_stack;
my $promtool = -x '/usr/bin/promtool' ? '/usr/bin/promtool' : undef;
die "t/36-metrics.t: promtool is missing (apt-get install prometheus)\n"
    if !$promtool && $ENV{CI};

my $t = AgentdTest->new(
    agents => { talk => q{sh -c 'printf "hello from the agent\n"; exec sleep 100000'} });

sub scrape {
	my (@h) = @_;
	my ($s, undef, $hdr, $raw) = $t->get('/api/agents/metrics', @h);
	return ($s, $hdr, $raw // '');
}

# Metric name{labels} -> value, from the text.
sub samples {
	my ($text) = @_;
	my %v;
	for (split /\n/, $text) {
		next if /^#/ || !/\S/;
		my ($k, $n) = /^(\S+(?:\{[^}]*\})?)\s+(\S+)$/ or next;
		$v{$k} = $n;
	}
	return \%v;
}

my ($s) = scrape(Authorization => 'Bearer 00');
is($s, 401, 'a wrong token: 401');
($s) = $t->create(name => 'm1', agentType => 'talk');
is($s, 201, 'create m1');
($s) = $t->create(name => 'm2', agentType => 'fake');
is($s, 201, 'create m2');
$t->wait_output('m1', qr/hello from the agent/, 10);
my $ws = WSClient->connect(port => $t->port, path => '/api/agents/sessions/m1');
ok($ws, 'a viewer of m1');
$t->get('/api/agents/sessions') for 1 .. 5;

my ($hdr, $text);
($s, $hdr, $text) = scrape();
is($s, 200, 'an admin: 200');
like($hdr->{'content-type'} // '', qr{^text/plain; version=0\.0\.4}, 'text format 0.0.4');
SKIP: {
	skip 'no promtool', 2 unless $promtool;
	my $pid = open3(my $in, my $out, undef, $promtool, 'check', 'metrics');
	print $in $text;
	close($in);
	my $said = join('', <$out>);
	waitpid($pid, 0);
	is($? >> 8, 0, 'promtool check metrics: clean') or diag($said);
	is($said, '', 'and it has nothing to say');
}
my $v = samples($text);
is($v->{agentd_up}, 1, 'agentd_up 1');
my $live = 0;
$live += $v->{$_} for grep { /^agentd_sessions\{/ } keys %$v;
is($live, 2, 'two live sessions');
ok((grep { /^agentd_sessions\{agent="talk",status="[a-z_]+"\}$/ } keys %$v),
    'by agent and status');
cmp_ok($v->{agentd_output_bytes_total} // 0, '>=', length("hello from the agent\n"),
    'output bytes counted');
cmp_ok($v->{agentd_events_total} // 0, '>=', 2, 'events counted');
is($v->{agentd_viewers}, 1, 'one viewer');
is($v->{agentd_messages_queued}, 0, 'no message waiting');
is($v->{agentd_approvals_waiting}, 0, 'no approval waiting');
cmp_ok($v->{agentd_daemon_resident_bytes} // 0, '>', 1 << 20, 'daemon RSS');
cmp_ok($v->{agentd_daemon_open_fds} // 0, '>', 3, 'daemon descriptors');
ok(exists $v->{'agentd_tokens_total{agent="talk",kind="input"}'}, 'tokens by agent and kind');
ok(exists $v->{'agentd_cost_usd_total{agent="fake"}'}, 'cost by agent');
my $list = 'endpoint="GET /api/agents/sessions"';
cmp_ok($v->{"agentd_http_request_duration_seconds_count{$list}"} // 0, '>=', 5,
    'the list requests counted (across workers)');
is($v->{"agentd_http_request_duration_seconds_bucket{$list,le=\"+Inf\"}"},
    $v->{"agentd_http_request_duration_seconds_count{$list}"}, '+Inf bucket is the count');
ok(exists $v->{'agentd_http_responses_total{endpoint="none",code="4xx"}'},
    'the refused scrape (401 before routing) counted as 4xx of endpoint "none"');
$ws->close;

# The daemon gone: agentd_up 0, the SQLite part still there.
$t->kill_daemon('TERM');
($s, $hdr, $text) = scrape();
is($s, 200, 'daemon down: still 200');
$v = samples($text);
is($v->{agentd_up}, 0, 'agentd_up 0');
ok(!exists $v->{agentd_viewers}, 'no daemon numbers');
$t->start_daemon;
$t->wait_for(sub { (samples((scrape())[2]))->{agentd_holder_adoptions_total} }, 20,
    'the sessions adopted again');
$v = samples((scrape())[2]);
is($v->{agentd_holder_adoptions_total}, 2, 'two holders adopted again after the restart');

($s) = $t->del("/api/agents/sessions/$_") for qw(m1 m2);
is($s, 200, 'delete');
$t->stop;

# Roles, with nginx's auth_request: admins only.
my $dir = tempdir(CLEANUP => 1);
my $auth = fork // die;
if ($auth == 0) {
	exec($^X, "$FindBin::Bin/bin/fake-auth", "$dir/port") or POSIX::_exit(127);
}
END { kill 'TERM', $auth if $auth }
my $deadline = time + 10;
sleep 0.02 while !-s "$dir/port" && time < $deadline;
chomp(my $aport = AgentdTest::_slurp("$dir/port"));
my $p = AgentdTest->new(auth => 'request', auth_url => "http://127.0.0.1:$aport/check",
    conf => { auth => 'proxy', viewers => '@readers', operators => '@dev', admins => '@root' });
($s) = $p->get('/api/agents/metrics');
is($s, 401, 'proxy: no identity: 401');
($s) = $p->get('/api/agents/metrics', Authorization => 'Bearer tok-dave');
is($s, 403, 'proxy: an operator: 403');
($s) = $p->get('/api/agents/metrics', Authorization => 'Bearer tok-erin');
is($s, 403, 'proxy: a viewer: 403');
($s) = $p->get('/api/agents/metrics', Authorization => 'Bearer tok-gina');
is($s, 200, 'proxy: an admin: 200');
$p->stop;
done_testing;
