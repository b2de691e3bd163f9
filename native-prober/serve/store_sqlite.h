/* store_sqlite.h — the SQLite backend of the store (store.h): one database
 * file in WAL mode, schema migrations keyed on PRAGMA user_version, one
 * prepared statement per query. */
#ifndef MP_STORE_SQLITE_H
#define MP_STORE_SQLITE_H
#include <stddef.h>
#include "store.h"

/* Opens (creating and migrating) the database at `path` (":memory:" for a
 * private in-memory database). NULL + message on failure; a database made
 * by a newer mailprobe (higher schema version) is refused. */
mp_store *mp_store_sqlite_open(const char *path, char *err, size_t errlen);

#endif
