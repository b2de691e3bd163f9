/* scheduler.c — batching, politeness, MX failover, catch-all and retries.
 * See scheduler.h for the model and docs/design.md for the reasoning. */
#include "scheduler.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "dns.h"
#include "dns_trust.h"
#include "hash.h"
#include "lru.h"
#include "politeness.h"
#include "provider.h"
#include "smtp_session.h"

enum {
    MAX_ATTEMPTS = 3,            /* RCPTs sent for one address without an answer */
    ZERO_PROGRESS_MAX = 3,       /* sessions in a row answering nothing → next MX */
    CATCH_ALL_ATTEMPTS = 2,
    HOST_WAIT_MS = 200,          /* re-check a busy host this often */
    DNS_LOOKUPS_MAX = 128,       /* domains resolving at once: a local resolver answers a
                                    burst faster than we read, and answers beyond the UDP
                                    receive buffer (208 KiB by default) are lost */
    GREYLIST_DEFAULT_RETRY_S = 300, /* postgrey's default delay */
};

typedef struct mp_sched_domain mp_domain;
typedef struct mp_host mp_host;

typedef enum mp_catch_all_state {
    MP_CATCH_ALL_UNKNOWN = 0,  /* not tested yet */
    MP_CATCH_ALL_TESTING,      /* the random RCPT is out */
    MP_CATCH_ALL_YES,
    MP_CATCH_ALL_NO,
    MP_CATCH_ALL_INCONCLUSIVE, /* tested, no verdict (452, 4xx, blocked, failures) */
} mp_catch_all_state;

/* Where a domain's DNS answer stands. A denial (NXDOMAIN, no mail host,
 * null MX) waits in JUDGING while the resolver's honesty is being checked
 * (dns_trust.h), then the domain is FAILED. */
typedef enum mp_dns_state {
    MP_DOMAIN_NEW = 0,
    MP_DOMAIN_RESOLVING,
    MP_DOMAIN_READY,
    MP_DOMAIN_JUDGING,
    MP_DOMAIN_FAILED,
} mp_dns_state;

typedef struct mp_endpoint {
    struct sockaddr_storage addr;
    unsigned char mx_index;    /* its host name: the domain's mx[mx_index] */
    bool dead;                 /* failed in this run: skip */
} mp_endpoint;

enum { MP_ENDPOINTS_MAX = 32 };

/* What the domain's last failed endpoint said (kept only after a failure,
 * for the probes the domain then fails). */
typedef struct mp_domain_failure {
    bool has_reply;
    mp_smtp_reply reply;
    char host[MP_HOST_MAX + 1];
} mp_domain_failure;

/* One domain: its DNS answer, its MX endpoints in the order to try them,
 * its queue of probes and its catch-all question. Small when nothing is
 * going on (a few hundred octets plus its MX hosts): up to --max-domains
 * of them are remembered. */
struct mp_sched_domain {
    mp_scheduler *sched;          /* back pointer for timers */
    mp_domain *hash_next;
    mp_lru_link idle;             /* in sched->idle_domains while it holds no probe */
    mp_dns_state dns_state;
    int64_t resolved_at_ms;       /* monotonic (clock.h) */
    uint32_t ttl;
    mp_dns_result dns_result;
    bool mx_implicit;
    size_t mx_count;
    mp_probe_mx *mx;              /* mx_count hosts, NULL when none */
    size_t nendpoints, current;   /* endpoints in the order to try them */
    mp_endpoint *endpoints;
    const mp_provider *provider;
    int zero_progress;            /* consecutive sessions on `current` that answered nothing */
    mp_session_end last_failure;  /* why the last endpoint failed */
    mp_domain_failure *failure;   /* NULL until an endpoint failed */
    mp_probe_list queue;
    mp_probe_list parked;
    size_t in_session;            /* probes whose rcpt a session holds */
    size_t greylist_waiting;      /* probes waiting out --greylist-wait: they hold
                                     the domain as much as queued ones do */
    int sessions;                 /* active sessions */
    mp_catch_all_state catch_all;
    int catch_all_attempts;
    mp_rcpt *catch_all_rcpt;      /* the random recipient while its test is out */
    struct event *pump_timer;     /* retry when a host limit said "later"; made on first need */
    bool dns_pending;             /* a lookup is running or waiting for its turn */
    mp_domain *dns_wait_next;     /* in sched->dns_wait while waiting for its turn */
    bool mail_seen;               /* a mail server answered for it (this run or the memory) */
    mp_dns_doubt doubt;           /* why its denial is not believed; NONE = believed */
    mp_domain *judging_next;      /* in the scheduler's list while JUDGING */
    char name[];                  /* A-label form */
};

/* One MX address ("address:port") and its politeness budget. */
struct mp_host {
    mp_host *hash_next;
    mp_lru_link idle;             /* in sched->idle_hosts while no session uses it */
    int active;                   /* sessions open now */
    double tokens;                /* rate limiter bucket */
    int64_t refilled_ms;          /* last refill, monotonic */
    char key[64];                 /* "address:port" */
};

/* A running session and what the scheduler knows about it. */
typedef struct mp_sched_session {
    mp_scheduler *sched;
    mp_smtp_session *session;
    mp_domain *domain;
    mp_host *host;
    size_t endpoint;
    bool established;             /* reached MAIL (asked for recipients) */
    bool progress;                /* got at least one RCPT answer */
    bool closed;
    struct mp_sched_session *next;
} mp_sched_session;

enum { MP_BUCKETS_MIN = 1024, MP_BUCKETS_MAX = 1 << 20 };

/* A hash table's buckets: a power of two for `cap` records. */
typedef struct mp_buckets {
    void **heads;
    size_t mask;
} mp_buckets;

struct mp_scheduler {
    struct event_base *base;
    mp_prober_config cfg;
    mp_session_config session_cfg;    /* points into cfg */
    char helo[MP_HOST_MAX + 1];
    char from[MP_HOST_MAX + 16];      /* "" = null reverse-path */
    mp_sched_hooks hooks;
    void *owner;
    mp_dns *dns;
    bool shutting_down;
    struct event *reap_ev;
    mp_buckets domains, hosts;        /* hash tables of mp_domain / mp_host */
    size_t ndomains, nhosts;
    mp_lru idle_domains, idle_hosts;  /* the forgettable ones, idle the longest first */
    struct event *idle_sweep;         /* forgets domains idle for domain_idle_ms */
    uint64_t domains_evicted, hosts_evicted;
    size_t resolving;                 /* domain lookups running (<= DNS_LOOKUPS_MAX) */
    mp_domain *dns_wait, *dns_wait_tail; /* domains waiting to be resolved, FIFO */
    mp_sched_session *sessions;
    mp_session_counters counters;
    uint64_t catch_all_tests, greylist_retries;
    uint64_t rng;                     /* for catch-all local parts (seeded from the OS) */
    mp_catch_all_memory memory;       /* all NULL: every domain is tested */
    mp_politeness_limits local_limits; /* --per-host-connections, --per-host-rate */
    mp_politeness politeness;         /* who sets each MX address's budget */
    mp_dns_trust *trust;              /* is the resolver honest? */
    mp_domain *judging;               /* domains whose denial waits for `trust` */
};

static void domain_pump(mp_scheduler *sc, mp_domain *d);

/* The single way a probe leaves the scheduler with an answer. */
static void finish_probe(mp_scheduler *sc, mp_probe *probe, const mp_evidence *ev, int retry_after)
{
    sc->hooks.finish(sc->owner, probe, ev, retry_after);
}

static bool buckets_init(mp_buckets *b, size_t cap)
{
    size_t n = MP_BUCKETS_MIN;
    while (n < cap && n < MP_BUCKETS_MAX)
        n *= 2;
    b->heads = calloc(n, sizeof *b->heads);
    b->mask = n - 1;
    return b->heads != NULL;
}

static void domain_free(mp_domain *d)
{
    if (d->pump_timer)
        event_free(d->pump_timer);
    free(d->mx);
    free(d->endpoints);
    free(d->failure);
    free(d->catch_all_rcpt);
    free(d);
}

/* Forgets a domain that holds no probe: its DNS answer, catch-all verdict
 * and failover state go with it. */
static void domain_forget(mp_scheduler *sc, mp_domain *d)
{
    void **pp = &sc->domains.heads[mp_fnv1a32_str(d->name) & sc->domains.mask];
    for (mp_domain **dp = (mp_domain **)pp; *dp; dp = &(*dp)->hash_next)
        if (*dp == d) {
            *dp = d->hash_next;
            break;
        }
    mp_lru_leave(&sc->idle_domains, &d->idle);
    sc->ndomains--;
    domain_free(d);
}

static mp_domain *oldest_idle_domain(const mp_scheduler *sc)
{
    mp_lru_link *l = mp_lru_oldest(&sc->idle_domains);
    return l ? mp_lru_container(l, mp_domain, idle) : NULL;
}

/* Finds or creates the domain `name`. At --max-domains, the domain idle
 * the longest makes room; domains with probes are never forgotten, so the
 * table may exceed the cap by the domains in use (at most --concurrency). */
static mp_domain *domain_get(mp_scheduler *sc, const char *name)
{
    void **bucket = &sc->domains.heads[mp_fnv1a32_str(name) & sc->domains.mask];
    for (mp_domain *d = *bucket; d; d = d->hash_next)
        if (!strcmp(d->name, name))
            return d;
    mp_domain *old;
    while (sc->ndomains >= (size_t)sc->cfg.max_domains && (old = oldest_idle_domain(sc))) {
        domain_forget(sc, old);
        sc->domains_evicted++;
    }
    size_t len = strlen(name);
    mp_domain *d = calloc(1, sizeof *d + len + 1);
    if (!d)
        return NULL;
    memcpy(d->name, name, len + 1);
    d->sched = sc;
    if (sc->memory.recall) {
        /* A remembered verdict means a mail server answered for the domain:
         * a later denial from DNS is not believed. */
        mp_tristate known = sc->memory.recall(d->name, sc->memory.arg);
        d->mail_seen = known == MP_YES || known == MP_NO;
        if (d->mail_seen && sc->cfg.catch_all)
            d->catch_all = known == MP_YES ? MP_CATCH_ALL_YES : MP_CATCH_ALL_NO;
    }
    d->hash_next = *bucket;
    *bucket = d;
    sc->ndomains++;
    return d;
}

/* Forgets domains idle for domain_idle_ms, oldest first, and waits for the
 * next one to be due. */
static void on_idle_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_scheduler *sc = arg;
    int64_t now = mp_now_monotonic_ms();
    mp_domain *d;
    while ((d = oldest_idle_domain(sc)) && now - d->idle.since_ms >= sc->cfg.domain_idle_ms)
        domain_forget(sc, d);
    if (d) {
        struct timeval tv = mp_timeval_ms(d->idle.since_ms + sc->cfg.domain_idle_ms - now);
        evtimer_add(sc->idle_sweep, &tv);
    }
}

/* The domain holds no probe now: forgettable, idle since now (unless it
 * already was). */
static void domain_idle_enter(mp_scheduler *sc, mp_domain *d)
{
    mp_lru_enter(&sc->idle_domains, &d->idle, mp_now_monotonic_ms());
    if (!evtimer_pending(sc->idle_sweep, NULL)) {
        struct timeval tv = mp_timeval_ms(sc->cfg.domain_idle_ms);
        evtimer_add(sc->idle_sweep, &tv);
    }
}

static void host_forget(mp_scheduler *sc, mp_host *h)
{
    void **pp = &sc->hosts.heads[mp_fnv1a32_str(h->key) & sc->hosts.mask];
    for (mp_host **hp = (mp_host **)pp; *hp; hp = &(*hp)->hash_next)
        if (*hp == h) {
            *hp = h->hash_next;
            break;
        }
    mp_lru_leave(&sc->idle_hosts, &h->idle);
    sc->nhosts--;
    free(h);
}

/* Finds or creates the politeness record of an MX address. At --max-hosts,
 * the host idle the longest makes room (one with sessions never does):
 * a host idle for a second has a full token bucket again, which is all a
 * new record starts with, so forgetting it loses nothing. */
static mp_host *host_get(mp_scheduler *sc, const mp_endpoint *ep, int port)
{
    char ip[INET6_ADDRSTRLEN], key[64];
    mp_address_text(&ep->addr, ip, sizeof ip);
    snprintf(key, sizeof key, "%s:%d", ip, port);
    void **bucket = &sc->hosts.heads[mp_fnv1a32_str(key) & sc->hosts.mask];
    for (mp_host *h = *bucket; h; h = h->hash_next)
        if (!strcmp(h->key, key))
            return h;
    mp_lru_link *old;
    while (sc->nhosts >= (size_t)sc->cfg.max_hosts && (old = mp_lru_oldest(&sc->idle_hosts))) {
        host_forget(sc, mp_lru_container(old, mp_host, idle));
        sc->hosts_evicted++;
    }
    mp_host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    snprintf(h->key, sizeof h->key, "%s", key);
    /* A full bucket at first: up to per_host_connections sessions at once. */
    h->tokens = sc->cfg.per_host_connections;
    h->refilled_ms = mp_now_monotonic_ms();
    h->hash_next = *bucket;
    *bucket = h;
    sc->nhosts++;
    mp_lru_enter(&sc->idle_hosts, &h->idle, h->refilled_ms);
    return h;
}

/* May another session to `h` start now? Asks the politeness hook for the
 * host's budget. Returns 0 when it may (a token is taken), else the
 * milliseconds after which to ask again. */
static int host_admit(mp_scheduler *sc, mp_host *h)
{
    mp_host_budget b = {0};
    sc->politeness.budget(h->key, h->active, &b, sc->politeness.arg);
    int recheck = b.recheck_ms > 0 ? b.recheck_ms : HOST_WAIT_MS;
    if (b.sessions <= 0 || h->active >= b.sessions)
        return recheck;
    return mp_token_bucket_take(&h->tokens, &h->refilled_ms, b.rate, b.sessions, mp_now_monotonic_ms());
}

/* ---- evidence and finishing -------------------------------------------- */

static void domain_evidence(const mp_scheduler *sc, const mp_domain *d, mp_evidence *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->dns = d->dns_state == MP_DOMAIN_NEW || d->dns_state == MP_DOMAIN_RESOLVING ? MP_DNS_ERROR : d->dns_result;
    ev->smtp = MP_SMTP_NOT_CHECKED;
    ev->smtp_reason = MP_REASON_NOT_CHECKED;
    ev->catch_all = MP_UNKNOWN;
    ev->accept_all_provider = d->provider && d->provider->accepts_all;
    ev->dns_untrusted = d->doubt != MP_DOUBT_NONE;
    (void)sc;
}

static mp_tristate catch_all_tristate(const mp_domain *d)
{
    if (d->catch_all == MP_CATCH_ALL_YES)
        return MP_YES;
    if (d->catch_all == MP_CATCH_ALL_NO)
        return MP_NO;
    return MP_UNKNOWN;
}

/* The reason a refusal that closed the session gives: the greeting, EHLO or
 * MAIL refused, or a 421 (RFC 5321 §3.8) at any point. It never says
 * anything about a mailbox. */
static mp_reason reason_for_refusal(const mp_smtp_reply *reply)
{
    mp_smtp_result r;
    mp_reason why = mp_smtp_classify(reply->code, reply->enhanced, reply->text, &r);
    if (why == MP_REASON_MAILBOX_NOT_FOUND || why == MP_REASON_MAILBOX_DISABLED ||
        why == MP_REASON_MAILBOX_FULL || why == MP_REASON_ACCEPTED)
        return reply->code >= 500 ? MP_REASON_BLOCKED : MP_REASON_TEMPORARY_FAILURE;
    return why;
}

/* The reason for a session failure that left an address without answer. */
static mp_reason reason_for_end(mp_session_end end, const mp_smtp_reply *reply)
{
    switch (end) {
    case MP_SESSION_END_TIMEOUT: return MP_REASON_TIMEOUT;
    case MP_SESSION_END_PROTOCOL: return MP_REASON_PROTOCOL_ERROR;
    case MP_SESSION_END_REFUSED:
        return reply ? reason_for_refusal(reply) : MP_REASON_BLOCKED;
    case MP_SESSION_END_DROPPED:
        /* A 421 says why it closes ("421 4.7.0 [TSS04] ... deferred"); a
         * connection that just went says nothing. */
        return reply && reply->code ? reason_for_refusal(reply) : MP_REASON_CONNECTION_FAILED;
    case MP_SESSION_END_CONNECT:
    case MP_SESSION_END_TLS:
    case MP_SESSION_END_CANCELLED:
    case MP_SESSION_END_OK:
    case MP_SESSION_END_COUNT:
        break;
    }
    return MP_REASON_CONNECTION_FAILED;
}

static int retry_after_for(const mp_scheduler *sc, mp_reason why)
{
    switch (why) {
    case MP_REASON_GREYLISTED:
        return sc->cfg.greylist_wait_s > 0 ? sc->cfg.greylist_wait_s : GREYLIST_DEFAULT_RETRY_S;
    case MP_REASON_TEMPORARY_FAILURE:
    case MP_REASON_TIMEOUT:
    case MP_REASON_CONNECTION_FAILED:
        return GREYLIST_DEFAULT_RETRY_S;
    default:
        return -1;
    }
}

static void finish_failure(mp_scheduler *sc, mp_probe *probe, mp_reason why)
{
    mp_evidence ev;
    domain_evidence(sc, probe->domain, &ev);
    ev.smtp = MP_SMTP_UNAVAILABLE;
    ev.smtp_reason = why;
    ev.catch_all = catch_all_tristate(probe->domain);
    finish_probe(sc, probe, &ev, retry_after_for(sc, why));
}

/* Finishes a probe from its own reply. */
static void finish_with_reply(mp_scheduler *sc, mp_probe *probe)
{
    mp_evidence ev;
    domain_evidence(sc, probe->domain, &ev);
    ev.smtp_reason = mp_smtp_classify(probe->reply.code, probe->reply.enhanced, probe->reply.text, &ev.smtp);
    ev.catch_all = catch_all_tristate(probe->domain);
    finish_probe(sc, probe, &ev, retry_after_for(sc, ev.smtp_reason));
}

/* The catch-all question is settled: finish every parked probe. */
static void release_parked(mp_scheduler *sc, mp_domain *d)
{
    mp_probe *probe;
    while ((probe = mp_probe_list_pop(&d->parked)))
        finish_with_reply(sc, probe);
}

/* Every queued probe of the domain fails the same way (no MX host left,
 * DNS said no). */
static void fail_queue(mp_scheduler *sc, mp_domain *d, mp_reason why)
{
    mp_probe *probe;
    while ((probe = mp_probe_list_pop(&d->queue))) {
        if (d->failure && d->failure->has_reply) {
            probe->has_reply = true;
            probe->reply = d->failure->reply;
        }
        if (d->failure && d->failure->host[0])
            snprintf(probe->reply_host, sizeof probe->reply_host, "%s", d->failure->host);
        finish_failure(sc, probe, why);
    }
    if (d->parked.count) {
        if (d->catch_all == MP_CATCH_ALL_UNKNOWN || d->catch_all == MP_CATCH_ALL_TESTING)
            d->catch_all = MP_CATCH_ALL_INCONCLUSIVE;
        release_parked(sc, d);
    }
}

static void snapshot_transcript(mp_probe *probe, mp_smtp_session *s)
{
    const char *const *lines = NULL;
    size_t n = mp_smtp_session_transcript(s, &lines);
    for (size_t i = 0; i < probe->transcript_count; i++)
        free(probe->transcript[i]);
    free(probe->transcript);
    probe->transcript = NULL;
    probe->transcript_count = 0;
    if (!n || !(probe->transcript = calloc(n, sizeof *probe->transcript)))
        return;
    for (size_t i = 0; i < n; i++)
        if ((probe->transcript[probe->transcript_count] = strdup(lines[i])))
            probe->transcript_count++;
}

/* ---- session callbacks --------------------------------------------------- */

static void random_local_part(mp_scheduler *sc, char *out, size_t cap)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    /* xorshift64*: unguessable enough for a per-run catch-all test, seeded
     * from the OS in prober.c. */
    size_t n = 0;
    const char prefix[] = "mp-";
    for (; n < sizeof prefix - 1 && n + 1 < cap; n++)
        out[n] = prefix[n];
    for (int i = 0; i < 20 && n + 1 < cap; i++) {
        sc->rng ^= sc->rng >> 12;
        sc->rng ^= sc->rng << 25;
        sc->rng ^= sc->rng >> 27;
        uint64_t r = sc->rng * 2685821657736338717ull;
        out[n++] = alphabet[(r >> 33) % (sizeof alphabet - 1)];
    }
    out[n] = '\0';
}

static mp_rcpt *on_take(void *owner, mp_smtp_session *s, mp_take_phase phase)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_scheduler *sc = ss->sched;
    ss->established = true;
    if (phase == MP_TAKE_REAL) {
        mp_probe *probe;
        while ((probe = mp_probe_list_pop(&d->queue))) {
            if (probe->rcpt.smtputf8 && !mp_smtp_session_caps(s)->smtputf8) {
                /* RFC 6531: a UTF-8 local part needs SMTPUTF8 from the server. */
                mp_evidence ev;
                domain_evidence(sc, d, &ev);
                ev.smtp = MP_SMTP_UNAVAILABLE;
                ev.smtp_reason = MP_REASON_SMTPUTF8_UNSUPPORTED;
                snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
                if (sc->cfg.transcript)
                    snapshot_transcript(probe, s);
                finish_probe(sc, probe, &ev, -1);
                continue;
            }
            probe->where = MP_PROBE_IN_SESSION;
            d->in_session++;
            return &probe->rcpt;
        }
        return NULL;
    }
    /* MP_TAKE_FINAL: the catch-all test, once per domain, after the real
     * recipients and only when some were accepted (else it proves nothing
     * new: a 5.1.1 already showed the domain rejects unknown users). */
    if (sc->cfg.catch_all && d->catch_all == MP_CATCH_ALL_UNKNOWN && d->parked.count) {
        mp_rcpt *r = calloc(1, sizeof *r);
        if (!r)
            return NULL;
        d->catch_all = MP_CATCH_ALL_TESTING;
        char local[32];
        random_local_part(sc, local, sizeof local);
        snprintf(r->address, sizeof r->address, "%s@%s", local, d->name);
        r->catch_all_test = true;
        r->owner_data = d;
        d->catch_all_rcpt = r;
        sc->catch_all_tests++;
        return r;
    }
    return NULL;
}

static void on_greylist_retry(evutil_socket_t fd, short what, void *arg);

/* The session handed the probe's rcpt back: the domain holds the probe
 * again, in no list until it is queued, parked, put to wait or finished.
 * (Still IN_SESSION, finishing it would wait for a release that never
 * comes: the probe would stay in memory for the prober's lifetime.) */
static void back_from_session(mp_probe *probe)
{
    probe->where = MP_PROBE_DOMAIN_QUEUE;
}

/* The session is done with the catch-all recipient (answered or given back). */
static void catch_all_rcpt_done(mp_domain *d)
{
    free(d->catch_all_rcpt);
    d->catch_all_rcpt = NULL;
}

/* A verdict established in this run (not recalled): keep it, and tell the
 * prober's memory. */
static void learn_catch_all(mp_scheduler *sc, mp_domain *d, bool catch_all)
{
    d->catch_all = catch_all ? MP_CATCH_ALL_YES : MP_CATCH_ALL_NO;
    d->mail_seen = true;
    if (sc->memory.learn)
        sc->memory.learn(d->name, catch_all, sc->memory.arg);
}

static void on_rcpt_reply(void *owner, mp_smtp_session *s, mp_rcpt *r, const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_scheduler *sc = ss->sched;
    ss->progress = true;
    mp_smtp_result res;
    mp_reason why = mp_smtp_classify(reply->code, reply->enhanced, reply->text, &res);

    if (r->catch_all_test) {
        catch_all_rcpt_done(d);
        if (res == MP_SMTP_ACCEPTED)
            learn_catch_all(sc, d, true);
        else if (reply->code >= 500 && why != MP_REASON_BLOCKED)
            learn_catch_all(sc, d, false);
        else
            d->catch_all = MP_CATCH_ALL_INCONCLUSIVE;
        /* Their transcripts should show the test that decided them. */
        if (sc->cfg.transcript)
            for (mp_probe *q = d->parked.head; q; q = q->next)
                snapshot_transcript(q, s);
        release_parked(sc, d);
        return;
    }

    mp_probe *probe = r->owner_data;
    d->in_session--;
    if (res == MP_SMTP_ACCEPTED)
        d->mail_seen = true;
    probe->has_reply = true;
    probe->reply = *reply;
    snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
    if (sc->cfg.transcript)
        snapshot_transcript(probe, s);
    if (probe->in_session_finished) { /* timed out or cancelled meanwhile */
        probe->where = MP_PROBE_FINISHED;
        sc->hooks.release(sc->owner, probe);
        return;
    }
    back_from_session(probe);
    if (why == MP_REASON_MAILBOX_NOT_FOUND && d->catch_all == MP_CATCH_ALL_UNKNOWN) {
        /* The domain rejects an unknown user: it is not a catch-all. */
        learn_catch_all(sc, d, false);
        release_parked(sc, d);
    }
    if (res == MP_SMTP_ACCEPTED && sc->cfg.catch_all &&
        (d->catch_all == MP_CATCH_ALL_UNKNOWN || d->catch_all == MP_CATCH_ALL_TESTING)) {
        probe->where = MP_PROBE_PARKED;
        mp_probe_list_push(&d->parked, probe);
        return;
    }
    if (why == MP_REASON_GREYLISTED && sc->cfg.greylist_wait_s > 0 && probe->greylist_retries == 0) {
        /* Same sender, same recipient, same client after the wait: the
         * greylisting triplet is then known (postgrey, RFC 6647 §2.1). */
        probe->retry_timer = evtimer_new(sc->base, on_greylist_retry, probe);
        if (probe->retry_timer) {
            struct timeval tv = {sc->cfg.greylist_wait_s, 0};
            probe->greylist_retries++;
            probe->where = MP_PROBE_GREYLIST_WAIT;
            d->greylist_waiting++;
            sc->greylist_retries++;
            /* The wait does not count against the address's time budget. */
            if (probe->deadline && evtimer_pending(probe->deadline, NULL)) {
                int64_t left = probe->deadline_at_ms - mp_now_monotonic_ms();
                mp_probe_arm_deadline(probe, (left > 0 ? left : 0) + (int64_t)sc->cfg.greylist_wait_s * 1000);
            }
            evtimer_add(probe->retry_timer, &tv);
            return;
        }
    }
    finish_with_reply(sc, probe);
}

static void on_greylist_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_probe *probe = arg;
    mp_domain *d = probe->domain;
    event_free(probe->retry_timer);
    probe->retry_timer = NULL;
    d->greylist_waiting--;
    probe->has_reply = false;
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push(&d->queue, probe);
    domain_pump(d->sched, d);
}

static void on_give_back(void *owner, mp_smtp_session *s, mp_rcpt *r, bool sent, mp_session_end end,
                         const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_scheduler *sc = ss->sched;
    if (r->catch_all_test) {
        catch_all_rcpt_done(d);
        if (sent)
            d->catch_all_attempts++;
        d->catch_all = d->catch_all_attempts >= CATCH_ALL_ATTEMPTS ? MP_CATCH_ALL_INCONCLUSIVE : MP_CATCH_ALL_UNKNOWN;
        if (d->catch_all == MP_CATCH_ALL_INCONCLUSIVE)
            release_parked(sc, d);
        return;
    }
    mp_probe *probe = r->owner_data;
    d->in_session--;
    if (sc->cfg.transcript)
        snapshot_transcript(probe, s);
    if (probe->in_session_finished) {
        probe->where = MP_PROBE_FINISHED;
        sc->hooks.release(sc->owner, probe);
        return;
    }
    back_from_session(probe);
    if (sent && ++probe->attempts >= MAX_ATTEMPTS) {
        if (reply) {
            probe->has_reply = true;
            probe->reply = *reply;
            snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
        }
        finish_failure(sc, probe, reason_for_end(end, reply));
        return;
    }
    /* Back to the front: keep input order and let the next session try. */
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push_front(&d->queue, probe);
}

static void advance_endpoint(mp_scheduler *sc, mp_domain *d, mp_session_end end, const mp_smtp_reply *reply,
                             const char *host)
{
    d->endpoints[d->current].dead = true;
    d->last_failure = end;
    if (!d->failure)
        d->failure = malloc(sizeof *d->failure); /* out of memory: the reason alone */
    if (d->failure) {
        d->failure->has_reply = reply != NULL;
        if (reply)
            d->failure->reply = *reply;
        snprintf(d->failure->host, sizeof d->failure->host, "%s", host);
    }
    d->zero_progress = 0;
    while (d->current < d->nendpoints && d->endpoints[d->current].dead)
        d->current++;
    (void)sc;
}

static void on_closed(void *owner, mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_scheduler *sc = ss->sched;
    ss->closed = true;
    if (--ss->host->active == 0)
        mp_lru_enter(&sc->idle_hosts, &ss->host->idle, mp_now_monotonic_ms());
    if (sc->politeness.closed)
        sc->politeness.closed(ss->host->key, sc->politeness.arg);
    d->sessions--;
    bool failed = end != MP_SESSION_END_OK && end != MP_SESSION_END_CANCELLED;
    if (failed && ss->endpoint == d->current && d->current < d->nendpoints) {
        if (!ss->established || end == MP_SESSION_END_REFUSED) {
            /* This host does not talk to us: the next MX (RFC 5321 §5.1). */
            advance_endpoint(sc, d, end, reply, mp_smtp_session_host(s));
        } else if (!ss->progress && ++d->zero_progress >= ZERO_PROGRESS_MAX) {
            advance_endpoint(sc, d, end, reply, mp_smtp_session_host(s));
        } else {
            d->last_failure = end;
        }
    }
    if (!failed || ss->progress)
        d->zero_progress = 0;
    event_active(sc->reap_ev, EV_TIMEOUT, 0);
    domain_pump(sc, d);
}

static const mp_session_ops session_ops = {
    .take = on_take,
    .rcpt_reply = on_rcpt_reply,
    .give_back = on_give_back,
    .closed = on_closed,
};

/* ---- pumping ------------------------------------------------------------- */

static bool wants_session(const mp_scheduler *sc, const mp_domain *d)
{
    if (d->queue.count == 0)
        return sc->cfg.catch_all && d->catch_all == MP_CATCH_ALL_UNKNOWN && d->parked.count && d->sessions == 0;
    size_t per = (size_t)sc->cfg.max_rcpt_per_session;
    size_t want = (d->queue.count + per - 1) / per;
    return (size_t)d->sessions < want;
}

static bool domain_idle(const mp_domain *d)
{
    return !d->queue.count && !d->parked.count && !d->in_session && !d->greylist_waiting && !d->sessions &&
           !d->dns_pending && d->dns_state != MP_DOMAIN_JUDGING;
}

static void on_domain_pump_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_domain *d = arg;
    domain_pump(d->sched, d);
}

/* Pumps the domain again `ms` from now, from the loop (unless a pump is
 * due already). */
static void schedule_pump(mp_domain *d, int ms)
{
    if (!d->pump_timer && !(d->pump_timer = evtimer_new(d->sched->base, on_domain_pump_timer, d)))
        return; /* out of memory: the next probe or session pumps it */
    struct timeval tv = mp_timeval_ms(ms);
    if (!evtimer_pending(d->pump_timer, NULL))
        evtimer_add(d->pump_timer, &tv);
}

static void domain_pump(mp_scheduler *sc, mp_domain *d)
{
    if (sc->shutting_down)
        return;
    if (d->dns_state == MP_DOMAIN_READY) {
        while (wants_session(sc, d)) {
            while (d->current < d->nendpoints && d->endpoints[d->current].dead)
                d->current++;
            if (d->current >= d->nendpoints) {
                fail_queue(sc, d, reason_for_end(d->last_failure, d->failure && d->failure->has_reply ? &d->failure->reply
                                                                                                  : NULL));
                break;
            }
            mp_endpoint *ep = &d->endpoints[d->current];
            mp_host *h = host_get(sc, ep, sc->cfg.smtp_port);
            if (!h)
                break;
            int wait = host_admit(sc, h);
            if (wait) {
                schedule_pump(d, wait);
                break;
            }
            mp_sched_session *ss = calloc(1, sizeof *ss);
            if (!ss)
                break;
            ss->sched = sc;
            ss->domain = d;
            ss->host = h;
            ss->endpoint = d->current;
            mp_session_params params = {
                .cfg = &sc->session_cfg,
                .helo = sc->helo,
                .from = sc->from,
                .host = d->mx[ep->mx_index].host,
                .addr = ep->addr,
                .port = sc->cfg.smtp_port,
                .counters = &sc->counters,
            };
            ss->session = mp_smtp_session_start(sc->base, &params, &session_ops, ss);
            if (!ss->session) {
                free(ss);
                schedule_pump(d, 1000);
                break;
            }
            if (h->active++ == 0)
                mp_lru_leave(&sc->idle_hosts, &h->idle);
            d->sessions++;
            if (sc->politeness.opened)
                sc->politeness.opened(h->key, sc->politeness.arg);
            ss->next = sc->sessions;
            sc->sessions = ss;
        }
    }
    if (domain_idle(d))
        domain_idle_enter(sc, d);
    else
        mp_lru_leave(&sc->idle_domains, &d->idle);
}

/* ---- DNS ----------------------------------------------------------------- */

static bool is_denial(mp_dns_result r)
{
    return r == MP_DNS_NXDOMAIN || r == MP_DNS_NULL_MX || r == MP_DNS_NO_MAIL_HOST;
}

/* The domain's DNS answer failed it: finish every queued probe with it --
 * unless it is a denial whose judgement waits for the resolver's canaries
 * (then the domain is JUDGING until mp_dns_trust says more). */
static void domain_conclude_failure(mp_scheduler *sc, mp_domain *d)
{
    d->doubt = MP_DOUBT_NONE;
    if (is_denial(d->dns_result)) {
        if (d->mail_seen)
            d->doubt = MP_DOUBT_KNOWN_MAIL_DOMAIN;
        else if (mp_dns_trust_judge(sc->trust, d->name, &d->doubt) == MP_DENIAL_PENDING) {
            if (d->dns_state != MP_DOMAIN_JUDGING) {
                d->dns_state = MP_DOMAIN_JUDGING;
                d->judging_next = sc->judging;
                sc->judging = d;
            }
            return;
        }
    }
    d->dns_state = MP_DOMAIN_FAILED;
    mp_probe *probe;
    while ((probe = mp_probe_list_pop(&d->queue))) {
        mp_evidence ev;
        domain_evidence(sc, d, &ev);
        finish_probe(sc, probe, &ev, d->dns_result == MP_DNS_ERROR || d->doubt != MP_DOUBT_NONE ? 60 : -1);
    }
}

/* mp_dns_trust's `changed`: the domains waiting for a judgement ask again. */
static void on_trust_changed(void *arg)
{
    mp_scheduler *sc = arg;
    if (sc->shutting_down)
        return;
    mp_domain *list = sc->judging;
    sc->judging = NULL;
    while (list) {
        mp_domain *d = list;
        list = d->judging_next;
        d->judging_next = NULL;
        d->dns_state = MP_DOMAIN_FAILED;   /* back on the list below if still pending */
        domain_conclude_failure(sc, d);
        domain_pump(sc, d);
    }
    if (sc->hooks.resolver_changed)
        sc->hooks.resolver_changed(sc->owner);
}

static void on_mail_hosts(const mp_mx_answer *a, void *arg);

/* Resolves the domain's mail hosts now, or when a lookup slot is free. */
static void domain_resolve(mp_scheduler *sc, mp_domain *d)
{
    d->dns_pending = true;
    if (sc->resolving >= DNS_LOOKUPS_MAX) {
        d->dns_wait_next = NULL;
        if (sc->dns_wait_tail)
            sc->dns_wait_tail->dns_wait_next = d;
        else
            sc->dns_wait = d;
        sc->dns_wait_tail = d;
        return;
    }
    sc->resolving++;
    mp_dns_resolve_mail_hosts(sc->dns, d->name, on_mail_hosts, d);
}

/* A lookup ended: the next domain waiting for one gets its turn. */
static void dns_slot_free(mp_scheduler *sc)
{
    sc->resolving--;
    mp_domain *next = sc->dns_wait;
    if (!next)
        return;
    sc->dns_wait = next->dns_wait_next;
    if (!sc->dns_wait)
        sc->dns_wait_tail = NULL;
    domain_resolve(sc, next);
}

static void on_mail_hosts(const mp_mx_answer *a, void *arg)
{
    mp_domain *d = arg;
    mp_scheduler *sc = d->sched;
    if (sc->shutting_down)
        return;
    dns_slot_free(sc);
    d->dns_pending = false;
    d->resolved_at_ms = mp_now_monotonic_ms();
    d->ttl = a->ttl ? a->ttl : 300;
    d->dns_result = a->result;
    d->mx_implicit = a->implicit_mx;
    d->mx_count = 0;
    d->nendpoints = d->current = 0;
    d->zero_progress = 0;
    free(d->endpoints);
    d->endpoints = NULL;
    free(d->mx);
    size_t nhosts = a->nhosts < MP_PROBE_MX_MAX ? a->nhosts : MP_PROBE_MX_MAX;
    d->mx = nhosts ? calloc(nhosts, sizeof *d->mx) : NULL;
    for (size_t i = 0; i < nhosts && d->mx; i++) {
        snprintf(d->mx[i].host, sizeof d->mx[i].host, "%s", a->hosts[i].name);
        d->mx[i].preference = a->implicit_mx ? 0 : a->hosts[i].preference;
        d->mx_count++;
    }
    d->provider = a->nhosts ? mp_provider_from_mx(a->hosts[0].name, strlen(a->hosts[0].name)) : NULL;
    if (a->result == MP_DNS_OK) {
        size_t n = 0;
        for (size_t i = 0; i < d->mx_count; i++)
            n += a->hosts[i].naddrs;
        if (n > MP_ENDPOINTS_MAX)
            n = MP_ENDPOINTS_MAX;
        d->endpoints = n ? calloc(n, sizeof *d->endpoints) : NULL;
        for (size_t i = 0; i < d->mx_count && d->endpoints; i++)
            for (size_t j = 0; j < a->hosts[i].naddrs && d->nendpoints < n; j++) {
                mp_endpoint *ep = &d->endpoints[d->nendpoints++];
                ep->mx_index = (unsigned char)i;
                ep->addr = a->hosts[i].addrs[j];
            }
    }
    mp_dns_trust_observe(sc->trust, d->name, a->result);
    if (a->result != MP_DNS_OK || !d->nendpoints) {
        if (a->result == MP_DNS_OK)
            d->dns_result = MP_DNS_BLOCKED_TARGET; /* no permitted address left */
        domain_conclude_failure(sc, d);
    } else {
        d->dns_state = MP_DOMAIN_READY;
        d->doubt = MP_DOUBT_NONE;
        d->last_failure = MP_SESSION_END_CONNECT;
    }
    domain_pump(sc, d);
}

static bool dns_fresh(const mp_domain *d)
{
    return mp_now_monotonic_ms() - d->resolved_at_ms < (int64_t)d->ttl * 1000;
}

void mp_sched_attach(mp_scheduler *sc, mp_probe *probe)
{
    mp_domain *d = domain_get(sc, probe->result.syntax.ascii_domain);
    if (!d) {
        mp_evidence ev = {.dns = MP_DNS_ERROR, .catch_all = MP_UNKNOWN};
        finish_probe(sc, probe, &ev, 60);
        return;
    }
    mp_lru_leave(&sc->idle_domains, &d->idle); /* in use; idle again from now when done */
    probe->domain = d;
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push(&d->queue, probe);
    if (d->dns_state == MP_DOMAIN_RESOLVING || d->dns_state == MP_DOMAIN_JUDGING || d->dns_pending)
        return;
    if ((d->dns_state == MP_DOMAIN_READY || d->dns_state == MP_DOMAIN_FAILED) && dns_fresh(d)) {
        if (d->dns_state == MP_DOMAIN_FAILED)
            domain_conclude_failure(sc, d); /* judged again: the resolver's state may have changed */
        domain_pump(sc, d);
        return;
    }
    /* New or stale: (re)resolve. Sessions already running keep going. */
    if (d->sessions == 0)
        d->dns_state = MP_DOMAIN_RESOLVING;
    domain_resolve(sc, d);
}

/* ---- the prober's questions ------------------------------------------------ */

bool mp_sched_waiting_politely(const mp_probe *probe)
{
    const mp_domain *d = probe->domain;
    return d && probe->where == MP_PROBE_DOMAIN_QUEUE && d->dns_state == MP_DOMAIN_READY &&
           (d->sessions > 0 || (d->pump_timer && evtimer_pending(d->pump_timer, NULL)));
}

void mp_sched_timeout_evidence(const mp_probe *probe, mp_evidence *ev)
{
    const mp_domain *d = probe->domain;
    memset(ev, 0, sizeof *ev);
    if (d && d->dns_state == MP_DOMAIN_READY) {
        ev->dns = MP_DNS_OK;
        ev->smtp = MP_SMTP_UNAVAILABLE;
        ev->smtp_reason = MP_REASON_TIMEOUT;
        ev->catch_all = catch_all_tristate(d);
        ev->accept_all_provider = d->provider && d->provider->accepts_all;
    } else {
        ev->dns = MP_DNS_ERROR;
        ev->catch_all = MP_UNKNOWN;
    }
}

void mp_sched_domain_details(const mp_probe *probe, const mp_evidence *ev, mp_probe_details *d)
{
    const mp_domain *dom = probe->domain;
    if (!dom || ev->dns == MP_DNS_NOT_CHECKED)
        return;
    d->dns = ev->dns;
    d->mx_implicit = dom->mx_implicit;
    d->mx_count = dom->mx_count;
    if (dom->mx_count)
        memcpy(d->mx, dom->mx, dom->mx_count * sizeof d->mx[0]);
    d->provider = dom->provider ? dom->provider->name : NULL;
    d->dns_message = ev->dns_untrusted ? mp_dns_doubt_message(dom->doubt) : NULL;
}

void mp_sched_forget(mp_scheduler *sc, mp_probe *probe)
{
    mp_domain *d = probe->domain;
    /* Still in its domain's queue or parking lot, or waiting: the domain
     * must hear of it. (A probe the scheduler took out itself to finish it
     * is not: the scheduler pumps that domain when it is done.) */
    bool held = probe->list != NULL;
    mp_probe_list_unlink(probe);
    if (probe->where == MP_PROBE_GREYLIST_WAIT && probe->retry_timer) {
        event_free(probe->retry_timer);
        probe->retry_timer = NULL;
        d->greylist_waiting--;
        held = true;
    }
    /* From the loop, never from inside whatever finished the probe: the
     * domain may now start a session for the next one, or go idle. */
    if (d && held && !sc->shutting_down)
        schedule_pump(d, 0);
}

void mp_sched_set_catch_all_memory(mp_scheduler *sc, const mp_catch_all_memory *memory)
{
    if (memory)
        sc->memory = *memory;
    else
        memset(&sc->memory, 0, sizeof sc->memory);
}

void mp_sched_set_politeness(mp_scheduler *sc, const mp_politeness *politeness)
{
    if (politeness)
        sc->politeness = *politeness;
    else
        mp_politeness_local(&sc->local_limits, &sc->politeness);
}

void mp_sched_stats(const mp_scheduler *sc, mp_prober_stats *out)
{
    out->sessions_opened = sc->counters.sessions_opened;
    out->sessions_failed = sc->counters.sessions_failed;
    out->sessions_active = sc->counters.sessions_active;
    out->mail_sent = sc->counters.mail_sent;
    out->rcpt_sent = sc->counters.rcpt_sent;
    out->rset_sent = sc->counters.rset_sent;
    out->round_trips = sc->counters.round_trips;
    out->catch_all_tests = sc->catch_all_tests;
    out->greylist_retries = sc->greylist_retries;
    out->domains = sc->ndomains;
    out->domains_evicted = sc->domains_evicted;
    out->hosts = sc->nhosts;
    out->hosts_evicted = sc->hosts_evicted;
    if (sc->dns) {
        mp_dns_stats ds;
        mp_dns_stats_get(sc->dns, &ds);
        out->dns_queries = ds.queries_sent;
        out->dns_cache_hits = ds.cache_hits;
        out->dns_errors = ds.errors;
    }
    if (sc->trust) {
        mp_resolver_trust rt;
        mp_dns_trust_get(sc->trust, &rt);
        out->resolver_state = rt.state;
    }
}

void mp_sched_resolver_trust(const mp_scheduler *sc, mp_resolver_trust *out)
{
    mp_dns_trust_get(sc->trust, out);
}

/* ---- lifetime ------------------------------------------------------------ */

/* Frees the sessions that closed (never inside their own callbacks). */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_scheduler *sc = arg;
    for (mp_sched_session **pp = &sc->sessions; *pp;) {
        mp_sched_session *ss = *pp;
        if (ss->closed) {
            *pp = ss->next;
            mp_smtp_session_free(ss->session);
            free(ss);
        } else {
            pp = &ss->next;
        }
    }
}

static uint64_t os_random64(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
            v = 0;
        close(fd);
    }
    if (!v) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        v = ((uint64_t)tv.tv_sec << 20) ^ (uint64_t)tv.tv_usec ^ ((uint64_t)getpid() << 40);
    }
    return v | 1;
}

mp_scheduler *mp_sched_new(struct event_base *base, const mp_prober_config *cfg, const mp_sched_identity *who,
                           const mp_sched_hooks *hooks, void *owner, char *err, size_t errlen)
{
    mp_scheduler *sc = calloc(1, sizeof *sc);
    if (!sc) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sc->base = base;
    sc->cfg = *cfg;
    sc->session_cfg = (mp_session_config){
        .connect_timeout_ms = sc->cfg.connect_timeout_ms,
        .command_timeout_ms = sc->cfg.command_timeout_ms,
        .max_rcpt_per_session = sc->cfg.max_rcpt_per_session,
        .max_rejections_per_session = sc->cfg.max_rejections_per_session,
        .starttls = sc->cfg.starttls,
        .proxy = sc->cfg.proxy,
        .targets = &sc->cfg.targets,
        .transcript = sc->cfg.transcript,
    };
    snprintf(sc->helo, sizeof sc->helo, "%s", who->helo);
    snprintf(sc->from, sizeof sc->from, "%s", who->from);
    sc->hooks = *hooks;
    sc->owner = owner;
    sc->rng = os_random64();
    sc->local_limits = (mp_politeness_limits){sc->cfg.per_host_connections, sc->cfg.per_host_rate};
    mp_politeness_local(&sc->local_limits, &sc->politeness);
    mp_dns_config dc = {
        .server = sc->cfg.dns_server[0] ? sc->cfg.dns_server : NULL,
        .timeout_ms = sc->cfg.dns_timeout_ms,
        .tries = 2,
        .cache_max = (size_t)sc->cfg.max_domains, /* one bound for both kinds of domain memory */
        .targets = &sc->cfg.targets,
    };
    sc->dns = mp_dns_new(base, &dc, err, errlen);
    sc->reap_ev = event_new(base, -1, 0, on_reap, sc);
    sc->idle_sweep = evtimer_new(base, on_idle_sweep, sc);
    if (!sc->dns || !sc->reap_ev || !sc->idle_sweep || !buckets_init(&sc->domains, (size_t)sc->cfg.max_domains) ||
        !buckets_init(&sc->hosts, (size_t)sc->cfg.max_hosts)) {
        if (!sc->dns && err && errlen && !err[0])
            snprintf(err, errlen, "cannot create the DNS resolver");
        else if (err && errlen && !err[0])
            snprintf(err, errlen, "out of memory");
        mp_sched_free(sc);
        return NULL;
    }
    const char *canaries[MP_DNS_CANARIES_MAX];
    for (size_t i = 0; i < sc->cfg.dns_canary_count && i < MP_DNS_CANARIES_MAX; i++)
        canaries[i] = sc->cfg.dns_canaries[i];
    mp_dns_trust_config tc = {
        .canaries = canaries,
        .ncanaries = sc->cfg.dns_canary_count,
        .recheck_ms = sc->cfg.dns_recheck_ms,
    };
    sc->trust = mp_dns_trust_new(base, sc->dns, &tc, on_trust_changed, sc, err, errlen);
    if (!sc->trust) {
        mp_sched_free(sc);
        return NULL;
    }
    return sc;
}

void mp_sched_free(mp_scheduler *sc)
{
    if (!sc)
        return;
    sc->shutting_down = true;
    /* The trust checker cancels its questions while the resolver lives. */
    mp_dns_trust_free(sc->trust);
    sc->trust = NULL;
    /* DNS next: its cancelled callbacks still see live domains. */
    if (sc->dns)
        mp_dns_free(sc->dns);
    sc->dns = NULL;
    while (sc->sessions) {
        mp_sched_session *ss = sc->sessions;
        sc->sessions = ss->next;
        mp_smtp_session_free(ss->session);
        free(ss);
    }
    for (size_t b = 0; sc->domains.heads && b <= sc->domains.mask; b++)
        for (mp_domain *d = sc->domains.heads[b], *next; d; d = next) {
            next = d->hash_next;
            domain_free(d);
        }
    for (size_t b = 0; sc->hosts.heads && b <= sc->hosts.mask; b++)
        for (mp_host *h = sc->hosts.heads[b], *next; h; h = next) {
            next = h->hash_next;
            free(h);
        }
    free(sc->domains.heads);
    free(sc->hosts.heads);
    if (sc->reap_ev)
        event_free(sc->reap_ev);
    if (sc->idle_sweep)
        event_free(sc->idle_sweep);
    free(sc);
}
