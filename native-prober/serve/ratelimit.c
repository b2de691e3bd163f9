/* ratelimit.c — token buckets in an open-addressing table (ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

typedef struct bucket {
    char key[MP_RATELIMIT_KEY_MAX + 1]; /* "" = free slot */
    double tokens;
    double last; /* time of the last refill */
} bucket;

struct mp_ratelimit {
    double rate;
    double burst;
    bucket slots[MP_RATELIMIT_BUCKETS];
};

mp_ratelimit *mp_ratelimit_new(double rate, int burst)
{
    mp_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->rate = rate;
    rl->burst = burst > 0 ? burst : 1;
    return rl;
}

void mp_ratelimit_free(mp_ratelimit *rl) { free(rl); }

/* Linear probing over a short window; the stalest slot in the window is
 * evicted when the key is not found and no slot is free. */
enum { PROBE_WINDOW = 16 };

int mp_ratelimit_take(mp_ratelimit *rl, const char *key, double now)
{
    if (!rl || rl->rate <= 0)
        return 0;
    char k[MP_RATELIMIT_KEY_MAX + 1];
    strncpy(k, key, MP_RATELIMIT_KEY_MAX);
    k[MP_RATELIMIT_KEY_MAX] = 0;
    uint32_t h = mp_fnv1a32_str(k);
    bucket *b = NULL, *free_slot = NULL, *stalest = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        bucket *s = &rl->slots[(h + i) % MP_RATELIMIT_BUCKETS];
        if (!s->key[0]) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (!strcmp(s->key, k)) {
            b = s;
            break;
        }
        if (!stalest || s->last < stalest->last)
            stalest = s;
    }
    if (!b) {
        b = free_slot ? free_slot : stalest;
        memcpy(b->key, k, sizeof k);
        b->tokens = rl->burst;
        b->last = now;
    }
    if (now > b->last) {
        b->tokens = fmin(rl->burst, b->tokens + (now - b->last) * rl->rate);
        b->last = now;
    }
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    int wait = (int)ceil((1 - b->tokens) / rl->rate);
    return wait < 1 ? 1 : wait;
}
