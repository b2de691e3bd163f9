/* store.c — the store interface (store.h): picks the backend at open and
 * forwards every call through its mp_store_ops (store_backend.h). */
#include "store.h"

#include <stdio.h>

#include "store_backend.h"
#include "store_sqlite.h"

const char *mp_store_status_name(mp_store_status s)
{
    static const char *const names[MP_STORE_STATUS_COUNT] = {"ok", "not_found", "unchanged", "error"};
    return (unsigned)s < MP_STORE_STATUS_COUNT ? names[s] : "unknown";
}

const char *mp_job_state_name(mp_job_state s)
{
    static const char *const names[MP_JOB_STATE_COUNT] = {"queued", "running", "done", "cancelled"};
    return (unsigned)s < MP_JOB_STATE_COUNT ? names[s] : "unknown";
}

mp_store *mp_store_open(const char *location, char *err, size_t errlen)
{
    return mp_store_sqlite_open(location, err, errlen);
}

void mp_store_close(mp_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *mp_store_backend(const mp_store *s) { return s->ops->name; }

mp_store_status mp_store_schema_version(mp_store *s, int *version) { return s->ops->schema_version(s, version); }
mp_store_status mp_store_begin(mp_store *s) { return s->ops->begin(s); }
mp_store_status mp_store_commit(mp_store *s) { return s->ops->commit(s); }
void mp_store_rollback(mp_store *s) { s->ops->rollback(s); }

mp_store_status mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n,
                                    const mp_job_source *source, int64_t now, char *err, size_t errlen)
{
    return s->ops->job_create(s, id, in, n, source, now, err, errlen);
}

mp_store_status mp_store_job_source(mp_store *s, const char *id, char **shape, char **header, size_t *header_len)
{
    return s->ops->job_source(s, id, shape, header, header_len);
}

mp_store_status mp_store_job_get(mp_store *s, const char *id, mp_job_row *out) { return s->ops->job_get(s, id, out); }

mp_store_status mp_store_job_counts(mp_store *s, const char *id, int64_t counts[MP_STATUS_COUNT])
{
    return s->ops->job_counts(s, id, counts);
}

mp_store_status mp_store_job_set_state(mp_store *s, const char *id, mp_job_state st, int64_t now)
{
    return s->ops->job_set_state(s, id, st, now);
}

mp_store_status mp_store_jobs_unfinished(mp_store *s, char (*ids)[MP_JOB_ID_LEN + 1], size_t cap, size_t *count)
{
    return s->ops->jobs_unfinished(s, ids, cap, count);
}

mp_store_status mp_store_items_pending(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                       mp_store_item_cb cb, void *arg, size_t *count)
{
    return s->ops->items_pending(s, id, after_seq, limit, cb, arg, count);
}

mp_store_status mp_store_item_done(mp_store *s, const char *id, int64_t seq, mp_status status, const char *json)
{
    return s->ops->item_done(s, id, seq, status, json);
}

mp_store_status mp_store_results_page(mp_store *s, const char *id, int64_t after_seq, size_t limit,
                                      mp_store_result_cb cb, void *arg, size_t *count)
{
    return s->ops->results_page(s, id, after_seq, limit, cb, arg, count);
}

mp_store_status mp_store_cache_get(mp_store *s, const char *email, size_t len, int64_t now, char **json)
{
    return s->ops->cache_get(s, email, len, now, json);
}

mp_store_status mp_store_cache_put(mp_store *s, const char *email, size_t len, const char *json, int64_t expires)
{
    return s->ops->cache_put(s, email, len, json, expires);
}

mp_store_status mp_store_cache_expire(mp_store *s, int64_t now, size_t *removed)
{
    return s->ops->cache_expire(s, now, removed);
}

mp_store_status mp_store_domain_put(mp_store *s, const char *domain, const char *mx_json, mp_tristate catch_all,
                                    const char *provider, int64_t now)
{
    return s->ops->domain_put(s, domain, mx_json, catch_all, provider, now);
}

mp_tristate mp_store_domain_catch_all(mp_store *s, const char *domain, int64_t not_before)
{
    return s->ops->domain_catch_all(s, domain, not_before);
}

mp_store_status mp_store_domain_get(mp_store *s, const char *domain, mp_tristate *catch_all, char *provider,
                                    size_t cap)
{
    return s->ops->domain_get(s, domain, catch_all, provider, cap);
}

const char *mp_store_error(mp_store *s) { return s ? s->ops->error(s) : "no database"; }
