/* ratelimit.c — token buckets in an open-addressing table (ratelimit.h). */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
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

/* The bucket of `key`, refilled to `now` at `rate` up to `burst` (a new
 * or evicted bucket starts full). */
static bucket *find_bucket(mp_ratelimit *rl, const char *key, double rate, double burst, double now)
{
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
        b->tokens = burst;
        b->last = now;
    }
    if (now > b->last) {
        b->tokens = fmin(burst, b->tokens + (now - b->last) * rate);
        b->last = now;
    }
    return b;
}

static int seconds_until_a_token(const bucket *b, double rate)
{
    int wait = (int)ceil((1 - b->tokens) / rate);
    return wait < 1 ? 1 : wait;
}

int mp_ratelimit_take_at(mp_ratelimit *rl, const char *key, double rate, int burst, double now)
{
    if (!rl || rate <= 0)
        return 0;
    bucket *b = find_bucket(rl, key, rate, burst > 0 ? burst : 1, now);
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    return seconds_until_a_token(b, rate);
}

int mp_ratelimit_take(mp_ratelimit *rl, const char *key, double now)
{
    return rl ? mp_ratelimit_take_at(rl, key, rl->rate, (int)rl->burst, now) : 0;
}

int mp_ratelimit_wait(mp_ratelimit *rl, const char *key, double now)
{
    if (!rl || rl->rate <= 0)
        return 0;
    bucket *b = find_bucket(rl, key, rl->rate, rl->burst, now);
    return b->tokens >= 1 ? 0 : seconds_until_a_token(b, rl->rate);
}

bool mp_ratelimit_client_key(const struct sockaddr *sa, char *out, size_t cap)
{
    snprintf(out, cap, "?");
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap) != NULL;
    if (sa->sa_family != AF_INET6)
        return false;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)cap) != NULL;
    struct in6_addr prefix;
    memset(&prefix, 0, sizeof prefix);
    memcpy(prefix.s6_addr, a->s6_addr, 8);
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, &prefix, text, sizeof text))
        return false;
    return (size_t)snprintf(out, cap, "%s/64", text) < cap;
}
