/* http_request.c — accounting and replies for one request of `mailprobe
 * serve` (http_request.h). */
#include "http_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "log.h"
#include "result_json.h"
#include "server.h"

static void log_request(const mp_request *ri, int code, double seconds)
{
    if (!ri->server->cfg->access_log)
        return;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddStringToObject(o, "method", ri->method);
    char safe[3 * MP_REQUEST_PATH_MAX + 1];
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

void mp_request_account(const mp_request *ri, int code)
{
    double dt = mp_now_monotonic() - ri->t0;
    mp_metrics_request(&ri->server->metrics, ri->route, code, dt);
    log_request(ri, code, dt);
}

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

void mp_reply_buffer(const mp_request *ri, int code, const char *content_type, struct evbuffer *body)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(ri->req);
    if (content_type)
        evhttp_add_header(h, "Content-Type", content_type);
    evhttp_send_reply(ri->req, code, reason_phrase(code), body);
    mp_request_account(ri, code);
}

void mp_reply_text(const mp_request *ri, int code, const char *content_type, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    if (b && text)
        evbuffer_add(b, text, strlen(text));
    mp_reply_buffer(ri, code, content_type, b);
    if (b)
        evbuffer_free(b);
}

void mp_reply_json(const mp_request *ri, int code, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    if (!text) {
        mp_reply_text(ri, 500, "application/json", "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
        return;
    }
    mp_reply_text(ri, code, "application/json", text);
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

void mp_reply_error(const mp_request *ri, int code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", error_code_name(code));
    cJSON_AddStringToObject(e, "message", message);
    mp_reply_json(ri, code, o);
    cJSON_Delete(o);
}

void mp_reply_405(const mp_request *ri, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(ri->req), "Allow", allow);
    char msg[96];
    snprintf(msg, sizeof msg, "use %s", allow);
    mp_reply_error(ri, 405, msg);
}

/* Content-Type without parameters, lower-case, "" when absent. */
void mp_request_media_type(struct evhttp_request *req, char *out, size_t cap)
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

void mp_request_charset(struct evhttp_request *req, char *out, size_t cap)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    out[0] = 0;
    for (const char *p = ct ? strchr(ct, ';') : NULL; p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, "charset=", 8))
            continue;
        q += 8;
        bool quoted = *q == '"';
        q += quoted;
        size_t n = 0;
        for (; q[n] && q[n] != ';' && q[n] != '"' && q[n] != ' ' && n + 1 < cap; n++)
            out[n] = (char)((q[n] >= 'A' && q[n] <= 'Z') ? q[n] + 32 : q[n]);
        out[n] = 0;
        return;
    }
}

char *mp_request_query_param(struct evhttp_request *req, const char *name)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!q)
        return NULL;
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    const char *v = evhttp_parse_query_str(q, &kv) == 0 ? evhttp_find_header(&kv, name) : NULL;
    char *copy = v ? strdup(v) : NULL;
    evhttp_clear_headers(&kv);
    return copy;
}

/* Copies the whole body (malloc'd, NUL-terminated; *len without the NUL). */
char *mp_request_body(struct evhttp_request *req, size_t *len)
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

/* Held requests (verify, streams) watch their connection. When it closes
 * with our reply unfinished, libevent has either detached the request
 * (client EOF: we must free it) or will free it right after this callback. */
void mp_request_release(struct evhttp_request *req)
{
    if (req && !evhttp_request_get_connection(req))
        evhttp_request_free(req);
}

void mp_reply_header(const mp_request *ri, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(ri->req), name, value);
}
