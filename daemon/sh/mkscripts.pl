#!/usr/bin/perl
# Turn daemon/sh/NAME.sh into C strings (const char sh_NAME[], '-' made '_'), so
# agentd carries the shell scripts it runs over ssh. The opening block of '#'
# lines (what the script is for) is dropped: only the commands are sent.
use strict;
use warnings;

print "/* Generated from daemon/sh/ by daemon/sh/mkscripts.pl. Do not edit. */\n";
my $srcdir = shift @ARGV;
for my $f (sort @ARGV) {
	open(my $fh, '<', "$srcdir/$f") or die "$f: $!";
	local $/;
	my $sh = <$fh>;
	close($fh);
	$sh =~ s/\A(#[^\n]*\n)+//;
	$sh =~ s/\\/\\\\/g;
	$sh =~ s/"/\\"/g;
	(my $name = $f) =~ s{.*/}{};
	$name =~ s/\.sh$//;
	$name =~ s/[^A-Za-z0-9]/_/g;
	print "\n/* $f */\nextern const char sh_$name\[\];\nconst char sh_$name\[\] =\n";
	for my $line (split(/\n/, $sh)) {
		# Long lines in pieces, so the C stays within 100 columns; never
		# between a backslash and the character it escapes.
		my @parts;
		while (length($line) > 80) {
			my $n = 80;
			$n++ while substr($line, 0, $n) =~ /(?<!\\)(\\\\)*\\$/;
			push @parts, substr($line, 0, $n);
			$line = substr($line, $n);
		}
		push @parts, $line . "\\n";
		print "\t\"$_\"\n" for @parts;
	}
	print "\t;\n";
}
