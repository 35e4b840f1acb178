#!/usr/bin/perl
# GET /api/agents/sessions/:name/diff on real git repositories made here: a
# plain session's working tree against HEAD (modified, untracked, deleted,
# renamed, binary, staged, symlinks, bytes that are not UTF-8, no commit yet), a
# worker's against its base commit after it commits and edits, and the errors
# and bounds (not a repository, unknown session, directory gone, truncation).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};

$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;
delete $ENV{$_} for grep { /^GIT_(?:DIR|WORK_TREE|INDEX_FILE)$/ } keys %ENV;

# The bounds of fcgi/api-session-diff.c.
my $FILES_MAX = 300;
my $LINES_MAX = 20000;

my $t = AgentdTest->new;
my $wd = $t->workdir;
my ($s, $j);

sub git {
	my ($dir, @args) = @_;
	my $out = qx{git -C '$dir' @args 2>&1};
	die "git -C $dir @args: $out" if $?;
	chomp $out;
	return $out;
}

sub write_file {
	my ($f, $text) = @_;
	open(my $fh, '>:raw', $f) or die "$f: $!";
	print $fh $text;
	close $fh;
}

sub diff {
	my ($name) = @_;
	return $t->get("/api/agents/sessions/$name/diff");
}

sub by_path { my ($d) = @_; return { map { $_->{path} => $_ } @{$d->{files}} } }

# The lines of a file's hunks as "ORIGIN CONTENT" strings.
sub lines_of {
	my ($f) = @_;
	return [map { map { "$_->{origin}$_->{content}" } @{$_->{lines}} } @{$f->{hunks}}];
}

# --- a plain session: the working tree against HEAD ----------------------------------
my $repo = "$wd/repo";
mkdir $repo or die;
git($repo, 'init -q -b main');
write_file("$repo/a.txt", join('', map { "line $_\n" } 1 .. 10));
write_file("$repo/gone.txt", "bye\n");
my $long = join('', map { "the same text that moves, line $_\n" } 1 .. 20);
write_file("$repo/old.txt", $long);
write_file("$repo/bin.dat", "\0\1\2binary\0" x 10);
write_file("$repo/staged.txt", "before\n");
write_file("$repo/.gitignore", "*.log\n");
git($repo, 'add -A');
git($repo, 'commit -q -m one');
my $head = git($repo, 'rev-parse HEAD');

($s, $j) = $t->create(name => 'plain', workingDirectory => $repo);
is($s, 201, 'a session in the repository');

($s, $j) = diff('plain');
is($s, 200, 'clean tree: 200');
is($j->{session}, 'plain', 'session');
is($j->{base}, $head, 'base: HEAD');
is($j->{head}, $head, 'head: HEAD');
is_deeply($j->{files}, [], 'clean tree: no file');
is_deeply($j->{stats}, { files => 0, insertions => 0, deletions => 0 }, 'clean tree: stats 0');
ok(!$j->{truncated}, 'clean tree: not truncated');

# A modified line, an untracked file (and one in a new directory), a deleted file,
# a rename (a plain mv: deleted + untracked), a changed binary, a staged change, an
# ignored file.
write_file("$repo/a.txt", join('', map { $_ == 5 ? "line five\n" : "line $_\n" } 1 .. 10)
    . "line 11\n");
write_file("$repo/added.txt", "new 1\nnew 2\n");
mkdir "$repo/newdir" or die;
write_file("$repo/newdir/deep.txt", "deep\n");
unlink "$repo/gone.txt" or die;
rename("$repo/old.txt", "$repo/new.txt") or die;
write_file("$repo/bin.dat", "\0\3\4binary\0" x 10);
write_file("$repo/staged.txt", "after\n");
git($repo, 'add staged.txt');
write_file("$repo/debug.log", "ignored\n");

($s, $j) = diff('plain');
is($s, 200, 'changed tree: 200');
my $f = by_path($j);
is_deeply([map { $_->{path} } @{$j->{files}}],
    [qw(a.txt added.txt bin.dat gone.txt new.txt newdir/deep.txt staged.txt)],
    'every change, by path; the ignored file is not one');
is($j->{base}, $head, 'base still HEAD');

my $a = $f->{'a.txt'};
is($a->{status}, 'modified', 'a.txt: modified');
is($a->{oldPath}, undef, 'a.txt: oldPath null');
ok(!$a->{binary}, 'a.txt: text');
is($a->{insertions}, 2, 'a.txt: 2 insertions');
is($a->{deletions}, 1, 'a.txt: 1 deletion');
is(scalar @{$a->{hunks}}, 1, 'a.txt: one hunk');
my $h = $a->{hunks}[0];
is_deeply([@$h{qw(oldStart oldLines newStart newLines)}], [2, 9, 2, 10], 'a.txt: hunk ranges');
like($h->{header}, qr/^\@\@ -2,9 \+2,10 \@\@/, 'a.txt: hunk header');
unlike($h->{header}, qr/\n/, 'a.txt: header without its newline');
is_deeply(lines_of($a), [' line 2', ' line 3', ' line 4', '-line 5', '+line five',
    ' line 6', ' line 7', ' line 8', ' line 9', ' line 10', '+line 11'], 'a.txt: the lines');
my ($del) = grep { $_->{origin} eq '-' } @{$h->{lines}};
is_deeply([$del->{oldLine}, $del->{newLine}], [5, undef], 'a deleted line: oldLine only');
my ($ins) = grep { $_->{origin} eq '+' } @{$h->{lines}};
is_deeply([$ins->{oldLine}, $ins->{newLine}], [undef, 5], 'an added line: newLine only');
my ($ctx) = @{$h->{lines}};
is_deeply([$ctx->{oldLine}, $ctx->{newLine}], [2, 2], 'a context line: both');

is($f->{'added.txt'}{status}, 'added', 'untracked file: added');
is_deeply(lines_of($f->{'added.txt'}), ['+new 1', '+new 2'], 'untracked file: its content');
is($f->{'added.txt'}{insertions}, 2, 'untracked file: 2 insertions');
is($f->{'newdir/deep.txt'}{status}, 'added', 'a file in an untracked directory: added');
is($f->{'gone.txt'}{status}, 'deleted', 'deleted file');
is_deeply(lines_of($f->{'gone.txt'}), ['-bye'], 'deleted file: its old content');
is($f->{'gone.txt'}{deletions}, 1, 'deleted file: 1 deletion');
is($f->{'new.txt'}{status}, 'renamed', 'moved file: renamed');
is($f->{'new.txt'}{oldPath}, 'old.txt', 'moved file: oldPath');
is_deeply($f->{'new.txt'}{hunks}, [], 'an exact rename: no hunk');
ok($f->{'bin.dat'}{binary}, 'binary file: binary');
is($f->{'bin.dat'}{status}, 'modified', 'binary file: modified');
is_deeply($f->{'bin.dat'}{hunks}, [], 'binary file: not expanded');
is_deeply(lines_of($f->{'staged.txt'}), ['-before', '+after'], 'a staged change counts');
is_deeply($j->{stats}, { files => 7, insertions => 2 + 2 + 1 + 1, deletions => 1 + 1 + 1 },
    'stats: files, insertions and deletions');
ok(!$j->{truncated}, 'not truncated');

# A commit of the session moves HEAD, so the base: what is committed is no change.
git($repo, 'add -A');
git($repo, 'commit -q -m two');
my $head2 = git($repo, 'rev-parse HEAD');
($s, $j) = diff('plain');
is_deeply([$j->{base}, $j->{head}, scalar @{$j->{files}}], [$head2, $head2, 0],
    'after a commit: base and head are the new HEAD, no change');

# Symlinks: diffed as their target text, never followed out of the tree.
symlink('/etc/passwd', "$repo/passwd-link") or die;
symlink('/etc', "$repo/etc-link") or die;
write_file("$repo/bad-utf8.txt", "caf\xe9 ok\n");
($s, $j) = diff('plain');
$f = by_path($j);
is_deeply([sort keys %$f], [qw(bad-utf8.txt etc-link passwd-link)],
    'symlinks are entries, a linked directory is not walked');
is_deeply(lines_of($f->{'passwd-link'}), ['+/etc/passwd'], 'a symlink: its target text');
is_deeply(lines_of($f->{'etc-link'}), ['+/etc'], 'a directory symlink: its target text');
is_deeply(lines_of($f->{'bad-utf8.txt'}), ["+caf\x{fffd} ok"],
    'a byte that is not UTF-8 becomes U+FFFD');
unlink("$repo/passwd-link", "$repo/etc-link", "$repo/bad-utf8.txt");

# A tracked file replaced by a symlink: a type change.
write_file("$repo/lnk", "plain\n");
git($repo, 'add lnk');
git($repo, 'commit -q -m lnk');
unlink "$repo/lnk";
symlink('a.txt', "$repo/lnk") or die;
($s, $j) = diff('plain');
is_deeply([map { "$_->{path}:$_->{status}" } @{$j->{files}}], ['lnk:typechange'],
    'a file that became a symlink: typechange');

# Where git is told the file system has no symlinks it takes a link for the file it
# names; the file outside the tree is still never read.
git($repo, 'config core.symlinks false');
unlink "$repo/lnk";
symlink('/etc/passwd', "$repo/lnk") or die;
($s, $j) = diff('plain');
is($s, 200, 'core.symlinks false: 200');
unlike(join("\n", @{lines_of($_)}), qr/^\+root:/m, 'core.symlinks false: not followed out')
    for @{$j->{files}};
git($repo, 'config core.symlinks true');
unlink "$repo/lnk";
git($repo, 'checkout -q lnk');

# A session below the top of the working tree: the whole tree, paths from its top.
mkdir "$repo/sub" or die;
write_file("$repo/sub/x.txt", "x\n");
($s, $j) = $t->create(name => 'below', workingDirectory => "$repo/sub");
is($s, 201, 'a session in a subdirectory');
($s, $j) = diff('below');
is_deeply([map { $_->{path} } @{$j->{files}}], ['sub/x.txt'],
    'a subdirectory: the repository found upward, paths from the top');
unlink "$repo/sub/x.txt";

# No commit yet: no base, every file added.
my $fresh = "$wd/fresh";
mkdir $fresh or die;
git($fresh, 'init -q -b main');
write_file("$fresh/first.txt", "1\n");
($s, $j) = $t->create(name => 'fresh', workingDirectory => $fresh);
($s, $j) = diff('fresh');
is($s, 200, 'no commit yet: 200');
is_deeply([$j->{base}, $j->{head}], [undef, undef], 'no commit yet: base and head null');
is_deeply([map { "$_->{path}:$_->{status}" } @{$j->{files}}], ['first.txt:added'],
    'no commit yet: files added');

# --- a worker: against its base commit --------------------------------------------------
my $phead = git($repo, 'rev-parse HEAD');
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'plain', branch => 'w1', task => 'work' });
is($s, 201, 'a worker dispatched');
my $wt = $j->{worktree};
($s, $j) = diff('plain.w1');
is($s, 200, 'worker: 200');
is_deeply([$j->{base}, $j->{head}, $j->{files}], [$phead, $phead, []],
    "a new worker: base and head the parent's HEAD, no change");
my $base = $j->{base};
# The worker commits a change, then edits another file.
write_file("$wt/a.txt", "rewritten\n");
git($wt, 'commit -q -a -m "worker change"');
my $whead = git($wt, 'rev-parse HEAD');
write_file("$wt/added.txt", "new 1\nnew 2\nnew 3\n");
write_file("$wt/wnew.txt", "from the worker\n");
# The parent moves on meanwhile: not the worker's base.
write_file("$repo/parent.txt", "parent\n");
git($repo, 'add parent.txt');
git($repo, 'commit -q -m parent');
($s, $j) = diff('plain.w1');
is($j->{base}, $base, 'worker: base is the recorded base commit');
is($j->{head}, $whead, "worker: head is the worker's commit");
isnt($j->{base}, $j->{head}, 'worker: base and head differ');
$f = by_path($j);
is_deeply([map { "$_->{path}:$_->{status}" } @{$j->{files}}],
    ['a.txt:modified', 'added.txt:modified', 'wnew.txt:added'],
    "worker: its commit and its edits, not the parent's later commit");
is($f->{'a.txt'}{deletions}, 11, 'worker: the committed rewrite (11 lines gone)');
is_deeply(lines_of($f->{'added.txt'}), [' new 1', ' new 2', '+new 3'],
    'worker: the uncommitted edit');
ok(!$j->{truncated}, 'worker: not truncated');

# --- errors ------------------------------------------------------------------------------
mkdir "$wd/plaindir" or die;
($s, $j) = $t->create(name => 'norepo', workingDirectory => "$wd/plaindir");
is($s, 201, 'a session outside any repository');
($s, $j) = diff('norepo');
$t->is_err($s, $j, 422, 'not_a_repository', 'not a repository');
($s, $j) = diff('nosuch');
$t->is_err($s, $j, 404, 'not_found', 'unknown session');
($s, $j) = $t->req(POST => '/api/agents/sessions/plain/diff', {});
is($s, 405, 'POST: 405');

my $doomed = "$wd/doomed";
mkdir $doomed or die;
git($doomed, 'init -q -b main');
($s, $j) = $t->create(name => 'doomed', workingDirectory => $doomed);
system('rm', '-rf', $doomed) == 0 or die;
($s, $j) = diff('doomed');
$t->is_err($s, $j, 422, 'bad_directory', 'the working directory gone');
like($j->{error} // '', qr/gone/, 'gone: says so');

# --- truncation ----------------------------------------------------------------------------
my $big = "$wd/big";
mkdir $big or die;
git($big, 'init -q -b main');
git($big, 'commit -q --allow-empty -m init');
for my $i (1 .. $FILES_MAX + 5) {
	write_file(sprintf("%s/f%04d.txt", $big, $i), "x\n");
}
($s, $j) = $t->create(name => 'big', workingDirectory => $big);
($s, $j) = diff('big');
is($s, 200, 'many files: 200');
is(scalar @{$j->{files}}, $FILES_MAX, "many files: $FILES_MAX listed");
is($j->{stats}{files}, $FILES_MAX + 5, 'many files: all counted');
ok($j->{truncated}, 'many files: truncated');

system("rm -f '$big'/f*.txt") == 0 or die;
write_file("$big/long.txt", join('', map { "$_\n" } 1 .. $LINES_MAX + 100));
write_file("$big/zz-after.txt", "after\n");
($s, $j) = diff('big');
$f = by_path($j);
my $n = 0;
$n += scalar @{$_->{lines}} for map { @{$_->{hunks}} } @{$j->{files}};
is($n, $LINES_MAX, "many lines: $LINES_MAX sent");
ok($j->{truncated}, 'many lines: truncated');
is($f->{'long.txt'}{insertions}, $LINES_MAX + 100, 'many lines: counted all the same');
is_deeply($f->{'zz-after.txt'}{hunks}, [], 'many lines: the next file listed without hunks');
is($f->{'zz-after.txt'}{insertions}, 1, 'many lines: the next file counted');

$t->done;
