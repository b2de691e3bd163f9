/* ratelimit.h — per-client token buckets (one per API key, or per client
 * address without keys — an IPv6 client per /64, since one host owns a
 * whole /64) in a fixed-size table: memory stays bounded however many
 * clients appear; when the table is full the bucket idle longest is reused
 * (a forgotten client starts again with a full bucket). */
#ifndef MP_RATELIMIT_H
#define MP_RATELIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

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

/* The same with the bucket's own rate and burst instead of the table's
 * (a public key's limits); rate <= 0 allows everything. */
int mp_ratelimit_take_at(mp_ratelimit *rl, const char *key, double rate, int burst, double now);

/* What mp_ratelimit_take would answer, without taking a token: 0 when one
 * is available, else the whole seconds to wait. */
int mp_ratelimit_wait(mp_ratelimit *rl, const char *key, double now);

/* The name under which a client's requests are counted: its IPv4 address
 * ("192.0.2.7"; an IPv4-mapped IPv6 address counts as the IPv4 one), or its
 * IPv6 /64 ("2001:db8:1:2::/64"). false ("?" in out) for another family. */
bool mp_ratelimit_client_key(const struct sockaddr *sa, char *out, size_t cap);

#endif
