/* scheduler.c — batching, politeness, MX failover, catch-all and retries.
 * See scheduler.h for the model and docs/design.md for the reasoning. */
#include "scheduler.h"
#include "hash.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_ATTEMPTS = 3,            /* RCPTs sent for one address without an answer */
    ZERO_PROGRESS_MAX = 3,       /* sessions in a row answering nothing → next MX */
    CATCH_ALL_ATTEMPTS = 2,
    HOST_WAIT_MS = 200,          /* re-check a busy host this often */
    DOMAIN_IDLE_S = 600,         /* forget an unused domain (and its catch-all) */
    GREYLIST_DEFAULT_RETRY_S = 300, /* postgrey's default delay */
};

/* ---- lists ------------------------------------------------------------- */

void mp_probe_list_push(mp_probe_list *l, mp_probe *p)
{
    p->list = l;
    p->next = NULL;
    p->prev = l->tail;
    if (l->tail)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    l->count++;
}

void mp_probe_list_push_front(mp_probe_list *l, mp_probe *p)
{
    p->list = l;
    p->prev = NULL;
    p->next = l->head;
    if (l->head)
        l->head->prev = p;
    else
        l->tail = p;
    l->head = p;
    l->count++;
}

void mp_probe_list_unlink(mp_probe *p)
{
    mp_probe_list *l = p->list;
    if (!l)
        return;
    if (p->prev)
        p->prev->next = p->next;
    else
        l->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        l->tail = p->prev;
    l->count--;
    p->list = NULL;
    p->prev = p->next = NULL;
}

mp_probe *mp_probe_list_pop(mp_probe_list *l)
{
    mp_probe *p = l->head;
    if (p)
        mp_probe_list_unlink(p);
    return p;
}

static void on_domain_pump_timer(evutil_socket_t fd, short what, void *arg);
static void on_domain_idle(evutil_socket_t fd, short what, void *arg);

static mp_domain *domain_get(mp_prober *p, const char *name)
{
    uint32_t b = mp_fnv1a32_str(name) % MP_DOMAIN_BUCKETS;
    for (mp_domain *d = p->domains[b]; d; d = d->hash_next)
        if (!strcmp(d->name, name))
            return d;
    mp_domain *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    snprintf(d->name, sizeof d->name, "%s", name);
    d->prober = p;
    d->pump_timer = evtimer_new(p->base, on_domain_pump_timer, d);
    d->idle_timer = evtimer_new(p->base, on_domain_idle, d);
    if (!d->pump_timer || !d->idle_timer) {
        if (d->pump_timer)
            event_free(d->pump_timer);
        if (d->idle_timer)
            event_free(d->idle_timer);
        free(d);
        return NULL;
    }
    if (p->memory.recall && p->cfg.catch_all) {
        mp_tristate known = p->memory.recall(d->name, p->memory.arg);
        if (known == MP_YES || known == MP_NO)
            d->catch_all = known == MP_YES ? MP_CATCH_ALL_YES : MP_CATCH_ALL_NO;
    }
    d->hash_next = p->domains[b];
    p->domains[b] = d;
    return d;
}

static void domain_free(mp_domain *d)
{
    event_free(d->pump_timer);
    event_free(d->idle_timer);
    free(d->endpoints);
    free(d);
}

static mp_host *host_get(mp_prober *p, const mp_endpoint *ep, int port)
{
    char ip[INET6_ADDRSTRLEN] = "?", key[64];
    const void *raw = ep->addr.ss_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)&ep->addr)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)&ep->addr)->sin_addr;
    inet_ntop(ep->addr.ss_family, raw, ip, sizeof ip);
    snprintf(key, sizeof key, "%s:%d", ip, port);
    uint32_t b = mp_fnv1a32_str(key) % MP_HOST_BUCKETS;
    for (mp_host *h = p->hosts[b]; h; h = h->hash_next)
        if (!strcmp(h->key, key))
            return h;
    mp_host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    snprintf(h->key, sizeof h->key, "%s", key);
    /* A full bucket at first: up to per_host_connections sessions at once. */
    h->tokens = p->cfg.per_host_connections;
    gettimeofday(&h->refilled, NULL);
    h->hash_next = p->hosts[b];
    p->hosts[b] = h;
    return h;
}

/* Token bucket: `per_host_rate` new sessions per second, burst of
 * per_host_connections. Returns 0 when a session may start now, else the
 * milliseconds until one may. */
static int host_take_token(mp_prober *p, mp_host *h)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    double elapsed = (double)(now.tv_sec - h->refilled.tv_sec) + (now.tv_usec - h->refilled.tv_usec) / 1e6;
    h->refilled = now;
    double burst = p->cfg.per_host_connections;
    h->tokens += elapsed * p->cfg.per_host_rate;
    if (h->tokens > burst)
        h->tokens = burst;
    if (h->tokens >= 1.0) {
        h->tokens -= 1.0;
        return 0;
    }
    int ms = (int)((1.0 - h->tokens) / p->cfg.per_host_rate * 1000.0) + 1;
    return ms;
}

/* ---- evidence and finishing -------------------------------------------- */

static void domain_evidence(const mp_prober *p, const mp_domain *d, mp_evidence *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->dns = d->dns_state == MP_DOMAIN_NEW || d->dns_state == MP_DOMAIN_RESOLVING ? MP_DNS_ERROR : d->dns_result;
    ev->smtp = MP_SMTP_NOT_CHECKED;
    ev->smtp_reason = MP_REASON_NOT_CHECKED;
    ev->catch_all = MP_UNKNOWN;
    ev->accept_all_provider = d->provider && d->provider->accepts_all;
    (void)p;
}

static mp_tristate catch_all_tristate(const mp_domain *d)
{
    if (d->catch_all == MP_CATCH_ALL_YES)
        return MP_YES;
    if (d->catch_all == MP_CATCH_ALL_NO)
        return MP_NO;
    return MP_UNKNOWN;
}

/* The reason for a session failure that left an address without answer. */
static mp_reason reason_for_end(mp_session_end end, const mp_smtp_reply *reply)
{
    switch (end) {
    case MP_SESSION_END_TIMEOUT: return MP_REASON_TIMEOUT;
    case MP_SESSION_END_PROTOCOL: return MP_REASON_PROTOCOL_ERROR;
    case MP_SESSION_END_REFUSED:
        if (reply) {
            mp_smtp_result r;
            mp_reason why = mp_smtp_classify(reply->code, reply->enhanced, reply->text, &r);
            /* A refusal of us (greeting, EHLO, MAIL) never says anything
             * about a mailbox. */
            if (why == MP_REASON_MAILBOX_NOT_FOUND || why == MP_REASON_MAILBOX_DISABLED ||
                why == MP_REASON_MAILBOX_FULL || why == MP_REASON_ACCEPTED)
                return reply->code >= 500 ? MP_REASON_BLOCKED : MP_REASON_TEMPORARY_FAILURE;
            return why;
        }
        return MP_REASON_BLOCKED;
    case MP_SESSION_END_CONNECT:
    case MP_SESSION_END_DROPPED:
    case MP_SESSION_END_TLS:
    case MP_SESSION_END_CANCELLED:
    case MP_SESSION_END_OK:
    case MP_SESSION_END_COUNT:
        break;
    }
    return MP_REASON_CONNECTION_FAILED;
}

static int retry_after_for(const mp_prober *p, mp_reason why)
{
    switch (why) {
    case MP_REASON_GREYLISTED:
        return p->cfg.greylist_wait_s > 0 ? p->cfg.greylist_wait_s : GREYLIST_DEFAULT_RETRY_S;
    case MP_REASON_TEMPORARY_FAILURE:
    case MP_REASON_TIMEOUT:
    case MP_REASON_CONNECTION_FAILED:
        return GREYLIST_DEFAULT_RETRY_S;
    default:
        return -1;
    }
}

static void finish_failure(mp_prober *p, mp_probe *probe, mp_reason why)
{
    mp_evidence ev;
    domain_evidence(p, probe->domain, &ev);
    ev.smtp = MP_SMTP_UNAVAILABLE;
    ev.smtp_reason = why;
    ev.catch_all = catch_all_tristate(probe->domain);
    mp_probe_finish(p, probe, &ev, retry_after_for(p, why));
}

/* Finishes a probe from its own reply. */
static void finish_with_reply(mp_prober *p, mp_probe *probe)
{
    mp_evidence ev;
    domain_evidence(p, probe->domain, &ev);
    ev.smtp_reason = mp_smtp_classify(probe->reply.code, probe->reply.enhanced, probe->reply.text, &ev.smtp);
    ev.catch_all = catch_all_tristate(probe->domain);
    mp_probe_finish(p, probe, &ev, retry_after_for(p, ev.smtp_reason));
}

/* The catch-all question is settled: finish every parked probe. */
static void release_parked(mp_prober *p, mp_domain *d)
{
    mp_probe *probe;
    while ((probe = mp_probe_list_pop(&d->parked)))
        finish_with_reply(p, probe);
}

/* Every queued probe of the domain fails the same way (no MX host left,
 * DNS said no). */
static void fail_queue(mp_prober *p, mp_domain *d, mp_reason why)
{
    mp_probe *probe;
    while ((probe = mp_probe_list_pop(&d->queue))) {
        if (d->has_failure_reply) {
            probe->has_reply = true;
            probe->reply = d->failure_reply;
        }
        if (d->failure_host[0])
            snprintf(probe->reply_host, sizeof probe->reply_host, "%s", d->failure_host);
        finish_failure(p, probe, why);
    }
    if (d->parked.count) {
        if (d->catch_all == MP_CATCH_ALL_UNKNOWN || d->catch_all == MP_CATCH_ALL_TESTING)
            d->catch_all = MP_CATCH_ALL_INCONCLUSIVE;
        release_parked(p, d);
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

static mp_prober *prober_of(mp_sched_session *ss) { return ss->prober; }

static void random_local_part(mp_prober *p, char *out, size_t cap)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    /* xorshift64*: unguessable enough for a per-run catch-all test, seeded
     * from the OS in prober.c. */
    size_t n = 0;
    const char prefix[] = "mp-";
    for (; n < sizeof prefix - 1 && n + 1 < cap; n++)
        out[n] = prefix[n];
    for (int i = 0; i < 20 && n + 1 < cap; i++) {
        p->rng ^= p->rng >> 12;
        p->rng ^= p->rng << 25;
        p->rng ^= p->rng >> 27;
        uint64_t r = p->rng * 2685821657736338717ull;
        out[n++] = alphabet[(r >> 33) % (sizeof alphabet - 1)];
    }
    out[n] = '\0';
}

static mp_rcpt *on_take(void *owner, mp_smtp_session *s, mp_take_phase phase)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_prober *p = prober_of(ss);
    ss->established = true;
    if (phase == MP_TAKE_REAL) {
        mp_probe *probe;
        while ((probe = mp_probe_list_pop(&d->queue))) {
            if (probe->rcpt.smtputf8 && !mp_smtp_session_caps(s)->smtputf8) {
                /* RFC 6531: a UTF-8 local part needs SMTPUTF8 from the server. */
                mp_evidence ev;
                domain_evidence(p, d, &ev);
                ev.smtp = MP_SMTP_UNAVAILABLE;
                ev.smtp_reason = MP_REASON_SMTPUTF8_UNSUPPORTED;
                snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
                if (p->cfg.transcript)
                    snapshot_transcript(probe, s);
                mp_probe_finish(p, probe, &ev, -1);
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
    if (p->cfg.catch_all && d->catch_all == MP_CATCH_ALL_UNKNOWN && d->parked.count) {
        d->catch_all = MP_CATCH_ALL_TESTING;
        char local[32];
        random_local_part(p, local, sizeof local);
        memset(&d->catch_all_rcpt, 0, sizeof d->catch_all_rcpt);
        snprintf(d->catch_all_rcpt.address, sizeof d->catch_all_rcpt.address, "%s@%s", local, d->name);
        d->catch_all_rcpt.catch_all_test = true;
        d->catch_all_rcpt.owner_data = d;
        p->stats.catch_all_tests++;
        return &d->catch_all_rcpt;
    }
    return NULL;
}

static void on_greylist_retry(evutil_socket_t fd, short what, void *arg);


/* A verdict established in this run (not recalled): keep it, and tell the
 * prober's memory. */
static void learn_catch_all(mp_prober *p, mp_domain *d, bool catch_all)
{
    d->catch_all = catch_all ? MP_CATCH_ALL_YES : MP_CATCH_ALL_NO;
    if (p->memory.learn)
        p->memory.learn(d->name, catch_all, p->memory.arg);
}

static void on_rcpt_reply(void *owner, mp_smtp_session *s, mp_rcpt *r, const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_prober *p = prober_of(ss);
    ss->progress = true;
    mp_smtp_result res;
    mp_reason why = mp_smtp_classify(reply->code, reply->enhanced, reply->text, &res);

    if (r->catch_all_test) {
        if (res == MP_SMTP_ACCEPTED)
            learn_catch_all(p, d, true);
        else if (reply->code >= 500 && why != MP_REASON_BLOCKED)
            learn_catch_all(p, d, false);
        else
            d->catch_all = MP_CATCH_ALL_INCONCLUSIVE;
        /* Their transcripts should show the test that decided them. */
        if (p->cfg.transcript)
            for (mp_probe *q = d->parked.head; q; q = q->next)
                snapshot_transcript(q, s);
        release_parked(p, d);
        return;
    }

    mp_probe *probe = r->owner_data;
    d->in_session--;
    probe->has_reply = true;
    probe->reply = *reply;
    snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
    if (p->cfg.transcript)
        snapshot_transcript(probe, s);
    if (probe->in_session_finished) { /* timed out or cancelled meanwhile */
        probe->where = MP_PROBE_FINISHED;
        mp_probe_release(p, probe);
        return;
    }
    if (why == MP_REASON_MAILBOX_NOT_FOUND && d->catch_all == MP_CATCH_ALL_UNKNOWN) {
        /* The domain rejects an unknown user: it is not a catch-all. */
        learn_catch_all(p, d, false);
        release_parked(p, d);
    }
    if (res == MP_SMTP_ACCEPTED && p->cfg.catch_all &&
        (d->catch_all == MP_CATCH_ALL_UNKNOWN || d->catch_all == MP_CATCH_ALL_TESTING)) {
        probe->where = MP_PROBE_PARKED;
        mp_probe_list_push(&d->parked, probe);
        return;
    }
    if (why == MP_REASON_GREYLISTED && p->cfg.greylist_wait_s > 0 && probe->greylist_retries == 0) {
        /* Same sender, same recipient, same client after the wait: the
         * greylisting triplet is then known (postgrey, RFC 6647 §2.1). */
        probe->retry_timer = evtimer_new(p->base, on_greylist_retry, probe);
        if (probe->retry_timer) {
            struct timeval tv = {p->cfg.greylist_wait_s, 0};
            probe->greylist_retries++;
            probe->where = MP_PROBE_GREYLIST_WAIT;
            p->stats.greylist_retries++;
            /* The wait does not count against the address's time budget. */
            struct timeval left = {0, 0};
            if (event_pending(probe->deadline, EV_TIMEOUT, &left)) {
                struct timeval now, rem;
                gettimeofday(&now, NULL);
                timersub(&left, &now, &rem);
                rem.tv_sec += p->cfg.greylist_wait_s;
                if (rem.tv_sec < 0)
                    rem.tv_sec = 0, rem.tv_usec = 0;
                evtimer_add(probe->deadline, &rem);
            }
            evtimer_add(probe->retry_timer, &tv);
            return;
        }
    }
    finish_with_reply(p, probe);
}

static void on_greylist_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_probe *probe = arg;
    mp_prober *p = probe->domain->prober;
    event_free(probe->retry_timer);
    probe->retry_timer = NULL;
    probe->has_reply = false;
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push(&probe->domain->queue, probe);
    mp_sched_domain_pump(p, probe->domain);
}

static void on_give_back(void *owner, mp_smtp_session *s, mp_rcpt *r, bool sent, mp_session_end end,
                         const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_prober *p = prober_of(ss);
    if (r->catch_all_test) {
        if (sent)
            d->catch_all_attempts++;
        d->catch_all = d->catch_all_attempts >= CATCH_ALL_ATTEMPTS ? MP_CATCH_ALL_INCONCLUSIVE : MP_CATCH_ALL_UNKNOWN;
        if (d->catch_all == MP_CATCH_ALL_INCONCLUSIVE)
            release_parked(p, d);
        return;
    }
    mp_probe *probe = r->owner_data;
    d->in_session--;
    if (p->cfg.transcript)
        snapshot_transcript(probe, s);
    if (probe->in_session_finished) {
        probe->where = MP_PROBE_FINISHED;
        mp_probe_release(p, probe);
        return;
    }
    if (sent && ++probe->attempts >= MAX_ATTEMPTS) {
        if (reply) {
            probe->has_reply = true;
            probe->reply = *reply;
            snprintf(probe->reply_host, sizeof probe->reply_host, "%s", mp_smtp_session_host(s));
        }
        finish_failure(p, probe, reason_for_end(end, reply));
        return;
    }
    /* Back to the front: keep input order and let the next session try. */
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push_front(&d->queue, probe);
}

static void advance_endpoint(mp_prober *p, mp_domain *d, mp_session_end end, const mp_smtp_reply *reply,
                             const char *host)
{
    d->endpoints[d->current].dead = true;
    d->last_failure = end;
    d->has_failure_reply = reply != NULL;
    if (reply)
        d->failure_reply = *reply;
    snprintf(d->failure_host, sizeof d->failure_host, "%s", host);
    d->zero_progress = 0;
    while (d->current < d->nendpoints && d->endpoints[d->current].dead)
        d->current++;
    (void)p;
}

static void on_closed(void *owner, mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply)
{
    mp_sched_session *ss = owner;
    mp_domain *d = ss->domain;
    mp_prober *p = prober_of(ss);
    ss->closed = true;
    ss->host->active--;
    d->sessions--;
    bool failed = end != MP_SESSION_END_OK && end != MP_SESSION_END_CANCELLED;
    if (failed && ss->endpoint == d->current && d->current < d->nendpoints) {
        if (!ss->established || end == MP_SESSION_END_REFUSED) {
            /* This host does not talk to us: the next MX (RFC 5321 §5.1). */
            advance_endpoint(p, d, end, reply, mp_smtp_session_host(s));
        } else if (!ss->progress && ++d->zero_progress >= ZERO_PROGRESS_MAX) {
            advance_endpoint(p, d, end, reply, mp_smtp_session_host(s));
        } else {
            d->last_failure = end;
        }
    }
    if (!failed || ss->progress)
        d->zero_progress = 0;
    event_active(p->reap_ev, EV_TIMEOUT, 0);
    mp_sched_domain_pump(p, d);
}

static const mp_session_ops session_ops = {
    .take = on_take,
    .rcpt_reply = on_rcpt_reply,
    .give_back = on_give_back,
    .closed = on_closed,
};

/* ---- pumping ------------------------------------------------------------- */

static bool wants_session(const mp_prober *p, const mp_domain *d)
{
    if (d->queue.count == 0)
        return p->cfg.catch_all && d->catch_all == MP_CATCH_ALL_UNKNOWN && d->parked.count && d->sessions == 0;
    size_t per = (size_t)p->cfg.max_rcpt_per_session;
    size_t want = (d->queue.count + per - 1) / per;
    return (size_t)d->sessions < want;
}

static bool domain_idle(const mp_domain *d)
{
    return !d->queue.count && !d->parked.count && !d->in_session && !d->sessions && !d->dns_pending;
}

static void schedule_pump(mp_domain *d, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (!evtimer_pending(d->pump_timer, NULL))
        evtimer_add(d->pump_timer, &tv);
}

void mp_sched_domain_pump(mp_prober *p, mp_domain *d)
{
    if (p->shutting_down)
        return;
    if (d->dns_state == MP_DOMAIN_READY) {
        while (wants_session(p, d)) {
            while (d->current < d->nendpoints && d->endpoints[d->current].dead)
                d->current++;
            if (d->current >= d->nendpoints) {
                fail_queue(p, d, reason_for_end(d->last_failure, d->has_failure_reply ? &d->failure_reply : NULL));
                break;
            }
            mp_endpoint *ep = &d->endpoints[d->current];
            mp_host *h = host_get(p, ep, p->cfg.smtp_port);
            if (!h)
                break;
            if (h->active >= p->cfg.per_host_connections) {
                schedule_pump(d, HOST_WAIT_MS);
                break;
            }
            int wait = host_take_token(p, h);
            if (wait) {
                schedule_pump(d, wait);
                break;
            }
            mp_sched_session *ss = calloc(1, sizeof *ss);
            if (!ss)
                break;
            ss->prober = p;
            ss->domain = d;
            ss->host = h;
            ss->endpoint = d->current;
            mp_session_params params = {
                .cfg = &p->cfg,
                .helo = p->helo,
                .from = p->from,
                .host = ep->host,
                .addr = ep->addr,
                .port = p->cfg.smtp_port,
                .counters = &p->counters,
            };
            ss->session = mp_smtp_session_start(p->base, &params, &session_ops, ss);
            if (!ss->session) {
                free(ss);
                schedule_pump(d, 1000);
                break;
            }
            h->active++;
            d->sessions++;
            ss->next = p->sessions;
            p->sessions = ss;
        }
    }
    if (domain_idle(d)) {
        struct timeval tv = {DOMAIN_IDLE_S, 0};
        evtimer_add(d->idle_timer, &tv);
    } else {
        evtimer_del(d->idle_timer);
    }
}

static void on_domain_pump_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_domain *d = arg;
    mp_sched_domain_pump(d->prober, d);
}

/* An unused domain is forgotten (its DNS answer and catch-all verdict with
 * it) so a long-running server's memory stays bounded. */
static void on_domain_idle(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_domain *d = arg;
    mp_prober *p = d->prober;
    if (!domain_idle(d))
        return;
    uint32_t b = mp_fnv1a32_str(d->name) % MP_DOMAIN_BUCKETS;
    for (mp_domain **pp = &p->domains[b]; *pp; pp = &(*pp)->hash_next)
        if (*pp == d) {
            *pp = d->hash_next;
            break;
        }
    domain_free(d);
}

/* ---- DNS ----------------------------------------------------------------- */

static void on_mail_hosts(const mp_mx_answer *a, void *arg)
{
    mp_domain *d = arg;
    mp_prober *p = d->prober;
    if (p->shutting_down)
        return;
    d->dns_pending = false;
    gettimeofday(&d->resolved_at, NULL);
    d->ttl = a->ttl ? a->ttl : 300;
    d->dns_result = a->result;
    d->mx_implicit = a->implicit_mx;
    d->mx_count = 0;
    d->nendpoints = d->current = 0;
    d->zero_progress = 0;
    free(d->endpoints);
    d->endpoints = NULL;
    for (size_t i = 0; i < a->nhosts && d->mx_count < MP_PROBE_MX_MAX; i++) {
        snprintf(d->mx[d->mx_count].host, sizeof d->mx[0].host, "%s", a->hosts[i].name);
        d->mx[d->mx_count].preference = a->implicit_mx ? 0 : a->hosts[i].preference;
        d->mx_count++;
    }
    d->provider = a->nhosts ? mp_provider_from_mx(a->hosts[0].name, strlen(a->hosts[0].name)) : NULL;
    if (a->result == MP_DNS_OK) {
        size_t n = 0;
        for (size_t i = 0; i < a->nhosts; i++)
            n += a->hosts[i].naddrs;
        if (n > MP_ENDPOINTS_MAX)
            n = MP_ENDPOINTS_MAX;
        d->endpoints = n ? calloc(n, sizeof *d->endpoints) : NULL;
        for (size_t i = 0; i < a->nhosts && d->endpoints; i++)
            for (size_t j = 0; j < a->hosts[i].naddrs && d->nendpoints < n; j++) {
                mp_endpoint *ep = &d->endpoints[d->nendpoints++];
                snprintf(ep->host, sizeof ep->host, "%s", a->hosts[i].name);
                ep->addr = a->hosts[i].addrs[j];
            }
    }
    if (a->result != MP_DNS_OK || !d->nendpoints) {
        if (a->result == MP_DNS_OK)
            d->dns_result = MP_DNS_BLOCKED_TARGET; /* no permitted address left */
        d->dns_state = MP_DOMAIN_FAILED;
        mp_probe *probe;
        while ((probe = mp_probe_list_pop(&d->queue))) {
            mp_evidence ev;
            domain_evidence(p, d, &ev);
            mp_probe_finish(p, probe, &ev, d->dns_result == MP_DNS_ERROR ? 60 : -1);
        }
    } else {
        d->dns_state = MP_DOMAIN_READY;
        d->last_failure = MP_SESSION_END_CONNECT;
    }
    mp_sched_domain_pump(p, d);
}

static bool dns_fresh(const mp_domain *d)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return now.tv_sec - d->resolved_at.tv_sec < (time_t)d->ttl;
}

void mp_sched_attach(mp_prober *p, mp_probe *probe)
{
    mp_domain *d = domain_get(p, probe->result.syntax.ascii_domain);
    if (!d) {
        mp_evidence ev = {.dns = MP_DNS_ERROR, .catch_all = MP_UNKNOWN};
        mp_probe_finish(p, probe, &ev, 60);
        return;
    }
    probe->domain = d;
    probe->where = MP_PROBE_DOMAIN_QUEUE;
    mp_probe_list_push(&d->queue, probe);
    if (d->dns_state == MP_DOMAIN_RESOLVING || d->dns_pending)
        return;
    if ((d->dns_state == MP_DOMAIN_READY || d->dns_state == MP_DOMAIN_FAILED) && dns_fresh(d)) {
        if (d->dns_state == MP_DOMAIN_FAILED) {
            mp_probe_list_unlink(probe);
            mp_evidence ev;
            domain_evidence(p, d, &ev);
            mp_probe_finish(p, probe, &ev, d->dns_result == MP_DNS_ERROR ? 60 : -1);
            return;
        }
        mp_sched_domain_pump(p, d);
        return;
    }
    /* New or stale: (re)resolve. Sessions already running keep going. */
    if (d->sessions == 0)
        d->dns_state = MP_DOMAIN_RESOLVING;
    d->dns_pending = true;
    evtimer_del(d->idle_timer);
    mp_dns_resolve_mail_hosts(p->dns, d->name, on_mail_hosts, d);
}

/* ---- teardown ------------------------------------------------------------ */

void mp_sched_reap(mp_prober *p)
{
    for (mp_sched_session **pp = &p->sessions; *pp;) {
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

void mp_sched_free_all(mp_prober *p)
{
    while (p->sessions) {
        mp_sched_session *ss = p->sessions;
        p->sessions = ss->next;
        mp_smtp_session_free(ss->session);
        free(ss);
    }
    for (size_t b = 0; b < MP_DOMAIN_BUCKETS; b++)
        while (p->domains[b]) {
            mp_domain *d = p->domains[b];
            p->domains[b] = d->hash_next;
            domain_free(d);
        }
    for (size_t b = 0; b < MP_HOST_BUCKETS; b++)
        while (p->hosts[b]) {
            mp_host *h = p->hosts[b];
            p->hosts[b] = h->hash_next;
            free(h);
        }
}
