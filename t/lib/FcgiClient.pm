package FcgiClient;

# A FastCGI client for tests that must talk to agentd-fcgi without nginx in
# between: nginx reads a request body whole before passing it on
# (agentd-locations.conf), so what agentd-fcgi does with a body that is still
# arriving can only be seen on fcgi.sock itself.
#
#	my $c = FcgiClient->new("$home/run/fcgi.sock");
#	$c->begin(POST => '/api/agents/upload', 'multipart/form-data; boundary=B',
#	    length $body);
#	$c->send(substr($body, 0, $cut));	# any number of times
#	... look at the handler mid-body ...
#	$c->send(substr($body, $cut));
#	my $resp = $c->finish;		# "HTTP/1.1 STATUS ..." headers and body
use strict;
use warnings;
use IO::Select;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);

my $ID = 1;		# one request per connection
my $CHUNK = 65535;	# the largest record content

sub new {
	my ($class, $path) = @_;
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path)
	    or die "FcgiClient: connect $path: $!\n";
	return bless { sock => $s }, $class;
}

sub _record {
	my ($type, $content) = @_;
	return pack('CCnnCx', 1, $type, $ID, length $content, 0) . $content;
}

sub _len { my ($n) = @_; return $n < 128 ? pack('C', $n) : pack('N', $n | 0x80000000) }

sub _write {
	my ($self, $data) = @_;
	local $SIG{PIPE} = 'IGNORE';
	while (length $data) {
		my $n = syswrite($self->{sock}, $data);
		die "FcgiClient: write: $!\n" unless $n;
		substr($data, 0, $n, '');
	}
}

# Start the request: the parameters nginx would send for it (no user: local), and
# any extra NAME => VALUE (HTTP_AUTHORIZATION for the local token).
sub begin {
	my ($self, $method, $uri, $ctype, $length, %extra) = @_;
	my %p = (REQUEST_METHOD => $method, REQUEST_URI => $uri, DOCUMENT_URI => $uri,
	    QUERY_STRING => '', HTTP_HOST => '127.0.0.1', REMOTE_ADDR => '127.0.0.1',
	    CONTENT_TYPE => $ctype // '', CONTENT_LENGTH => $length // '',
	    AGENTD_USER => '', AGENTD_GROUPS => '', SERVER_PROTOCOL => 'HTTP/1.1', %extra);
	my $params = join('', map { _len(length $_) . _len(length $p{$_}) . $_ . $p{$_} }
	    sort keys %p);
	$self->_write(_record(1, pack('nCx5', 1, 0)) . _record(4, $params) . _record(4, ''));
}

# Send body bytes as FCGI_STDIN records.
sub send {
	my ($self, $data) = @_;
	$self->_write(_record(5, substr($data, 0, $CHUNK, ''))) while length $data;
}

# End the body and read the reply within timeout s: an HTTP/1.1 response.
sub finish {
	my ($self, $timeout) = @_;
	$self->_write(_record(5, ''));
	my ($in, $out) = ('', '');
	my $sel = IO::Select->new($self->{sock});
	my $deadline = time + ($timeout // 30);
	for (;;) {
		while (length($in) >= 8) {
			my ($v, $type, $id, $len, $pad) = unpack('CCnnC', $in);
			last if length($in) < 8 + $len + $pad;
			my $content = substr($in, 8, $len);
			substr($in, 0, 8 + $len + $pad, '');
			$out .= $content if $type == 6;
			if ($type == 3) {
				close $self->{sock};
				$out =~ s/^Status: (\d+)([^\r\n]*)\r\n/HTTP\/1.1 $1$2\r\n/;
				return $out;
			}
		}
		my $left = $deadline - time;
		die "FcgiClient: no reply in time\n" if $left <= 0;
		next unless $sel->can_read($left);
		my $n = sysread($self->{sock}, $in, 65536, length $in);
		die "FcgiClient: connection closed before the end of the reply\n" unless $n;
	}
}

1;
