#!/usr/bin/perl
# agent_user (issue #12, going beyond the peers): a root daemon runs the agent as
# another Unix user, made here: the agent's `id -u` is that user's, it writes its
# working directory (the user's), and it cannot read a 0600 file of root's. A
# pool (agent_users) gives a second live session the next user, which cannot read
# the first one's working tree (0700, the first user's). agent_user alone runs
# every session as that one user.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
plan skip_all => 'agent_user needs root (the daemon switches users)' if $> != 0;
plan skip_all => 'useradd is missing' unless grep { -x "$_/useradd" } qw(/usr/sbin /sbin);

my @users = map { "agentdt26$$" . $_ } qw(a b);
my %uid;
for my $u (@users) {
	system('useradd', '-M', '-d', '/nonexistent', '-s', '/bin/sh', $u) == 0
	    or BAIL_OUT("useradd $u failed");
	$uid{$u} = (getpwnam($u))[2];
}
END { system('userdel', $_) for @users }

# Root's secret, outside the state directory and /tmp (both hidden by the sandbox).
my $vault = tempdir('agentd-t26-XXXXXX', DIR => '/var/tmp', CLEANUP => 1);
chmod(0755, $vault);
my $secret = "$vault/secret";
open(my $fh, '>', $secret) or die "$secret: $!\n";
print $fh "root-only\n";
close($fh);
chmod(0600, $secret);

# Each user's working directory is its own, outside the state directory and /tmp
# (the sandbox hides both: the uid, not the sandbox, must keep the peer out).
my %wd;
for my $u (@users) {
	$wd{$u} = "$vault/$u";
	make_path($wd{$u});
	chown($uid{$u}, -1, $wd{$u});
	chmod(0700, $wd{$u});
}
my $peer = "$wd{$users[0]}/wrote.txt";

my $agent = q{sh -c 'echo "uid=$(id -u) home=$HOME"; echo w > wrote.txt && echo WROTE-OK;}
    . q{ cat $0 2>/dev/null || echo READ-DENIED;}
    . q{ if cat "$1" >/dev/null 2>&1; then echo PEER-READ; else echo PEER-DENIED; fi;}
    . q{ echo probe-done; sleep 600'} . " $secret $peer";
my $t = AgentdTest->new(conf => { agent_users => "@users" },
    agents => { asuser => $agent });

my ($s, $j) = $t->create(name => 'u1', agentType => 'asuser', workingDirectory => $wd{$users[0]},
    permissionMode => 'bypassPermissions');
is($s, 201, 'create as the first pool user');
my $out = $t->wait_output('u1', qr/probe-done/);
like($out, qr/uid=$uid{$users[0]} home=\/nonexistent/, "the agent runs as $users[0]");
like($out, qr/WROTE-OK/, 'it writes its working directory');
is((stat("$wd{$users[0]}/wrote.txt"))[4], $uid{$users[0]}, 'the file is the user\'s');
like($out, qr/READ-DENIED/, 'it cannot read a 0600 file of root\'s');
unlike($out, qr/root-only/, 'the secret is not in its output');

# A second live session takes the next user; it cannot enter the first's tree.
($s, $j) = $t->create(name => 'u2', agentType => 'asuser', workingDirectory => $wd{$users[1]});
is($s, 201, 'a second session');
$out = $t->wait_output('u2', qr/probe-done/);
like($out, qr/uid=$uid{$users[1]} /, "the next session runs as $users[1]");
like($out, qr/PEER-DENIED/, "$users[1] cannot read $users[0]'s working tree");
like($t->output('u1'), qr/PEER-READ/, "(the file is there: $users[0] reads it)");
($s, $j) = $t->create(name => 'u3', agentType => 'asuser', workingDirectory => $wd{$users[0]});
is($s, 500, 'the pool is busy: no third session');
like($j->{error} // '', qr/every user of agent_users is busy/, 'says why');
$t->del("/api/agents/sessions/$_") for qw(u1 u2);
$t->stop;

# agent_user: one user for every session (two at once).
$t = AgentdTest->new(conf => { agent_user => $users[1] }, agents => { asuser => $agent });
for my $n (qw(o1 o2)) {
	($s, $j) = $t->create(name => $n, agentType => 'asuser', workingDirectory => $wd{$users[1]});
	is($s, 201, "agent_user: create $n");
	like($t->wait_output($n, qr/probe-done/), qr/uid=$uid{$users[1]} /,
	    "agent_user: $n runs as $users[1]");
}
$t->del("/api/agents/sessions/$_") for qw(o1 o2);
$t->stop;
done_testing;
