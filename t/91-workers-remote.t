#!/usr/bin/perl
# Workers on another machine, over a real OpenSSH: a throwaway sshd on
# 127.0.0.1 (its own host key, the test's key authorized) is machine box1. A
# worker dispatched there gets a branch pushed from the parent's HEAD and a
# worktree in box1's clone, its agent runs in tmux there, and its output streams
# back. The SSH connection is killed from the outside and new connections are
# refused for a while: the agent keeps running, the drop and the reconnect are
# events, and what it printed meanwhile arrives after the reconnect.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);

AgentdTest->require_stack;
my $SSHD = '/usr/sbin/sshd';
plan skip_all => "$SSHD not found (apt-get install openssh-server)" unless -x $SSHD;
for my $p (qw(ssh ssh-keygen git tmux)) {
	plan skip_all => "$p not found" unless grep { -x "$_/$p" } split /:/, $ENV{PATH};
}

$ENV{GIT_AUTHOR_NAME} = $ENV{GIT_COMMITTER_NAME} = 'agentd test';
$ENV{GIT_AUTHOR_EMAIL} = $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
$ENV{GIT_CONFIG_NOSYSTEM} = 1;

my $t = AgentdTest->new;
my $home = $t->home;
my $ssh = "$home/ssh";
my $remote = "$home/remote";
my $repo = $t->workdir . '/repo';
my $user = getpwuid($>);
my ($s, $j, $out);

# The tmux session (and server, -L) of worker name: agentd-<FNV-1a of host:HOME>-<name>.
sub tmux_name {
	my ($name) = @_;
	chomp(my $host = `hostname`);
	my $h = 2166136261;
	$h = (($h ^ ord) * 16777619) % 4294967296 for split //, "$host:" . $t->home;
	(my $n = $name) =~ tr/.:/__/;
	return sprintf('agentd-%08x-%s', $h, $n);
}

sub sh {
	my ($cmd) = @_;
	my $o = qx{$cmd 2>&1};
	die "$cmd: $o" if $?;
	chomp $o;
	return $o;
}

sub write_file {
	my ($f, $text) = @_;
	open(my $fh, '>', $f) or die "$f: $!";
	print $fh $text;
	close $fh;
}

sub free_port {
	my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1) or die "no port: $!";
	my $p = $sock->sockport;
	close $sock;
	return $p;
}

# --- sshd -------------------------------------------------------------------------
mkdir $_ or die "$_: $!" for $ssh, $remote;
sh("ssh-keygen -q -t ed25519 -N '' -f $ssh/host_key");
sh("ssh-keygen -q -t ed25519 -N '' -f $ssh/id");
sh("cp $ssh/id.pub $ssh/authorized_keys");
# As root sshd wants its privilege separation directory (no init made it here).
mkdir '/run/sshd', 0755 if $> == 0 && !-d '/run/sshd';
my $port = free_port();
write_file("$ssh/sshd_config", <<EOF);
Port $port
ListenAddress 127.0.0.1
HostKey $ssh/host_key
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
MaxSessions 64
MaxStartups 64
LogLevel VERBOSE
EOF
my $sshd_pid;

sub sshd_start {
	$sshd_pid = fork // die "fork: $!";
	if ($sshd_pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>>', "$ssh/sshd.log");
		open(STDERR, '>&', \*STDOUT);
		exec($SSHD, '-D', '-e', '-f', "$ssh/sshd_config") or POSIX::_exit(127);
	}
	$t->wait_for(sub {
		my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
		    Proto => 'tcp');
		my $banner = '';
		return $c && defined(sysread($c, $banner, 64)) && $banner =~ /^SSH-/;
	}, 10, 'sshd to listen');
}

# Stop the listening sshd (the connections it has made stay).
sub sshd_stop {
	return unless $sshd_pid;
	kill 'TERM', $sshd_pid;
	waitpid($sshd_pid, 0);
	undef $sshd_pid;
}
sshd_start();
my @sshopt = ('-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o',
    'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', $port, '-i', "$ssh/id");
is(sh("ssh @sshopt $user\@127.0.0.1 echo hello"), 'hello', 'the test sshd lets our key in');

# --- the repository here, its clone "there" ---------------------------------------
mkdir $repo or die;
sh("git -C $repo init -q -b main");
write_file("$repo/README", "one\n");
sh("git -C $repo add README && git -C $repo commit -q -m one");
sh("git clone -q $repo $remote/repo");
# The parent is one commit ahead of box1's clone: dispatch pushes it there.
write_file("$repo/README", "two\n");
sh("git -C $repo commit -q -a -m two");
my $head = sh("git -C $repo rev-parse HEAD");

# The daemon learns the machines (and a restart keeps nothing of the config).
my $closed = free_port();
open(my $cf, '>>', "$home/agentd.conf") or die;
print $cf <<EOF;

[machine box1]
host = 127.0.0.1
port = $port
user = $user
work_root = $remote
identity = $ssh/id
ssh_options = StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR

[machine box2]
host = 127.0.0.1
port = $closed
work_root = $remote
identity = $ssh/id
ssh_options = StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR

[machine box3]
host = 127.0.0.1
port = $port
user = $user
work_root = $home/nowhere
identity = $ssh/id
ssh_options = StrictHostKeyChecking=no UserKnownHostsFile=/dev/null LogLevel=ERROR
EOF
close $cf;
$t->kill_daemon('TERM');
$t->start_daemon;

($s, $j) = $t->get('/api/agents/machines');
is($s, 200, 'machines: 200');
my %m = map { $_->{id} => $_ } @{ref $j eq 'ARRAY' ? $j : []};
is_deeply([map { $_->{id} } @$j], [qw(local box1 box2 box3)], 'machines: local and the config');
ok($m{box1}{reachable}, 'box1 is reachable') or diag(explain $m{box1});
is($m{box1}{host}, '127.0.0.1', 'box1: host');
is($m{box1}{port}, $port, 'box1: port');
ok(!$m{box2}{reachable}, 'box2 is not');
like($m{box2}{error} // '', qr/refused|connect/i, "box2: ssh's message");

($s) = $t->create(name => 'p1', workingDirectory => $repo);
is($s, 201, 'parent p1');

# --- errors first: nothing may be left behind -------------------------------------
sub remote_state {
	return join('|', sh("git -C $remote/repo branch --format='%(refname:short)'"),
	    sh("git -C $remote/repo worktree list --porcelain"),
	    scalar(@{($t->get('/api/agents/sessions?all=1'))[1]}));
}
my $before = remote_state();
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', branch => 'x1', task => 't', machine => 'box2' });
$t->is_err($s, $j, 502, 'machine_unreachable', 'dispatch to an unreachable machine');
like($j->{error} // '', qr/refused/i, "... with ssh's own message");
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', branch => 'x1', task => 't', machine => 'box3' });
$t->is_err($s, $j, 422, 'not_a_repository', 'dispatch where the machine has no clone');
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', branch => 'x 1', task => 't', machine => 'box1' });
$t->is_err($s, $j, 400, 'invalid_branch', 'bad branch for a machine');
is(remote_state(), $before, 'failed dispatches left nothing, here or there');

# --- a worker on box1 ----------------------------------------------------------------
my $W = "$remote/repo/.worktrees/rw";
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', branch => 'rw', task => 'remote task', machine => 'box1' });
is($s, 201, 'dispatch to box1: 201') or diag(explain $j);
is($j->{name}, 'p1.rw', 'name');
is($j->{machine}, 'box1', 'machine');
is($j->{worktree}, $W, 'worktree in the clone on box1');
is($j->{workingDirectory}, $W, 'workingDirectory: the remote worktree');
like($j->{pid} // '', qr/^\d+$/, 'pid (of the link here)');
is(sh("git -C $remote/repo rev-parse refs/heads/rw"), $head, "the branch there is at the parent's HEAD");
is(sh("git -C $W rev-parse HEAD"), $head, 'the worktree there is checked out at it');
is(sh("git -C $remote/repo status --porcelain"), '', 'the clone stays clean');
ok(!system('tmux', '-L', tmux_name('p1.rw'), 'has-session', '-t', '=' . tmux_name('p1.rw')),
    'the agent runs in its own tmux server there');

$out = $t->wait_output('p1.rw', qr/got: remote task/, 20);
like($out, qr{fake-agent pid=\d+ .*cwd=\Q$W\E}s, 'its output streams back: it runs in the remote worktree');
my ($rpid) = $out =~ /fake-agent pid=(\d+)/;
$t->message('p1.rw', 'ping one');
$t->wait_output('p1.rw', qr/got: ping one/, 20);
pass('a message reaches it and its answer comes back');

# Output that goes on: spam prints "spam N" every 10 ms and keeps N in a file.
$t->message('p1.rw', 'spam');
my $spamfile = "$W/fake-agent-spam.$rpid";
$t->wait_for(sub { -s $spamfile }, 20, 'spam to start');
$t->wait_output('p1.rw', qr/spam \d+/, 20);

sub spam_now { open(my $fh, '<', $spamfile) or return 0; my $n = <$fh>; return ($n // 0) + 0 }
sub events {
	my ($s, $j) = $t->get('/api/agents/sessions/p1.rw?limit=1000');
	return grep { $_->{type} eq 'link' } @{$j->{events} // []};
}

# --- the link dies -------------------------------------------------------------------
# No new connections for a while, and every ssh of this stack killed.
sshd_stop();
my @ours = grep { /ssh/ } map { $_->[1] } AgentdTest::_stack_procs($t);
ok(scalar(@ours), 'ssh processes of the stack found') or diag('none');
system('pkill', '-TERM', '-f', "^ssh: $home/run/ssh-");			# the ControlMaster
system('pkill', '-TERM', '-f', "^ssh .*$home/run/ssh-.*attach-session");	# the attach
$t->wait_for(sub { grep { ($_->{event}{state} // '') eq 'down' } events() }, 20, 'a link down event');
pass('the drop is a "link" event with state down');
my ($down) = grep { ($_->{event}{state} // '') eq 'down' } events();
is($down->{event}{machine}, 'box1', 'link event: machine');
like($down->{event}{reason} // '', qr/ssh exited/, 'link event: reason');
my $n0 = spam_now();
$t->wait_for(sub { spam_now() > $n0 + 100 }, 20, 'the agent to go on while the link is down');
pass('the agent keeps running on box1 while the link is down');
ok(!system('tmux', '-L', tmux_name('p1.rw'), 'has-session', '-t', '=' . tmux_name('p1.rw')),
    'its tmux session is still there');
is($t->session('p1.rw')->{state}, 'running', 'the worker is still running');
my $during = spam_now();
my ($seen_before) = sort { $b <=> $a } ($t->output('p1.rw') =~ /spam (\d+)/g);

sshd_start();
$t->wait_for(sub { grep { ($_->{event}{state} // '') eq 'up' } events() }, 30, 'a link up event');
pass('the reconnect is a "link" event with state up');
my @link = map { $_->{event}{state} } events();
is($link[0], 'down', 'down first');
is($link[-1], 'up', 'up last');
$t->wait_for(sub {
	my ($max) = sort { $b <=> $a } ($t->output('p1.rw') =~ /spam (\d+)/g);
	return $max && $max > $during;
}, 30, 'output printed during the outage to arrive');
pass("output printed while the link was down arrives after the reconnect (was $seen_before, $during during)");
$t->message('p1.rw', 'ping two');
$t->wait_output('p1.rw', qr/got: ping two/, 20);
pass('messages work again');

# --- the end ---------------------------------------------------------------------
# Its worktree holds an untracked file (the spam counter; its .tmp too when the
# delete comes between the fake agent's write and rename): kept.
($s, $j) = $t->del('/api/agents/sessions/p1.rw');
is($s, 200, 'DELETE of the remote worker: 200');
is($j->{state}, 'terminated', 'terminated');
is($j->{worktreeState}, 'kept', 'its worktree is kept');
like($j->{keepReason} // '', qr/uncommitted changes \([12] files?\)/, 'why');
ok(system('tmux -L ' . tmux_name('p1.rw') . ' has-session 2>/dev/null') != 0,
    'the tmux session is gone');
ok(eval { $t->wait_for(sub { !kill(0, $rpid) }, 5, 'the remote agent to exit') }, 'the agent on box1 is gone');
ok(-d $W, 'the worktree is still there');

# A worker that ends by itself: its status comes back; a clean one is removed
# when its parent is deleted.
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', branch => 'rw2', task => 'second', machine => 'box1' });
is($s, 201, 'second remote worker');
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p1', issue => 'https://github.com/org/repo/issues/9', task => 'third',
      machine => 'box1' });
is($s, 201, 'third remote worker, from an issue');
is($j->{branch}, 'issue-9', 'its branch');
$t->wait_output('p1.issue-9', qr/got: Issue: https:\S+ \(#9\)/, 20);
$t->message('p1.issue-9', 'exit 3');
my $d = $t->wait_status('p1.issue-9', qr/^exited$/, 20);
is($d->{exitCode}, 3, "the remote agent's exit status comes back");
($s, $j) = $t->del('/api/agents/sessions/p1');
is($s, 200, 'DELETE of the parent');
for my $n ('p1.rw2', 'p1.issue-9') {
	$d = $t->session($n);
	is($d->{worktreeState}, 'removed', "$n: clean, removed");
}
is($t->session('p1.rw2')->{state}, 'terminated', 'rw2 was stopped');
ok(!-e "$remote/repo/.worktrees/rw2", 'rw2: its worktree is gone there');
is(sh("git -C $remote/repo branch --list rw2 issue-9"), '', 'their branches are gone there');
ok(system('tmux -L ' . tmux_name('p1.rw2') . ' has-session 2>/dev/null') != 0,
    'no tmux session left');

# --- a session created on box1: the old clients' "host" (issue #15 item 8) --------
my $rdir = "$remote/plain";
mkdir $rdir or die;
($s, $j) = $t->create(name => 'far1', host => 'box1', workingDirectory => $rdir,
    prompt => 'far hello');
is($s, 201, 'create with host box1: 201') or diag(explain $j);
is($j->{host}, 'box1', '... host box1');
is($j->{machine}, 'box1', '... machine box1');
is($j->{workingDirectory}, $rdir, '... its directory there');
ok(!system('tmux', '-L', tmux_name('far1'), 'has-session', '-t', '=' . tmux_name('far1')),
    '... in tmux there');
$out = $t->wait_output('far1', qr/got: far hello/, 20);
like($out, qr{fake-agent pid=\d+ .*cwd=\Q$rdir\E}s, '... it runs in that directory');
$t->message('far1', 'far ping');
$t->wait_output('far1', qr/got: far ping/, 20);
pass('... a message reaches it');
($s, $j) = $t->create(name => 'far2', host => 'box1', workingDirectory => "$remote/nope");
$t->is_err($s, $j, 422, 'bad_directory', 'create on box1 in a directory it lacks');
($s, $j) = $t->create(name => 'far3', host => 'box9', workingDirectory => $rdir);
$t->is_err($s, $j, 422, 'unknown_machine', 'create on a machine not configured');
($s, $j) = $t->del('/api/agents/sessions/far1');
is($s, 200, 'DELETE of the session on box1: 200');
ok(eval { $t->wait_for(sub { system('tmux -L ' . tmux_name('far1') .
    ' has-session 2>/dev/null') != 0 }, 30, 'its tmux session to go') },
    '... its tmux session is gone');

# --- the push reads no git config that can run a command -------------------------
# In the parent's .git/config (whoever can write the repository, an agent in it
# too, can write it) an insteadOf turns the URL agentd pushes to into ext::, and
# protocol.ext.allow = always lets that run: a command as the daemon (and
# -c protocol.allow=never does not override a protocol's own key). The same from
# the daemon's ~/.gitconfig with pushInsteadOf. agentd pushes from a scratch
# repository that reads neither: nothing runs, and since no URL is rewritten the
# push works.
my $url = "ssh://$user\@127.0.0.1:$port$remote/repo";
my %pwned = (repo => "$home/pwned-repo", user => "$home/pwned-user");
my $gitconfig = "$repo/.git/config";
my $saved = do { local (@ARGV, $/) = ($gitconfig); <> };
write_file($gitconfig, $saved . <<EOF);
[url "ext::sh -c touch% $pwned{repo}% >&2"]
	insteadOf = $url
[protocol "ext"]
	allow = always
EOF
($s) = $t->create(name => 'p2', workingDirectory => $repo);
is($s, 201, 'parent p2, its repository set to rewrite the push URL');
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p2', branch => 'cfg1', task => 'cfg one', machine => 'box1' });
is($s, 201, "dispatch with the repository's insteadOf and protocol.ext.allow: 201")
    or diag(explain $j);
ok(!-e $pwned{repo}, "the repository's ext:: command did not run");
is(eval { sh("git -C $remote/repo rev-parse refs/heads/cfg1") } // '', $head,
    'the push still went to box1');
write_file("$home/.gitconfig", <<EOF);
[url "ext::sh -c touch% $pwned{user}% >&2"]
	pushInsteadOf = $url
[protocol "ext"]
	allow = always
EOF
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p2', branch => 'cfg2', task => 'cfg two', machine => 'box1' });
is($s, 201, "dispatch with the daemon user's pushInsteadOf too: 201") or diag(explain $j);
ok(!-e $pwned{user}, "the user's ext:: command did not run");
is(eval { sh("git -C $remote/repo rev-parse refs/heads/cfg2") } // '', $head,
    'the push still went to box1');
($s, $j) = $t->del('/api/agents/sessions/p2');
is($s, 200, 'DELETE of p2');
unlink "$home/.gitconfig";
write_file($gitconfig, $saved);
is_deeply([glob("$home/run/push-*")], [], 'no scratch repository is left');

# A task of 200 KiB (issue #12, item 9) travels on ssh's stdin, not its command
# line: no E2BIG (one word may not pass 128 KiB), nothing of it in ps.
my $big = 'big-task-' . ('x' x (200 * 1024));
($s) = $t->create(name => 'p6', workingDirectory => $repo);
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p6', branch => 'big', task => $big, machine => 'box1' });
is($s, 201, 'dispatch of a 200 KiB task to box1: 201') or diag(explain $j);
# Typed into tmux there over ssh: tens of seconds on a loaded machine.
$t->wait_output('p6.big', qr/got: big-task-xxxx/, 90);
my @shown = grep {
	my $c;
	open($c, '<', "$_/cmdline") && (<$c> // '') =~ /big-task-/;
} glob '/proc/[0-9]*';
is(scalar @shown, 0, 'no process has the task on its command line');
($s) = $t->del('/api/agents/sessions/p6');
is($s, 200, 'DELETE of p6');

# A worker still running when the stack stops ("agentd shutdown"): its agent on
# box1 is stopped too. The teardown checks that nothing of the stack is left,
# there (the agent runs in HOME/remote) or here (the ControlMaster names
# HOME/run). It needs no new connection: the listening sshd goes first.
($s) = $t->create(name => 'p5', workingDirectory => $repo);
($s, $j) = $t->post('/api/agents/sessions/dispatch-worker',
    { parentSession => 'p5', branch => 'last', task => 'still here', machine => 'box1' });
is($s, 201, 'a remote worker left running for the shutdown');
$t->wait_output('p5.last', qr/got: still here/, 20);
sshd_stop();
$t->done;
