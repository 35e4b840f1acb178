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
	print "\t\"$_\\n\"\n" for split(/\n/, $sh);
	print "\t;\n";
}
