/* route_streams.c — the two long replies of the API (routes.h): GET
 * /v1/jobs/{id}/events, Server-Sent Events with the job's progress, and GET
 * /v1/jobs/{id}/results, every result in input order as NDJSON or CSV,
 * read from the store a page at a time so memory stays bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "csv.h"
#include "held.h"
#include "jobs.h"
#include "result_csv.h"
#include "routes.h"
#include "server.h"

enum {
    RESULTS_PAGE = 1000,      /* rows per chunk of /results */
    SSE_HEARTBEAT_S = 15,     /* comment line so proxies keep the stream */
    /* SSE + result streams open at once; each event stream is one
     * listener of the job watch, so the two bounds are the same number. */
    STREAMS_MAX = MP_JOB_WATCH_MAX,
};

typedef enum { STREAM_EVENTS, STREAM_RESULTS } stream_kind;

struct mp_http_stream {
    mp_request ri;
    stream_kind kind;
    struct evhttp_connection *conn;
    char id[MP_JOB_ID_LEN + 1];
    int64_t last_seq;   /* results: last row sent */
    mp_csv_writer *csv; /* results as CSV: in the job's own format */
    mp_result_csv_shape shape;
    char *header;       /* the CSV job's header row (shape.header) */
    struct evbuffer *page; /* where the writer writes: the chunk being built */
    char *last_event;   /* events: last progress data sent */
    struct event *heartbeat;
    bool reading;       /* results: a page is being read from the store */
    bool closed;        /* ... and the stream ended meanwhile: free it when it comes */
    mp_http_stream *next;
};

static size_t stream_count(const mp_server *s)
{
    size_t n = 0;
    for (const mp_http_stream *st = s->streams; st; st = st->next)
        n++;
    return n;
}

static void stream_progress(const mp_job_row *row, const char *text, void *arg);

/* Unlinks and frees (or, with a page read out, frees when it comes back);
 * `finished` = the reply was ended normally. */
static void stream_close(mp_http_stream *st, bool finished)
{
    mp_server *s = st->ri.server;
    for (mp_http_stream **pp = &s->streams; *pp; pp = &(*pp)->next)
        if (*pp == st) {
            *pp = st->next;
            break;
        }
    if (st->kind == STREAM_EVENTS)
        mp_job_watch_remove(s->watch, stream_progress, st);
    if (st->heartbeat)
        event_free(st->heartbeat);
    if (finished) {
        evhttp_connection_set_closecb(st->conn, NULL, NULL);
        evhttp_send_reply_end(st->ri.req);
    } else {
        mp_request_release(st->ri.req);
    }
    free(st->last_event);
    st->last_event = NULL;
    mp_csv_writer_free(st->csv);
    st->csv = NULL;
    free(st->header);
    st->header = NULL;
    if (st->reading)
        st->closed = true; /* on_page frees it */
    else
        free(st);
}

static void stream_conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    stream_close(arg, false);
}

static mp_http_stream *stream_open(mp_request *ri, stream_kind kind, const char *id, const char *content_type)
{
    mp_server *s = ri->server;
    if (stream_count(s) >= STREAMS_MAX) {
        evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Retry-After", "5");
        mp_reply_error(ri, 503, "too many open streams");
        return NULL;
    }
    mp_http_stream *st = calloc(1, sizeof *st);
    if (!st) {
        mp_reply_error(ri, 500, "out of memory");
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
    mp_request_account(ri, 200); /* latency = time to the first byte */
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

static void stream_progress(const mp_job_row *row, const char *text, void *arg)
{
    mp_http_stream *st = arg;
    if (!st->last_event || strcmp(text, st->last_event)) {
        char *copy = strdup(text);
        if (!copy)
            return;
        stream_send_event(st, "progress", copy);
        free(st->last_event);
        st->last_event = copy;
    }
    if (mp_job_state_final(row->state)) {
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

/* The stored job a held request asked for: true with the request in *ri
 * when the client is still there and the job exists; otherwise it is
 * answered (404, 500) or gone. */
static bool found_job(mp_store_status st, const char *error, void *arg, mp_request *ri)
{
    mp_held *h = arg;
    const mp_request *held = mp_held_take(h);
    if (held)
        *ri = *held;
    mp_held_free(h);
    if (!held)
        return false;
    if (st != MP_STORE_OK) {
        mp_reply_error(ri, st == MP_STORE_NOT_FOUND ? 404 : 500, st == MP_STORE_NOT_FOUND ? "no such job" : error);
        return false;
    }
    return true;
}

/* The job exists: the stream opens with its state, then follows it. */
static void on_events_job(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    mp_request ri;
    if (!found_job(st, error, arg, &ri))
        return;
    mp_server *s = ri.server;
    mp_http_stream *stream = stream_open(&ri, STREAM_EVENTS, row->id, "text/event-stream");
    if (!stream)
        return;
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "retry: 2000\n\n");
        evhttp_send_reply_chunk(ri.req, b);
        evbuffer_free(b);
    }
    char *text = mp_job_progress_text(row);
    bool final = mp_job_state_final(row->state);
    if (text)
        stream_progress(row, text, stream); /* the current state at once (and the end if finished) */
    free(text);
    if (final)
        return;
    if (!mp_job_watch_add(s->watch, row->id, stream_progress, stream)) {
        stream_close(stream, true);
        return;
    }
    stream->heartbeat = event_new(s->base, -1, EV_PERSIST, stream_heartbeat, stream);
    struct timeval tv = {SSE_HEARTBEAT_S, 0};
    if (stream->heartbeat)
        event_add(stream->heartbeat, &tv);
}

/* Asks the store for job `id`, then `then` answers the held request. */
static void with_job(mp_request *ri, const char *id, mp_store_job_cb then)
{
    mp_held *h = mp_held_new(ri);
    if (h && mp_store_job_get(ri->server->store, id, then, h) == MP_STORE_OK)
        return;
    mp_held_free(h);
    mp_reply_header(ri, "Retry-After", "1");
    mp_reply_error(ri, 503, "the store is busy; retry shortly");
}

void mp_route_job_events(mp_request *ri, const char *id)
{
    with_job(ri, id, on_events_job);
}

/* Results: NDJSON (one result object per line) or CSV, in input order,
 * RESULTS_PAGE rows per chunk; the next chunk is read when the previous one
 * has been written, so memory stays bounded whatever the job's size. A CSV
 * job's results come back in its own shape (result_csv.h): its rows as they
 * came in, its encoding, separator and line ends; other jobs get an "email"
 * column in UTF-8. */
/* One stored result as an NDJSON line or a CSV row. */
static void page_row(mp_http_stream *st, struct evbuffer *b, const mp_store_result_row *r)
{
    if (!st->csv) {
        evbuffer_add(b, r->json, strlen(r->json));
        evbuffer_add(b, "\n", 1);
        return;
    }
    cJSON *o = cJSON_Parse(r->json);
    st->page = b;
    /* A stored row is already padded to the header's width. */
    mp_result_csv_write_row(st->csv, &st->shape, r->row, r->row_len, st->shape.width, r->email, r->len, o);
    st->page = NULL;
    cJSON_Delete(o);
}

static void write_page(void *ctx, const char *p, size_t n)
{
    mp_http_stream *st = ctx;
    evbuffer_add(st->page, p, n);
}

static void results_next(struct evhttp_connection *conn, void *arg);

/* A page came from the store: send it, and ask for the next once it is
 * written; fewer rows than a page is the end. */
static void on_page(mp_store_status status, const mp_store_result_row *rows, size_t count, const char *error,
                    void *arg)
{
    (void)error;
    mp_http_stream *st = arg;
    st->reading = false;
    if (st->closed) { /* the client left meanwhile */
        free(st);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (!b || status != MP_STORE_OK) {
        /* A store error mid-stream: cut it, so it never looks complete. */
        if (b)
            evbuffer_free(b);
        struct evhttp_connection *conn = st->conn;
        evhttp_connection_set_closecb(conn, NULL, NULL);
        stream_close(st, false);
        evhttp_connection_free(conn);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        st->last_seq = rows[i].seq;
        page_row(st, b, &rows[i]);
    }
    if (count == RESULTS_PAGE) {
        evhttp_send_reply_chunk_with_cb(st->ri.req, b, results_next, st);
        evbuffer_free(b);
        return;
    }
    if (evbuffer_get_length(b))
        evhttp_send_reply_chunk(st->ri.req, b);
    evbuffer_free(b);
    stream_close(st, true);
}

static void results_send_page(mp_http_stream *st)
{
    /* libevent may report the previous chunk written more than once (its
     * write callback stays set): one page is read at a time. */
    if (st->reading)
        return;
    if (mp_store_results_page(st->ri.server->store, st->id, st->last_seq, RESULTS_PAGE, on_page, st) == MP_STORE_OK) {
        st->reading = true;
        return;
    }
    struct evhttp_connection *conn = st->conn; /* the store is full: cut, never short */
    evhttp_connection_set_closecb(conn, NULL, NULL);
    stream_close(st, false);
    evhttp_connection_free(conn);
}

static void results_next(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    results_send_page(arg);
}

/* A results request between its two store reads: the job, then its CSV
 * source (the shape its CSV results come back in). */
typedef struct results_wait {
    mp_held *held;
    mp_store *store;
    bool csv;
    char id[MP_JOB_ID_LEN + 1];
} results_wait;

/* The format and shape of a job's CSV results from its stored source: its
 * own when it came as CSV, else an "email" column in UTF-8 (with CR LF,
 * RFC 4180). */
static mp_csv_format results_shape(const char *source, mp_result_csv_shape *shape)
{
    mp_csv_format fmt = {.encoding = MP_CSV_UTF8, .separator = ',', .crlf = true};
    *shape = (mp_result_csv_shape){0};
    if (source && !mp_result_csv_parse(source, &fmt, shape)) {
        fmt = (mp_csv_format){.encoding = MP_CSV_UTF8, .separator = ',', .crlf = true};
        *shape = (mp_result_csv_shape){0};
    }
    return fmt;
}

static void on_results_source(mp_store_status status, const mp_job_source *src, const char *error, void *arg)
{
    results_wait *w = arg;
    mp_request ri;
    bool csv = w->csv;
    char id[MP_JOB_ID_LEN + 1];
    memcpy(id, w->id, sizeof id);
    bool here = found_job(status == MP_STORE_NOT_FOUND ? MP_STORE_OK : status, error, w->held, &ri);
    free(w);
    if (!here)
        return;
    mp_result_csv_shape shape;
    mp_csv_format fmt = results_shape(src ? src->shape : NULL, &shape);
    char ct[64] = "application/x-ndjson";
    if (csv)
        snprintf(ct, sizeof ct, "text/csv; charset=%s", mp_csv_encoding_name(fmt.encoding));
    char *header = NULL;
    if (src && src->header && !(header = malloc(src->header_len ? src->header_len : 1))) {
        mp_reply_error(&ri, 500, "out of memory");
        return;
    }
    if (header && src->header_len)
        memcpy(header, src->header, src->header_len);
    mp_http_stream *stream = stream_open(&ri, STREAM_RESULTS, id, ct);
    if (!stream) {
        free(header);
        return;
    }
    stream->header = header;
    stream->shape = shape;
    stream->shape.header = header;
    stream->shape.header_len = header ? src->header_len : 0;
    if (csv) {
        struct evbuffer *b = evbuffer_new();
        stream->csv = b ? mp_csv_writer_new(&fmt, write_page, stream) : NULL;
        if (!stream->csv) { /* cut short: the client sees a truncated reply */
            if (b)
                evbuffer_free(b);
            struct evhttp_connection *conn = stream->conn;
            evhttp_connection_set_closecb(conn, NULL, NULL);
            stream_close(stream, false);
            evhttp_connection_free(conn);
            return;
        }
        stream->page = b;
        mp_result_csv_write_header(stream->csv, &stream->shape);
        stream->page = NULL;
        evhttp_send_reply_chunk(ri.req, b);
        evbuffer_free(b);
    }
    results_send_page(stream);
}

static void on_results_job(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    (void)row;
    results_wait *w = arg;
    if (st == MP_STORE_OK && mp_store_job_source(w->store, w->id, on_results_source, w) == MP_STORE_OK)
        return;
    mp_request ri;
    if (found_job(st, error, w->held, &ri)) /* the job is there; its source could not be asked for */
        mp_reply_error(&ri, 503, "the store is busy; retry shortly");
    free(w);
}

static void job_results(mp_request *ri, const char *id, bool csv)
{
    mp_jobs_flush(ri->server->jobs); /* what is buffered comes before the first page */
    results_wait *w = calloc(1, sizeof *w);
    if (w && (w->held = mp_held_new(ri))) {
        w->store = ri->server->store;
        w->csv = csv;
        snprintf(w->id, sizeof w->id, "%s", id);
        if (mp_store_job_get(ri->server->store, id, on_results_job, w) == MP_STORE_OK)
            return;
        mp_held_free(w->held);
    }
    free(w);
    mp_reply_header(ri, "Retry-After", "1");
    mp_reply_error(ri, 503, "the store is busy; retry shortly");
}

/* The results format: ?format=ndjson|csv, else Accept: text/csv, else NDJSON.
 * False for a format we do not write (the caller answers 400). */
static bool results_format(struct evhttp_request *req, bool *csv)
{
    const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
    char *f = mp_request_query_param(req, "format");
    bool ok = !f || !strcmp(f, "csv") || !strcmp(f, "ndjson");
    *csv = f ? !strcmp(f, "csv") : accept && strstr(accept, "text/csv");
    free(f);
    return ok;
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
    if (wait_for_write)
        mp_server_hold_final_reply(s, st->ri.req);
    stream_close(st, true);
}

void mp_route_job_results(mp_request *ri, const char *id)
{
    bool csv;
    if (results_format(ri->req, &csv))
        job_results(ri, id, csv);
    else
        mp_reply_error(ri, 400, "format must be ndjson or csv");
}

void mp_route_streams_shut_all(mp_server *s, bool wait_for_write)
{
    while (s->streams)
        stream_shut(s, s->streams, wait_for_write);
}
