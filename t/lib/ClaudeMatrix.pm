package ClaudeMatrix;

# The matrix of issue #14 for the real claude against t/bin/fake-model, for one
# transport (t/93-claude-tty.t, t/94-claude-stream.t): in each permission mode
# a session gets a prompt and a second message, each answered in json_event and
# in its terminal output (tty_data); a tool call runs where the mode allows it,
# else waits for approval and runs once allowed, and in another session does
# not run once denied; usage is counted; reset starts a new conversation (the
# model sees a new claude session); delete leaves no process. The sessions
# start one after the other, then run at once, phase by phase.
#
#	ClaudeMatrix::run('tty' | 'stream');
use strict;
use warnings;
use AgentdTest;
use File::Path qw(make_path);
use Test::More;
use Time::HiRes qw(time);

my $TURN = $ENV{TEST_AGENTS_TURN_TIMEOUT} || 180;

sub run {
	my ($transport) = @_;
	my $t0 = time;
	my $t = AgentdTest->new(real_agents => 1);
	my %want;		# name => [mode, role]
	for my $mode (qw(default acceptEdits bypassPermissions)) {
		$want{"m-$mode"} = [$mode, 'allow'];
	}
	$want{'m-deny'} = ['default', 'deny'];
	my @names = sort keys %want;

	my $events = sub {
		my ($name, $type) = @_;
		my ($s, $j) = $t->get("/api/agents/sessions/$name?since=0&limit=1000");
		return () unless $s == 200;
		return grep { !defined $type || $_->{type} eq $type } @{$j->{events}};
	};
	my $replies = sub {
		my ($name, $re) = @_;
		return scalar grep { ($_->{event}{text} // '') =~ $re }
		    $events->($name, 'assistant_text');
	};
	my $status = sub { my $d = $t->session($_[0]); $d ? $d->{state} : '' };
	# Wait for every session to satisfy $ok; say which did not.
	my $all = sub {
		my ($what, $ok, @which) = @_;
		@which = @names unless @which;
		my %done;
		my $fine = eval {
			$t->wait_for(sub { $done{$_} ||= $ok->($_) for @which;
			    !grep { !$done{$_} } @which }, $TURN, $what);
			1;
		};
		for my $n (grep { !$done{$_} } @which) {
			diag("$n ($transport, $want{$n}[0]): no $what; status " . $status->($n) .
			    "\n" . AgentdTest::strip_ansi(scalar $t->output($n)));
		}
		ok($fine, "$transport: $what (" . join(', ', @which) . ')');
		return $fine;
	};

	for my $n (@names) {
		make_path($t->workdir . "/$n");
		my ($s, $j) = $t->create(name => $n, agentType => 'claude', transport => $transport,
		    permissionMode => $want{$n}[0], workingDirectory => $t->workdir . "/$n",
		    prompt => 'hello agent');
		is($s, 201, "$transport $want{$n}[0]: create $n") or diag(explain $j);
		is($j->{transport}, $transport, "$n: transport $transport");
		# One start at a time: four TUIs drawing their start dialogs at once on
		# a loaded machine is more than this test is about.
		$all->("$n started", sub { $status->($_[0]) ne 'starting' }, $n);
	}
	my %pid = map { $_ => $t->session($_)->{pid} } @names;
	$all->('the first reply', sub { $replies->($_[0], qr/FAKE_REPLY/) >= 1 });
	$all->('the reply in tty_data', sub {
	    AgentdTest::strip_ansi(scalar $t->output($_[0])) =~ /FAKE_REPLY/ });
	$all->('idle after the first turn', sub { $status->($_[0]) eq 'idle' });
	diag(sprintf('%s: first reply in every mode after %.0f s', $transport, time - $t0));

	is(($t->message($_, 'second message please'))[0], 200, "$_: second message") for @names;
	$all->('the second reply', sub { $replies->($_[0], qr/FAKE_REPLY/) >= 2 });
	$all->('idle after the second turn', sub { $status->($_[0]) eq 'idle' });

	# A tool call: runs where the mode allows it, else asks.
	is(($t->message($_, 'RUNTOOL now'))[0], 200, "$_: RUNTOOL") for @names;
	my @ask = grep { $want{$_}[0] eq 'default' } @names;
	my @free = grep { $want{$_}[0] ne 'default' } @names;
	$all->('waiting_approval in default mode', sub {
	    $status->($_[0]) eq 'waiting_approval' }, @ask);
	for my $n (@ask) {
		my ($s, $j) = $t->post("/api/agents/sessions/$n/approval",
		    { decision => $want{$n}[1], message => 'not in this test' });
		is($s, 200, "$n: $want{$n}[1]") or diag(explain $j);
	}
	$all->('the tool turn done', sub { $replies->($_[0], qr/FAKE_DONE/) >= 1 });
	for my $n (@names) {
		my $ran = -e $t->workdir . "/$n/out.txt";
		if ($want{$n}[1] eq 'deny') {
			ok(!$ran, "$n: denied: the tool did not run");
		} else {
			ok($ran, "$n ($want{$n}[0]): the tool ran");
		}
		my @asked = $events->($n, 'permission_request');
		if ($want{$n}[0] eq 'default') {
			ok(@asked, "$n: default mode asked");
		} else {
			ok(!@asked, "$n ($want{$n}[0]): no approval asked");
		}
		my ($ap) = $events->($n, 'approval');
		is($ap && $ap->{event}{decision}, $want{$n}[1], "$n: the approval recorded")
		    if $want{$n}[0] eq 'default';
		my $u = $t->session($n)->{usage} // {};
		ok(($u->{inputTokens} // 0) > 0 && ($u->{outputTokens} // 0) > 0,
		    "$n: usage counted ($u->{inputTokens} in, $u->{outputTokens} out)");
	}
	$all->('idle after the tool turn', sub { $status->($_[0]) eq 'idle' });

	# Reset: the next message starts a new conversation (a new claude session).
	my %sid;
	for my $r ($t->model_requests) {
		$sid{$r->{session}} = 1 if defined $r->{session};
	}
	is(($t->post("/api/agents/sessions/$_/reset", {}))[0], 200, "$_: reset") for @names;
	$all->('idle after the reset', sub { $status->($_[0]) eq 'idle' });
	# Of two lines: one message (a TUI gets it as one bracketed paste).
	is(($t->message($_, "after reset $_\nin two lines"))[0], 200,
	    "$_: a message after the reset") for @names;
	$all->('the reply after the reset', sub { $replies->($_[0], qr/FAKE_REPLY/) >= 3 });
	for my $n (@names) {
		my ($r) = grep { ($_->{prompt} // '') =~ /after reset \Q$n\E/ } $t->model_requests;
		ok($r && defined $r->{session} && !$sid{$r->{session}},
		    "$n: after the reset the model sees a new conversation");
		like($r && $r->{prompt}, qr/after reset \Q$n\E\nin two lines/,
		    "$n: both lines in one prompt");
	}

	for my $n (@names) {
		my ($s) = $t->del("/api/agents/sessions/$n");
		is($s, 200, "$n: delete");
		ok(!kill(0, $pid{$n}), "$n: no process left");
	}
	diag(sprintf('%s: the matrix took %.0f s', $transport, time - $t0));
	$t->done;
}

1;
