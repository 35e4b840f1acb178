#!/usr/bin/perl
# No key is pressed because of screen text once the session has started (issue
# #12, item 4): the fake agent, adapted as codex (a program named codex), prints
# codex's folder-trust dialog. While the session starts, agentd answers it once
# (Enter: the fake agent echoes an empty line, "got: "); once the agent is idle,
# and in the middle of a turn, the same text presses nothing. Its folders are in a
# project root (trusted: t/52-folder-trust.t has the others).
# Before: the screen rules pressed Enter whenever the words were on screen.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(sleep);

my $QUIET = 3;		# seconds the screen rules get to (wrongly) answer
my $DIALOG = "\e[2J\e[HTrust this folder?\\n  1. Trust and continue\\n  2. Quit";

my $bin = tempdir('agentd-dialogs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest->srcdir . '/t/bin/fake-agent', "$bin/codex") or die "symlink: $!";
my $t = AgentdTest->new(projects => 1, agents => { codex => "$bin/codex" });

sub input {
	my ($name, $data) = @_;
	my ($s) = $t->post("/api/agents/sessions/$name/input", { data => $data });
	return $s;
}

# Starting: the dialog is answered, once.
my ($s) = $t->create(name => 'd0', agentType => 'codex');
is($s, 201, 'create d0 (codex adapter)');
$t->wait_output('d0', qr/fake-agent pid=/);
is(input('d0', "say $DIALOG\r"), 200, 'd0: the trust dialog drawn while starting');
$t->wait_output('d0', qr/got: \r?\n/);
pass('d0: starting: the trust dialog answered (Enter reached the agent)');
sleep $QUIET;
my @enters = $t->output('d0') =~ /got: \r?\n/g;
is(scalar @enters, 1, 'd0: answered once only');

# Finding 4 played: while still starting, an approval box is open and a tool
# prints the trust dialog's words: nothing is pressed (before: Enter, which
# approved the command), and the approval stays open.
($s) = $t->create(name => 'd2', agentType => 'codex');
is($s, 201, 'create d2 (codex adapter)');
$t->wait_output('d2', qr/fake-agent pid=/);
input('d2', "say Would you like to run the following command?\\n  \$ rm -rf x\\n"
    . "> 1. Yes, proceed (y)\\n  2. No (esc)\r");
$t->wait_status('d2', qr/^waiting_approval$/);
pass('d2: starting, an approval box open');
is(input('d2', "say Trust this folder?\\n  1. Trust and continue\\n  2. Quit\r"), 200,
    'd2: a tool prints the trust dialog under the box');
sleep $QUIET;
unlike(scalar $t->output('d2'), qr/got: \r?\n/, 'd2: the trust text pressed nothing');
is($t->session('d2')->{state}, 'waiting_approval', 'd2: the approval is still open');

# Idle, then in a turn: nothing is pressed.
($s) = $t->create(name => 'd1', agentType => 'codex');
is($s, 201, 'create d1 (codex adapter)');
$t->wait_output('d1', qr/fake-agent pid=/);
input('d1', "say Ask Codex to do anything\\n? for shortcuts\r");
$t->wait_status('d1', qr/^idle$/);
pass('d1: idle by the composer on screen');
input('d1', "say $DIALOG\r");
sleep $QUIET;
unlike($t->output('d1'), qr/got: /, 'd1: idle: the trust dialog text pressed nothing');

input('d1', "say Ask Codex to do anything\\n? for shortcuts\r");
my (undef, $seq) = $t->output('d1');
my ($ms) = $t->message('d1', "say $DIALOG");
like($ms, qr/^20[02]$/, 'd1: a message that draws the dialog during the turn');
$t->wait_for(sub { scalar $t->output('d1', $seq) =~ /Trust and continue.*Quit/s }, 10,
    'the dialog drawn by the message');
is($t->session('d1')->{state}, 'working', 'd1: in a turn');
sleep $QUIET;
unlike(scalar $t->output('d1', $seq), qr/got: /, 'd1: during a turn: the trust dialog text pressed nothing');

for my $n (qw(d0 d1 d2)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
