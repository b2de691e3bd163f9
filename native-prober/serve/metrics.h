/* metrics.h — what `mailprobe serve` tells its operator: the counters
 * behind GET /metrics (Prometheus text format, every name prefixed
 * mailprobe_): HTTP requests by route and status code with latency
 * histograms, probe outcomes, and gauges the caller samples (prober stats,
 * job queue depth) — fixed-size arrays, no allocation. */
#ifndef MP_METRICS_H
#define MP_METRICS_H
#include <event2/buffer.h>
#include <stdint.h>
#include "prober.h"

typedef enum mp_route {
    MP_ROUTE_VERIFY = 0,
    MP_ROUTE_JOBS_CREATE,
    MP_ROUTE_JOB_GET,
    MP_ROUTE_JOB_EVENTS,
    MP_ROUTE_JOB_RESULTS,
    MP_ROUTE_JOB_DELETE,
    MP_ROUTE_HEALTHZ,
    MP_ROUTE_METRICS,
    MP_ROUTE_STATIC,
    MP_ROUTE_PREFLIGHT,
    MP_ROUTE_OTHER,
    MP_ROUTE_COUNT
} mp_route;

const char *mp_route_name(mp_route r);

enum { MP_METRICS_CODES = 24, MP_METRICS_BUCKETS = 14 };

typedef struct mp_metrics {
    int codes[MP_METRICS_CODES];                     /* status codes seen, in order */
    uint64_t requests[MP_ROUTE_COUNT][MP_METRICS_CODES];
    uint64_t latency_bucket[MP_ROUTE_COUNT][MP_METRICS_BUCKETS]; /* cumulative on output */
    double latency_sum[MP_ROUTE_COUNT];
    uint64_t latency_count[MP_ROUTE_COUNT];
    uint64_t cache_hits, cache_misses;
    uint64_t jobs_created, jobs_finished;
    uint64_t rate_limited;
} mp_metrics;

/* Gauges (and the store's counters) sampled at render time. */
typedef struct mp_metrics_gauges {
    mp_prober_stats prober;
    uint64_t jobs_queued, jobs_running;     /* the whole cluster's (store heartbeat) */
    uint64_t verify_pending;
    uint64_t cluster_workers, addresses_pending, addresses_leased, addresses_retrying;
    uint64_t retries_scheduled;             /* this worker's temporary answers put back */
    uint64_t allowance_hosts, allowance_sessions, allowance_starving; /* cluster politeness (0: local) */
    uint64_t allowance_requests, allowance_errors, allowance_waits;
    uint64_t cluster_resolvers[MP_RESOLVER_STATE_COUNT]; /* live workers per resolver state */
    uint64_t worker_jobs, worker_held;      /* this worker's share */
    uint64_t worker_deferring;              /* 1: leaving new addresses to honest peers */
    uint64_t store_requests, store_errors, store_busy, store_round_trips, store_leased, store_written, store_queued;
    /* The connections (http_gate.h). */
    uint64_t connections_open, connections_accepted, connections_evicted;
    uint64_t requests_refused_early, request_deadlines, accept_pauses;
} mp_metrics_gauges;

void mp_metrics_init(mp_metrics *m);

/* Counts one finished request; `seconds` from arrival to reply. */
void mp_metrics_request(mp_metrics *m, mp_route route, int code, double seconds);

/* Appends the whole exposition text to `out`. */
void mp_metrics_render(const mp_metrics *m, const mp_metrics_gauges *g, struct evbuffer *out);

#endif
