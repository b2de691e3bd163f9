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
    static const char *const names[MP_JOB_STATE_COUNT] = {"queued", "running", "done", "cancelled", "failed"};
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

mp_store_status mp_store_job_create(mp_store *s, const char *id, const mp_job_input *in, size_t n, int64_t now,
                                    char *err, size_t errlen)
{
    return s->ops->job_create(s, id, in, n, now, err, errlen);
}

mp_store_status mp_store_job_get(mp_store *s, const char *id, mp_job_row *out) { return s->ops->job_get(s, id, out); }

mp_store_status mp_store_job_set_state(mp_store *s, const char *id, mp_job_state st, int64_t now)
{
    return s->ops->job_set_state(s, id, st, now);
}

mp_store_status mp_store_job_fail(mp_store *s, const char *id, const char *reason, int64_t now)
{
    return s->ops->job_fail(s, id, reason, now);
}

mp_store_status mp_store_jobs_requeue(mp_store *s, int64_t now, size_t *unfinished)
{
    return s->ops->jobs_requeue(s, now, unfinished);
}

mp_store_status mp_store_job_next_queued(mp_store *s, char id[MP_JOB_ID_LEN + 1])
{
    return s->ops->job_next_queued(s, id);
}

mp_store_status mp_store_job_delete(mp_store *s, const char *id) { return s->ops->job_delete(s, id); }

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

mp_store_status mp_store_cache_get(mp_store *s, const char *address, int64_t now, char **json)
{
    return s->ops->cache_get(s, address, now, json);
}

mp_store_status mp_store_cache_put(mp_store *s, const char *address, const char *json, int64_t expires,
                                   size_t max_entries)
{
    return s->ops->cache_put(s, address, json, expires, max_entries);
}

mp_store_status mp_store_upkeep(mp_store *s, const mp_store_upkeep_policy *policy, mp_store_upkeep_report *out)
{
    mp_store_upkeep_report ignored;
    return s->ops->upkeep(s, policy, out ? out : &ignored);
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
