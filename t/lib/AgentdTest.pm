package AgentdTest;

# Test harness: a whole agentd stack (agentd + agentd-fcgi + a real nginx) in a
# throwaway HOME, driven over HTTP through nginx like a client would.
#
#	use FindBin; use lib "$FindBin::Bin/lib";
#	use AgentdTest;
#	my $t = AgentdTest->new(conf => { max_sessions => 2 });
#	my ($status, $json, $headers, $raw) = $t->req(POST => '/api/agents/sessions',
#	    { name => 'a', agentType => 'fake', workingDirectory => $t->workdir });
#	...
#	$t->done;		# stops the stack, runs the teardown checks, done_testing
#
# new() options:
#	conf => { key => value }	top-level agentd.conf settings (over the test defaults)
#	agents => { TYPE => 'argv template' | { MODE => 'argv template' } }
#					extra or replacing [agent TYPE] sections (MODE may
#					also be "adapter"); by default claude, codex, openclaw
#					and fake all run t/bin/fake-agent with the permission
#					mode as its argument, adapter = none
#	backend => 'real' | 'fake'	fake: t/bin/fake-backend on fcgi.sock and ws.sock
#					instead of agentd and agentd-fcgi (nginx tests)
#	user => NAME			run the stack as NAME (the harness must be root)
#	expect_log => [qr/.../]		daemon/fcgi log lines that may contain
#					level=warn, error or fatal, nginx [crit]/[alert]
#					lines that are expected
#	fcgi_workers => N		agentd-fcgi -n N (default 2; 0: no -n, its own default)
#	argv => { daemon => [...], fcgi => [...] }
#					the command lines of agentd and agentd-fcgi instead of
#					the build tree's (installed programs: t/07, t/32), @HOME@
#					in a word is the stack's HOME; set_argv changes one for
#					the next start
#	real_agents => 1		run the real claude/codex/openclaw (t/agents/install)
#					against t/bin/fake-model, see below
#	fake_cmd => 'CMD'		the command the fake model's tool calls run (@HOME@:
#					the stack's HOME)
#	www => { '/PREFIX/' => DIR }	nginx also serves the files of DIR at /PREFIX/
#					(pages of the browser tests, t/lib/Browser.pm)
#	web_prefix => '/agents/'	serve the dashboard (web/dist) there instead of at /
#	daemon_home => sub { PATH }	agentd's -H (given HOME): another name for it
#	home_in => DIR			make HOME in DIR (default $TMPDIR, else /tmp)
#	projects => 1			workdir is a project root outside HOME (the
#					conf's project_roots), so the agents' folders
#					there are trusted (fcgi/home.c home_may_trust);
#					the default with real_agents; else workdir is
#					HOME/work, below the state directory: not trusted
#	home_env => DIR			the stack's $HOME (default: HOME, the state
#					directory), as a service account's
#					environment sets it
#
# real_agents => 1 (call AgentdTest::require_agent(NAME) first):
#	* t/bin/fake-model runs for the stack (port in HOME/fake-model.port, one
#	  JSON line per model request in HOME/logs/fake-model.requests.log, see
#	  model_requests/wait_model_request); it is stopped at teardown;
#	* the daemon (so every agent) gets PATH=AGENTS_DIR/bin:$PATH, no TERM (so
#	  agentd's xterm-256color) and, after dropping any ANTHROPIC_* OPENAI_*
#	  CLAUDE* CODEX_* OPENCLAW_* of ours:
#	  ANTHROPIC_BASE_URL=http://127.0.0.1:PORT ANTHROPIC_API_KEY=sk-ant-fake-key-...
#	  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1
#	  DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 IS_SANDBOX=1 (as root only)
#	  FAKE_OPENAI_API_KEY=sk-fake-openai CODEX_HOME=HOME/.codex DO_NOT_TRACK=1
#	  OPENCLAW_STATE_DIR=HOME/.openclaw;
#	* HOME (the stack's $HOME) holds what a user has after setting each CLI up
#	  once, and nothing per folder (trusting a folder is agentd's job):
#	    HOME/.claude.json            hasCompletedOnboarding, the API key approved
#	                                 (customApiKeyResponses); no "projects"
#	    HOME/.codex/config.toml      model "gpt-5" (not in Codex's catalog: plain
#	                                 function tools), provider "fake" (wire_api
#	                                 responses, env_key FAKE_OPENAI_API_KEY),
#	                                 check_for_update_on_startup = false,
#	                                 [analytics] enabled = false; no [projects]
#	    HOME/.openclaw/openclaw.json provider "fake" (openai-completions), model
#	                                 fake/fake-model, telemetry and the update
#	                                 check off, logging.file HOME/logs/openclaw.log
#	* agentd.conf has no [agent claude|codex|openclaw] section (the daemon's
#	  built-in commands run), only fake and what agents => gives.
#
# Teardown checks (done/stop): "agentd -H HOME shutdown", then SIGTERM to every
# stack process; no process of the stack may be left (cmdline, cwd or
# environment pointing into HOME, or a process group of a created session);
# no level=warn/error/fatal line in the daemon/fcgi logs unless expected, no
# sanitizer report, no [alert]/[crit]/[emerg] from nginx; every error reply
# seen was {"error": STRING, "code": STRING} JSON and no reply carried an
# Access-Control-* header.  The logs are printed with diag when a test failed
# (always with TEST_AGENTD_CATLOG=1); TEST_AGENTD_LEAVE=1 keeps HOME.

use strict;
use warnings;

use Cwd qw(abs_path);
use Errno qw(EINTR);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(wait_until);

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;
my @LIVE;		# stacks not stopped yet, for END

my $SRCDIR = $ENV{AGENTD_TOP_SRCDIR} || abs_path(dirname(__FILE__) . '/../..');
my $BUILDDIR = $ENV{AGENTD_TOP_BUILDDIR} || $SRCDIR;

sub srcdir { $SRCDIR }
sub builddir { $BUILDDIR }

# Whether the daemon is built with ASan (./bootstrap check --sanitize): its
# quarantine keeps freed memory, so resident sizes say nothing there.
sub asan_build {
	return 1 if ($ENV{ASAN_OPTIONS} // '') ne '';
	return scalar(`nm -D $BUILDDIR/daemon/agentd 2>/dev/null` =~ /__asan_init/);
}
sub slurp { my ($class, $f) = @_; return _slurp($f) }

# A git repository at $dir (made if missing) on branch main with one commit
# holding FILE => TEXT pairs, by a test identity, system git config ignored.
sub git_repo {
	my ($class, $dir, %files) = @_;
	local $ENV{GIT_AUTHOR_NAME} = local $ENV{GIT_COMMITTER_NAME} = 'agentd test';
	local $ENV{GIT_AUTHOR_EMAIL} = local $ENV{GIT_COMMITTER_EMAIL} = 'test@example.invalid';
	local $ENV{GIT_CONFIG_NOSYSTEM} = 1;
	mkdir $dir unless -d $dir;
	system('git', '-C', $dir, 'init', '-q', '-b', 'main') == 0 or die "git init $dir failed\n";
	for my $f (sort keys %files) {
		open(my $fh, '>', "$dir/$f") or die "$dir/$f: $!\n";
		print $fh $files{$f};
		close($fh);
	}
	system('git', '-C', $dir, 'add', '-A') == 0
	    && system('git', '-C', $dir, 'commit', '-q', '-m', 'one') == 0
	    or die "git commit in $dir failed\n";
	return $dir;
}

# make ARGS in the build tree (the install tests: t/06, t/07, t/32): (exit
# status, output).
sub make_build {
	my ($class, @args) = @_;
	my $make = $ENV{MAKE} // 'make';
	my $out = `$make -s --no-print-directory -C '$BUILDDIR' @args 2>&1`;
	return ($? >> 8, $out);
}

# The installation directories make install uses (make print-install-dirs).
sub install_dirs {
	my ($class) = @_;
	my ($rc, $out) = $class->make_build('print-install-dirs');
	die "AgentdTest: make print-install-dirs: $out" if $rc != 0;
	return $out =~ /^(\w+)=(.*)$/mg;
}

# The nginx binary, or undef.
sub nginx_path {
	return $ENV{NGINX} if $ENV{NGINX} && -x $ENV{NGINX};
	for my $d (split(/:/, $ENV{PATH} // ''), '/usr/sbin', '/sbin') {
		return "$d/nginx" if $d ne '' && -x "$d/nginx";
	}
	return undef;
}

# Call before the plan: skip the file if the stack cannot run here.
sub require_stack {
	my ($class, %o) = @_;
	plan skip_all => 'nginx not found' unless nginx_path();
	return if ($o{backend} // 'real') eq 'fake';
	for my $b ("$BUILDDIR/daemon/agentd", "$BUILDDIR/fcgi/agentd-fcgi") {
		# Not a skip: under "make check" the binaries are built first, so a
		# missing one is a build problem that must show up as a failure.
		BAIL_OUT("$b is missing: build first (make, or ./bootstrap check)") unless -x $b;
	}
}

sub new {
	my ($class, %o) = @_;
	my $self = bless {
		backend => $o{backend} // 'real',
		conf => $o{conf} // {},
		agents => $o{agents} // {},
		expect_log => $o{expect_log} // [],
		fcgi_workers => $o{fcgi_workers} // 2,
		argv => $o{argv} // {},
		procs => {},		# name -> pid
		agent_pids => [],
		violations => [],
		stopped => 0,
		timeout => 60,
		no_error_check => $o{no_error_check},
		auth => $o{auth},		# conf/auth/NAME for nginx (default none)
		auth_url => $o{auth_url},	# auth_request target
		real_agents => $o{real_agents},	# the real CLIs against t/bin/fake-model
		agents_dir => $o{real_agents} ? scalar agents_dir() : undef,
		fake_cmd => $o{fake_cmd},
		conf_text => $o{conf_text},	# appended to agentd.conf (sections)
		www => $o{www} // {},
		web_prefix => $o{web_prefix},	# where nginx serves the dashboard (default /)
		daemon_home => $o{daemon_home},	# sub { HOME } -> the -H agentd gets
		home_env => $o{home_env},
		projects => $o{projects} // $o{real_agents},
	}, $class;
	$class->require_stack(%o);
	$self->{nginx} = nginx_path();

	if (defined $o{user}) {
		my @pw = getpwnam($o{user}) or die "AgentdTest: no user $o{user}\n";
		die "AgentdTest: user => $o{user} needs root\n" if $> != 0;
		@$self{qw(user uid gid)} = ($o{user}, $pw[2], $pw[3]);
	}

	# sun_path is 108 bytes: keep HOME short whatever TMPDIR is.
	my $tmp = $o{home_in} // ($ENV{TMPDIR} && length($ENV{TMPDIR}) < 40 ? $ENV{TMPDIR} : '/tmp');
	$self->{home} = tempdir('agentd-t-XXXXXX', DIR => $tmp,
	    CLEANUP => !$ENV{TEST_AGENTD_LEAVE});
	chmod(0755, $self->{home});
	for my $d (qw(logs work)) {
		make_path("$self->{home}/$d");
	}
	if (defined $self->{uid}) {
		chown($self->{uid}, $self->{gid}, map { "$self->{home}/$_" } '', 'logs', 'work');
	}
	if ($self->{projects}) {
		$self->{work} = tempdir('agentd-p-XXXXXX', DIR => $tmp,
		    CLEANUP => !$ENV{TEST_AGENTD_LEAVE});
		chmod(0755, $self->{work});
		chown($self->{uid}, $self->{gid}, $self->{work}) if defined $self->{uid};
		$self->{conf}{project_roots} //= $self->{work};
	}
	$self->_write_conf() if $self->{backend} eq 'real';
	push @LIVE, $self;
	$self->start;
	return $self;
}

sub home { $_[0]{home} }
sub set_argv { my ($self, $name, @argv) = @_; $self->{argv}{$name} = [@argv] }
sub port { $_[0]{port} }
sub workdir { $_[0]{work} // "$_[0]{home}/work" }
sub ctl_path { "$_[0]{home}/run/ctl.sock" }
sub daemon_pid { $_[0]{procs}{daemon} }
sub fcgi_pid { $_[0]{procs}{fcgi} }
sub nginx_pid { $_[0]{procs}{nginx} }
sub log_path { "$_[0]{home}/logs/$_[1].log" }
sub fake_agent { "$SRCDIR/t/bin/fake-agent" }

# Allow daemon/fcgi log lines matching re from now on.
sub expect_log {
	my ($self, $re) = @_;
	push @{$self->{expect_log}}, $re;
}

sub _quote_argv {
	my ($s) = @_;
	return $s =~ /[\s'"]/ ? "'$s'" : $s;
}

sub _write_conf {
	my ($self) = @_;
	my $fake = -x fake_agent() ? _quote_argv(fake_agent())
	    : _quote_argv($^X) . ' ' . _quote_argv(fake_agent());
	my %conf = (kill_grace_ms => 1000, %{$self->{conf}});
	# Codex's provider reads its key from FAKE_OPENAI_API_KEY (env_key): an agent
	# gets no variable of ours it is not allowed.
	$conf{env_allow} = join(' ', grep { defined } $conf{env_allow}, 'FAKE_OPENAI_API_KEY')
	    if $self->{real_agents};
	my $text = "# written by t/lib/AgentdTest.pm\n";
	$text .= "$_ = $conf{$_}\n" for sort keys %conf;
	# The fake agent under an agent kind's type is a plain terminal (adapter = none).
	my %agents = map { $_ => { (map { $_ => "$fake $_" }
	    qw(default acceptEdits bypassPermissions)), adapter => 'none' } }
	    $self->{real_agents} ? qw(fake) : qw(claude codex openclaw fake);
	while (my ($type, $v) = each %{$self->{agents}}) {
		$agents{$type} = ref $v ? $v : { default => $v };
	}
	for my $type (sort keys %agents) {
		$text .= "\n[agent $type]\n";
		for my $mode (sort keys %{$agents{$type}}) {
			$text .= "$mode = $agents{$type}{$mode}\n";
		}
	}
	$text .= "\n$self->{conf_text}\n" if defined $self->{conf_text};
	my $f = "$self->{home}/agentd.conf";
	open(my $fh, '>', $f) or die "AgentdTest: $f: $!\n";
	print $fh $text;
	close($fh) or die "AgentdTest: $f: $!\n";
	chown($self->{uid}, $self->{gid}, $f) if defined $self->{uid};
}

sub _free_port {
	my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	    Proto => 'tcp', Listen => 1, ReuseAddr => 0) or die "AgentdTest: no free port: $!\n";
	my $p = $s->sockport;
	close $s;
	return $p;
}

# Become the stack user (in a child).
sub _drop_privs {
	my ($self) = @_;
	return unless defined $self->{uid};
	$) = "$self->{gid} $self->{gid}";
	POSIX::setgid($self->{gid}) or die "setgid: $!\n";
	POSIX::setuid($self->{uid}) or die "setuid: $!\n";
	die "setuid did not stick\n" if $> != $self->{uid} || $< != $self->{uid};
}

sub _child_env {
	my ($self) = @_;
	delete $ENV{$_} for grep { /^AGENTD_/ && !/^AGENTD_TOP_/ } keys %ENV;
	# make check exports NGINX (the binary); nginx itself reads $NGINX as
	# inherited listening sockets and logs an [emerg] about it.
	delete $ENV{NGINX};
	$ENV{AGENTD_HOME} = $self->{home};
	$ENV{AGENTD_LISTEN} = "127.0.0.1:$self->{port}";
	$ENV{AGENTD_TEST_HOME} = $self->{home};	# marks our processes (leftover check)
	$ENV{AGENTD_AUTH_URL} = $self->{auth_url} if defined $self->{auth_url};
	$ENV{HOME} = $self->{home_env} // $self->{home};
	if (defined $self->{user}) {
		$ENV{USER} = $ENV{LOGNAME} = $self->{user};
	}
	$self->_real_agents_env if $self->{real_agents};
}

# Fork and exec argv as the stack user in its own session, output appended to log.
sub _spawn {
	my ($self, $log, @argv) = @_;
	my $pid = fork;
	die "AgentdTest: fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		eval {
			POSIX::setsid();
			$self->_drop_privs;
			$self->_child_env;
			open(STDIN, '<', '/dev/null') or die "stdin: $!\n";
			open(STDOUT, '>>', $log) or die "$log: $!\n";
			open(STDERR, '>&', \*STDOUT) or die "stderr: $!\n";
			exec { $argv[0] } @argv or die "exec $argv[0]: $!\n";
		};
		print STDERR "AgentdTest: $@";
		POSIX::_exit(127);
	}
	return $pid;
}

# Run argv as the stack user and wait (at most $timeout s); exit status, or -1 on timeout.
sub _run {
	my ($self, $timeout, $log, @argv) = @_;
	my $pid = $self->_spawn($log, @argv);
	my $deadline = time + $timeout;
	while (time < $deadline) {
		return $? if waitpid($pid, WNOHANG) == $pid;
		sleep 0.02;
	}
	kill 'KILL', -$pid;
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return -1;
}

sub _start_proc {
	my ($self, $name) = @_;
	my $home = $self->{home};
	my @argv;
	if ($self->{argv}{$name}) {
		@argv = map { s/\@HOME\@/$home/gr } @{$self->{argv}{$name}};
	} elsif ($name eq 'daemon') {
		$self->{daemon_home} = $self->{daemon_home}->($home)
		    if ref $self->{daemon_home} eq 'CODE';
		@argv = ("$BUILDDIR/daemon/agentd", '-H', $self->{daemon_home} // $home);
		# TEST_AGENTD_VALGRIND=1: the daemon under memcheck; any error or leak
		# is a line in its log (checked at teardown). One log per daemon (%p):
		# a restart would truncate what its kill -9ed predecessor reported.
		unshift @argv, 'valgrind', '-q', '--leak-check=full', '--show-leak-kinds=definite',
		    '--errors-for-leak-kinds=definite', '--error-exitcode=99',
		    "--log-file=$home/logs/valgrind.%p.log", '--trace-children=no'
		    if $ENV{TEST_AGENTD_VALGRIND};
	} elsif ($name eq 'fcgi') {
		@argv = ("$BUILDDIR/fcgi/agentd-fcgi", '-H', $home,
		    $self->{fcgi_workers} ? ('-n', $self->{fcgi_workers}) : ());
	} elsif ($name eq 'backend') {
		@argv = ($^X, "$SRCDIR/t/bin/fake-backend", '--fcgi', "$home/run/fcgi.sock",
		    '--ws', "$home/run/ws.sock");
	} elsif ($name eq 'fake-model') {
		unlink "$home/fake-model.port";
		@argv = ($^X, "$SRCDIR/t/bin/fake-model", '--port', $self->{model_port} // 0,
		    '--port-file', "$home/fake-model.port", '--log', $self->model_log,
		    defined $self->{fake_cmd} ? ('--cmd', $self->{fake_cmd} =~ s/\@HOME\@/$home/gr) : ());
	} elsif ($name eq 'nginx') {
		@argv = ($self->{nginx}, '-p', "$home/nginx", '-c', "$home/nginx/nginx.conf",
		    '-e', "$home/nginx/error.log", '-g', 'daemon off;');
	} else {
		die "AgentdTest: unknown process $name\n";
	}
	$self->{procs}{$name} = $self->_spawn($self->log_path($name), @argv);
	return $self->{procs}{$name};
}

# 1 if the stack process name is running; once it has exited, its wait status
# is in $self->{status}{$name}.
sub _alive {
	my ($self, $name) = @_;
	my $pid = $self->{procs}{$name} or return 0;
	my $r = waitpid($pid, WNOHANG);
	return 1 if $r == 0;
	$self->{status}{$name} = $r == $pid ? $? : -1;
	delete $self->{procs}{$name};
	push @{$self->{died}}, "$name ($pid) exited by itself, wait status $self->{status}{$name}"
	    unless $self->{expect_exit}{$name};
	return 0;
}

# Poll $code every 20 ms until it returns true (returned) or $timeout seconds
# pass (die "timeout waiting for $what").
# The pause between two looks grows from 10 ms to 200 ms: a condition met at
# once costs nothing, and a long wait (a real agent's turn, minutes) does not
# spend the CPU the agents need on REST requests (2 cores in CI).
sub wait_until {
	my ($code, $timeout, $what) = @_;
	my $deadline = time + ($timeout // 10);
	my $nap = 0.01;
	for (;;) {
		my $r = $code->();
		return $r if $r;
		die "timeout (${\ ($timeout // 10)} s) waiting for " . ($what // 'condition') . "\n"
		    if time > $deadline;
		sleep $nap;
		$nap = $nap * 1.5 > 0.2 ? 0.2 : $nap * 1.5;
	}
}

sub wait_for {
	my ($self, $code, $timeout, $what) = @_;
	return wait_until($code, $timeout, $what);
}

sub start {
	my ($self) = @_;
	my $home = $self->{home};
	make_path("$home/run");
	chown($self->{uid}, $self->{gid}, "$home/run") if defined $self->{uid};
	$self->start_model if $self->{real_agents} && !$self->_alive('fake-model');
	for my $try (1 .. 5) {
		$self->{port} = _free_port();
		if ($self->{backend} eq 'fake') {
			$self->_start_proc('backend') unless $self->_alive('backend');
			$self->wait_for(sub { -S "$home/run/fcgi.sock" && -S "$home/run/ws.sock" },
			    10, 'fake-backend sockets');
		} else {
			$self->start_daemon unless $self->_alive('daemon');
			$self->start_fcgi unless $self->_alive('fcgi');
		}
		my @gen = ($^X, "$SRCDIR/conf/gen-nginx");
		push @gen, defined $self->{uid} ? '--no-user' : ();
		push @gen, '--auth', $self->{auth} if defined $self->{auth};
		# The dashboard of the build tree (web/local.mk), at / or web_prefix.
		push @gen, '--web', "$BUILDDIR/web/dist" if -f "$BUILDDIR/web/dist/index.html";
		push @gen, '--web-prefix', $self->{web_prefix} if defined $self->{web_prefix};
		my $rc = $self->_run(20, $self->log_path('gen-nginx'), @gen, $home,
		    "127.0.0.1:$self->{port}");
		die "AgentdTest: gen-nginx failed:\n" . _slurp($self->log_path('gen-nginx')) if $rc != 0;
		$self->_write_www;
		unlink "$home/nginx/nginx.pid";
		my $pid = $self->_start_proc('nginx');
		# nginx writes its pid file after binding the port: a connect alone
		# could reach whoever else holds the port.
		my $up = eval {
			$self->wait_for(sub {
				die "nginx exited\n" unless $self->_alive('nginx');
				my $p = _slurp("$home/nginx/nginx.pid");
				return $p =~ /^\Q$pid\E\s*$/;
			}, 20, 'nginx to listen');
		};
		last if $up;
		my $err = _slurp("$home/nginx/error.log");
		if ($err =~ /Address already in use/ && $try < 5) {
			unlink "$home/nginx/error.log";
			$self->{died} = [grep { !/^nginx / } @{$self->{died} // []}];
			next;	# lost the race for the port
		}
		$self->_show_logs;
		die "AgentdTest: nginx did not start: $@";
	}
	$self->_load_token;
	if ($self->{backend} eq 'real') {
		$self->wait_for(sub {
			my ($s) = $self->req(GET => '/api/agents/sessions');
			# 401: up, behind nginx authentication (auth tests).
			return $s == 200 || (defined $self->{auth} && $s == 401);
		}, 30, 'GET /api/agents/sessions to answer');
	}
	return $self;
}

# www => {...}: a location of the test's server per prefix (HOME/nginx/site/, which
# the generated nginx.conf includes), static files with the types the pages need.
sub _write_www {
	my ($self) = @_;
	my $text = '';
	for my $prefix (sort keys %{$self->{www}}) {
		my $dir = $self->{www}{$prefix};
		die "AgentdTest: www prefix $prefix must be /.../\n" unless $prefix =~ m{^/[\w./-]*/$};
		die "AgentdTest: www directory $dir is not one\n" unless -d $dir && $dir !~ /[\s;{}'"\$]/;
		$text .= "location $prefix {\n\talias $dir/;\n\ttypes {\n\t\ttext/html html;\n"
		    . "\t\ttext/javascript js mjs;\n\t\ttext/css css;\n\t\tapplication/json json map;\n"
		    . "\t}\n\tdefault_type application/octet-stream;\n\tcharset utf-8;\n}\n";
	}
	my $site = "$self->{home}/nginx/site";
	make_path($site);
	$self->_write_file("$site/test-www.conf", "# written by t/lib/AgentdTest.pm (www)\n$text");
}

# auth = local (the default): the access token the daemon made in HOME. req()
# and WSClient (by port) send it unless a test gives its own Authorization.
sub auth_local {
	my ($self) = @_;
	return $self->{backend} eq 'real' && ($self->{conf}{auth} // 'local') eq 'local';
}

sub token { $_[0]{token} }
# The header line a test's own raw request needs ("" outside auth = local).
sub auth_header { defined $_[0]{token} ? "Authorization: Bearer $_[0]{token}\r\n" : '' }

sub _load_token {
	my ($self) = @_;
	delete $self->{token};
	delete $WSClient::TOKEN{$self->{port}};
	return unless $self->auth_local;
	my $tok = _slurp("$self->{home}/access-token");
	$tok =~ s/\s+$//;
	die "AgentdTest: no access token in $self->{home}\n" unless $tok =~ /^[0-9a-f]{64}$/;
	$self->{token} = $tok;
	$WSClient::TOKEN{$self->{port}} = $tok;
}

# Start agentd and wait until it answers a ping on ctl.sock.
sub start_daemon {
	my ($self) = @_;
	$self->_start_proc('daemon');
	$self->wait_for(sub {
		die "agentd exited\n" . $self->_tail('daemon') unless $self->_alive('daemon');
		my $r = eval { $self->ctl_call({ op => 'ping' }) };
		return $r && $r->{status} == 200;
	}, 30, 'agentd to answer a ping on ctl.sock');
	return $self->{procs}{daemon};
}

sub start_fcgi {
	my ($self) = @_;
	$self->_start_proc('fcgi');
	$self->wait_for(sub {
		die "agentd-fcgi exited\n" . $self->_tail('fcgi') unless $self->_alive('fcgi');
		return -S "$self->{home}/run/fcgi.sock";
	}, 30, 'agentd-fcgi to create fcgi.sock');
	return $self->{procs}{fcgi};
}

# Send sig to a stack process and reap it (SIGKILL after 10 s); its wait status.
sub kill_proc {
	my ($self, $name, $sig) = @_;
	return $self->{status}{$name} unless $self->_alive($name);
	my $pid = delete $self->{procs}{$name};
	kill $sig // 'TERM', $pid;
	my $deadline = time + 10;
	while (time < $deadline) {
		return $self->{status}{$name} = $? if waitpid($pid, WNOHANG) == $pid;
		sleep 0.02;
	}
	diag("$name ($pid) ignored SIG" . ($sig // 'TERM') . ", killing it");
	push @{$self->{died}}, "$name did not exit on SIG" . ($sig // 'TERM');
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return $self->{status}{$name} = $?;
}

# Stop nginx (SIGTERM: a fast shutdown, every connection through it drops) and
# start it again on the same port with the same configuration.
sub restart_nginx {
	my ($self) = @_;
	my $home = $self->{home};
	$self->kill_proc('nginx', 'TERM');
	unlink "$home/nginx/nginx.pid";
	my $pid = $self->_start_proc('nginx');
	$self->wait_for(sub {
		die "nginx exited\n" unless $self->_alive('nginx');
		return _slurp("$home/nginx/nginx.pid") =~ /^\Q$pid\E\s*$/;
	}, 20, 'nginx to listen again');
	return $pid;
}

# Run ctl/agentctl with args against this stack (AGENTD_URL set, AGENTD_HOME
# set in auth = local, else unset, AGENTD_TOKEN unset, unless env says otherwise); opts: stdin => STRING, env =>
# {NAME => VALUE or undef}, timeout => seconds (30).  (exit status, stdout,
# stderr); the status is -1 if it did not exit in time (then it is killed).
sub agentctl {
	my ($self, $o, @args) = @_;
	return $self->agentctl_wait($self->agentctl_start($o, @args), $o->{timeout});
}

# Start agentctl as above without waiting: a handle for agentctl_wait.
sub agentctl_start {
	my ($self, $o, @args) = @_;
	my $tmp = tempdir('agentctl-XXXXXX', DIR => $self->{home}, CLEANUP => 1);
	open(my $in, '>', "$tmp/in") or die "AgentdTest: $tmp/in: $!\n";
	print $in $o->{stdin} // '';
	close($in);
	my $pid = fork;
	die "AgentdTest: fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		delete $ENV{$_} for qw(AGENTD_HOME AGENTD_TOKEN AGENTD_URL AGENTCTL_PREFIX);
		$ENV{AGENTD_URL} = "http://127.0.0.1:$self->{port}";
		# The owner's agentctl finds the token in its state directory.
		$ENV{AGENTD_HOME} = $self->{home} if $self->auth_local;
		while (my ($k, $v) = each %{$o->{env} // {}}) {
			if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
		}
		open(STDIN, '<', "$tmp/in") && open(STDOUT, '>', "$tmp/out")
		    && open(STDERR, '>', "$tmp/err") or POSIX::_exit(127);
		exec { "$BUILDDIR/ctl/agentctl" } 'agentctl', @args or POSIX::_exit(127);
	}
	return { pid => $pid, dir => $tmp };
}

# What agentctl has written to stdout so far.
sub agentctl_stdout { _slurp("$_[1]{dir}/out") }

# Wait for a started agentctl (timeout seconds, 30): (exit status, stdout, stderr).
sub agentctl_wait {
	my ($self, $h, $timeout) = @_;
	my $deadline = time + ($timeout // 30);
	my $st;
	while (!defined $st && time < $deadline) {
		$st = $? if waitpid($h->{pid}, WNOHANG) == $h->{pid};
		sleep 0.02 unless defined $st;
	}
	unless (defined $st) {
		kill 'KILL', $h->{pid};
		waitpid($h->{pid}, 0);
		$st = -1;
	}
	# Killed by a signal (an abort of the sanitizers too): 128 + the signal, as a
	# shell says, so that it never reads as a success.
	my $rc = $st == -1 ? -1 : ($st & 127) ? 128 + ($st & 127) : $st >> 8;
	return ($rc, _slurp("$h->{dir}/out"), _slurp("$h->{dir}/err"));
}

sub kill_daemon { my ($self, $sig) = @_; return $self->kill_proc('daemon', $sig) }
sub kill_fcgi { my ($self, $sig) = @_; return $self->kill_proc('fcgi', $sig) }

# ---------------------------------------------------------------------------
# HTTP through nginx

# req(METHOD, PATH, BODY, HEADERS...) -> (status, json or undef, {lc name => value}, raw body)
# BODY: undef (none), a reference (sent as JSON with Content-Type:
# application/json unless given) or a string (sent as is).  Host defaults to
# 127.0.0.1:PORT and can be overridden; Content-Length is always set for a body.
# In auth = local the access token goes as Authorization: Bearer unless the
# headers name Authorization or Cookie (a header given as undef is not sent).
sub req {
	my ($self, $method, $path, $body, @h) = @_;
	my %hdr;
	my @order;
	while (my ($k, $v) = splice(@h, 0, 2)) {
		push @order, $k unless exists $hdr{lc $k};
		$hdr{lc $k} = [$k, $v];
	}
	if (defined $self->{token} && !exists $hdr{authorization} && !exists $hdr{cookie}) {
		push @order, 'Authorization';
		$hdr{authorization} = ['Authorization', "Bearer $self->{token}"];
	}
	if (ref $body) {
		$body = $JSON->encode($body);
		unless ($hdr{'content-type'}) {
			push @order, 'Content-Type';
			$hdr{'content-type'} = ['Content-Type', 'application/json'];
		}
	}
	my $host = $hdr{host} ? $hdr{host}[1] : "127.0.0.1:$self->{port}";
	my $head = "$method $path HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n";
	for my $k (@order) {
		next if lc $k eq 'host' || lc $k eq 'connection' || !defined $hdr{lc $k}[1];
		$head .= "$hdr{lc $k}[0]: $hdr{lc $k}[1]\r\n";
	}
	$head .= "Content-Length: " . length($body) . "\r\n"
	    if defined $body && !$hdr{'content-length'};
	$head .= "\r\n";

	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
	    Proto => 'tcp', Timeout => 10);
	return (0, undef, {}, "connect: $!") unless $s;
	local $SIG{PIPE} = 'IGNORE';
	my $out = $head . ($body // '');
	while (length $out) {
		my $n = syswrite($s, $out);
		last unless $n;		# the server may answer (413) and close early
		substr($out, 0, $n, '');
	}
	my $resp = '';
	my $sel = IO::Select->new($s);
	my $deadline = time + $self->{timeout};
	for (;;) {
		my $left = $deadline - time;
		if ($left <= 0) {
			close $s;
			die "AgentdTest: $method $path: no complete reply in $self->{timeout} s\n";
		}
		next unless $sel->can_read($left);
		my $n = sysread($s, $resp, 65536, length $resp);
		next if !defined $n && $! == EINTR;
		last unless $n;
	}
	close $s;
	return $self->_parse_reply($method, $path, $resp);
}

sub _parse_reply {
	my ($self, $method, $path, $resp) = @_;
	my ($head, $raw) = split(/\r\n\r\n/, $resp, 2);
	$raw //= '';
	my ($status_line, @lines) = split(/\r\n/, $head // '');
	my ($status) = ($status_line // '') =~ m{^HTTP/1\.[01] (\d{3})};
	return (0, undef, {}, $resp) unless $status;
	my %h;
	for (@lines) {
		my ($k, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
		$h{lc $k} = exists $h{lc $k} ? "$h{lc $k}, $v" : $v;
	}
	if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
		my $body = '';
		while ($raw =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
			my $n = hex $1;
			last if $n == 0;
			$body .= substr($raw, 0, $n, '');
			$raw =~ s/^\r\n//;
		}
		$raw = $body;
	}
	my $json;
	if ($status != 101 && $raw =~ /^\s*[\[\{"]/) {
		$json = eval { $JSON->decode($raw) };
	}
	$self->_record($method, $path, $status, $json, \%h, $raw);
	return ($status, $json, \%h, $raw);
}

# Global reply checks, reported by stop().
# doc/openapi.json, with its paths as patterns (the most literal segments first,
# as fcgi/route.c picks); 0 when it or JSON::Validator (libjson-validator-perl) is
# missing (the replies are then not checked against it) - except in CI
# (CI=true): there a missing validator is an error, not a check left out.
my ($OPENAPI, @OPENAPI_PATHS, %OPENAPI_JV);
sub _openapi {
	return $OPENAPI if defined $OPENAPI;
	$OPENAPI = 0;
	my $f = "$SRCDIR/doc/openapi.json";
	my $have = eval { require JSON::Validator; 1 };
	die "AgentdTest: CI without JSON::Validator (libjson-validator-perl): the replies"
	    . " would not be checked against doc/openapi.json\n"
	    if !$have && ($ENV{CI} // '') eq 'true';
	return 0 unless -f $f && $have;
	$OPENAPI = JSON::PP->new->decode(_slurp($f));
	for my $p (keys %{$OPENAPI->{paths}}) {
		my @seg = split m{/}, $p;
		my $re = join '/', map { /^\{/ ? '[^/]+' : quotemeta } @seg;
		push @OPENAPI_PATHS, [qr/^$re$/, $p, scalar grep { !/^\{/ } @seg];
	}
	@OPENAPI_PATHS = sort { $b->[2] <=> $a->[2] } @OPENAPI_PATHS;
	return $OPENAPI;
}

# The schema with its references inlined, each allOf merged into one object and
# every object closed (additionalProperties false unless it says otherwise): a
# field the code sends and the document does not name is a violation, so the
# document cannot fall behind the code. (JSON::Validator 5 has no
# unevaluatedProperties, which would do it in the document itself.)
sub _openapi_closed {
	my ($doc, $s, $depth) = @_;
	return $s if ref $s ne 'HASH' || $depth > 32;
	if (defined(my $ref = $s->{'$ref'})) {
		my ($name) = $ref =~ m{^#/components/schemas/(.+)$} or die "AgentdTest: $ref\n";
		return _openapi_closed($doc, $doc->{components}{schemas}{$name}, $depth + 1);
	}
	my %c = %$s;
	if ($c{allOf}) {
		my @parts = map { _openapi_closed($doc, $_, $depth + 1) } @{delete $c{allOf}};
		for my $p (@parts) {
			$c{properties}{$_} = $p->{properties}{$_} for keys %{$p->{properties} // {}};
			push @{$c{required}}, @{$p->{required} // []};
			$c{type} //= $p->{type};
			$c{additionalProperties} = $p->{additionalProperties}
			    if ref $p->{additionalProperties} eq 'HASH';
		}
		delete $c{additionalProperties} if ref $c{additionalProperties} eq 'HASH'
		    && !%{$c{additionalProperties}};
	}
	for my $k (qw(oneOf anyOf)) {
		$c{$k} = [map { _openapi_closed($doc, $_, $depth + 1) } @{$c{$k}}] if $c{$k};
	}
	$c{items} = _openapi_closed($doc, $c{items}, $depth + 1) if ref $c{items} eq 'HASH';
	if ($c{properties}) {
		$c{properties} = { map { $_ => _openapi_closed($doc, $c{properties}{$_}, $depth + 1) }
		    keys %{$c{properties}} };
		$c{additionalProperties} = JSON::PP::false() unless exists $c{additionalProperties};
	} elsif (ref $c{additionalProperties} eq 'HASH') {
		$c{additionalProperties} = _openapi_closed($doc, $c{additionalProperties}, $depth + 1);
	}
	return \%c;
}

# Every JSON reply must be what doc/openapi.json says for its operation and
# status (its "default" for an error): so the document cannot drift from the code.
sub _openapi_check {
	my ($self, $method, $path, $status, $json, $h) = @_;
	my $doc = _openapi() or return;
	return if $self->{backend} ne 'real' || $self->{no_error_check};
	return unless ($h->{'content-type'} // '') =~ m{^application/json};
	(my $p = $path) =~ s/\?.*//s;
	my ($m) = grep { $p =~ $_->[0] } @OPENAPI_PATHS;
	my $op = $m ? $doc->{paths}{$m->[1]}{lc($method eq 'HEAD' ? 'GET' : $method)} : undef;
	my ($key, $schema);
	if ($op) {
		my $r = $op->{responses}{$status} // $op->{responses}{default};
		$schema = $r ? $r->{content}{'application/json'}{schema} : undef;
		$key = "$m->[1] $method " . ($op->{responses}{$status} ? $status : 'default');
	} elsif ($status >= 400) {
		($key, $schema) = ('Error', { '$ref' => '#/components/schemas/Error' });
	}
	unless ($schema) {
		push @{$self->{violations}}, "$method $path: $status JSON reply not in doc/openapi.json";
		return;
	}
	my $jv = $OPENAPI_JV{$key} //= JSON::Validator->new->schema({
	    '$schema' => 'https://json-schema.org/draft/2019-09/schema',
	    %{_openapi_closed($doc, $schema, 0)} });
	my @e = $jv->validate($json);
	push @{$self->{violations}}, "$method $path: $status reply does not match doc/openapi.json"
	    . " ($key): " . join('; ', @e[0 .. ($#e < 2 ? $#e : 2)]) if @e;
}

# Every JSON message of a WebSocket (WSClient) must be a WsServerMessage, or on
# .../terminal and .../ws a WsSeedServerMessage or an error frame (the seed's protocol).
my @WS_VIOLATIONS;
$WSClient::CHECK = sub {
	my ($path, $m) = @_;
	my $doc = _openapi() or return;
	(my $p = $path // '') =~ s/\?.*//s;
	my $key = $p =~ m{/(?:terminal|ws)$} && ($m->{type} // '') ne 'error'
	    ? 'WsSeedServerMessage' : 'WsServerMessage';
	my $jv = $OPENAPI_JV{$key} //= JSON::Validator->new->schema({
	    '$schema' => 'https://json-schema.org/draft/2019-09/schema',
	    %{_openapi_closed($doc, { '$ref' => "#/components/schemas/$key" }, 0)} });
	my @e = $jv->validate($m);
	push @WS_VIOLATIONS, "WebSocket $p: a " . ($m->{type} // '?') . " message is not a $key"
	    . " of doc/openapi.json: " . join('; ', @e[0 .. ($#e < 2 ? $#e : 2)]) if @e;
};

sub _record {
	my ($self, $method, $path, $status, $json, $h, $raw) = @_;
	$self->_openapi_check($method, $path, $status, $json, $h) if defined $json;
	for my $k (grep { /^access-control-/ } keys %$h) {
		push @{$self->{violations}}, "$method $path: $status carries $k";
	}
	if ($status >= 400 && !$self->{no_error_check}) {
		unless (ref $json eq 'HASH' && defined $json->{error} && !ref $json->{error}
		    && defined $json->{code} && !ref $json->{code}) {
			push @{$self->{violations}}, "$method $path: $status body is not "
			    . "{\"error\": STRING, \"code\": STRING}: " . substr($raw, 0, 200);
		}
	}
	if ($method eq 'POST' && $path =~ m{^/api/agents/sessions/?(?:\?.*)?$} && $status == 201
	    && ref $json eq 'HASH' && ($json->{pid} // '') =~ /^\d+$/ && $json->{pid} > 1) {
		push @{$self->{agent_pids}}, $json->{pid};
	}
}

# Shortcuts.
sub get { my ($self, $path, @h) = @_; return $self->req(GET => $path, undef, @h) }
sub post { my ($self, $path, $body, @h) = @_; return $self->req(POST => $path, $body, @h) }
sub del { my ($self, $path, @h) = @_; return $self->req(DELETE => $path, undef, @h) }

# Create a session of agentType fake in workdir; args override. (status, json).
sub create {
	my ($self, %args) = @_;
	my %body = (agentType => 'fake', workingDirectory => $self->workdir, %args);
	delete $body{$_} for grep { !defined $body{$_} } keys %body;
	return $self->post('/api/agents/sessions', \%body);
}

sub session {
	my ($self, $name) = @_;
	my ($s, $j) = $self->get("/api/agents/sessions/$name");
	return $s == 200 ? $j : undef;
}

# The session's events of type (all of them, up to 1000), or () if it is not there.
sub events_of {
	my ($self, $name, $type) = @_;
	my ($s, $j) = $self->get("/api/agents/sessions/$name?since=0&limit=1000");
	return () unless $s == 200;
	return grep { $_->{type} eq $type } @{$j->{events}};
}

# How many of the session's assistant_text events match re.
sub replies_of {
	my ($self, $name, $re) = @_;
	return scalar grep { ($_->{event}{text} // '') =~ $re }
	    $self->events_of($name, 'assistant_text');
}

sub message {
	my ($self, $name, $text) = @_;
	return $self->post("/api/agents/sessions/$name/message", { message => $text });
}

# All terminal output of a session: (bytes, last seq), following the pages.
sub output {
	my ($self, $name, $since) = @_;
	my ($all, $seq) = ('', $since // 0);
	for (1 .. 10000) {
		my ($s, undef, $h, $raw) = $self->get("/api/agents/sessions/$name/output?since=$seq");
		die "AgentdTest: GET output of $name: $s $raw\n" unless $s == 200;
		my $next = $h->{'x-agentd-seq'};
		$all .= $raw;
		last if !length($raw) || !defined $next || $next <= $seq;
		$seq = $next;
	}
	return wantarray ? ($all, $seq) : $all;
}

# Wait until the output of name matches re; the output.
sub wait_output {
	my ($self, $name, $re, $timeout) = @_;
	my $out;
	$self->wait_for(sub { $out = $self->output($name); $out =~ $re }, $timeout // 10,
	    "output of $name to match $re");
	return $out;
}

# Wait until the session's status matches re; the session.
sub wait_status {
	my ($self, $name, $re, $timeout) = @_;
	my $j;
	$self->wait_for(sub { $j = $self->session($name); $j && ($j->{state} // '') =~ $re },
	    $timeout // 10, "session $name status to match $re");
	return $j;
}

# is_err(status, json, want_status, want_code, what): two checks.
sub is_err {
	my ($self, $s, $j, $want, $code, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is($s, $want, "$what: $want");
	is(ref $j eq 'HASH' ? $j->{code} : undef, $code, "$what: code $code")
	    if defined $code;
}

# ---------------------------------------------------------------------------
# Control socket

sub ctl_connect {
	my ($self) = @_;
	return IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $self->ctl_path);
}

# A frame: 'A' 'G' 'D' version, u32 BE length, payload.
sub ctl_frame {
	my ($self, $payload, $version, $len) = @_;
	return 'AGD' . chr($version // 1) . pack('N', $len // length $payload) . $payload;
}

# Read one reply frame within timeout; the decoded JSON, or undef if the
# connection was closed or the reply was not a well-formed frame.
sub ctl_read {
	my ($self, $sock, $timeout) = @_;
	my $buf = '';
	my $need = 8;
	my $deadline = time + ($timeout // 10);
	my $sel = IO::Select->new($sock);
	while (length $buf < $need) {
		my $left = $deadline - time;
		return undef if $left <= 0 || !$sel->can_read($left);
		my $n = sysread($sock, $buf, $need - length $buf, length $buf);
		next if !defined $n && $! == EINTR;
		return undef unless $n;
		if ($need == 8 && length $buf == 8) {
			return undef unless substr($buf, 0, 4) eq "AGD\x01";
			$need = 8 + unpack('N', substr($buf, 4, 4));
		}
	}
	return eval { $JSON->decode(substr($buf, 8)) };
}

# One request/reply on a fresh connection (or on $sock).
sub ctl_call {
	my ($self, $req, $sock) = @_;
	$sock //= $self->ctl_connect or return undef;
	local $SIG{PIPE} = 'IGNORE';
	syswrite($sock, $self->ctl_frame($JSON->encode($req))) or return undef;
	return $self->ctl_read($sock);
}

# 1 if the peer closes the connection (EOF or reset) within timeout seconds.
sub ctl_closed {
	my ($self, $sock, $timeout) = @_;
	my $sel = IO::Select->new($sock);
	my $deadline = time + ($timeout // 5);
	for (;;) {
		my $left = $deadline - time;
		return 0 if $left <= 0;
		next unless $sel->can_read($left);
		my $n = sysread($sock, my $junk, 65536);
		next if !defined $n && $! == EINTR;
		return 1 if !$n;
	}
}

# ---------------------------------------------------------------------------
# Real agent CLIs (real_agents => 1), installed by t/agents/install

my @REAL_AGENTS = qw(claude codex openclaw);
my $FAKE_ANTHROPIC_KEY = 'sk-ant-fake-key-0123456789abcdef';
my $FAKE_OPENAI_KEY = 'sk-fake-openai';

# The install directory of the real CLIs, or undef (and, in list context, why not).
sub agents_dir {
	# AGENTD_NO_AGENTS=1: the real-agent tests skip (e.g. the sanitizer pass of CI).
	if ($ENV{AGENTD_NO_AGENTS}) {
		my $why = 'AGENTD_NO_AGENTS is set';
		return wantarray ? (undef, $why) : undef;
	}
	my $home = $ENV{HOME} // (getpwuid($<))[7] // '/nonexistent';
	my $dir = $ENV{AGENTD_AGENTS_DIR} || "$home/.cache/agentd-agents";
	return wantarray ? ($dir, undef) : $dir if grep { -x "$dir/bin/$_" } @REAL_AGENTS;
	my $why = "no agent CLI in $dir/bin (run t/agents/install; needs npm and the npm registry)";
	return wantarray ? (undef, $why) : undef;
}

# Why the CLI name cannot run here, or undef.
sub agent_missing {
	shift if @_ > 1;
	my ($name) = @_;
	my ($dir, $why) = agents_dir();
	$why = "$name is not installed in $dir/bin (run t/agents/install)"
	    if defined $dir && !-x "$dir/bin/$name";
	# AGENTD_REQUIRE_AGENTS=1 (CI): a missing CLI is a failure, not a skip.
	die "AgentdTest: $why\n" if defined $why && $ENV{AGENTD_REQUIRE_AGENTS} &&
	    !$ENV{AGENTD_NO_AGENTS};
	return $why;
}

# Codex makes its sandbox helper only when CODEX_HOME is not under the temp
# directory ($TMPDIR, else /tmp): the agents get a TMPDIR of their own, under
# /var/tmp (named for the test, tag), and the stack's HOME stays in /tmp
# (AgentdTest uses TMPDIR only when it is short). Returns it.
sub agents_tmpdir {
	shift if @_ > 1;
	my ($tag) = @_;
	$ENV{TMPDIR} = tempdir("agentd-$tag-tmpdir-for-the-agents-XXXXXX", DIR => '/var/tmp',
	    CLEANUP => 1);
	return $ENV{TMPDIR};
}

# Call before the plan: skip the test file unless the real CLI name is installed.
sub require_agent {
	shift if @_ > 1;
	my ($name) = @_;
	my $why = agent_missing($name);
	plan skip_all => $why if defined $why;
}

sub model_log { "$_[0]{home}/logs/fake-model.requests.log" }
sub model_port { $_[0]{model_port} }

# Start t/bin/fake-model (on the same port as before after a restart) and
# write the CLIs' user configuration the first time.
sub start_model {
	my ($self) = @_;
	my $home = $self->{home};
	local $self->{port} = $self->{port} // 0;	# AGENTD_LISTEN of the child, unused
	$self->_start_proc('fake-model');
	my $port;
	$self->wait_for(sub {
		die "fake-model exited\n" . $self->_tail('fake-model') unless $self->_alive('fake-model');
		($port) = _slurp("$home/fake-model.port") =~ /^(\d+)\n/;
		return $port;
	}, 20, 'fake-model to listen');
	$self->{model_port} = $port;
	$self->_write_agent_configs unless $self->{agent_configs}++;
	return $self->{procs}{'fake-model'};
}

# The requests the fake model has seen: a list of hashes (see t/bin/fake-model).
sub model_requests {
	my ($self) = @_;
	return map { my $r = eval { $JSON->decode($_) }; $r ? $r : () }
	    split /\n/, _slurp($self->model_log);
}

# Wait until a request matching $code (called with the request hash) has been
# seen; that request.
sub wait_model_request {
	my ($self, $code, $timeout, $what) = @_;
	my $found;
	$self->wait_for(sub { ($found) = grep { $code->($_) } $self->model_requests; $found },
	    $timeout // 30, $what // 'a fake-model request');
	return $found;
}

# In the child that becomes a stack process: what the CLIs need to reach
# only the fake model.
sub _real_agents_env {
	my ($self) = @_;
	my $home = $self->{home};
	my $port = $self->{model_port} // 0;
	delete $ENV{$_} for grep { /^(?:ANTHROPIC_|OPENAI_|CLAUDE|CODEX_|OPENCLAW_)/ } keys %ENV;
	# The agents get the daemon's TERM; ours may be "dumb" (CI, editors), on
	# which codex stops at "Continue anyway? [y/N]".  Unset, agentd gives
	# them xterm-256color, what its clients (xterm.js) emulate.
	delete $ENV{TERM};
	my $dir = $self->{agents_dir};
	$ENV{PATH} = "$dir/bin:" . ($ENV{PATH} // '/usr/local/bin:/usr/bin:/bin') if defined $dir;
	%ENV = (%ENV,
	    ANTHROPIC_BASE_URL => "http://127.0.0.1:$port",
	    ANTHROPIC_API_KEY => $FAKE_ANTHROPIC_KEY,
	    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC => 1,
	    DISABLE_AUTOUPDATER => 1,
	    DISABLE_TELEMETRY => 1,
	    DISABLE_ERROR_REPORTING => 1,
	    FAKE_OPENAI_API_KEY => $FAKE_OPENAI_KEY,
	    CODEX_HOME => "$home/.codex",
	    DO_NOT_TRACK => 1,
	    OPENCLAW_STATE_DIR => "$home/.openclaw",
	);
	# Claude refuses bypassPermissions as root unless it is told it is sandboxed.
	if ($> == 0) { $ENV{IS_SANDBOX} = 1 } else { delete $ENV{IS_SANDBOX} }
}

sub _write_file {
	my ($self, $f, $text) = @_;
	make_path(dirname($f));
	open(my $fh, '>', $f) or die "AgentdTest: $f: $!\n";
	print $fh $text;
	close($fh) or die "AgentdTest: $f: $!\n";
}

# The user-level configuration of each CLI after a first set-up (no per-folder trust).
sub _write_agent_configs {
	my ($self) = @_;
	my $home = $self->{home};
	my $url = "http://127.0.0.1:$self->{model_port}";
	my $pretty = JSON::PP->new->utf8->canonical->pretty;

	$self->_write_file("$home/.claude.json", $pretty->encode({
	    hasCompletedOnboarding => JSON::PP::true,
	    customApiKeyResponses => { approved => [substr($FAKE_ANTHROPIC_KEY, -20)], rejected => [] },
	}));

	$self->_write_file("$home/.codex/config.toml", <<"EOT");
# written by t/lib/AgentdTest.pm (real_agents): Codex against t/bin/fake-model
model = "gpt-5"
model_provider = "fake"
check_for_update_on_startup = false

[model_providers.fake]
name = "Fake"
base_url = "$url/v1"
env_key = "FAKE_OPENAI_API_KEY"
wire_api = "responses"

[analytics]
enabled = false
EOT

	$self->_write_file("$home/.openclaw/openclaw.json", $pretty->encode({
	    models => { mode => 'merge', providers => { fake => {
		baseUrl => "$url/v1", apiKey => 'sk-fake-openclaw', api => 'openai-completions',
		models => [{ id => 'fake-model', name => 'Fake Model', reasoning => JSON::PP::false,
		    input => ['text'], cost => { input => 0, output => 0, cacheRead => 0, cacheWrite => 0 },
		    contextWindow => 128000, maxTokens => 8000 }] } } },
	    agents => { defaults => { model => { primary => 'fake/fake-model' } } },
	    telemetry => { enabled => JSON::PP::false },
	    update => { checkOnStart => JSON::PP::false },
	    # Its log goes to /tmp/openclaw/ (shared) otherwise.
	    logging => { file => "$home/logs/openclaw.log" },
	}));

	if (defined $self->{uid}) {
		chown($self->{uid}, $self->{gid}, "$home/.claude.json", "$home/.codex",
		    "$home/.codex/config.toml", "$home/.openclaw", "$home/.openclaw/openclaw.json");
	}
}

# Terminal output as text to match on: escape sequences removed, except
# that a cursor move right becomes that many spaces and any other cursor
# positioning a newline (TUIs that redraw only the changed cells skip the
# blanks between words); \r\n as \n.  Match with \s* between words.
sub strip_ansi {
	my ($s) = @_;
	$s =~ s/\e\[(\d*)C/' ' x ($1 || 1)/ge;		# cursor forward
	$s =~ s/\e\[[0-9;]*[HfABEFGd]/\n/g;		# cursor position, up, down
	$s =~ s/\e\[[0-?]*[ -\/]*[@-~]//g;		# CSI
	$s =~ s/\e\][^\a\e]*(?:\a|\e\\)//g;		# OSC
	$s =~ s/\e[P^_X][^\e]*\e\\//g;			# DCS, PM, APC, SOS
	$s =~ s/\e[()*+][0-9A-Za-z]//g;			# charset
	$s =~ s/\e[ -\/]*[0-~]//g;			# any other escape
	$s =~ s/\r\n?/\n/g;
	return $s;
}

# ---------------------------------------------------------------------------
# Teardown

sub _slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return '';
	local $/;
	return scalar <$fh>;
}

sub _tail {
	my ($self, $name, $lines) = @_;
	my @l = split /\n/, _slurp($self->log_path($name));
	@l = @l[-($lines // 40) .. -1] if @l > ($lines // 40);
	return join('', map { "  $name: $_\n" } @l);
}

sub _show_logs {
	my ($self) = @_;
	return if $self->{shown}++;
	diag("stack HOME $self->{home} (port " . ($self->{port} // '?') . ")");
	for my $name (qw(daemon fcgi backend fake-model)) {
		my $f = $self->log_path($name);
		next unless -s $f;
		diag("--- $f ---\n" . $self->_tail($name, 200));
	}
	my $e = "$self->{home}/nginx/error.log";
	diag("--- $e ---\n" . join('', map { "  nginx: $_\n" }
	    grep { !/\[notice\]/ } split /\n/, _slurp($e))) if -s $e;
}

# Processes that belong to this stack: cmdline, cwd or environment into HOME.
sub _stack_procs {
	my ($self) = @_;
	my $home = $self->{home};
	my @found;
	opendir(my $d, '/proc') or return ();
	for my $pid (grep { /^\d+$/ } readdir $d) {
		next if $pid == $$;
		my $stat = _slurp("/proc/$pid/stat");
		next if $stat =~ /^\d+ \(.*\) Z /s;	# zombies: checked by the tests
		my $cmd = _slurp("/proc/$pid/cmdline");
		my $cwd = readlink("/proc/$pid/cwd") // '';
		my $env = _slurp("/proc/$pid/environ");
		if (index($cmd, $home) >= 0 || $cwd eq $home || index($cwd, "$home/") == 0
		    || index($env, "AGENTD_TEST_HOME=$home\0") >= 0) {
			$cmd =~ tr/\0/ /;
			push @found, [$pid, $cmd];
		}
	}
	closedir $d;
	return @found;
}

# Stop the stack.  With checks (the default), report the teardown checks as tests.
sub stop {
	my ($self, %o) = @_;
	return if $self->{stopped}++;
	@LIVE = grep { $_ != $self } @LIVE;
	my $checks = $o{checks} // 1;
	my @problems;

	$self->_alive($_) for keys %{$self->{procs}};	# notice crashes
	push @problems, @{$self->{died} // []};
	$self->{expect_exit}{daemon} = 1;

	if ($self->{backend} eq 'real' && -x "$BUILDDIR/daemon/agentd" && $self->_alive('daemon')) {
		my $rc = $self->_run(30, $self->log_path('shutdown'), "$BUILDDIR/daemon/agentd",
		    '-H', $self->{home}, 'shutdown');
		push @problems, "agentd shutdown: " . ($rc == -1 ? 'timed out' : "exit status $rc")
		    if $rc != 0;
		# The daemon exits after a shutdown; give it the time to do so itself.
		eval { $self->wait_for(sub { !$self->_alive('daemon') }, 15, 'agentd to exit') };
		if ($@) {
			push @problems, "agentd still running 15 s after shutdown";
		} elsif ($self->{status}{daemon} != 0) {
			push @problems, "agentd exited with status $self->{status}{daemon} after shutdown";
		}
	}
	for my $name (qw(nginx fcgi backend daemon fake-model)) {
		next unless $self->{procs}{$name};
		my $st = $self->kill_proc($name, 'TERM');
		# With ASan an error aborts: a non-zero exit on SIGTERM is a finding.
		push @problems, "$name exited with status $st on SIGTERM"
		    if $name ne 'nginx' && defined $st && $st != 0 && ($st & 127) != 15;
	}

	my @left;
	eval { $self->wait_for(sub { !(@left = $self->_stack_procs) }, 10, 'stack processes to exit') };
	for (@left) {
		push @problems, "process left behind: $_->[0] $_->[1]";
		kill 'KILL', $_->[0];
	}
	for my $pid (@{$self->{agent_pids}}) {
		if (kill(0, -$pid)) {
			push @problems, "process group $pid of a session is still alive";
			kill 'KILL', -$pid;
		}
	}

	my @bad;
	for my $name (qw(daemon fcgi shutdown)) {
		for my $line (split /\n/, _slurp($self->log_path($name))) {
			if ($line =~ /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/
			    || ($line =~ /\blevel=(?:warn|error|fatal)\b/
			    && !grep { $line =~ $_ } @{$self->{expect_log}})) {
				push @bad, "$name: $line";
			}
		}
	}
	# valgrind -q writes only errors and leaks.
	for my $log (glob("$self->{home}/logs/valgrind.*.log")) {
		for my $line (split /\n/, _slurp($log)) {
			push @bad, "valgrind: $line" if $line =~ /\S/;
		}
	}
	for my $line (split /\n/, _slurp("$self->{home}/nginx/error.log")) {
		push @bad, "nginx: $line" if $line =~ /\[(?:alert|crit|emerg)\]/
		    && !grep { $line =~ $_ } @{$self->{expect_log}};
	}

	if ($checks) {
		ok(!@problems, 'teardown: clean shutdown, no process left behind')
		    or diag(join("\n", @problems));
		ok(!@bad, 'teardown: no unexpected warning/fatal/sanitizer line in the logs')
		    or diag(join("\n", @bad));
		push @{$self->{violations}}, splice(@WS_VIOLATIONS)
		    unless $self->{backend} ne 'real' || $self->{no_error_check};
		ok(!@{$self->{violations}}, 'teardown: every error reply was {error, code} JSON, '
		    . 'every JSON reply as doc/openapi.json says, no Access-Control-* header') or diag(join("\n", @{$self->{violations}}));
	}
	my $failed = @problems || @bad || @{$self->{violations}}
	    || !Test::More->builder->is_passing;
	$self->_show_logs if $failed || $ENV{TEST_AGENTD_CATLOG};
	if (!$checks && (@problems || @bad)) {
		diag(join("\n", @problems, @bad));
	}
}

# stop() with checks, then done_testing.
sub done {
	my ($self) = @_;
	$self->stop;
	done_testing();
}

sub DESTROY {
	my ($self) = @_;
	local ($?, $@, $!);
	$self->stop(checks => 0) unless $self->{stopped};
}

# A local webhook receiver (t/bin/webhook-receiver) in its own process group,
# ended with the test: (its port, a sub that returns every request it has
# logged so far, decoded, oldest first).
my @RECEIVERS;
sub webhook_receiver {
	my ($class) = @_;
	my $dir = tempdir('agentd-wh-XXXXXX', DIR => '/tmp', CLEANUP => 1);
	my $log = "$dir/requests.log";
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		POSIX::setsid();
		exec($^X, "$SRCDIR/t/bin/webhook-receiver", "$dir/port", $log) or POSIX::_exit(127);
	}
	push @RECEIVERS, $pid;
	wait_until(sub { -s "$dir/port" }, 10, 'the webhook receiver\'s port');
	chomp(my $port = _slurp("$dir/port"));
	my $requests = sub {
		open(my $fh, '<', $log) or return ();
		return map { decode_json($_) } grep { /\S/ } <$fh>;
	};
	return ($port, $requests);
}

END {
	local ($?, $@, $!);
	my @l = @LIVE;
	$_->stop(checks => 0) for @l;
	kill('TERM', -$_) for @RECEIVERS;
}

1;
