#!/usr/bin/perl
# The layers of doc/DESIGN.md ("Layers"): agentd.c -> server*.c -> cmd.c and
# cmd-*.c -> subsystems -> helpers -> lib/; no call or #include goes up, only
# server*.c, cmd.c and cmd-*.c know struct ctl_client, no daemon files call
# each other in a circle; fcgi/ and lib/ use nothing of daemon/, lib/ nothing of
# fcgi/.  Also run by `make style`.  The rules themselves are tested in
# t/03-source-check.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use SourceCheck qw(check_tree layer_problems);

check_tree('no call or #include goes up a layer', \&layer_problems);
