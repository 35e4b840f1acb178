#!/usr/bin/perl
# The dashboard behind nginx auth_basic (auth = proxy) and under a path
# prefix (/agents/): a viewer sees no control and gets no input through, a
# user without a role sees the 403 as such, an operator is not offered
# bypassPermissions, an admin reads the audit; GET /api/agents/me says who is
# asking.  The fleet view renders 500 sessions within the 200 ms goal and
# updates rows in place, its status, agent and creator filters show what they select,
# its rows are a parent/worker tree with status source, since, tokens and cost
# and its totals add them up,
# a desktop notification says how many wait; phone-sized pages do not overflow.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use DashTest;
use MIME::Base64 qw(encode_base64);
use Test::More;

AgentdTest->require_stack;
DashTest::require_browser();

my $t = AgentdTest->new(auth => 'basic', web_prefix => '/agents/', conf => {
	auth => 'proxy', viewers => 'alice', operators => 'bob', admins => 'carol',
});
open(my $fh, '>', $t->home . '/htpasswd') or die;
print $fh "alice:{PLAIN}alice-pw\nbob:{PLAIN}bob-pw\ncarol:{PLAIN}carol-pw\ndave:{PLAIN}dave-pw\n";
close($fh);
chmod(0644, $t->home . '/htpasswd');
sub as { my ($u) = @_; return (Authorization => 'Basic ' . encode_base64("$u:$u-pw", '')) }

my ($s, $j, $h, $raw) = $t->get('/agents/', as('alice'));
is($s, 200, 'the dashboard under /agents/');
($s) = $t->get('/agents/');
is($s, 401, 'behind auth_basic like the API');
($s, undef, $h) = $t->get('/agents', as('alice'));
is($s, 301, '/agents redirects to /agents/');
($s) = $t->get('/', as('alice'));
is($s, 404, 'nothing at / when the dashboard has a prefix');

for my $u ([qw(alice viewer)], [qw(bob operator)], [qw(carol admin)]) {
	($s, $j) = $t->get('/api/agents/me', as($u->[0]));
	is($s, 200, "GET /api/agents/me as $u->[0]");
	is_deeply([@$j{qw(user role auth)}], [$u->[0], $u->[1], 'proxy'], "$u->[0] is $u->[1]");
}
($s, $j) = $t->get('/api/agents/me', as('dave'));
is($s, 403, 'a user with no role: 403');

($s, $j) = $t->post('/api/agents/sessions', { name => 'b1', agentType => 'fake',
    workingDirectory => $t->workdir }, as('bob'));
is($s, 201, 'bob creates b1');

DashTest::run($t, 'dash-roles.mjs', PREFIX => '/agents/');

$t->done;
