/* http_request.h — one request of `mailprobe serve` being answered: what it
 * is (for /metrics and the access log) and the replies every route uses.
 *
 * Every error reply is {"error":{"code","message"}} with its HTTP status:
 * 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found,
 * 405 method_not_allowed, 408 request_timeout, 411 length_required,
 * 413 payload_too_large, 415 unsupported_media_type, 421 misdirected_request,
 * 429 rate_limited (or quota_exceeded), 431 headers_too_large,
 * 500 internal, 501 not_implemented, 503 overloaded,
 * 505 http_version_not_supported. Each reply function sends
 * the reply and accounts for it (metrics + access log) exactly once. */
#ifndef MP_HTTP_REQUEST_H
#define MP_HTTP_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <event2/http.h>
#include "api_keys.h"
#include "metrics.h"
#include "store.h"

typedef struct mp_server mp_server;

enum { MP_REQUEST_PATH_MAX = 256 };

/* Where a request path leads (docs/openapi.yaml). */
typedef struct mp_route_match {
    mp_route route;                /* metrics label; MP_ROUTE_OTHER when no endpoint */
    bool v1;                       /* under /v1: the API (keys, Origin, rate limits) */
    bool known;                    /* an endpoint exists at this path */
    char id[MP_JOB_ID_LEN + 1];    /* a job route's id; "" when the path's id is not one */
    const char *sub;               /* "", "/events" or "/results": points into the path */
} mp_route_match;

/* Matches a decoded path; `is_delete` tells DELETE /v1/jobs/{id} from GET.
 * Paths outside /v1 are healthz, metrics or a static file. */
void mp_request_match(const char *path, bool is_delete, mp_route_match *out);

/* What a request is, for replies, metrics and the access log. Filled by the
 * dispatcher (http_server.c); a route that holds its request keeps a copy. */
typedef struct mp_request {
    mp_server *server;
    struct evhttp_request *req;
    mp_route route;                 /* metrics label */
    double t0;                      /* arrival, monotonic seconds (clock.h) */
    char method[8];
    char path[MP_REQUEST_PATH_MAX]; /* as sent (percent-encoded), truncated */
    char client[64];                /* the peer's address */
    char key_id[MP_KEY_ID_LEN + 1]; /* id of the API key used (api_keys.h), "" = none */
} mp_request;

/* Counts a finished request in /metrics and writes its access-log line
 * (unless --no-access-log); latency = now - t0. Streams call it when their
 * first byte goes out; the reply functions below call it themselves. */
void mp_request_account(const mp_request *ri, int code);

/* Sends `body` (borrowed; may be NULL) with status `code` and the
 * Content-Type (NULL = none), and accounts for it. */
void mp_reply_buffer(const mp_request *ri, int code, const char *content_type, struct evbuffer *body);

/* The same with a NUL-terminated text (NULL = empty body). */
void mp_reply_text(const mp_request *ri, int code, const char *content_type, const char *text);

/* The same with `obj` serialised (borrowed; the caller frees it); a 500
 * JSON error when it cannot be serialised. */
void mp_reply_json(const mp_request *ri, int code, cJSON *obj);

/* A JSON error: the code name follows from `code` (see above). */
void mp_reply_error(const mp_request *ri, int code, const char *message);

/* A JSON error with its own code name (e.g. 429 "quota_exceeded"). */
void mp_reply_error_named(const mp_request *ri, int code, const char *name, const char *message);

/* 405 with an Allow header listing `allow` ("GET, OPTIONS"). */
void mp_reply_405(const mp_request *ri, const char *allow);

/* Adds one response header (before the reply is sent). */
void mp_reply_header(const mp_request *ri, const char *name, const char *value);

/* The request's Content-Type without parameters, lower-case, into out
 * (cap octets); "" when absent. */
void mp_request_media_type(struct evhttp_request *req, char *out, size_t cap);

/* The `charset` parameter of the request's Content-Type, lower-case and
 * unquoted, into out (cap octets); "" when absent. */
void mp_request_charset(struct evhttp_request *req, char *out, size_t cap);

/* The query parameter `name` (percent-decoded) as a malloc'd string the
 * caller frees; NULL when absent (or out of memory). */
char *mp_request_query_param(struct evhttp_request *req, const char *name);

/* A copy of the whole body (malloc'd, NUL-terminated; *len without the
 * NUL; the caller frees it), or NULL when out of memory. */
char *mp_request_body(struct evhttp_request *req, size_t *len);

/* Parses a JSON body (cJSON, the caller deletes the tree). NULL with a
 * message for the client in *why (static text) when it is not JSON, or
 * when it carries a NUL — raw or as \u0000 in a string: cJSON's strings
 * are C strings, so "a@b.org\u0000<script>" would be read as "a@b.org"
 * and the rest silently dropped. Never a prefix of what was sent. */
cJSON *mp_request_parse_json(const char *body, size_t len, const char **why);

/* For a held request (verify, streams) whose connection closed before our
 * reply was finished: frees the request when libevent detached it (client
 * EOF); otherwise libevent frees it right after the close callback. */
void mp_request_release(struct evhttp_request *req);

#endif
