#!/usr/bin/perl
# Contract (issue #15, item 9): the API's home is the home the agents run with.
# The stack started as a service account's environment starts it, HOME=/srv/team
# style (a temporary directory, no home_root in the config): skills are listed
# from every place each agent loads them, with their agent and scope; files,
# directories, upload, the machines' cwd and a create without a directory are
# under that HOME, not under the password database's home.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
my $team = tempdir('agentd-team-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod(0755, $team);
isnt($team, (getpwuid($>))[7], 'the team home is not the password database home');

sub skill {
	my ($dir, $name) = @_;
	make_path("$dir/$name");
	open(my $fh, '>', "$dir/$name/SKILL.md") or die;
	print $fh "---\nname: $name\ndescription: $name skill\n---\nbody\n";
	close $fh;
}
skill("$team/.claude/skills", 'cl-user');
skill("$team/.codex/skills", 'cx-user');
skill("$team/.openclaw/skills", 'oc-user');
skill("$team/.agents/skills", 'shared-user');
make_path("$team/proj/sub");
skill("$team/proj/.claude/skills", 'cl-proj');
skill("$team/proj/.agents/skills", 'shared-proj');
skill("$team/proj/skills", 'oc-proj');

my $t = AgentdTest->new(home_env => $team);
my $S = '/api/agents/sessions';

my ($s, $j) = $t->get('/api/agents/skills');
is($s, 200, 'skills: 200');
my %k = map {; "$_->{agent}:$_->{scope}:$_->{name}" => 1 } @$j;
ok($k{"claude:user:cl-user"}, 'claude: ~/.claude/skills');
ok($k{"codex:user:cx-user"}, 'codex: ~/.codex/skills');
ok($k{"openclaw:user:oc-user"}, 'openclaw: ~/.openclaw/skills');
ok($k{"codex:user:shared-user"} && $k{"openclaw:user:shared-user"},
    '~/.agents/skills: codex and openclaw');
ok(!grep({ /:project:/ } keys %k), 'no project skills without cwd');
($s, $j) = $t->get("/api/agents/skills?cwd=$team/proj");
is($s, 200, 'skills ?cwd=: 200');
%k = map {; "$_->{agent}:$_->{scope}:$_->{name}" => 1 } @$j;
ok($k{"claude:project:cl-proj"}, "claude: the project's .claude/skills");
ok($k{"codex:project:shared-proj"} && $k{"openclaw:project:shared-proj"},
    "the project's .agents/skills: codex and openclaw");
ok($k{"openclaw:project:oc-proj"}, "openclaw: the project's skills/");
ok($k{"claude:user:cl-user"}, '... and the user ones');

($s, $j) = $t->get('/api/agents/files');
is($s, 200, 'files: 200');
is($j->{path}, $team, 'files: the home is $HOME');
ok((grep { $_->{name} eq 'proj' && $_->{isDirectory} } @{$j->{files}}), 'files: proj');
($s, $j) = $t->get("/api/agents/files?path=$team/proj");
is($s, 200, 'files under $HOME: 200');
($s, $j) = $t->get('/api/agents/directories');
is($j->{parent}, $team, 'directories: the home is $HOME');
($s, $j) = $t->get('/api/agents/machines');
my ($local) = grep { $_->{id} eq 'local' } @$j;
is($local->{cwd}, $team, 'machines: local cwd is $HOME');

my $b = 'seedhome';
my $body = "--$b\r\nContent-Disposition: form-data; name=\"workingDirectory\"\r\n\r\n"
    . "$team/proj/sub\r\n--$b\r\nContent-Disposition: form-data; name=\"files\";"
    . " filename=\"n.txt\"\r\nContent-Type: text/plain\r\n\r\nnote\r\n--$b--\r\n";
($s, $j) = $t->req(POST => '/api/agents/upload', $body,
    'Content-Type' => "multipart/form-data; boundary=$b");
is($s, 200, 'upload under $HOME: 200') or diag explain $j;
ok(-f "$team/proj/sub/n.txt", '... written');

($s, $j) = $t->post($S, { name => 'home1', agentType => 'fake' });
is($s, 201, 'create without a directory: 201');
is($j->{workingDirectory}, $team, '... in $HOME');
$t->wait_output('home1', qr/cwd=\Q$team\E/);
$t->del("$S/home1");
$t->done;
