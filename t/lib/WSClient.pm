package WSClient;
# A small WebSocket client for the tests, with its own framing so that tests can
# also send what a well-behaved client never would (unmasked frames, bad opcodes,
# floods of fragments).
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use MIME::Base64 qw(encode_base64 decode_base64);
use JSON::PP ();
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time);

my $JSON = JSON::PP->new->utf8->canonical;
# Access tokens of the local stacks by port (AgentdTest fills it): sent as a
# Bearer header unless the test gives its own Authorization, Cookie or token.
our %TOKEN;
# AgentdTest's check of every JSON message against doc/openapi.json: called as
# CHECK->(path, message) for each text frame recv_msg decodes.
our $CHECK;
$SIG{PIPE} = "IGNORE";

# connect(port => P, path => '/api/...', headers => {...}, token => T or undef)
# Returns the client on 101, else (undef, status, body).
sub connect {
	my ($class, %o) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $o{port},
	    Proto => 'tcp', Timeout => 5) or die "connect: $!";
	setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1);
	binmode($s);
	my $key = encode_base64(join('', map { chr(int(rand(256))) } 1 .. 16), '');
	my %h = (Host => "127.0.0.1:$o{port}", Upgrade => 'websocket',
	    Connection => 'Upgrade', 'Sec-WebSocket-Key' => $key,
	    'Sec-WebSocket-Version' => 13, %{ $o{headers} // {} });
	my $tok = exists $o{token} ? $o{token} : $TOKEN{$o{port}};
	$h{Authorization} = "Bearer $tok"
	    if defined $tok && !grep { /^(?:authorization|cookie)$/i } keys %{ $o{headers} // {} };
	my $req = "GET $o{path} HTTP/1.1\r\n" .
	    join('', map { "$_: $h{$_}\r\n" } grep { defined $h{$_} } sort keys %h) . "\r\n";
	syswrite($s, $req) == length($req) or die "write: $!";
	my $buf = '';
	my $deadline = time + 10;
	while ($buf !~ /\r\n\r\n/) {
		die "handshake timeout" if time > $deadline;
		my $n = sysread($s, $buf, 65536, length $buf);
		last if !$n;
	}
	my ($head, $rest) = split(/\r\n\r\n/, $buf, 2);
	$rest //= '';
	my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
	$status //= 0;
	if ($status != 101) {
		# Read the rest of the body (Content-Length or close).
		my ($len) = $head =~ /Content-Length:\s*(\d+)/i;
		while (defined $len && length($rest) < $len && time < $deadline) {
			my $n = sysread($s, $rest, 65536, length $rest);
			last if !$n;
		}
		close($s);
		return (undef, $status, $rest, $head);
	}
	return bless { s => $s, path => $o{path}, buf => $rest, closed => 0, close_code => undef,
	    pings => 0, auto_pong => $o{auto_pong} // 1 }, $class;
}

sub socket { $_[0]{s} }

# Build a frame. Options: fin (1), mask (1), rsv (0).
sub frame {
	my ($op, $data, %o) = @_;
	my $fin = $o{fin} // 1;
	my $mask = $o{mask} // 1;
	my $n = length $data;
	my $f = chr(($fin ? 0x80 : 0) | (($o{rsv} // 0) << 4) | $op);
	my $m = $mask ? 0x80 : 0;
	if ($n < 126) { $f .= chr($m | $n) }
	elsif ($n < 65536) { $f .= chr($m | 126) . pack('n', $n) }
	else { $f .= chr($m | 127) . pack('Q>', $n) }
	if ($mask) {
		my $key = pack('N', int(rand(2**32)));
		$f .= $key;
		my $k = $key x (int($n / 4) + 1);
		$data = $data ^ substr($k, 0, $n);
	}
	return $f . $data;
}

sub send_raw {
	my ($self, $bytes) = @_;
	my $off = 0;
	while ($off < length $bytes) {
		my $n = syswrite($self->{s}, $bytes, length($bytes) - $off, $off);
		return 0 if !defined $n;
		$off += $n;
	}
	return 1;
}

sub send_text { my ($self, $t) = @_; $self->send_raw(frame(1, $t)) }
sub send_json { my ($self, $o) = @_; $self->send_text($JSON->encode($o)) }

# Next frame as {op, data, fin}, or undef on timeout/EOF. Answers pings unless
# auto_pong is off, and reports them too.
sub recv_frame {
	my ($self, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	for (;;) {
		my $b = \$self->{buf};
		if (length($$b) >= 2) {
			my ($b0, $b1) = unpack('CC', $$b);
			my $n = $b1 & 0x7f;
			my $off = 2;
			if ($n == 126 && length($$b) >= 4) { $n = unpack('n', substr($$b, 2, 2)); $off = 4 }
			elsif ($n == 127 && length($$b) >= 10) { $n = unpack('Q>', substr($$b, 2, 8)); $off = 10 }
			elsif ($n >= 126) { $off = -1 }
			if ($off > 0 && length($$b) >= $off + $n) {
				my $data = substr($$b, $off, $n);
				substr($$b, 0, $off + $n) = '';
				my $op = $b0 & 0x0f;
				if ($op == 8) {
					$self->{closed} = 1;
					$self->{close_code} = length($data) >= 2 ? unpack('n', $data) : 1005;
					$self->{close_reason} = length($data) > 2 ? substr($data, 2) : '';
				}
				if ($op == 9) {
					$self->{pings}++;
					$self->send_raw(frame(10, $data)) if $self->{auto_pong};
				}
				return { op => $op, data => $data, fin => ($b0 >> 7) };
			}
		}
		my $left = $deadline - time;
		return undef if $left <= 0;
		my $sel = IO::Select->new($self->{s});
		next if !$sel->can_read($left);
		my $n = sysread($self->{s}, $self->{buf}, 1 << 20, length $self->{buf});
		if (!$n) { $self->{eof} = 1; return undef }
	}
}

# Next data message: text frames decoded as JSON ({...}), binary frames as
# {type => 'binary', seq, data}; control frames are skipped (close returns undef).
sub recv_msg {
	my ($self, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	for (;;) {
		my $f = $self->recv_frame($deadline - time) or return undef;
		return undef if $f->{op} == 8;
		next if $f->{op} == 9 || $f->{op} == 10;
		if ($f->{op} == 2) {
			return { type => 'binary', seq => unpack('Q>', substr($f->{data}, 0, 8)),
			    data => substr($f->{data}, 8) };
		}
		my $m = eval { $JSON->decode($f->{data}) };
		die "bad JSON from server: $f->{data}" if !$m;
		$CHECK->($self->{path}, $m) if $CHECK;
		return $m;
	}
}

# The raw terminal bytes of a tty_data message (JSON or binary).
sub tty_bytes {
	my ($m) = @_;
	return $m->{data} if $m->{type} eq 'binary';
	return decode_base64($m->{data}) if ($m->{encoding} // '') eq 'base64';
	my $d = $m->{data};
	utf8::encode($d);
	return $d;
}

# Read messages until $cond->($msg) is true or the stream ends; all messages read.
sub read_until {
	my ($self, $cond, $timeout) = @_;
	my $deadline = time + ($timeout // 30);
	my @got;
	while (time < $deadline) {
		my $m = $self->recv_msg($deadline - time) or last;
		push @got, $m;
		last if $cond->($m);
	}
	return @got;
}

sub close_code { $_[0]{close_code} }
sub close_reason { $_[0]{close_reason} }
sub closed { $_[0]{closed} }

sub close {
	my ($self) = @_;
	$self->send_raw(frame(8, pack('n', 1000))) if !$self->{closed};
	close($self->{s});
}

1;
