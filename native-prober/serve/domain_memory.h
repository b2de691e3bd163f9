/* domain_memory.h — what this worker remembers of domains' catch-all
 * verdicts, so the prober's catch-all memory (prober.h: recall, learn)
 * answers at once, on the loop, without asking the store. Filled from the
 * store with each lease (the leased domains' facts) and each single
 * verify, and by what the prober learns (which also goes to the store).
 * A fixed table: a new domain replaces the oldest entry of its bucket. */
#ifndef MP_DOMAIN_MEMORY_H
#define MP_DOMAIN_MEMORY_H
#include <stdint.h>
#include "mailprobe/core.h"

typedef struct mp_domain_memory mp_domain_memory;

enum {
    MP_DOMAIN_MEMORY_BUCKETS = 16384,
    MP_DOMAIN_MEMORY_WAYS = 4, /* entries per bucket: at most 65,536 domains */
};

/* An empty memory (about 17 MiB at most, allocated as it fills); NULL
 * when out of memory. */
mp_domain_memory *mp_domain_memory_new(void);
void mp_domain_memory_free(mp_domain_memory *m);

/* Remembers `domain`'s verdict (MP_YES / MP_NO) learnt at `at` (unix
 * seconds); an older verdict than the one remembered is ignored. */
void mp_domain_memory_put(mp_domain_memory *m, const char *domain, mp_tristate verdict, int64_t at);

/* The verdict learnt at or after `not_before`, else MP_UNKNOWN. */
mp_tristate mp_domain_memory_get(const mp_domain_memory *m, const char *domain, int64_t not_before);

/* Domains remembered now (for tests and /metrics). */
size_t mp_domain_memory_count(const mp_domain_memory *m);

#endif
