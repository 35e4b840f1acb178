#!/usr/bin/perl
# Uploads and listings never reach what runs things (issue #12, item 2): the
# state directory, the configuration, deny_paths (credentials, the agents'
# settings, shell startup files) and another operator's session directory are
# refused for upload and left out of listings, also through a symlink; an
# operator's own session directory and a project root still take uploads.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Cwd qw(abs_path);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use Test::More;

AgentdTest->require_stack;

# The home (home_root) holds the state directory, as ~/.local/state/agentd would.
my $tmp = abs_path(tempdir('agentd-uc-XXXXXX', DIR => '/tmp',
    CLEANUP => !$ENV{TEST_AGENTD_LEAVE}));
chmod(0755, $tmp);
sub spew {
	my ($f, $data) = @_;
	open(my $fh, '>', $f) or die "$f: $!";
	print $fh $data;
	close $fh;
}
sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return undef;
	local $/;
	return scalar <$fh>;
}
make_path("$tmp/.ssh", "$tmp/.claude", "$tmp/bob", "$tmp/dave/sub", "$tmp/proj");
spew("$tmp/.ssh/authorized_keys", "ssh-ed25519 AAAA mine\n");
spew("$tmp/.bashrc", "# mine\n");
spew("$tmp/.claude/settings.json", "{}\n");
symlink('.ssh', "$tmp/ssh-link") or die;
symlink('dave', "$tmp/dave-link") or die;

my $t = do {
	local $ENV{TMPDIR} = $tmp;
	AgentdTest->new(auth => 'basic', conf => { home_root => $tmp, auth => 'proxy',
	    viewers => 'alice', operators => 'bob dave' });
};
my $state = $t->home;
like($state, qr{^\Q$tmp\E/}, 'the state directory is under the home');
open(my $fh, '>', "$state/htpasswd") or die;
print $fh "alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\ndave:{PLAIN}dave-pw\n";
close($fh);
chmod(0644, "$state/htpasswd");
sub as { my ($u) = @_; return (Authorization => 'Basic ' . encode_base64("$u:$u-pw", '')) }

my $B = 'agentd-test-boundary-75';
sub upload {
	my ($user, $dir, $name, $data) = @_;
	my $body = "--$B\r\nContent-Disposition: form-data; name=\"workingDirectory\"\r\n\r\n$dir\r\n"
	    . "--$B\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\n1\r\n"
	    . "--$B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"$name\"\r\n"
	    . "Content-Type: application/octet-stream\r\n\r\n$data\r\n--$B--\r\n";
	return $t->post('/api/agents/upload', $body, as($user),
	    'Content-Type' => "multipart/form-data; boundary=$B");
}

my ($s, $j);
($s) = $t->post('/api/agents/sessions', { name => 'dave1', agentType => 'fake',
    workingDirectory => "$tmp/dave" }, as('dave'));
is($s, 201, 'dave works in ~/dave');
($s) = $t->post('/api/agents/sessions', { name => 'bob1', agentType => 'fake',
    workingDirectory => "$tmp/bob" }, as('bob'));
is($s, 201, 'bob works in ~/bob');

my $conf_before = slurp("$state/agentd.conf");
for my $c (
	[$state, 'agentd.conf', 'the configuration in the state directory'],
	[$state, 'htpasswd', 'htpasswd'],
	["$state/run", 'x', "the state directory's sockets"],
	[$tmp, '.bashrc', '~/.bashrc'],
	[$tmp, '.profile', '~/.profile (absent, still refused)'],
	[$tmp, '.claude.json', '~/.claude.json'],
	["$tmp/.ssh", 'authorized_keys', '~/.ssh/authorized_keys'],
	["$tmp/ssh-link", 'authorized_keys', '~/.ssh through a symlink'],
	["$tmp/.claude", 'settings.json', '~/.claude/settings.json'],
	['~/.claude', 'settings.json', '~/.claude written with a tilde'],
	["$tmp/dave", 'CLAUDE.md', "another operator's session directory"],
	["$tmp/dave/sub", 'x', "below another operator's session directory"],
	["$tmp/dave-link", 'CLAUDE.md', "another operator's session directory through a symlink"],
) {
	my ($dir, $name, $what) = @$c;
	($s, $j) = upload('bob', $dir, $name, "evil\n");
	$t->is_err($s, $j, 403, 'forbidden_path', "upload: $what");
}
is(slurp("$state/agentd.conf"), $conf_before, 'agentd.conf unchanged');
is(slurp("$tmp/.bashrc"), "# mine\n", '~/.bashrc unchanged');
is(slurp("$tmp/.ssh/authorized_keys"), "ssh-ed25519 AAAA mine\n", 'authorized_keys unchanged');
is(slurp("$tmp/.claude/settings.json"), "{}\n", 'settings.json unchanged');
ok(!-e "$tmp/dave/CLAUDE.md", "nothing in dave's directory");
ok(!-e "$tmp/.profile", 'no ~/.profile');

# What still works: one's own session directory and a project root (the home).
($s, $j) = upload('bob', "$tmp/bob", 'notes.txt', "for my agent\n");
is($s, 200, "upload into one's own session directory");
is(slurp("$tmp/bob/notes.txt"), "for my agent\n", '... written');
($s, $j) = upload('dave', "$tmp/dave", 'CLAUDE.md', "dave's own\n");
is($s, 200, 'dave uploads into his');
($s, $j) = upload('bob', "$tmp/proj", 'a.txt', "in a project root\n");
is($s, 200, 'upload into a project root (the home) with no session there');

# Listings: the state directory and the denied paths are refused, and left out.
for my $c ([$state, 'the state directory'], ["$state/sessions", 'below it'],
    ["$tmp/.ssh", '~/.ssh'], ["$tmp/ssh-link", '~/.ssh through a symlink'],
    ["$tmp/.claude", '~/.claude']) {
	($s, $j) = $t->get("/api/agents/files?path=$c->[0]", as('alice'));
	$t->is_err($s, $j, 403, 'forbidden_path', "files: $c->[1]");
}
($s, $j) = $t->get("/api/agents/files?path=$tmp", as('alice'));
is($s, 200, 'files: the home');
my %names = map { $_->{name} => 1 } @{$j->{files}};
my ($statename) = $state =~ m{([^/]+)$};
ok(!$names{$_}, "files: $_ left out") for ('.ssh', '.bashrc', '.claude', $statename);
ok($names{bob} && $names{proj}, 'files: the rest is listed');
is($j->{total}, scalar @{$j->{files}}, 'files: total counts what is listed');
($s, $j) = $t->get("/api/agents/directories?path=$tmp&hidden=1", as('alice'));
is($s, 200, 'directories: the home');
%names = map { $_->{name} => 1 } @{$j->{entries}};
ok(!$names{$_}, "directories: $_ left out") for ('.ssh', '.claude', $statename);
ok($names{bob}, 'directories: the rest is listed');
($s, $j) = $t->get("/api/agents/directories?path=$state", as('alice'));
$t->is_err($s, $j, 403, 'forbidden_path', 'directories: the state directory');
($s, $j) = $t->get("/api/agents/skills?cwd=$state", as('alice'));
$t->is_err($s, $j, 403, 'forbidden_path', 'skills: the state directory as cwd');

$t->stop;
done_testing;
