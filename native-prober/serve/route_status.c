/* route_status.c — GET /healthz (liveness, list versions, queue depths) and
 * GET /metrics (Prometheus text, metrics.h) (routes.h). */
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "clock.h"
#include "jobs.h"
#include "routes.h"
#include "server.h"

void mp_route_healthz(mp_request *ri)
{
    mp_server *s = ri->server;
    mp_list_info li;
    mp_list_info_get(&li);
    mp_prober_stats ps;
    mp_prober_stats_get(s->prober, &ps);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", s->stopping ? "stopping" : "ok");
    cJSON_AddStringToObject(o, "version", MP_CORE_VERSION);
    cJSON_AddNumberToObject(o, "uptime_s", (double)(long)(mp_now_monotonic() - s->started));
    cJSON *l = cJSON_AddObjectToObject(o, "lists");
    cJSON_AddStringToObject(l, "disposable_version", li.disposable_version);
    cJSON_AddNumberToObject(l, "disposable_count", (double)li.disposable_count);
    cJSON_AddNumberToObject(l, "extra_disposable_count", (double)mp_domain_list_count(s->extra));
    cJSON *j = cJSON_AddObjectToObject(o, "jobs");
    cJSON_AddNumberToObject(j, "queued", (double)mp_jobs_queued(s->jobs));
    cJSON_AddNumberToObject(j, "running", (double)mp_jobs_running(s->jobs));
    cJSON *p = cJSON_AddObjectToObject(o, "prober");
    cJSON_AddNumberToObject(p, "in_flight", (double)ps.in_flight);
    cJSON_AddNumberToObject(p, "queued", (double)ps.queued);
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
    memset(&g, 0, sizeof g);
    mp_prober_stats_get(s->prober, &g.prober);
    g.jobs_queued = mp_jobs_queued(s->jobs);
    g.jobs_running = mp_jobs_running(s->jobs);
    g.verify_pending = s->verify_pending;
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

