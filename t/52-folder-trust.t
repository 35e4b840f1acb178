#!/usr/bin/perl
# Folder trust only for folders the caller may change (issue #12, "No key is
# pressed because of screen text" and item 9's "every working directory is
# trusted automatically, so a cloned repository's own agent hooks run
# unreviewed"). A session's folder is trusted when agentd-fcgi finds it in a
# project root (project_roots) outside the state directory, deny_paths and other
# users' sessions (fcgi/home.c home_may_trust). Then agentd answers the agent's
# trust dialog and lets it read the folder's settings; else the dialog is left on
# screen for a person (a dialog event says so, phase trust_dialog), claude reads
# its user settings only (--setting-sources user) and codex is not told to trust
# it. A client cannot say trustFolder itself. Claude's own Bash sandbox is off in
# the settings agentd gives it, in both transports (agentd's sandbox is its own).
# Before: every folder was trusted and its dialog answered.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

my $QUIET = 3;		# seconds the screen rules get to (wrongly) answer
my $DIALOG = "\e[2J\e[HTrust this folder?\\n  1. Trust and continue\\n  2. Quit";

my $bin = tempdir('agentd-trust-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest->srcdir . '/t/bin/fake-agent', "$bin/$_") or die "symlink: $!"
    for qw(codex claude);
my $t = AgentdTest->new(projects => 1, agents => {
    codex => { map { $_ => "$bin/codex" } qw(default acceptEdits bypassPermissions) },
    claude => { map { $_ => "$bin/claude" } qw(default acceptEdits bypassPermissions) } });
my $in = $t->workdir . '/repo';
my $out = tempdir('agentd-untrusted-XXXXXX', TMPDIR => 1, CLEANUP => 1);
make_path($in);

sub input {
	my ($name, $data) = @_;
	my ($s) = $t->post("/api/agents/sessions/$name/input", { data => $data });
	return $s;
}

sub events_of {
	my ($name) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
	return $s == 200 ? @{$j->{events}} : ();
}

sub args_of {
	my ($name) = @_;
	my $o = $t->wait_output($name, qr/fake-agent pid=\d+ pgid=\d+ args=[^\n]* cwd=/);
	my ($args) = $o =~ /args=(.*?) cwd=/;
	return $args;
}

# 1. In a project root: trusted, the dialog answered once.
my ($s, $j) = $t->create(name => 'in', agentType => 'codex', workingDirectory => $in);
is($s, 201, 'create in a project root');
is($j->{trustFolder}, JSON::PP::true, 'in: trustFolder true') or diag explain $j;
like($j->{trustWhy} // '', qr/project root/, "in: trustWhy: $j->{trustWhy}");
like(args_of('in'), qr/projects\.".*repo"\.trust_level="trusted"/,
    'in: codex is told to trust the folder (-c projects.<dir>.trust_level)');
is(input('in', "say $DIALOG\r"), 200, 'in: the trust dialog drawn while starting');
$t->wait_output('in', qr/got: \r?\n/);
pass('in: the trust dialog answered (Enter reached the agent)');
my ($ev) = grep { $_->{type} eq 'dialog' } events_of('in');
is($ev && $ev->{event}{answer}, 'accepted', 'in: dialog event: accepted');

# 2. Outside every project root, with trustFolder: true in the body (ignored).
($s, $j) = $t->create(name => 'out', agentType => 'codex', workingDirectory => $out,
    trustFolder => JSON::PP::true, trustWhy => 'trust me');
is($s, 201, 'create outside the project roots');
is($j->{trustFolder}, JSON::PP::false, "out: trustFolder false (the client's true ignored)");
like($j->{trustWhy} // '', qr/neither in a project root/, "out: trustWhy: $j->{trustWhy}");
unlike(args_of('out'), qr/trust_level/, 'out: codex is not told to trust the folder');
is(input('out', "say $DIALOG\r"), 200, 'out: the trust dialog drawn while starting');
$t->wait_for(sub { grep { $_->{type} eq 'dialog' } events_of('out') }, 10, 'the dialog event');
($ev) = grep { $_->{type} eq 'dialog' } events_of('out');
is($ev->{event}{dialog}, 'trust', 'out: dialog event: trust');
is($ev->{event}{answer}, 'left', 'out: dialog event: left to a person');
$t->wait_for(sub { ($t->session('out')->{phase} // '') eq 'trust_dialog' }, 10, 'phase');
is($t->session('out')->{state}, 'starting', 'out: still starting');
sleep $QUIET;
unlike(scalar $t->output('out'), qr/got: /, 'out: nothing pressed by agentd');
is(input('out', "\r"), 200, 'out: a person answers on the terminal');
$t->wait_output('out', qr/got: \r?\n/);
pass("out: the person's Enter reached the agent");

# 3. The state directory (the default workingDirectory here is HOME): not trusted.
($s, $j) = $t->create(name => 'home', agentType => 'codex', workingDirectory => $t->home);
is($s, 201, 'create in the state directory');
is($j->{trustFolder}, JSON::PP::false, 'home: trustFolder false');
like($j->{trustWhy} // '', qr/neither in a project root|agentd's state/, "home: trustWhy: $j->{trustWhy}");

# 3b. The daemon trusts only the directory agentd-fcgi checked: another one at the
# path by then (a rename race; here the wrong inode said directly) is not trusted.
my @st = stat($in);
my $me = { user => scalar getpwuid($>) };
for my $c (['same', $st[1]], ['swapped', $st[1] + 1]) {
	my $r = $t->ctl_call({ op => 'session.create', actor => $me, args => {
	    name => "ino-$c->[0]", agentType => 'codex', workingDirectory => $in,
	    trustFolder => JSON::PP::true, trustWhy => 'checked', trustDev => $st[0],
	    trustIno => $c->[1] } });
	is($r->{status}, 201, "ctl: create with the $c->[0] inode");
	my $d = $t->session("ino-$c->[0]");
	if ($c->[0] eq 'same') {
		is($d->{trustFolder}, JSON::PP::true, 'the directory checked: trusted');
	} else {
		is($d->{trustFolder}, JSON::PP::false, 'another directory there: not trusted');
		like($d->{trustWhy} // '', qr/changed after it was checked/, "why: $d->{trustWhy}");
	}
	$t->del("/api/agents/sessions/ino-$c->[0]");
}

# 4. Claude: its settings sources and its own sandbox, in both transports.
for my $c (['cin', $in, 'tty'], ['cout', $out, 'tty'], ['sin', $in, 'stream'],
    ['sout', $out, 'stream']) {
	my ($name, $dir, $tr) = @$c;
	($s, $j) = $t->create(name => $name, agentType => 'claude', workingDirectory => $dir,
	    transport => $tr);
	is($s, 201, "create $name (claude, $tr)") or diag explain $j;
	my $args = args_of($name);
	if ($dir eq $in) {
		unlike($args, qr/--setting-sources/, "$name: every setting source (trusted)");
	} else {
		like($args, qr/--setting-sources,user(,|$)/, "$name: the user's settings only");
	}
	my ($file) = $args =~ /--settings,([^,]+)/;
	ok($file, "$name: --settings given");
	my $set = $file && -f $file ? decode_json(AgentdTest->slurp($file)) : {};
	is($set->{sandbox}{enabled}, JSON::PP::false, "$name: claude's own sandbox off");
}

for my $n (qw(in out home cin cout sin sout)) {
	($s) = $t->del("/api/agents/sessions/$n");
	is($s, 200, "delete $n");
}
$t->done;
