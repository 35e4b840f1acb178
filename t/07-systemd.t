#!/usr/bin/perl
# The systemd units (issue #18): `systemd-analyze verify` clean, hardened as
# README "Operations" says, and - without systemd as PID 1 here - their
# ExecStart lines run the stack from the installed programs, and a restart the
# way systemd does it with each unit's KillMode (agentd: process, SIGTERM to the
# daemon alone; agentd-fcgi: control-group, its whole process group) keeps every
# agent: same pid, no gap in its output, input still reaches it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Temp qw(tempdir);
use Test::More;

AgentdTest->require_stack;
sub slurp { AgentdTest->slurp(@_) }

my %dir = AgentdTest->install_dirs;
my $dest = tempdir('agentd-unit-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my ($rc, $out) = AgentdTest->make_build("install DESTDIR='$dest'");
is($rc, 0, 'make install DESTDIR=...') or diag($out);
my $state = "$dir{localstatedir}/lib/agentd";
my $conf = "$dir{sysconfdir}/agentd/agentd.conf";

# KEY=value lines of a unit (the last one wins, as for these keys in systemd).
sub unit {
	my ($name) = @_;
	my $text = slurp("$dest$dir{systemdsystemunitdir}/$name.service");
	my %u;
	$u{$1} = $2 while $text =~ /^(\w+)=(.*)$/mg;
	$u{_text} = $text;
	return \%u;
}
my $d = unit('agentd');
my $f = unit('agentd-fcgi');

is($d->{ExecStart}, "$dir{sbindir}/agentd -f $conf -H $state", 'agentd ExecStart');
is($f->{ExecStart}, "$dir{sbindir}/agentd-fcgi -f $conf -H $state", 'agentd-fcgi ExecStart');
is($d->{KillMode}, 'process', 'agentd: KillMode=process (a restart signals the daemon alone)');
ok(!defined $f->{KillMode}, 'agentd-fcgi: control-group (its workers go with it)');
for my $u ($d, $f) {
	is($u->{NoNewPrivileges}, 'yes', 'NoNewPrivileges');
	is($u->{ProtectSystem}, 'strict', 'ProtectSystem=strict');
	is($u->{ReadWritePaths}, $state, 'ReadWritePaths is the state directory');
	is($u->{PrivateTmp}, 'yes', 'PrivateTmp');
	like($u->{RestrictAddressFamilies}, qr/^AF_UNIX\b/, 'RestrictAddressFamilies');
	is($u->{User}, 'agentd', 'runs as agentd');
}
unlike($d->{_text}, qr/^(?:RestrictNamespaces|MemoryDenyWriteExecute|SystemCallFilter)=/m,
    'agentd: nothing the agents\' sandbox (bwrap) or node need is taken away');

SKIP: {
	my $sa = -x '/usr/bin/systemd-analyze' ? '/usr/bin/systemd-analyze' : undef;
	skip 'no systemd-analyze', 1 unless $sa;
	# verify checks that the programs exist: point the units at the install.
	my $tmp = tempdir('agentd-verify-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	for my $n (qw(agentd agentd-fcgi)) {
		(my $t = unit($n)->{_text}) =~ s{^ExecStart=(\S+)}{ExecStart=$dest$1}m;
		open(my $fh, '>', "$tmp/$n.service") or die;
		print $fh $t;
		close($fh);
	}
	my $v = `cd '$tmp' && $sa verify --man=no ./agentd.service ./agentd-fcgi.service 2>&1`;
	is($? . $v, '0', 'systemd-analyze verify: clean');
}

# The ExecStart lines, their programs from the install, the state directory and
# the configuration the test's (the holder as the installed daemon finds it
# when the install is not at its prefix: holder_path).
sub exec_argv {
	my ($line) = @_;
	my @w = split ' ', $line;
	$w[0] = "$dest$w[0]";
	for my $i (1 .. $#w) {
		$w[$i] = '@HOME@/agentd.conf' if $w[$i] eq $conf;
		$w[$i] = '@HOME@' if $w[$i] eq $state;
	}
	return [@w];
}

# Unsandboxed: the fake agent names its spam file by its own pid (t/30).
# group_sockets as the package's agentd.conf sets it.
my $t = AgentdTest->new(conf => { sandbox => 'off', group_sockets => 'yes',
    holder_path => "$dest$dir{libexecdir}/agentd-holder" },
    argv => { daemon => exec_argv($d->{ExecStart}), fcgi => exec_argv($f->{ExecStart}) });
is(readlink("/proc/${\ $t->daemon_pid}/exe"), "$dest$dir{sbindir}/agentd",
    'the daemon is the installed agentd');
is(readlink("/proc/${\ $t->fcgi_pid}/exe"), "$dest$dir{sbindir}/agentd-fcgi",
    'the handlers are the installed agentd-fcgi');

my %mode = map { $_ => sprintf('%04o', (stat $t->home . "/run/$_")[2] & 07777) }
    qw(ctl.sock ws.sock fcgi.sock);
is_deeply(\%mode, { 'ctl.sock' => '0600', 'ws.sock' => '0660', 'fcgi.sock' => '0660' },
    'group_sockets: the sockets nginx connects to are 0660, the control socket 0600');

my ($s, $j) = $t->create(name => 'u1');
is($s, 201, 'create u1');
my $pid = $j->{pid};
$t->wait_output('u1', qr/fake-agent pid=/);
($s) = $t->message('u1', 'spam');
is($s, 200, 'message spam');
$t->wait_output('u1', qr/^spam 30\r?$/m);

# The processes a stop signals, as systemd picks them by KillMode: the main
# process alone (process), or every process of the unit's cgroup - here, every
# descendant of the main process (control-group, mixed: SIGTERM to the main
# process, SIGKILL to the rest).
sub descendants {
	my ($top) = @_;
	my %kids;
	for my $st (glob '/proc/[0-9]*/stat') {
		my $l = slurp($st);
		push @{$kids{$2}}, $1 if $l =~ /^(\d+) \(.*\) \S+ (\d+)/s;
	}
	my @all;
	my @todo = ($top);
	while (defined(my $p = shift @todo)) {
		push @all, @{$kids{$p} // []};
		push @todo, @{$kids{$p} // []};
	}
	return @all;
}

sub systemctl_stop {
	my ($name, $u, $main) = @_;
	# It may be gone before kill_proc looks: not a crash.
	$t->{expect_exit}{$name} = 1;
	my $mode = $u->{KillMode} // 'control-group';
	my @rest = $mode eq 'process' ? () : descendants($main);
	kill 'TERM', $main;
	kill $mode eq 'mixed' ? 'KILL' : 'TERM', @rest if @rest;
}

# systemctl restart agentd, then agentd-fcgi: stop as the KillMode says, start
# ExecStart again.
my $old = $t->daemon_pid;
systemctl_stop('daemon', $d, $old);
$t->kill_daemon('TERM');
delete $t->{expect_exit}{daemon};	# the next one must not exit by itself
ok(kill(0, $pid), 'the agent survives the stop of agentd.service');
my $fcgi = $t->fcgi_pid;
my @workers = descendants($fcgi);
systemctl_stop('fcgi', $f, $fcgi);
$t->kill_fcgi('TERM');
delete $t->{expect_exit}{fcgi};
$t->wait_for(sub { !grep { kill(0, $_) } @workers }, 10, 'the handlers\' workers to be gone');
$t->start_daemon;
$t->start_fcgi;
isnt($t->daemon_pid, $old, 'a new daemon');
my $sess = $t->session('u1');
is($sess->{pid}, $pid, 'after the restarts: the same agent');
is($sess->{status}, 'running', 'still running');
my $n = () = $t->output('u1') =~ /^spam \d+\r?$/mg;
my $o = $t->wait_output('u1', qr/^spam ${\ ($n + 30)}\r?$/m, 15);
my @n = $o =~ /^spam (\d+)\r?$/mg;
my @gap = grep { $n[$_] != $n[$_ - 1] + 1 } 1 .. $#n;
is_deeply(\@gap, [], "no gap in the output (spam $n[0] .. $n[-1])");
($s) = $t->message('u1', 'hello');
is($s, 200, 'a message after the restarts');
$t->wait_output('u1', qr/hello/);
$t->done;
