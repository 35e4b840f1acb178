#!/usr/bin/perl
# make install (issue #18): every program, file and manual page where the
# layout says, the daemon looking for the holder where the install put it, the
# configuration installed once and never overwritten, every setting of
# lib/conf.c described in agentd.conf(5), the manual pages free of warnings,
# and uninstall taking back what install put.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use File::Find;
use File::Temp qw(tempdir);
use Test::More;

my $src = AgentdTest->srcdir;
my $build = AgentdTest->builddir;
plan skip_all => 'no build tree' unless -x "$build/daemon/agentd";
sub slurp { AgentdTest->slurp(@_) }
sub make_run { AgentdTest->make_build(@_) }

my %dir = AgentdTest->install_dirs;
my ($rc, $out);
ok($dir{$_}, "$_ is known") for qw(bindir sbindir libexecdir sysconfdir pkgdatadir mandir
    systemdsystemunitdir localstatedir);

my $dest = tempdir('agentd-inst-XXXXXX', TMPDIR => 1, CLEANUP => 1);
($rc, $out) = make_run("install DESTDIR='$dest'");
is($rc, 0, 'make install DESTDIR=...') or diag($out);

my %want = (
	"$dir{sbindir}/agentd" => 'x',
	"$dir{sbindir}/agentd-fcgi" => 'x',
	"$dir{libexecdir}/agentd-holder" => 'x',
	"$dir{bindir}/agentctl" => 'x',
	"$dir{sysconfdir}/agentd/agentd.conf" => 'f',
	"$dir{sysconfdir}/agentd/agentd.conf.example" => 'f',
	"$dir{pkgdatadir}/gen-nginx" => 'x',
	"$dir{pkgdatadir}/nginx.conf.in" => 'f',
	"$dir{pkgdatadir}/agentd-locations.conf.in" => 'f',
	"$dir{pkgdatadir}/auth/none.http.conf" => 'f',
	"$dir{pkgdatadir}/agentd-web.conf.in" => 'f',
	"$dir{pkgdatadir}/openapi.json" => 'f',
	"$dir{mandir}/man8/agentd.8" => 'f',
	"$dir{mandir}/man8/agentd-fcgi.8" => 'f',
	"$dir{mandir}/man8/agentd-holder.8" => 'f',
	"$dir{mandir}/man5/agentd.conf.5" => 'f',
	"$dir{mandir}/man1/agentctl.1" => 'f',
	"$dir{systemdsystemunitdir}/agentd.service" => 'f',
	"$dir{systemdsystemunitdir}/agentd-fcgi.service" => 'f',
);
# The dashboard, when its bundle is built (web/local.mk; ./bootstrap builds it).
$want{"$dir{pkgdatadir}/web/index.html"} = 'f' if -f "$build/web/dist/index.html";
for my $f (sort keys %want) {
	ok($want{$f} eq 'x' ? -x "$dest$f" : -f "$dest$f", "installed: $f");
}
is(slurp("$dest$dir{sysconfdir}/agentd/agentd.conf"), slurp("$src/conf/agentd.conf.example"),
    'agentd.conf is the example');

# The holder is where the daemon looks when none sits next to it.
my $bin = slurp("$dest$dir{sbindir}/agentd");
ok(index($bin, "$dir{libexecdir}/agentd-holder\0") >= 0,
    "agentd looks for the holder in $dir{libexecdir}");
ok(!-e "$dest$dir{sbindir}/agentd-holder", 'no holder next to the installed agentd');

# The installed gen-nginx finds its templates next to itself.
my $home = tempdir('agentd-gen-XXXXXX', TMPDIR => 1, CLEANUP => 1);
$out = `$^X '$dest$dir{pkgdatadir}/gen-nginx' --no-user '$home' 127.0.0.1:1 2>&1`;
is($?, 0, 'installed gen-nginx writes a configuration') or diag($out);
ok(-s "$home/nginx/agentd-locations.conf", 'with the locations');
$out = `$^X '$dest$dir{pkgdatadir}/gen-nginx' --print-locations --access-log /var/log/x.log /srv/run`;
my @loc = $out =~ /^location [^\n]*\{\n\taccess_log \/var\/log\/x\.log agentd;$/mg;
my @all = $out =~ /^location /mg;
ok(@all > 0 && @loc == @all, '--access-log: every location logs there');
$out = `$^X '$dest$dir{pkgdatadir}/gen-nginx' --print-web --access-log /var/log/x.log /srv/web /agents/`;
@loc = $out =~ /^location [^\n]*\{\n\taccess_log \/var\/log\/x\.log agentd;$/mg;
@all = $out =~ /^location /mg;
ok(@all > 0 && @loc == @all && $out =~ m{^location /agents/ \{$}m,
    '--print-web --access-log: the dashboard at /agents/, every location logs there');

# A changed configuration survives a second install; uninstall leaves it alone.
my $conf = "$dest$dir{sysconfdir}/agentd/agentd.conf";
open(my $fh, '>>', $conf) or die "$conf: $!";
print $fh "max_sessions = 3\n";
close($fh);
($rc, $out) = make_run("install DESTDIR='$dest'");
is($rc, 0, 'make install again') or diag($out);
like(slurp($conf), qr/^max_sessions = 3$/m, 'a changed agentd.conf is not overwritten');
($rc, $out) = make_run("uninstall DESTDIR='$dest'");
is($rc, 0, 'make uninstall') or diag($out);
my @left;
find(sub { push @left, $File::Find::name if -f $_ }, $dest);
is_deeply(\@left, [$conf], 'uninstall removes everything but the changed agentd.conf')
    or diag(join("\n", @left));

# Every setting of lib/conf.c has its entry in agentd.conf(5).
my $c = slurp("$src/lib/conf.c");
my @keys = $c =~ /^\t\{ "(\w+)", CONF_(?:INT|U64|ENUM|STRING),/mg;
cmp_ok(scalar @keys, '>', 40, 'the settings of lib/conf.c are found (' . @keys . ')');
my $man = slurp("$src/doc/agentd.conf.5");
my @missing = grep { $man !~ /\bCm \Q$_\E\b/ } @keys;
is_deeply(\@missing, [], 'agentd.conf(5) describes every setting');

# The manual pages render without a warning.
SKIP: {
	my @pages = ('doc/agentd.8', 'doc/agentd-fcgi.8', 'doc/agentd-holder.8',
	    'doc/agentd.conf.5', 'ctl/agentctl.1');
	skip 'no groff', scalar @pages unless -x '/usr/bin/groff';
	for my $p (@pages) {
		my $w = `groff -mandoc -ww -z -Tutf8 '$src/$p' 2>&1`;
		is($w, '', "$p: no groff warning");
	}
}

done_testing();
