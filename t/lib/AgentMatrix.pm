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

our @EXPORT = qw(matrix_init events status_of enc wait_all reply_event);

my ($t, $TURN);

# The stack the cases run on, and the default wait (seconds).
sub matrix_init { ($t, $TURN) = @_ }

# The session's events after seq since.
sub events {
	my ($name, $since) = @_;
	my ($s, $j) = $t->get("/api/agents/sessions/$name?since=" . ($since // 0) . '&limit=1000');
	return $s == 200 ? @{$j->{events}} : ();
}

sub status_of { my $d = $t->session($_[0]); return $d ? $d->{status} // '' : '' }

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

1;
