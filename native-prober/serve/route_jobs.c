/* route_jobs.c — POST /v1/jobs (a list of addresses as JSON, CSV or text
 * becomes a background job) and GET / DELETE /v1/jobs/{id} (routes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "held.h"
#include "jobs.h"
#include "routes.h"
#include "server.h"

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
        mp_reply_error(ri, 415, "send application/json {\"emails\": [...]}, text/csv or text/plain (one address per line)");
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
    size_t cap = cfg->max_job_addresses + 1;
    if (!body)
        goto oom;
    if (json) {
        doc = cJSON_ParseWithLength(body, blen);
        cJSON *arr = doc ? cJSON_GetObjectItemCaseSensitive(doc, "emails") : NULL;
        if (!doc || !cJSON_IsObject(doc) || !cJSON_IsArray(arr)) {
            mp_reply_error(ri, 400, doc ? "missing array field \"emails\"" : "malformed JSON");
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
        e = mp_jobs_create(s->jobs, in, (size_t)n, on_created, w);
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
