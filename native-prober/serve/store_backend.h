/* store_backend.h — how a store backend plugs in behind store.h.
 *
 * A backend is plain blocking code: store.c runs every request on the
 * store's thread and calls the backend there, one request at a time, so a
 * backend never sees two calls at once and never touches the event loop.
 * It fills an mp_store_ops table with one function per store.h operation;
 * each has that operation's meaning and results, writes its words into
 * `err` (MP_STORE_ERROR_MAX octets) when it fails, and allocates what it
 * returns with the helpers below so store.c can free it after the
 * callback. Only backends and store.c include this header. Backends today:
 * store_sqlite.c, store_pg.c. */
#ifndef MP_STORE_BACKEND_H
#define MP_STORE_BACKEND_H
#include <stddef.h>
#include "store.h"

typedef struct mp_store_db mp_store_db; /* each backend's own */

/* ---- what requests carry in, and bring back ---------------------------------------- */

/* Memory that lives as long as one request's result: chunks that never
 * move, freed all at once. */
typedef struct mp_store_arena {
    struct mp_store_arena_chunk *chunks;
} mp_store_arena;

/* A copy of `len` octets plus a NUL inside the arena; NULL when out of memory. */
char *mp_store_arena_copy(mp_store_arena *a, const void *p, size_t len);
void mp_store_arena_free(mp_store_arena *a);

/* Grows *array (of `size`-octet elements, *count used of *cap) by one and
 * returns the new element zeroed; NULL when out of memory. */
void *mp_store_grow(void **array, size_t *count, size_t *cap, size_t size);

/* A new job: one buffer with every address (item i at buf[off[i]],
 * len[i]) and CSV row (at buf[row_off[i]], row_len[i]; row_off[i] ==
 * MP_STORE_NO_ROW: none), and the CSV source (source.shape NULL: none). */
enum { MP_STORE_NO_ROW = -1 };
typedef struct mp_store_new_job {
    char id[MP_JOB_ID_LEN + 1];
    const char *buf;
    const size_t *off, *len;
    const ptrdiff_t *row_off;
    const size_t *row_len;
    size_t n;
    mp_job_source source;
    int64_t now;
    size_t max_unfinished;
} mp_store_new_job;

/* The lease grouping key of an address: its lower-case A-label domain when
 * the address is valid, else "" (into `out`, MP_DOMAIN_MAX + 1 octets).
 * Backends call it for each address of a new job. */
void mp_store_domain_key(const char *email, size_t len, char *out);

typedef struct mp_store_beat_args {
    char worker[MP_WORKER_ID_LEN + 1];
    char name[128];
    mp_resolver_state resolver;
    char resolver_why[MP_STORE_RESOLVER_WHY_MAX + 1];
    int64_t resolver_since;
    int64_t now;
    int lease_ttl;
    size_t max_running;
} mp_store_beat_args;

typedef struct mp_store_beat_out {
    char (*running)[MP_JOB_ID_LEN + 1]; /* room for max_running ids */
    size_t running_count;
    int64_t reaped;
    mp_store_cluster cluster;
} mp_store_beat_out;

typedef struct mp_store_lease_args {
    char job_id[MP_JOB_ID_LEN + 1];
    char worker[MP_WORKER_ID_LEN + 1];
    int64_t after_seq;
    size_t max_items, per_domain_min;
    int64_t now;
} mp_store_lease_args;

typedef struct mp_store_lease_out {
    mp_store_item *items;
    size_t count, cap;
    mp_store_domain_fact *facts;
    size_t fact_count, fact_cap;
    mp_store_arena arena;
} mp_store_lease_out;

/* The batch of store.h, as backends read it. */
typedef struct mp_store_batch_item {
    char job_id[MP_JOB_ID_LEN + 1];
    int64_t seq;
    mp_status status;
    char *json;          /* NULL for a retry */
    int64_t retry_at;    /* 0 = a final result */
} mp_store_batch_item;

typedef struct mp_store_batch_facts {
    char domain[MP_DOMAIN_MAX + 1];
    char *mx_json;       /* NULL = unknown */
    char provider[64];   /* "" = unknown */
    mp_tristate catch_all;
} mp_store_batch_facts;

struct mp_store_batch {
    mp_store_batch_item *items;
    size_t count, cap;
    mp_store_batch_facts *domains; /* one per domain, latest facts merged */
    size_t domain_count, domain_cap;
};

typedef struct mp_store_write_out {
    size_t stored, unchanged;
    mp_job_row *jobs;
    size_t job_count, job_cap;
} mp_store_write_out;

typedef struct mp_store_source_out {
    mp_job_source source;
    mp_store_arena arena;
} mp_store_source_out;

typedef struct mp_store_page_out {
    mp_store_result_row *rows;
    size_t count, cap;
    mp_store_arena arena;
} mp_store_page_out;

/* ---- the table ------------------------------------------------------------------------ */

/* A request for allowances (mp_store_allowances): the asks in host order,
 * their strings in the request's arena. */
typedef struct mp_store_allowance_args {
    char worker[MP_WORKER_ID_LEN + 1];
    int64_t now;
    int ttl, host_limit, egress_limit;
    mp_store_allowance_ask *asks;
    size_t n;
} mp_store_allowance_args;

/* What comes back: one grant per ask, in the same order. */
typedef struct mp_store_allowance_out {
    mp_store_allowance *grants;
    size_t count, cap;
    mp_store_arena arena;
} mp_store_allowance_out;

typedef void (*mp_store_emit_fn)(const char *job_id, void *ctx);

typedef struct mp_store_ops {
    const char *name; /* "sqlite", "postgresql" */
    bool shared;      /* many workers may use the same database at once (a server) */
    void (*close)(mp_store_db *b);
    /* The socket to watch for notices, -1 when there are none; then
     * notices() reads them and emits each job id. */
    int (*notice_fd)(mp_store_db *b);
    void (*notices)(mp_store_db *b, mp_store_emit_fn emit, void *ctx);
    uint64_t (*round_trips)(mp_store_db *b);
    mp_store_status (*job_create)(mp_store_db *b, const mp_store_new_job *job, char *err);
    mp_store_status (*job_source)(mp_store_db *b, const char *id, mp_store_source_out *out, char *err);
    mp_store_status (*job_get)(mp_store_db *b, const char *id, mp_job_row *out, char *err);
    mp_store_status (*job_end)(mp_store_db *b, const char *id, int64_t now, mp_job_row *out, char *err);
    mp_store_status (*job_finish)(mp_store_db *b, const char *id, int64_t now, mp_job_row *out, char *err);
    mp_store_status (*job_fail)(mp_store_db *b, const char *id, const char *reason, int64_t now,
                                mp_job_row *out, char *err);
    mp_store_status (*beat)(mp_store_db *b, const mp_store_beat_args *a, mp_store_beat_out *out, char *err);
    mp_store_status (*lease)(mp_store_db *b, const mp_store_lease_args *a, mp_store_lease_out *out, char *err);
    mp_store_status (*release)(mp_store_db *b, const char *worker, const char *job_id, char *err);
    mp_store_status (*write)(mp_store_db *b, const mp_store_batch *batch, int64_t now, mp_store_write_out *out,
                             char *err);
    /* pending = false: stored results; true: addresses without one. */
    mp_store_status (*page)(mp_store_db *b, const char *id, int64_t after_seq, size_t limit, bool pending,
                            mp_store_page_out *out, char *err);
    mp_store_status (*cache_get)(mp_store_db *b, const char *address, int64_t now, char **json, char *err);
    mp_store_status (*cache_put)(mp_store_db *b, const char *address, const char *json, int64_t expires,
                                 size_t max_entries, char *err);
    mp_store_status (*domain_get)(mp_store_db *b, const char *domain, mp_store_domain_row *out, char *err);
    mp_store_status (*domain_put)(mp_store_db *b, const char *domain, mp_tristate catch_all, int64_t now,
                                  char *err);
    mp_store_status (*allowances)(mp_store_db *b, const mp_store_allowance_args *a, mp_store_allowance_out *out,
                                  char *err);
    mp_store_status (*upkeep)(mp_store_db *b, const mp_store_upkeep_policy *p, mp_store_upkeep_report *out,
                              char *err);
} mp_store_ops;

/* Clips `reason` for a job's error column: at most 255 octets, never
 * inside a UTF-8 sequence. Returns the length to store. */
size_t mp_store_reason_len(const char *reason);

#endif
