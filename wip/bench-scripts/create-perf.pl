use strict; use warnings; use Time::HiRes qw(time);
use lib "$ENV{AGENTD_TOP_SRCDIR}/t/lib"; require AgentdTest;
my $sb = shift // 'auto';
my %conf = (max_sessions => 512); $conf{sandbox} = $sb if $sb ne 'auto';
my $t = AgentdTest->new(conf => \%conf, agents => { sleep => 'sleep 100000' });
system("perf record -a -g -o /tmp/perf.data 2>/dev/null >/dev/null & echo \$! > /tmp/perf.pid"); sleep 1;
for my $i (1..150) { my ($s) = $t->post('/api/agents/sessions', { name => "c$i", agentType => 'sleep', workingDirectory => $t->workdir }); die $s unless $s==201; }
sleep 0.3; system("kill -INT \$(cat /tmp/perf.pid)"); sleep 2;
for my $i (1..150) { $t->del("/api/agents/sessions/c$i") }
