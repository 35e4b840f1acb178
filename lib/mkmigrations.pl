#!/usr/bin/perl
# Turn sql/NNNN-*.sql into a C array of migrations (index i = user_version i+1).
use strict;
use warnings;

print "/* Generated from sql/ by lib/mkmigrations.pl. Do not edit. */\n";
print "#include <stddef.h>\n\nconst char *agd_migrations[] = {\n";
my $srcdir = shift @ARGV;
for my $f (sort @ARGV) {
	open(my $fh, '<', "$srcdir/$f") or die "$f: $!";
	local $/;
	my $sql = <$fh>;
	close($fh);
	$sql =~ s/\\/\\\\/g;
	$sql =~ s/"/\\"/g;
	my @lines = split(/\n/, $sql);
	print "\t/* $f */\n";
	print "\t\"$_\\n\"\n" for @lines;
	print "\t,\n";
}
print "\tNULL\n};\n";
