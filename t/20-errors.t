#!/usr/bin/perl
# Bad input and error replies: status, code, and the {"error", "code"} shape
# (the harness checks the shape of every error reply at teardown).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $wd = $t->workdir;
my $S = '/api/agents/sessions';
my ($s, $j, $h);

($s) = $t->create(name => 'base');
is($s, 201, 'create base');
my $base_pid = $t->wait_status('base', qr/^running$/)->{pid};

# Malformed bodies.
for my $body ('{"name": ', '{"name": "x",}', "\x00\x01", 'null', '') {
	($s, $j) = $t->post($S, $body, 'Content-Type' => 'application/json');
	my $what = 'body ' . (length $body ? "'" . ($body =~ s/[^ -~]/?/gr) . "'" : 'empty');
	if ($body =~ /^\{/) {
		$t->is_err($s, $j, 400, 'bad_json', $what);
	} else {
		$t->is_err($s, $j, 400, undef, $what);
	}
}
($s, $j) = $t->post($S, '[1, 2]', 'Content-Type' => 'application/json');
$t->is_err($s, $j, 400, undef, 'JSON array instead of an object');

# Wrong types and missing fields.
my %ok = (name => 'typed', agentType => 'fake', workingDirectory => $wd);
for my $bad ([name => 123], [name => undef], [agentType => ['fake']],
    [workingDirectory => {}], [prompt => 5], [permissionMode => JSON::PP::true]) {
	my ($k, $v) = @$bad;
	($s, $j) = $t->post($S, { %ok, $k => $v });
	$t->is_err($s, $j, 400, undef, "$k of the wrong type");
	like($j->{code} // '', qr/^invalid_/, "$k of the wrong type: an invalid_* code");
}
for my $k (qw(name agentType)) {
	my %b = %ok;
	delete $b{$k};
	($s, $j) = $t->post($S, \%b);
	$t->is_err($s, $j, 400, undef, "missing $k");
}
# No workingDirectory (or ""): the home, as the seed's UI offers (t/16 too).
{
	my %b = (%ok, name => 'nocwd');
	delete $b{workingDirectory};
	($s, $j) = $t->post($S, \%b);
	is($s, 201, 'missing workingDirectory: 201');
	is($j->{workingDirectory}, $t->home, '... the home ($HOME of the stack)');
	($s) = $t->del("$S/nocwd");
	is($s, 200, '... deleted');
}

# Names.
for my $name ('../x', '', 'n' x 65, '-a', '.a', 'a/b', 'a b', "caf\x{e9}", 'a%2fb') {
	($s, $j) = $t->create(name => $name);
	$t->is_err($s, $j, 400, 'invalid_name', "name '" . ($name =~ s/[^ -~]/?/gr) . "'");
}
($s, $j) = $t->get("$S/..%2fx");
$t->is_err($s, $j, 400, 'invalid_name', "GET $S/..%2fx");

# Enumerations and directories.
($s, $j) = $t->create(name => 'e1', agentType => 'nope');
$t->is_err($s, $j, 400, 'invalid_agent_type', 'unknown agentType');
($s, $j) = $t->create(name => 'e1', permissionMode => 'yolo');
$t->is_err($s, $j, 400, 'invalid_permission_mode', 'unknown permissionMode');
($s, $j) = $t->create(name => 'e1', mode => 'yolo');
$t->is_err($s, $j, 400, 'invalid_permission_mode', 'unknown mode (alias)');
($s, $j) = $t->create(name => 'e1', workingDirectory => 'work');
$t->is_err($s, $j, 400, 'relative_path', 'relative workingDirectory');
($s, $j) = $t->create(name => 'e1', workingDirectory => "$wd/does-not-exist");
$t->is_err($s, $j, 422, 'bad_directory', 'missing workingDirectory');
open(my $fh, '>', "$wd/a-file") or die;
close $fh;
($s, $j) = $t->create(name => 'e1', workingDirectory => "$wd/a-file");
$t->is_err($s, $j, 422, 'bad_directory', 'a file as workingDirectory');
($s, $j) = $t->create(name => 'base');
$t->is_err($s, $j, 409, 'exists', 'duplicate name');
my @e1 = grep { $_->{name} =~ /^(?:e1|typed)$/ } @{($t->get("$S?all=1"))[1]};
is(scalar @e1, 0, 'no session was created by a rejected request');

# Unknown sessions and routes.
for my $r ([GET => "$S/nope"], [DELETE => "$S/nope"], [GET => "$S/nope/output"],
    [POST => "$S/nope/message", { message => 'x' }], [POST => "$S/nope/reset", {}],
    [POST => "$S/nope/complete", { status => 'success' }], [GET => '/api/agents/nope']) {
	($s, $j) = $t->req(@$r);
	$t->is_err($s, $j, 404, 'not_found', "$r->[0] $r->[1]");
}

# Wrong methods.
for my $r ([PUT => $S, [qw(GET POST)]], [PATCH => "$S/base", [qw(GET DELETE)]],
    [GET => "$S/base/message", ['POST']], [DELETE => "$S/base/output", ['GET']]) {
	my ($m, $path, $allow) = @$r;
	($s, $j, $h) = $t->req($m => $path, $m eq 'PUT' || $m eq 'PATCH' ? {} : undef);
	$t->is_err($s, $j, 405, 'method_not_allowed', "$m $path");
	my %got = map { uc($_) => 1 } split /\s*,\s*/, $h->{allow} // '';
	ok(!grep({ !$got{$_} } @$allow), "$m $path: Allow lists @$allow") or diag("Allow: " . ($h->{allow} // 'none'));
	ok(!$got{$m}, "$m $path: Allow does not list $m");
}

# Media type and size.
($s, $j) = $t->post($S, '{"name":"m1","agentType":"fake","workingDirectory":"/"}',
    'Content-Type' => 'text/plain');
$t->is_err($s, $j, 415, 'unsupported_media_type', 'create as text/plain');
($s, $j) = $t->post($S, '{"name":"m1","agentType":"fake","workingDirectory":"/"}');
$t->is_err($s, $j, 415, 'unsupported_media_type', 'create without Content-Type');
($s, $j) = $t->post("$S/base/message", '{"message":"x"}', 'Content-Type' => 'application/x-www-form-urlencoded');
$t->is_err($s, $j, 415, 'unsupported_media_type', 'message as a form');
($s, $j) = $t->post($S, '{"name":"big","prompt":"' . ('x' x (1024 * 1024)) . '"}');
$t->is_err($s, $j, 413, 'too_large', 'body over 1 MiB');
($s, $j) = $t->post("$S/base/message", {});
$t->is_err($s, $j, 400, 'invalid_field', 'message without message');
($s, $j) = $t->post("$S/base/message", { message => [] });
$t->is_err($s, $j, 400, 'invalid_field', 'message of the wrong type');

# A message to an ended session.
($s) = $t->create(name => 'ender');
$t->wait_output('ender', qr/fake-agent pid=/);
$t->message('ender', 'exit 3');
$t->wait_status('ender', qr/^exited$/);
($s, $j) = $t->message('ender', 'too late');
$t->is_err($s, $j, 409, 'session_ended', 'message to an ended session');

# The daemon down: changes are 503, reads still work (SQLite), agents live on.
$t->expect_log(qr/ctl\.sock|daemon|connect/i);
$t->kill_daemon('TERM');
($s, $j) = $t->create(name => 'while-down');
$t->is_err($s, $j, 503, 'daemon_unavailable', 'create while the daemon is down');
($s, $j) = $t->message('base', 'while down');
$t->is_err($s, $j, 503, 'daemon_unavailable', 'message while the daemon is down');
($s, $j) = $t->get($S);
is($s, 200, 'list while the daemon is down: 200');
ok(grep({ $_->{name} eq 'base' } @{ref $j eq 'ARRAY' ? $j : []}), 'list while the daemon is down: base');
ok(kill(0, $base_pid), 'the agent survives a daemon SIGTERM');
$t->start_daemon;
($s, $j) = $t->create(name => 'after-up');
is($s, 201, 'create after the daemon is back: 201');
my $d = $t->session('base');
is($d->{state}, 'running', 'base still running after the daemon restart');
is($d->{pid}, $base_pid, 'base: same pid');

$t->done;
