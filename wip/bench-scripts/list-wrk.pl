use strict; use warnings; use Time::HiRes qw(time sleep);
use lib "$ENV{AGENTD_TOP_SRCDIR}/t/lib"; require AgentdTest;
my $t = AgentdTest->new(conf => {max_sessions => 512}, agents => { sleep => 'sleep 100000' });
for my $i (1..100) { $t->post('/api/agents/sessions', { name => "l$i", agentType => 'sleep', workingDirectory => $t->workdir }) }
my $tok = $t->token; my $port = $t->port;
my $o = `wrk -t1 -c32 -d8s --latency -H 'Authorization: Bearer $tok' http://127.0.0.1:$port/api/agents/sessions`;
my ($p50) = $o =~ /50%\s+(\S+)/; my ($p99) = $o =~ /99%\s+(\S+)/; my ($rps) = $o =~ /Requests\/sec:\s+(\S+)/;
print "threads=", ($ENV{X_T} // 8), " rps $rps p50 $p50 p99 $p99\n";
for my $i (1..100) { $t->del("/api/agents/sessions/l$i") }
