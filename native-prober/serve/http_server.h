/* http_api.h — the HTTP face of `mailprobe serve`: libevent's evhttp on the
 * prober's own event loop, routes of docs/openapi.yaml, API-key checks,
 * rate limits, CORS, JSON errors, access logs and /metrics.
 *
 * Every error is {"error":{"code","message"}} with its HTTP status:
 * 400 bad_request, 401 unauthorized, 403 forbidden (CORS preflight from an
 * unknown origin, path traversal), 404 not_found, 405 method_not_allowed
 * (with Allow), 413 payload_too_large, 415 unsupported_media_type,
 * 429 rate_limited (with Retry-After), 500 internal, 503 overloaded. */
#ifndef MP_HTTP_API_H
#define MP_HTTP_API_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <event2/event.h>
#include <event2/http.h>
#include "config.h"
#include "jobs.h"
#include "metrics.h"
#include "prober.h"
#include "ratelimit.h"
#include "store.h"

typedef struct mp_http_stream mp_http_stream;
typedef struct mp_verify_ctx mp_verify_ctx;

/* The server: everything a request handler may touch. serve.c owns and
 * builds it; http_api.c only reads the configuration. */
typedef struct mp_server {
    struct event_base *base;
    const mp_serve_config *cfg;
    mp_prober *prober;
    mp_store *store;
    mp_jobs *jobs;
    mp_ratelimit *ratelimit;
    mp_domain_list *extra;       /* --disposable-list, swapped on SIGHUP */
    char web_root[PATH_MAX];     /* "" = no static files */
    mp_metrics metrics;
    struct evhttp *http;
    struct evhttp_bound_socket *bound; /* the listener; removed when draining */
    size_t final_replies;        /* replies of a drain still being written */
    void (*on_drained)(void *arg);
    void *on_drained_arg;
    size_t verify_pending;       /* POST /v1/verify waiting for the prober */
    double started;              /* monotonic seconds */
    mp_http_stream *streams;     /* open SSE and result streams */
    mp_verify_ctx *verify_head;  /* single verifies waiting for the prober */
    bool stopping;
} mp_server;

/* Creates the evhttp server on s->base and binds s->cfg->listen. false +
 * message when the address cannot be bound. */
bool mp_http_api_start(mp_server *s, char *err, size_t errlen);

/* The first half of a clean stop: closes the listening socket, ends open
 * streams and answers waiting single verifies 503 (with Retry-After and
 * Connection: close). `drained(arg)` runs from the loop once those last
 * replies are written — at once when there are none. A client that stops
 * reading may keep a reply from ever finishing, so the caller also sets a
 * deadline, then calls mp_http_api_stop(). */
void mp_http_api_drain(mp_server *s, void (*drained)(void *arg), void *arg);

/* Stops accepting, ends open streams and frees the evhttp server. Pending
 * single verifies are answered 503 (without waiting for the reply to be
 * written: use mp_http_api_drain first for that). */
void mp_http_api_stop(mp_server *s);

#endif
