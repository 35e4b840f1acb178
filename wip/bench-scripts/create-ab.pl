use strict; use warnings; use Time::HiRes qw(time);
use lib "$ENV{AGENTD_TOP_SRCDIR}/t/lib"; require AgentdTest;
my $spare = shift;
my $t = AgentdTest->new(conf => {max_sessions => 512, holder_spare => $spare}, agents => { sleep => 'sleep 100000' });
my @d;
for my $i (1..150) { my $t0=time; my ($s) = $t->post('/api/agents/sessions', { name => "c$i", agentType => 'sleep', workingDirectory => $t->workdir }); die $s unless $s==201; push @d,(time-$t0)*1000 }
@d = sort { $a <=> $b } @d; printf "spare=%d p50 %.1f p90 %.1f\n", $spare, $d[75], $d[135];
for my $i (1..150) { $t->del("/api/agents/sessions/c$i") }
