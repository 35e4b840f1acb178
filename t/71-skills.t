#!/usr/bin/perl
# GET /api/agents/skills: SKILL.md front matter of the three agents' skill
# directories and of a project (?cwd=), broken ones listed with an error.
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

my $tmp = abs_path(tempdir('agentd-skills-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TEST_AGENTD_LEAVE}));
my $home = "$tmp/home";
my $outside = "$tmp/outside";
sub skill {
	my ($dir, $text) = @_;
	make_path($dir);
	open(my $fh, '>', "$dir/SKILL.md") or die "$dir: $!";
	print $fh $text;
	close $fh;
}

skill("$home/.claude/skills/review", <<'MD');
---
name: code-review
description: "Review a diff: style, bugs, tests"
user-invocable: false
---
# Review
Body text with --- inside is not front matter.
MD
skill("$home/.claude/skills/plain", "---\ndescription: >\n  Folded\n  text\n---\nbody\n");
skill("$home/.claude/skills/crlf", "---\r\nname: crlf\r\ndescription: Windows lines\r\nuserInvocable: yes\r\n---\r\n");
skill("$home/.claude/skills/broken", "---\nname: [unclosed\ndescription: x\n---\n");
skill("$home/.claude/skills/nofront", "# Just markdown\n");
skill("$home/.claude/skills/open", "---\nname: never closed\n" . ("x: y\n" x 20000));
skill("$home/.claude/skills/notmap", "---\n- a\n- b\n---\n");
skill("$home/.claude/skills/badbool", "---\nname: b\nuser-invocable: maybe\n---\n");
skill("$home/.claude/skills/alias", "---\nname: &a al\ndescription: *a\n---\n");
skill("$home/.codex/skills/.system/creator", "---\nname: skill-creator\ndescription: Make skills\n---\n");
skill("$home/.openclaw/skills/claw", "---\nname: claw\ndescription: OpenClaw skill\n---\n");
skill("$outside/evil", "---\nname: evil\ndescription: outside\n---\n");
symlink($outside, "$home/.claude/skills/outside") or die;
symlink('../../.codex/skills/.system/creator', "$home/.claude/skills/linked") or die;
skill("$home/proj/.claude/skills/local", "---\nname: local\ndescription: Project skill\n---\n");

my $t = AgentdTest->new(conf => { home_root => $home });
my ($s, $j);

($s, $j) = $t->get('/api/agents/skills');
is($s, 200, 'skills: 200');
my %k;
$k{"$_->{agent}:" . ($_->{path} =~ s{^\Q$home\E/}{}r)} = $_ for @$j;
my $r = $k{'claude:.claude/skills/review/SKILL.md'};
is($r->{name}, 'code-review', 'name from the front matter');
is($r->{description}, 'Review a diff: style, bugs, tests', 'description');
is($r->{userInvocable}, JSON::PP::false, 'user-invocable: false');
is($r->{scope}, 'user', 'scope user');
is($r->{path}, "$home/.claude/skills/review/SKILL.md", 'path');
ok(!exists $r->{error}, 'no error');
my $p = $k{'claude:.claude/skills/plain/SKILL.md'};
is($p->{name}, 'plain', 'no name: the directory name');
is($p->{description}, "Folded text\n", 'a folded scalar, parsed as YAML');
is($p->{userInvocable}, JSON::PP::true, 'userInvocable defaults to true');
is($k{'claude:.claude/skills/crlf/SKILL.md'}{description}, 'Windows lines', 'CRLF lines');
is($k{'claude:.claude/skills/crlf/SKILL.md'}{userInvocable}, JSON::PP::true, 'userInvocable: yes');
is($k{'claude:.claude/skills/alias/SKILL.md'}{description}, 'al', 'an alias');
is($k{'codex:.codex/skills/.system/creator/SKILL.md'}{name}, 'skill-creator', 'codex skills, nested');
is($k{'openclaw:.openclaw/skills/claw/SKILL.md'}{description}, 'OpenClaw skill', 'openclaw skills');
my $l = $k{'claude:.claude/skills/linked/SKILL.md'};
is($l->{name}, 'skill-creator', 'a skill symlinked from inside the home');
for my $b (qw(broken nofront open notmap badbool)) {
	my $x = $k{"claude:.claude/skills/$b/SKILL.md"};
	ok($x && $x->{error}, "broken SKILL.md ($b): listed with an error")
	    or diag(explain($x));
	is($x->{name}, $b, "broken SKILL.md ($b): named after its directory") if $x && $b ne 'badbool';
}
like($k{'claude:.claude/skills/broken/SKILL.md'}{error}, qr/yaml/i, 'the error says what');
ok(!grep({ ($_->{name} // '') eq 'evil' || $_->{path} =~ /outside/ } @$j),
    'a symlink to outside the home is not followed');
is(scalar(grep { $_->{scope} eq 'project' } @$j), 0, 'no project skills without cwd');

($s, $j) = $t->get("/api/agents/skills?cwd=$home/proj");
is($s, 200, '?cwd=: 200');
my ($loc) = grep { $_->{scope} eq 'project' } @$j;
is($loc->{name}, 'local', '?cwd=: the project skill');
is($loc->{path}, "$home/proj/.claude/skills/local/SKILL.md", '?cwd=: its path');
is($loc->{agent}, 'claude', '?cwd=: agent claude');

($s, $j) = $t->get("/api/agents/skills?cwd=$outside");
$t->is_err($s, $j, 403, 'forbidden_path', '?cwd= outside the home and no session there');
($s, $j) = $t->get("/api/agents/skills?cwd=$home/../outside");
$t->is_err($s, $j, 403, 'forbidden_path', '?cwd= with ..');
($s, $j) = $t->get("/api/agents/skills?cwd=$home/nope");
$t->is_err($s, $j, 404, 'not_found', '?cwd= that does not exist');

# A session's working directory outside the home is a valid cwd.
($s) = $t->create(name => 'sk', workingDirectory => $outside);
is($s, 201, 'a session in a directory outside the home');
make_path("$outside/.claude/skills/mine");
skill("$outside/.claude/skills/mine", "---\nname: mine\n---\n");
($s, $j) = $t->get("/api/agents/skills?cwd=$outside");
is($s, 200, "?cwd= a session's working directory: 200");
ok((grep { $_->{name} eq 'mine' && $_->{scope} eq 'project' } @$j),
    "?cwd= a session's working directory: its skills");
$t->del('/api/agents/sessions/sk');

$t->done;
