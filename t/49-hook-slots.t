#!/usr/bin/perl
# The sessions' socket (hook.sock) against an unsandboxed agent (issue #12,
# attack review 3): processes of the daemon's own uid and PID namespace, as an
# agent with sandbox = off is, hold connections there without a key. One
# process holds at most 4; a pool of 64 keyless ones, full, gives up its oldest
# for a new connection, so a session's own report still gets in; one session's
# key holds at most 8 connections.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IPC::Open2;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new(conf => { sandbox => 'off' }, expect_log => [
    qr/sessions' socket: pid \d+ holds 4 connections: refused/,
    qr/sessions' socket: session \d+'s key holds 8 connections: refused/]);
my $sock = $t->home . '/run/hook.sock';
my ($s) = $t->create(name => 'x');
is($s, 201, 'a session');
my ($keyfile) = glob($t->home . '/sessions/*/session-key');
ok(-s $keyfile, 'its key');

# hook-hold ARGS: its "open O replied R" line, and its process (held until closed).
sub hold {
	my $pid = open2(my $out, my $in, $^X, "$FindBin::Bin/bin/hook-hold", @_);
	my $line = <$out> // '';
	chomp $line;
	return ($line, { pid => $pid, in => $in });
}
sub release { for (@_) { close $_->{in}; waitpid($_->{pid}, 0) } }

my ($line, $h) = hold($sock, 10);
is($line, 'open 4 replied 0', 'one process: 4 keyless connections, no more');
release($h);

# 20 processes of 4 keyless connections each: more than the pool holds.
my @hogs = map { (hold($sock, 4))[1] } 1 .. 20;
my $in = $t->wait_for(sub {
	my ($l, $p) = hold($sock, 1, 'x', $keyfile);
	release($p);
	$l eq 'open 1 replied 1';
}, 5, 'a keyed report past the keyless pool');
ok($in, 'the session\'s report gets in while 80 keyless connections wait');
release(@hogs);

# One session's key: 8 connections at once.
my @keyed = map { [hold($sock, 3, 'x', $keyfile)] } 1 .. 3;
my $replied = 0;
$replied += ($_->[0] =~ /replied (\d+)/)[0] // 0 for @keyed;
is($replied, 8, '9 keyed connections of one session: 8 are taken');
release(map { $_->[1] } @keyed);
$t->done;
