/* The SQLite store: opening it the same way everywhere, and its migrations. */
#ifndef AGD_DB_H
#define AGD_DB_H

#include <sqlite3.h>

/*
 * Open the store. The writer (agentd) sets WAL and runs the migrations; a reader
 * (agentd-fcgi) opens read-only with query_only. Every connection gets busy_timeout
 * and foreign_keys (C-STACK.md 5.3). On failure set *cause and return NULL.
 */
sqlite3	*agd_db_open(const char *path, int writer, char **cause);
/* Exec SQL with no result rows; -1 with *cause on error. */
int	 agd_db_exec(sqlite3 *, const char *sql, char **cause);
/* The schema version this build knows. */
int	 agd_db_version(void);

#endif
