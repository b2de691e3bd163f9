/* dns.h — mail-host resolution with c-ares on the libevent loop.
 *
 * For a domain: MX records sorted by preference (ties shuffled); a null MX
 * (RFC 7505: a single "0 ." record) → MP_DNS_NULL_MX; no MX → the domain's
 * own A/AAAA as implicit MX (RFC 5321 §5.1); NXDOMAIN → MP_DNS_NXDOMAIN;
 * SERVFAIL/timeouts/refusals → MP_DNS_ERROR. Each MX host's A/AAAA records
 * are resolved too, and addresses the target policy refuses are dropped and
 * counted; when no permitted address remains → MP_DNS_BLOCKED_TARGET.
 * Answers are cached per domain for their TTL (bounded cache).
 *
 * c-ares has no loop of its own: its socket-state callback registers events
 * on our libevent base, and a timer honours ares_timeout(). */
#ifndef MP_DNS_H
#define MP_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <event2/event.h>
#include "mailprobe/core.h"
#include "target.h"

enum { MP_MX_HOSTS_MAX = 16, MP_MX_ADDRS_MAX = 8 };

typedef struct mp_mx_host {
    char name[MP_HOST_MAX + 1];         /* lower case, no trailing dot */
    int preference;
    size_t naddrs;                      /* permitted addresses only */
    struct sockaddr_storage addrs[MP_MX_ADDRS_MAX];
    size_t nblocked;                    /* addresses refused by the target policy */
} mp_mx_host;

typedef struct mp_mx_answer {
    mp_dns_result result;
    bool implicit_mx;                   /* hosts[0] is the domain itself (no MX) */
    char error[128];                    /* human text when result != OK, else "" */
    size_t nhosts;
    mp_mx_host hosts[MP_MX_HOSTS_MAX];  /* in the order to try them */
    uint32_t ttl;                       /* seconds the answer may be cached */
} mp_mx_answer;

typedef struct mp_dns_config {
    const char *server;                 /* "HOST[:PORT]" or NULL for the system resolver */
    int timeout_ms;                     /* per query try; default 3000 */
    int tries;                          /* default 2 */
    size_t cache_max;                   /* domains kept; default 10000 */
    const mp_target_policy *targets;    /* borrowed, must outlive the resolver */
} mp_dns_config;

typedef struct mp_dns mp_dns;

/* The answer is only valid during the callback (copy what you keep). */
typedef void (*mp_dns_mx_cb)(const mp_mx_answer *answer, void *arg);

/* Creates a resolver on `base`. Returns NULL and writes a message into
 * err (size errlen) on failure (bad server string, c-ares init). */
mp_dns *mp_dns_new(struct event_base *base, const mp_dns_config *cfg, char *err, size_t errlen);

/* Cancels outstanding queries (their callbacks run with MP_DNS_ERROR and
 * error "cancelled") and frees everything. May be called from inside an
 * mp_dns callback: the resolver is then freed when that callback returns. */
void mp_dns_free(mp_dns *dns);

/* Resolves the mail hosts of `ascii_domain`. The callback always runs later
 * from the loop, never inside this call, even for cached answers (sole
 * exception: out of memory, reported at once as MP_DNS_ERROR). Concurrent
 * calls for one domain share one lookup. Each host's addresses list IPv4
 * before IPv6. An invalid name gets MP_DNS_ERROR. */
void mp_dns_resolve_mail_hosts(mp_dns *dns, const char *ascii_domain,
                               mp_dns_mx_cb cb, void *arg);

/* What asking for a zone's NS records found (mp_dns_ask_ns). */
typedef enum mp_zone_answer {
    MP_ZONE_HAS_NS = 0,   /* NOERROR with NS records in the answer: the zone exists */
    MP_ZONE_NO_NS,        /* NOERROR without NS records (NODATA): the name exists */
    MP_ZONE_DENIED,       /* NXDOMAIN: the resolver says nothing exists at or below it */
    MP_ZONE_NO_ANSWER,    /* timeout, SERVFAIL, refused, malformed: nothing learnt */
    MP_ZONE_ANSWER_COUNT
} mp_zone_answer;

/* "has_ns", "no_ns", "denied", "no_answer". */
const char *mp_zone_answer_name(mp_zone_answer a);

/* Classifies c-ares' answer to an NS question: `status` as c-ares gave it,
 * `abuf`/`alen` the raw message when status is ARES_SUCCESS (may be NULL
 * otherwise). Pure; also used by `doctor` through dns_sync.h. */
mp_zone_answer mp_zone_answer_of(int status, const unsigned char *abuf, int alen);

typedef void (*mp_dns_zone_cb)(mp_zone_answer answer, void *arg);

/* One question in flight; owned by the resolver. */
typedef struct mp_dns_ask mp_dns_ask;

/* Asks the resolver for the NS records of `zone` ("." is the root, "com."
 * or "com" a TLD), bypassing the cache: the canary questions of
 * dns_trust.h. The callback runs exactly once, later, from the loop --
 * never inside this call -- unless the question is cancelled or the
 * resolver freed first: then it never runs. Returns NULL (and the callback
 * never runs) when the name is not a valid zone name or memory runs out;
 * the handle is valid until the callback starts. */
mp_dns_ask *mp_dns_ask_ns(mp_dns *dns, const char *zone, mp_dns_zone_cb cb, void *arg);

/* Cancels a question whose callback has not run: it never will. */
void mp_dns_ask_cancel(mp_dns_ask *ask);

/* Turns a --dns value ("IPv4", "IPv4:PORT", "[IPv6]:PORT" or a bare IPv6
 * address; port 53 when absent) into c-ares' server CSV form in `out`.
 * False for anything else (host names included: c-ares needs addresses). */
bool mp_dns_server_csv(const char *server, char *out, size_t outlen);

/* Counters for /metrics and benchmarks. */
typedef struct mp_dns_stats {
    uint64_t queries_sent, cache_hits, cache_misses, errors;
} mp_dns_stats;
void mp_dns_stats_get(const mp_dns *dns, mp_dns_stats *out);

#endif
