#!/usr/bin/perl
# A restarted daemon adopts a session with the adapter that started it, not the
# one its type's section names by then (issue #14): the screen rules must be
# those of the program that runs. The fake agent, as type "work" with adapter =
# claude, is idle by claude's footer (a screen rule, with its provenance in
# statusEvidence); the config then says adapter = none and the daemon is killed
# and started again. The adopted session still raises claude's approval box as
# waiting_approval. Before: it was adopted as a plain terminal (the current
# config's none), and a session made under adapter = none and adopted under
# claude would have had claude's keys typed into it. A session created after the
# change is a plain terminal.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $BOX = 'Do you want to proceed?\\n  1. Yes\\n  2. No';
my $fake = AgentdTest->srcdir . '/t/bin/fake-agent';
my $t = AgentdTest->new(agents => { work => { default => $fake, adapter => 'claude' } });

sub idle_by_footer {
	my ($name) = @_;
	$t->wait_output($name, qr/fake-agent pid=/);
	my ($s) = $t->post("/api/agents/sessions/$name/input", { data => "say ? for shortcuts\r" });
	is($s, 200, "$name: its footer drawn");
	return $t->wait_status($name, qr/^idle$/);
}

my ($s) = $t->create(name => 'w1', agentType => 'work');
is($s, 201, 'create w1 (type work, adapter = claude)');
my $d = idle_by_footer('w1');
is($d->{statusSource}, 'screen', 'w1: idle said by the screen');
is($d->{statusEvidence}{source}, 'screen', 'w1: statusEvidence: the screen');
is($d->{statusEvidence}{rule}, 'claude.footer', 'w1: the rule that said it');
is($d->{statusEvidence}{version}, 'claude-2.1', 'w1: the CLI version its rules are for');
my ($ev) = grep { $_->{type} eq 'status' && ($_->{event}{status} // '') eq 'idle' }
    @{$d->{events} // []};
is($ev && $ev->{event}{evidence}{rule}, 'claude.footer', 'w1: the status event carries it too');

# The config changes, then the daemon is killed and started again.
$t->{agents}{work}{adapter} = 'none';
$t->_write_conf;
$t->kill_daemon('KILL');
$t->start_daemon;

is($t->session('w1')->{state}, 'idle', 'w1: adopted, still idle');
idle_by_footer('w1');
($s) = $t->message('w1', "say $BOX");
is($s, 200, 'w1: a message whose turn draws the approval box');
ok(eval { $t->wait_status('w1', qr/^waiting_approval$/); 1 },
    "w1: waiting_approval: claude's rules, as when it started");

# Created under the new config: a plain terminal (no agent state).
($s, my $j) = $t->create(name => 'w2', agentType => 'work');
is($s, 201, 'create w2 (type work, adapter = none now)');
$t->wait_output('w2', qr/fake-agent pid=/);
ok(!defined $t->session('w2')->{statusSource}, 'w2: a plain terminal: no agent status');

for my $n (qw(w1 w2)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
