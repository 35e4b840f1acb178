#!/usr/bin/perl
# The layers of doc/DESIGN.md ("Layers"): agentd.c -> server*.c -> cmd.c ->
# cmd-*.c -> subsystems -> helpers -> lib/; no call or #include goes up, only
# server*.c, cmd.c and cmd-*.c know struct ctl_client, no daemon files call
# each other in a circle; fcgi/ and lib/ use nothing of daemon/, lib/ nothing of
# fcgi/.  Also run by `make style`.  The rules themselves are tested in
# t/03-source-check.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use SourceCheck qw(layer_problems);
use Test::More tests => 1;

# While the test is in XFAIL_TESTS (t/local.mk, passed by the Makefile), the TAP
# driver reports its failure as XFAIL but would still take exit status 1 for
# an error: then the exit status is 0.
Test::More->builder->no_ending(1)
    if grep { m{(\A|/)02-layers\.t\z} } split ' ', $ENV{AGENTD_XFAIL_TESTS} // '';

my $top = $ENV{AGENTD_TOP_SRCDIR} // "$FindBin::Bin/..";
my @p = layer_problems($top);
ok(!@p, 'no call or #include goes up a layer') or diag(join("\n", @p) .
    "\n" . scalar(@p) . ' problems');
