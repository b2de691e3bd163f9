/* routes.h — the handlers behind each path of the API (docs/openapi.yaml).
 * The dispatcher (http_server.c) has already sent CORS headers, checked the
 * API key and the rate limit, and checked the method; a handler checks the
 * body and answers (http_request.h) or holds the request until it can.
 * Every handler replies exactly once, on every path. */
#ifndef MP_ROUTES_H
#define MP_ROUTES_H
#include <stdbool.h>
#include "http_request.h"

/* POST /v1/verify {"email"}: from the cache, or through the prober (the
 * request is held; the probe is cancelled if the client goes). 415 unless
 * application/json, 413 over --max-body-verify, 400 malformed, 503 when
 * --max-pending-verify are waiting or the server is stopping. */
void mp_route_verify(mp_request *ri);

/* Answers every held verify 503 (Retry-After, Connection: close) and
 * cancels its probe. With wait_for_write the server counts each reply as a
 * final reply of its drain (mp_server_hold_final_reply). */
void mp_route_verify_shut_all(mp_server *s, bool wait_for_write);

/* POST /v1/jobs: {"emails":[...]}, text/csv or text/plain → 202 {"id",
 * "total"} with Location. 413 over --max-body-jobs or --max-job-addresses,
 * 415 other types, 400 malformed or empty, 503 too many unfinished jobs. */
void mp_route_jobs_create(mp_request *ri);

/* GET /v1/jobs/{id} (the job object), or with `cancel` DELETE: a queued or
 * running job is cancelled (200, the job object), a finished one deleted
 * with its addresses and results (204). `id` is a valid job id; 404 when unknown. */
void mp_route_job(mp_request *ri, const char *id, bool cancel);

/* GET /v1/jobs/{id}/events: Server-Sent Events, "progress" whenever the job
 * changes, "done" at the end; 15 s heartbeats. 404 unknown job, 503 when
 * 1024 streams are open. */
void mp_route_job_events(mp_request *ri, const char *id);

/* GET /v1/jobs/{id}/results: NDJSON, or CSV with ?format=csv or Accept:
 * text/csv, in input order, streamed 1000 rows at a time. 400 for another
 * ?format, 404 unknown job, 503 when 1024 streams are open. */
void mp_route_job_results(mp_request *ri, const char *id);

/* Ends every open stream: an event stream properly (counted as a final
 * reply with wait_for_write), a result stream by dropping its connection
 * so a cut-short download never looks complete. */
void mp_route_streams_shut_all(mp_server *s, bool wait_for_write);

/* GET /healthz: status, version, uptime, list sizes, queue depths; 503
 * while stopping. */
void mp_route_healthz(mp_request *ri);

/* GET /metrics: Prometheus text exposition (metrics.h). */
void mp_route_metrics(mp_request *ri);

/* GET of any other path: a file under --web DIR; 404 when there is no web
 * directory or no such file, 403 for a path leaving it. */
void mp_route_static(mp_request *ri, const char *decoded_path);

#endif
