use strict; use warnings; use Time::HiRes qw(time);
use lib "$ENV{AGENTD_TOP_SRCDIR}/t/lib"; require AgentdTest;
my $sb = shift // 'auto';
my %conf = (max_sessions => 512); $conf{sandbox} = $sb if $sb ne 'auto';
my $t = AgentdTest->new(conf => \%conf, agents => { sleep => 'sleep 100000' });
sub busy { open(my $f,'<','/proc/stat'); my @s = split ' ', (<$f> =~ /^cpu (.*)$/)[0]; return ($s[0]+$s[1]+$s[2]+$s[5]+$s[6])/100 }
my @tm0 = times; my $b0 = busy(); my $w0 = time; my @d;
for my $i (1..100) { my $t0=time; my ($s) = $t->post('/api/agents/sessions', { name => "c$i", agentType => 'sleep', workingDirectory => $t->workdir }); die $s unless $s==201; push @d,(time-$t0)*1000 }
sleep 0.5;
my $b1 = busy(); my @tm1 = times;
@d = sort { $a <=> $b } @d;
printf "%s: p50 %.1f ms; CPU per create %.1f ms (client %.1f ms); wall %.2f s\n", $sb, $d[50], ($b1-$b0)*10, ($tm1[0]+$tm1[1]-$tm0[0]-$tm0[1])*10, time-$w0;
for my $i (1..100) { $t->del("/api/agents/sessions/c$i") }
