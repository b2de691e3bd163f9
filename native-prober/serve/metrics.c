/* metrics.c — Prometheus text exposition for `mailprobe serve` (metrics.h). */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double bucket_le[MP_METRICS_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  5,     10,   30};

const char *mp_route_name(mp_route r)
{
    static const char *const names[MP_ROUTE_COUNT] = {
        "verify", "jobs_create", "job_get", "job_events", "job_results", "job_delete",
        "healthz", "metrics", "static", "preflight", "other"};
    return (unsigned)r < MP_ROUTE_COUNT ? names[r] : "other";
}

void mp_metrics_init(mp_metrics *m) { memset(m, 0, sizeof *m); }

void mp_metrics_request(mp_metrics *m, mp_route route, int code, double seconds)
{
    if ((unsigned)route >= MP_ROUTE_COUNT)
        route = MP_ROUTE_OTHER;
    int slot = -1;
    for (int i = 0; i < MP_METRICS_CODES; i++) {
        if (m->codes[i] == code || m->codes[i] == 0) {
            m->codes[i] = code;
            slot = i;
            break;
        }
    }
    if (slot < 0)
        slot = MP_METRICS_CODES - 1; /* more distinct codes than slots: lump into the last */
    m->requests[route][slot]++;
    for (int b = 0; b < MP_METRICS_BUCKETS; b++)
        if (seconds <= bucket_le[b]) {
            m->latency_bucket[route][b]++;
            break;
        }
    m->latency_sum[route] += seconds;
    m->latency_count[route]++;
}

void mp_metrics_render(const mp_metrics *m, const mp_metrics_gauges *g, struct evbuffer *out)
{
    evbuffer_add_printf(out, "# HELP mailprobe_http_requests_total HTTP requests by route and status code.\n"
                             "# TYPE mailprobe_http_requests_total counter\n");
    for (int r = 0; r < MP_ROUTE_COUNT; r++)
        for (int i = 0; i < MP_METRICS_CODES && m->codes[i]; i++)
            if (m->requests[r][i])
                evbuffer_add_printf(out, "mailprobe_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
                                    mp_route_name((mp_route)r), m->codes[i],
                                    (unsigned long long)m->requests[r][i]);
    evbuffer_add_printf(out, "# HELP mailprobe_http_request_duration_seconds Time from request to reply.\n"
                             "# TYPE mailprobe_http_request_duration_seconds histogram\n");
    for (int r = 0; r < MP_ROUTE_COUNT; r++) {
        if (!m->latency_count[r])
            continue;
        const char *name = mp_route_name((mp_route)r);
        uint64_t cum = 0;
        for (int b = 0; b < MP_METRICS_BUCKETS; b++) {
            cum += m->latency_bucket[r][b];
            evbuffer_add_printf(out, "mailprobe_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                                name, bucket_le[b], (unsigned long long)cum);
        }
        evbuffer_add_printf(out,
                            "mailprobe_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                            "mailprobe_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                            "mailprobe_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                            name, (unsigned long long)m->latency_count[r], name, m->latency_sum[r], name,
                            (unsigned long long)m->latency_count[r]);
    }
    const mp_prober_stats *p = &g->prober;
    evbuffer_add_printf(out, "# HELP mailprobe_probes_total Finished probes by status.\n"
                             "# TYPE mailprobe_probes_total counter\n");
    for (int s = 0; s < MP_STATUS_COUNT; s++)
        evbuffer_add_printf(out, "mailprobe_probes_total{status=\"%s\"} %llu\n", mp_status_name((mp_status)s),
                            (unsigned long long)p->by_status[s]);
    evbuffer_add_printf(out, "# HELP mailprobe_probe_reasons_total Finished probes by reason.\n"
                             "# TYPE mailprobe_probe_reasons_total counter\n");
    for (int r = 0; r < MP_REASON_COUNT; r++)
        if (p->by_reason[r])
            evbuffer_add_printf(out, "mailprobe_probe_reasons_total{reason=\"%s\"} %llu\n",
                                mp_reason_name((mp_reason)r), (unsigned long long)p->by_reason[r]);
    struct { const char *name, *type, *help; uint64_t v; } simple[] = {
        {"mailprobe_probes_submitted_total", "counter", "Addresses given to the prober.", p->submitted},
        {"mailprobe_probes_cancelled_total", "counter", "Probes cancelled (job cancelled, client gone).", p->cancelled},
        {"mailprobe_smtp_sessions_total", "counter", "SMTP connections attempted.", p->sessions_opened},
        {"mailprobe_smtp_sessions_failed_total", "counter", "SMTP sessions ending in a connection or protocol failure.", p->sessions_failed},
        {"mailprobe_smtp_sessions_active", "gauge", "SMTP sessions open now.", p->sessions_active},
        {"mailprobe_dns_queries_total", "counter", "DNS queries sent (MX and address lookups).", p->dns_queries},
        {"mailprobe_dns_cache_hits_total", "counter", "DNS lookups answered from the resolver cache.", p->dns_cache_hits},
        {"mailprobe_dns_errors_total", "counter", "DNS queries that failed (timeout, SERVFAIL, ...).", p->dns_errors},
        {"mailprobe_smtp_rcpt_total", "counter", "RCPT TO commands sent (catch-all tests included).", p->rcpt_sent},
        {"mailprobe_catch_all_tests_total", "counter", "RCPT TO commands for random local parts (catch-all tests).", p->catch_all_tests},
        {"mailprobe_probes_in_flight", "gauge", "Probes admitted and not finished.", p->in_flight},
        {"mailprobe_probes_queued", "gauge", "Probes waiting for a concurrency slot.", p->queued},
        {"mailprobe_probes_in_memory", "gauge", "Probes held in memory (submitted and not freed yet).", p->probes},
        {"mailprobe_probes_refused_total", "counter", "Submissions refused because the prober's queue was full (--max-queued).", p->refused_full},
        {"mailprobe_domains_remembered", "gauge", "Domains the prober remembers (--max-domains, plus those in use).", p->domains},
        {"mailprobe_domains_evicted_total", "counter", "Idle domains forgotten to stay within --max-domains.", p->domains_evicted},
        {"mailprobe_hosts_remembered", "gauge", "Mail host addresses the prober remembers (--max-hosts, plus those in use).", p->hosts},
        {"mailprobe_hosts_evicted_total", "counter", "Idle mail host addresses forgotten to stay within --max-hosts.", p->hosts_evicted},
        {"mailprobe_verify_pending", "gauge", "POST /v1/verify requests waiting for their probe.", g->verify_pending},
        {"mailprobe_jobs_queued", "gauge", "Jobs waiting to run, all workers (job queue depth).", g->jobs_queued},
        {"mailprobe_jobs_running", "gauge", "Jobs probing now, all workers.", g->jobs_running},
        {"mailprobe_cluster_workers", "gauge", "Workers with a fresh heartbeat in the store.", g->cluster_workers},
        {"mailprobe_cluster_addresses_pending", "gauge", "Addresses of unfinished jobs without a result, all workers.", g->addresses_pending},
        {"mailprobe_cluster_addresses_leased", "gauge", "Of those, leased to a worker now.", g->addresses_leased},
        {"mailprobe_cluster_addresses_retrying", "gauge", "Of those, with only temporary answers so far, waiting for (or in) their next attempt.", g->addresses_retrying},
        {"mailprobe_allowance_hosts", "gauge", "MX addresses this worker holds (or asks) a politeness allowance for (PostgreSQL).", g->allowance_hosts},
        {"mailprobe_allowance_sessions", "gauge", "SMTP sessions granted to this worker, all MX addresses together.", g->allowance_sessions},
        {"mailprobe_allowance_starving", "gauge", "MX addresses this worker wants sessions at and holds none.", g->allowance_starving},
        {"mailprobe_allowance_requests_total", "counter", "Allowance requests to the store (each covers many MX addresses).", g->allowance_requests},
        {"mailprobe_allowance_errors_total", "counter", "Allowance requests that failed.", g->allowance_errors},
        {"mailprobe_allowance_waits_total", "counter", "New sessions held back for want of a fresh allowance.", g->allowance_waits},
        {"mailprobe_job_retries_scheduled_total", "counter", "Temporary answers (greylisting, 4xx, timeouts) this worker put back on the retry schedule.", g->retries_scheduled},
        {"mailprobe_worker_jobs", "gauge", "Running jobs this worker works on.", g->worker_jobs},
        {"mailprobe_worker_addresses_held", "gauge", "Addresses leased by this worker: waiting or in the prober.", g->worker_held},
        {"mailprobe_worker_deferring", "gauge", "1 while this worker leases nothing new: its resolver is not honest and another worker's is.", g->worker_deferring},
        {"mailprobe_store_requests_total", "counter", "Store operations finished.", g->store_requests},
        {"mailprobe_store_errors_total", "counter", "Store operations that failed.", g->store_errors},
        {"mailprobe_store_busy_total", "counter", "Store operations refused: its queue was full.", g->store_busy},
        {"mailprobe_store_round_trips_total", "counter", "Statements sent to the database server (PostgreSQL).", g->store_round_trips},
        {"mailprobe_store_addresses_leased_total", "counter", "Addresses this worker leased.", g->store_leased},
        {"mailprobe_store_results_written_total", "counter", "Results this worker stored.", g->store_written},
        {"mailprobe_store_queue_depth", "gauge", "Store operations waiting for the store thread.", g->store_queued},
        {"mailprobe_jobs_created_total", "counter", "Jobs accepted.", m->jobs_created},
        {"mailprobe_jobs_finished_total", "counter", "Jobs that reached done.", m->jobs_finished},
        {"mailprobe_verify_cache_hits_total", "counter", "Single verifies answered from the cache.", m->cache_hits},
        {"mailprobe_verify_cache_misses_total", "counter", "Single verifies that needed a probe.", m->cache_misses},
        {"mailprobe_rate_limited_total", "counter", "Requests refused with 429.", m->rate_limited},
        {"mailprobe_http_connections_open", "gauge", "HTTP connections open now (closing ones included).", g->connections_open},
        {"mailprobe_http_connections_total", "counter", "HTTP connections accepted.", g->connections_accepted},
        {"mailprobe_http_connections_evicted_total", "counter", "Idle connections closed at --max-connections or out of descriptors.", g->connections_evicted},
        {"mailprobe_http_refused_before_body_total", "counter", "Requests refused from their head, body unread.", g->requests_refused_early},
        {"mailprobe_http_request_deadline_total", "counter", "Requests that did not arrive within --request-deadline.", g->request_deadlines},
        {"mailprobe_http_accept_pauses_total", "counter", "Times accepting paused (connection limit, out of descriptors).", g->accept_pauses},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", simple[i].name, simple[i].help,
                            simple[i].name, simple[i].type, simple[i].name, (unsigned long long)simple[i].v);
    /* One series per state, 1 for the current one: alert on
     * mailprobe_dns_resolver_honest == 0. */
    evbuffer_add_printf(out, "# HELP mailprobe_dns_resolver_honest 1 while the resolver answers its canaries "
                             "honestly; DNS denials are believed only then.\n"
                             "# TYPE mailprobe_dns_resolver_honest gauge\n"
                             "mailprobe_dns_resolver_honest %d\n"
                             "# HELP mailprobe_dns_resolver_state The resolver's trust state (1 = current).\n"
                             "# TYPE mailprobe_dns_resolver_state gauge\n",
                        p->resolver_state == MP_RESOLVER_HONEST);
    for (int st = 0; st < MP_RESOLVER_STATE_COUNT; st++)
        evbuffer_add_printf(out, "mailprobe_dns_resolver_state{state=\"%s\"} %d\n",
                            mp_resolver_state_name((mp_resolver_state)st), p->resolver_state == (mp_resolver_state)st);
    evbuffer_add_printf(out, "# HELP mailprobe_cluster_resolvers Live workers whose resolver is in each trust state "
                             "(their latest heartbeats).\n"
                             "# TYPE mailprobe_cluster_resolvers gauge\n");
    for (int st = 0; st < MP_RESOLVER_STATE_COUNT; st++)
        evbuffer_add_printf(out, "mailprobe_cluster_resolvers{state=\"%s\"} %llu\n",
                            mp_resolver_state_name((mp_resolver_state)st), (unsigned long long)g->cluster_resolvers[st]);
}
