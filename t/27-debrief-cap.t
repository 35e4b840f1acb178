#!/usr/bin/perl
# Issue #13, item 3: the text gathered for a debrief answer has a cap
# (debrief_answer_max): an agent that answers the debrief prompt without end does
# not grow the daemon, the report row, its file and its event past it. The answer
# is cut on a UTF-8 boundary and says so; an answer under the cap is kept whole.
# The agent is t/bin/fake-claude-stream (adapter claude, transport stream), whose
# --report-bytes N answers a debrief with N bytes of "é" in --report-parts texts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Encode qw(decode FB_CROAK);
use Test::More;

AgentdTest->require_stack;
my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $MAX = 4096;				# debrief_answer_max: its smallest value
my $BIG = 20000;			# what the agent writes, five times the cap
my $t = AgentdTest->new(
	conf => { debrief_answer_max => $MAX },
	agents => {
		endless => { default => "$fcs --replay-user-messages --report-bytes $BIG",
		    adapter => 'claude' },
		parts => { default => "$fcs --replay-user-messages --report-bytes $BIG" .
		    ' --report-parts 10', adapter => 'claude' },
		small => { default => "$fcs --replay-user-messages", adapter => 'claude' },
	});

sub debrief {
	my ($name) = @_;
	my ($s, $j) = $t->create(name => $name, agentType => $name, transport => 'stream',
	    prompt => 'hello');
	is($s, 201, "create $name");
	$t->wait_status($name, qr/^idle$/, 20);
	($s, $j) = $t->post("/api/agents/sessions/$name/pre-kill-debrief", {});
	is($s, 200, "$name: debrief 200");
	is($j->{source}, 'agent', "$name: the report is the agent's answer") or diag explain $j;
	return $j;
}

sub utf8_ok { return defined eval { decode('UTF-8', $_[0], FB_CROAK); 1 } }

for my $name (qw(endless parts)) {
	my $j = debrief($name);
	my $r = $j->{report} // '';
	utf8::encode($r);			# bytes, as stored
	my ($kept, $total) = $r =~ /\[answer cut: (\d+) of (\d+) bytes kept \(debrief_answer_max\)\]$/;
	ok(defined $kept, "$name: the report says it was cut");
	cmp_ok($kept // 0, '<=', $MAX, "$name: at most debrief_answer_max kept");
	cmp_ok($kept // 0, '>', $MAX - 8, "$name: and nearly all of it");
	cmp_ok($total // 0, '>=', $BIG - 20, "$name: the whole answer counted");
	cmp_ok(length $r, '<', $MAX + 128, sprintf('%s: the report is %d bytes', $name, length $r));
	ok(utf8_ok($r), "$name: cut on a UTF-8 boundary");
	ok(-s $j->{path} && -s $j->{path} < $MAX + 4096, "$name: its file is bounded too");
	my ($s) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "delete $name");
}

# Under the cap: whole, no note.
my $j = debrief('small');
like($j->{report}, qr/^FAKE_REPORT: debrief from the fake agent$/, 'small: kept whole');
my ($s) = $t->del('/api/agents/sessions/small');
is($s, 200, 'delete small');
$t->done;
