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
    if (ri->key_id[0])
        cJSON_AddStringToObject(o, "key", ri->key_id);
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
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
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
    case 408: return "request_timeout";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 421: return "misdirected_request";
    case 429: return "rate_limited";
    case 431: return "headers_too_large";
    case 501: return "not_implemented";
    case 503: return "overloaded";
    case 505: return "http_version_not_supported";
    default: return "internal";
    }
}

void mp_reply_error_named(const mp_request *ri, int code, const char *name, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", name ? name : error_code_name(code));
    cJSON_AddStringToObject(e, "message", message);
    mp_reply_json(ri, code, o);
    cJSON_Delete(o);
}

void mp_reply_error(const mp_request *ri, int code, const char *message)
{
    mp_reply_error_named(ri, code, NULL, message);
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

void mp_request_match(const char *path, bool is_delete, mp_route_match *out)
{
    memset(out, 0, sizeof *out);
    out->sub = "";
    out->known = true;
    out->v1 = !strncmp(path, "/v1/", 4) || !strcmp(path, "/v1");
    if (!out->v1) {
        out->route = !strcmp(path, "/healthz") ? MP_ROUTE_HEALTHZ
                     : !strcmp(path, "/metrics") ? MP_ROUTE_METRICS : MP_ROUTE_STATIC;
        return;
    }
    const char *rest = path + 3; /* after "/v1" */
    if (!strcmp(rest, "/verify")) {
        out->route = MP_ROUTE_VERIFY;
    } else if (!strcmp(rest, "/jobs")) {
        out->route = MP_ROUTE_JOBS_CREATE;
    } else if (!strncmp(rest, "/jobs/", 6)) {
        const char *p = rest + 6, *slash = strchr(p, '/');
        size_t idlen = slash ? (size_t)(slash - p) : strlen(p);
        out->sub = slash ? slash : "";
        if (valid_job_id(p, idlen))
            memcpy(out->id, p, idlen);
        out->route = !strcmp(out->sub, "/events") ? MP_ROUTE_JOB_EVENTS
                     : !strcmp(out->sub, "/results") ? MP_ROUTE_JOB_RESULTS
                     : is_delete ? MP_ROUTE_JOB_DELETE : MP_ROUTE_JOB_GET;
        if (*out->sub && strcmp(out->sub, "/events") && strcmp(out->sub, "/results"))
            out->known = false;
    } else {
        out->known = false;
        out->route = MP_ROUTE_OTHER;
    }
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

/* True when a JSON text holds a NUL: a raw 0 octet anywhere, or the
 * escape \u0000 inside a string (RFC 8259 §7; "\\u0000" is an escaped
 * backslash and the text u0000, not a NUL). */
static bool json_has_nul(const char *p, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\0')
            return true;
        if (!in_string) {
            in_string = p[i] == '"';
            continue;
        }
        if (p[i] == '"') {
            in_string = false;
        } else if (p[i] == '\\' && i + 1 < len) {
            i++;
            if (p[i] == 'u' && i + 4 < len && !memcmp(p + i + 1, "0000", 4))
                return true;
        }
    }
    return false;
}

cJSON *mp_request_parse_json(const char *body, size_t len, const char **why)
{
    if (json_has_nul(body, len)) {
        *why = "a JSON string contains a NUL (\\u0000)";
        return NULL;
    }
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc)
        *why = "malformed JSON";
    return doc;
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
