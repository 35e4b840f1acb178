# Benchmarks (bench/run); built with the rest, not part of make check.
noinst_PROGRAMS += bench/fcgi-mini bench/wsbench bench/ptydrain

bench_fcgi_mini_SOURCES = bench/fcgi-mini.c
bench_fcgi_mini_LDADD = $(FCGI_LIBS)

bench_wsbench_SOURCES = bench/wsbench.c

bench_ptydrain_SOURCES = bench/ptydrain.c
bench_ptydrain_LDADD = $(UTIL_LIBS)

EXTRA_DIST += bench/run bench/soak bench/world bench/files bench/RESULTS.md
