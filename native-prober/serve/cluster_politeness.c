/* cluster_politeness.c — a worker's allowances as the engine's politeness
 * hook (cluster_politeness.h). */
#include "cluster_politeness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hash.h"
#include "log.h"

enum {
    BUCKETS = 1024,
    GATHER_MS = 20,        /* a new address waits this long for others to share its request */
    TICK_MS = 250,         /* how often due renewals are looked for */
    MORE_MS = 1000,        /* at most this often: asking for more where all granted are in use */
    SHARE_MS = 2000,       /* at most this often: giving a fair part back to a starving worker */
    IDLE_MS = 10000,       /* an address not asked about this long is given back */
    ERROR_WAIT_MS = 1000,  /* after a failed request */
    RECHECK_WAIT_MS = 50,  /* "ask again" while no fresh grant is held */
    RECHECK_BUSY_MS = 200, /* "ask again" while every granted session is in use */
};

typedef struct host host;
struct host {
    char key[MP_STORE_HOST_KEY_MAX + 1];
    char egress[MP_STORE_EGRESS_MAX + 1];
    host *hash_next;
    size_t index;            /* in cp->all */
    int granted;             /* sessions of the latest grant */
    int open;                /* sessions open now (opened - closed) */
    int wanting, starving;   /* other workers there, as the latest grant said */
    int64_t confirmed_ms;    /* when the request that brought the grant was sent; 0 = none */
    int64_t wanted_ms;       /* the scheduler's latest question */
    int64_t asked_ms;        /* our latest request about it */
    bool in_request;         /* in the request out now */
    bool giving_back;        /* asked with wanted = false */
};

struct mp_cluster_politeness {
    struct event_base *base;
    mp_store *store;
    mp_allowance_limits limits;
    int ttl_s;
    char egress_name[MP_STORE_EGRESS_MAX + 1];
    char worker[MP_WORKER_ID_LEN + 1];
    host *buckets[BUCKETS];
    host **all;
    size_t n, cap;
    struct event *tick;
    int64_t tick_at_ms;      /* when it fires, while pending */
    bool asking;             /* a request is out */
    int64_t sent_ms;         /* when it was sent */
    int64_t quiet_until_ms;  /* after an error */
    int64_t last_ok_ms;      /* the latest answered request's sending time */
    uint64_t requests, errors, waits;
};

static int64_t now_ms(void) { return mp_now_monotonic_ms(); }

/* ---- the table ---------------------------------------------------------------------- */

static host *find(mp_cluster_politeness *cp, const char *key)
{
    for (host *h = cp->buckets[mp_fnv1a32_str(key) % BUCKETS]; h; h = h->hash_next)
        if (!strcmp(h->key, key))
            return h;
    return NULL;
}

bool mp_cluster_egress_toward(const char *hostkey, char *out, size_t cap)
{
    char addr[MP_STORE_HOST_KEY_MAX + 1];
    snprintf(out, cap, "unknown");
    const char *colon = strrchr(hostkey, ':');
    if (!colon || (size_t)(colon - hostkey) >= sizeof addr)
        return false;
    memcpy(addr, hostkey, (size_t)(colon - hostkey));
    addr[colon - hostkey] = '\0';
    int port = atoi(colon + 1);
    struct sockaddr_storage ss = {0};
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        return false;
    }
    /* A UDP connect() only chooses the route and the source address. */
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    bool ok = connect(fd, (struct sockaddr *)&ss, len) == 0 && getsockname(fd, (struct sockaddr *)&local, &llen) == 0;
    close(fd);
    if (!ok)
        return false;
    const void *src = local.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&local)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr;
    if (!inet_ntop(local.ss_family, src, out, (socklen_t)cap)) {
        snprintf(out, cap, "unknown");
        return false;
    }
    return true;
}

static host *add(mp_cluster_politeness *cp, const char *key)
{
    if (cp->n >= MP_CLUSTER_HOSTS_MAX || strlen(key) > MP_STORE_HOST_KEY_MAX)
        return NULL;
    if (cp->n == cp->cap) {
        size_t cap = cp->cap ? cp->cap * 2 : 64;
        host **more = realloc(cp->all, cap * sizeof *more);
        if (!more)
            return NULL;
        cp->all = more;
        cp->cap = cap;
    }
    host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    snprintf(h->key, sizeof h->key, "%s", key);
    if (cp->egress_name[0])
        snprintf(h->egress, sizeof h->egress, "%s", cp->egress_name);
    else
        mp_cluster_egress_toward(key, h->egress, sizeof h->egress);
    uint32_t b = mp_fnv1a32_str(key) % BUCKETS;
    h->hash_next = cp->buckets[b];
    cp->buckets[b] = h;
    h->index = cp->n;
    cp->all[cp->n++] = h;
    return h;
}

static void drop(mp_cluster_politeness *cp, host *h)
{
    for (host **pp = &cp->buckets[mp_fnv1a32_str(h->key) % BUCKETS]; *pp; pp = &(*pp)->hash_next)
        if (*pp == h) {
            *pp = h->hash_next;
            break;
        }
    cp->all[h->index] = cp->all[--cp->n];
    cp->all[h->index]->index = h->index;
    free(h);
}

/* ---- asking the store ------------------------------------------------------------------ */

/* The next look at the table in `ms`, unless one is due sooner. */
static void arm(mp_cluster_politeness *cp, int ms)
{
    int64_t at = now_ms() + ms;
    if (evtimer_pending(cp->tick, NULL) && cp->tick_at_ms <= at)
        return;
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_del(cp->tick);
    evtimer_add(cp->tick, &tv);
    cp->tick_at_ms = at;
}

static int renew_ms(const mp_cluster_politeness *cp) { return cp->ttl_s * 1000 / 3; }
static int fresh_ms(const mp_cluster_politeness *cp) { return cp->ttl_s * 1000 / 2; }

static bool fresh(const mp_cluster_politeness *cp, const host *h, int64_t now)
{
    return h->confirmed_ms && now - h->confirmed_ms < fresh_ms(cp);
}

/* Whether `h` goes into the next request, and as wanted or not. */
static bool due(const mp_cluster_politeness *cp, const host *h, int64_t now, bool *wanted)
{
    *wanted = now - h->wanted_ms < IDLE_MS;
    if (!*wanted)
        return h->open == 0 && (h->granted > 0 || h->confirmed_ms); /* give back (or forget) */
    if (!h->confirmed_ms || now - h->confirmed_ms >= renew_ms(cp))
        return true;
    if (h->open >= h->granted && h->granted < cp->limits.egress_sessions && now - h->asked_ms >= MORE_MS)
        return true;
    return h->starving > 0 && h->granted > h->open && now - h->asked_ms >= SHARE_MS;
}

static void on_grants(mp_store_status st, const mp_store_allowance *g, size_t n, const char *error, void *arg)
{
    mp_cluster_politeness *cp = arg;
    cp->asking = false;
    for (size_t i = 0; i < cp->n; i++)
        cp->all[i]->in_request = false;
    if (st != MP_STORE_OK) {
        if (cp->errors++ % 60 == 0) /* one line a minute or so while the store is down */
            mp_log_detail("error", "politeness allowances: the store did not answer", error);
        cp->quiet_until_ms = now_ms() + ERROR_WAIT_MS;
        arm(cp, ERROR_WAIT_MS);
        return;
    }
    cp->last_ok_ms = cp->sent_ms;
    for (size_t i = 0; i < n; i++) {
        host *h = find(cp, g[i].host);
        if (!h)
            continue;
        h->granted = g[i].sessions;
        h->wanting = g[i].wanting;
        h->starving = g[i].starving;
        h->confirmed_ms = cp->sent_ms;
        if (h->giving_back && h->granted == 0 && h->open == 0)
            drop(cp, h);
    }
    if (cp->n)
        arm(cp, TICK_MS);
}

/* Sends one request with every address that is due (at most the store's
 * bound; the rest at the next tick). */
static void ask(mp_cluster_politeness *cp)
{
    int64_t now = now_ms();
    if (cp->asking || now < cp->quiet_until_ms)
        return;
    mp_store_allowance_ask asks[MP_STORE_ALLOWANCE_ASKS_MAX];
    size_t k = 0;
    for (size_t i = 0; i < cp->n && k < MP_STORE_ALLOWANCE_ASKS_MAX;) {
        host *h = cp->all[i];
        bool wanted;
        if (!due(cp, h, now, &wanted)) {
            i++;
            continue;
        }
        if (!wanted && h->granted == 0 && !h->confirmed_ms) {
            drop(cp, h); /* never granted anything: nothing to give back */
            continue;
        }
        asks[k++] = (mp_store_allowance_ask){h->key, h->egress, wanted, h->open};
        h->asked_ms = now;
        h->in_request = true;
        h->giving_back = !wanted;
        i++;
    }
    if (!k) {
        if (cp->n)
            arm(cp, TICK_MS);
        return;
    }
    cp->sent_ms = now;
    mp_store_status st = mp_store_allowances(cp->store, cp->worker, (int64_t)time(NULL), cp->ttl_s,
                                             cp->limits.host_sessions, cp->limits.egress_sessions, asks, k,
                                             on_grants, cp);
    cp->requests++;
    if (st == MP_STORE_OK)
        cp->asking = true;
    else
        on_grants(st, NULL, 0, st == MP_STORE_BUSY ? "the store's queue is full" : "out of memory", cp);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ask(arg);
}

/* ---- the hook ---------------------------------------------------------------------- */

static void budget(const char *key, int open, mp_host_budget *out, void *arg)
{
    mp_cluster_politeness *cp = arg;
    int64_t now = now_ms();
    host *h = find(cp, key);
    if (!h && !(h = add(cp, key))) {
        *out = (mp_host_budget){.sessions = 0, .recheck_ms = ERROR_WAIT_MS}; /* table full: wait */
        cp->waits++;
        return;
    }
    h->wanted_ms = now;
    h->open = open;
    if (!fresh(cp, h, now)) {
        *out = (mp_host_budget){.sessions = 0, .recheck_ms = RECHECK_WAIT_MS};
        cp->waits++;
        arm(cp, h->confirmed_ms ? 0 : GATHER_MS);
        return;
    }
    out->sessions = h->granted;
    out->rate = mp_allowance_rate(&cp->limits, h->granted);
    out->recheck_ms = RECHECK_BUSY_MS;
    if (open >= h->granted)
        arm(cp, h->granted == 0 ? GATHER_MS : MORE_MS);
}

static void opened(const char *key, void *arg)
{
    host *h = find(arg, key);
    if (h)
        h->open++;
}

static void closed(const char *key, void *arg)
{
    host *h = find(arg, key);
    if (h && h->open > 0)
        h->open--;
}

void mp_cluster_politeness_hook(mp_cluster_politeness *cp, mp_politeness *out)
{
    *out = (mp_politeness){.budget = budget, .opened = opened, .closed = closed, .arg = cp};
}

/* ---- life --------------------------------------------------------------------------- */

mp_cluster_politeness *mp_cluster_politeness_new(struct event_base *base, mp_store *store,
                                                 const mp_cluster_politeness_config *cfg)
{
    mp_cluster_politeness *cp = calloc(1, sizeof *cp);
    if (!cp)
        return NULL;
    cp->base = base;
    cp->store = store;
    cp->limits = cfg->limits;
    cp->ttl_s = cfg->ttl_s > 0 ? cfg->ttl_s : 30;
    snprintf(cp->egress_name, sizeof cp->egress_name, "%s", cfg->egress_name ? cfg->egress_name : "");
    snprintf(cp->worker, sizeof cp->worker, "%s", cfg->worker);
    cp->tick = evtimer_new(base, on_tick, cp);
    if (!cp->tick) {
        free(cp);
        return NULL;
    }
    return cp;
}

void mp_cluster_politeness_stats_get(const mp_cluster_politeness *cp, mp_cluster_politeness_stats *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = now_ms();
    out->hosts = cp->n;
    for (size_t i = 0; i < cp->n; i++) {
        const host *h = cp->all[i];
        out->sessions += (uint64_t)h->granted;
        out->starving += h->granted == 0 && now - h->wanted_ms < IDLE_MS;
    }
    out->requests = cp->requests;
    out->errors = cp->errors;
    out->waits = cp->waits;
    out->fresh = cp->last_ok_ms && now - cp->last_ok_ms < fresh_ms(cp);
}

static void on_given_back(mp_store_status st, const mp_store_allowance *g, size_t n, const char *error, void *arg)
{
    (void)st, (void)g, (void)n, (void)error, (void)arg; /* best effort: they expire anyway */
}

void mp_cluster_politeness_free(mp_cluster_politeness *cp)
{
    if (!cp)
        return;
    /* Everything back at once, so the others need not wait for the expiry. */
    for (size_t start = 0; start < cp->n; start += MP_STORE_ALLOWANCE_ASKS_MAX) {
        mp_store_allowance_ask asks[MP_STORE_ALLOWANCE_ASKS_MAX];
        size_t k = 0;
        for (size_t i = start; i < cp->n && k < MP_STORE_ALLOWANCE_ASKS_MAX; i++)
            asks[k++] = (mp_store_allowance_ask){cp->all[i]->key, cp->all[i]->egress, false, 0};
        mp_store_allowances(cp->store, cp->worker, (int64_t)time(NULL), cp->ttl_s, cp->limits.host_sessions,
                            cp->limits.egress_sessions, asks, k, on_given_back, NULL);
    }
    mp_store_drain(cp->store);
    while (cp->n)
        drop(cp, cp->all[0]);
    free(cp->all);
    event_free(cp->tick);
    free(cp);
}
