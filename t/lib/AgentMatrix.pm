# Helpers of the real-agent matrix tests (t/57-codex-matrix.t,
# t/58-openclaw-matrix.t): cases (hashes with name, tr, mode, work) advance side
# by side, each phase waiting for all of them.
package AgentMatrix;
use strict;
use warnings;
use Exporter 'import';
use JSON::PP ();
use Test::More;
use AgentdTest;

our @EXPORT = qw(matrix_init events status_of enc wait_all reply_event message_all
    decide_all reset_all delete_all);

my ($t, $TURN);

# The stack the cases run on, and the default wait (seconds).
sub matrix_init { ($t, $TURN) = @_ }

# The session's events after seq since.
sub events {
	my ($name, $since) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=" . ($since // 0) . '&limit=1000');
	return $s == 200 ? @{$j->{events}} : ();
}

sub status_of { my $d = $t->session($_[0]); return $d ? $d->{state} // '' : '' }

sub enc { JSON::PP->new->canonical->encode($_[0] // {}) }

# Wait until $code->($case) is true for every case of $cases; one test. On a
# timeout, each late case's status and the end of its terminal output.
sub wait_all {
	my ($cases, $what, $code, $timeout) = @_;
	my %got;
	my $ok = eval {
		$t->wait_for(sub {
			for my $c (@$cases) {
				next if $got{$c->{name}};
				$got{$c->{name}} = $code->($c);
			}
			!grep { !$got{$_->{name}} } @$cases;
		}, $timeout // $TURN, $what);
		1;
	};
	unless ($ok) {
		for my $c (grep { !$got{$_->{name}} } @$cases) {
			diag("$c->{name}: not $what (status " . status_of($c->{name}) . ")\n" .
			    AgentdTest::strip_ansi(substr(scalar $t->output($c->{name}), -3000)));
		}
	}
	ok($ok, $what);
	return \%got;
}

# The case's first assistant_text event matching $re after seq since, or undef.
sub reply_event {
	my ($c, $re, $since) = @_;
	my ($e) = grep { $_->{type} eq 'assistant_text' && ($_->{event}{text} // '') =~ $re }
	    events($c->{name}, $since);
	return $e;
}

# Send every case the message $text (or $text->($case)); 200 each ($what names it).
sub message_all {
	my ($cases, $text, $what) = @_;
	for my $c (@$cases) {
		my ($s) = $t->message($c->{name}, ref $text ? $text->($c) : $text);
		is($s, 200, "$c->{name}: $what");
	}
}

# Answer every case's pending approval with $decision (allow | deny); 200 each.
sub decide_all {
	my ($cases, $decision) = @_;
	for my $c (@$cases) {
		my ($s, $j) = $t->post("/api/agents/sessions/$c->{name}/approval",
		    { decision => $decision });
		is($s, 200, "$c->{name}: $decision") or diag explain $j;
	}
}

# Reset every case and wait for it: a stream's conversation_reset, a TUI's own
# command ($tty_cmd) delivered; then idle.
sub reset_all {
	my ($cases, $tty_cmd) = @_;
	for my $c (@$cases) {
		my ($s) = $t->post("/api/agents/sessions/$c->{name}/reset", {});
		is($s, 200, "$c->{name}: reset");
	}
	wait_all($cases, 'the reset', sub {
		my @ev = events($_[0]{name}, $_[0]{seq});
		$_[0]{tr} eq 'stream' ? (grep { $_->{type} eq 'conversation_reset' } @ev) :
		    (grep { $_->{type} eq 'delivered' &&
		    ($_->{event}{command} // '') eq $tty_cmd } @ev);
	});
	wait_all($cases, 'idle after the reset', sub { status_of($_[0]{name}) eq 'idle' });
}

# DELETE every case: 200, and no process of its group is left (within a bounded
# wait: openclaw's node processes take seconds to end on a loaded machine).
sub delete_all {
	my ($cases) = @_;
	my %pid;
	for my $c (@$cases) {
		$pid{$c->{name}} = $t->session($c->{name})->{pid};
		my ($s) = $t->del("/api/agents/sessions/$c->{name}");
		is($s, 200, "$c->{name}: DELETE");
	}
	wait_all($cases, 'every process group gone after DELETE',
	    sub { !kill(0, -$pid{$_[0]{name}}) }, 60);
}

1;
