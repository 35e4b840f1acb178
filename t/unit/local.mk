# C unit tests (TAP), run by `make check` with the same driver as t/*.t
check_PROGRAMS += t/unit/lib-test t/unit/ws-parse-test
TESTS += t/unit/lib-test t/unit/ws-parse-test
t_unit_lib_test_SOURCES = t/unit/lib-test.c t/unit/tap.h
t_unit_lib_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_lib_test_LDADD = $(AGD_LIBS)
t_unit_ws_parse_test_SOURCES = t/unit/ws-parse-test.c daemon/ws-parse.c t/unit/tap.h
t_unit_ws_parse_test_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/daemon
t_unit_ws_parse_test_LDADD = $(AGD_LIBS)
