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
#include "jobs.h"
#include "result_csv.h"
#include "routes.h"
#include "server.h"

enum {
    RESULTS_PAGE = 1000,      /* rows per chunk of /results */
    SSE_HEARTBEAT_S = 15,     /* comment line so proxies keep the stream */
    STREAMS_MAX = 1024,       /* SSE + result streams open at once */
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
    mp_server *s = st->ri.server;
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
        mp_request_release(st->ri.req);
    }
    free(st->last_event);
    mp_csv_writer_free(st->csv);
    free(st->header);
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

static void stream_progress(const char *id, void *arg)
{
    mp_http_stream *st = arg;
    if (strcmp(id, st->id))
        return;
    cJSON *o = mp_jobs_status_json(st->ri.server->jobs, st->id);
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

void mp_route_job_events(mp_request *ri, const char *id)
{
    mp_server *s = ri->server;
    mp_job_row row;
    if (mp_store_job_get(s->store, id, &row) != MP_STORE_OK) {
        mp_reply_error(ri, 404, "no such job");
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
 * has been written, so memory stays bounded whatever the job's size. A CSV
 * job's results come back in its own shape (result_csv.h): its rows as they
 * came in, its encoding, separator and line ends; other jobs get an "email"
 * column in UTF-8. */
typedef struct page_ctx { mp_http_stream *st; struct evbuffer *b; } page_ctx;

static void page_row(int64_t seq, const char *email, size_t len, const char *json, const char *row, size_t row_len,
                     void *arg)
{
    page_ctx *pc = arg;
    pc->st->last_seq = seq;
    if (!pc->st->csv) {
        evbuffer_add(pc->b, json, strlen(json));
        evbuffer_add(pc->b, "\n", 1);
        return;
    }
    cJSON *o = cJSON_Parse(json);
    mp_http_stream *st = pc->st;
    /* A stored row is already padded to the header's width. */
    mp_result_csv_write_row(st->csv, &st->shape, row, row_len, st->shape.width, email, len, o);
    cJSON_Delete(o);
}

static void write_page(void *ctx, const char *p, size_t n)
{
    mp_http_stream *st = ctx;
    evbuffer_add(st->page, p, n);
}

static void results_next(struct evhttp_connection *conn, void *arg);
static void stream_shut(mp_server *s, mp_http_stream *st, bool wait_for_write);

static void results_send_page(mp_http_stream *st)
{
    page_ctx pc = {st, evbuffer_new()};
    if (!pc.b) {
        stream_close(st, true);
        return;
    }
    st->page = pc.b;
    size_t n = 0;
    mp_store_results_page(st->ri.server->store, st->id, st->last_seq, RESULTS_PAGE, page_row, &pc, &n);
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

/* The format and shape of job `id`'s CSV results: its own when it came as
 * CSV, else an "email" column in UTF-8 (with CR LF, RFC 4180). *header
 * gets the stored header row (malloc'd; NULL when none). */
static mp_csv_format results_shape(mp_store *store, const char *id, mp_result_csv_shape *shape, char **header)
{
    mp_csv_format fmt = {.encoding = MP_CSV_UTF8, .separator = ',', .crlf = true};
    char *text = NULL;
    size_t header_len = 0;
    *shape = (mp_result_csv_shape){0};
    if (mp_store_job_source(store, id, &text, header, &header_len) == MP_STORE_OK &&
        !mp_result_csv_parse(text, &fmt, shape)) {
        fmt = (mp_csv_format){.encoding = MP_CSV_UTF8, .separator = ',', .crlf = true};
        *shape = (mp_result_csv_shape){0};
    }
    free(text);
    shape->header = *header;
    shape->header_len = header_len;
    return fmt;
}

static void job_results(mp_request *ri, const char *id, bool csv)
{
    mp_server *s = ri->server;
    mp_job_row row;
    if (mp_store_job_get(s->store, id, &row) != MP_STORE_OK) {
        mp_reply_error(ri, 404, "no such job");
        return;
    }
    mp_jobs_flush(s->jobs);
    char ct[64] = "application/x-ndjson", *header = NULL;
    mp_result_csv_shape shape;
    mp_csv_format fmt = results_shape(s->store, id, &shape, &header);
    if (csv)
        snprintf(ct, sizeof ct, "text/csv; charset=%s", mp_csv_encoding_name(fmt.encoding));
    mp_http_stream *st = stream_open(ri, STREAM_RESULTS, id, ct);
    if (!st) {
        free(header);
        return;
    }
    st->header = header;
    st->shape = shape;
    if (csv) {
        st->csv = mp_csv_writer_new(&fmt, write_page, st);
        st->page = evbuffer_new();
        if (!st->csv || !st->page) {
            if (st->page)
                evbuffer_free(st->page);
            stream_shut(s, st, false); /* cut short: the client sees a truncated reply */
            return;
        }
        mp_result_csv_write_header(st->csv, &st->shape);
        evhttp_send_reply_chunk(ri->req, st->page);
        evbuffer_free(st->page);
        st->page = NULL;
    }
    results_send_page(st);
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
