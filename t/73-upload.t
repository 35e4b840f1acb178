#!/usr/bin/perl
# POST /api/agents/upload: multipart/form-data into a working directory,
# buffered by nginx, streamed by agentd-fcgi, all or nothing, confined; limits, bad names, malformed bodies,
# a symlink swapped in during an upload, the handler's memory.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use FcgiClient;
use Cwd qw(abs_path);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

AgentdTest->require_stack;

my $tmp = abs_path(tempdir('agentd-upload-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TEST_AGENTD_LEAVE}));
my $home = "$tmp/home";
my $outside = "$tmp/outside";
my $proj = "$home/proj";
make_path($proj, "$home/swap", $outside, "$tmp/sessiondir");
symlink($outside, "$home/escape") or die;
sub spew {
	my ($f, $data) = @_;
	open(my $fh, '>', $f) or die "$f: $!";
	binmode $fh;
	print $fh $data;
	close $fh;
}
sub slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return undef;
	binmode $fh;
	local $/;
	return scalar <$fh>;
}
spew("$home/afile", 'not a directory');

my $B = 'agentd-test-boundary-1234';
my $MiB = 1024 * 1024;

# A multipart body: parts are [name, content] (a field) or
# [name, content, filename] (a file).
sub mp {
	my (@parts) = @_;
	my $body = '';
	for my $p (@parts) {
		my ($name, $content, $filename) = @$p;
		$body .= "--$B\r\nContent-Disposition: form-data; name=\"$name\"";
		$body .= "; filename=\"$filename\"\r\nContent-Type: application/octet-stream"
		    if defined $filename;
		$body .= "\r\n\r\n$content\r\n";
	}
	return $body . "--$B--\r\n";
}

my $t = AgentdTest->new(conf => { home_root => $home }, fcgi_workers => 1);
my ($s, $j);

sub upload {
	my ($body, %o) = @_;
	return $t->req(POST => '/api/agents/upload' . ($o{query} // ''), $body,
	    'Content-Type' => $o{ctype} // "multipart/form-data; boundary=$B");
}

# Entries of dir that are ours (temporary files left behind?).
sub leftovers {
	my ($dir) = @_;
	opendir(my $d, $dir) or return ();
	my @l = grep { /^\.agentd-upload-/ } readdir $d;
	closedir $d;
	return @l;
}

# --- what works -------------------------------------------------------------

# Near misses of the delimiter inside the data: a prefix of it after CR LF,
# the whole boundary without the CR LF, lone CRs.
my $binary = join('', map { chr($_ % 256) } 0 .. 70000) . "\r\n--" . substr($B, 0, 10)
    . "\r\r\n-\r\n-x--$B\n--$B\r--";
($s, $j) = upload(mp(['workingDirectory', $proj], ['files', "hello\n", 'a.txt'],
    ['files', $binary, 'b.bin'], ['other', 'ignored']));
is($s, 200, 'upload: 200');
is($j->{directory}, $proj, 'reply: the directory');
is_deeply([map { [$_->{name}, $_->{size}] } @{$j->{files}}],
    [['a.txt', 6], ['b.bin', length $binary]], 'reply: names and sizes');
is($j->{files}[0]{path}, "$proj/a.txt", 'reply: paths');
is(slurp("$proj/a.txt"), "hello\n", 'a.txt written');
ok(slurp("$proj/b.bin") eq $binary, 'b.bin written byte for byte (CR LF and dashes inside)');
is_deeply([leftovers($proj)], [], 'no temporary file left');

($s, $j) = upload(mp(['f', 'via query', 'c.txt']), query => "?cwd=$proj");
is($s, 200, '?cwd= (older clients): 200');
is(slurp("$proj/c.txt"), 'via query', '?cwd=: written');
($s, $j) = upload(mp(['f', 'tilde', 'tilde.txt']), query => '?cwd=~/proj');
is($s, 200, '?cwd=~/proj: 200');
ok(-e "$proj/tilde.txt", '~ is the home');

# --- existing files ---------------------------------------------------------

($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'new', 'new.txt'], ['f', 'changed', 'a.txt']));
$t->is_err($s, $j, 409, 'exists', 'an existing file');
is(slurp("$proj/a.txt"), "hello\n", '409: the existing file is unchanged');
ok(!-e "$proj/new.txt", '409: all or nothing, the other file is not written');
is_deeply([leftovers($proj)], [], '409: no temporary file left');
($s, $j) = upload(mp(['workingDirectory', $proj], ['overwrite', '1'], ['f', 'new', 'new.txt'],
    ['f', 'changed', 'a.txt']));
is($s, 200, 'overwrite=1: 200');
is(slurp("$proj/a.txt"), 'changed', 'overwrite=1: replaced');
is(slurp("$proj/new.txt"), 'new', 'overwrite=1: and the new one written');
is_deeply([leftovers($proj)], [], 'overwrite=1: no temporary file left');
mkdir("$proj/adir");
($s, $j) = upload(mp(['workingDirectory', $proj], ['overwrite', '1'], ['f', 'x', 'adir']));
$t->is_err($s, $j, 409, 'exists', 'overwrite=1 never replaces a directory');
ok(-d "$proj/adir", '... it is still there');
symlink("$outside/target", "$proj/lnk") or die;
($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'x', 'lnk']));
$t->is_err($s, $j, 409, 'exists', 'a symlink at the name is an existing file');
ok(!-e "$outside/target", '... and nothing is written through it');

# --- limits -----------------------------------------------------------------

($s, $j) = upload(mp(['workingDirectory', $proj], map { ['f', "n$_", "six$_.txt"] } 1 .. 6));
$t->is_err($s, $j, 413, 'too_large', 'a sixth file');
ok(!grep({ -e "$proj/six$_.txt" } 1 .. 6), 'a sixth file: none of them written');
is_deeply([leftovers($proj)], [], 'a sixth file: no temporary file left');

($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'small', 'ok.txt'],
    ['f', 'x' x (10 * $MiB + 1), 'big.bin']));
$t->is_err($s, $j, 413, 'too_large', 'a file over 10 MiB');
ok(!-e "$proj/ok.txt" && !-e "$proj/big.bin", 'over 10 MiB: nothing written');
is_deeply([leftovers($proj)], [], 'over 10 MiB: no temporary file left');

($s, $j) = upload(mp(['workingDirectory', $proj], ['big', 'x' x 5000]));
$t->is_err($s, $j, 413, 'too_large', 'a form field over 4 KiB');

# nginx refuses a body over 51 MiB by its length, with the API's JSON.
{
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port, Timeout => 10)
	    or die "connect: $!";
	print $sock "POST /api/agents/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	    . "Content-Type: multipart/form-data; boundary=$B\r\nContent-Length: " . (52 * $MiB) . "\r\n\r\n";
	my $resp = '';
	my $sel = IO::Select->new($sock);
	while ($sel->can_read(10)) {
		last unless sysread($sock, $resp, 65536, length $resp);
	}
	close $sock;
	($s, $j) = $t->_parse_reply('POST', '/api/agents/upload', $resp);
	$t->is_err($s, $j, 413, 'too_large', 'a body over 51 MiB (nginx)');
}

# --- names ------------------------------------------------------------------

my @names = (
	['a/b', 'a slash'], ['a\\b', 'a backslash'], ['..', '..'], ['.', '.'],
	["a\x01b", 'a control character'], ["a\x7fb", 'DEL'], ['x' x 256, '256 bytes'],
	["\xff\xfe", 'not UTF-8'], ['.agentd-upload-abcdef', 'our temporary prefix'],
);
for my $n (@names) {
	($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'x', 'fine.txt'], ['f', 'x', $n->[0]]));
	$t->is_err($s, $j, 400, 'bad_filename', "file name with $n->[1]");
}
ok(!-e "$proj/fine.txt", 'bad names: nothing written');
($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'x', 'x' x 255]));
is($s, 200, 'a name of 255 bytes is fine');
($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'x', "caf\xc3\xa9 \xe2\x9c\x93.txt"]));
is($s, 200, 'a UTF-8 name');
ok(-e "$proj/caf\xc3\xa9 \xe2\x9c\x93.txt", '... written under that name');
($s, $j) = upload("--$B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\0b\"\r\n\r\nx\r\n--$B--\r\n",
    query => "?cwd=$proj");
$t->is_err($s, $j, 400, 'bad_multipart', 'a NUL byte in a file name');
($s, $j) = upload(mp(['workingDirectory', $proj], ['f', 'x', 'dup'], ['f', 'y', 'dup']));
$t->is_err($s, $j, 400, 'bad_filename', 'the same name twice');
($s, $j) = upload(mp(['workingDirectory', $proj], ['f', '', '']));
$t->is_err($s, $j, 400, 'invalid_field', 'no file (an empty file input)');

# --- where ------------------------------------------------------------------

my @where = (
	['/etc', 403, 'forbidden_path', 'outside the home'],
	[$outside, 403, 'forbidden_path', 'outside the home, no session there'],
	["$home/../outside", 403, 'forbidden_path', '..'],
	["$home/%2e%2e/outside", 403, 'forbidden_path', '%2e%2e (not decoded in a form field)', 404, 'not_found'],
	["$home/escape", 403, 'forbidden_path', 'a symlink under the home pointing outside'],
	["$home/nope", 404, 'not_found', 'a directory that does not exist'],
	["$home/afile", 400, 'not_a_directory', 'a file'],
	['proj', 400, 'relative_path', 'a relative path'],
	["$home/" . ('d' x 300), 400, 'bad_path', 'a name over 255 bytes'],
	["$home/" . ('d/' x 2100), 400, 'bad_path', 'an overlong path'],
);
for my $w (@where) {
	my ($dir, $st, $code, $what, $st2, $code2) = @$w;
	# %2e%2e in a form field is literally "%2e%2e", a name that does not exist.
	($st, $code) = ($st2, $code2) if defined $st2;
	($s, $j) = upload(mp(['workingDirectory', $dir], ['f', 'x', 'w.txt']));
	$t->is_err($s, $j, $st, $code, "workingDirectory $what");
}
($s, $j) = upload(mp(['f', 'x', 'w.txt']), query => '?cwd=%2e%2e');
$t->is_err($s, $j, 403, 'forbidden_path', '?cwd=%2e%2e');
($s, $j) = upload(mp(['f', 'x', 'w.txt']), query => "?cwd=$home/%2e%2e/outside");
$t->is_err($s, $j, 403, 'forbidden_path', '?cwd= with %2e%2e');
($s, $j) = upload(mp(['f', 'x', 'w.txt']), query => "?cwd=$proj%00");
$t->is_err($s, $j, 400, 'invalid_field', '?cwd= with a NUL byte');
($s, $j) = upload(mp(['workingDirectory', "$proj\0/x"], ['f', 'x', 'w.txt']));
$t->is_err($s, $j, 400, 'invalid_field', 'workingDirectory with a NUL byte');
($s, $j) = upload(mp(['f', 'x', 'w.txt']));
$t->is_err($s, $j, 400, 'invalid_field', 'no working directory');
($s, $j) = upload(mp(['f', 'x', 'w.txt'], ['workingDirectory', $proj]));
$t->is_err($s, $j, 400, 'invalid_field', 'workingDirectory after the files');
ok(!-e "$outside/w.txt" && !-e "$proj/w.txt", 'nothing written anywhere');
is_deeply([leftovers($outside)], [], 'no temporary file outside');

# A session's working directory outside the home is allowed; ended, it is not.
($s) = $t->create(name => 'up', workingDirectory => "$tmp/sessiondir");
is($s, 201, 'a session working outside the home');
($s, $j) = upload(mp(['workingDirectory', "$tmp/sessiondir/"], ['f', 'for the agent', 's.txt']));
is($s, 200, "a session's working directory: 200");
is($j->{directory}, "$tmp/sessiondir", "a session's working directory: canonical");
is(slurp("$tmp/sessiondir/s.txt"), 'for the agent', "a session's working directory: written");
($s, $j) = upload(mp(['workingDirectory', "$tmp/sessiondir/sub"], ['f', 'x', 's.txt']));
$t->is_err($s, $j, 403, 'forbidden_path', "below a session's working directory: no");
($s) = $t->del('/api/agents/sessions/up');
($s, $j) = upload(mp(['workingDirectory', "$tmp/sessiondir"], ['f', 'x', 's2.txt']));
$t->is_err($s, $j, 403, 'forbidden_path', "an ended session's working directory: no");

# --- malformed --------------------------------------------------------------

my $good = mp(['workingDirectory', $proj], ['f', 'x', 'mal.txt']);
my @mal = (
	[$good, 'multipart/form-data', 400, 'bad_multipart', 'no boundary'],
	[$good, 'multipart/form-data; boundary=', 400, 'bad_multipart', 'an empty boundary'],
	[$good, 'multipart/form-data; boundary=' . ('b' x 71), 400, 'bad_multipart', 'a boundary over 70'],
	[$good, 'text/plain', 415, 'unsupported_media_type', 'not multipart'],
	[substr($good, 0, length($good) - 10), undef, 400, 'bad_multipart', 'a truncated body'],
	["--$B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"mal.txt\"\r\n", undef, 400,
	    'bad_multipart', 'headers without end'],
	["--$B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"mal.txt\"\r\n"
	    . ('X-Pad: ' . ('p' x 100) . "\r\n") x 100 . "\r\nx\r\n--$B--\r\n", undef, 400,
	    'bad_multipart', 'part headers over 8 KiB'],
	["--$B\r\nContent-Type: text/plain\r\n\r\nx\r\n--$B--\r\n", undef, 400, 'bad_multipart',
	    'a part without Content-Disposition'],
	["--$B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"mal.txt\"\r\n folded\r\n\r\nx\r\n--$B--\r\n",
	    undef, 400, 'bad_multipart', 'a folded header'],
	["no delimiter at all\r\n", undef, 400, 'bad_multipart', 'no delimiter'],
	['', undef, 400, 'bad_multipart', 'an empty body'],
	[join('', map { "--$B\r\nContent-Disposition: form-data; name=\"x$_\"\r\n\r\nv\r\n" } 1 .. 17) . "--$B--\r\n",
	    undef, 400, 'bad_multipart', 'more than 16 parts'],
	["--$B\r\nContent-Disposition: form-data; name=\"workingDirectory\"\r\n\r\n$proj\r\n--$B\r\n"
	    . "Content-Disposition: form-data; name=\"f\"; filename=\"mal.txt\"\r\n\r\nx\r\n--${B}junk\r\n", undef,
	    400, 'bad_multipart', 'the boundary inside a part'],
);
for my $m (@mal) {
	my ($body, $ct, $st, $code, $what) = @$m;
	($s, $j) = upload($body, query => "?cwd=$proj", defined $ct ? (ctype => $ct) : ());
	$t->is_err($s, $j, $st, $code, "malformed: $what");
}
ok(!-e "$proj/mal.txt", 'malformed: nothing written');
is_deeply([leftovers($proj)], [], 'malformed: no temporary file left');

# --- streaming: half files are never seen; a directory swapped mid-upload ---
# nginx reads a body whole before passing it on (a slow client holds no
# agentd-fcgi thread), so the body arriving in two parts is sent to fcgi.sock
# directly, as nginx passes on a large spooled body: in records, while
# agentd-fcgi streams it into the directory.

# Send the head and the body up to $cut, call $mid, send the rest; the reply.
sub slow_upload {
	my ($body, $cut, $mid) = @_;
	my $c = FcgiClient->new($t->home . '/run/fcgi.sock');
	$c->begin(POST => '/api/agents/upload', "multipart/form-data; boundary=$B", length $body,
	    HTTP_AUTHORIZATION => 'Bearer ' . $t->token);
	$c->send(substr($body, 0, $cut));
	$mid->();
	$c->send(substr($body, $cut));
	return $t->_parse_reply('POST', '/api/agents/upload', $c->finish(30));
}

my $half = 'h' x (2 * $MiB);
my $body = mp(['workingDirectory', $proj], ['f', $half, 'half.bin']);
($s, $j) = slow_upload($body, length($body) - $MiB, sub {
	my @tmp;
	eval { $t->wait_for(sub { @tmp = leftovers($proj) }, 10, 'the temporary file') };
	is(scalar @tmp, 1, 'mid-upload: the data goes to one temporary file');
	ok(!-e "$proj/half.bin", 'mid-upload: the name does not exist yet');
});
is($s, 200, 'slow upload: 200');
ok(-s "$proj/half.bin" == length $half, 'slow upload: the whole file appears at once');

my $swap = "$home/swap";
$body = mp(['workingDirectory', $swap], ['f', $half, 'swapped.bin'], ['f', 'second', 'second.txt']);
($s, $j) = slow_upload($body, length($body) - $MiB, sub {
	eval { $t->wait_for(sub { leftovers($swap) }, 10, 'the upload to start') };
	rename($swap, "$home/swap.old") or die "rename: $!";
	symlink($outside, $swap) or die "symlink: $!";
});
is($s, 200, 'directory swapped for a symlink mid-upload: the upload completes');
ok(!-e "$outside/swapped.bin" && !-e "$outside/second.txt",
    'directory swapped for a symlink mid-upload: nothing written outside');
is_deeply([leftovers($outside)], [], '... not even a temporary file');
ok(-s "$home/swap.old/swapped.bin" == length $half && -e "$home/swap.old/second.txt",
    '... the files are in the directory that was opened');
($s, $j) = upload(mp(['workingDirectory', $swap], ['f', 'x', 'after.txt']));
$t->is_err($s, $j, 403, 'forbidden_path', 'after the swap the symlink is refused');

# --- 5 x 10 MiB, streamed: the handler stays small ---------------------------

my $worker;	# the one agentd-fcgi worker: its parent is the fcgi master
for my $pid (map { m{/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*')) {
	next unless AgentdTest::_slurp("/proc/$pid/stat") =~ /\)\s+\S+\s+(\d+)/;
	$worker = $pid if $1 == $t->fcgi_pid;
}
ok($worker, 'the fcgi worker');
my @big = map { [ 'f', chr(64 + $_) x (10 * $MiB), "big$_.bin" ] } 1 .. 5;
my $t0 = time;
($s, $j) = upload(mp(['workingDirectory', $proj], @big));
my $secs = time - $t0;
is($s, 200, '5 files of 10 MiB: 200');
is_deeply([map { $_->{size} } @{$j->{files} // []}], [(10 * $MiB) x 5], '5 files of 10 MiB: sizes');
ok((-s "$proj/big3.bin") == 10 * $MiB && substr(slurp("$proj/big3.bin"), -1) eq 'C', '... written');
my ($hwm) = AgentdTest::_slurp("/proc/$worker/status") =~ /^VmHWM:\s+(\d+) kB/m;
diag(sprintf('upload of 50 MiB in %.2f s; worker peak RSS %d KiB', $secs, $hwm // -1));
# AddressSanitizer's shadow memory and quarantine are no part of the handler.
my $asan = AgentdTest::_slurp("/proc/$worker/maps") =~ /libasan/;
my $limit = $asan ? 64 : 16;
ok(defined $hwm && $hwm < $limit * 1024, "the worker's peak RSS stays under $limit MiB ($hwm KiB)"
    . ($asan ? ' (ASan build)' : ''));

$t->done;
