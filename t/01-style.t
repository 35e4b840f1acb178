#!/usr/bin/perl
# The style rules over daemon/, fcgi/ and lib/ (doc/DESIGN.md, "Layers"): no
# strcpy, strcat, sprintf, vsprintf; no line over 100 columns; no file over 800
# lines; every .c and .h opens with a comment saying what it is for; every
# non-static function has a comment above it or at its prototype.  Also run by
# `make style`.  The rules themselves are tested in t/03-source-check.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use SourceCheck qw(check_tree comment_problems style_problems);

check_tree('daemon/, fcgi/ and lib/ follow the style rules',
    sub { (style_problems(@_), comment_problems(@_)) });
