#!/usr/bin/perl
# Upgrade without stopping agents (issue #18): the stack runs from a `make
# install`; a newer build is installed over it while two sessions print, then
# agentd and agentd-fcgi are restarted (as `systemctl restart` does: SIGTERM,
# then the same command line). Every agent keeps its pid, its output has no
# gap, input still reaches it, and the new programs are the ones running.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
my %dir = AgentdTest->install_dirs;
my $dest = tempdir('agentd-upg-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub install {
	my ($rc, $out) = AgentdTest->make_build("install DESTDIR='$dest'");
	is($rc, 0, 'make install DESTDIR=...') or diag($out);
}

sub numbers { return ($_[0] =~ /^spam (\d+)\r?$/mg) }

install();
my $agentd = "$dest$dir{sbindir}/agentd";
my $fcgi = "$dest$dir{sbindir}/agentd-fcgi";
# Unsandboxed: the fake agent names its spam file by its own pid (t/30).
my $t = AgentdTest->new(conf => { sandbox => 'off',
    holder_path => "$dest$dir{libexecdir}/agentd-holder" },
    argv => { daemon => [$agentd, '-H', '@HOME@'], fcgi => [$fcgi, '-H', '@HOME@'] });

my %pid;
for my $n (qw(up1 up2)) {
	my ($s, $j) = $t->create(name => $n);
	is($s, 201, "create $n");
	$pid{$n} = $j->{pid};
	$t->wait_output($n, qr/fake-agent pid=/);
	($s) = $t->message($n, 'spam');
	is($s, 200, "$n: spam");
	$t->wait_output($n, qr/^spam 20\r?$/m);
}

# The newer build over the running one: the files are replaced, not rewritten.
my ($old_daemon, $old_fcgi) = ($t->daemon_pid, $t->fcgi_pid);
my @ino = ((stat $agentd)[1], (stat $fcgi)[1]);
install();
isnt((stat $agentd)[1], $ino[0], 'agentd is a new file');
isnt((stat $fcgi)[1], $ino[1], 'agentd-fcgi is a new file');
like(readlink("/proc/$old_daemon/exe"), qr/ \(deleted\)$/, 'the running agentd is the old one');

# Restart both, as systemctl restart does after the package's postinst.
$t->kill_daemon('TERM');
ok(kill(0, $pid{$_}), "$_ survives the daemon's stop") for sort keys %pid;
my ($s) = $t->get('/api/agents/sessions/up1');
is($s, 200, 'reads answer while the daemon is down');
$t->kill_fcgi('TERM');
$t->start_daemon;
$t->start_fcgi;
isnt($t->daemon_pid, $old_daemon, 'a new daemon');
is(readlink("/proc/${\ $t->daemon_pid}/exe"), $agentd, 'it runs the newly installed agentd');
is(readlink("/proc/${\ $t->fcgi_pid}/exe"), $fcgi, 'the handlers the new agentd-fcgi');

for my $n (sort keys %pid) {
	my $d = $t->session($n);
	is($d->{pid}, $pid{$n}, "$n: the same agent after the upgrade");
	is($d->{status}, 'running', "$n: running");
	my $seen = () = numbers($t->output($n));
	my @n = numbers($t->wait_output($n, qr/^spam ${\ ($seen + 30)}\r?$/m, 15));
	my @gap = grep { $n[$_] != $n[$_ - 1] + 1 } 1 .. $#n;
	is_deeply(\@gap, [], "$n: no gap in its output (spam $n[0] .. $n[-1])");
	($s) = $t->message($n, "after-upgrade-$n");
	is($s, 200, "$n: a message after the upgrade");
	$t->wait_output($n, qr/after-upgrade-\Q$n\E/);
}

# A session made after the upgrade runs the new holder.
my ($s3, $j3) = $t->create(name => 'up3');
is($s3, 201, 'create a session after the upgrade');
$t->wait_output('up3', qr/fake-agent pid=/);
my $new_holder = "$dest$dir{libexecdir}/agentd-holder";
# (Not the spare the daemon keeps started ahead: it waits, named agentd-spare.)
my @holders = grep { (readlink("/proc/$_/exe") // '') eq $new_holder &&
    AgentdTest::_slurp("/proc/$_/comm") !~ /^agentd-spare/ }
    map { m{/proc/(\d+)/} ? $1 : () } glob '/proc/[0-9]*/stat';
is(scalar @holders, 1, 'one holder runs the new agentd-holder: the new session\'s');
$t->done;
