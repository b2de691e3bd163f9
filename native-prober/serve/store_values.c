/* store_values.c — the store's plain values, shared by the interface
 * (store.c), its backends (store_sqlite.c, store_pg.c) and the runner that
 * fills batches (jobs.c): arenas and growing arrays for what a backend
 * hands back, the names of statuses and job states, and result batches.
 * Nothing here talks to a database or a thread, so the backends depend on
 * it and on store_backend.h, never on store.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_backend.h"

/* ---- helpers for backends (store_backend.h) -------------------------------------------- */

struct mp_store_arena_chunk {
    struct mp_store_arena_chunk *next;
    size_t used, cap;
    char data[];
};

enum { ARENA_CHUNK = 64 * 1024 };

char *mp_store_arena_copy(mp_store_arena *a, const void *p, size_t len)
{
    struct mp_store_arena_chunk *c = a->chunks;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->chunks;
        c->used = 0;
        c->cap = cap;
        a->chunks = c;
    }
    char *out = c->data + c->used;
    if (len)
        memcpy(out, p, len);
    out[len] = '\0';
    c->used += len + 1;
    return out;
}

void mp_store_arena_free(mp_store_arena *a)
{
    while (a->chunks) {
        struct mp_store_arena_chunk *next = a->chunks->next;
        free(a->chunks);
        a->chunks = next;
    }
}

void *mp_store_grow(void **array, size_t *count, size_t *cap, size_t size)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *n = realloc(*array, ncap * size);
        if (!n)
            return NULL;
        *array = n;
        *cap = ncap;
    }
    char *el = (char *)*array + (*count)++ * size;
    memset(el, 0, size);
    return el;
}

void mp_store_domain_key(const char *email, size_t len, char *out)
{
    mp_syntax syn;
    out[0] = '\0';
    if (len > MP_INPUT_MAX)
        return;
    mp_parse(email, len, NULL, &syn);
    if (syn.valid)
        snprintf(out, MP_DOMAIN_MAX + 1, "%s", syn.ascii_domain);
}

size_t mp_store_reason_len(const char *reason)
{
    size_t len = strnlen(reason, 255);
    if (len == 255)
        while (len > 0 && ((unsigned char)reason[len] & 0xC0) == 0x80)
            len--; /* never cut a UTF-8 sequence */
    return len;
}

/* ---- names -------------------------------------------------------------------------- */

const char *mp_store_status_name(mp_store_status s)
{
    static const char *const names[MP_STORE_STATUS_COUNT] = {"ok", "not_found", "unchanged", "error", "busy",
                                                             "too_many"};
    return (unsigned)s < MP_STORE_STATUS_COUNT ? names[s] : "unknown";
}

const char *mp_job_state_name(mp_job_state s)
{
    static const char *const names[MP_JOB_STATE_COUNT] = {"queued", "running", "done", "cancelled", "failed"};
    return (unsigned)s < MP_JOB_STATE_COUNT ? names[s] : "unknown";
}

bool mp_job_state_final(mp_job_state s)
{
    return s == MP_JOB_DONE || s == MP_JOB_CANCELLED || s == MP_JOB_FAILED;
}

/* ---- batches -------------------------------------------------------------------------- */

mp_store_batch *mp_store_batch_new(void) { return calloc(1, sizeof(mp_store_batch)); }

void mp_store_batch_free(mp_store_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        free(b->items[i].json);
    for (size_t i = 0; i < b->domain_count; i++)
        free(b->domains[i].mx_json);
    free(b->items);
    free(b->domains);
    free(b);
}

size_t mp_store_batch_results(const mp_store_batch *b) { return b->count; }
bool mp_store_batch_empty(const mp_store_batch *b) { return !b->count && !b->domain_count; }

static mp_store_batch_item *batch_item(mp_store_batch *b, const char *job_id, int64_t seq)
{
    mp_store_batch_item *it = mp_store_grow((void **)&b->items, &b->count, &b->cap, sizeof *it);
    if (it) {
        snprintf(it->job_id, sizeof it->job_id, "%s", job_id);
        it->seq = seq;
    }
    return it;
}

bool mp_store_batch_result(mp_store_batch *b, const char *job_id, int64_t seq, mp_status status, char *json)
{
    mp_store_batch_item *it = json ? batch_item(b, job_id, seq) : NULL;
    if (!it) {
        free(json);
        return false;
    }
    it->status = status;
    it->json = json;
    return true;
}

bool mp_store_batch_retry(mp_store_batch *b, const char *job_id, int64_t seq, int64_t retry_at)
{
    mp_store_batch_item *it = batch_item(b, job_id, seq);
    if (it)
        it->retry_at = retry_at > 0 ? retry_at : 1;
    return it != NULL;
}

bool mp_store_batch_domain(mp_store_batch *b, const char *domain, char *mx_json, mp_tristate catch_all,
                           const char *provider)
{
    mp_store_batch_facts *d = NULL;
    for (size_t i = 0; i < b->domain_count && !d; i++)
        if (!strcmp(b->domains[i].domain, domain))
            d = &b->domains[i];
    if (!d) {
        d = mp_store_grow((void **)&b->domains, &b->domain_count, &b->domain_cap, sizeof *d);
        if (!d) {
            free(mx_json);
            return false;
        }
        snprintf(d->domain, sizeof d->domain, "%s", domain);
        d->catch_all = MP_UNKNOWN;
    }
    /* Latest wins; an unknown fact keeps the known one. */
    if (mx_json) {
        free(d->mx_json);
        d->mx_json = mx_json;
    }
    if (provider && *provider)
        snprintf(d->provider, sizeof d->provider, "%s", provider);
    if (catch_all != MP_UNKNOWN)
        d->catch_all = catch_all;
    return true;
}
