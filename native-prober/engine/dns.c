/* dns.c — mail-host resolution (dns.h) with c-ares on our libevent loop.
 *
 * One `lookup` per domain in flight: concurrent requests for the same domain
 * join it as waiters, so a batch of thousands of addresses at one domain
 * sends one MX query. A lookup walks an explicit state machine
 * (MX → ADDRESSES → DELIVER); answers go into a bounded LRU cache keyed by
 * domain and are delivered from a deferred event, never inside the call that
 * asked. c-ares is driven the c-ares way: ARES_OPT_SOCK_STATE_CB tells us
 * which sockets to watch, readiness calls ares_process_fd(), and a timer
 * honours ares_timeout(). */
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hash.h"

#if !defined(ARES_VERSION) || ARES_VERSION < 0x011201
#error "mailprobe needs c-ares >= 1.18.1"
#endif

enum {
    DEFAULT_TIMEOUT_MS = 3000,
    DEFAULT_TRIES = 2,
    DEFAULT_CACHE_MAX = 10000,
    TTL_MAX = 86400,          /* never trust an answer longer than a day */
    NEGATIVE_TTL = 300,       /* NXDOMAIN / no mail host (RFC 2308 caps at hours; we keep it short) */
    ADDRS_PER_REPLY_MAX = 32, /* addrttls parsed per A/AAAA reply */
};

/* ---- lookups ------------------------------------------------------------ */

typedef enum lookup_state {
    LOOKUP_MX,          /* waiting for the MX answer */
    LOOKUP_ADDRESSES,   /* waiting for A/AAAA of each host */
    LOOKUP_DELIVER,     /* answer ready, delivery event pending */
} lookup_state;

typedef struct waiter {
    struct waiter *next;
    mp_dns_mx_cb cb;
    void *arg;
} waiter;

struct lookup;

/* One A or AAAA query for hosts[host]; lives inside its lookup. */
typedef struct addr_query {
    struct lookup *lookup;
    size_t host;
    int family;
    size_t n;                             /* addresses found (before filtering) */
    struct in6_addr addrs[ADDRS_PER_REPLY_MAX]; /* v4 in the first 4 octets */
} addr_query;

typedef struct lookup {
    struct lookup *next_in_bucket, *next_all, *prev_all;
    mp_dns *dns;
    lookup_state state;
    char domain[MP_DOMAIN_MAX + 1];
    waiter *waiters, **waiters_tail;
    struct event *deliver_ev;
    size_t queries_pending;
    bool temporary_failure;               /* an address query failed temporarily */
    uint32_t ttl;
    mp_mx_answer answer;                  /* being built, then delivered */
    addr_query aq[MP_MX_HOSTS_MAX][2];    /* [host][0 = A, 1 = AAAA] */
} lookup;

/* ---- the cache: compact copies of answers, LRU-bounded ------------------ */

typedef struct cached_addr {
    uint8_t family;
    uint8_t octets[16];
} cached_addr;

typedef struct cached_host {
    char *name;
    int preference;
    uint8_t naddrs;
    uint32_t nblocked;
    cached_addr addrs[MP_MX_ADDRS_MAX];
} cached_host;

typedef struct cache_entry {
    struct cache_entry *next_in_bucket, *lru_prev, *lru_next;
    char *domain;
    int64_t expires_ms;         /* monotonic (clock.h) */
    mp_dns_result result;
    bool implicit_mx;
    char *error;
    size_t nhosts;
    cached_host *hosts;
} cache_entry;

/* ---- the resolver ------------------------------------------------------- */

/* One mp_dns_ask_ns() question; its answer is delivered from `deliver_ev`.
 * c-ares holds it until its own callback ran (`replied`), so a cancelled
 * question without an answer yet waits for that before it is freed. */
struct mp_dns_ask {
    struct mp_dns_ask *next, *prev;
    mp_dns *dns;
    struct event *deliver_ev;
    mp_zone_answer answer;
    mp_dns_zone_cb cb;              /* NULL once cancelled */
    void *arg;
    bool replied;
};
typedef struct mp_dns_ask zone_ask;

typedef struct sock_watch {
    struct sock_watch *next;
    ares_socket_t fd;
    struct event *ev;
    mp_dns *dns;
} sock_watch;

struct mp_dns {
    struct event_base *base;
    ares_channel channel;
    bool channel_ok;
    const mp_target_policy *targets;
    struct event *timer;
    sock_watch *watches;

    size_t nbuckets;                      /* power of two, shared by both tables */
    lookup **pending;                     /* domain → lookup in flight */
    lookup *all_lookups;
    cache_entry **cache;
    cache_entry *lru_head, *lru_tail;     /* head = most recently used */
    size_t cache_count, cache_max;

    zone_ask *asks;                       /* mp_dns_ask_ns() questions not delivered yet */
    uint64_t rng;
    int callback_depth;                   /* > 0 while user callbacks run */
    bool free_requested;                  /* mp_dns_free called from a callback */
    bool destroying;
    mp_dns_stats stats;
};

static void lookup_finish(lookup *lk);
static void timer_reschedule(mp_dns *dns);

/* ---- small helpers ------------------------------------------------------ */

static size_t hash_name(const char *s) { return mp_fnv1a32_str(s); }

static uint64_t rng_next(mp_dns *dns)
{
    uint64_t x = dns->rng; /* xorshift64: only for shuffling equal MX preferences */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return dns->rng = x;
}

/* Lower-cases `in` into out (MP_DOMAIN_MAX + 1), dropping one trailing dot.
 * False for names that cannot be a host name we would query. */
static bool normalize_domain(const char *in, char *out)
{
    size_t len = in ? strlen(in) : 0;
    if (len && in[len - 1] == '.')
        len--;
    if (len == 0 || len > MP_DOMAIN_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        if (!ok || (c == '.' && (i == 0 || in[i - 1] == '.')))
            return false;
        out[i] = c;
    }
    out[len] = '\0';
    return true;
}

/* The smallest TTL among the answer records of `type` in a DNS message,
 * and (when `count` is not NULL) how many there are. ares_parse_mx_reply()
 * drops TTLs, so we walk the answer section ourselves (RFC 1035 §4.1) with
 * bounds checks on every read. UINT32_MAX when none. */
static uint32_t answer_scan(const unsigned char *abuf, int alen, int type, unsigned *count)
{
    uint32_t best = UINT32_MAX;
    unsigned dummy;
    if (!count)
        count = &dummy;
    *count = 0;
    if (!abuf || alen < HFIXEDSZ)
        return best;
    unsigned qd = ((unsigned)abuf[4] << 8) | abuf[5];
    unsigned an = ((unsigned)abuf[6] << 8) | abuf[7];
    const unsigned char *p = abuf + HFIXEDSZ, *end = abuf + alen;
    for (unsigned i = 0; i < qd + an; i++) {
        char *name = NULL;
        long enclen = 0;
        if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS)
            return best;
        ares_free_string(name);
        p += enclen;
        if (i < qd) {
            if (end - p < QFIXEDSZ)
                return best;
            p += QFIXEDSZ;
            continue;
        }
        if (end - p < RRFIXEDSZ)
            return best;
        int rtype = (p[0] << 8) | p[1];
        uint32_t ttl = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
        unsigned rdlen = ((unsigned)p[8] << 8) | p[9];
        p += RRFIXEDSZ;
        if ((unsigned)(end - p) < rdlen)
            return best;
        p += rdlen;
        if (rtype == type) {
            (*count)++;
            if (ttl < best)
                best = ttl;
        }
    }
    return best;
}

/* c-ares reports a SERVFAIL or REFUSED answer from the last server as
 * "could not contact", which misleads; say what it means for mail. */
static const char *status_text(int status)
{
    switch (status) {
    case ARES_ETIMEOUT:
        return "DNS query timed out";
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED:
        return "DNS server failure (SERVFAIL, refused or unreachable)";
    case ARES_EBADRESP:
        return "malformed DNS answer";
    default:
        return ares_strerror(status);
    }
}

static void lower_ttl(lookup *lk, uint32_t ttl)
{
    if (ttl < lk->ttl)
        lk->ttl = ttl;
}

/* ---- c-ares ↔ libevent --------------------------------------------------- */

static void on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
    sock_watch *w = arg;
    mp_dns *dns = w->dns;
    ares_socket_t rfd = (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD;
    ares_socket_t wfd = (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD;
    /* May call sock_state_cb (which may free `w`) and our query callbacks. */
    ares_process_fd(dns->channel, rfd, wfd);
    timer_reschedule(dns);
}

static void on_ares_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_dns *dns = arg;
    /* No socket is ready: this lets c-ares expire and retry timed-out queries. */
    ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    timer_reschedule(dns);
}

static void timer_reschedule(mp_dns *dns)
{
    if (!dns->channel_ok || dns->destroying)
        return;
    struct timeval tv;
    if (ares_timeout(dns->channel, NULL, &tv))
        evtimer_add(dns->timer, &tv);
    else
        evtimer_del(dns->timer);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    mp_dns *dns = data;
    sock_watch **pp = &dns->watches;
    while (*pp && (*pp)->fd != fd)
        pp = &(*pp)->next;
    sock_watch *w = *pp;

    if (!readable && !writable) {          /* c-ares is closing the socket */
        if (w) {
            *pp = w->next;
            event_free(w->ev);
            free(w);
        }
        return;
    }
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w)
            return; /* the query then times out through the timer: an error, not a crash */
        w->fd = fd;
        w->dns = dns;
        w->next = dns->watches;
        dns->watches = w;
    } else {
        event_free(w->ev);
    }
    short what = (short)(EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
    w->ev = event_new(dns->base, (evutil_socket_t)fd, what, on_socket_ready, w);
    if (w->ev)
        event_add(w->ev, NULL);
}

/* ---- the cache ---------------------------------------------------------- */

static void cache_entry_free(cache_entry *e)
{
    for (size_t i = 0; i < e->nhosts; i++)
        free(e->hosts[i].name);
    free(e->hosts);
    free(e->error);
    free(e->domain);
    free(e);
}

static void lru_unlink(mp_dns *dns, cache_entry *e)
{
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next; else dns->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev; else dns->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(mp_dns *dns, cache_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = dns->lru_head;
    if (dns->lru_head) dns->lru_head->lru_prev = e; else dns->lru_tail = e;
    dns->lru_head = e;
}

static void cache_remove(mp_dns *dns, cache_entry *e)
{
    cache_entry **pp = &dns->cache[hash_name(e->domain) & (dns->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->next_in_bucket;
    if (*pp)
        *pp = e->next_in_bucket;
    lru_unlink(dns, e);
    dns->cache_count--;
    cache_entry_free(e);
}

static cache_entry *cache_find(mp_dns *dns, const char *domain)
{
    if (!dns->cache)
        return NULL;
    cache_entry *e = dns->cache[hash_name(domain) & (dns->nbuckets - 1)];
    while (e && strcmp(e->domain, domain) != 0)
        e = e->next_in_bucket;
    if (!e)
        return NULL;
    if (mp_now_monotonic_ms() >= e->expires_ms) {
        cache_remove(dns, e);
        return NULL;
    }
    lru_unlink(dns, e);
    lru_push_front(dns, e);
    return e;
}

static void sockaddr_to_cached(const struct sockaddr_storage *ss, cached_addr *out)
{
    memset(out, 0, sizeof *out);
    out->family = (uint8_t)ss->ss_family;
    if (ss->ss_family == AF_INET)
        memcpy(out->octets, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
    else
        memcpy(out->octets, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, 16);
}

static void cached_to_sockaddr(const cached_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, a->octets, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, a->octets, 16);
    }
}

/* Stores a copy of `a` for its ttl. Out of memory just means "not cached". */
static void cache_store(mp_dns *dns, const char *domain, const mp_mx_answer *a)
{
    if (!dns->cache || a->ttl == 0 || a->result == MP_DNS_ERROR)
        return;
    cache_entry *old = cache_find(dns, domain);
    if (old)
        cache_remove(dns, old);
    while (dns->cache_count >= dns->cache_max && dns->lru_tail)
        cache_remove(dns, dns->lru_tail);

    cache_entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->domain = strdup(domain);
    e->error = strdup(a->error);
    e->hosts = a->nhosts ? calloc(a->nhosts, sizeof *e->hosts) : NULL;
    if (!e->domain || !e->error || (a->nhosts && !e->hosts)) {
        cache_entry_free(e);
        return;
    }
    e->result = a->result;
    e->implicit_mx = a->implicit_mx;
    for (size_t i = 0; i < a->nhosts; i++) {
        cached_host *h = &e->hosts[i];
        e->nhosts = i + 1;
        h->name = strdup(a->hosts[i].name);
        if (!h->name) {
            cache_entry_free(e);
            return;
        }
        h->preference = a->hosts[i].preference;
        h->naddrs = (uint8_t)a->hosts[i].naddrs;
        h->nblocked = (uint32_t)a->hosts[i].nblocked;
        for (size_t j = 0; j < a->hosts[i].naddrs; j++)
            sockaddr_to_cached(&a->hosts[i].addrs[j], &h->addrs[j]);
    }
    e->expires_ms = mp_now_monotonic_ms() + (int64_t)a->ttl * 1000;
    size_t b = hash_name(domain) & (dns->nbuckets - 1);
    e->next_in_bucket = dns->cache[b];
    dns->cache[b] = e;
    lru_push_front(dns, e);
    dns->cache_count++;
}

static void cache_load(const cache_entry *e, mp_mx_answer *a)
{
    memset(a, 0, sizeof *a);
    a->result = e->result;
    a->implicit_mx = e->implicit_mx;
    snprintf(a->error, sizeof a->error, "%s", e->error);
    a->nhosts = e->nhosts;
    for (size_t i = 0; i < e->nhosts; i++) {
        mp_mx_host *h = &a->hosts[i];
        snprintf(h->name, sizeof h->name, "%s", e->hosts[i].name);
        h->preference = e->hosts[i].preference;
        h->naddrs = e->hosts[i].naddrs;
        h->nblocked = e->hosts[i].nblocked;
        for (size_t j = 0; j < h->naddrs; j++)
            cached_to_sockaddr(&e->hosts[i].addrs[j], &h->addrs[j]);
    }
    int64_t left = (e->expires_ms - mp_now_monotonic_ms()) / 1000;
    a->ttl = left > 0 ? (uint32_t)left : 0;
}

/* ---- lookups: creation, delivery, destruction --------------------------- */

static void lookup_unlink_pending(mp_dns *dns, lookup *lk)
{
    lookup **pp = &dns->pending[hash_name(lk->domain) & (dns->nbuckets - 1)];
    while (*pp && *pp != lk)
        pp = &(*pp)->next_in_bucket;
    if (*pp)
        *pp = lk->next_in_bucket;
}

static void lookup_destroy(mp_dns *dns, lookup *lk)
{
    lookup_unlink_pending(dns, lk);
    if (lk->prev_all) lk->prev_all->next_all = lk->next_all; else dns->all_lookups = lk->next_all;
    if (lk->next_all) lk->next_all->prev_all = lk->prev_all;
    while (lk->waiters) {
        waiter *w = lk->waiters;
        lk->waiters = w->next;
        free(w);
    }
    if (lk->deliver_ev)
        event_free(lk->deliver_ev);
    free(lk);
}

static void dns_destroy_now(mp_dns *dns);

/* Runs the waiters' callbacks. A callback may ask for more lookups (the
 * domain is no longer pending, so a new request hits the cache) or free the
 * resolver (deferred until the callbacks return). */
static void lookup_deliver(lookup *lk)
{
    mp_dns *dns = lk->dns;
    lookup_unlink_pending(dns, lk);
    dns->callback_depth++;
    while (lk->waiters) {
        waiter *w = lk->waiters;
        lk->waiters = w->next;
        w->cb(&lk->answer, w->arg);
        free(w);
    }
    dns->callback_depth--;
    lookup_destroy(dns, lk);
    if (dns->free_requested && dns->callback_depth == 0)
        dns_destroy_now(dns);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lookup_deliver(arg);
}

static lookup *lookup_new(mp_dns *dns, const char *domain)
{
    lookup *lk = calloc(1, sizeof *lk);
    if (!lk)
        return NULL;
    lk->deliver_ev = event_new(dns->base, -1, 0, on_deliver, lk);
    if (!lk->deliver_ev) {
        free(lk);
        return NULL;
    }
    lk->dns = dns;
    lk->ttl = TTL_MAX;
    lk->waiters_tail = &lk->waiters;
    snprintf(lk->domain, sizeof lk->domain, "%s", domain);
    size_t b = hash_name(domain) & (dns->nbuckets - 1);
    lk->next_in_bucket = dns->pending[b];
    dns->pending[b] = lk;
    lk->next_all = dns->all_lookups;
    if (dns->all_lookups)
        dns->all_lookups->prev_all = lk;
    dns->all_lookups = lk;
    return lk;
}

static lookup *lookup_find_pending(mp_dns *dns, const char *domain)
{
    lookup *lk = dns->pending[hash_name(domain) & (dns->nbuckets - 1)];
    while (lk && strcmp(lk->domain, domain) != 0)
        lk = lk->next_in_bucket;
    return lk;
}

static void answer_fail(mp_mx_answer *a, mp_dns_result result, const char *why)
{
    a->result = result;
    a->nhosts = 0;
    snprintf(a->error, sizeof a->error, "%s", why);
}

/* The end of every lookup: cache it, then deliver from the loop. */
static void lookup_finish(lookup *lk)
{
    mp_dns *dns = lk->dns;
    if (lk->state != LOOKUP_DELIVER) {
        lk->answer.ttl = lk->answer.result == MP_DNS_ERROR ? 0 : lk->ttl;
        if (lk->answer.result == MP_DNS_ERROR)
            dns->stats.errors++;
        cache_store(dns, lk->domain, &lk->answer);
        lk->state = LOOKUP_DELIVER;
    }
    event_active(lk->deliver_ev, EV_TIMEOUT, 1);
}

/* ---- LOOKUP_ADDRESSES: A and AAAA of every host ------------------------- */

/* Fills hosts[].addrs from the address queries, dropping refused targets,
 * and decides the result. */
static void addresses_conclude(lookup *lk)
{
    mp_mx_answer *a = &lk->answer;
    mp_dns *dns = lk->dns;
    size_t permitted = 0, blocked = 0;
    for (size_t h = 0; h < a->nhosts; h++) {
        mp_mx_host *host = &a->hosts[h];
        host->naddrs = host->nblocked = 0;
        /* IPv4 first: most probing hosts have no IPv6 route to port 25. */
        for (int fam = 0; fam < 2; fam++) {
            const addr_query *q = &lk->aq[h][fam];
            for (size_t i = 0; i < q->n; i++) {
                struct sockaddr_storage ss;
                memset(&ss, 0, sizeof ss);
                if (q->family == AF_INET) {
                    struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
                    in->sin_family = AF_INET;
                    memcpy(&in->sin_addr, &q->addrs[i], 4);
                } else {
                    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
                    in6->sin6_family = AF_INET6;
                    in6->sin6_addr = q->addrs[i];
                }
                if (!mp_target_permitted(dns->targets, (struct sockaddr *)&ss, NULL))
                    host->nblocked++;
                else if (host->naddrs < MP_MX_ADDRS_MAX)
                    host->addrs[host->naddrs++] = ss;
            }
        }
        permitted += host->naddrs;
        blocked += host->nblocked;
    }
    if (permitted) {
        a->result = MP_DNS_OK;
        a->error[0] = '\0';
    } else if (blocked) {
        a->result = MP_DNS_BLOCKED_TARGET;
        snprintf(a->error, sizeof a->error, "every mail host resolves to a refused address "
                 "(%zu refused; see --allow-net)", blocked);
    } else if (lk->temporary_failure) {
        a->result = MP_DNS_ERROR;
        snprintf(a->error, sizeof a->error, "the addresses of the mail hosts could not be resolved");
    } else {
        a->result = MP_DNS_NO_MAIL_HOST;
        snprintf(a->error, sizeof a->error, a->implicit_mx
                 ? "no MX and no A/AAAA record" : "no MX host has an address");
        lower_ttl(lk, NEGATIVE_TTL);
    }
}

static void on_addr_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    addr_query *q = arg;
    lookup *lk = q->lookup;
    if (lk->dns->destroying)
        return;

    if (status == ARES_SUCCESS) {
        if (q->family == AF_INET) {
            struct ares_addrttl ttls[ADDRS_PER_REPLY_MAX];
            int n = ADDRS_PER_REPLY_MAX;
            if (ares_parse_a_reply(abuf, alen, NULL, ttls, &n) == ARES_SUCCESS) {
                for (int i = 0; i < n; i++) {
                    memset(&q->addrs[q->n], 0, sizeof q->addrs[0]);
                    memcpy(&q->addrs[q->n++], &ttls[i].ipaddr, 4);
                    lower_ttl(lk, ttls[i].ttl > 0 ? (uint32_t)ttls[i].ttl : 0);
                }
            }
        } else {
            struct ares_addr6ttl ttls[ADDRS_PER_REPLY_MAX];
            int n = ADDRS_PER_REPLY_MAX;
            if (ares_parse_aaaa_reply(abuf, alen, NULL, ttls, &n) == ARES_SUCCESS) {
                for (int i = 0; i < n; i++) {
                    memcpy(&q->addrs[q->n++], &ttls[i].ip6addr, 16);
                    lower_ttl(lk, ttls[i].ttl > 0 ? (uint32_t)ttls[i].ttl : 0);
                }
            }
        }
    } else if (status != ARES_ENODATA && status != ARES_ENOTFOUND) {
        lk->temporary_failure = true;     /* SERVFAIL, timeout, refused... */
        lower_ttl(lk, 60);                /* a partial answer: ask again soon */
    }

    if (--lk->queries_pending == 0) {
        addresses_conclude(lk);
        lookup_finish(lk);
    }
}

static void addresses_start(lookup *lk)
{
    mp_dns *dns = lk->dns;
    lk->state = LOOKUP_ADDRESSES;
    lk->queries_pending = lk->answer.nhosts * 2;
    for (size_t h = 0; h < lk->answer.nhosts; h++) {
        for (int fam = 0; fam < 2; fam++) {
            addr_query *q = &lk->aq[h][fam];
            q->lookup = lk;
            q->host = h;
            q->family = fam ? AF_INET6 : AF_INET;
            dns->stats.queries_sent++;
            /* c-ares may answer synchronously (e.g. out of memory); the
             * lookup still finishes through on_addr_reply and the deferred
             * delivery, so this loop never touches a finished lookup's
             * waiters. */
            ares_query(dns->channel, lk->answer.hosts[h].name, C_IN, fam ? T_AAAA : T_A, on_addr_reply, q);
        }
    }
}

/* ---- LOOKUP_MX ---------------------------------------------------------- */

static int by_preference(const void *x, const void *y)
{
    const mp_mx_host *a = x, *b = y;
    return (a->preference > b->preference) - (a->preference < b->preference);
}

/* RFC 5321 §5.1: sort by preference; equal preferences in random order so
 * load spreads as the domain intended. */
static void sort_and_shuffle(mp_dns *dns, mp_mx_host *hosts, size_t n)
{
    qsort(hosts, n, sizeof hosts[0], by_preference);
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && hosts[end].preference == hosts[start].preference)
            end++;
        for (size_t i = end - 1; i > start; i--) {  /* Fisher–Yates within the tie */
            size_t j = start + (size_t)(rng_next(dns) % (i - start + 1));
            if (j != i) {
                mp_mx_host t = hosts[i];
                hosts[i] = hosts[j];
                hosts[j] = t;
            }
        }
        start = end;
    }
}

static void on_mx_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    lookup *lk = arg;
    mp_dns *dns = lk->dns;
    if (dns->destroying)
        return;
    mp_mx_answer *a = &lk->answer;

    struct ares_mx_reply *mx = NULL;
    if (status == ARES_SUCCESS) {
        status = ares_parse_mx_reply(abuf, alen, &mx);
        if (status == ARES_SUCCESS)
            lower_ttl(lk, answer_scan(abuf, alen, T_MX, NULL));
        else if (status != ARES_ENODATA)
            status = ARES_EBADRESP;
    }

    switch (status) {
    case ARES_SUCCESS:
        break;
    case ARES_ENODATA:
        /* RFC 5321 §5.1: no MX records → the domain itself is the mail host. */
        a->implicit_mx = true;
        a->nhosts = 1;
        snprintf(a->hosts[0].name, sizeof a->hosts[0].name, "%s", lk->domain);
        a->hosts[0].preference = 0;
        addresses_start(lk);
        return;
    case ARES_ENOTFOUND:
        answer_fail(a, MP_DNS_NXDOMAIN, "the domain does not exist (NXDOMAIN)");
        lower_ttl(lk, NEGATIVE_TTL);
        lookup_finish(lk);
        return;
    default:
        answer_fail(a, MP_DNS_ERROR, status_text(status));
        lookup_finish(lk);
        return;
    }

    /* RFC 7505: "0 ." (a root target) means the domain accepts no mail. A
     * root target among real ones is skipped; if only roots remain it is a
     * null MX too. */
    size_t n = 0, nroots = 0;
    for (struct ares_mx_reply *r = mx; r; r = r->next) {
        char name[MP_DOMAIN_MAX + 1];
        if (!r->host || r->host[0] == '\0' || !strcmp(r->host, ".")) {
            nroots++;
            continue;
        }
        if (!normalize_domain(r->host, name))
            continue;                      /* not a host name: unusable */
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = !strcmp(a->hosts[i].name, name);
        if (dup)
            continue;
        size_t slot = n;
        if (n == MP_MX_HOSTS_MAX) {
            /* Full: keep the most preferred, so replace the worst if this one is better. */
            slot = 0;
            for (size_t i = 1; i < n; i++)
                if (a->hosts[i].preference > a->hosts[slot].preference)
                    slot = i;
            if (r->priority >= a->hosts[slot].preference)
                continue;
        } else {
            n++;
        }
        snprintf(a->hosts[slot].name, sizeof a->hosts[slot].name, "%s", name);
        a->hosts[slot].preference = r->priority;
    }
    ares_free_data(mx);

    if (n == 0) {
        if (nroots)
            answer_fail(a, MP_DNS_NULL_MX, "the domain accepts no mail (null MX, RFC 7505)");
        else
            answer_fail(a, MP_DNS_NO_MAIL_HOST, "no usable MX host name");
        lookup_finish(lk);
        return;
    }
    a->nhosts = n;
    sort_and_shuffle(dns, a->hosts, n);
    addresses_start(lk);
}

/* ---- public API --------------------------------------------------------- */

void mp_dns_resolve_mail_hosts(mp_dns *dns, const char *ascii_domain,
                               mp_dns_mx_cb cb, void *arg)
{
    char domain[MP_DOMAIN_MAX + 1];
    if (dns->destroying) {
        /* Asked from a "cancelled" callback while the resolver is freed. */
        mp_mx_answer cancelled;
        memset(&cancelled, 0, sizeof cancelled);
        answer_fail(&cancelled, MP_DNS_ERROR, "cancelled");
        cb(&cancelled, arg);
        return;
    }
    bool valid = normalize_domain(ascii_domain, domain);
    if (!valid)
        snprintf(domain, sizeof domain, "%s", "invalid.");  /* a key no real domain has */

    waiter *w = calloc(1, sizeof *w);
    lookup *lk = lookup_find_pending(dns, domain);
    bool fresh = false;
    if (!lk) {
        lk = lookup_new(dns, domain);
        fresh = true;
    }
    if (!w || !lk) {
        /* Out of memory: there is no way to defer, so say so through the
         * only channel left. Documented as the single synchronous case. */
        free(w);
        mp_mx_answer oom;
        memset(&oom, 0, sizeof oom);
        answer_fail(&oom, MP_DNS_ERROR, "out of memory");
        cb(&oom, arg);
        return;
    }
    w->cb = cb;
    w->arg = arg;
    *lk->waiters_tail = w;
    lk->waiters_tail = &w->next;
    if (!fresh) {
        dns->stats.cache_hits++;          /* coalesced: answered by a lookup in flight */
        return;
    }

    if (!valid) {
        answer_fail(&lk->answer, MP_DNS_ERROR, "not a valid domain name");
        lookup_finish(lk);
        return;
    }
    cache_entry *e = cache_find(dns, domain);
    if (e) {
        dns->stats.cache_hits++;
        cache_load(e, &lk->answer);
        lk->state = LOOKUP_DELIVER;
        lookup_finish(lk);
        return;
    }
    dns->stats.cache_misses++;
    dns->stats.queries_sent++;
    lk->state = LOOKUP_MX;
    ares_query(dns->channel, domain, C_IN, T_MX, on_mx_reply, lk);
    timer_reschedule(dns);
}

/* ---- zone questions (mp_dns_ask_ns) -------------------------------------- */

const char *mp_zone_answer_name(mp_zone_answer a)
{
    static const char *const names[MP_ZONE_ANSWER_COUNT] = {"has_ns", "no_ns", "denied", "no_answer"};
    return (unsigned)a < MP_ZONE_ANSWER_COUNT ? names[a] : "invalid";
}

static void zone_ask_destroy(zone_ask *q)
{
    mp_dns *dns = q->dns;
    if (q->prev) q->prev->next = q->next; else dns->asks = q->next;
    if (q->next) q->next->prev = q->prev;
    event_free(q->deliver_ev);
    free(q);
}

static void on_zone_deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    zone_ask *q = arg;
    mp_dns_zone_cb cb = q->cb;
    void *cb_arg = q->arg;
    mp_zone_answer answer = q->answer;
    zone_ask_destroy(q);
    cb(answer, cb_arg);
}

/* c-ares' answer (possibly from inside ares_query itself): recorded, then
 * delivered from the loop. */
static void on_zone_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    zone_ask *q = arg;
    if (q->dns->destroying)
        return;                          /* freed with the resolver, unannounced */
    q->replied = true;
    if (!q->cb) {                        /* cancelled while c-ares held it */
        zone_ask_destroy(q);
        return;
    }
    q->answer = mp_zone_answer_of(status, abuf, alen);
    if (q->answer == MP_ZONE_NO_ANSWER)
        q->dns->stats.errors++;
    event_active(q->deliver_ev, EV_TIMEOUT, 1);
}

mp_zone_answer mp_zone_answer_of(int status, const unsigned char *abuf, int alen)
{
    unsigned ns = 0;
    switch (status) {
    case ARES_SUCCESS:
        answer_scan(abuf, alen, T_NS, &ns);
        return ns ? MP_ZONE_HAS_NS : MP_ZONE_NO_NS;
    case ARES_ENODATA:
        return MP_ZONE_NO_NS;
    case ARES_ENOTFOUND:
        return MP_ZONE_DENIED;
    default:
        return MP_ZONE_NO_ANSWER;
    }
}

mp_dns_ask *mp_dns_ask_ns(mp_dns *dns, const char *zone, mp_dns_zone_cb cb, void *arg)
{
    char name[MP_DOMAIN_MAX + 2];
    if (!zone || !cb || dns->destroying)
        return NULL;
    if (!strcmp(zone, ".")) {
        snprintf(name, sizeof name, ".");
    } else if (!normalize_domain(zone, name)) {
        return NULL;
    }
    zone_ask *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->deliver_ev = event_new(dns->base, -1, 0, on_zone_deliver, q);
    if (!q->deliver_ev) {
        free(q);
        return NULL;
    }
    q->dns = dns;
    q->cb = cb;
    q->arg = arg;
    q->next = dns->asks;
    if (dns->asks)
        dns->asks->prev = q;
    dns->asks = q;
    dns->stats.queries_sent++;
    ares_query(dns->channel, name, C_IN, T_NS, on_zone_reply, q);
    timer_reschedule(dns);
    return q;
}

void mp_dns_ask_cancel(mp_dns_ask *q)
{
    if (!q)
        return;
    q->cb = NULL;
    if (q->replied)
        zone_ask_destroy(q);             /* only the delivery event was left */
}

bool mp_dns_server_csv(const char *server, char *out, size_t outlen)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port = NULL;
    size_t hostlen;
    if (!server || !out || outlen == 0)
        return false;
    if (server[0] == '[') {
        const char *close = strchr(server, ']');
        if (!close)
            return false;
        hostlen = (size_t)(close - server - 1);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            return false;
        server++;
    } else {
        const char *colon = strchr(server, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;                 /* two colons: a bare IPv6 address */
        hostlen = colon ? (size_t)(colon - server) : strlen(server);
        port = colon ? colon + 1 : NULL;
    }
    if (hostlen == 0 || hostlen >= sizeof host)
        return false;
    memcpy(host, server, hostlen);
    host[hostlen] = '\0';

    unsigned long portnum = 53;
    if (port) {
        char *end;
        if (*port < '0' || *port > '9')
            return false;
        portnum = strtoul(port, &end, 10);
        if (*end || portnum == 0 || portnum > 65535)
            return false;
    }
    unsigned char buf[16];
    int n;
    if (inet_pton(AF_INET, host, buf) == 1)
        n = snprintf(out, outlen, "%s:%lu", host, portnum);
    else if (inet_pton(AF_INET6, host, buf) == 1)
        n = snprintf(out, outlen, "[%s]:%lu", host, portnum);
    else
        return false;
    return n > 0 && (size_t)n < outlen;
}

mp_dns *mp_dns_new(struct event_base *base, const mp_dns_config *cfg, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    mp_dns *dns = calloc(1, sizeof *dns);
    if (!dns) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    dns->base = base;
    dns->targets = cfg ? cfg->targets : NULL;
    dns->cache_max = cfg && cfg->cache_max ? cfg->cache_max : DEFAULT_CACHE_MAX;
    size_t want = dns->cache_max < 512 ? 1024 : dns->cache_max * 2;
    if (want > (1u << 20))
        want = 1u << 20;
    dns->nbuckets = 1;
    while (dns->nbuckets < want)
        dns->nbuckets <<= 1;
    dns->rng = ((uint64_t)mp_now_monotonic_ms() << 20) ^ ((uint64_t)getpid() << 40) ^ (uintptr_t)dns;
    if (!dns->rng)
        dns->rng = 0x9e3779b97f4a7c15ull;

    dns->pending = calloc(dns->nbuckets, sizeof *dns->pending);
    dns->cache = calloc(dns->nbuckets, sizeof *dns->cache);
    dns->timer = evtimer_new(base, on_ares_timer, dns);
    if (!dns->pending || !dns->cache || !dns->timer) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    int status = ares_library_init(ARES_LIB_INIT_ALL);
    if (status != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(status));
        goto fail;
    }
    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    opts.sock_state_cb = on_sock_state;
    opts.sock_state_cb_data = dns;
    opts.timeout = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    opts.tries = cfg && cfg->tries > 0 ? cfg->tries : DEFAULT_TRIES;
    opts.flags = ARES_FLAG_NOSEARCH;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
    status = ares_init_options(&dns->channel, &opts, mask);
    if (status != ARES_SUCCESS) {
        ares_library_cleanup();
        snprintf(err, errlen, "c-ares: %s", ares_strerror(status));
        goto fail;
    }
    dns->channel_ok = true;

    if (cfg && cfg->server && cfg->server[0]) {
        char csv[INET6_ADDRSTRLEN + 16];
        if (!mp_dns_server_csv(cfg->server, csv, sizeof csv)) {
            snprintf(err, errlen, "bad DNS server '%s' (want IP[:PORT] or [IPv6]:PORT)", cfg->server);
            goto fail;
        }
        status = ares_set_servers_ports_csv(dns->channel, csv);
        if (status != ARES_SUCCESS) {
            snprintf(err, errlen, "DNS server '%s': %s", cfg->server, ares_strerror(status));
            goto fail;
        }
    }
    return dns;

fail:
    dns_destroy_now(dns);
    return NULL;
}

static void dns_destroy_now(mp_dns *dns)
{
    dns->destroying = true;
    if (dns->channel_ok) {
        /* c-ares calls every query callback with ARES_EDESTRUCTION; ours
         * ignore it because `destroying` is set. Sockets close through
         * on_sock_state. */
        ares_destroy(dns->channel);
        ares_library_cleanup();
        dns->channel_ok = false;
    }
    /* Every waiter hears "cancelled", exactly once. */
    while (dns->all_lookups) {
        lookup *lk = dns->all_lookups;
        mp_mx_answer *a = &lk->answer;
        memset(a, 0, sizeof *a);
        answer_fail(a, MP_DNS_ERROR, "cancelled");
        while (lk->waiters) {
            waiter *w = lk->waiters;
            lk->waiters = w->next;
            w->cb(a, w->arg);
            free(w);
        }
        lookup_destroy(dns, lk);
    }
    while (dns->asks)
        zone_ask_destroy(dns->asks);
    while (dns->watches) {
        sock_watch *w = dns->watches;
        dns->watches = w->next;
        event_free(w->ev);
        free(w);
    }
    while (dns->lru_head)
        cache_remove(dns, dns->lru_head);
    if (dns->timer)
        event_free(dns->timer);
    free(dns->pending);
    free(dns->cache);
    free(dns);
}

void mp_dns_free(mp_dns *dns)
{
    if (!dns || dns->destroying)
        return;
    if (dns->callback_depth > 0) {
        dns->free_requested = true;       /* finished after the callbacks return */
        return;
    }
    dns_destroy_now(dns);
}

void mp_dns_stats_get(const mp_dns *dns, mp_dns_stats *out)
{
    memset(out, 0, sizeof *out);
    if (dns)
        *out = dns->stats;
}
