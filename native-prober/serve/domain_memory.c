/* domain_memory.c — a fixed, set-associative table of catch-all verdicts
 * (domain_memory.h): a bucket per hash, a few ways per bucket, the oldest
 * way replaced. Buckets are allocated on first use. */
#include "domain_memory.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

typedef struct way {
    char domain[MP_DOMAIN_MAX + 1]; /* "" = free */
    mp_tristate verdict;
    int64_t at;
} way;

typedef struct bucket { way ways[MP_DOMAIN_MEMORY_WAYS]; } bucket;

struct mp_domain_memory {
    bucket *buckets[MP_DOMAIN_MEMORY_BUCKETS];
    size_t count;
};

mp_domain_memory *mp_domain_memory_new(void) { return calloc(1, sizeof(mp_domain_memory)); }

void mp_domain_memory_free(mp_domain_memory *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < MP_DOMAIN_MEMORY_BUCKETS; i++)
        free(m->buckets[i]);
    free(m);
}

static size_t bucket_of(const char *domain) { return mp_fnv1a32_str(domain) % MP_DOMAIN_MEMORY_BUCKETS; }

void mp_domain_memory_put(mp_domain_memory *m, const char *domain, mp_tristate verdict, int64_t at)
{
    if (!domain[0] || strlen(domain) > MP_DOMAIN_MAX || (verdict != MP_YES && verdict != MP_NO))
        return;
    size_t b = bucket_of(domain);
    if (!m->buckets[b] && !(m->buckets[b] = calloc(1, sizeof(bucket))))
        return; /* out of memory: the domain is simply tested again */
    way *w = m->buckets[b]->ways, *slot = NULL;
    for (int i = 0; i < MP_DOMAIN_MEMORY_WAYS; i++)
        if (!strcmp(w[i].domain, domain)) {
            if (at >= w[i].at) {
                w[i].verdict = verdict;
                w[i].at = at;
            }
            return;
        }
    /* A free way, else the one learnt longest ago. */
    for (int i = 0; i < MP_DOMAIN_MEMORY_WAYS && !slot; i++)
        if (!w[i].domain[0])
            slot = &w[i];
    if (slot) {
        m->count++;
    } else {
        slot = &w[0];
        for (int i = 1; i < MP_DOMAIN_MEMORY_WAYS; i++)
            if (w[i].at < slot->at)
                slot = &w[i];
    }
    strcpy(slot->domain, domain);
    slot->verdict = verdict;
    slot->at = at;
}

mp_tristate mp_domain_memory_get(const mp_domain_memory *m, const char *domain, int64_t not_before)
{
    const bucket *bk = m->buckets[bucket_of(domain)];
    for (int i = 0; bk && i < MP_DOMAIN_MEMORY_WAYS; i++)
        if (!strcmp(bk->ways[i].domain, domain))
            return bk->ways[i].at >= not_before ? bk->ways[i].verdict : MP_UNKNOWN;
    return MP_UNKNOWN;
}

size_t mp_domain_memory_count(const mp_domain_memory *m) { return m->count; }
