/* http_server.c — the HTTP server of `mailprobe serve` (http_server.h; the
 * API itself: docs/openapi.yaml): listening, and the dispatcher every
 * request passes through before a route (routes.h) sees it.
 *
 * Request flow: the gate (http_gate.h) reads the head and admission.h
 * decides — Host, Origin, API key, rate limit, declared length — before
 * evhttp reads a body; then here: refusals answered, CORS headers,
 * preflight, route → method → the route's handler. Handlers either reply at once or
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

#include "admission.h"
#include "clock.h"
#include "http_gate.h"
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

/* The Origin header when CORS headers may name it (admission.h). */
static const char *allowed_origin(const mp_server *s, struct evhttp_request *req)
{
    const char *origin = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
    return origin && mp_admission_cors_origin(s, origin) ? origin : NULL;
}

/* ---- the dispatcher ------------------------------------------------------------------- */

/* A request the gate refused before its body (http_gate.h): evhttp holds a
 * stand-in without body, and the connection closes after the reply. */
static void reply_refusal(mp_request *ri, const mp_admission *a)
{
    if (a->method[0] || a->path[0]) { /* the request's own, not the stand-in's */
        snprintf(ri->method, sizeof ri->method, "%s", a->method);
        snprintf(ri->path, sizeof ri->path, "%s", a->path);
    }
    if (a->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", a->retry_after);
        mp_reply_header(ri, "Retry-After", ra);
    }
    if (a->www_authenticate)
        mp_reply_header(ri, "WWW-Authenticate", "Bearer");
    mp_reply_header(ri, "Connection", "close");
    mp_reply_error_named(ri, a->status, a->code, a->message);
}

/* /v1: the gate has checked Host, Origin, key, scope, rate limits and the
 * body's length; what is left is the path and the method. */
static void handle_v1(mp_request *ri, enum evhttp_cmd_type m, const char *path)
{
    mp_route_match rm;
    mp_request_match(path, m == EVHTTP_REQ_DELETE, &rm);
    ri->route = rm.route;
    if (!rm.known) {
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
    if (!rm.id[0]) {
        mp_reply_error(ri, 404, "no such job");
        return;
    }
    if (*rm.sub) {
        if (m != EVHTTP_REQ_GET)
            return mp_reply_405(ri, "GET, OPTIONS");
        if (ri->route == MP_ROUTE_JOB_EVENTS)
            return mp_route_job_events(ri, rm.id);
        return mp_route_job_results(ri, rm.id);
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_DELETE)
        return mp_reply_405(ri, "GET, DELETE, OPTIONS");
    return mp_route_job(ri, rm.id, m == EVHTTP_REQ_DELETE);
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
    snprintf(ri.path, sizeof ri.path, "%s", raw);

    mp_admission adm;
    mp_gate_claim(s->gate, req, &adm);
    ri.route = adm.route;
    memcpy(ri.key_id, adm.key_id, sizeof ri.key_id);
    if (!adm.admitted) {
        reply_refusal(&ri, &adm);
        return;
    }
    size_t dlen = 0;
    char *path = evhttp_uridecode(raw, 0, &dlen);
    if (!path || dlen != strlen(path)) { /* an encoded NUL (the gate refuses it first) */
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

/* The gate's decision maker: admission.h with this server's state. */
static void admit(const mp_http_head *head, const mp_peer *peer, mp_admission *out, void *arg)
{
    mp_admit(arg, head, peer, out);
}

/* What admission.c compares the Host header with: --listen as a Host
 * names it, and whether it is a loopback or a wildcard address. */
static void remember_listen(mp_server *s, const char *host, long port)
{
    bool v6 = strchr(host, ':') != NULL;
    snprintf(s->listen_host, sizeof s->listen_host, v6 ? "[%s]:%ld" : "%s:%ld", host, port);
    snprintf(s->listen_port, sizeof s->listen_port, "%ld", port);
    s->listen_loopback = mp_serve_listen_is_loopback(s->cfg->listen);
    s->listen_wildcard = !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "0:0:0:0:0:0:0:0");
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
    remember_listen(s, host, port);
    mp_gate_config gc = {cfg->max_connections, cfg->request_deadline_s * 1000};
    s->gate = mp_gate_new(s->base, &gc, admit, s);
    s->http = s->gate ? evhttp_new(s->base) : NULL;
    if (!s->http) {
        snprintf(err, errlen, "evhttp_new failed");
        mp_gate_free(s->gate);
        s->gate = NULL;
        return false;
    }
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    /* The gate refuses a body over its route's limit before reading it
     * (admission.c); evhttp's own caps are backstops it never reaches. */
    size_t max_body = cfg->max_body_jobs > cfg->max_body_verify ? cfg->max_body_jobs : cfg->max_body_verify;
    evhttp_set_max_body_size(s->http, (ev_ssize_t)max_body);
    evhttp_set_max_headers_size(s->http, MP_HEAD_MAX);
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
        mp_gate_free(s->gate);
        s->gate = NULL;
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
        mp_gate_free(s->gate);
        s->gate = NULL;
        return false;
    }
    mp_gate_attach(s->gate, s->http, l);
    return true;
}

void mp_http_server_drain(mp_server *s, void (*drained)(void *arg), void *arg)
{
    s->stopping = true;
    mp_server_drain_begin(s, drained, arg);
    if (s->http && s->bound) {
        mp_gate_detach_listener(s->gate);
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
    mp_gate_free(s->gate); /* after evhttp: it lets go of its connections first */
    s->gate = NULL;
}

