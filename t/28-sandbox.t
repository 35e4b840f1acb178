#!/usr/bin/perl
# Agents are sandboxed from agentd (issue #12): a bypassPermissions session whose
# program (t/bin/sandbox-probe) tries to reach the control socket and a holder
# socket, read agentd.db and agentd.conf, list the sessions' directory and signal
# the daemon and its holder fails at each, while writing in its working directory
# works. It gets an allow-listed environment: of SSH_AUTH_SOCK,
# AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN and FOO (env_allow) only FOO. With
# sandbox = off every attempt succeeds (the probes can fail), and the
# environment is allow-listed all the same.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use Test::More;
use Time::HiRes qw(time);

AgentdTest->require_stack;
plan skip_all => 'bwrap is not installed (apt-get install bubblewrap)'
    unless grep { -x "$_/bwrap" } split /:/, $ENV{PATH} // '';

my $probe = AgentdTest::srcdir() . '/t/bin/sandbox-probe';
my @probes = qw(ctl-connect holder-connect read-agentd.db read-agentd.conf list-sessions
    kill-daemon kill-holder);

# Run the probe in a stack with conf; its output and the stack.
sub run_probe {
	my ($holder, %conf) = @_;
	local %ENV = (%ENV, SSH_AUTH_SOCK => '/tmp/ssh-agent.sock',
	    AWS_SECRET_ACCESS_KEY => 'aws-secret', GITHUB_TOKEN => 'ghp_secret',
	    FOO => 'foo-value');
	my $t = AgentdTest->new(conf => { env_allow => 'FOO', %conf },
	    agents => { probe => $probe });
	my $t0 = time;
	my ($s, $j) = $t->create(name => 'p', agentType => 'probe',
	    permissionMode => 'bypassPermissions');
	is($s, 201, 'create the probe');
	$t->wait_output('p', qr/sandbox-probe ready/);
	diag(sprintf('%s: create -> program ready %.0f ms', $conf{sandbox} // 'bwrap',
	    (time - $t0) * 1000));
	my $pid = $j->{pid};
	open(my $fh, '<', "/proc/$pid/stat") or die "stat of $pid: $!\n";
	my ($hpid) = (<$fh> =~ /\) \S+ (\d+)/);
	my ($hsock) = glob($t->home . '/run/h/*.sock');
	ok($hpid && $hsock, 'the holder: its pid and socket');
	$t->message('p', join(' ', 'PROBE', $t->home, $t->daemon_pid, $hpid,
	    $holder ? $hsock : '-'));
	my $out = $t->wait_output('p', qr/sandbox-probe done/);
	$out =~ s/\r//g;
	return ($t, $out);
}

# The environment: only FOO of ours, sandboxed or not.
sub env_ok {
	my ($out, $what) = @_;
	like($out, qr/^env FOO=foo-value$/m, "$what: env_allow FOO is passed");
	for (qw(SSH_AUTH_SOCK AWS_SECRET_ACCESS_KEY GITHUB_TOKEN)) {
		like($out, qr/^env $_=\(unset\)$/m, "$what: $_ is not passed");
	}
}

my ($t, $out) = run_probe(1);
for (@probes) {
	like($out, qr/^probe \Q$_\E: denied/m, "sandboxed: $_ fails");
}
like($out, qr/^probe write-cwd: ok$/m, 'sandboxed: writing its working directory works');
ok(-f $t->workdir . '/probe-wrote.txt', 'sandboxed: the file is there outside');
env_ok($out, 'sandboxed');
$t->stop;

# Not the holder's socket: unsandboxed, a connection there takes the session's
# terminal from the daemon (issue #12, finding 3: the holder's own check).
($t, $out) = run_probe(0, sandbox => 'off');
for (grep { $_ ne 'holder-connect' } @probes) {
	like($out, qr/^probe \Q$_\E: ok$/m, "sandbox = off: $_ works");
}
like($out, qr/^probe write-cwd: ok$/m, 'sandbox = off: writing works');
env_ok($out, 'sandbox = off');
like(AgentdTest::_slurp($t->log_path('daemon')),
    qr/sandbox = off: agents are not sandboxed/, 'sandbox = off is logged at start');
$t->stop;

done_testing;
