#!/usr/bin/perl
# The agents' own sandboxes inside agentd's (issue #12, item 4), with the real
# CLIs against t/bin/fake-model. codex in default mode runs its tool commands in
# its own sandbox (-s workspace-write, bubblewrap) nested in agentd's: a command
# writes in the working directory but not in CODEX_HOME (agentd's sandbox leaves
# that writable, for codex itself; codex's keeps a tool from planting config
# there). claude is told from outside (IS_SANDBOX=1 when sandboxed) and its
# session runs a tool in agentd's sandbox: the write lands in its working
# directory, and agentd's state directory is not there for it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
my ($dir, $why) = AgentdTest::agents_dir();
plan skip_all => $why unless defined $dir;
plan skip_all => 'bwrap is not installed' unless grep { -x "$_/bwrap" } split /:/, $ENV{PATH};
my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 240;

# codex makes no sandbox helper for a CODEX_HOME under /tmp or $TMPDIR, and in a
# git repository (the build tree) its folder trust is the repository's: the
# stack's HOME (and so CODEX_HOME) goes to /var/tmp for this test.
my $top = tempdir('agentd-tn-XXXX', DIR => '/var/tmp', CLEANUP => 1);
my $t = do {
	AgentdTest->new(real_agents => 1, home_in => $top,
	    fake_cmd => 'touch "$CODEX_HOME/planted.txt"; env > env.txt;'
	    . ' if test -e @HOME@/agentd.db; then echo visible; else echo hidden; fi > db.txt;'
	    . ' touch in-cwd.txt; echo tool-done');
};
my $home = $t->home;

sub slurp { open(my $fh, '<', $_[0]) or return ''; local $/; return scalar <$fh> }

for my $agent (qw(codex claude)) {
	SKIP: {
		my $missing = AgentdTest::agent_missing($agent);
		skip "$agent: $missing", 6 if defined $missing;
		my $work = $t->workdir . "/$agent";
		make_path($work);
		my ($s) = $t->create(name => $agent, agentType => $agent,
		    workingDirectory => $work,
		    permissionMode => $agent eq 'claude' ? 'bypassPermissions' : 'default',
		    prompt => 'RUNTOOL now');
		is($s, 201, "$agent: create");
		ok(eval { $t->wait_for(sub { -e "$work/in-cwd.txt" }, $TURN, "the tool's write") },
		    "$agent: the tool command wrote in its working directory") or diag(
		    "status: " . ($t->session($agent)->{state} // '?') . "\n" .
		    AgentdTest::strip_ansi($t->output($agent)));
		# HOME/agentd.db (@HOME@ in the command) is agentd's, outside the tool's world.
		is(slurp("$work/db.txt"), "hidden\n", "$agent: agentd.db is not there for its tool");
		if ($agent eq 'codex') {
			ok(!-e "$home/.codex/planted.txt",
			    'codex: its own sandbox kept the tool out of CODEX_HOME');
		} else {
			like(slurp("$work/env.txt"), qr/^IS_SANDBOX=1$/m,
			    'claude: told it is sandboxed from outside (IS_SANDBOX=1)');
			my $d = $t->session($agent);
			ok(grep({ $_->{type} eq 'agent_started' } @{$d->{events} // []}),
			    'claude: its SessionStart hook reached agentd (hook.sock, its key)');
		}
		($s) = $t->del("/api/agents/sessions/$agent");
		is($s, 200, "$agent: DELETE");
	}
}
$t->done;
