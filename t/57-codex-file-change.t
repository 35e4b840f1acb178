#!/usr/bin/perl
# codex's file changes (issue #14): a model of codex's catalog (gpt-5.5) gets its
# apply_patch tool, and t/bin/fake-model's PATCHFILE asks for a patch that adds a
# file, which codex in its read-only sandbox (-a on-request -s read-only: a type
# of that command, adapter codex) does not write without asking. (A file outside
# the workspace would ask in workspace-write too, but agentd's own sandbox lets
# the agent write only there.) In a stream session (`codex app-server`) that is
# its item/fileChange/requestApproval: allow -> the file is written; in another
# session deny -> it is not. In its TUI, its PermissionRequest hook reports the
# patch (tool apply_patch, the patch as its command) and the API's answer is
# typed into its box "Would you like to make the following edits?", which names
# the file: allow -> written; deny (esc) -> not, and the turn ends there.
# TEST_CODEX_CASES limits the cases (stream-allow, stream-deny, tty-allow,
# tty-deny).
#
# codex's TUI with that model first offers another ("Meet GPT-6 Sol ... 1. Try
# new model 2. Use existing model"), drawn after its composer, where agentd had
# already typed the prompt: the offer is declined (a dialog event), the prompt
# goes on, and every model request asks for gpt-5.5.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use AgentMatrix;
use File::Path qw(make_path);
use Test::More;

AgentdTest->require_stack;
AgentdTest->require_agent('codex');
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;

AgentdTest->agents_tmpdir('t57p');

my $cmd = 'codex --no-daemon -m gpt-5.5 -a on-request -s read-only';
my $t = AgentdTest->new(real_agents => 1,
    agents => { cx55 => { default => $cmd, adapter => 'codex' } });
matrix_init($t, $TURN);

our @cases;
for my $k (qw(stream-allow stream-deny tty-allow tty-deny)) {
	next if $ENV{TEST_CODEX_CASES} && !grep { $k eq $_ } split /,/, $ENV{TEST_CODEX_CASES};
	my ($tr, $decision) = split /-/, $k;
	my $name = "cxp-$k";
	push @cases, { name => $name, tr => $tr, decision => $decision,
	    work => $t->workdir . "/$name", file => $t->workdir . "/$name/patched.txt" };
}

for my $c (@cases) {
	make_path($c->{work});
	my ($s, $j) = $t->create(name => $c->{name}, agentType => 'cx55',
	    transport => $c->{tr}, workingDirectory => $c->{work},
	    prompt => "PATCHFILE $c->{file}");
	is($s, 201, "$c->{name}: create with a prompt asking for a patch") or diag explain $j;
}
wait_all(\@cases, 'waiting_approval (the patch)', sub { status_of($_[0]{name}) eq 'waiting_approval' });
for my $c (@cases) {
	my $d = $t->session($c->{name});
	is($d->{statusSource}, $c->{tr} eq 'stream' ? 'stream' : 'hook',
	    "$c->{name}: waiting, said by its " . ($c->{tr} eq 'stream' ? 'stream' : 'hook'));
	is($d->{pendingApproval}{tool}, 'apply_patch', "$c->{name}: the pending tool is the patch");
	like(enc($d->{pendingApproval}{input}), qr/\Q$c->{file}\E/,
	    "$c->{name}: its input names the file");
	ok(!-e $c->{file}, "$c->{name}: nothing written before the answer");
	$c->{seq} = $d->{lastSeq};
	my ($s) = $t->post("/api/agents/sessions/$c->{name}/approval",
	    { decision => $c->{decision}, id => $d->{pendingApproval}{id} });
	is($s, 200, "$c->{name}: $c->{decision}");
}
# A declined change is reported to the model, which goes on (its TUI's esc ends
# the turn instead).
my @on = grep { $_->{tr} eq 'stream' || $_->{decision} eq 'allow' } @cases;
wait_all(\@on, 'the turn after the answer', sub { reply_event($_[0], qr/FAKE_DONE/) });
wait_all(\@cases, 'idle after the answer', sub { status_of($_[0]{name}) eq 'idle' });
for my $c (@cases) {
	if ($c->{decision} eq 'allow') {
		ok(-e $c->{file}, "$c->{name}: the allowed patch wrote the file");
		is(-e $c->{file} && do { local (@ARGV, $/) = $c->{file}; <> }, "hi\n",
		    "$c->{name}: with the patch's text");
	} else {
		ok(!-e $c->{file}, "$c->{name}: the denied patch wrote nothing");
	}
	my @ev = events($c->{name}, $c->{seq});
	my ($e) = grep { $_->{type} eq 'approval' } @ev;
	is($e && $e->{event}{decision}, $c->{decision}, "$c->{name}: approval event: $c->{decision}");
	is($e && $e->{event}{by}, scalar getpwuid($>), "$c->{name}: by the caller");
	ok((grep { $_->{type} eq 'tool_result' } @ev), "$c->{name}: the patch's result")
	    if grep { $_ == $c } @on;
	like(AgentdTest::strip_ansi(scalar $t->output($c->{name})),
	    $c->{decision} eq 'allow' ? qr/allowed by/ : qr/denied by/,
	    "$c->{name}: rendering: the approval") if $c->{tr} eq 'stream';
	my ($s) = $t->post("/api/agents/sessions/$c->{name}/approval", { decision => 'allow' });
	is($s, 409, "$c->{name}: nothing pending after it: 409");
}

# The TUI's model offer, declined; the model named kept.
for my $c (grep { $_->{tr} eq 'tty' } @cases) {
	my @d = grep { $_->{type} eq 'dialog' && ($_->{event}{dialog} // '') eq 'promotion' }
	    events($c->{name}, 0);
	is(scalar(@d), 1, "$c->{name}: the model offer answered once");
	is($d[0] && $d[0]{event}{answer}, 'declined', "$c->{name}: the offer declined");
}
my @req = grep { ($_->{prompt} // '') =~ /PATCHFILE/ } $t->model_requests;
ok(@req, 'the prompts reached the model');
is(join(',', grep { ($_ // '') ne 'gpt-5.5' } map { $_->{model} } @req), '',
    'every request asks for the configured model');

delete_all(\@cases);
$t->stop;
done_testing;
