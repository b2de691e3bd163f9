/* route_verify.c — POST /v1/verify: one address, answered from the result
 * cache or when its probe finishes; the request is held meanwhile and the
 * probe cancelled when the client hangs up (routes.h).
 *
 * A request goes through two phases: LOOKING_UP while the store answers
 * (the cache, then the domain's stored catch-all verdict, so the prober
 * can recall it), PROBING while the prober works. A client that leaves
 * during a lookup is noticed; its context is freed when the store answers. */
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

typedef enum verify_phase { VERIFY_LOOKING_UP = 0, VERIFY_PROBING, VERIFY_OVER } verify_phase;

typedef struct mp_verify_ctx verify_ctx;
struct mp_verify_ctx {
    mp_request ri;
    struct evhttp_connection *conn;
    verify_phase phase;
    uint64_t probe_id;
    struct event *watch; /* notices the client hanging up while we wait */
    LIST_ENTRY(mp_verify_ctx) link; /* in the server's held verifies */
    char key[MP_VERIFY_CACHE_KEY_MAX]; /* "" = not cached */
    char domain[MP_DOMAIN_MAX + 1];    /* "" = no domain facts to fetch */
    size_t len;
    char input[];
};

/* Takes `v` out of the server's held verifies; a store request still out
 * frees it when it comes back (phase VERIFY_OVER), else it is freed now. */
static void verify_end(verify_ctx *v, bool store_request_out)
{
    if (v->watch)
        event_free(v->watch);
    v->watch = NULL;
    if (v->phase != VERIFY_OVER) {
        LIST_REMOVE(v, link);
        v->ri.server->verify_pending--;
    }
    v->phase = VERIFY_OVER;
    if (!store_request_out)
        free(v);
}

static void verify_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    verify_ctx *v = arg;
    bool looking_up = v->phase == VERIFY_LOOKING_UP;
    if (v->phase == VERIFY_PROBING)
        mp_prober_cancel(v->ri.server->prober, v->probe_id);
    mp_request_account(&v->ri, 499); /* nginx's "client closed request" */
    mp_request_release(v->ri.req);
    verify_end(v, looking_up);
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

/* Answers and ends the request (the reply functions account for it). */
static void verify_reply(verify_ctx *v, int code, const char *json, const char *error)
{
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    if (json)
        mp_reply_text(&v->ri, code, "application/json", json);
    else
        mp_reply_error(&v->ri, code, error);
    verify_end(v, false);
}

static void verify_done(const mp_result *r, const mp_probe_details *d, void *arg)
{
    verify_ctx *v = arg;
    mp_server *s = v->ri.server;
    char *json = mp_result_to_json_text(r, v->input, v->len, d);
    if (!json) {
        verify_reply(v, 500, NULL, "out of memory");
        return;
    }
    /* Answers worth remembering: not the "try again later" ones. */
    if (v->key[0] && r->action != MP_ACTION_RETRY && r->status != MP_STATUS_UNKNOWN)
        mp_store_cache_put(s->store, v->key, json, (int64_t)time(NULL) + s->cfg->cache_ttl_s, s->cfg->cache_max_entries,
                           NULL, NULL);
    verify_reply(v, 200, json, NULL);
    free(json);
}

static void probe(verify_ctx *v)
{
    mp_server *s = v->ri.server;
    v->phase = VERIFY_PROBING;
    mp_submit_status st = mp_prober_submit(s->prober, v->input, v->len, verify_done, v, &v->probe_id);
    if (st == MP_SUBMIT_NO_MEMORY) {
        verify_reply(v, 500, NULL, "out of memory");
    } else if (st != MP_SUBMIT_OK) {
        evhttp_add_header(evhttp_request_get_output_headers(v->ri.req), "Retry-After", "1");
        verify_reply(v, 503, NULL, st == MP_SUBMIT_QUEUE_FULL ? "the prober's queue is full; retry shortly"
                                                               : "shutting down");
    }
}

/* The domain's stored verdict, into the memory the prober recalls. */
static void on_domain(mp_store_status st, const mp_store_domain_row *row, const char *error, void *arg)
{
    (void)st;
    (void)error;
    verify_ctx *v = arg;
    if (v->phase == VERIFY_OVER) {
        free(v);
        return;
    }
    if (row && row->catch_all != MP_UNKNOWN)
        mp_domain_memory_put(v->ri.server->memory, v->domain, row->catch_all, row->catch_all_at);
    probe(v);
}

/* Before probing: the domain's facts when the prober does not know them. */
static void lookup_domain(verify_ctx *v)
{
    mp_server *s = v->ri.server;
    int64_t not_before = (int64_t)time(NULL) - s->cfg->domain_cache_ttl_s;
    if (v->domain[0] && s->cfg->domain_cache_ttl_s > 0 && s->cfg->prober.catch_all &&
        mp_domain_memory_get(s->memory, v->domain, not_before) == MP_UNKNOWN &&
        mp_store_domain_get(s->store, v->domain, on_domain, v) == MP_STORE_OK)
        return;
    probe(v);
}

static void on_cached(mp_store_status st, const char *cached, const char *error, void *arg)
{
    (void)error;
    verify_ctx *v = arg;
    if (v->phase == VERIFY_OVER) {
        free(v);
        return;
    }
    mp_server *s = v->ri.server;
    char *answer = st == MP_STORE_OK ? mp_verify_cache_answer(cached, v->input, v->len, &s->cfg->prober.parse) : NULL;
    if (answer) {
        s->metrics.cache_hits++;
        mp_reply_header(&v->ri, "X-Mailprobe-Cache", "hit");
        verify_reply(v, 200, answer, NULL);
        free(answer);
        return;
    }
    s->metrics.cache_misses++;
    lookup_domain(v);
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
    const char *why = "out of memory";
    char *body = mp_request_body(ri->req, &blen);
    cJSON *doc = body ? mp_request_parse_json(body, blen, &why) : NULL;
    bool out_of_memory = !body;
    free(body);
    cJSON *email = doc ? cJSON_GetObjectItemCaseSensitive(doc, "email") : NULL;
    if (!doc || !cJSON_IsObject(doc) || !cJSON_IsString(email)) {
        mp_reply_error(ri, out_of_memory ? 500 : 400, doc ? "missing string field \"email\"" : why);
        cJSON_Delete(doc);
        return;
    }
    if (s->verify_pending >= (size_t)s->cfg->max_pending_verify || s->stopping) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "1");
        mp_reply_error(ri, 503, "too many verifications in progress; retry shortly");
        cJSON_Delete(doc);
        return;
    }
    const char *addr = email->valuestring;
    size_t len = strlen(addr);
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
    if (s->cfg->cache_ttl_s <= 0 || !mp_verify_cache_key(v->input, v->len, &s->cfg->prober.parse, v->key))
        v->key[0] = '\0';
    mp_syntax syn;
    mp_parse(v->input, v->len, &s->cfg->prober.parse, &syn);
    if (syn.valid && !syn.domain_literal)
        snprintf(v->domain, sizeof v->domain, "%s", syn.ascii_domain);
    v->conn = evhttp_request_get_connection(ri->req);
    LIST_INSERT_HEAD(&s->verifies, v, link);
    s->verify_pending++;
    evhttp_connection_set_closecb(v->conn, verify_conn_closed, v);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(v->conn);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd >= 0 && (v->watch = event_new(s->base, fd, EV_READ, verify_watch, v)))
        event_add(v->watch, NULL);
    if (v->key[0] && mp_store_cache_get(s->store, v->key, (int64_t)time(NULL), on_cached, v) == MP_STORE_OK)
        return;
    if (v->key[0])
        s->metrics.cache_misses++; /* the store is busy: probe without it */
    lookup_domain(v);
}

/* Answers a single verify still waiting for the store or its probe: 503,
 * try again. */
static void verify_shut(mp_server *s, verify_ctx *v, bool wait_for_write)
{
    bool looking_up = v->phase == VERIFY_LOOKING_UP;
    if (v->phase == VERIFY_PROBING)
        mp_prober_cancel(s->prober, v->probe_id);
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    struct evkeyvalq *h = evhttp_request_get_output_headers(v->ri.req);
    evhttp_add_header(h, "Retry-After", "5");
    evhttp_add_header(h, "Connection", "close");
    if (wait_for_write)
        mp_server_hold_final_reply(s, v->ri.req);
    mp_reply_error(&v->ri, 503, "server shutting down");
    verify_end(v, looking_up);
}

void mp_route_verify_shut_all(mp_server *s, bool wait_for_write)
{
    while (!LIST_EMPTY(&s->verifies))
        verify_shut(s, LIST_FIRST(&s->verifies), wait_for_write);
}
