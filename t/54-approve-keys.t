#!/usr/bin/perl
# Approvals answered through the API by keys typed into the TUI (no hook waits
# for the decision: claude whose hooks never reported, codex): the fake agent,
# adapted as claude (a program named claude), draws claude's approval box.
#  - Settled while the keys wait for the box (the agent's own report says the
#    turn went on, as when a person answered at its terminal): no key is typed;
#    the answer is recorded as late, with who gave it. Before: the keys went
#    10 s later into whatever the TUI showed, as a second, applied approval.
#  - A denial's message: recorded in the approval event (the box takes no
#    text; it is not typed either). Before: dropped.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use IPC::Open2;
use JSON::PP;
use Test::More;

AgentdTest->require_stack;
my $BOX = 'Do you want to proceed?\\n  1. Yes\\n  2. No';
my $bin = tempdir('agentd-keys-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest->srcdir . '/t/bin/fake-agent', "$bin/claude") or die "symlink: $!";
my $t = AgentdTest->new(projects => 1, agents => { claude => "$bin/claude" });
my $json = JSON::PP->new->utf8->canonical;

sub input {
	my ($name, $data) = @_;
	my ($s) = $t->post("/api/agents/sessions/$name/input", { data => $data });
	return $s;
}
sub approvals {
	my ($name) = @_;
	return map { $_->{event} } grep { $_->{type} eq 'approval' } @{$t->session($name)->{events} // []};
}

# A claude-adapted session, idle by its footer, then in a turn with the box open
# (the screen's word: its hooks never reported).
sub waiting {
	my ($name) = @_;
	my ($s) = $t->create(name => $name, agentType => 'claude');
	is($s, 201, "create $name (claude adapter)");
	$t->wait_output($name, qr/fake-agent pid=/);
	input($name, "say ? for shortcuts\r");
	$t->wait_status($name, qr/^idle$/);
	($s) = $t->message($name, "say $BOX");
	is($s, 200, "$name: a message whose turn draws the approval box");
	$t->wait_status($name, qr/^waiting_approval$/);
	pass("$name: waiting for an approval (the box on screen)");
}

# The hook claude would run, as its --settings give it (agentd -H HOME hook ...).
sub hook {
	my ($name, $ev) = @_;
	my ($args) = $t->output($name) =~ /fake-agent pid=\d+ pgid=\d+ args=(\S*)/;
	my %a = split /,/, $args;
	my $set = $json->decode(AgentdTest->slurp($a{'--settings'}));
	my $cmd = $set->{hooks}{$ev->{hook_event_name}}[0]{hooks}[0]{command};
	my $pid = open2(my $out, my $in, 'sh', '-c', $cmd);
	print $in $json->encode($ev);
	close $in;
	my $o = do { local $/; <$out> };
	waitpid($pid, 0);
	return $? == 0;
}

my $me = ($t->get('/api/agents/me'))[1]{user};

# 1. Allowed while the box is gone, then the turn goes on before it returns.
waiting('k1');
input('k1', "say \e[2J\e[Hworking on it\r");
$t->wait_output('k1', qr/working on it/);
my ($s) = $t->post('/api/agents/sessions/k1/approval', { decision => 'allow' });
is($s, 200, 'k1: allow, while no box shows (the keys wait for it)');
my $before = () = $t->output('k1') =~ /got: \r?\n/g;
ok(hook('k1', { hook_event_name => 'Stop', session_id => 'k1-fake' }),
    'k1: the agent reports the end of its turn (its Stop hook)');
$t->wait_status('k1', qr/^idle$/);
my ($late) = $t->wait_for(sub { my @a = approvals('k1'); @a ? \@a : undef }, 15,
    'the approval event of k1');
is(scalar @$late, 1, 'k1: one approval event');
ok($late->[0]{late}, 'k1: the answer is recorded as late (settled before its keys went)');
is($late->[0]{by}, $me, 'k1: by who gave it');
my $after = () = $t->output('k1') =~ /got: \r?\n/g;
is($after, $before, 'k1: no key typed (allow is Enter: the fake agent would say "got: ")');
is($t->session('k1')->{state}, 'idle', 'k1: still idle');

# 2. Denied with a message while the box shows: Esc, the message in the event,
# then typed as the next message once the agent is idle.
waiting('k2');
($s) = $t->post('/api/agents/sessions/k2/approval',
    { decision => 'deny', message => 'use notes.txt instead' });
is($s, 200, 'k2: deny with a message');
my ($d) = $t->wait_for(sub { (approvals('k2'))[0] }, 15, 'the approval event of k2');
is($d->{decision}, 'deny', 'k2: the denial recorded');
is($d->{message}, 'use notes.txt instead', 'k2: with its message');
ok(!$d->{late}, 'k2: applied');
# The box takes no text: the message is recorded, never typed at a later moment.
unlike(scalar $t->output('k2'), qr/use notes\.txt/, 'k2: the message is not typed into the TUI');

for my $n (qw(k1 k2)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
