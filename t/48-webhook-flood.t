#!/usr/bin/perl
# Webhooks against a flooding agent (issue #12, attack review 2 and 4): one
# session's agent that makes events as fast as it can (t/bin/approval-spoof's
# "flood": turns over the sessions' socket) holds at most two deliveries of an
# event at a receiver (one in flight, one waiting: the newest state wins), so
# another session's events still go out; with the whole queue full, the
# "dropped" audit row is one per 10 s that counts them, not one per event. The
# fields an agent chooses are bounded: the tool's name (256 bytes) and an
# error's message (4 KiB, an error's text), cut on a character boundary.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Encode qw(encode);
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;

my ($rport, $received) = AgentdTest->webhook_receiver;
ok($rport, "receiver on port $rport");

sub requests {
	my ($event) = @_;
	return grep { !defined $event || ($_->{headers}{'x-agentd-event'} // '') eq $event }
	    $received->();
}
sub hook {
	my ($name, $path, %k) = @_;
	return "[webhook $name]\nurl = http://127.0.0.1:$rport$path\n" .
	    join('', map { "$_ = $k{$_}\n" } sort keys %k);
}
sub metric {
	my ($t, $name) = @_;
	my ($s, undef, undef, $raw) = $t->get('/api/agents/metrics');
	return $raw =~ /^\Q$name\E (\d+)/m ? $1 : undef;
}
sub dropped_rows {
	my ($t) = @_;
	my ($s, $j) = $t->get('/api/agents/audit?limit=1000');
	return grep { ($_->{action} // '') eq 'webhook' && ($_->{error} // $_->{detail} // '')
	    =~ /dropped/ } @{$j->{entries} // []};
}

my $bin = tempdir('agentd-claude-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest::srcdir() . '/t/bin/approval-spoof', "$bin/claude") or die "symlink: $!";
my $fcs = AgentdTest::srcdir() . '/t/bin/fake-claude-stream';
my %agents = (spoof => { default => "$bin/claude", adapter => 'claude' },
    fc => { default => $fcs, adapter => 'claude' });

sub typed {
	my ($t, $name, $line) = @_;
	$t->post("/api/agents/sessions/$name/input", { data => "$line\r" });
}
sub start_spoof {
	my ($t, $name) = @_;
	my ($s) = $t->create(name => $name, agentType => 'spoof');
	is($s, 201, "create $name");
	$t->wait_output($name, qr/approval-spoof ready/);
	typed($t, $name, 'start');
	$t->wait_status($name, qr/^idle$/);
}

# One receiver that never answers turn_end, one that takes the rest at once.
my $t = AgentdTest->new(agents => \%agents, conf_text => join("\n",
    hook('slow', '/hang', events => 'turn_end', timeout_ms => 120000, retries => 0),
    hook('main', '/ok', events => 'waiting_approval error exited')));
start_spoof($t, 'a');
typed($t, 'a', 'flood 40');
$t->wait_output('a', qr/flooded 40/, 30);
$t->wait_for(sub { requests('turn_end') >= 2 }, 10, 'the first turn_ends reach the receiver');
my $pending = metric($t, 'agentd_webhook_pending');
cmp_ok($pending, '<=', 2, "40 turn_ends of one session: $pending deliveries held (<= 2)");
is(scalar(requests('turn_end')), 2, 'the receiver got two of them (it answers none)');
is(metric($t, 'agentd_webhook_dropped_total'), 0, 'none was dropped: coalesced');

# The tool's name, any text the agent chose: at most 256 bytes, whole characters.
my $tool = "\x{e9}" x 300;
typed($t, 'a', "ask big $tool x");
$t->wait_for(sub { requests('waiting_approval') >= 1 }, 10, 'waiting_approval delivered');
my ($r) = requests('waiting_approval');
my $doc = decode_json($r->{body});
ok($doc->{toolTruncated}, 'a 600-byte tool name is cut (toolTruncated)');
my $bytes = length(encode('UTF-8', $doc->{tool} // ''));
ok($bytes <= 256 && $bytes >= 254, "to $bytes bytes");
is($doc->{tool}, "\x{e9}" x ($bytes / 2), 'on a character boundary');
my ($s) = $t->post("/api/agents/sessions/a/approval", { decision => "deny" });
is($s, 200, 'deny it');

# An error's message: its text, at most 4 KiB.
($s) = $t->create(name => "e", agentType => "fc", transport => "stream");
is($s, 201, 'a stream session');
$t->wait_status('e', qr/^idle$/);
($s) = $t->message('e', 'FAIL ' . ("\x{e9}" x 3000));
is($s, 200, 'a turn that fails with a 6000-byte text');
$t->wait_for(sub { requests('error') >= 1 }, 10, 'error delivered');
($r) = requests('error');
$doc = decode_json($r->{body});
ok($doc->{messageTruncated}, 'the message is cut (messageTruncated)');
$bytes = length(encode('UTF-8', $doc->{message} // ''));
ok($bytes <= 4096 && $bytes >= 4094, "to $bytes bytes, the error's text");
like($doc->{message}, qr/^\x{e9}+$/, 'on a character boundary');
$t->stop;

# The whole queue (256) full: 130 receivers that never answer, two each of a session.
my $crowd = join("\n", map { hook("c$_", '/hang', events => 'turn_end',
    timeout_ms => 120000, retries => 0) } 1 .. 130);
$t = AgentdTest->new(agents => \%agents, conf_text => $crowd,
    expect_log => [qr/webhook c\d+: 256 deliveries waiting, \d+ dropped .*said once per 10 s/]);
start_spoof($t, 'b');
typed($t, 'b', 'flood 20');
$t->wait_output('b', qr/flooded 20/, 60);
$t->wait_for(sub { (metric($t, 'agentd_webhook_dropped_total') // 0) >= 4 }, 10,
    'drops are counted');
my $drops = metric($t, 'agentd_webhook_dropped_total');
is(metric($t, 'agentd_webhook_pending'), 256, 'the queue is full');
my @rows = dropped_rows($t);
cmp_ok(scalar @rows, '<=', 2, "$drops deliveries dropped: " . scalar(@rows) . ' audit rows');
ok(@rows >= 1, 'the first drop is a row at once');
$t->done;
