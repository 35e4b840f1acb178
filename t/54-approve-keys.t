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
#  - The terminal's input queue full (the agent reads nothing a while): the
#    approval's keys wait until the terminal has read that input (the box would
#    take it first), and a message for it waits in the agent's queue; both are
#    typed when it reads again. Before: session_input refused both (input_full),
#    nothing was typed, and each was recorded as done.
#  - A message longer than input_queue_bytes: typed into the empty queue, not
#    kept at the head of the agent's queue.
#  - A message of several lines: one bracketed paste when the TUI asked for it
#    (claude and codex do), its newlines not Enters (and the paste's end marker
#    in it dropped); typed as keys otherwise. Before: always as keys.
#  - A message of one line: its ESC characters dropped too, and its other
#    control characters but tab (they would press the TUI's own keys: Esc
#    denies a box, CR submits, ^C interrupts). Before: typed.
#  - A request a hook reported (codex's hooks: an agent's tool may send one with
#    its session's key) whose box never shows, or shows another command: the
#    API's answer types nothing, and an error event says so. Before: the keys
#    went 10 s later anyway, into the composer. While it waits, another request
#    or a report that does not follow it (a Stop) is refused. Its box must be
#    the only one on screen (a command may show a question of its own).
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
symlink(AgentdTest->srcdir . '/t/bin/fake-agent', "$bin/$_") or die "symlink: $!"
    for qw(claude codex);
my $t = AgentdTest->new(projects => 1, agents => { claude => "$bin/claude", codex => "$bin/codex" },
    conf => { input_queue_bytes => 65536 });
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

# The agent stops reading its terminal; a client's input fills the queue (429) to
# its last byte, in a line left open ("y"s: the next key typed ends it).
sub deaf {
	my ($name) = @_;
	my ($cwd) = $t->output($name) =~ /fake-agent pid=\d+ pgid=\d+ args=\S* cwd=(\S+)/;
	my $path = "/api/agents/sessions/$name/input";
	input($name, "deaf $cwd/hear-$name\r");
	$t->wait_output($name, qr/deaf until/);
	my ($s, $j);
	for (1 .. 1000) {
		($s, $j) = $t->post($path, { data => ('x' x 999) . "\r" });
		last if $s != 200;
	}
	is($s, 429, "$name: its input queue full");
	is($j->{code}, 'input_full', "$name: input_full");
	for (my $k = 512; $k >= 1; $k >>= 1) {
		1 while ($t->post($path, { data => 'y' x $k }))[0] == 200;
	}
	is(($t->post($path, { data => 'y' }))[0], 429, "$name: full to the last byte");
	return "$cwd/hear-$name";
}
sub hear {
	my ($name, $file) = @_;
	open(my $fh, '>', $file) or die "$file: $!";
	close $fh;
	$t->wait_output($name, qr/hearing/);
}
# 3. Allowed while the queue is full: the key (Enter) goes behind the input.
waiting('k3');
my $hear = deaf('k3');
($s) = $t->post('/api/agents/sessions/k3/approval', { decision => 'allow' });
is($s, 200, 'k3: allow, the queue full');
sleep 1;	# an absence: the keys are looked at every 200 ms once the box shows
is(scalar(approvals('k3')), 0, 'k3: no key typed behind the unread input');
hear('k3', $hear);
# The backlog's answers scrolled the box away (a TUI keeps its box drawn; this
# agent prints lines): the y's line ended, the box drawn again, the key goes
# once the terminal has read that too, and never without the box.
input('k3', "\r");
$t->wait_output('k3', qr/got: y+\r?\n/, 15);
input('k3', "say $BOX\r");
($d) = $t->wait_for(sub { (approvals('k3'))[0] }, 20, 'the approval event of k3');
ok(!$d->{late}, 'k3: applied');
$t->wait_output('k3', qr/2\. No\s*got: \r?\n/, 15);
pass('k3: the key (Enter) typed once the terminal has read the input, into the box');

# 4. A message, the queue full: it waits in the agent's queue, not dropped.
($s) = $t->create(name => 'k4', agentType => 'claude');
is($s, 201, 'create k4 (claude adapter)');
$t->wait_output('k4', qr/fake-agent pid=/);
input('k4', "say ? for shortcuts\r");
$t->wait_status('k4', qr/^idle$/);
$hear = deaf('k4');
($s) = $t->message('k4', 'hello while full');
is($s, 200, 'k4: a message, the queue full');
hear('k4', $hear);
# The backlog's answers scrolled the footer away: the "y"s' line ended, the
# composer back on a line of its own (not cut by a wrap), then it goes. (When
# the footer was still on screen as the terminal read again, it went at once,
# onto the open line of "y"s: typed whole either way.)
input('k4', "\r");
input('k4', "say ? for shortcuts\r");
ok(eval { $t->wait_output('k4', qr/got: y*hello while full/, 15); 1 },
    'k4: the message typed once the terminal reads again') or do {
	my $j = $t->session('k4');
	diag(join(' ', map { $_->{type} . ($_->{event}{via} ? ":$_->{event}{via}" : '') }
	    @{$j->{events} // []}));
	my $o = $t->output('k4') =~ s/x{50,}/X/gr =~ s/y{50,}/Y/gr;
	diag(substr($o, -400) =~ s/\r/\\r/gr =~ s/\n/\\n/gr);
};

# 5. A message longer than the whole queue (64 KiB here): typed, since nothing waits.
($s) = $t->create(name => 'k5', agentType => 'claude');
is($s, 201, 'create k5 (claude adapter)');
$t->wait_output('k5', qr/fake-agent pid=/);
input('k5', "say ? for shortcuts\r");
$t->wait_status('k5', qr/^idle$/);
($s) = $t->message('k5', join("\n", map { "m$_" . ('m' x 990) } 1 .. 70));
is($s, 200, 'k5: a message of 70 KiB');
$t->wait_output('k5', qr/got: m70m{990}/, 15);
pass('k5: typed whole');

# 6. codex: its PermissionRequest hook reports a request (here sent as an agent's
# tool could: the hook command of its arguments, -c hooks.EVENT=...) and no box
# is ever drawn.
sub codex_hook {
	my ($name, $ev) = @_;
	my ($cmd) = $t->output($name) =~ /,hooks\.$ev->{hook_event_name}=\[\{hooks=\[\{
	    type="command",command="((?:[^"\\]|\\.)*)"/x or return;
	$cmd =~ s/\\(.)/$1/g;
	my $kid = open2(my $out, my $in, 'sh', '-c', $cmd);
	print $in $json->encode($ev);
	close $in;
	my $o = do { local $/; <$out> };
	waitpid($kid, 0);
	return $? == 0 && $o eq '';
}
($s) = $t->create(name => 'k6', agentType => 'codex');
is($s, 201, 'create k6 (codex adapter)');
$t->wait_output('k6', qr/fake-agent pid=/);
input('k6', "say Ask Codex to do anything ? for shortcuts\r");
$t->wait_status('k6', qr/^idle$/);
($s) = $t->message('k6', 'a turn');
is($s, 200, 'k6: a message');
$t->wait_output('k6', qr/got: a turn/);
ok(codex_hook('k6', { hook_event_name => 'PermissionRequest', tool_name => 'Bash',
    tool_input => { command => 'echo forged' } }),
    'k6: its PermissionRequest hook reports, and prints no decision');
$t->wait_status('k6', qr/^waiting_approval$/);
my $k6 = $t->session('k6');
is($k6->{statusSource}, 'hook', 'k6: waiting, said by its hook');
is($k6->{pendingApproval}{tool}, 'exec_command', 'k6: the tool named as codex\'s rollout does');
($s) = $t->post('/api/agents/sessions/k6/approval', { decision => 'allow' });
is($s, 200, 'k6: allow, no box on screen');
my $err = $t->wait_for(sub { (grep { $_->{type} eq 'error' } @{$t->session('k6')->{events}})[0] },
    20, 'the error event of k6');
like($err->{event}{text}, qr/approval box never showed/, 'k6: an error event says no key was typed');
input('k6', "\r");
$t->wait_output('k6', qr/got: \r?\n/);
unlike(scalar $t->output('k6'), qr/got: y/, 'k6: no key typed (allow is "y")');
is(scalar(approvals('k6')), 0, 'k6: no approval recorded as applied');
is($t->session('k6')->{state}, 'waiting_approval', 'k6: the request still waits');
# While it waits, another request, or a report that does not follow it, is refused.
ok(codex_hook('k6', { hook_event_name => 'PermissionRequest', tool_name => 'Bash',
    tool_input => { command => 'ls' } }), 'k6: a second request reported');
ok(codex_hook('k6', { hook_event_name => 'Stop' }), 'k6: a Stop reported while it waits');
$k6 = $t->session('k6');
my %refused = map { $_->{type} => 1 } @{$k6->{events}};
ok($refused{permission_request_refused}, 'k6: the second request refused');
ok($refused{hook_refused}, 'k6: the Stop refused');
is($k6->{state}, 'waiting_approval', 'k6: still waiting');
is($k6->{pendingApproval}{input}{command}, 'echo forged', 'k6: for the first request');
# A box for another command than the one asked: not this approval's, no key.
my $CBOX = '  Would you like to run the following command?\n  Reason: x\n  $ %s\n'
    . '  1. Yes, proceed (y)';
input('k6', sprintf("say $CBOX\r", 'rm -rf x'));
$t->wait_output('k6', qr/\$ rm -rf x/);
($s) = $t->post('/api/agents/sessions/k6/approval', { decision => 'allow' });
is($s, 200, 'k6: allow, the box for another command');
$t->wait_for(sub { (grep { $_->{type} eq 'error' } @{$t->session('k6')->{events}})[1] },
    20, 'the second error event of k6');
input('k6', "\r");
$t->wait_output('k6', qr/got: \r?\n(?:.*\n)*got: \r?\n/);
unlike(scalar $t->output('k6'), qr/got: y/, 'k6: no key typed into the other box');
# Its own box, drawn in place of the other (two questions on screen take no key):
# the key goes.
input('k6', sprintf("draw $CBOX\r", 'echo forged'));
$t->wait_output('k6', qr/\$ echo forged/);
($s) = $t->post('/api/agents/sessions/k6/approval', { decision => 'allow' });
is($s, 200, 'k6: allow, its box on screen');
my ($k6a) = $t->wait_for(sub { (approvals('k6'))[0] }, 15, 'the approval event of k6');
ok(!$k6a->{late}, 'k6: applied');
input('k6', "\r");
$t->wait_output('k6', qr/got: y\r?\n/);
pass('k6: "y" typed into its box');

# 7. Several lines, to a TUI that asked for bracketed paste, then to one that did not.
for my $n (qw(k7 k8)) {
	($s) = $t->create(name => $n, agentType => 'claude');
	is($s, 201, "create $n (claude adapter)");
	$t->wait_output($n, qr/fake-agent pid=/);
	if ($n eq 'k7') {
		input($n, "bracketed\r");
		$t->wait_output($n, qr/bracketed on/);
	}
	input($n, "say ? for shortcuts\r");
	$t->wait_status($n, qr/^idle$/);
	($s) = $t->message($n, "first line\nsecond line\e[201~ third");
	is($s, 200, "$n: a message of two lines");
}
$t->wait_output('k7', qr/pasted: first line\\nsecond line\[201~ third\r?\n/);
pass('k7: one paste, the ESC of its end marker dropped');
$t->wait_output('k7', qr/pasted: [^\n]*\n(?:.*\n)?got: \r?\n/);
pass('k7: then Enter');
unlike(scalar $t->output('k7'), qr/got: first line/, 'k7: no line typed as keys');
$t->wait_output('k8', qr/got: first line\r?\n/);
pass('k8: no bracketed paste asked for: typed as keys');

# 8. A message of one line: its ESC characters are not typed (no key of the TUI's own).
($s) = $t->create(name => 'k9', agentType => 'claude');
is($s, 201, 'create k9 (claude adapter)');
$t->wait_output('k9', qr/fake-agent pid=/);
input('k9', "say ? for shortcuts\r");
$t->wait_status('k9', qr/^idle$/);
($s) = $t->message('k9', "one\e[A\x03\rtw\x7fo\e");
is($s, 200, 'k9: a message of one line with ESC, ^C, CR and DEL in it');
$t->wait_output('k9', qr/got: one\[Atwo\r?\n/);
pass('k9: typed without its control characters');
($s, my $j9) = $t->message('k9', "\r\x03\e");
$t->is_err($s, $j9, 400, 'invalid_field', 'k9: a message of control characters only');

for my $n (qw(k1 k2 k3 k4 k5 k6 k7 k8 k9)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
