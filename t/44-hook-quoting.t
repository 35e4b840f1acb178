#!/usr/bin/perl
# The claude hook command is quoted for the shell claude runs it with (issue #12,
# item 9): a state directory whose path holds a ' and a $(...) runs no command of
# its own, and the hook still reaches the daemon.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;

my $bin = tempdir('agentd-claude-XXXXXX', TMPDIR => 1, CLEANUP => 1);
symlink(AgentdTest::srcdir() . '/t/bin/hook-probe', "$bin/claude") or die "symlink: $!";
# nginx takes no such path: agentd alone is given it, a link to the stack's HOME
# (in the working directory, which the agent's sandbox shows as it is).
my $odd;
my $t = AgentdTest->new(agents => { probe => { default => "$bin/claude", adapter => 'claude' } }, daemon_home => sub {
	$odd = "$_[0]/work/a'\$(touch pwned)'b";
	symlink($_[0], $odd) or die "symlink: $!";
	return $odd;
});
like(readlink($odd) // '', qr/^\Q${\ $t->home}\E$/, "agentd's HOME has a quote in its path");
open(my $fh, '>', $t->workdir . '/probe.args') or die;
print $fh join(' ', $odd, 'http://127.0.0.1:' . $t->port, 'none', 'q'), "\n";
close $fh;
my ($s) = $t->create(name => 'q', agentType => 'probe');
is($s, 201, 'create the claude');
my $out = $t->wait_output('q', qr/hook-probe done/);
$out =~ s/\r//g;
like($out, qr/^probe hook-run: exit 0$/m, 'the hook command runs');
ok($t->wait_for(sub {
	grep { $_->{type} eq 'agent_started' } @{$t->session('q')->{events} // []};
}, 10, 'the hook\'s event'), 'the hook reached the daemon');
ok(!-e $t->workdir . '/pwned', 'the path ran nothing: no pwned file');
$t->done;
