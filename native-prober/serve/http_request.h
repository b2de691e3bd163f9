/* http_request.h — one request of `mailprobe serve` being answered: what it
 * is (for /metrics and the access log) and the replies every route uses.
 *
 * Every error reply is {"error":{"code","message"}} with its HTTP status:
 * 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found,
 * 405 method_not_allowed, 413 payload_too_large, 415 unsupported_media_type,
 * 429 rate_limited, 500 internal, 503 overloaded. Each reply function sends
 * the reply and accounts for it (metrics + access log) exactly once. */
#ifndef MP_HTTP_REQUEST_H
#define MP_HTTP_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <event2/http.h>
#include "metrics.h"

typedef struct mp_server mp_server;

enum { MP_REQUEST_PATH_MAX = 256 };

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
    int key_index;                  /* API key used, -1 = none */
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

/* For a held request (verify, streams) whose connection closed before our
 * reply was finished: frees the request when libevent detached it (client
 * EOF); otherwise libevent frees it right after the close callback. */
void mp_request_release(struct evhttp_request *req);

#endif
