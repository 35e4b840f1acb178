#!/usr/bin/perl
# DELETE ends everything the agent started (issue #12, item 9): also a child that
# called setsid() and an orphan in a session of its own that ignores SIGTERM,
# which a kill of the agent's process group misses - sandboxed (the PID
# namespace dies with its first process) and with sandbox = off (the holder is
# their subreaper and ends its descendants).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;

AgentdTest->require_stack;
my $agent = AgentdTest::srcdir() . '/t/bin/setsid-agent';

# The pids of live (not zombie) processes named agentd-escapee-TAG.
sub escapees {
	my ($tag) = @_;
	my @p;
	for my $d (glob '/proc/[0-9]*') {
		open(my $fh, '<', "$d/cmdline") or next;
		my $c = <$fh> // '';
		next unless $c =~ /^agentd-escapee-\Q$tag\E\0?$/;
		open(my $st, '<', "$d/stat") or next;
		next if (<$st> // '') =~ /\) Z /;
		push @p, $d =~ s{.*/}{}r;
	}
	return @p;
}

my @cases = ([bwrap => {}], ['off' => { sandbox => 'off' }]);
@cases = grep { $_->[0] ne 'bwrap' } @cases
    unless grep { -x "$_/bwrap" } split /:/, $ENV{PATH} // '';
for my $c (@cases) {
	my ($what, $conf) = @$c;
	my $tag = "$what-$$";
	my $t = AgentdTest->new(conf => { kill_grace_ms => 500, %$conf },
	    agents => { esc => "$agent $tag" });
	my ($s) = $t->create(name => 'e', agentType => 'esc');
	is($s, 201, "$what: create");
	$t->wait_output('e', qr/escapees ready/);
	is(scalar(my @e = escapees($tag)), 2, "$what: two processes outside the agent's group");
	($s) = $t->del('/api/agents/sessions/e');
	is($s, 200, "$what: DELETE");
	ok($t->wait_for(sub { !escapees($tag) }, 10, "$what: the escapees to go"),
	    "$what: none of them is left");
	kill('KILL', escapees($tag));
	$t->stop;
}
done_testing;
