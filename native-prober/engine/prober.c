/* prober.c — the public face of the engine (prober.h): probes from
 * submission to callback. Admission bounds the work in flight; local checks
 * run first; the scheduler (scheduler.c) does DNS and SMTP; mp_probe_finish()
 * is the one place a verdict is made and delivered. */
#include "prober.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_sync.h"
#include "probe.h"
#include "scheduler.h"

enum {
    INPUT_KEEP_MAX = 8192,        /* longer input is too_long anyway */
    DEADLINE_EXTENSIONS_MAX = 9,  /* queue waits extend --timeout at most 9 times */
};

struct mp_prober {
    struct event_base *base;
    mp_prober_config cfg;
    mp_scheduler *sched;
    bool shutting_down;
    uint64_t next_id;
    mp_probe_list admission;
    mp_probe *all;                    /* every live probe */
    struct event *admit_ev;
    mp_prober_stats stats;
    const mp_domain_list *extra_disposable; /* borrowed; NULL = none */
    mp_resolver_listener resolver_cb;
    void *resolver_arg;
    mp_resolver_state resolver_told;  /* the state the listener last heard */
};

static void admit_some(mp_prober *p);
static void probe_finish(void *owner, mp_probe *probe, const mp_evidence *ev, int retry_after);
static void probe_release(void *owner, mp_probe *probe);
static void resolver_changed(void *owner);

/* ---- lifetime ------------------------------------------------------------ */

static void on_admit(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    admit_some(arg);
}

mp_prober *mp_prober_new(struct event_base *base, const mp_prober_config *cfg, char *err, size_t errlen)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "libcurl initialisation failed");
            return NULL;
        }
        curl_ready = true;
    }
    mp_prober *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->base = base;
    if (cfg)
        p->cfg = *cfg;
    else
        mp_prober_config_default(&p->cfg);
    char helo[MP_HOST_MAX + 1], from[MP_HOST_MAX + 16];
    if (p->cfg.helo[0])
        snprintf(helo, sizeof helo, "%s", p->cfg.helo);
    else
        mp_host_fqdn(helo, sizeof helo);
    if (!strcmp(p->cfg.from, "<>"))
        from[0] = '\0';
    else if (p->cfg.from[0])
        snprintf(from, sizeof from, "%s", p->cfg.from);
    else
        snprintf(from, sizeof from, "probe@%s", helo);
    p->next_id = 1;

    static const mp_sched_hooks hooks = {probe_finish, probe_release, resolver_changed};
    mp_sched_identity who = {helo, from};
    if (err && errlen)
        err[0] = '\0';
    p->sched = mp_sched_new(base, &p->cfg, &who, &hooks, p, err, errlen);
    p->admit_ev = event_new(base, -1, 0, on_admit, p);
    if (!p->sched || !p->admit_ev) {
        if (err && errlen && !err[0])
            snprintf(err, errlen, "out of memory");
        mp_prober_free(p);
        return NULL;
    }
    return p;
}

static void probe_free(mp_prober *p, mp_probe *probe)
{
    p->stats.probes--;
    mp_probe_list_unlink(probe);
    if (probe->all_prev)
        probe->all_prev->all_next = probe->all_next;
    else if (p->all == probe)
        p->all = probe->all_next;
    if (probe->all_next)
        probe->all_next->all_prev = probe->all_prev;
    if (probe->deadline)
        event_free(probe->deadline);
    if (probe->retry_timer)
        event_free(probe->retry_timer);
    for (size_t i = 0; i < probe->transcript_count; i++)
        free(probe->transcript[i]);
    free(probe->transcript);
    free(probe->input);
    free(probe);
}

void mp_prober_free(mp_prober *p)
{
    if (!p)
        return;
    p->shutting_down = true;
    /* The lists probes sit in die with their domains: forget them first. */
    for (mp_probe *probe = p->all; probe; probe = probe->all_next)
        probe->list = NULL;
    mp_sched_free(p->sched);
    while (p->all)
        probe_free(p, p->all);
    if (p->admit_ev)
        event_free(p->admit_ev);
    free(p);
}

/* ---- finishing ------------------------------------------------------------ */

void mp_probe_details_init(mp_probe_details *d)
{
    d->dns = MP_DNS_NOT_CHECKED;
    d->dns_message = NULL;
    d->mx_implicit = false;
    d->mx_count = 0;
    d->smtp_code = 0;
    d->enhanced_code[0] = '\0';
    d->message[0] = '\0';
    d->host[0] = '\0';
    d->provider = NULL;
    d->retry_after = -1;
    d->transcript = NULL;
    d->transcript_count = 0;
}

/* mp_sched_hooks.release: the session that held a finished probe let go. */
static void probe_release(void *owner, mp_probe *probe)
{
    if (probe->where == MP_PROBE_FINISHED)
        probe_free(owner, probe);
}

/* Takes the probe out of wherever it is. Returns false when a session
 * still holds its rcpt (then it is freed when the session gives it back). */
static bool detach(mp_probe *probe)
{
    if (probe->deadline)
        evtimer_del(probe->deadline);
    if (probe->where == MP_PROBE_ADMISSION)
        mp_probe_list_unlink(probe);
    else if (probe->where != MP_PROBE_IN_SESSION)
        mp_sched_forget(probe->prober->sched, probe);
    if (probe->where == MP_PROBE_IN_SESSION) {
        probe->in_session_finished = true;
        return false;
    }
    probe->where = MP_PROBE_FINISHED;
    return true;
}

static void count_done(mp_prober *p, const mp_probe *probe)
{
    if (probe->where != MP_PROBE_ADMISSION && p->stats.in_flight)
        p->stats.in_flight--;
    event_active(p->admit_ev, EV_TIMEOUT, 0);
}

/* The single exit of a probe (also mp_sched_hooks.finish): the verdict is
 * decided here, the details gathered, the callback run once. `ev` is the
 * evidence; the probe's reply, host and transcript become the details. */
static void probe_finish(void *owner, mp_probe *probe, const mp_evidence *ev, int retry_after)
{
    mp_prober *p = owner;
    count_done(p, probe);
    bool free_now = detach(probe);

    /* The operator's extra list counts like the core's own: the verdict is
     * decided once, here, with it. */
    mp_result *r = &probe->result;
    if (p->extra_disposable && r->syntax.valid && !r->disposable &&
        mp_domain_list_contains(p->extra_disposable, r->syntax.ascii_domain))
        r->disposable = true;
    mp_verdict(r, ev, &p->cfg.policy);
    mp_probe_details d;
    mp_probe_details_init(&d);
    mp_sched_domain_details(probe, ev, &d);
    if (r->reason == MP_REASON_DNS_UNTRUSTED && !d.dns_message)
        d.dns_message = mp_dns_doubt_message(MP_DOUBT_FREE_PROVIDER); /* the core's own rule */
    if (probe->has_reply) {
        d.smtp_code = probe->reply.code;
        snprintf(d.enhanced_code, sizeof d.enhanced_code, "%s", probe->reply.enhanced);
        snprintf(d.message, sizeof d.message, "%s", probe->reply.text);
    }
    if (probe->reply_host[0])
        snprintf(d.host, sizeof d.host, "%s", probe->reply_host);
    d.retry_after = retry_after;
    if (p->cfg.transcript) {
        static const char *const none[1] = {NULL};
        d.transcript = probe->transcript_count ? (const char *const *)probe->transcript : none;
        d.transcript_count = probe->transcript_count;
    }
    p->stats.completed++;
    if (ev->smtp != MP_SMTP_NOT_CHECKED)
        p->stats.smtp_probed++;
    if ((unsigned)probe->result.status < MP_STATUS_COUNT)
        p->stats.by_status[probe->result.status]++;
    if ((unsigned)probe->result.reason < MP_REASON_COUNT)
        p->stats.by_reason[probe->result.reason]++;
    if (probe->cb)
        probe->cb(&probe->result, &d, probe->arg);
    if (free_now)
        probe_free(p, probe);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_probe *probe = arg;
    mp_prober *p = probe->prober;
    if (!probe->domain)
        return;
    /* Waiting in the queue while the domain's sessions are busy is the
     * politeness limits at work, not a server failing to answer: extend, a
     * bounded number of times, so big lists at one domain do not time out
     * in the queue. */
    if (mp_sched_waiting_politely(probe) && probe->deadline_extensions < DEADLINE_EXTENSIONS_MAX) {
        probe->deadline_extensions++;
        mp_probe_arm_deadline(probe, p->cfg.timeout_ms);
        return;
    }
    mp_evidence ev;
    mp_sched_timeout_evidence(probe, &ev);
    probe_finish(p, probe, &ev, 300);
}

/* ---- admission ------------------------------------------------------------ */

static void admit_one(mp_prober *p, mp_probe *probe)
{
    p->stats.in_flight++;
    probe->where = MP_PROBE_DOMAIN_QUEUE; /* no longer in admission */
    mp_check(probe->input, probe->input_len, &p->cfg.parse, &p->cfg.policy, &probe->result);
    const mp_syntax *syn = &probe->result.syntax;
    if (!syn->valid || syn->domain_literal || !syn->ascii_domain[0]) {
        /* Nothing to ask the network: the local verdict is the answer. */
        mp_evidence ev;
        memset(&ev, 0, sizeof ev);
        ev.catch_all = MP_UNKNOWN;
        probe_finish(p, probe, &ev, -1);
        return;
    }
    /* The address on the RCPT line: local part as given + A-label domain. */
    int n = snprintf(probe->rcpt.address, sizeof probe->rcpt.address, "%s@%s", syn->local, syn->ascii_domain);
    if (n < 0 || (size_t)n >= sizeof probe->rcpt.address) {
        mp_evidence ev = {.catch_all = MP_UNKNOWN};
        probe_finish(p, probe, &ev, -1);
        return;
    }
    probe->rcpt.smtputf8 = syn->smtputf8;
    probe->rcpt.owner_data = probe;
    probe->deadline = evtimer_new(p->base, on_deadline, probe);
    if (probe->deadline)
        mp_probe_arm_deadline(probe, p->cfg.timeout_ms);
    mp_sched_attach(p->sched, probe);
}

static void admit_some(mp_prober *p)
{
    while (!p->shutting_down && p->admission.count && p->stats.in_flight < (uint64_t)p->cfg.concurrency) {
        mp_probe *probe = mp_probe_list_pop(&p->admission);
        admit_one(p, probe);
    }
}

const char *mp_submit_status_name(mp_submit_status s)
{
    static const char *const names[MP_SUBMIT_STATUS_COUNT] = {"ok", "queue_full", "shutting_down", "no_memory"};
    return (unsigned)s < MP_SUBMIT_STATUS_COUNT ? names[s] : "?";
}

size_t mp_prober_room(const mp_prober *p)
{
    uint64_t cap = (uint64_t)p->cfg.concurrency + (uint64_t)p->cfg.max_queued;
    uint64_t used = p->stats.in_flight + p->admission.count;
    return used < cap ? (size_t)(cap - used) : 0;
}

mp_submit_status mp_prober_submit(mp_prober *p, const char *email, size_t len, mp_probe_done_cb cb, void *arg,
                                  uint64_t *id_out)
{
    if (id_out)
        *id_out = 0;
    if (!p || p->shutting_down)
        return MP_SUBMIT_SHUTTING_DOWN;
    if (!mp_prober_room(p)) {
        p->stats.refused_full++;
        return MP_SUBMIT_QUEUE_FULL;
    }
    mp_probe *probe = calloc(1, sizeof *probe);
    size_t keep = len > INPUT_KEEP_MAX ? INPUT_KEEP_MAX : len;
    if (!probe || !(probe->input = malloc(keep + 1))) {
        free(probe);
        return MP_SUBMIT_NO_MEMORY;
    }
    if (keep)
        memcpy(probe->input, email, keep);
    probe->input[keep] = '\0';
    /* Over-long input keeps its verdict (too_long) although truncated. */
    probe->input_len = keep;
    probe->id = p->next_id++;
    probe->prober = p;
    probe->cb = cb;
    probe->arg = arg;
    probe->where = MP_PROBE_ADMISSION;
    probe->all_next = p->all;
    if (p->all)
        p->all->all_prev = probe;
    p->all = probe;
    mp_probe_list_push(&p->admission, probe);
    p->stats.submitted++;
    p->stats.probes++;
    event_active(p->admit_ev, EV_TIMEOUT, 0);
    if (id_out)
        *id_out = probe->id;
    return MP_SUBMIT_OK;
}

/* ---- cancellation --------------------------------------------------------- */

static void cancel_probe(mp_prober *p, mp_probe *probe)
{
    count_done(p, probe);
    p->stats.cancelled++;
    if (detach(probe))
        probe_free(p, probe);
    else
        probe->cb = NULL;
}

static bool cancellable(const mp_probe *probe)
{
    return probe->where != MP_PROBE_FINISHED && !probe->in_session_finished;
}

bool mp_prober_cancel(mp_prober *p, uint64_t id)
{
    for (mp_probe *probe = p->all; probe; probe = probe->all_next)
        if (probe->id == id) {
            if (!cancellable(probe))
                return false;
            cancel_probe(p, probe);
            return true;
        }
    return false;
}

size_t mp_prober_cancel_arg(mp_prober *p, void *arg)
{
    size_t n = 0;
    for (mp_probe *probe = p->all, *next; probe; probe = next) {
        next = probe->all_next;
        if (probe->arg == arg && cancellable(probe)) {
            cancel_probe(p, probe);
            n++;
        }
    }
    return n;
}

void mp_prober_set_politeness(mp_prober *p, const mp_politeness *politeness)
{
    mp_sched_set_politeness(p->sched, politeness);
}

void mp_prober_set_catch_all_memory(mp_prober *p, const mp_catch_all_memory *memory)
{
    mp_sched_set_catch_all_memory(p->sched, memory);
}

void mp_prober_set_extra_disposable(mp_prober *p, const mp_domain_list *list)
{
    p->extra_disposable = list;
}

/* mp_sched_hooks.resolver_changed: tell the listener about a new state. */
static void resolver_changed(void *owner)
{
    mp_prober *p = owner;
    mp_resolver_trust t;
    mp_sched_resolver_trust(p->sched, &t);
    if (t.state == p->resolver_told)
        return;
    p->resolver_told = t.state;
    if (p->resolver_cb)
        p->resolver_cb(&t, p->resolver_arg);
}

void mp_prober_resolver_trust(const mp_prober *p, mp_resolver_trust *out)
{
    mp_sched_resolver_trust(p->sched, out);
}

void mp_prober_set_resolver_listener(mp_prober *p, mp_resolver_listener cb, void *arg)
{
    p->resolver_cb = cb;
    p->resolver_arg = arg;
}

void mp_prober_stats_get(const mp_prober *p, mp_prober_stats *out)
{
    *out = p->stats;
    out->queued = p->admission.count;
    mp_sched_stats(p->sched, out);
}
