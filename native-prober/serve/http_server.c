/* http_api.c — routes, errors, auth, rate limits, CORS and streaming for
 * `mailprobe serve` (http_api.h; the API itself: docs/openapi.yaml).
 *
 * Request flow: CORS headers → preflight → (for /v1) API key → rate limit
 * → route → method → body checks → handler. Handlers either reply at once
 * (reply_*) or keep the request (verify waiting for its probe, SSE and
 * result streams) and watch the connection's close callback. */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "clock.h"
#include "log.h"
#include "result_json.h"
#include "static_files.h"

enum {
    RESULTS_PAGE = 1000,      /* rows per chunk of /results */
    SSE_HEARTBEAT_S = 15,     /* comment line so proxies keep the stream */
    STREAMS_MAX = 1024,       /* SSE + result streams open at once */
    ID_PATH_MAX = 256,
    LISTEN_BACKLOG = 4096,    /* capped by net.core.somaxconn */
};

/* What a request is, for replies, metrics and the access log. */
typedef struct req_info {
    mp_server *s;
    struct evhttp_request *req;
    mp_route route;
    double t0;
    char method[8];
    char path[ID_PATH_MAX];
    char client[64]; /* "ip" */
    int key_index;   /* API key used, -1 = none */
} req_info;

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

/* ---- logging and metrics ---------------------------------------------------- */

static void log_request(const req_info *ri, int code, double seconds)
{
    if (!ri->s->cfg->access_log)
        return;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddStringToObject(o, "method", ri->method);
    char safe[3 * ID_PATH_MAX + 1];
    mp_utf8_sanitize(ri->path, strlen(ri->path), safe);
    cJSON_AddStringToObject(o, "path", safe);
    cJSON_AddStringToObject(o, "route", mp_route_name(ri->route));
    cJSON_AddNumberToObject(o, "status", code);
    cJSON_AddNumberToObject(o, "ms", (double)(long)(seconds * 100000) / 100.0);
    cJSON_AddStringToObject(o, "client", ri->client);
    if (ri->key_index >= 0)
        cJSON_AddNumberToObject(o, "key", ri->key_index);
    mp_log("info", "request", o);
}

static void account(const req_info *ri, int code)
{
    double dt = mp_now_monotonic() - ri->t0;
    mp_metrics_request(&ri->s->metrics, ri->route, code, dt);
    log_request(ri, code, dt);
}

/* ---- replies --------------------------------------------------------------------- */

static const char *reason_phrase(int code)
{
    switch (code) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

static void reply_buffer(const req_info *ri, int code, const char *content_type, struct evbuffer *body)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(ri->req);
    if (content_type)
        evhttp_add_header(h, "Content-Type", content_type);
    evhttp_send_reply(ri->req, code, reason_phrase(code), body);
    account(ri, code);
}

static void reply_text(const req_info *ri, int code, const char *content_type, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    if (b && text)
        evbuffer_add(b, text, strlen(text));
    reply_buffer(ri, code, content_type, b);
    if (b)
        evbuffer_free(b);
}

static void reply_json(const req_info *ri, int code, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    if (!text) {
        reply_text(ri, 500, "application/json", "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
        return;
    }
    reply_text(ri, code, "application/json", text);
    free(text);
}

static const char *error_code_name(int code)
{
    switch (code) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "overloaded";
    default: return "internal";
    }
}

static void reply_error(const req_info *ri, int code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", error_code_name(code));
    cJSON_AddStringToObject(e, "message", message);
    reply_json(ri, code, o);
    cJSON_Delete(o);
}

static void reply_405(const req_info *ri, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Allow", allow);
    char msg[96];
    snprintf(msg, sizeof msg, "use %s", allow);
    reply_error(ri, 405, msg);
}

/* ---- request helpers ------------------------------------------------------------- */

/* Content-Type without parameters, lower-case, "" when absent. */
static void media_type(struct evhttp_request *req, char *out, size_t cap)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    size_t n = 0;
    out[0] = 0;
    if (!ct)
        return;
    while (*ct == ' ')
        ct++;
    for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < cap; n++)
        out[n] = (char)((ct[n] >= 'A' && ct[n] <= 'Z') ? ct[n] + 32 : ct[n]);
    out[n] = 0;
}

/* Copies the whole body (malloc'd, NUL-terminated; *len without the NUL). */
static char *body_copy(struct evhttp_request *req, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    evbuffer_copyout(in, p, n);
    p[n] = 0;
    *len = n;
    return p;
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

/* ---- closing connections ---------------------------------------------------------- */

/* Held requests (verify, streams) watch their connection. When it closes
 * with our reply unfinished, libevent has either detached the request
 * (client EOF: we must free it) or will free it right after this callback. */
static void release_request(struct evhttp_request *req)
{
    if (req && !evhttp_request_get_connection(req))
        evhttp_request_free(req);
}

/* ---- POST /v1/verify ----------------------------------------------------------------- */

typedef struct mp_verify_ctx verify_ctx;
struct mp_verify_ctx {
    req_info ri;
    struct evhttp_connection *conn;
    uint64_t probe_id;
    struct event *watch; /* notices the client hanging up while we wait */
    verify_ctx *prev, *next;
    size_t len;
    char input[];
};

static void verify_unlink(verify_ctx *v)
{
    if (v->watch)
        event_free(v->watch);
    v->watch = NULL;
    if (v->prev)
        v->prev->next = v->next;
    else
        v->ri.s->verify_head = v->next;
    if (v->next)
        v->next->prev = v->prev;
    v->ri.s->verify_pending--;
}

static void verify_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    verify_ctx *v = arg;
    mp_prober_cancel(v->ri.s->prober, v->probe_id);
    account(&v->ri, 499); /* nginx's "client closed request" */
    release_request(v->ri.req);
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
    mp_server *s = v->ri.s;
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    mp_status status;
    char *json = mp_result_render(r, d, v->input, v->len, s->extra, &s->cfg->prober.policy, &status);
    if (!json) {
        reply_error(&v->ri, 500, "out of memory");
    } else {
        /* Answers worth remembering: not the "try again later" ones. */
        if (s->cfg->cache_ttl_s > 0 && r->action != MP_ACTION_RETRY && status != MP_STATUS_UNKNOWN)
            mp_store_cache_put(s->store, v->input, v->len, json, (int64_t)time(NULL) + s->cfg->cache_ttl_s);
        reply_text(&v->ri, 200, "application/json", json);
        free(json);
    }
    verify_unlink(v);
    free(v);
}

static void handle_verify(req_info *ri)
{
    mp_server *s = ri->s;
    char mt[64];
    media_type(ri->req, mt, sizeof mt);
    if (strcmp(mt, "application/json")) {
        reply_error(ri, 415, "send the address as application/json: {\"email\": \"...\"}");
        return;
    }
    if (evbuffer_get_length(evhttp_request_get_input_buffer(ri->req)) > s->cfg->max_body_verify) {
        reply_error(ri, 413, "request body too large");
        return;
    }
    size_t blen = 0;
    char *body = body_copy(ri->req, &blen);
    cJSON *doc = body ? cJSON_ParseWithLength(body, blen) : NULL;
    free(body);
    cJSON *email = doc ? cJSON_GetObjectItemCaseSensitive(doc, "email") : NULL;
    if (!doc || !cJSON_IsObject(doc) || !cJSON_IsString(email)) {
        reply_error(ri, 400, doc ? "missing string field \"email\"" : "malformed JSON");
        cJSON_Delete(doc);
        return;
    }
    const char *addr = email->valuestring;
    size_t len = strlen(addr);
    if (s->cfg->cache_ttl_s > 0) {
        char *cached = mp_store_cache_get(s->store, addr, len, (int64_t)time(NULL));
        if (cached) {
            s->metrics.cache_hits++;
            evhttp_add_header(evhttp_request_get_output_headers(ri->req), "X-Mailprobe-Cache", "hit");
            reply_text(ri, 200, "application/json", cached);
            free(cached);
            cJSON_Delete(doc);
            return;
        }
        s->metrics.cache_misses++;
    }
    if (s->verify_pending >= (size_t)s->cfg->max_pending_verify || s->stopping) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "1");
        reply_error(ri, 503, "too many verifications in progress; retry shortly");
        cJSON_Delete(doc);
        return;
    }
    verify_ctx *v = malloc(sizeof *v + len + 1);
    if (!v) {
        reply_error(ri, 500, "out of memory");
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
        reply_error(ri, 503, "shutting down");
        return;
    }
    v->next = s->verify_head;
    if (s->verify_head)
        s->verify_head->prev = v;
    s->verify_head = v;
    s->verify_pending++;
    evhttp_connection_set_closecb(v->conn, verify_conn_closed, v);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(v->conn);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd >= 0 && (v->watch = event_new(s->base, fd, EV_READ, verify_watch, v)))
        event_add(v->watch, NULL);
}

/* ---- POST /v1/jobs ------------------------------------------------------------------ */

/* Splits a text/plain or text/csv body into addresses (first CSV field,
 * quotes removed; blank lines and a header line without '@' skipped).
 * Points into `body`, which it modifies. Returns the count, or -1 when
 * there are more than `max`. */
static long split_lines(char *body, size_t len, bool csv, mp_job_input *out, size_t max)
{
    size_t n = 0;
    bool first = true;
    for (size_t i = 0; i < len;) {
        size_t start = i;
        while (i < len && body[i] != '\n')
            i++;
        size_t end = i;
        i++;
        if (end > start && body[end - 1] == '\r')
            end--;
        char *p = body + start;
        size_t plen = end - start;
        if (csv) {
            if (plen && p[0] == '"') {
                size_t k = 1;
                while (k < plen && p[k] != '"')
                    k++;
                p++;
                plen = k - 1;
            } else {
                size_t k = 0;
                while (k < plen && p[k] != ',' && p[k] != ';')
                    k++;
                plen = k;
            }
        }
        while (plen && (p[0] == ' ' || p[0] == '\t'))
            p++, plen--;
        while (plen && (p[plen - 1] == ' ' || p[plen - 1] == '\t'))
            plen--;
        bool header = first && csv && plen && !memchr(p, '@', plen);
        first = false;
        if (!plen || header)
            continue;
        if (n >= max)
            return -1;
        out[n++] = (mp_job_input){p, plen};
    }
    return (long)n;
}

static void handle_jobs_create(req_info *ri)
{
    mp_server *s = ri->s;
    const mp_serve_config *cfg = s->cfg;
    char mt[64];
    media_type(ri->req, mt, sizeof mt);
    bool json = !strcmp(mt, "application/json"), csv = !strcmp(mt, "text/csv"), text = !strcmp(mt, "text/plain");
    if (!json && !csv && !text) {
        reply_error(ri, 415, "send application/json {\"emails\": [...]}, text/csv or text/plain (one address per line)");
        return;
    }
    if (evbuffer_get_length(evhttp_request_get_input_buffer(ri->req)) > cfg->max_body_jobs) {
        reply_error(ri, 413, "request body too large");
        return;
    }
    size_t blen = 0;
    char *body = body_copy(ri->req, &blen);
    mp_job_input *in = NULL;
    cJSON *doc = NULL;
    long n = 0;
    size_t cap = cfg->max_job_addresses + 1;
    if (!body)
        goto oom;
    if (json) {
        doc = cJSON_ParseWithLength(body, blen);
        cJSON *arr = doc ? cJSON_GetObjectItemCaseSensitive(doc, "emails") : NULL;
        if (!doc || !cJSON_IsObject(doc) || !cJSON_IsArray(arr)) {
            reply_error(ri, 400, doc ? "missing array field \"emails\"" : "malformed JSON");
            goto done;
        }
        size_t count = (size_t)cJSON_GetArraySize(arr);
        if (count > cfg->max_job_addresses) {
            n = -1;
        } else {
            in = malloc((count ? count : 1) * sizeof *in);
            if (!in)
                goto oom;
            cJSON *it;
            cJSON_ArrayForEach(it, arr)
            {
                if (!cJSON_IsString(it)) {
                    reply_error(ri, 400, "every element of \"emails\" must be a string");
                    goto done;
                }
                in[n++] = (mp_job_input){it->valuestring, strlen(it->valuestring)};
            }
        }
    } else {
        /* At most one address per line: the body's line count bounds it. */
        size_t lines = 1;
        for (size_t i = 0; i < blen; i++)
            lines += body[i] == '\n';
        size_t alloc = lines < cap ? lines : cap;
        in = malloc(alloc * sizeof *in);
        if (!in)
            goto oom;
        n = split_lines(body, blen, csv, in, cfg->max_job_addresses);
    }
    if (n < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "more than %zu addresses in one job", cfg->max_job_addresses);
        reply_error(ri, 413, msg);
        goto done;
    }
    if (n == 0) {
        reply_error(ri, 400, "no addresses");
        goto done;
    }
    char id[MP_JOB_ID_LEN + 1], err[256];
    mp_jobs_error e = mp_jobs_create(s->jobs, in, (size_t)n, id, err, sizeof err);
    if (e == MP_JOBS_TOO_MANY) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "30");
        reply_error(ri, 503, err);
        goto done;
    }
    if (e != MP_JOBS_OK) {
        reply_error(ri, 500, err);
        goto done;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/v1/jobs/%s", id);
    evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Location", loc);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddNumberToObject(o, "total", (double)n);
    reply_json(ri, 202, o);
    cJSON_Delete(o);
    goto done;
oom:
    reply_error(ri, 500, "out of memory");
done:
    cJSON_Delete(doc);
    free(in);
    free(body);
}

/* ---- streams: SSE progress and results ------------------------------------------------- */

typedef enum { STREAM_EVENTS, STREAM_RESULTS } stream_kind;

struct mp_http_stream {
    req_info ri;
    stream_kind kind;
    struct evhttp_connection *conn;
    char id[MP_JOB_ID_LEN + 1];
    int64_t last_seq;   /* results: last row sent */
    bool csv;
    char *last_event;   /* events: last progress data sent */
    struct event *heartbeat;
    mp_http_stream *next;
};

static size_t stream_count(const mp_server *s)
{
    size_t n = 0;
    for (const mp_http_stream *st = s->streams; st; st = st->next)
        n++;
    return n;
}

static void stream_progress(const char *id, void *arg);

/* Unlinks and frees; `finished` = the reply was ended normally. */
static void stream_close(mp_http_stream *st, bool finished)
{
    mp_server *s = st->ri.s;
    for (mp_http_stream **pp = &s->streams; *pp; pp = &(*pp)->next)
        if (*pp == st) {
            *pp = st->next;
            break;
        }
    if (st->kind == STREAM_EVENTS)
        mp_jobs_unlisten(s->jobs, stream_progress, st);
    if (st->heartbeat)
        event_free(st->heartbeat);
    if (finished) {
        evhttp_connection_set_closecb(st->conn, NULL, NULL);
        evhttp_send_reply_end(st->ri.req);
    } else {
        release_request(st->ri.req);
    }
    free(st->last_event);
    free(st);
}

static void stream_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    stream_close(arg, false);
}

static mp_http_stream *stream_open(req_info *ri, stream_kind kind, const char *id, const char *content_type)
{
    mp_server *s = ri->s;
    if (stream_count(s) >= STREAMS_MAX) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "5");
        reply_error(ri, 503, "too many open streams");
        return NULL;
    }
    mp_http_stream *st = calloc(1, sizeof *st);
    if (!st) {
        reply_error(ri, 500, "out of memory");
        return NULL;
    }
    st->ri = *ri;
    st->kind = kind;
    st->last_seq = -1;
    memcpy(st->id, id, MP_JOB_ID_LEN + 1);
    st->conn = evhttp_request_get_connection(ri->req);
    st->next = s->streams;
    s->streams = st;
    struct evkeyvalq *h = evhttp_request_get_output_headers(ri->req);
    evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_send_reply_start(ri->req, 200, "OK");
    account(ri, 200); /* latency = time to the first byte */
    evhttp_connection_set_closecb(st->conn, stream_conn_closed, st);
    return st;
}

/* SSE: "event: progress" with the job object whenever it changes, then
 * "event: done" (state done or cancelled) and the end of the stream. */
static void stream_send_event(mp_http_stream *st, const char *event, const char *data)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add_printf(b, "event: %s\ndata: %s\n\n", event, data);
    evhttp_send_reply_chunk(st->ri.req, b);
    evbuffer_free(b);
}

static void stream_progress(const char *id, void *arg)
{
    mp_http_stream *st = arg;
    if (strcmp(id, st->id))
        return;
    cJSON *o = mp_jobs_status_json(st->ri.s->jobs, st->id);
    if (!o) {
        stream_close(st, true);
        return;
    }
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(o, "state");
    bool final = cJSON_IsString(state) && (!strcmp(state->valuestring, "done") || !strcmp(state->valuestring, "cancelled"));
    cJSON_DeleteItemFromObject(o, "updated"); /* changes on its own; not progress */
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return;
    if (!st->last_event || strcmp(text, st->last_event)) {
        stream_send_event(st, "progress", text);
        free(st->last_event);
        st->last_event = text;
    } else {
        free(text);
    }
    if (final) {
        stream_send_event(st, "done", st->last_event);
        stream_close(st, true);
    }
}

static void stream_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_http_stream *st = arg;
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add_printf(b, ": keep-alive\n\n");
    evhttp_send_reply_chunk(st->ri.req, b);
    evbuffer_free(b);
}

static void handle_job_events(req_info *ri, const char *id)
{
    mp_server *s = ri->s;
    mp_job_row row;
    if (!mp_store_job_get(s->store, id, &row)) {
        reply_error(ri, 404, "no such job");
        return;
    }
    mp_http_stream *st = stream_open(ri, STREAM_EVENTS, id, "text/event-stream");
    if (!st)
        return;
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "retry: 2000\n\n");
        evhttp_send_reply_chunk(ri->req, b);
        evbuffer_free(b);
    }
    if (!mp_jobs_listen(s->jobs, stream_progress, st)) {
        stream_close(st, true);
        return;
    }
    st->heartbeat = event_new(s->base, -1, EV_PERSIST, stream_heartbeat, st);
    struct timeval tv = {SSE_HEARTBEAT_S, 0};
    if (st->heartbeat)
        event_add(st->heartbeat, &tv);
    stream_progress(id, st); /* the current state at once (and the end if finished) */
}

/* Results: NDJSON (one result object per line) or CSV, in input order,
 * RESULTS_PAGE rows per chunk; the next chunk is read when the previous one
 * has been written, so memory stays bounded whatever the job's size. */
static void csv_field(struct evbuffer *b, const char *v, bool last)
{
    bool quote = v && strpbrk(v, ",\"\r\n");
    if (quote) {
        evbuffer_add(b, "\"", 1);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                evbuffer_add(b, "\"", 1);
            evbuffer_add(b, p, 1);
        }
        evbuffer_add(b, "\"", 1);
    } else if (v) {
        evbuffer_add(b, v, strlen(v));
    }
    evbuffer_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

static const char *const csv_columns[] = {"email", "normalized", "status", "reason", "action", "score",
                                          "disposable", "role", "free", "suggestion"};
enum { CSV_COLUMNS = sizeof csv_columns / sizeof csv_columns[0] };

typedef struct page_ctx { mp_http_stream *st; struct evbuffer *b; } page_ctx;

static void page_row(int64_t seq, const char *email, size_t len, const char *json, void *arg)
{
    (void)email;
    (void)len;
    page_ctx *pc = arg;
    pc->st->last_seq = seq;
    if (!pc->st->csv) {
        evbuffer_add(pc->b, json, strlen(json));
        evbuffer_add(pc->b, "\n", 1);
        return;
    }
    cJSON *o = cJSON_Parse(json);
    for (int c = 0; c < CSV_COLUMNS; c++) {
        const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, csv_columns[c]) : NULL;
        char num[32];
        const char *text = NULL;
        if (cJSON_IsString(v))
            text = v->valuestring;
        else if (cJSON_IsNumber(v))
            snprintf(num, sizeof num, "%d", v->valueint), text = num;
        else if (cJSON_IsBool(v))
            text = cJSON_IsTrue(v) ? "true" : "false";
        csv_field(pc->b, text, c == CSV_COLUMNS - 1);
    }
    cJSON_Delete(o);
}

static void results_next(struct evhttp_connection *conn, void *arg);

static void results_send_page(mp_http_stream *st)
{
    page_ctx pc = {st, evbuffer_new()};
    if (!pc.b) {
        stream_close(st, true);
        return;
    }
    int n = mp_store_results_page(st->ri.s->store, st->id, st->last_seq, RESULTS_PAGE, page_row, &pc);
    if (n == RESULTS_PAGE) {
        evhttp_send_reply_chunk_with_cb(st->ri.req, pc.b, results_next, st);
        evbuffer_free(pc.b);
        return;
    }
    if (evbuffer_get_length(pc.b))
        evhttp_send_reply_chunk(st->ri.req, pc.b);
    evbuffer_free(pc.b);
    stream_close(st, true);
}

static void results_next(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    results_send_page(arg);
}

static void handle_job_results(req_info *ri, const char *id, bool csv)
{
    mp_server *s = ri->s;
    mp_job_row row;
    if (!mp_store_job_get(s->store, id, &row)) {
        reply_error(ri, 404, "no such job");
        return;
    }
    mp_jobs_flush(s->jobs);
    mp_http_stream *st = stream_open(ri, STREAM_RESULTS, id, csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
    if (!st)
        return;
    st->csv = csv;
    if (csv) {
        struct evbuffer *b = evbuffer_new();
        if (b) {
            for (int c = 0; c < CSV_COLUMNS; c++)
                csv_field(b, csv_columns[c], c == CSV_COLUMNS - 1);
            evhttp_send_reply_chunk(ri->req, b);
            evbuffer_free(b);
        }
    }
    results_send_page(st);
}

/* ---- small routes -------------------------------------------------------------------- */

static void handle_healthz(req_info *ri)
{
    mp_server *s = ri->s;
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
    reply_json(ri, s->stopping ? 503 : 200, o);
    cJSON_Delete(o);
}

static void handle_metrics(req_info *ri)
{
    mp_server *s = ri->s;
    mp_metrics_gauges g;
    memset(&g, 0, sizeof g);
    mp_prober_stats_get(s->prober, &g.prober);
    g.jobs_queued = mp_jobs_queued(s->jobs);
    g.jobs_running = mp_jobs_running(s->jobs);
    g.verify_pending = s->verify_pending;
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(ri, 500, "out of memory");
        return;
    }
    /* This request is counted before rendering so the output includes it. */
    mp_metrics_render(&s->metrics, &g, b);
    reply_buffer(ri, 200, "text/plain; version=0.0.4; charset=utf-8", b);
    evbuffer_free(b);
}

static void handle_static(req_info *ri, const char *decoded_path)
{
    mp_server *s = ri->s;
    if (!s->web_root[0]) {
        reply_error(ri, 404, "no web directory configured (--web DIR)");
        return;
    }
    char file[PATH_MAX];
    int rc = mp_static_resolve(s->web_root, decoded_path, file, sizeof file);
    if (rc) {
        reply_error(ri, rc, rc == 403 ? "path outside the web directory" : "no such file");
        return;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        reply_error(ri, 404, "no such file");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (!b || evbuffer_add_file(b, fd, 0, st.st_size) != 0) { /* takes the fd */
        if (b)
            evbuffer_free(b);
        reply_error(ri, 500, "cannot read file");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(ri->req);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    reply_buffer(ri, 200, mp_static_mime(file), b);
    evbuffer_free(b);
}

/* ---- the dispatcher ------------------------------------------------------------------- */

/* The results format: ?format=ndjson|csv, else Accept: text/csv, else NDJSON.
 * False for a format we do not write (the caller answers 400). */
static bool results_format(struct evhttp_request *req, bool *csv)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
    bool ok = true;
    *csv = accept && strstr(accept, "text/csv");
    if (q) {
        struct evkeyvalq kv;
        TAILQ_INIT(&kv);
        const char *f = evhttp_parse_query_str(q, &kv) == 0 ? evhttp_find_header(&kv, "format") : NULL;
        if (f) {
            ok = !strcmp(f, "csv") || !strcmp(f, "ndjson");
            *csv = !strcmp(f, "csv");
        }
        evhttp_clear_headers(&kv);
    }
    return ok;
}

static void handle_v1(req_info *ri, enum evhttp_cmd_type m, const char *path)
{
    mp_server *s = ri->s;
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
            reply_error(ri, 401, auth ? "wrong API key" : "missing Authorization: Bearer KEY");
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
        reply_error(ri, 429, "rate limit exceeded");
        return;
    }
    if (!known) {
        reply_error(ri, 404, "no such endpoint");
        return;
    }
    switch (ri->route) {
    case MP_ROUTE_VERIFY:
        if (m != EVHTTP_REQ_POST)
            return reply_405(ri, "POST, OPTIONS");
        return handle_verify(ri);
    case MP_ROUTE_JOBS_CREATE:
        if (m != EVHTTP_REQ_POST)
            return reply_405(ri, "POST, OPTIONS");
        return handle_jobs_create(ri);
    default:
        break;
    }
    if (!id[0]) {
        reply_error(ri, 404, "no such job");
        return;
    }
    if (*sub) {
        if (m != EVHTTP_REQ_GET)
            return reply_405(ri, "GET, OPTIONS");
        if (ri->route == MP_ROUTE_JOB_EVENTS)
            return handle_job_events(ri, id);
        bool csv;
        if (results_format(ri->req, &csv))
            handle_job_results(ri, id, csv);
        else
            reply_error(ri, 400, "format must be ndjson or csv");
        return;
    }
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_DELETE)
        return reply_405(ri, "GET, DELETE, OPTIONS");
    if (m == EVHTTP_REQ_DELETE && !mp_jobs_cancel(s->jobs, id)) {
        reply_error(ri, 404, "no such job");
        return;
    }
    cJSON *o = mp_jobs_status_json(s->jobs, id);
    if (!o) {
        reply_error(ri, 404, "no such job");
        return;
    }
    reply_json(ri, 200, o);
    cJSON_Delete(o);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    mp_server *s = arg;
    req_info ri;
    memset(&ri, 0, sizeof ri);
    ri.s = s;
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
        reply_error(&ri, 400, "bad path");
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
            reply_error(&ri, 403, "origin not allowed (--cors-origin)");
        } else {
            if (origin) {
                evhttp_add_header(out, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
                evhttp_add_header(out, "Access-Control-Allow-Headers", "Authorization, Content-Type");
                evhttp_add_header(out, "Access-Control-Max-Age", "600");
            }
            evhttp_add_header(out, "Allow", v1 ? "GET, POST, DELETE, OPTIONS" : "GET, HEAD, OPTIONS");
            reply_text(&ri, 204, NULL, NULL);
        }
        free(path);
        return;
    }
    if (v1) {
        handle_v1(&ri, m, path);
    } else if (!strcmp(path, "/healthz")) {
        ri.route = MP_ROUTE_HEALTHZ;
        if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
            reply_405(&ri, "GET, HEAD");
        else
            handle_healthz(&ri);
    } else if (!strcmp(path, "/metrics")) {
        ri.route = MP_ROUTE_METRICS;
        if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
            reply_405(&ri, "GET, HEAD");
        else
            handle_metrics(&ri);
    } else {
        ri.route = MP_ROUTE_STATIC;
        if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)
            reply_405(&ri, "GET, HEAD");
        else
            handle_static(&ri, path);
    }
    free(path);
}

/* ---- start / stop ------------------------------------------------------------------------ */

bool mp_http_api_start(mp_server *s, char *err, size_t errlen)
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

/* on_complete callback of a drain's final replies: runs once the reply
 * is written (not when the connection fails; hence the caller's deadline). */
static void final_reply_written(struct evhttp_request *req, void *arg)
{
    (void)req;
    mp_server *s = arg;
    if (s->final_replies && --s->final_replies == 0 && s->on_drained) {
        void (*cb)(void *) = s->on_drained;
        s->on_drained = NULL;
        cb(s->on_drained_arg);
    }
}

/* Ends a stream at shutdown. An event stream ends properly (the client
 * reconnects or polls later). A result stream cut short must not look
 * complete, so its connection is dropped without the final chunk and the
 * client sees a truncated transfer. */
static void stream_shut(mp_server *s, mp_http_stream *st, bool wait_for_write)
{
    if (st->kind == STREAM_RESULTS) {
        struct evhttp_connection *conn = st->conn;
        evhttp_connection_set_closecb(conn, NULL, NULL);
        stream_close(st, false);
        evhttp_connection_free(conn); /* frees the request too */
        return;
    }
    if (wait_for_write) {
        s->final_replies++;
        evhttp_request_set_on_complete_cb(st->ri.req, final_reply_written, s);
    }
    stream_close(st, true);
}

/* Answers a single verify still waiting for its probe: 503, try again. */
static void verify_shut(mp_server *s, verify_ctx *v, bool wait_for_write)
{
    mp_prober_cancel(s->prober, v->probe_id);
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    struct evkeyvalq *h = evhttp_request_get_output_headers(v->ri.req);
    evhttp_add_header(h, "Retry-After", "5");
    evhttp_add_header(h, "Connection", "close");
    if (wait_for_write) {
        s->final_replies++;
        evhttp_request_set_on_complete_cb(v->ri.req, final_reply_written, s);
    }
    reply_error(&v->ri, 503, "server shutting down");
    verify_unlink(v);
    free(v);
}

void mp_http_api_drain(mp_server *s, void (*drained)(void *arg), void *arg)
{
    s->stopping = true;
    s->on_drained = drained;
    s->on_drained_arg = arg;
    /* Held by this function so that a reply written at once cannot report
     * "drained" while others are still being queued. */
    s->final_replies = 1;
    if (s->http && s->bound) {
        evhttp_del_accept_socket(s->http, s->bound);
        s->bound = NULL;
    }
    while (s->streams)
        stream_shut(s, s->streams, true);
    while (s->verify_head)
        verify_shut(s, s->verify_head, true);
    final_reply_written(NULL, s);
}

void mp_http_api_stop(mp_server *s)
{
    s->stopping = true;
    while (s->streams)
        stream_shut(s, s->streams, false);
    while (s->verify_head)
        verify_shut(s, s->verify_head, false);
    if (s->http)
        evhttp_free(s->http);
    s->http = NULL;
    s->bound = NULL;
}
