#!/usr/bin/perl
# GET /api/agents/directories: project roots and their subdirectories, git
# repositories and their branch (libgit2), ?path= and ?hidden=, confinement.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Cwd qw(abs_path);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'git not found' unless grep { -x "$_/git" } split /:/, $ENV{PATH};

my $tmp = abs_path(tempdir('agentd-dirs-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TEST_AGENTD_LEAVE}));
my $home = "$tmp/home";
my $root2 = "$tmp/root2";
my $outside = "$tmp/outside";
make_path("$home/plain/src", "$home/.hidden", "$home/repo/lib", "$root2/other", "$outside/secret");

sub git {
	my ($dir, @args) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', '/dev/null');
		open(STDERR, '>', '/dev/null');
		chdir $dir or POSIX::_exit(1);
		$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 't';
		$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 't@example.org';
		$ENV{GIT_CONFIG_NOSYSTEM} = 1;
		$ENV{HOME} = $tmp;
		exec('git', @args) or POSIX::_exit(127);
	}
	waitpid($pid, 0);
	die "git @args in $dir failed\n" if $?;
}

git("$home/repo", qw(init -q -b main));
git("$home/repo", qw(commit -q --allow-empty -m one));
git("$home/repo", qw(checkout -q -b feature));
make_path("$home/unborn");
git("$home/unborn", qw(init -q -b trunk));
make_path("$home/detached");
git("$home/detached", qw(init -q -b main));
git("$home/detached", qw(commit -q --allow-empty -m one));
git("$home/detached", qw(checkout -q --detach));
open(my $fh, '>', "$home/file.txt") or die;
close $fh;
symlink($outside, "$home/escape") or die;
symlink('plain', "$home/inside") or die;
symlink("$home/plain", "$home/absolute") or die;

my $t = AgentdTest->new(conf => { home_root => $home, project_roots => "$home $root2 $tmp/missing" });
my ($s, $j);

($s, $j) = $t->get('/api/agents/directories');
is($s, 200, 'directories: 200');
is_deeply($j->{roots}, [$home, $root2], 'roots: the configured ones that exist, canonical');
my %d = map { $_->{path} => $_ } @{$j->{entries}};
my @paths = map { $_->{path} } @{$j->{entries}};
is_deeply(\@paths, [$home, map("$home/$_", qw(detached plain repo unborn)), $root2, "$root2/other"],
    'each root, then its subdirectories by name; no hidden ones, no symlinks, no files');
ok($d{$home}{root}, 'a root says so');
is($d{"$home/plain"}{name}, 'plain', 'name');
ok(!$d{"$home/plain"}{root}, 'a subdirectory is no root');
is($d{"$home/plain"}{isGitRepo}, JSON::PP::false, 'plain directory: isGitRepo false');
ok(exists $d{"$home/plain"}{branch} && !defined $d{"$home/plain"}{branch}, 'plain directory: branch null');
is($d{"$home/repo"}{isGitRepo}, JSON::PP::true, 'git repository: isGitRepo true');
is($d{"$home/repo"}{branch}, 'feature', 'git repository: the current branch');
is($d{"$home/unborn"}{branch}, 'trunk', 'repository without commits: the unborn branch');
ok($d{"$home/detached"}{isGitRepo} && !defined $d{"$home/detached"}{branch},
    'detached HEAD: branch null');

($s, $j) = $t->get('/api/agents/directories?hidden=1');
ok((grep { $_->{path} eq "$home/.hidden" } @{$j->{entries}}), '?hidden=1 lists hidden directories');

($s, $j) = $t->get("/api/agents/directories?path=$home/repo");
is($s, 200, '?path=: 200');
is($j->{path}, "$home/repo", '?path=: path');
is($j->{up}, $home, '?path=: up');
is($j->{parent}, "$home/repo", '?path=: parent, the directory listed');
is_deeply([map { $_->{name} } @{$j->{entries}}], ['lib'], '?path=: one level below, .git hidden');
($s, $j) = $t->get("/api/agents/directories?path=$home/repo&hidden=1");
is_deeply([map { $_->{name} } @{$j->{entries}}], ['.git', 'lib'], '?path=&hidden=1: .git too');
($s, $j) = $t->get("/api/agents/directories?path=$root2");
is_deeply([map { $_->{path} } @{$j->{entries}}], ["$root2/other"], '?path= a second root');
ok(!defined $j->{up}, '?path= a root: up null');
($s, $j) = $t->get("/api/agents/directories?path=$home/plain/src");
is($s, 200, '?path= a directory without subdirectories: 200');
is_deeply($j->{entries}, [], '... and no entries (UBSan: no qsort of nothing)');
($s, $j) = $t->get("/api/agents/directories?path=$home/inside");
is($s, 200, '?path= a symlink that stays inside: followed');
is_deeply([map { $_->{name} } @{$j->{entries}}], ['src'], '... to its target');

# Confinement and bad input: a JSON error each, nothing else.
my @bad = (
	["$home/file.txt", 400, 'not_a_directory', 'a file'],
	["$home/nope", 404, 'not_found', 'a path that does not exist'],
	['/etc', 403, 'forbidden_path', 'an absolute path outside the roots'],
	["$home/../outside", 403, 'forbidden_path', '..'],
	["$home/%2e%2e/outside", 403, 'forbidden_path', '%2e%2e'],
	["$home/escape", 403, 'forbidden_path', 'a symlink under the root that points outside'],
	["$home/escape/secret", 403, 'forbidden_path', 'a path through that symlink'],
	["$home/absolute", 403, 'forbidden_path', 'an absolute symlink (even to inside)'],
	['plain', 400, 'relative_path', 'a relative path'],
	["$home/plain%00/x", 400, 'invalid_field', 'a NUL byte'],
	["$home/" . ('a' x 300), 400, 'bad_path', 'a component over 255 bytes'],
	["$home/" . ('a/' x 2100), 400, 'invalid_field', 'an overlong path'],
);
for my $b (@bad) {
	my ($p, $status, $code, $what) = @$b;
	($s, $j) = $t->get("/api/agents/directories?path=$p");
	$t->is_err($s, $j, $status, $code, "directories ?path= $what");
}

$t->done;
