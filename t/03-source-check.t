#!/usr/bin/perl
# The checks of t/01-style.t and t/02-layers.t (t/lib/SourceCheck.pm) on small
# trees made to break each rule once, and to keep each rule once: a check that
# cannot fail, or that fails clean code, would be worse than none.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use SourceCheck qw(style_problems comment_problems layer_problems strip_c);
use Test::More;

# tree(FILE => TEXT, ...): a new source tree holding these files.
sub tree {
	my (%f) = @_;
	my $top = tempdir('agd-srccheck-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	for my $name (keys %f) {
		(my $d = "$top/$name") =~ s{/[^/]*\z}{};
		make_path($d);
		open(my $fh, '>', "$top/$name") or die "$top/$name: $!";
		print $fh $f{$name};
		close $fh or die "$top/$name: $!";
	}
	return $top;
}

# A function definition in the daemon's style.
sub fn {
	my ($name, @body) = @_;
	return "int\n$name(void)\n{\n" . join('', map { "\t$_\n" } @body) . "\treturn (0);\n}\n";
}

is(strip_c(qq{a("x(", '(');\n/* b(\n */ c(); // d(\n}), qq{a("", ' ');\n \n c();  \n},
    'strip_c blanks strings, characters and comments, keeping the lines');

# --- style -------------------------------------------------------------------

my $clean = "/* A clean file: what it is for. */\n" . fn('ok_fn',
    'char b[8];', 'snprintf(b, sizeof b, "%s", "strcpy(");', '/* no sprintf() here */',
    'xasprintf(&p, "x"); vsnprintf(b, 1, "", ap); asprintf(&p, "");');
my $top = tree('daemon/ok.c' => $clean, 'lib/ok.h' => "/*\n * The header of ok.c.\n */\n",
    'fcgi/ok.c' => $clean . ("\t" x 12 . "x;\n") . ('/' x 100) . "\n",
    'lib/gen.c' => "/* Generated from sql/ by mk. Do not edit. */\nsprintf(b, \"\");\n",
    'lib/notes.txt' => "sprintf(\n");
is_deeply([style_problems($top)], [], 'clean files pass (96 columns of tabs, 100 columns, ' .
    'snprintf, xasprintf, names in strings and comments, generated files)');

$top = tree(
    'daemon/bad.c' => "#include <stdio.h>\n" . fn('bad', 'sprintf(b, "x");',
	'strcpy(a, b); strcat (a, b);', 'vsprintf(b, f, ap);', 'x = ' . ('y' x 98) . ';',
	"\t\t\t\t\t\t\t\t\t\t\t\t\tz;"),
    'lib/long.h' => "/* A header too long. */\n" . ("x;\n" x 800),
    'fcgi/short.c' => "/* hi */\nint x;\n");
is_deeply([style_problems($top)], [
	'daemon/bad.c:1: does not open with a comment saying what it is for',
	'daemon/bad.c:5: sprintf (use snprintf, xasprintf or memcpy with a length)',
	'daemon/bad.c:6: strcat (use snprintf, xasprintf or memcpy with a length)',
	'daemon/bad.c:6: strcpy (use snprintf, xasprintf or memcpy with a length)',
	'daemon/bad.c:7: vsprintf (use snprintf, xasprintf or memcpy with a length)',
	'daemon/bad.c:8: 111 columns (at most 100)',
	'daemon/bad.c:9: 114 columns (at most 100)',
	'fcgi/short.c:1: does not open with a comment saying what it is for',
	'lib/long.h:801: 801 lines (at most 800)',
    ], 'each style rule fails a file that breaks it (sorted by file, then rule)')
    or diag(explain([style_problems($top)]));

# --- comments ----------------------------------------------------------------

$top = tree(
    'daemon/c.h' => "/* The header of c.c. */\n/* Two, under one comment. */\nint in_h(void);\n" .
	"int in_h2(int,\n    int);\n\nint bare_h(void);\n",
    'daemon/c.c' => "/* What c.c is for. */\n" . fn('in_h') . fn('in_h2') .
	"/* Says what it does. */\n" . fn('above') . "static int\nquiet(void)\n{\n}\n" .
	fn('bare_h') . "/* Not directly above. */\n\n" . fn('bare') . fn('main'));
is_deeply([comment_problems($top)], [
	'daemon/c.c:23: bare_h() has no comment (above it or at its prototype)',
	'daemon/c.c:30: bare() has no comment (above it or at its prototype)',
    ], 'a non-static function needs a comment above it or at its prototype ' .
    '(static functions and main do not)')
    or diag(explain([comment_problems($top)]));

# --- layers ------------------------------------------------------------------

my $hdr = "/* The daemon's shared header. */\nstruct ctl_client;\nint ctl_reply(struct ctl_client *);\n";
$top = tree(
    'daemon/agentd.h' => $hdr,
    'daemon/agentd.c' => "/* main */\n" . fn('main', 'server_start();', 'session_find();'),
    'daemon/server.c' => "/* server */\n" . fn('server_start', 'cmd_dispatch();'),
    'daemon/server-client.c' => "/* one client */\n" . fn('ctl_reply', 'return (1);'),
    'daemon/cmd.c' => "/* table */\n" . fn('cmd_dispatch', 'cmd_session_create();'),
    'daemon/cmd.h' => "/* table */\nint cmd_dispatch(struct ctl_client *);\n",
    'daemon/cmd-session-create.c' => "/* create */\n#include \"agentd.h\"\n#include \"cmd.h\"\n" .
	"#include \"session.h\"\n" . fn('cmd_session_create', 'ctl_reply(c);', 'session_create();'),
    'daemon/session.h' => "/* sessions */\nint session_create(void);\n",
    'daemon/session.c' => "/* sessions */\n#include \"agentd.h\"\n#include \"session.h\"\n" .
	fn('session_create', 'persist_write();', 'notify_output();', 's->cb(s);',
	    'k->cmd_dispatch(s); /* cmd_dispatch( */') . fn('session_find'),
    'daemon/session-notify.c' => "/* subscribers */\n" . fn('notify_output', 'session_find();'),
    'daemon/agent.c' => "/* engine */\n" . fn('agent_event', 'agent_claude_read();',
	'session_find();'),
    'daemon/agent-claude.c' => "/* claude */\n" . fn('agent_claude_read', 'agent_event();'),
    'daemon/persist.c' => "/* writes */\n" . fn('persist_write', 'agd_db_exec();'),
    'daemon/waiter.c' => "/* waiters */\n" . fn('waiter_done', 'persist_write();'),
    'daemon/worker.h' => "/* workers and jobs */\nint worker_start(void);\nint job_run(void);\n",
    'daemon/worker.c' => "/* workers */\n#include \"worker.h\"\n" . fn('worker_start', 'job_run();'),
    'daemon/job.c' => "/* jobs */\n#include \"worker.h\"\n" . fn('job_run'),
    'lib/db.c' => "/* SQLite */\n" . fn('agd_db_exec'),
    'fcgi/api.c' => "/* fcgi */\n#include \"db.h\"\n" . fn('api_run', 'agd_db_exec();'),
    'lib/db.h' => "/* SQLite */\nint agd_db_exec(void);\n");
is_deeply([layer_problems($top)], [], 'a tree in layers passes (down, sideways, ' .
    'ctl_reply from a command, a family in a circle, calls through pointers, names in comments, ' .
    'a helper including a header that also declares a subsystem)')
    or diag(explain([layer_problems($top)]));

$top = tree(
    'daemon/agentd.h' => $hdr,
    'daemon/cmd.c' => "/* table */\n" . fn('cmd_dispatch', 'server_client_lost();'),
    'daemon/server-client.c' => "/* one client */\n" . fn('server_client_lost', 'cmd_dispatch();') .
	fn('ctl_reply'),
    'daemon/cmd-session-create.c' => "/* create */\n" . fn('cmd_session_create', 'ctl_reply();'),
    'daemon/cmd.h' => "/* table */\nint cmd_dispatch(void);\n",
    'daemon/session.c' => "/* sessions */\n#include \"cmd.h\"\n" . fn('session_create',
	'cmd_session_create();', 'ctl_reply(c);', 'ws_free();') .
	"static void\nsession_wait(struct ctl_client *c)\n{\n}\n",
    'daemon/ws.c' => "/* viewers */\n" . fn('ws_free', 'debrief_idle();'),
    'daemon/debrief.c' => "/* debrief */\n" . fn('debrief_idle', 'session_create();'),
    'daemon/persist.c' => "/* writes */\n" . fn('persist_write', 'session_create();'),
    'lib/db.c' => "/* SQLite */\n#include \"agentd.h\"\n#include \"api.h\"\n" .
	fn('agd_db_exec', 'api_run();'),
    'fcgi/api.h' => "/* fcgi */\n#include \"../daemon/session.h\"\n",
    'fcgi/api.c' => "/* fcgi */\n" . fn('api_run', 'persist_write();', 'agd_db_exec();'));
is_deeply([layer_problems($top)], [
	'daemon: debrief, session, ws call each other in a circle: ' .
	    'daemon/debrief.c:5: session_create() (to daemon/session.c); ' .
	    'daemon/session.c:8: ws_free() (to daemon/ws.c); ' .
	    'daemon/ws.c:5: debrief_idle() (to daemon/debrief.c)',
	'daemon/cmd.c:5: calls server_client_lost() of daemon/server-client.c (layer server, above cmd)',
	'daemon/persist.c:5: calls session_create() of daemon/session.c (layer subsystem, above helper)',
	'daemon/session.c:2: includes daemon/cmd.h (layer cmd, above subsystem)',
	'daemon/session.c:6: calls cmd_session_create() of daemon/cmd-session-create.c ' .
	    '(layer cmd, above subsystem)',
	'daemon/session.c:7: names ctl_reply (only server*.c, cmd.c and cmd-*.c talk to clients)',
	'daemon/session.c:12: names ctl_client (only server*.c, cmd.c and cmd-*.c talk to clients)',
	'fcgi/api.c:5: calls persist_write() of daemon/persist.c (daemon/ is not below fcgi/)',
	'fcgi/api.h:2: includes ../daemon/session.h (from daemon/)',
	'lib/db.c:2: includes daemon/agentd.h (daemon/ is not below lib/)',
	'lib/db.c:3: includes fcgi/api.h (fcgi/ is not below lib/)',
	'lib/db.c:7: calls api_run() of fcgi/api.c (fcgi/ is not below lib/)',
    ], 'each layer rule fails a tree that breaks it')
    or diag(explain([layer_problems($top)]));

done_testing();
