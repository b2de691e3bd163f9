/* store_backend.h — how a store backend plugs in behind store.h.
 *
 * A backend defines its own handle whose first member is `struct mp_store`
 * (so a pointer to one is a pointer to the other), fills a static
 * mp_store_ops with one function per operation of store.h, and sets
 * `ops` when it opens. store.c forwards every mp_store_* call through the
 * table; each entry has the meaning, arguments and results of the
 * store.h function of the same name (none may be NULL). Only backends and
 * store.c include this header. Today: store_sqlite.c. */
#ifndef MP_STORE_BACKEND_H
#define MP_STORE_BACKEND_H
#include "store.h"

typedef struct mp_store_ops {
    const char *name; /* "sqlite" */
    void (*close)(mp_store *s);
    mp_store_status (*schema_version)(mp_store *s, int *version);
    mp_store_status (*begin)(mp_store *s);
    mp_store_status (*commit)(mp_store *s);
    void (*rollback)(mp_store *s);
    mp_store_status (*job_create)(mp_store *s, const char *id, const mp_job_input *in, size_t n, int64_t now,
                                  char *err, size_t errlen);
    mp_store_status (*job_get)(mp_store *s, const char *id, mp_job_row *out);
    mp_store_status (*job_set_state)(mp_store *s, const char *id, mp_job_state st, int64_t now);
    mp_store_status (*job_fail)(mp_store *s, const char *id, const char *reason, int64_t now);
    mp_store_status (*jobs_requeue)(mp_store *s, int64_t now, size_t *unfinished);
    mp_store_status (*job_next_queued)(mp_store *s, char id[MP_JOB_ID_LEN + 1]);
    mp_store_status (*job_delete)(mp_store *s, const char *id);
    mp_store_status (*items_pending)(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                     mp_store_item_cb cb, void *arg, size_t *count);
    mp_store_status (*item_done)(mp_store *s, const char *id, int64_t seq, mp_status status, const char *json);
    mp_store_status (*results_page)(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                    mp_store_result_cb cb, void *arg, size_t *count);
    mp_store_status (*cache_get)(mp_store *s, const char *address, int64_t now, char **json);
    mp_store_status (*cache_put)(mp_store *s, const char *address, const char *json, int64_t expires,
                                 size_t max_entries);
    mp_store_status (*upkeep)(mp_store *s, const mp_store_upkeep_policy *policy, mp_store_upkeep_report *out);
    mp_store_status (*domain_put)(mp_store *s, const char *domain, const char *mx_json, mp_tristate catch_all,
                                  const char *provider, int64_t now);
    mp_tristate (*domain_catch_all)(mp_store *s, const char *domain, int64_t not_before);
    mp_store_status (*domain_get)(mp_store *s, const char *domain, mp_tristate *catch_all, char *provider,
                                  size_t cap);
    const char *(*error)(mp_store *s);
} mp_store_ops;

/* The head of every backend's handle. */
struct mp_store {
    const mp_store_ops *ops;
};

#endif
