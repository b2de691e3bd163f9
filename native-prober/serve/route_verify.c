/* route_verify.c — POST /v1/verify: one address, answered when its probe
 * finishes (or from the result cache); the request is held meanwhile and
 * the probe cancelled when the client hangs up (routes.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "jobs.h"
#include "result_json.h"
#include "routes.h"
#include "server.h"
#include "verify_cache.h"

typedef struct mp_verify_ctx verify_ctx;
struct mp_verify_ctx {
    mp_request ri;
    struct evhttp_connection *conn;
    uint64_t probe_id;
    struct event *watch; /* notices the client hanging up while we wait */
    LIST_ENTRY(mp_verify_ctx) link; /* in the server's held verifies */
    size_t len;
    char input[];
};

static void verify_unlink(verify_ctx *v)
{
    if (v->watch)
        event_free(v->watch);
    v->watch = NULL;
    LIST_REMOVE(v, link);
    v->ri.server->verify_pending--;
}

static void verify_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    verify_ctx *v = arg;
    mp_prober_cancel(v->ri.server->prober, v->probe_id);
    mp_request_account(&v->ri, 499); /* nginx's "client closed request" */
    mp_request_release(v->ri.req);
    verify_unlink(v);
    free(v);
}

/* libevent 2.1 stops reading a connection while its request is handled,
 * so it would not notice the client leaving; we peek at the socket
 * ourselves. EOF or an error: free the connection (its close callback
 * cancels the probe). Pipelined data: stop watching. */
static void verify_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    verify_ctx *v = arg;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        evhttp_connection_free(v->conn); /* runs verify_conn_closed */
        return;
    }
    if (n < 0)
        event_add(v->watch, NULL);
}

static void verify_done(const mp_result *r, const mp_probe_details *d, void *arg)
{
    verify_ctx *v = arg;
    mp_server *s = v->ri.server;
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    char *json = mp_result_to_json_text(r, v->input, v->len, d);
    if (!json) {
        mp_reply_error(&v->ri, 500, "out of memory");
    } else {
        /* Answers worth remembering: not the "try again later" ones. */
        char key[MP_VERIFY_CACHE_KEY_MAX];
        if (s->cfg->cache_ttl_s > 0 && r->action != MP_ACTION_RETRY && r->status != MP_STATUS_UNKNOWN &&
            mp_verify_cache_key(v->input, v->len, &s->cfg->prober.parse, key))
            mp_store_cache_put(s->store, key, json, (int64_t)time(NULL) + s->cfg->cache_ttl_s,
                               s->cfg->cache_max_entries);
        mp_reply_text(&v->ri, 200, "application/json", json);
        free(json);
    }
    verify_unlink(v);
    free(v);
}

void mp_route_verify(mp_request *ri)
{
    mp_server *s = ri->server;
    char mt[64];
    mp_request_media_type(ri->req, mt, sizeof mt);
    if (strcmp(mt, "application/json")) {
        mp_reply_error(ri, 415, "send the address as application/json: {\"email\": \"...\"}");
        return;
    }
    if (evbuffer_get_length(evhttp_request_get_input_buffer(ri->req)) > s->cfg->max_body_verify) {
        mp_reply_error(ri, 413, "request body too large");
        return;
    }
    size_t blen = 0;
    char *body = mp_request_body(ri->req, &blen);
    cJSON *doc = body ? cJSON_ParseWithLength(body, blen) : NULL;
    free(body);
    cJSON *email = doc ? cJSON_GetObjectItemCaseSensitive(doc, "email") : NULL;
    if (!doc || !cJSON_IsObject(doc) || !cJSON_IsString(email)) {
        mp_reply_error(ri, 400, doc ? "missing string field \"email\"" : "malformed JSON");
        cJSON_Delete(doc);
        return;
    }
    const char *addr = email->valuestring;
    size_t len = strlen(addr);
    char key[MP_VERIFY_CACHE_KEY_MAX];
    if (s->cfg->cache_ttl_s > 0 && mp_verify_cache_key(addr, len, &s->cfg->prober.parse, key)) {
        char *cached = NULL, *answer = NULL;
        if (mp_store_cache_get(s->store, key, (int64_t)time(NULL), &cached) == MP_STORE_OK &&
            (answer = mp_verify_cache_answer(cached, addr, len, &s->cfg->prober.parse))) {
            s->metrics.cache_hits++;
            evhttp_add_header(evhttp_request_get_output_headers(ri->req), "X-Mailprobe-Cache", "hit");
            mp_reply_text(ri, 200, "application/json", answer);
            free(answer);
            free(cached);
            cJSON_Delete(doc);
            return;
        }
        free(cached);
        s->metrics.cache_misses++;
    }
    if (s->verify_pending >= (size_t)s->cfg->max_pending_verify || s->stopping) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "1");
        mp_reply_error(ri, 503, "too many verifications in progress; retry shortly");
        cJSON_Delete(doc);
        return;
    }
    verify_ctx *v = malloc(sizeof *v + len + 1);
    if (!v) {
        mp_reply_error(ri, 500, "out of memory");
        cJSON_Delete(doc);
        return;
    }
    memset(v, 0, sizeof *v);
    v->ri = *ri;
    v->len = len;
    memcpy(v->input, addr, len + 1);
    cJSON_Delete(doc);
    v->conn = evhttp_request_get_connection(ri->req);
    v->probe_id = mp_prober_submit(s->prober, v->input, v->len, verify_done, v);
    if (!v->probe_id) {
        free(v);
        mp_reply_error(ri, 503, "shutting down");
        return;
    }
    LIST_INSERT_HEAD(&s->verifies, v, link);
    s->verify_pending++;
    evhttp_connection_set_closecb(v->conn, verify_conn_closed, v);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(v->conn);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd >= 0 && (v->watch = event_new(s->base, fd, EV_READ, verify_watch, v)))
        event_add(v->watch, NULL);
}

/* Answers a single verify still waiting for its probe: 503, try again. */
static void verify_shut(mp_server *s, verify_ctx *v, bool wait_for_write)
{
    mp_prober_cancel(s->prober, v->probe_id);
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    struct evkeyvalq *h = evhttp_request_get_output_headers(v->ri.req);
    evhttp_add_header(h, "Retry-After", "5");
    evhttp_add_header(h, "Connection", "close");
    if (wait_for_write)
        mp_server_hold_final_reply(s, v->ri.req);
    mp_reply_error(&v->ri, 503, "server shutting down");
    verify_unlink(v);
    free(v);
}

void mp_route_verify_shut_all(mp_server *s, bool wait_for_write)
{
    while (!LIST_EMPTY(&s->verifies))
        verify_shut(s, LIST_FIRST(&s->verifies), wait_for_write);
}
