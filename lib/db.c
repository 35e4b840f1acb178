/* SQLite open, pragmas and migrations (PRAGMA user_version). */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "xmalloc.h"

extern const char *agd_migrations[];

int
agd_db_version(void)
{
	int	n = 0;

	while (agd_migrations[n] != NULL)
		n++;
	return (n);
}

int
agd_db_exec(sqlite3 *db, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "sqlite: %s", err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

static int
db_user_version(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (v);
}

static int
db_migrate(sqlite3 *db, char **cause)
{
	char	*sql;
	int	 v, target = agd_db_version();

	if ((v = db_user_version(db)) == -1) {
		xasprintf(cause, "sqlite: cannot read user_version");
		return (-1);
	}
	if (v > target) {
		xasprintf(cause, "database schema %d is newer than this agentd (%d)", v, target);
		return (-1);
	}
	for (; v < target; v++) {
		xasprintf(&sql, "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
		    agd_migrations[v], v + 1);
		if (agd_db_exec(db, sql, cause) == -1) {
			free(sql);
			agd_db_exec(db, "ROLLBACK", NULL);
			return (-1);
		}
		free(sql);
	}
	return (0);
}

sqlite3 *
agd_db_open(const char *path, int writer, char **cause)
{
	sqlite3	*db = NULL;
	int	 flags;

	flags = writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
	    SQLITE_OPEN_READONLY;
	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		xasprintf(cause, "sqlite open %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return (NULL);
	}
	sqlite3_busy_timeout(db, 5000);
	if (agd_db_exec(db, "PRAGMA foreign_keys = ON", cause) == -1)
		goto fail;
	if (writer) {
		if (agd_db_exec(db, "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL;"
		    "PRAGMA journal_size_limit = 67108864", cause) == -1)
			goto fail;
		if (db_migrate(db, cause) == -1)
			goto fail;
	} else {
		if (agd_db_exec(db, "PRAGMA query_only = 1", cause) == -1)
			goto fail;
	}
	return (db);
fail:
	sqlite3_close(db);
	return (NULL);
}
