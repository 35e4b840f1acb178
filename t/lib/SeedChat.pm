package SeedChat;
# The seed source's chat view on /api/agents/sessions/NAME/terminal, as its
# client reads it: text frames of claude's stream-json shapes (t/69, t/88).
use strict;
use warnings;
use Exporter 'import';
use JSON::PP;
use Time::HiRes qw(time);

our @EXPORT = qw(chat_frames text_of is_result blocks_of);

my $json = JSON::PP->new->canonical;

# Text frames (decoded) until $stop->($frame), a close or $timeout seconds (20);
# binary frames are counted. In list context (frames, binary count).
sub chat_frames {
	my ($ws, $stop, $timeout) = @_;
	my (@got, $bin);
	my $deadline = time + ($timeout // 20);
	while (time < $deadline) {
		my $f = $ws->recv_frame($deadline - time) or last;
		next if $f->{op} == 9 || $f->{op} == 10;
		last if $f->{op} == 8;
		if ($f->{op} == 2) { $bin++; next }
		my $m = eval { $json->decode($f->{data}) } // { raw => $f->{data} };
		push @got, $m;
		last if $stop && $stop->($m);
	}
	return wantarray ? (\@got, $bin // 0) : \@got;
}

# The content blocks of a record's message.
sub blocks_of {
	my ($m) = @_;
	return @{ ref $m->{message}{content} eq 'ARRAY' ? $m->{message}{content} : [] };
}

# The text of a record's text blocks.
sub text_of {
	return join('', map { $_->{type} eq 'text' ? $_->{text} : '' } blocks_of($_[0]));
}

sub is_result { ($_[0]{type} // '') eq 'result' }

1;
