#!/usr/bin/perl
# Approval spoofing (issue #12, attack review 1): a claude's tool has its
# session's key, so it can send a PermissionRequest of its own over hook.sock.
# t/bin/approval-spoof plays claude and that tool. The agent's environment has no
# key; while claude's own request waits, a second one is refused (its hook gets
# no decision, claude would ask in its own dialog; recorded) and the request the
# operator sees, and answers, stays claude's; a decision holds the
# pendingApproval's id: an id of a request no longer waiting is 409
# stale_approval, and a body without one (the seed API) answers what waits.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;

my $bin = tempdir('agentd-claude-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest::srcdir() . '/t/bin/approval-spoof', "$bin/claude") or die "symlink: $!";
my $t = AgentdTest->new(agents => { spoof => { default => "$bin/claude", adapter => 'claude' } });
my ($s, $j) = $t->create(name => 'sp', agentType => 'spoof');
is($s, 201, 'create the claude');
$t->wait_output('sp', qr/approval-spoof ready/);

sub type { my ($line) = @_; $t->post('/api/agents/sessions/sp/input', { data => "$line\r" }) }
sub events {
	my ($s, $j) = $t->get('/api/agents/sessions/sp?since=0&limit=1000');
	return $s == 200 ? @{$j->{events}} : ();
}

type('start');
$t->wait_status('sp', qr/^idle$/);
type('env');
like($t->wait_output('sp', qr/env-key: \w+/), qr/env-key: none/,
    'the agent has no session key in its environment');

# claude asks; a tool sends its own request meanwhile.
type('ask real Bash rm -rf /srv');
$j = $t->wait_status('sp', qr/^waiting_approval$/);
my $p = $j->{pendingApproval};
is($p->{tool}, 'Bash', 'pendingApproval: claude\'s request');
like($p->{id} // '', qr/^[0-9a-f-]{36}$/, 'pendingApproval has an id');
my $real = $p->{id};
type('spoof fake Read README');
like($t->wait_output('sp', qr/spoof fake: .*/), qr/spoof fake: 200 \{\}/,
    'the second request is answered without a decision');
$j = $t->session('sp');
is($j->{state}, 'waiting_approval', 'still waiting');
is($j->{pendingApproval}{id}, $real, 'the waiting approval is still claude\'s');
is($j->{pendingApproval}{tool}, 'Bash', 'and shows claude\'s tool');
my ($ref) = grep { $_->{type} eq 'permission_request_refused' } events();
ok($ref, 'the refused request is recorded');
is($ref->{event}{tool}, 'Read', 'with its tool') if $ref;
is($ref->{event}{waiting}, $real, 'and the approval that waits') if $ref;

($s, $j) = $t->post('/api/agents/sessions/sp/approval', { decision => 'allow', id => 'f' x 36 });
$t->is_err($s, $j, 409, 'stale_approval', 'a decision for another id');
($s, $j) = $t->post('/api/agents/sessions/sp/approval', { decision => 'allow', id => 'x' x 65 });
$t->is_err($s, $j, 400, 'invalid_field', 'an overlong id');
unlike($t->output('sp'), qr/hook real:/, 'claude\'s hook still waits');
($s, $j) = $t->post('/api/agents/sessions/sp/approval', { decision => 'allow', id => $real });
is($s, 200, 'the decision with its id');
like($t->wait_output('sp', qr/hook real: .*/), qr/hook real: .*"behavior":"allow"/,
    'claude\'s own hook gets the decision');

# A decision made for an approval that was answered meanwhile.
type('ask a Bash echo one');
$j = $t->wait_status('sp', qr/^waiting_approval$/);
my $first = $j->{pendingApproval}{id};
($s) = $t->post('/api/agents/sessions/sp/approval', { decision => 'deny', id => $first });
is($s, 200, 'the first is denied');
$t->wait_output('sp', qr/hook a: .*deny/);
type('ask b Bash echo two');
$j = $t->wait_for(sub {
	my $d = $t->session('sp');
	$d->{pendingApproval} && $d->{pendingApproval}{id} ne $first ? $d : undef;
}, 10, 'the second approval');
isnt($j->{pendingApproval}{id}, $first, 'the second has an id of its own');
($s, $j) = $t->post('/api/agents/sessions/sp/approval', { decision => 'allow', id => $first });
$t->is_err($s, $j, 409, 'stale_approval', 'the first one\'s id does not answer the second');
($s) = $t->post('/api/agents/sessions/sp/approval', { decision => 'allow' });
is($s, 200, 'no id (the seed API): it answers the one that waits');
like($t->wait_output('sp', qr/hook b: .*/), qr/hook b: .*"behavior":"allow"/, 'and it is b');

# A tool's other reports with the key (UserPromptSubmit, Stop) while claude's own
# request waits do not release it as "allowed at the terminal" (attack review):
# they are refused and recorded, the approval still waits, the operator answers it.
type('ask real2 Bash rm -rf /srv');
$j = $t->wait_for(sub {
	my $d = $t->session('sp');
	$d->{pendingApproval} && $d->{pendingApproval}{tool} eq 'Bash'
	    && ($d->{pendingApproval}{input}{command} // '') =~ m{/srv} ? $d : undef;
}, 10, 'the real request waits');
my $realid = $j->{pendingApproval}{id};
type('flood 1');
$t->wait_output('sp', qr/flooded 1/);
$t->wait_for(sub { grep { $_->{type} eq 'hook_refused' } events() }, 10, 'the refusal recorded');
pass('a report that does not follow the approval is refused and recorded');
$j = $t->session('sp');
is($j->{state}, 'waiting_approval', 'the approval still waits');
is($j->{pendingApproval} && $j->{pendingApproval}{id}, $realid, '... the same request');
ok(!(grep { ($_->{event}{by} // '') eq 'tui' } grep { $_->{type} eq 'approval' } events()),
    'no approval "by tui" that no human made');
($s) = $t->post('/api/agents/sessions/sp/approval', { decision => 'deny', id => $realid });
is($s, 200, "the operator answers claude's own request");
like($t->wait_output('sp', qr/hook real2: [^\n]*\n/), qr/hook real2: .*"behavior":"deny"/,
    'and claude gets the deny');

$t->done;
