/* dns_trust.h — is the resolver telling the truth?
 *
 * A denial from DNS (NXDOMAIN, no mail host, null MX) is the one answer
 * that makes an address `undeliverable` without asking a mail server, and
 * the one a resolver can fake most easily: captive portals, DNS filters and
 * sandboxed resolvers answer NXDOMAIN for names that exist. So the prober
 * believes a denial only from a resolver shown honest (docs/dns-and-safety.md):
 *
 *   - Canary rounds. The resolver is asked for the NS records of zones that
 *     certainly exist -- by default the root, `com.` and `root-servers.net.`
 *     (--dns-canary replaces them) -- at start-up, every --dns-recheck
 *     (a tenth of it while the resolver is not honest, at least 1 s), and
 *     when the share of denials among fresh answers jumps. Every canary
 *     with NS records: honest. One denied, or without NS records: lying
 *     (RFC 8020: an NXDOMAIN means nothing exists at or below the name, and
 *     these exist). One not answered (timeout, SERVFAIL): unanswered.
 *   - TLD canaries. Before a denial of example.org is believed, the
 *     resolver must confirm `org.` (once per round). A TLD it denies
 *     although it answered for names under it (or named it as a canary)
 *     proves it lies; a TLD it denies that is in the root zone (the core's
 *     copy of IANA's list, mp_is_listed_tld) leaves the denials under it
 *     doubted (a DNS filter blocking one TLD; the list may also be older
 *     than a retired TLD, so this alone never calls the resolver a liar);
 *     a TLD it denies that nobody knows (a typo such as `.cmo`) really does
 *     not exist, and neither does the domain.
 *
 * Until a start-up round (or a round started by a jump in denials) ends, a
 * judgement is pending; the owner holds the denial and is told through the
 * `changed` callback, always from the loop, when to ask again. Private to
 * the engine; the prober exposes the state (prober.h). */
#ifndef MP_DNS_TRUST_H
#define MP_DNS_TRUST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include "dns.h"
#include "mailprobe/core.h"

enum {
    MP_DNS_CANARIES_MAX = 8,      /* --dns-canary names */
    MP_DNS_TRUST_TLDS_MAX = 256,  /* TLDs remembered (least recently used one replaced) */
    MP_DNS_RECHECK_DEFAULT_MS = 300000,
    MP_DNS_RECHECK_MIN_MS = 1000,
};

/* What the last canary round showed. */
typedef enum mp_resolver_state {
    MP_RESOLVER_UNPROVEN = 0,  /* no round has finished yet */
    MP_RESOLVER_HONEST,        /* every canary answered with its NS records */
    MP_RESOLVER_LYING,         /* it denied a name that exists */
    MP_RESOLVER_UNANSWERED,    /* a canary got no answer (timeout, SERVFAIL, refused) */
    MP_RESOLVER_STATE_COUNT
} mp_resolver_state;

/* "unproven", "honest", "lying", "unanswered". */
const char *mp_resolver_state_name(mp_resolver_state s);

/* Why a denial was not believed. */
typedef enum mp_dns_doubt {
    MP_DOUBT_NONE = 0,          /* believed */
    MP_DOUBT_UNPROVEN,          /* the resolver has not been checked yet */
    MP_DOUBT_LYING,             /* the resolver denies names that exist */
    MP_DOUBT_UNANSWERED,        /* the resolver does not answer the canaries */
    MP_DOUBT_TLD_UNCONFIRMED,   /* the resolver did not answer for the domain's TLD */
    MP_DOUBT_KNOWN_MAIL_DOMAIN, /* a mail server answered for the domain before */
    MP_DOUBT_FREE_PROVIDER,     /* the domain is on the compiled free-provider list */
    MP_DOUBT_TLD_DENIED,        /* the resolver denies a TLD of the root zone list */
    MP_DOUBT_COUNT
} mp_dns_doubt;

/* A sentence for people (the result's `mx.message`); NULL for NONE. */
const char *mp_dns_doubt_message(mp_dns_doubt d);

/* The judgement of one denial. */
typedef enum mp_denial_judgement {
    MP_DENIAL_BELIEVED = 0,  /* the resolver is honest and the TLD agrees */
    MP_DENIAL_DOUBTED,       /* not to be believed: *doubt says why */
    MP_DENIAL_PENDING,       /* a canary answer is awaited: ask again after `changed` */
} mp_denial_judgement;

/* The state for /healthz, --stats, logs. */
typedef struct mp_resolver_trust {
    mp_resolver_state state;
    bool checking;          /* a canary round is in flight */
    uint64_t rounds;        /* rounds finished */
    int64_t last_round_ms;  /* monotonic (clock.h) end of the last round; 0 = none */
    char why[256];          /* what the last round (or TLD canary) found, in words */
    char canaries[384];     /* the canary zones, space-separated */
} mp_resolver_trust;

typedef struct mp_dns_trust_config {
    const char *const *canaries; /* zone names; NULL or none = the built-in set */
    size_t ncanaries;            /* at most MP_DNS_CANARIES_MAX are used */
    int recheck_ms;              /* between rounds while honest; <= 0 = default */
} mp_dns_trust_config;

typedef struct mp_dns_trust mp_dns_trust;

/* Writes `zone` as the checker names it: with one trailing dot ("com" →
 * "com.", "." stays "."), truncated to cap. */
void mp_dns_zone_display(const char *zone, char *out, size_t cap);

/* The built-in canary zones (".", "com.", "root-servers.net."): *names gets
 * a static array; returns its length. */
size_t mp_dns_trust_builtin_canaries(const char *const **names);

/* The state one round's answers show, as a round decides it: any canary
 * denied or without NS records → LYING, else any unanswered → UNANSWERED,
 * else HONEST. `why` (may be NULL) gets the sentence. Pure; `doctor` asks
 * the same questions with blocking DNS and judges them here. */
mp_resolver_state mp_dns_trust_verdict(const char *const *canaries, const mp_zone_answer *answers, size_t n,
                                       char *why, size_t whylen);

/* Creates the checker on `base`, asking `dns` (both borrowed, must outlive
 * it), and starts the first round at once. `changed(arg)` runs from the
 * loop after a round ends or a TLD canary answers: pending judgements may
 * be asked again. NULL + message in err for a canary that is not a zone
 * name, or out of memory. */
mp_dns_trust *mp_dns_trust_new(struct event_base *base, mp_dns *dns, const mp_dns_trust_config *cfg,
                               void (*changed)(void *arg), void *arg, char *err, size_t errlen);

/* Cancels its questions and timers and frees it. NULL is fine. */
void mp_dns_trust_free(mp_dns_trust *t);

/* Judges a denial of `ascii_domain` now. MP_DENIAL_DOUBTED sets *doubt. */
mp_denial_judgement mp_dns_trust_judge(mp_dns_trust *t, const char *ascii_domain, mp_dns_doubt *doubt);

/* Tells the checker the result of a fresh lookup of `ascii_domain`: a
 * positive answer shows its TLD exists; the share of denials among the
 * last 32 answers starts a round when it jumps to half or more (at most
 * every 10 s). */
void mp_dns_trust_observe(mp_dns_trust *t, const char *ascii_domain, mp_dns_result result);

/* Copies the current state into *out. */
void mp_dns_trust_get(const mp_dns_trust *t, mp_resolver_trust *out);

#endif
