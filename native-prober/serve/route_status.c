/* route_status.c — GET /healthz (liveness, list versions, queue depths) and
 * GET /metrics (Prometheus text, metrics.h) (routes.h). */
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "clock.h"
#include "http_gate.h"
#include "jobs.h"
#include "routes.h"
#include "server.h"

/* What the worker knows of itself, its store and the cluster. */
static void gauges(mp_server *s, mp_metrics_gauges *g, mp_jobs_stats *js, mp_store_stats *ss)
{
    memset(g, 0, sizeof *g);
    mp_prober_stats_get(s->prober, &g->prober);
    mp_jobs_stats_get(s->jobs, js);
    mp_store_stats_get(s->store, ss);
    g->jobs_queued = (uint64_t)js->cluster.jobs_queued;
    g->jobs_running = (uint64_t)js->cluster.jobs_running;
    g->verify_pending = s->verify_pending;
    g->cluster_workers = (uint64_t)js->cluster.workers;
    g->addresses_pending = (uint64_t)js->cluster.addresses_pending;
    g->addresses_leased = (uint64_t)js->cluster.addresses_leased;
    g->addresses_retrying = (uint64_t)js->cluster.addresses_retrying;
    g->retries_scheduled = js->retries_scheduled;
    for (int i = 0; i < MP_RESOLVER_STATE_COUNT; i++)
        g->cluster_resolvers[i] = (uint64_t)js->cluster.resolvers[i];
    g->worker_deferring = js->deferring;
    if (s->politeness) {
        mp_cluster_politeness_stats ps;
        mp_cluster_politeness_stats_get(s->politeness, &ps);
        g->allowance_hosts = ps.hosts;
        g->allowance_sessions = ps.sessions;
        g->allowance_starving = ps.starving;
        g->allowance_requests = ps.requests;
        g->allowance_errors = ps.errors;
        g->allowance_waits = ps.waits;
    }
    g->worker_jobs = js->jobs;
    g->worker_held = js->held;
    g->store_requests = ss->requests;
    g->store_errors = ss->errors;
    g->store_busy = ss->busy;
    g->store_round_trips = ss->round_trips;
    g->store_leased = ss->leased;
    g->store_written = ss->written;
    g->store_queued = ss->queued;
    mp_gate_stats gs;
    mp_gate_stats_get(s->gate, &gs);
    g->connections_open = gs.open;
    g->connections_accepted = gs.accepted;
    g->connections_evicted = gs.evicted;
    g->requests_refused_early = gs.refused;
    g->request_deadlines = gs.deadline_expired;
    g->accept_pauses = gs.accept_paused;
}

void mp_route_healthz(mp_request *ri)
{
    mp_server *s = ri->server;
    mp_list_info li;
    mp_list_info_get(&li);
    mp_metrics_gauges g;
    mp_jobs_stats js;
    mp_store_stats ss;
    gauges(s, &g, &js, &ss);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", s->stopping ? "stopping" : "ok");
    cJSON_AddStringToObject(o, "version", MP_CORE_VERSION);
    cJSON_AddNumberToObject(o, "uptime_s", (double)(long)(mp_now_monotonic() - s->started));
    cJSON *l = cJSON_AddObjectToObject(o, "lists");
    cJSON_AddStringToObject(l, "disposable_version", li.disposable_version);
    cJSON_AddNumberToObject(l, "disposable_count", (double)li.disposable_count);
    cJSON_AddNumberToObject(l, "extra_disposable_count", (double)mp_domain_list_count(s->extra));
    /* The queue is the cluster's: every worker of the store sees the same. */
    cJSON *j = cJSON_AddObjectToObject(o, "jobs");
    cJSON_AddNumberToObject(j, "queued", (double)g.jobs_queued);
    cJSON_AddNumberToObject(j, "running", (double)g.jobs_running);
    cJSON *c = cJSON_AddObjectToObject(o, "cluster");
    cJSON_AddBoolToObject(c, "known", js.cluster_known);
    cJSON_AddNumberToObject(c, "workers", (double)g.cluster_workers);
    cJSON_AddNumberToObject(c, "addresses_pending", (double)g.addresses_pending);
    cJSON_AddNumberToObject(c, "addresses_leased", (double)g.addresses_leased);
    cJSON_AddNumberToObject(c, "addresses_retrying", (double)g.addresses_retrying);
    /* Resolver trust is shared (trust_share.h): the live workers per
     * resolver state, and whether this one leaves new addresses to the
     * honest ones. */
    cJSON *rs = cJSON_AddObjectToObject(c, "resolvers");
    for (int i = 0; i < MP_RESOLVER_STATE_COUNT; i++)
        if (js.cluster.resolvers[i])
            cJSON_AddNumberToObject(rs, mp_resolver_state_name((mp_resolver_state)i), (double)js.cluster.resolvers[i]);
    cJSON_AddBoolToObject(c, "deferring", js.deferring);
    cJSON *w = cJSON_AddObjectToObject(o, "worker");
    cJSON_AddStringToObject(w, "id", js.worker);
    cJSON_AddStringToObject(w, "name", js.name);
    cJSON_AddNumberToObject(w, "jobs", (double)js.jobs);
    cJSON_AddNumberToObject(w, "addresses_held", (double)js.held);
    cJSON_AddBoolToObject(w, "writes_failing", js.writes_failing);
    cJSON_AddNumberToObject(w, "retries_scheduled", (double)js.retries_scheduled);
    /* Whose limits hold toward each mail host (docs/scale-out.md). */
    const mp_serve_config *cfg = s->cfg;
    cJSON *pol = cJSON_AddObjectToObject(o, "politeness");
    cJSON_AddStringToObject(pol, "scope", s->politeness ? "cluster" : "local");
    cJSON_AddNumberToObject(pol, "per_host_connections", cfg->prober.per_host_connections);
    cJSON_AddNumberToObject(pol, "per_host_rate", cfg->prober.per_host_rate);
    if (s->politeness) {
        mp_cluster_politeness_stats ps;
        mp_cluster_politeness_stats_get(s->politeness, &ps);
        cJSON_AddNumberToObject(pol, "cluster_host_connections", cfg->cluster_host_connections);
        cJSON_AddNumberToObject(pol, "cluster_host_rate", mp_serve_cluster_host_rate(cfg));
        cJSON_AddStringToObject(pol, "egress", cfg->egress_name[0] ? cfg->egress_name : "source address");
        cJSON_AddNumberToObject(pol, "hosts", (double)ps.hosts);
        cJSON_AddNumberToObject(pol, "sessions_granted", (double)ps.sessions);
        cJSON_AddNumberToObject(pol, "hosts_starving", (double)ps.starving);
        cJSON_AddBoolToObject(pol, "fresh", ps.fresh);
    }
    cJSON *st = cJSON_AddObjectToObject(o, "store");
    cJSON_AddStringToObject(st, "backend", mp_store_backend(s->store));
    cJSON_AddNumberToObject(st, "schema", mp_store_schema_version(s->store));
    cJSON_AddNumberToObject(st, "queue", (double)ss.queued);
    cJSON *p = cJSON_AddObjectToObject(o, "prober");
    cJSON_AddNumberToObject(p, "in_flight", (double)g.prober.in_flight);
    cJSON_AddNumberToObject(p, "queued", (double)g.prober.queued);
    /* Whether DNS denials are believed (docs/dns-and-safety.md). */
    mp_resolver_trust rt;
    mp_prober_resolver_trust(s->prober, &rt);
    cJSON *d = cJSON_AddObjectToObject(o, "dns");
    cJSON_AddStringToObject(d, "resolver", mp_resolver_state_name(rt.state));
    cJSON_AddBoolToObject(d, "trusted", rt.state == MP_RESOLVER_HONEST);
    cJSON_AddStringToObject(d, "why", rt.why);
    cJSON_AddBoolToObject(d, "checking", rt.checking);
    cJSON_AddNumberToObject(d, "rounds", (double)rt.rounds);
    if (rt.last_round_ms)
        cJSON_AddNumberToObject(d, "checked_s_ago", (double)((mp_now_monotonic_ms() - rt.last_round_ms) / 1000));
    else
        cJSON_AddNullToObject(d, "checked_s_ago");
    cJSON_AddStringToObject(d, "canaries", rt.canaries);
    mp_reply_json(ri, s->stopping ? 503 : 200, o);
    cJSON_Delete(o);
}

void mp_route_metrics(mp_request *ri)
{
    mp_server *s = ri->server;
    mp_metrics_gauges g;
    mp_jobs_stats js;
    mp_store_stats ss;
    gauges(s, &g, &js, &ss);
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        mp_reply_error(ri, 500, "out of memory");
        return;
    }
    /* This request is counted before rendering so the output includes it. */
    mp_metrics_render(&s->metrics, &g, b);
    mp_reply_buffer(ri, 200, "text/plain; version=0.0.4; charset=utf-8", b);
    evbuffer_free(b);
}
