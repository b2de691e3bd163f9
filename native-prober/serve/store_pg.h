/* store_pg.h — the PostgreSQL backend of the store (store.h): one database
 * shared by every worker (libpq, one connection per worker, used from the
 * store thread only), versioned migrations in the `mp_schema` table taken
 * under an advisory lock, leases with FOR UPDATE SKIP LOCKED, progress
 * notices with LISTEN/NOTIFY. */
#ifndef MP_STORE_PG_H
#define MP_STORE_PG_H
#include <stdbool.h>
#include <stddef.h>
#include "store_backend.h"

/* True when `location` is a PostgreSQL URL (postgresql:// or postgres://). */
bool mp_store_pg_location(const char *location);

/* Connects to `url`, creates or migrates the schema (refusing a newer one)
 * and LISTENs for notices; sets *ops and *version. NULL + message on
 * failure (the password never appears in it). */
mp_store_db *mp_store_pg_open(const char *url, const mp_store_ops **ops, int *version, char *err,
                                   size_t errlen);

#endif
