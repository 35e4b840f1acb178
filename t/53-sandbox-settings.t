#!/usr/bin/perl
# The agents' user settings are read-only in the sandbox (issue #12, found by the
# review of the folder trust): their config directories are the agent's to write
# (state, history), but a tool that adds a hook to ~/.claude/settings.json, or
# notify or an MCP server to ~/.codex/config.toml, would have every later
# session run it. A program adapted as claude, then as codex (named so), tries
# to write its settings (refused; agentd made the missing file first, "{}" and
# empty, so that it could be bound read-only) and another file in the same
# directory (it works). agentd's config file, outside the state directory, is an
# empty file in the sandbox. A .git file binds a git directory only for a real
# worktree.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'bwrap is not installed (apt-get install bubblewrap)'
    unless grep { -x "$_/bwrap" } split /:/, $ENV{PATH} // '';

my $bin = tempdir('agentd-set-XXXXXX', DIR => '/var/tmp', CLEANUP => 1);
chmod(0755, $bin);
my %file = (claude => '.claude/settings.json', codex => '.codex/config.toml');
for my $kind (keys %file) {
	my ($dir) = $file{$kind} =~ m{^([^/]+)/};
	open(my $fh, '>', "$bin/$kind") or die "$bin/$kind: $!\n";
	print $fh <<"SH";
#!/bin/sh
if echo planted >> "\$HOME/$file{$kind}" 2>/dev/null; then echo SET-WRITTEN; else echo SET-DENIED; fi
if echo ok > "\$HOME/$dir/other.txt"; then echo DIR-WRITTEN; fi
echo probe-done
exec sleep 600
SH
	close($fh);
	chmod(0755, "$bin/$kind");
}
# Codex's helpers' directory (~/.codex/tmp) is each session's own: one codex's
# clean-up there removed another's as it was being made (seen in t/57).
mkdir("$bin/cxtmp") or die;
open(my $fh, '>', "$bin/cxtmp/codex") or die;
print $fh <<'SH';
#!/bin/sh
echo mine > "$HOME/.codex/tmp/mine-$$" && echo TMP-WRITTEN
echo "TMP-HAS $(ls "$HOME/.codex/tmp" | wc -l)"
echo probe-done
exec sleep 600
SH
close($fh);
chmod(0755, "$bin/cxtmp", "$bin/cxtmp/codex");
my $t = AgentdTest->new(conf => { sandbox => 'bwrap' },
    agents => { (map { $_ => { default => "$bin/$_" } } keys %file),
	cxtmp => { default => "$bin/cxtmp/codex", adapter => 'codex' } });
for my $n (qw(cx1 cx2)) {
	my ($s, $j) = $t->create(name => $n, agentType => 'cxtmp');
	is($s, 201, "create $n (codex)") or diag explain $j;
}
for my $n (qw(cx1 cx2)) {
	my $out = $t->wait_output($n, qr/probe-done/);
	like($out, qr/TMP-WRITTEN/, "$n: it writes ~/.codex/tmp");
	like($out, qr/TMP-HAS 1\b/, "$n: and sees only its own file there");
}
opendir(my $dh, $t->home . '/.codex/tmp') or die;
is(scalar(grep { !/^\./ } readdir $dh), 0, 'the real ~/.codex/tmp got none of them');
$t->del("/api/agents/sessions/$_") for qw(cx1 cx2);
# A link planted there (by a session working in the home, say) is not followed:
# the tmpfs would hide its target in every codex session.
my $target = $t->workdir . '/hidden-by-tmpfs';
mkdir $target or die;
open($fh, '>', "$target/keep") or die;
close($fh);
rename($t->home . '/.codex/tmp', $t->home . '/.codex/tmp.old') or die;
symlink($target, $t->home . '/.codex/tmp') or die;
open($fh, '>', "$bin/cxtmp/codex") or die;
print $fh "#!/bin/sh\nls '$target'\necho probe-done\nexec sleep 600\n";
close($fh);
$t->expect_log(qr/is not a directory: not made private/);
my ($ls, $lj) = $t->create(name => 'cx3', agentType => 'cxtmp');
is($ls, 201, 'create cx3 (codex) with ~/.codex/tmp a link');
like($t->wait_output('cx3', qr/probe-done/), qr/keep/, "cx3: the link's target is not hidden");
$t->del('/api/agents/sessions/cx3');
unlink($t->home . '/.codex/tmp');
rename($t->home . '/.codex/tmp.old', $t->home . '/.codex/tmp') or die;
for my $kind (sort keys %file) {
	my ($s, $j) = $t->create(name => $kind, agentType => $kind);
	is($s, 201, "create $kind") or diag explain $j;
	my $out = $t->wait_output($kind, qr/probe-done/);
	like($out, qr/SET-DENIED/, "$kind: its tool cannot write ~/$file{$kind}");
	like($out, qr/DIR-WRITTEN/, "$kind: it writes the rest of its config directory");
	my $f = $t->home . "/$file{$kind}";
	is(AgentdTest->slurp($f), $kind eq 'claude' ? "{}\n" : '',
	    "$kind: ~/$file{$kind} is as agentd made it");
	$t->del("/api/agents/sessions/$kind");
}

# agentd's config outside the state directory (the package's /etc/agentd, with
# its webhook secrets): the agent finds an empty file there.
my $etc = tempdir('agentd-etc-XXXXXX', DIR => '/var/tmp', CLEANUP => 1);
chmod(0755, $etc);
my $conf = "$etc/agentd.conf";
open($fh, '>', $conf) or die "$conf: $!\n";
print $fh AgentdTest->slurp($t->home . '/agentd.conf'), "\n# secret-marker\n";
close($fh);
open($fh, '>', "$bin/reader") or die;
print $fh "#!/bin/sh\nif grep -q secret-marker '$conf'; then echo CONF-READ; else echo CONF-HIDDEN; fi\n"
    . "echo probe-done\nexec sleep 600\n";
close($fh);
chmod(0755, "$bin/reader");
open($fh, '>>', $conf) or die;
print $fh "\n[agent reader]\ndefault = $bin/reader\n";
close($fh);
$t->kill_daemon('TERM');
$t->set_argv(daemon => AgentdTest->builddir . '/daemon/agentd', '-H', '@HOME@', '-f', $conf);
$t->start_daemon;
my ($s) = $t->create(name => 'reader', agentType => 'reader');
is($s, 201, 'create with the config in another directory');
like($t->wait_output('reader', qr/probe-done/), qr/CONF-HIDDEN/,
    "the agent reads an empty file at the config's path");
$t->del('/api/agents/sessions/reader');

# A working directory's .git file, which an earlier agent there may have written,
# binds its repository's git directory read-write only for a real worktree (found
# by the second review: "gitdir: HOME/agentd.db" bound the database read-write
# into the next session there). The real worktree's agent still commits.
my $db = $t->home . '/agentd.db';
open($fh, '>', "$bin/gitprobe") or die;
print $fh "#!/bin/sh\nif test -e '$db'; then echo DB-VISIBLE; else echo DB-HIDDEN; fi\n"
    . "if git -c user.name=t -c user.email=t\@t commit -q --allow-empty -m in-sandbox"
    . " >/dev/null 2>&1; then echo COMMIT-OK; else echo COMMIT-FAILED; fi\n"
    . "echo probe-done\nexec sleep 600\n";
close($fh);
chmod(0755, "$bin/gitprobe");
open($fh, '>>', $conf) or die;
print $fh "\n[agent gitprobe]\ndefault = $bin/gitprobe\n";
close($fh);
$t->kill_daemon('TERM');
$t->start_daemon;
my $evil = $t->workdir . '/evil';
mkdir $evil or die;
open($fh, '>', "$evil/.git") or die;
print $fh "gitdir: $db\n";
close($fh);
($s) = $t->create(name => 'evil', agentType => 'gitprobe', workingDirectory => $evil);
is($s, 201, 'create in a folder whose .git names agentd.db');
like($t->wait_output('evil', qr/probe-done/), qr/DB-HIDDEN/, 'agentd.db is not bound in');
$t->del('/api/agents/sessions/evil');
SKIP: {
	skip 'git not found', 2 unless grep { -x "$_/git" } split /:/, $ENV{PATH};
	my $repo = "$etc/repo";
	local $ENV{GIT_CONFIG_NOSYSTEM} = 1;
	system("git init -q -b main '$repo' && git -C '$repo' -c user.name=t -c user.email=t\@t"
	    . " commit -q --allow-empty -m one && git -C '$repo' worktree add -q '$etc/wt'"
	    . " >/dev/null 2>&1") == 0 or die "git";
	($s) = $t->create(name => 'wt', agentType => 'gitprobe', workingDirectory => "$etc/wt");
	is($s, 201, 'create in a real worktree');
	like($t->wait_output('wt', qr/probe-done/), qr/COMMIT-OK/,
	    "its agent commits (the repository's git directory is bound)");
	$t->del('/api/agents/sessions/wt');
}
$t->done;
