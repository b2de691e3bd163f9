/* route_jobs.c — POST /v1/jobs (a list of addresses as JSON, or a list
 * file as text/csv or text/plain read by address_list.h, becomes a
 * background job) and GET / DELETE /v1/jobs/{id} (routes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "address_list.h"
#include "csv.h"
#include "held.h"
#include "jobs.h"
#include "result_csv.h"
#include "routes.h"
#include "server.h"

/* A list body read into job inputs: every address and, for a CSV list, its
 * row (padded to the header's width) in one growing block, pointed at once
 * the block stops moving. */
typedef struct list_body {
    char *data;
    size_t len, cap;
    size_t (*spans)[4];       /* address offset, length; row offset, length */
    size_t n, spans_cap;
    mp_job_input *in;
    bool rows;                /* CSV: rows kept */
    char shape[96];
    char *header;
    size_t header_len;
    int status;               /* HTTP status when it failed */
    char message[600];
} list_body;

static bool body_append(list_body *lb, const char *p, size_t n)
{
    if (lb->len + n > lb->cap) {
        size_t cap = lb->cap ? lb->cap : 4096;
        while (cap < lb->len + n)
            cap *= 2;
        char *d = realloc(lb->data, cap);
        if (!d)
            return false;
        lb->data = d;
        lb->cap = cap;
    }
    if (n)
        memcpy(lb->data + lb->len, p, n);
    lb->len += n;
    return true;
}

static void body_append_cb(void *ctx, const char *p, size_t n)
{
    list_body *lb = ctx;
    if (!body_append(lb, p, n))
        lb->status = 500;
}

static void list_body_free(list_body *lb)
{
    free(lb->data);
    free(lb->spans);
    free(lb->in);
    free(lb->header);
}

static bool list_fail(list_body *lb, int status, const char *message)
{
    lb->status = status;
    snprintf(lb->message, sizeof lb->message, "%s", message);
    return false;
}

/* Reads a text/csv or text/plain body as a list file (address_list.h), in
 * `charset` when the body has no byte order mark, with the address column
 * `column` (NULL: found). False with lb->status and lb->message set. */
static bool read_list_body(list_body *lb, const char *body, size_t blen, const char *charset, const char *column,
                           size_t max)
{
    mp_addrlist_options opt = {.mode = MP_ADDRLIST_AUTO, .column = column};
    if (*charset && !mp_csv_encoding_parse(charset, strlen(charset), &opt.encoding)) {
        snprintf(lb->message, sizeof lb->message,
                 "charset %s is not supported (utf-8, utf-16le, utf-16be, windows-1252, windows-1250, "
                 "windows-1251, iso-8859-2, iso-8859-15)", charset);
        lb->status = 415;
        return false;
    }
    mp_csv_memory mem = {body, blen, 0};
    mp_addrlist *l = NULL;
    char err[512];
    mp_addrlist_status st = mp_addrlist_open(&l, mp_csv_read_memory, &mem, &opt, err, sizeof err);
    if (st != MP_ADDRLIST_OK) {
        bool hint = st == MP_ADDRLIST_NO_ADDRESSES || st == MP_ADDRLIST_NO_SUCH_COLUMN;
        snprintf(lb->message, sizeof lb->message, "%s%s", err, hint ? "; name it with ?column=NAME|N" : "");
        lb->status = st == MP_ADDRLIST_NO_MEMORY ? 500 : 400;
        return false;
    }
    lb->rows = mp_addrlist_is_csv(l);
    mp_csv_format fmt = *mp_addrlist_format(l);
    mp_result_csv_shape shape = {.keeps_rows = lb->rows, .width = mp_addrlist_width(l),
                                 .column = mp_addrlist_column(l)};
    /* Short rows are padded here, in the list's own encoding and separator. */
    mp_csv_format pad_fmt = fmt;
    pad_fmt.bom = false;
    mp_csv_writer *pad = lb->rows ? mp_csv_writer_new(&pad_fmt, body_append_cb, lb) : NULL;
    if (lb->rows && !pad) {
        mp_addrlist_free(l);
        return list_fail(lb, 500, "cannot write that encoding");
    }
    mp_addrlist_row row;
    while ((st = mp_addrlist_next(l, &row, err, sizeof err)) == MP_ADDRLIST_OK) {
        if (lb->n >= max) {
            lb->n = max + 1;
            break;
        }
        if (lb->n == lb->spans_cap) {
            size_t cap = lb->spans_cap ? lb->spans_cap * 2 : 256;
            void *sp = realloc(lb->spans, cap * sizeof *lb->spans);
            if (!sp) {
                st = MP_ADDRLIST_NO_MEMORY;
                break;
            }
            lb->spans = sp;
            lb->spans_cap = cap;
        }
        size_t *span = lb->spans[lb->n++];
        span[0] = lb->len;
        span[1] = row.address_len;
        if (!body_append(lb, row.address, row.address_len)) {
            st = MP_ADDRLIST_NO_MEMORY;
            break;
        }
        span[2] = lb->len;
        if (pad) {
            mp_csv_write_raw(pad, row.raw, row.raw_len);
            if (row.nfields < shape.width)
                mp_csv_write_empty(pad, shape.width - row.nfields);
            mp_csv_cut_row(pad);
        }
        span[3] = lb->len - span[2];
        if (lb->status)
            break;
    }
    mp_csv_writer_free(pad);
    if (st == MP_ADDRLIST_OK || st == MP_ADDRLIST_END) {
        size_t hl = 0;
        const char *h = mp_addrlist_header(l, &hl);
        if (h && !(lb->header = malloc(hl ? hl : 1)))
            st = MP_ADDRLIST_NO_MEMORY;
        else if (h) {
            memcpy(lb->header, h, hl);
            lb->header_len = hl;
        }
        mp_result_csv_describe(&fmt, &shape, lb->shape, sizeof lb->shape);
    }
    mp_addrlist_free(l);
    if (lb->status || st == MP_ADDRLIST_NO_MEMORY)
        return list_fail(lb, 500, "out of memory");
    if (st != MP_ADDRLIST_OK && st != MP_ADDRLIST_END)
        return list_fail(lb, 400, err);
    if (lb->n > max)
        return true; /* the caller answers 413 */
    lb->in = malloc((lb->n ? lb->n : 1) * sizeof *lb->in);
    if (!lb->in)
        return list_fail(lb, 500, "out of memory");
    for (size_t i = 0; i < lb->n; i++) {
        size_t *span = lb->spans[i];
        lb->in[i] = (mp_job_input){lb->data + span[0], span[1], lb->rows ? lb->data + span[2] : NULL, span[3]};
    }
    return true;
}

/* 503 (with Retry-After) when the store or the queue is full, else 500. */
static void reply_refused(const mp_request *ri, mp_jobs_error e, const char *message)
{
    if (e == MP_JOBS_TOO_MANY || e == MP_JOBS_BUSY) {
        mp_reply_header(ri, "Retry-After", e == MP_JOBS_BUSY ? "1" : "30");
        mp_reply_error(ri, 503, message);
    } else {
        mp_reply_error(ri, 500, message);
    }
}

/* A POST /v1/jobs waiting for the store. */
typedef struct create_wait { mp_held *held; size_t n; } create_wait;

static void on_created(mp_jobs_error e, const char *id, const char *message, void *arg)
{
    create_wait *w = arg;
    const mp_request *ri = mp_held_take(w->held);
    if (ri && e != MP_JOBS_OK) {
        reply_refused(ri, e, message);
    } else if (ri) {
        char loc[64];
        snprintf(loc, sizeof loc, "/v1/jobs/%s", id);
        mp_reply_header(ri, "Location", loc);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddNumberToObject(o, "total", (double)w->n);
        mp_reply_json(ri, 202, o);
        cJSON_Delete(o);
    }
    mp_held_free(w->held);
    free(w);
}

void mp_route_jobs_create(mp_request *ri)
{
    mp_server *s = ri->server;
    const mp_serve_config *cfg = s->cfg;
    char mt[64];
    mp_request_media_type(ri->req, mt, sizeof mt);
    bool json = !strcmp(mt, "application/json"), csv = !strcmp(mt, "text/csv"), text = !strcmp(mt, "text/plain");
    if (!json && !csv && !text) {
        mp_reply_error(ri, 415, "send application/json {\"emails\": [...]}, text/csv or text/plain (a list file: "
                                "any separator, a header or none, ?column=NAME|N)");
        return;
    }
    if (evbuffer_get_length(evhttp_request_get_input_buffer(ri->req)) > cfg->max_body_jobs) {
        mp_reply_error(ri, 413, "request body too large");
        return;
    }
    size_t blen = 0;
    char *body = mp_request_body(ri->req, &blen);
    mp_job_input *in = NULL;
    cJSON *doc = NULL;
    long n = 0;
    list_body lb = {0};
    mp_job_source source = {0};
    if (!body)
        goto oom;
    if (json) {
        const char *why = "malformed JSON";
        doc = mp_request_parse_json(body, blen, &why);
        cJSON *arr = doc ? cJSON_GetObjectItemCaseSensitive(doc, "emails") : NULL;
        if (!doc || !cJSON_IsObject(doc) || !cJSON_IsArray(arr)) {
            mp_reply_error(ri, 400, doc ? "missing array field \"emails\"" : why);
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
                    mp_reply_error(ri, 400, "every element of \"emails\" must be a string");
                    goto done;
                }
                in[n++] = (mp_job_input){.p = it->valuestring, .len = strlen(it->valuestring)};
            }
        }
    } else {
        char charset[64];
        mp_request_charset(ri->req, charset, sizeof charset);
        char *column = mp_request_query_param(ri->req, "column");
        bool ok = read_list_body(&lb, body, blen, charset, column, cfg->max_job_addresses);
        free(column);
        if (!ok) {
            mp_reply_error(ri, lb.status, lb.message);
            goto done;
        }
        n = lb.n > cfg->max_job_addresses ? -1 : (long)lb.n;
        in = lb.in;
        lb.in = NULL;
        if (lb.rows)
            source = (mp_job_source){lb.shape, lb.header, lb.header_len};
    }
    if (n < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "more than %zu addresses in one job", cfg->max_job_addresses);
        mp_reply_error(ri, 413, msg);
        goto done;
    }
    if (n == 0) {
        mp_reply_error(ri, 400, "no addresses");
        goto done;
    }
    create_wait *w = calloc(1, sizeof *w);
    mp_jobs_error e = MP_JOBS_STORE;
    if (w && (w->held = mp_held_new(ri))) {
        w->n = (size_t)n;
        e = mp_jobs_create(s->jobs, in, (size_t)n, source.shape ? &source : NULL, on_created, w);
    }
    if (e != MP_JOBS_OK) {
        if (w)
            mp_held_free(w->held);
        free(w);
        reply_refused(ri, e, e == MP_JOBS_BUSY ? "the store is busy; retry shortly" : "the store failed");
    }
    goto done;
oom:
    mp_reply_error(ri, 500, "out of memory");
done:
    cJSON_Delete(doc);
    list_body_free(&lb);
    free(in);
    free(body);
}

/* 200 with the job object. */
static void reply_job(const mp_request *ri, const mp_job_row *row)
{
    cJSON *o = mp_job_object(row);
    mp_reply_json(ri, 200, o);
    cJSON_Delete(o);
}

static void on_job(mp_store_status st, const mp_job_row *row, const char *error, void *arg)
{
    mp_held *h = arg;
    const mp_request *ri = mp_held_take(h);
    if (ri && st == MP_STORE_OK) {
        reply_job(ri, row);
    } else if (ri) {
        mp_reply_error(ri, st == MP_STORE_NOT_FOUND ? 404 : 500, st == MP_STORE_NOT_FOUND ? "no such job" : error);
    }
    mp_held_free(h);
}

static void on_ended(mp_jobs_end e, const mp_job_row *row, void *arg)
{
    mp_held *h = arg;
    const mp_request *ri = mp_held_take(h);
    if (ri && e == MP_JOBS_END_CANCELLED) {
        reply_job(ri, row);
    } else if (ri && e == MP_JOBS_END_DELETED) {
        mp_reply_text(ri, 204, NULL, NULL);
    } else if (ri) {
        mp_reply_error(ri, e == MP_JOBS_END_NOT_FOUND ? 404 : 500,
                       e == MP_JOBS_END_NOT_FOUND ? "no such job" : "the store failed");
    }
    mp_held_free(h);
}

void mp_route_job(mp_request *ri, const char *id, bool cancel)
{
    mp_server *s = ri->server;
    mp_held *h = mp_held_new(ri);
    bool asked = false;
    if (h && cancel) {
        asked = mp_jobs_end_job(s->jobs, id, on_ended, h);
    } else if (h) {
        mp_jobs_flush(s->jobs); /* the numbers as current as can be */
        asked = mp_store_job_get(s->store, id, on_job, h) == MP_STORE_OK;
    }
    if (!asked) {
        mp_held_free(h);
        mp_reply_header(ri, "Retry-After", "1");
        mp_reply_error(ri, 503, "the store is busy; retry shortly");
    }
}
