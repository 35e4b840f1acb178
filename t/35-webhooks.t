#!/usr/bin/perl
# Issue #18, webhooks: [webhook NAME] url/events/secret POSTs a small JSON document
# for each attention event (here: exited; waiting_approval and turn_end with the
# real claude), signed X-Agentd-Signature: sha256=HMAC(secret, body); a receiver
# that answers 500 is retried with doubling waits until it takes it; one that is
# down or never answers is given up after its retries, and none of it blocks the
# daemon (REST answers while a delivery hangs).  Every attempt is in the audit.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Digest::SHA qw(hmac_sha256_hex);
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;

my ($rport, $received) = AgentdTest->webhook_receiver;
ok($rport, "receiver on port $rport");
# A port nothing listens on: bind one, then close it.
my $dead = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1);
my $dport = $dead->sockport;
close($dead);

sub hook {
	my ($name, $path, %k) = @_;
	my $url = $path =~ /^http/ ? $path : "http://127.0.0.1:$rport$path";
	return "[webhook $name]\nurl = $url\n" . join('', map { "$_ = $k{$_}\n" } sort keys %k);
}
my $conf_text = join("\n",
	hook('main', '/ok', events => 'exited turn_end waiting_approval', secret => 's3cret'),
	hook('flaky', '/fail-2', events => 'exited', retry_ms => 300, retries => 3),
	hook('dead', "http://127.0.0.1:$dport/", events => 'exited', retry_ms => 50,
	    retries => 1, timeout_ms => 1000),
	hook('hang', '/hang', events => 'exited', timeout_ms => 1500, retries => 0),
);

sub requests {
	my ($path) = @_;
	return grep { !defined $path || $_->{path} eq $path } $received->();
}

sub nreq { my @r = requests(@_); return scalar @r }

sub audit_rows {
	my ($t) = @_;
	my ($s, $j) = $t->get('/api/agents/audit?limit=1000');
	return $s == 200 ? grep { ($_->{action} // '') eq 'webhook' } @{$j->{entries}} : ();
}

my $t = AgentdTest->new(
	# Without its trailing slash: the link is still public_url/#/s/NAME.
	conf => { public_url => 'https://dash.example.com/agents' },
	conf_text => $conf_text,
	agents => { bye => q{sh -c 'echo bye; exit 3'} },
	# The receivers that refuse or never answer are given up, and say so.
	expect_log => [qr/webhook (dead|hang): exited for bye given up/],
);

my $t0 = time;
my ($s) = $t->create(name => 'bye', agentType => 'bye');
is($s, 201, 'create a session whose agent exits 3');
$t->wait_for(sub { nreq('/ok') >= 1 }, 20, 'the exited event reaches the receiver');
my ($r) = requests('/ok');
my $doc = eval { decode_json($r->{body}) } // {};
is($r->{method}, 'POST', 'POSTed');
is($r->{headers}{'content-type'}, 'application/json', 'as JSON');
is($doc->{event}, 'exited', 'event exited');
is($doc->{session}, 'bye', 'names the session');
is($doc->{exitCode}, 3, 'with the exit code');
is($doc->{agentType}, 'bye', 'and the agent type');
is($doc->{url}, 'https://dash.example.com/agents/#/s/bye',
    "and a link to the session's page under public_url");
is($r->{headers}{'x-agentd-event'}, 'exited', 'X-Agentd-Event');
like($r->{headers}{'x-agentd-delivery'} // '', qr/^[0-9a-f]{32}$/, 'X-Agentd-Delivery');
is($r->{headers}{'x-agentd-signature'}, 'sha256=' . hmac_sha256_hex($r->{body}, 's3cret'),
    'signed: sha256=HMAC(secret, body)');

# Refused twice (500), then taken: three attempts, the same delivery.
$t->wait_for(sub { nreq('/fail-2') >= 3 }, 20, 'the flaky receiver is retried');
my @f = requests('/fail-2');
is(scalar @f, 3, 'three attempts, no more after the 200');
is(scalar(keys %{{ map { $_->{headers}{'x-agentd-delivery'} => 1 } @f }}), 1,
    'all of one delivery');
ok(!defined $f[0]{headers}{'x-agentd-signature'}, 'no secret: unsigned');
# retry_ms 300: the first retry after 300 ms, the second after 600 (doubling).
my @gap = map { $f[$_]{t} - $f[$_ - 1]{t} } 1, 2;
cmp_ok($gap[0], '>=', 0.29, sprintf('the first retry waits retry_ms (%.3f s)', $gap[0]));
cmp_ok($gap[1], '>=', 0.59, sprintf('the second waits twice as long (%.3f s)', $gap[1]));

# REST answers at once while a delivery hangs.
ok(nreq('/hang') >= 1 || $t->wait_for(sub { nreq('/hang') >= 1 }, 10, 'hang'),
    'the hanging receiver got its request');
my $q0 = time;
($s) = $t->get('/api/agents/sessions');
my $dt = time - $q0;
is($s, 200, 'list while a delivery hangs');
cmp_ok($dt, '<', 1, sprintf('and it answers in %.3f s', $dt));
($s) = $t->create(name => 'bye2', agentType => 'fake');
is($s, 201, 'and a create goes through');

# The audit: every attempt, with its outcome.
my @a;
$t->wait_for(sub {
	@a = audit_rows($t);
	(grep { $_->{detail} =~ /^dead exited .* attempt 2: failed/ } @a) &&
	(grep { $_->{detail} =~ /^hang exited .* attempt 1: failed/ } @a) &&
	(grep { $_->{detail} =~ /^flaky exited .* attempt 3: delivered/ } @a);
}, 20, 'audit rows of every attempt') or diag(explain(\@a));
ok(!(grep { ($_->{addr} // '') =~ m{/[a-z]} } @a),
    'the audit names the receiver by scheme://host, never its path (often its secret)');
my @flaky = grep { $_->{detail} =~ /^flaky / } @a;
is_deeply([map { $_->{status} } @flaky], [500, 500, 200], 'flaky: 500, 500, 200 in the audit');
is(scalar(grep { $_->{detail} =~ /^dead / } @a), 2, 'dead: two attempts (retries = 1)');
ok((grep { $_->{detail} =~ /^main exited \S+ attempt 1: delivered/ && $_->{status} == 200 &&
    $_->{session} eq 'bye' && $_->{user} eq 'agentd' } @a), 'main: delivered, by agentd');
like((grep { $_->{detail} =~ /^hang / } @a)[0]{detail}, qr/[Tt]imeout|timed out/,
    'hang: given up on its timeout');
ok(!(grep { $_->{event} && $_->{event} ne 'exited' } map { decode_json($_->{body}) }
    requests('/ok')), 'no event the hooks did not ask for');

($s) = $t->del('/api/agents/sessions/bye2');
is($s, 200, 'delete bye2');
$t->stop;

# The real claude: waiting_approval with its tool and input, and turn_end.
SKIP: {
	my $why = AgentdTest->agent_missing('claude');
	skip $why, 8 if defined $why;
	my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 120;
	($rport, $received) = AgentdTest->webhook_receiver;	# its own, empty log
	my $c = AgentdTest->new(real_agents => 1, conf_text => hook('main', '/ok',
	    events => 'waiting_approval turn_end', secret => 'k'));
	my $work = $c->workdir . '/w';
	mkdir $work;
	($s) = $c->create(name => 'c1', agentType => 'claude', workingDirectory => $work,
	    prompt => 'RUNTOOL please');
	is($s, 201, 'claude: create with a prompt that calls a tool');
	$c->wait_for(sub { grep { decode_json($_->{body})->{event} eq 'waiting_approval' }
	    requests('/ok') }, $TURN, 'waiting_approval delivered');
	my ($w) = grep { $_->{event} eq 'waiting_approval' } map { decode_json($_->{body}) }
	    requests('/ok');
	is($w->{session}, 'c1', 'claude: waiting_approval names the session');
	ok($w->{tool}, "claude: with the tool ($w->{tool})");
	like(JSON::PP->new->canonical->encode($w->{input} // {}), qr/echo hi/, 'and its input');
	is($w->{status}, 'waiting_approval', 'and the status');
	($s) = $c->post('/api/agents/sessions/c1/approval', { decision => 'allow' });
	is($s, 200, 'claude: allow');
	$c->wait_for(sub { grep { decode_json($_->{body})->{event} eq 'turn_end' }
	    requests('/ok') }, $TURN, 'turn_end delivered');
	pass('claude: turn_end delivered after the tool ran');
	($s) = $c->del('/api/agents/sessions/c1');
	is($s, 200, 'claude: delete');
	$c->stop;
}

done_testing;
