# Benchmarks (bench/run); built with the rest, not part of make check.
noinst_PROGRAMS += bench/fcgi-mini bench/wsbench bench/ptydrain bench/wsbcast

bench_fcgi_mini_SOURCES = bench/fcgi-mini.c
bench_fcgi_mini_LDADD = $(FCGI_LIBS)

bench_wsbench_SOURCES = bench/wsbench.c

# The fan-out's reference: a broadcaster behind the same nginx (wslay's frame layer).
bench_wsbcast_SOURCES = bench/wsbcast.c
bench_wsbcast_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
bench_wsbcast_LDADD = $(AGD_LIBS) $(WSLAY_LIBS) $(LIBCRYPTO_LIBS)

bench_ptydrain_SOURCES = bench/ptydrain.c
bench_ptydrain_LDADD = $(UTIL_LIBS)

EXTRA_DIST += bench/run bench/soak bench/world bench/files bench/ab-create bench/RESULTS.md bench/RESULTS-before.md
