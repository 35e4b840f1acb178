#!/usr/bin/perl
# Contract (issue #15, item 3 and "What must work"): how the seed clients carry
# the token under auth = local - Authorization: Bearer on REST, ?access_token=
# on the WebSocket (a browser cannot set headers on it), on /terminal and on
# the bare session path; without either, 401.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use WSClient;
use Test::More;

AgentdTest->require_stack;
my $t = AgentdTest->new;
my $tok = $t->token;
plan skip_all => 'the stack is not in auth = local' unless defined $tok;
my $S = '/api/agents/sessions';

my ($s, $j) = $t->create(name => 'a1');
is($s, 201, 'create with the Bearer token (the harness sends it)');
($s, $j) = $t->get($S, Authorization => undef);
is($s, 401, 'REST without a token: 401');
($s, $j) = $t->get($S, Authorization => "Bearer $tok");
is($s, 200, 'REST with Authorization: Bearer: 200');
is(ref $j, 'ARRAY', '... the list');
($s, $j) = $t->get($S, Authorization => 'Bearer ' . ('0' x 64));
is($s, 401, 'REST with a wrong Bearer token: 401');

for my $p ("$S/a1/terminal", "$S/a1") {
	my ($w, $st) = WSClient->connect(port => $t->port, path => "$p?access_token=$tok",
	    token => undef);
	ok($w, "$p?access_token=: 101");
	$w->close if $w;
	($w, $st) = WSClient->connect(port => $t->port, path => $p, token => undef);
	ok(!$w && $st == 401, "$p without a token: 401");
	($w, $st) = WSClient->connect(port => $t->port, path => "$p?access_token=" . ('f' x 64),
	    token => undef);
	ok(!$w && $st == 401, "$p with a wrong access_token: 401");
}
$t->del("$S/a1");
$t->done;
