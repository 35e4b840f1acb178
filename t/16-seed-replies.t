#!/usr/bin/perl
# Contract (issue #15, items 2, 6 and 7): the replies the seed source's clients
# check, and the endpoints they call.
#   UI       create without cwd/workingDirectory: the home ("leave empty to use
#            the home directory"), never 400 relative_path
#   UI/CLI   reset -> {reset: true}; DELETE -> {killed: true}
#   UI       pre-kill-debrief -> {debriefStarted, timeoutMs} (then it polls
#            debrief-status) or {debriefed, reason}; debrief-status -> {status:
#            pending | completed | timed-out | none}
#   headless POST .../send {text | message} -> {sent: true}, typed at once;
#            GET .../messages?last=N&role= -> {session, messages: [{role, content,
#            timestamp}], source, totalEvents}
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
my $home = tempdir('agentd-seed-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $fcs = AgentdTest->srcdir . '/t/bin/fake-claude-stream';
my $t = AgentdTest->new(conf => { home_root => $home },
    agents => { fc => { default => $fcs, adapter => 'claude' } });
my $S = '/api/agents/sessions';

# --- create: no directory is the home ----------------------------------------------------
my ($s, $j) = $t->post($S, { name => 'h1', agentType => 'fake', sessionType => 'pty' });
is($s, 201, 'create without cwd: 201');
is($j->{sessionName}, 'h1', '... sessionName');
is($j->{workingDirectory}, $home, '... in the home');
$t->wait_output('h1', qr/cwd=\Q$home\E/);
($s, $j) = $t->post($S, { name => 'h2', agentType => 'fake', cwd => '' });
is($s, 201, 'create with cwd "": 201');
is($j->{cwd}, $home, '... in the home');
($s, $j) = $t->post($S, { name => 'h3', agentType => 'fake', cwd => 'rel' });
$t->is_err($s, $j, 400, 'relative_path', 'a relative cwd is still refused');

# --- reset and delete ----------------------------------------------------------------------
($s, $j) = $t->post("$S/h1/reset", {});
is($s, 200, 'reset: 200');
is($j->{reset}, JSON::PP::true, 'reset: reset true');
is($j->{name}, 'h1', 'reset: the session beside');
($s, $j) = $t->post("$S/nosuch/reset", {});
$t->is_err($s, $j, 404, 'not_found', 'reset of an unknown session');
ok(!exists $j->{reset}, '... no reset flag on an error');

# --- debrief -----------------------------------------------------------------------------------
($s, $j) = $t->get("$S/h1/debrief-status");
is($s, 200, 'debrief-status: 200');
is($j->{status}, 'none', 'debrief-status: none before any');
($s, $j) = $t->post("$S/h1/pre-kill-debrief");
is($s, 200, 'pre-kill-debrief: 200');
is($j->{debriefed}, JSON::PP::true, 'pre-kill-debrief: debriefed');
is($j->{reason}, 'fallback', 'pre-kill-debrief: reason (a plain program: the fallback)');
ok(length($j->{report} // ''), 'pre-kill-debrief: the report beside');
($s, $j) = $t->get("$S/h1/debrief-status");
like($j->{status}, qr/^(?:completed|timed-out)$/, 'debrief-status: done');
is($j->{kind}, 'hotwash', 'debrief-status: kind');
# An agent's debrief, as the UI starts it: {debriefStarted, timeoutMs}, then its poll.
($s, $j) = $t->post($S, { name => 'd1', agentType => 'fc', sessionType => 'stream',
    cwd => $home, task => 'hello' });
is($s, 201, 'create d1 (a stream agent)');
$t->wait_for(sub { ($t->session('d1')->{state} // '') eq 'idle' }, 20, 'd1 idle');
($s, $j) = $t->post("$S/d1/pre-kill-debrief?async=1", {});
is($s, 202, 'pre-kill-debrief ?async=1: 202');
is($j->{debriefStarted}, JSON::PP::true, '... debriefStarted');
ok(($j->{timeoutMs} // 0) > 0, "... timeoutMs ($j->{timeoutMs})");
is($j->{timeoutMs}, ($j->{deadlineSeconds} // 0) * 1000, '... the deadline in ms');
my $ds;
$t->wait_for(sub { (undef, $ds) = $t->get("$S/d1/debrief-status");
    ($ds->{status} // '') =~ /^(?:completed|timed-out)$/ }, 60, 'the debrief to end');
like($ds->{status}, qr/^(?:completed|timed-out)$/, 'debrief-status polled: done');
$t->del("$S/d1");
($s, $j) = $t->get("$S/nosuch/debrief-status");
$t->is_err($s, $j, 404, 'not_found', 'debrief-status of an unknown session');

($s, $j) = $t->del("$S/h1");
is($s, 200, 'DELETE: 200');
is($j->{killed}, JSON::PP::true, 'DELETE: killed true');
($s, $j) = $t->del("$S/h1");
is($s, 200, 'DELETE of an ended session: 200');
is($j->{killed}, JSON::PP::true, '... killed true (nothing left to do)');
$t->del("$S/h2");

# --- send and messages --------------------------------------------------------------------
($s) = $t->create(name => 'm1', prompt => 'first');
is($s, 201, 'create m1');
$t->wait_output('m1', qr/got: first/);
($s, $j) = $t->post("$S/m1/send", { text => 'typed now' });
is($s, 200, 'send: 200');
is_deeply($j, { sent => JSON::PP::true }, 'send: {sent: true}');
$t->wait_output('m1', qr/got: typed now/);
pass('send: typed into the terminal');
($s, $j) = $t->post("$S/m1/send", { message => 'by alias' });
is($s, 200, 'send {message}: 200');
$t->wait_output('m1', qr/got: by alias/);
($s, $j) = $t->post("$S/m1/send", {});
$t->is_err($s, $j, 400, 'invalid_field', 'send without text');
($s, $j) = $t->post("$S/nosuch/send", { text => 'x' });
$t->is_err($s, $j, 404, 'not_found', 'send to an unknown session');
$t->message('m1', 'second');
$t->wait_output('m1', qr/got: second/);
($s, $j) = $t->get("$S/m1/messages");
is($s, 200, 'messages: 200');
is($j->{session}, 'm1', 'messages: session');
is($j->{source}, 'input', 'messages: source (no agent record: what was sent)');
ok($j->{totalEvents} >= 2, 'messages: totalEvents');
is_deeply([map { [$_->{role}, $_->{content}] } @{$j->{messages}}],
    [['user', 'first'], ['user', 'second']], 'messages: role and content, oldest first');
like($j->{messages}[0]{timestamp} // '', qr/^\d{4}-.*Z$/, 'messages: timestamp');
($s, $j) = $t->get("$S/m1/messages?last=1&role=user");
is_deeply([map { $_->{content} } @{$j->{messages}}], ['second'], 'messages ?last=1: the last one');
($s, $j) = $t->get("$S/m1/messages?role=assistant");
is_deeply($j->{messages}, [], 'messages ?role=assistant: none from a plain program');
($s, $j) = $t->get("$S/m1/messages?role=robot");
$t->is_err($s, $j, 400, 'invalid_field', 'messages ?role= unknown');
$t->message('m1', 'exit 0');
$t->wait_status('m1', qr/^exited$/);
($s, $j) = $t->post("$S/m1/send", { text => 'late' });
$t->is_err($s, $j, 409, 'session_ended', 'send to an ended session');
($s, $j) = $t->get("$S/m1/messages");
is(scalar @{$j->{messages}}, 3, 'messages of an ended session still answer');

# An agent whose own record is read (claude's stream here): the conversation, both
# roles, a tool use as an assistant message with toolUse.
($s) = $t->create(name => 'm2', agentType => 'fc', transport => 'stream',
    prompt => 'hello there');
is($s, 201, 'create m2 (claude, stream)');
$t->wait_status('m2', qr/^idle$/, 30);
$t->message('m2', 'RUNTOOL please');
$t->wait_status('m2', qr/^waiting_approval$/, 30);
($s) = $t->post("$S/m2/approval", { decision => 'allow' });
is($s, 200, 'm2: the tool allowed');
$t->wait_status('m2', qr/^idle$/, 30);
($s, $j) = $t->get("$S/m2/messages?last=50");
is($s, 200, 'messages of an agent: 200');
is($j->{source}, 'transcript', "messages: source transcript (the agent's own record)");
my @m = @{$j->{messages}};
is($m[0]{role}, 'user', 'messages: the prompt first, role user');
is($m[0]{content}, 'hello there', '... its text');
ok((grep { $_->{role} eq 'assistant' && ($_->{content} // '') =~ /FAKE_REPLY/ } @m),
    'messages: the reply, role assistant');
my ($tu) = grep { $_->{toolUse} } @m;
is($tu->{role}, 'assistant', 'messages: a tool use is an assistant message');
is($tu->{toolUse}{name}, 'Bash', '... toolUse.name');
ok(ref $tu->{toolUse}{input} eq 'HASH' && defined $tu->{toolUse}{id}, '... toolUse.input and id');
($s, $j) = $t->get("$S/m2/messages?role=user&last=50");
ok(!grep({ $_->{role} ne 'user' } @{$j->{messages}}), 'messages ?role=user: users only');
($s, $j) = $t->get("$S/m2/messages?role=assistant&last=50");
ok(@{$j->{messages}} && !grep({ $_->{role} ne 'assistant' } @{$j->{messages}}),
    'messages ?role=assistant: the agent only');
$t->del("$S/m2");

$t->done;
