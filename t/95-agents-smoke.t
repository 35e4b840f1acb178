#!/usr/bin/perl
# The real agent CLIs (t/agents/install) run inside agentd's PTY, offline,
# against t/bin/fake-model: for each of claude, codex and openclaw that is
# installed, create a session with the daemon's built-in command, wait for the
# TUI's idle marker, type "hello" + CR, wait for the fake model's reply on the
# screen, DELETE, and check that nothing of the agent is left.  Uses only
# create, input, output and DELETE.  The times (create -> ready, ready ->
# reply) are printed with diag.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(time sleep);

AgentdTest->require_stack;
my ($dir, $why) = AgentdTest::agents_dir();
plan skip_all => $why unless defined $dir;

my $READY_TIMEOUT = $ENV{TEST_AGENTS_READY_TIMEOUT} || 180;
my $REPLY_TIMEOUT = $ENV{TEST_AGENTS_REPLY_TIMEOUT} || 240;
my $DIALOG_GRACE = 10;

# Per CLI: the fake-model API it uses, the idle marker, and the dialogs that
# may come before it.  HOME has no per-folder trust (agentd answers the trust
# dialogs itself: the caller chose the folder); the keys here are only used if
# a dialog is still up after $DIALOG_GRACE seconds, and the test says so.
# claude 2.1.332 lists "No, exit" first and selected, "Yes, I trust this
# folder" second: Down, then Enter.  codex shows its trust screen only in a
# git repo (the workdir is not one), option 1 "Trust and continue" selected.
my %CLI = (
	claude => {
		api => 'anthropic',
		idle => qr/\?\s*for\s*shortcuts/,
		dialogs => [
			[qr/Yes,\s*I\s*trust\s*this\s*folder/, ["\e[B", "\r"], 'folder trust'],
		],
	},
	codex => {
		api => 'responses',
		idle => qr/\?\s*for\s*shortcuts|Ask\s*Codex\s*to\s*do\s*anything/,
		dialogs => [
			[qr/Trust\s*this\s*folder|Trust\s*and\s*continue/, ["\r"], 'folder trust'],
		],
	},
	openclaw => {
		api => 'chat',
		idle => qr/local\s*ready\s*\|\s*idle/,
		dialogs => [],
	},
);

my $t = AgentdTest->new(real_agents => 1);
my %times;

# Incremental reader of a session's output: the new text (ANSI stripped) is
# appended to $st->{text}, the raw bytes to $st->{raw}.
sub poll {
	my ($st) = @_;
	for (1 .. 100) {
		my ($s, undef, $h, $raw) = $t->get("/api/agents/sessions/$st->{name}/output?since=$st->{seq}");
		die "GET output of $st->{name}: $s\n" unless $s == 200;
		my $next = $h->{'x-agentd-seq'};
		last if !length($raw) || !defined $next || $next <= $st->{seq};
		$st->{seq} = $next;
		$st->{raw} .= $raw;
	}
	$st->{text} = AgentdTest::strip_ansi($st->{raw});
	return $st->{text};
}

# Offset of the last match of re in text, or -1.
sub last_match {
	my ($text, $re) = @_;
	my $at = -1;
	$at = $-[0] while $text =~ /$re/g;
	return $at;
}

sub input {
	my ($name, $data) = @_;
	my ($s, $j, undef, $raw) = $t->post("/api/agents/sessions/$name/input", { data => $data });
	is($s, 200, "input " . ($data =~ s/\r/\\r/gr =~ s/\e/\\e/gr) . " to $name: 200") or diag($raw);
}

sub screen_tail {
	my ($st, $n) = @_;
	my $x = $st->{text} // '';
	$x =~ s/\n\s*\n+/\n/g;
	$x = substr($x, -($n // 2500)) if length $x > ($n // 2500);
	return "--- output of $st->{name} (ANSI stripped, end) ---\n$x\n---";
}

# Processes whose cwd is in dir, or in the session (sid) or group of pid.
sub leftovers {
	my ($pid, $wd) = @_;
	my @left;
	opendir(my $d, '/proc') or return ();
	for my $p (grep { /^\d+$/ } readdir $d) {
		my $stat = AgentdTest::_slurp("/proc/$p/stat");
		next if $stat eq '' || $stat =~ /^\d+ \(.*\) Z /s;
		my ($pgrp, $sid) = $stat =~ /^\d+ \(.*\) \S+ \d+ (\d+) (\d+)/s;
		my $cwd = readlink("/proc/$p/cwd") // '';
		if (($pgrp // 0) == $pid || ($sid // 0) == $pid || $cwd eq $wd || index($cwd, "$wd/") == 0) {
			my $cmd = AgentdTest::_slurp("/proc/$p/cmdline");
			$cmd =~ tr/\0/ /;
			push @left, "$p $cmd";
		}
	}
	closedir $d;
	return @left;
}

sub smoke {
	my ($cli) = @_;
	my $c = $CLI{$cli};
	my $name = "smoke-$cli";
	my $wd = $t->workdir . "/w-$cli";
	make_path($wd);
	my $st = { name => $name, seq => 0, raw => '', text => '' };

	my $t0 = time;
	my ($s, $j, undef, $raw) = $t->create(name => $name, agentType => $cli, workingDirectory => $wd);
	is($s, 201, "create $cli session") or return diag($raw);
	my $pid = $j->{pid};
	like($pid // '', qr/^\d+$/, "$cli: a pid");

	# Ready: the idle marker shown after the last dialog seen.
	my (%seen, %answered);
	my $ready = eval {
		$t->wait_for(sub {
			my $text = poll($st);
			my $sess = $t->session($name);
			die "the $cli session ended: status $sess->{state}, exitCode "
			    . ($sess->{exitCode} // 'null') . "\n" if $sess && $sess->{ended};
			my $idle = last_match($text, $c->{idle});
			for my $dlg (@{$c->{dialogs}}) {
				my ($re, $keys, $what) = @$dlg;
				my $at = last_match($text, $re);
				next if $at < 0 || $idle > $at;
				$seen{$what} //= time;
				return 0 if $answered{$what} || time - $seen{$what} < $DIALOG_GRACE;
				$answered{$what} = 1;
				diag("$cli: the $what dialog is still up after $DIALOG_GRACE s:"
				    . " agentd did not answer it; the test does");
				for my $k (@$keys) {
					input($name, $k);
					sleep 0.5;
				}
				return 0;
			}
			return $idle >= 0;
		}, $READY_TIMEOUT, "$cli to show its idle marker $c->{idle}");
	};
	diag("$cli: $_ dialog shown and answered by agentd")
	    for grep { !$answered{$_} } sort keys %seen;
	my $t_ready = time;
	ok($ready, "$cli: TUI ready (idle marker)") or diag($@ . screen_tail($st));
	if ($ready) {
		# Settle: a TUI may still be drawing; keys typed during start-up can be lost.
		sleep 1;
		poll($st);
		my $from = length $st->{raw};
		input($name, 'hello');
		sleep 0.5;
		input($name, "\r");
		my $t_typed = time;
		my $got = eval {
			$t->wait_for(sub {
				poll($st);
				return AgentdTest::strip_ansi(substr($st->{raw}, $from)) =~ /FAKE_REPLY/;
			}, $REPLY_TIMEOUT, "FAKE_REPLY from $cli");
		};
		my $t_reply = time;
		ok($got, "$cli: the fake model's reply is on the screen") or diag($@ . screen_tail($st));
		my ($req) = grep { ($_->{api} // '') eq $c->{api} && ($_->{decision} // '') eq 'reply'
		    && ($_->{prompt} // '') =~ /\bhello\b/ }
		    $t->model_requests;
		ok($req, "$cli: fake-model saw the prompt") or diag(join("\n",
		    map { JSON::PP->new->canonical->encode($_) } $t->model_requests));
		$times{$cli} = [$t_ready - $t0, $t_reply - $t_typed] if $got;
		diag(sprintf('%s: create -> ready %.1f s, ready -> reply %.1f s (typed at +%.1f s)',
		    $cli, $t_ready - $t0, $t_reply - $t_typed, $t_typed - $t_ready)) if $got;
	}
	diag(screen_tail($st)) if $ENV{TEST_AGENTS_SCREEN};

	($s, $j, undef, $raw) = $t->del("/api/agents/sessions/$name");
	is($s, 200, "DELETE $cli session: 200") or diag($raw);
	my @left;
	eval { $t->wait_for(sub { !(@left = leftovers($pid, $wd)) }, 10, "$cli processes to go") };
	ok(!@left, "$cli: no process left after DELETE") or diag(join("\n", @left));
	# The holder ends what the agent left of its group after its drain period
	# (SIGKILL): on a loaded machine openclaw's node processes take seconds.
	ok(eval { $t->wait_for(sub { !kill(0, -$pid) }, 30, "$cli group to go") },
	    "$cli: its process group is gone");
}

my @only = split /[\s,]+/, $ENV{TEST_AGENTS_ONLY} // '';	# e.g. "codex,openclaw"
for my $cli (qw(claude codex openclaw)) {
	next if @only && !grep { $_ eq $cli } @only;
	SKIP: {
		my $missing = AgentdTest::agent_missing($cli);
		skip $missing, 1 if defined $missing;
		subtest $cli => sub { smoke($cli) };
	}
}

diag(join("\n", 'times (create -> ready, ready -> reply):',
    map { sprintf('  %-9s %5.1f s %5.1f s', $_, @{$times{$_}}) } sort keys %times)) if %times;

$t->done;
