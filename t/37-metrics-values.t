#!/usr/bin/perl
# Issue #18: the metrics say what happened, not only that their series exist
# (t/36 parses the exposition): an approval waiting and its age, input queued
# for an agent that does not read its terminal, tokens and cost by agent; and
# the webhook of a cap ("capped") reaches a receiver with the cap's reason.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;

my ($rport, $received) = AgentdTest->webhook_receiver;
ok($rport, "receiver on port $rport");

sub requests {
	my ($event) = @_;
	return grep { ($_->{headers}{'x-agentd-event'} // '') eq $event } $received->();
}

my $bin = tempdir('agentd-claude-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest::srcdir() . '/t/bin/approval-spoof', "$bin/claude") or die "symlink: $!";
my $fcs = AgentdTest::srcdir() . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(
	agents => {
		spoof => { default => "$bin/claude", adapter => 'claude' },
		fc => { default => $fcs, adapter => 'claude' },
		mute => q{sh -c 'stty raw -echo; exec sleep 1000000'},
	},
	conf_text => "[webhook main]\nurl = http://127.0.0.1:$rport/ok\nevents = capped\n");

# The value of one series ($name with its labels, as exposed), or undef.
sub metric {
	my ($name) = @_;
	my ($s, undef, undef, $raw) = $t->get('/api/agents/metrics');
	return $raw =~ /^\Q$name\E ([0-9.e+-]+)$/m ? $1 : undef;
}

# An approval waiting: counted, and its age grows.
my ($s) = $t->create(name => 'a', agentType => 'spoof');
is($s, 201, 'create a (claude hooks)');
$t->wait_output('a', qr/approval-spoof ready/);
$t->post('/api/agents/sessions/a/input', { data => "start\r" });
$t->wait_status('a', qr/^idle$/);
is(metric('agentd_approvals_waiting'), 0, 'no approval waiting yet');
is(metric('agentd_approval_oldest_wait_seconds'), '0.000', 'so no age');
$t->post('/api/agents/sessions/a/input', { data => "ask 1 Bash rm -rf /tmp/x\r" });
$t->wait_status('a', qr/^waiting_approval$/);
is(metric('agentd_approvals_waiting'), 1, 'one approval waiting');
ok($t->wait_for(sub { (metric('agentd_approval_oldest_wait_seconds') // 0) >= 1 }, 10,
    'the age'), 'its age grows past a second');
($s) = $t->post('/api/agents/sessions/a/approval', { decision => 'deny' });
is($s, 200, 'deny it');
$t->wait_for(sub { (metric('agentd_approvals_waiting') // -1) == 0 }, 10, 'none waiting');
is(metric('agentd_approval_oldest_wait_seconds'), '0.000', 'none waiting: age 0');

# Input for a terminal nobody reads piles up in the daemon, up to its cap.
($s) = $t->create(name => 'mute', agentType => 'mute');
is($s, 201, 'create mute (reads nothing)');
$t->wait_status('mute', qr/^(idle|working|running)$/);
my $chunk = 'x' x (128 * 1024);
my ($queued, $sent) = (0, 0);
for (1 .. 200) {
	my ($st) = $t->post('/api/agents/sessions/mute/input', { data => $chunk });
	last if $st != 200;
	$sent++;
	last if ($queued = metric('agentd_input_queued_bytes') // 0) > 0;
}
cmp_ok($queued, '>', 0, "input queued for mute: $queued bytes (after $sent x 128 KiB)");

# Tokens and cost by agent: fake-claude-stream reports 20 in, 10 out, 5 cache
# read, 3 cache write and $0.25 a turn.
($s) = $t->create(name => 'u', agentType => 'fc', transport => 'stream', prompt => 'one');
is($s, 201, 'a stream session with one turn');
$t->wait_for(sub { (metric('agentd_cost_usd_total{agent="fc"}') // 0) > 0 }, 20, 'cost');
is(metric('agentd_tokens_total{agent="fc",kind="input"}'), 20, 'tokens by agent: input');
is(metric('agentd_tokens_total{agent="fc",kind="output"}'), 10, 'output');
is(metric('agentd_tokens_total{agent="fc",kind="cache_read"}'), 5, 'cache read');
is(metric('agentd_tokens_total{agent="fc",kind="cache_write"}'), 3, 'cache write');
is(metric('agentd_cost_usd_total{agent="fc"}'), '0.250000', 'cost by agent: $0.25');

# A cap reached: the "capped" webhook, with the session and why.
($s) = $t->create(name => 'h', agentType => 'fc', transport => 'stream',
    maxTokens => 30, prompt => 'USAGE HANG');
is($s, 201, 'a session with maxTokens 30 whose turn goes past it');
$t->wait_for(sub { my @r = requests('capped') }, 20, 'capped delivered');
my ($r) = requests('capped');
my $doc = decode_json($r->{body});
is($doc->{event}, 'capped', 'the capped webhook');
is($doc->{session}, 'h', 'names the session');
is($doc->{agentType}, 'fc', 'and its agent');
like($doc->{message} // '', qr/token/i, "and why ($doc->{message})");
# No public_url: the dashboard at / of AGENTD_LISTEN, the session's page #/s/NAME.
like($doc->{url} // '', qr{^http://127\.0\.0\.1:\d+/#/s/h$}, 'with a link to its page');

$t->done;
