/* store_sqlite.h — the SQLite backend of the store (store.h): one database
 * file in WAL mode for one worker, schema migrations keyed on PRAGMA
 * user_version, one prepared statement per query. */
#ifndef MP_STORE_SQLITE_H
#define MP_STORE_SQLITE_H
#include <stddef.h>
#include "store_backend.h"

/* Opens (creating and migrating) the database at `path` (":memory:" for a
 * private in-memory database) and sets *ops. NULL + message on failure; a
 * database made by a newer mailprobe (higher schema version) is refused.
 * *version gets the schema version. One worker per file: opening frees
 * every lease left by a previous process. Any thread may open; after that
 * only the store thread uses it. */
mp_store_db *mp_store_sqlite_open(const char *path, const mp_store_ops **ops, int *version, char *err,
                                       size_t errlen);

#endif
