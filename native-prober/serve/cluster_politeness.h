/* cluster_politeness.h — the engine's politeness hook (engine/politeness.h)
 * for a worker of a cluster: each MX address's budget is this worker's
 * allowance there (allowance.h), leased from the store.
 *
 * The scheduler asks for a budget before each new session; the answer is
 * always immediate, from memory: the sessions granted at that address
 * (and the rate that goes with them), or none — "ask again shortly" —
 * while no fresh grant is held. Asking the store is batched: at most one
 * request in flight, carrying every address that needs it — new ones
 * (after a 20 ms gathering pause), renewals (a third of --lease-ttl after
 * the last grant), more wanted (all granted sessions in use, below the
 * egress limit: at most once a second), a fair part given back (another
 * worker starves there: every 2 s), and addresses unused for 10 s given
 * back. Never one request per session.
 *
 * A grant counts as fresh for half of --lease-ttl after the request that
 * brought it was sent; past that (the store unreachable) no new session
 * starts anywhere, before the store could hand the same share to another
 * worker. Sessions already open finish. Everything on the loop. */
#ifndef MP_CLUSTER_POLITENESS_H
#define MP_CLUSTER_POLITENESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include "allowance.h"
#include "politeness.h"
#include "store.h"

enum { MP_CLUSTER_HOSTS_MAX = 8192 }; /* MX addresses remembered; idle ones are given back first */

typedef struct mp_cluster_politeness mp_cluster_politeness;

typedef struct mp_cluster_politeness_config {
    mp_allowance_limits limits;  /* the cluster's and the egress's */
    int ttl_s;                   /* --lease-ttl: how long a grant lives unrenewed */
    const char *egress_name;     /* "" = the source address toward each MX address */
    const char *worker;          /* this worker's id (jobs.h) */
} mp_cluster_politeness_config;

/* Creates the hook's state on `base`, asking `store` (borrowed: both must
 * outlive it). Strings are copied. NULL when out of memory. */
mp_cluster_politeness *mp_cluster_politeness_new(struct event_base *base, mp_store *store,
                                                 const mp_cluster_politeness_config *cfg);

/* The hook to install with mp_prober_set_politeness(); valid while `cp`
 * lives. */
void mp_cluster_politeness_hook(mp_cluster_politeness *cp, mp_politeness *out);

/* For /healthz and /metrics. */
typedef struct mp_cluster_politeness_stats {
    size_t hosts;          /* MX addresses held or asked about */
    uint64_t sessions;     /* sessions granted now, all addresses */
    size_t starving;       /* addresses wanted with nothing granted */
    uint64_t requests;     /* store requests sent */
    uint64_t errors;       /* ... that failed */
    uint64_t waits;        /* budgets answered "none now" for want of a fresh grant */
    bool fresh;            /* the latest answer is within half of --lease-ttl */
} mp_cluster_politeness_stats;

void mp_cluster_politeness_stats_get(const mp_cluster_politeness *cp, mp_cluster_politeness_stats *out);

/* The source address the kernel picks toward `host` ("address:port"), as
 * text, into out (INET6_ADDRSTRLEN octets): a UDP connect() and
 * getsockname(), no packet sent. false (and "unknown") when there is no
 * route. Exposed for tests. */
bool mp_cluster_egress_toward(const char *host, char *out, size_t cap);

/* Gives every allowance back in one request, waits for it (mp_store_drain:
 * call after the loop has ended, before the store closes) and frees. NULL
 * is fine. */
void mp_cluster_politeness_free(mp_cluster_politeness *cp);

#endif
