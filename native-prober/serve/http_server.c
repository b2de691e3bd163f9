/* http_server.c — the HTTP server of `mailprobe serve` (http_server.h; the
 * API itself: docs/openapi.yaml): listening, and the dispatcher every
 * request passes through before a route (routes.h) sees it.
 *
 * Request flow: CORS headers → preflight → (for /v1) API key → rate limit
 * → route → method → the route's handler. Handlers either reply at once or
 * keep the request (verify waiting for its probe, SSE and result streams)
 * and watch the connection's close callback; a drain answers those. */
#include "http_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "clock.h"
#include "routes.h"

enum {
    LISTEN_BACKLOG = 4096,    /* capped by net.core.somaxconn */
};

static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
    }
}

/* Compares two strings in time that depends only on their lengths' maximum,
 * so a wrong key's timing says nothing about how much of it matched. */
static bool equal_constant_time(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen > blen ? alen : blen;
    unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? (unsigned char)a[i] : 0;
        unsigned char y = i < blen ? (unsigned char)b[i] : 0;
        diff |= (unsigned char)(x ^ y);
    }
    return diff == 0;
}

/* -1 when no key matches. Every configured key is compared (no early exit). */
static int find_key(const mp_serve_config *cfg, const char *given, size_t len)
{
    int found = -1;
    for (size_t i = 0; i < cfg->api_key_count; i++)
        if (equal_constant_time(cfg->api_keys[i], strlen(cfg->api_keys[i]), given, len) && found < 0)
            found = (int)i;
    return found;
}

static const char *allowed_origin(const mp_server *s, struct evhttp_request *req)
{
    const char *origin = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
    if (!origin)
        return NULL;
    for (size_t i = 0; i < s->cfg->cors_origin_count; i++)
        if (!strcmp(origin, s->cfg->cors_origins[i]) || !strcmp(s->cfg->cors_origins[i], "*"))
            return origin;
    return NULL;
}

static bool valid_job_id(const char *id, size_t len)
{
    if (len != MP_JOB_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

/* ---- the dispatcher ------------------------------------------------------------------- */

static void handle_v1(mp_request *ri, enum evhttp_cmd_type m, const char *path)
{
    mp_server *s = ri->server;
    const mp_serve_config *cfg = s->cfg;
    /* Which route first (metrics label), then who is asking. */
    const char *rest = path + 3; /* after "/v1" */
    char id[MP_JOB_ID_LEN + 1] = "";
    const char *sub = "";
    bool known = true;
    if (!strcmp(rest, "/verify")) {
        ri->route = MP_ROUTE_VERIFY;
    } else if (!strcmp(rest, "/jobs")) {
        ri->route = MP_ROUTE_JOBS_CREATE;
    } else if (!strncmp(rest, "/jobs/", 6)) {
        const char *p = rest + 6, *slash = strchr(p, '/');
        size_t idlen = slash ? (size_t)(slash - p) : strlen(p);
        sub = slash ? slash : "";
        if (valid_job_id(p, idlen))
            memcpy(id, p, idlen);
        ri->route = !strcmp(sub, "/events") ? MP_ROUTE_JOB_EVENTS
                    : !strcmp(sub, "/results") ? MP_ROUTE_JOB_RESULTS
                    : m == EVHTTP_REQ_DELETE ? MP_ROUTE_JOB_DELETE : MP_ROUTE_JOB_GET;
        if (*sub && strcmp(sub, "/events") && strcmp(sub, "/results"))
            known = false;
    } else {
        known = false;
        ri->route = MP_ROUTE_OTHER;
    }

    if (cfg->api_key_count) {
        const char *auth = evhttp_find_header(evhttp_request_get_input_headers(ri->req), "Authorization");
        if (!auth || strncasecmp(auth, "Bearer ", 7) ||
            (ri->key_index = find_key(cfg, auth + 7, strlen(auth + 7))) < 0) {
            evhttp_add_header(evhttp_request_get_output_headers(ri->req), "WWW-Authenticate", "Bearer");
            mp_reply_error(ri, 401, auth ? "wrong API key" : "missing Authorization: Bearer KEY");
            return;
        }
    }
    char bucket[MP_RATELIMIT_KEY_MAX + 1];
    if (ri->key_index >= 0)
        snprintf(bucket, sizeof bucket, "key:%d", ri->key_index);
    else
        snprintf(bucket, sizeof bucket, "ip:%s", ri->client);
    int wait = mp_ratelimit_take(s->ratelimit, bucket, mp_now_monotonic());
    if (wait > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", wait);
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", ra);
        s->metrics.rate_limited++;
        mp_reply_error(ri, 429, "rate limit exceeded");
        return;
    }
    if (!known) {
        mp_reply_error(ri, 404, "no such endpoint");
        return;
    }
    switch (ri->route) {
    case MP_ROUTE_VERIFY:
        if (m != EVHTTP_REQ_POST)
            return mp_reply_405(ri, "POST, OPTIONS");
        return mp_route_verify(ri);
    case MP_ROUTE_JOBS_CREATE:
        if (m != EVHTTP_REQ_POST)
            return mp_reply_405(ri, "POST, OPTIONS");
        return mp_route_jobs_create(ri);
    default:
        break;
    }
    if (!id[0]) {
        mp_reply_error(ri, 404, "no such job");
        return;
    }
    if (*sub) {
        if (m != EVHTTP_REQ_GET)
            return mp_reply_405(ri, "GET, OPTIONS");
        if (ri->route == MP_ROUTE_JOB_EVENTS)
            return mp_route_job_events(ri, id);
        return mp_route_job_results(ri, id);
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_DELETE)
        return mp_reply_405(ri, "GET, DELETE, OPTIONS");
    return mp_route_job(ri, id, m == EVHTTP_REQ_DELETE);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    mp_server *s = arg;
    mp_request ri;
    memset(&ri, 0, sizeof ri);
    ri.server = s;
    ri.req = req;
    ri.t0 = mp_now_monotonic();
    ri.route = MP_ROUTE_OTHER;
    ri.key_index = -1;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    snprintf(ri.method, sizeof ri.method, "%s", method_name(m));
    char *peer = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    if (conn)
        evhttp_connection_get_peer(conn, &peer, &port);
    snprintf(ri.client, sizeof ri.client, "%s", peer ? peer : "?");

    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!raw || !*raw)
        raw = "/";
    size_t dlen = 0;
    char *path = evhttp_uridecode(raw, 0, &dlen);
    snprintf(ri.path, sizeof ri.path, "%s", raw);
    if (!path || dlen != strlen(path)) { /* an encoded NUL */
        free(path);
        mp_reply_error(&ri, 400, "bad path");
        return;
    }

    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    const char *origin = allowed_origin(s, req);
    if (origin) {
        evhttp_add_header(out, "Access-Control-Allow-Origin", origin);
        evhttp_add_header(out, "Vary", "Origin");
        evhttp_add_header(out, "Access-Control-Expose-Headers", "Retry-After, Location");
    }
    bool v1 = !strncmp(path, "/v1/", 4) || !strcmp(path, "/v1");
    if (m == EVHTTP_REQ_OPTIONS) {
        ri.route = MP_ROUTE_PREFLIGHT;
        const char *req_origin = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
        if (req_origin && !origin) {
            mp_reply_error(&ri, 403, "origin not allowed (--cors-origin)");
        } else {
            if (origin) {
                evhttp_add_header(out, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
                evhttp_add_header(out, "Access-Control-Allow-Headers", "Authorization, Content-Type");
                evhttp_add_header(out, "Access-Control-Max-Age", "600");
            }
            evhttp_add_header(out, "Allow", v1 ? "GET, POST, DELETE, OPTIONS" : "GET, HEAD, OPTIONS");
            mp_reply_text(&ri, 204, NULL, NULL);
        }
        free(path);
        return;
    }
    if (v1) {
        handle_v1(&ri, m, path);
    } else {
        /* Everything outside /v1 is read-only. */
        ri.route = !strcmp(path, "/healthz") ? MP_ROUTE_HEALTHZ
                   : !strcmp(path, "/metrics") ? MP_ROUTE_METRICS : MP_ROUTE_STATIC;
        if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
            mp_reply_405(&ri, "GET, HEAD");
        else if (ri.route == MP_ROUTE_HEALTHZ)
            mp_route_healthz(&ri);
        else if (ri.route == MP_ROUTE_METRICS)
            mp_route_metrics(&ri);
        else
            mp_route_static(&ri, path);
    }
    free(path);
}

/* ---- start / stop ------------------------------------------------------------------------ */

bool mp_http_server_start(mp_server *s, char *err, size_t errlen)
{
    const mp_serve_config *cfg = s->cfg;
    char host[256];
    const char *colon = strrchr(cfg->listen, ':');
    size_t hlen = colon ? (size_t)(colon - cfg->listen) : 0;
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || hlen >= sizeof host || !end || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "--listen '%s': expected ADDR:PORT", cfg->listen);
        return false;
    }
    memcpy(host, cfg->listen, hlen);
    host[hlen] = 0;
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = 0;
    }
    s->http = evhttp_new(s->base);
    if (!s->http) {
        snprintf(err, errlen, "evhttp_new failed");
        return false;
    }
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    /* The handlers enforce --max-body-verify/--max-body-jobs with a JSON
     * 413. evhttp's own cap is only the backstop for absurd bodies (twice
     * the largest limit): libevent 2.1 answers those itself with an HTML
     * 413 and closes the connection, before reading the body when it has a
     * Content-Length. */
    size_t max_body = cfg->max_body_jobs > cfg->max_body_verify ? cfg->max_body_jobs : cfg->max_body_verify;
    evhttp_set_max_body_size(s->http, (ev_ssize_t)(max_body > ((size_t)-1 >> 2) ? max_body : max_body * 2));
    evhttp_set_max_headers_size(s->http, 16 * 1024);
    evhttp_set_timeout(s->http, cfg->request_timeout_s);
    evhttp_set_default_content_type(s->http, "application/json");
    evhttp_set_gencb(s->http, on_request, s);
    /* Our own listener for a deep accept backlog: evhttp's default (128)
     * makes a burst of 1,000 new connections wait for SYN retransmits. */
    struct sockaddr_storage ss;
    int sslen = (int)sizeof ss;
    char addr_text[300];
    snprintf(addr_text, sizeof addr_text, strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
    if (evutil_parse_sockaddr_port(addr_text, (struct sockaddr *)&ss, &sslen) != 0) {
        snprintf(err, errlen, "--listen '%s': not a numeric address (use 127.0.0.1 or [::1], not a name)",
                 cfg->listen);
        evhttp_free(s->http);
        s->http = NULL;
        return false;
    }
    struct evconnlistener *l = evconnlistener_new_bind(s->base, NULL, NULL,
                                                       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
                                                       LISTEN_BACKLOG, (struct sockaddr *)&ss, sslen);
    if (!l || !(s->bound = evhttp_bind_listener(s->http, l))) {
        snprintf(err, errlen, "cannot listen on %s: %s", cfg->listen, strerror(errno));
        if (l)
            evconnlistener_free(l);
        evhttp_free(s->http);
        s->http = NULL;
        return false;
    }
    return true;
}

void mp_http_server_drain(mp_server *s, void (*drained)(void *arg), void *arg)
{
    s->stopping = true;
    mp_server_drain_begin(s, drained, arg);
    if (s->http && s->bound) {
        evhttp_del_accept_socket(s->http, s->bound);
        s->bound = NULL;
    }
    mp_route_streams_shut_all(s, true);
    mp_route_verify_shut_all(s, true);
    mp_server_final_reply_written(s);
}

void mp_http_server_stop(mp_server *s)
{
    s->stopping = true;
    mp_route_streams_shut_all(s, false);
    mp_route_verify_shut_all(s, false);
    if (s->http)
        evhttp_free(s->http);
    s->http = NULL;
    s->bound = NULL;
}

