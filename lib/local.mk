noinst_LIBRARIES += lib/libagd.a
lib_libagd_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)
lib_libagd_a_SOURCES = \
	lib/agd.h \
	lib/auth.c lib/auth.h \
	lib/conf.c lib/conf-match.c lib/conf-value.c lib/conf-value.h lib/conf.h \
	lib/db.c lib/db.h \
	lib/err.c lib/err.h \
	lib/fault.c lib/fault.h \
	lib/field.c lib/field.h \
	lib/json.c lib/json.h \
	lib/log.c lib/log.h \
	lib/proc.c lib/proc.h \
	lib/proto.c lib/proto.h \
	lib/seqlog.c lib/seqlog.h \
	lib/sock.c lib/sock.h \
	lib/store.c lib/store.h \
	lib/util.c lib/util.h \
	lib/valid.c lib/valid.h \
	lib/xmalloc.c lib/xmalloc.h
nodist_lib_libagd_a_SOURCES = lib/migrations.c
BUILT_SOURCES += lib/migrations.c
CLEANFILES += lib/migrations.c

AGD_MIGRATIONS = sql/0001-init.sql sql/0002-audit.sql sql/0003-agents.sql \
	sql/0004-workers.sql sql/0005-agent-kinds.sql sql/0006-transport.sql \
	sql/0007-pending-id.sql sql/0008-request-id.sql sql/0009-trust.sql \
	sql/0010-adapter.sql
EXTRA_DIST += $(AGD_MIGRATIONS) lib/mkmigrations.pl

# The schema files become a C array, so the binaries carry their own migrations.
lib/migrations.c: $(AGD_MIGRATIONS) $(srcdir)/lib/mkmigrations.pl
	$(AM_V_GEN)$(MKDIR_P) lib && $(PERL) $(srcdir)/lib/mkmigrations.pl \
	    $(srcdir) $(AGD_MIGRATIONS) > $@.tmp && mv $@.tmp $@

AGD_LIBS = lib/libagd.a $(JSONC_LIBS) $(SQLITE_LIBS)
