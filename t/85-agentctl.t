#!/usr/bin/perl
# agentctl through nginx: every command, its errors and exit status (0 ok,
# 1 API error with the JSON message, 2 usage, 3 unreachable), credentials
# (token, --header) and the workers commands on a temporary repository.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use JSON::PP;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(agents => { sh => q{sh -c 'PS1="sh> " exec sh -i'} });
my $wd = $t->workdir;
my $JSON = JSON::PP->new->utf8;
sub ctl { return $t->agentctl({}, @_) }
sub ctl_ok {
	my ($what, @args) = @_;
	my ($rc, $out, $err) = ctl(@args);
	is($rc, 0, "$what: exit 0") or diag("stderr: $err");
	return $out;
}
sub ctl_fails {
	my ($what, $want_rc, $err_re, @args) = @_;
	my ($rc, $out, $err) = ctl(@args);
	is($rc, $want_rc, "$what: exit $want_rc");
	like($err, $err_re, "$what: says why") if defined $err_re;
	return $err;
}

# --- usage: exit 2 --------------------------------------------------------------
ctl_fails('no command', 2, qr/usage: agentctl/);
ctl_fails('unknown command', 2, qr/unknown command: frob/, 'frob');
ctl_fails('unknown option', 2, qr/usage: agentctl ls/, 'ls', '--frob');
ctl_fails('new without -t', 2, qr/usage: agentctl new/, 'new', 'x');
ctl_fails('send without a name', 2, qr/usage: agentctl send/, 'send');
ctl_fails('wait without --status', 2, qr/usage: agentctl wait/, 'wait', 'x');
ctl_fails('complete without -s', 2, qr/usage: agentctl complete/, 'complete', 'x');
ctl_fails('logs --since not a number', 2, qr/--since/, 'logs', 'x', '--since', 'abc');
ctl_fails('a header without a colon', 2, qr/--header/, '--header', 'nocolon', 'ls');
ctl_fails('attach with a bad prefix', 2, qr/--prefix/, 'attach', 'x', '--prefix', 'C-');
like(ctl_ok('help', 'help'), qr/agentctl attach NAME/, 'help lists the commands');
like(ctl_ok('--version', '--version'), qr/^agentctl \d/, '--version');

# --- unreachable: exit 3 --------------------------------------------------------
ctl_fails('nothing listens', 3, qr/127\.0\.0\.1:1\b.*connect/i, '--url', 'http://127.0.0.1:1',
    'ls');
my ($rc, $out, $err) = $t->agentctl({ env => { AGENTD_URL => 'http://127.0.0.1:1' } }, 'ls');
is($rc, 3, 'AGENTD_URL is the server');
($rc) = $t->agentctl({ env => { AGENTD_URL => 'http://127.0.0.1:1' } }, 'attach', 'x');
is($rc, 3, 'attach: unreachable is 3 too');

# --- ls, new ---------------------------------------------------------------------
$out = ctl_ok('ls (empty)', 'ls');
like($out, qr/^NAME\s+TYPE\s+STATUS\s+PID\s+CREATED\s+DIRECTORY\n\z/, 'ls: only the header');
is_deeply($JSON->decode(ctl_ok('ls --json', 'ls', '--json')), [], 'ls --json: []');

$out = ctl_ok('new', 'new', 'f1', '-t', 'fake', '-d', $wd, '-p', 'the prompt');
like($out, qr/^f1 pid \d+ (?:starting|running)$/m, 'new prints name, pid and status');
$t->wait_output('f1', qr/got: the prompt/);
pass('new: the prompt reaches the agent');
my $j = $JSON->decode(ctl_ok('new --json', 'new', 'f2', '-t', 'fake', '-d', $wd,
    '-m', 'acceptEdits', '--json'));
is($j->{name}, 'f2', 'new --json: the create reply');
is($j->{permissionMode}, 'acceptEdits', 'new -m: permissionMode');
ctl_fails('new: a live name again', 1, qr/f1.*\(409 exists\)/, 'new', 'f1', '-t', 'fake',
    '-d', $wd);
ctl_fails('new: unknown agent type', 1, qr/\(400 invalid_agent_type\)/, 'new', 'f3', '-t', 'nope',
    '-d', $wd);
ctl_fails('new: bad directory', 1, qr/\(422 bad_directory\)/, 'new', 'f3', '-t', 'fake', '-d',
    "$wd/missing");
ctl_fails('new: bad name', 1, qr/\(400 invalid_name\)/, 'new', 'a b', '-t', 'fake', '-d', $wd);
ctl_ok('new: a shell', 'new', 's1', '-t', 'sh', '-d', $wd);

$out = ctl_ok('ls', 'ls');
like($out, qr/^f1\s+fake\s+running\s+\d+\s+\S+Z\s+\Q$wd\E$/m, 'ls: a row per session');
like($out, qr/^s1\s+sh\s/m, 'ls: the shell too');
$j = $JSON->decode(ctl_ok('ls --json', 'ls', '--json'));
is_deeply([sort map { $_->{name} } @$j], [qw(f1 f2 s1)], 'ls --json: the list');

# --- send --------------------------------------------------------------------------
ctl_ok('send TEXT', 'send', 's1', 'echo sent-$((40+2))');
$t->wait_output('s1', qr/^sent-42\r?$/m);
pass('send: the text and Enter reach the agent');
($rc, $out, $err) = $t->agentctl({ stdin => "echo piped-\$((1+1))\n" }, 'send', 's1', '-');
is($rc, 0, 'send -: exit 0');
$t->wait_output('s1', qr/^piped-2\r?$/m);
pass('send -: the message from stdin');
($rc) = $t->agentctl({ stdin => "echo stdin-\$((2+2))\n" }, 'send', 's1');
is($rc, 0, 'send without TEXT reads stdin');
$t->wait_output('s1', qr/^stdin-4\r?$/m);
pass('send without TEXT: delivered');
ctl_fails('send to an unknown session', 1, qr/^agentctl: .*nosuch.* \(404 not_found\)$/m,
    'send', 'nosuch', 'x');

# --- logs -----------------------------------------------------------------------------
$out = ctl_ok('logs', 'logs', 'f1');
my @ev = map { $JSON->decode($_) } split /\n/, $out;
ok(@ev >= 2, 'logs: one JSON event per line');
is($ev[0]{type}, 'created', 'logs: the created event first');
ok((grep { $_->{type} eq 'message' && $_->{event}{text} eq 'the prompt' } @ev),
    'logs: the prompt as a message event');
my $first = $ev[0]{seq};
$out = ctl_ok('logs --since', 'logs', 'f1', '--since', $first);
ok(!(grep { $JSON->decode($_)->{seq} <= $first } split /\n/, $out), 'logs --since: after it');
$out = ctl_ok('logs --raw', 'logs', 's1', '--raw');
like($out, qr/^sent-42\r?$/m, 'logs --raw: the terminal bytes');
like($out, qr/^piped-2\r?$/m, 'logs --raw: all of them');
ctl_fails('logs of an unknown session', 1, qr/\(404 not_found\)/, 'logs', 'nosuch');
ctl_fails('logs --raw of an unknown session', 1, qr/\(404 not_found\)/, 'logs', 'nosuch', '--raw');

# -f: the history, then live, until the session ends.
my $fj = $t->agentctl_start({}, 'logs', 'f1', '-f');
my $fr = $t->agentctl_start({}, 'logs', 's1', '-f', '--raw');
$t->wait_for(sub { $t->agentctl_stdout($fj) =~ /"the prompt"/ }, 10, 'logs -f history');
$t->wait_for(sub { $t->agentctl_stdout($fr) =~ /sent-42/ }, 10, 'logs -f --raw history');
$t->message('f1', 'live one');
$t->message('s1', 'echo live-$((3*3))');
$t->wait_for(sub { $t->agentctl_stdout($fj) =~ /"live one"/ }, 10, 'logs -f: a live event');
$t->wait_for(sub { $t->agentctl_stdout($fr) =~ /^live-9\r?$/m }, 10, 'logs -f --raw: live');
pass('logs -f: live events and output');
$t->message('f1', 'exit 3');
($rc, $out) = $t->agentctl_wait($fj, 15);
is($rc, 0, 'logs -f ends with the session, exit 0');
@ev = map { $JSON->decode($_) } split /\n/, $out;
my %seen;
ok(!(grep { $seen{$_->{seq}}++ } @ev), 'logs -f: no event twice');
is($ev[-1]{type}, 'exit', 'logs -f: the exit event last');
is($ev[-1]{event}{exitCode}, 3, 'logs -f: with its exit code');

# --- wait --------------------------------------------------------------------------------
is(ctl_ok('wait for a status it has', 'wait', 'f2', '--status', 'running'), "running\n",
    'wait prints the status');
is(ctl_ok('wait for one of several', 'wait', 'f1', '--status', 'idle,exited'), "exited\n",
    'wait --status A,B');
ctl_fails('wait --timeout', 1, qr/timed out waiting for f2 to be idle \(status running\)/,
    'wait', 'f2', '--status', 'idle', '--timeout', '1');
ctl_fails('wait on an ended session', 1, qr/f1 has ended \(status exited\)/,
    'wait', 'f1', '--status', 'running');
ctl_fails('wait on an unknown session', 1, qr/\(404 not_found\)/, 'wait', 'nosuch',
    '--status', 'running');
my $wh = $t->agentctl_start({}, 'wait', 'f2', '--status', 'exited', '--timeout', '20');
$t->message('f2', 'exit 0');
($rc, $out) = $t->agentctl_wait($wh, 25);
is($rc, 0, 'wait returns once the status comes');
is($out, "exited\n", 'wait: the status it waited for');

# --- complete, approve, deny, debrief, world, diff ------------------------------------------
ctl_ok('complete', 'complete', 'f1', '-s', 'success', '-c', 'all green');
is($t->session('f1')->{completion}{comment}, 'all green', 'complete: stored');
$j = $JSON->decode(ctl_ok('complete --json', 'complete', 'f1', '-s', 'success', '--json'));
ok(ref $j eq 'HASH', 'complete --json: the reply');
ctl_fails('complete: an unknown session', 1, qr/\(404 not_found\)/, 'complete', 'nosuch',
    '-s', 'success');
ctl_fails('complete: a bad status', 1, qr/\(400 invalid_field\)/, 'complete', 'f1', '-s', '');

ctl_fails('approve: nothing pending', 1, qr/\(409 nothing_pending\)/, 'approve', 's1');
ctl_fails('deny -m: nothing pending', 1, qr/\(409 nothing_pending\)/, 'deny', 's1', '-m', 'no');
ctl_fails('approve: unknown session', 1, qr/\(404 not_found\)/, 'approve', 'nosuch');

$out = ctl_ok('debrief', 'debrief', 's1');
like($out, qr/^# Hotwash: s1/m, 'debrief prints the report');
$j = $JSON->decode(ctl_ok('debrief --last --json', 'debrief', 's1', '--last', '--json'));
is($j->{kind}, 'hotwash', 'debrief --last --json: the stored debrief');
ctl_fails('debrief: unknown session', 1, qr/\(404 not_found\)/, 'debrief', 'nosuch');

$out = ctl_ok('world', 'world');
like($out, qr/^agents 1\b/, 'world: the totals');
like($out, qr/^s1\s+sh\s+standalone\s+running\s/m, 'world: a row per live agent');
unlike($out, qr/^f1\s/m, 'world: not the ended ones');
$j = $JSON->decode(ctl_ok('world --json', 'world', '--json'));
is_deeply([map { $_->{name} } @$j], ['s1'], 'world --json: the reply');

ctl_fails('diff: not a repository', 1, qr/\(422 not_a_repository\)/, 'diff', 's1');
ctl_fails('diff: unknown session', 1, qr/\(404 not_found\)/, 'diff', 'nosuch');

# --- workers, dispatch -------------------------------------------------------------------
my $repo = "$wd/repo";
mkdir $repo or die;
system("cd '$repo' && git init -q -b main && git -c user.name=t -c user.email=t\@t "
    . "commit -q --allow-empty -m init") == 0 or die "git init failed\n";
ctl_ok('new parent', 'new', 'p1', '-t', 'fake', '-d', $repo);
$out = ctl_ok('workers (none)', 'workers', 'p1');
like($out, qr/^p1: 0 workers, 0 running\nNAME\s+STATUS/, 'workers: the counts and the header');
$out = ctl_ok('dispatch', 'dispatch', 'p1', 'fix the thing', '-b', 'fix-1');
like($out, qr/^p1\.fix-1 branch fix-1 worktree \S+fix-1$/, 'dispatch: the worker');
$out = ctl_ok('workers', 'workers', 'p1');
like($out, qr/^p1: 1 workers, 1 running$/m, 'workers: counted');
like($out, qr/^p1\.fix-1\s+\S+\s+fix-1\s/m, 'workers: a row');
$j = $JSON->decode(ctl_ok('workers --json', 'workers', 'p1', '--json'));
is($j->[0]{branch}, 'fix-1', 'workers --json');
ctl_fails('dispatch: the branch again', 1, qr/\(409 exists\)/, 'dispatch', 'p1', 'again', '-b',
    'fix-1');
ctl_fails('dispatch: not a repository', 1, qr/\(422 not_a_repository\)/, 'dispatch', 's1', 'x',
    '-b', 'b1');
ctl_fails('dispatch: unknown parent', 1, qr/\(404 not_found\)/, 'dispatch', 'nosuch', 'x',
    '-b', 'b1');
ctl_fails('dispatch: no task', 2, qr/usage: agentctl dispatch/, 'dispatch', 'p1');
ctl_fails('workers: unknown parent', 1, qr/\(404 not_found\)/, 'workers', 'nosuch');

# --- diff: the worker's worktree against its base commit, as git prints it -----------------
my $wt = $j->[0]{worktree};
is(ctl_ok('diff: no change yet', 'diff', 'p1.fix-1'), '', 'diff: nothing to print');
open(my $nf, '>', "$wt/notes.txt") or die;
print $nf "one\ntwo\n";
close($nf);
$out = ctl_ok('diff', 'diff', 'p1.fix-1');
is($out, "diff --git a/notes.txt b/notes.txt\nnew file\n--- /dev/null\n+++ b/notes.txt\n"
    . "\@\@ -0,0 +1,2 \@\@\n+one\n+two\n", 'diff: the new file as a unified diff');
$j = $JSON->decode(ctl_ok('diff --json', 'diff', 'p1.fix-1', '--json'));
is_deeply([$j->{session}, $j->{stats}{files}, $j->{files}[0]{path}, $j->{truncated} ? 1 : 0],
    ['p1.fix-1', 1, 'notes.txt', 0], 'diff --json: the reply');
unlink "$wt/notes.txt";

# --- kill ------------------------------------------------------------------------------------
ctl_ok('kill', 'kill', 'p1');
like($t->session('p1')->{state}, qr/^(?:terminated|exited)$/, 'kill: the session ended');
like($t->session('p1.fix-1')->{state}, qr/^(?:terminated|exited)$/, 'kill: its workers too');
ctl_ok('kill an ended session', 'kill', 'p1');
ctl_fails('kill an unknown session', 1, qr/\(404 not_found\)/, 'kill', 'nosuch');

# --- credentials: the token and --header ---------------------------------------------------
($rc, $out, $err) = $t->agentctl({ env => { AGENTD_HOME => undef } }, '--verbose', '--token',
    'tok1', 'ls');
is($rc, 1, '--token: a wrong token is refused by the local stack');
like($err, qr/^> Authorization: Bearer tok1\r?$/m, '--token: sent as a bearer token');
like($err, qr/unauthenticated/, '--token: the 401 is said');
my $tok = $t->token;
($rc, $out, $err) = $t->agentctl({ env => { AGENTD_HOME => $t->home } }, 'ls', '--verbose');
is($rc, 0, 'the state directory token: ok');
like($err, qr/^> Authorization: Bearer \Q$tok\E\r?$/m, 'read from AGENTD_HOME/access-token');
($rc, $out, $err) = $t->agentctl({ env => { AGENTD_HOME => $t->home, AGENTD_TOKEN => 'envtok' } },
    'ls', '--verbose');
like($err, qr/^> Authorization: Bearer envtok\r?$/m, 'AGENTD_TOKEN before the file');
($rc, $out, $err) = $t->agentctl({ env => { AGENTD_HOME => undef,
    XDG_STATE_HOME => $t->home . '/xdg' } }, 'ls', '--verbose');
unlike($err, qr/Authorization/, 'no token file, no token: nothing sent');
is($rc, 1, 'no token: refused');
($rc, $out, $err) = $t->agentctl({}, '--verbose', '--header', 'X-Agentctl-Test: yes', 'ls');
is($rc, 0, '--header: ok');
like($err, qr/^> X-Agentctl-Test: yes\r?$/m, '--header: sent');
($rc, $out) = $t->agentctl({ env => { AGENTD_HOME => $t->home } }, 'logs', 'f1', '-f');
is($rc, 0, 'the token on the WebSocket (access_token) too');
like($out, qr/"exitCode":3/, 'logs -f of an ended session: its history, then the end');

ctl_ok('kill the shell', 'kill', 's1');
$t->done;
