/* ratelimit.h — per-client token buckets (one per API key, or per client IP
 * without keys) in a fixed-size table: memory stays bounded however many
 * clients appear; when the table is full the bucket idle longest is reused
 * (a forgotten client starts again with a full bucket). */
#ifndef MP_RATELIMIT_H
#define MP_RATELIMIT_H
#include <stdbool.h>
#include <stddef.h>

enum { MP_RATELIMIT_BUCKETS = 4096, MP_RATELIMIT_KEY_MAX = 128 };

typedef struct mp_ratelimit mp_ratelimit;

/* `rate` tokens per second, at most `burst` saved up. rate <= 0 disables
 * limiting (every take succeeds). NULL when out of memory. */
mp_ratelimit *mp_ratelimit_new(double rate, int burst);
void mp_ratelimit_free(mp_ratelimit *rl);

/* Takes one token for client `key` at time `now` (seconds, monotonic).
 * Returns 0 when allowed, else the whole seconds (>= 1) until a token will
 * be available — the Retry-After value. */
int mp_ratelimit_take(mp_ratelimit *rl, const char *key, double now);

#endif
