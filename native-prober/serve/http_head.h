/* http_head.h — the head of an HTTP/1.x request (request line and header
 * fields, RFC 9112 §2-§6), read from the octets a client sent before
 * libevent's evhttp sees them, so the server can refuse a request — wrong
 * key, wrong Host, a body over its limit — without reading its body
 * (http_gate.h). The reading is nodejs/http-parser's (libhttp-parser),
 * with checks of ours on top where this contract is stricter
 * (http_head.c).
 *
 * Pure and bounded: no allocation, the result points into the caller's
 * buffer. Strict wherever RFC 9112 lets a server be: anything evhttp might
 * frame differently (obs-fold, a Transfer-Encoding, two Content-Lengths, a
 * Content-Length that is not 1*DIGIT, a lone CR, control octets) is refused,
 * so a request this reader accepts is split into head and body exactly as
 * evhttp splits it. Stricter than RFC 9112 in one place, http-parser's: a
 * Content-Length followed by HTAB is refused (SP is fine). */
#ifndef MP_HTTP_HEAD_H
#define MP_HTTP_HEAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MP_HEAD_MAX = 16384,          /* octets of a head, empty line included (= evhttp's header limit) */
    MP_HEAD_LENGTH_DIGITS_MAX = 15, /* a Content-Length of up to 10^15 - 1 (leading zeros aside) */
};

/* What reading a head came to. */
typedef enum mp_head_status {
    MP_HEAD_OK = 0,         /* *out is filled */
    MP_HEAD_INCOMPLETE,     /* no empty line yet: wait for more octets */
    MP_HEAD_TOO_LARGE,      /* no end within MP_HEAD_MAX octets (431) */
    MP_HEAD_MALFORMED,      /* not an RFC 9112 request head (400) */
    MP_HEAD_BAD_LENGTH,     /* Content-Length not 1*DIGIT, too large, or repeated (400) */
    MP_HEAD_CHUNKED,        /* a Transfer-Encoding: this server needs a Content-Length (411) */
    MP_HEAD_BAD_VERSION,    /* HTTP/x.y other than 1.0 and 1.1 (505) */
    MP_HEAD_STATUS_COUNT
} mp_head_status;

/* "ok", "incomplete", "too_large", "malformed", "bad_length", "chunked", "bad_version". */
const char *mp_head_status_name(mp_head_status s);

/* A span of the caller's buffer; p == NULL when the field is absent. */
typedef struct mp_span {
    const char *p;
    size_t len;
} mp_span;

/* The parts of a request head the server decides on. */
typedef struct mp_http_head {
    size_t size;             /* octets of the head, its empty line included */
    mp_span method;          /* "GET", "POST", ... as sent (case-sensitive, RFC 9110 §9.1) */
    mp_span target;          /* the request-target as sent, origin-form ("/..."), never empty */
    int minor;               /* HTTP/1.<minor>: 0 or 1 */
    mp_span host;            /* Host, without surrounding blanks */
    mp_span origin;          /* Origin */
    mp_span authorization;   /* Authorization */
    mp_span content_type;    /* Content-Type */
    bool has_length;         /* a Content-Length was sent */
    uint64_t content_length; /* its value (0 without one) */
    bool connection_close;   /* Connection: close (http-parser's reading: also Proxy-Connection) */
} mp_http_head;

/* Reads the head at the start of buf[0..len). On MP_HEAD_OK *out describes
 * it (spans point into buf) and out->size octets belong to the head; the
 * body, if any, follows. Any other status leaves *out zeroed. Octets past
 * MP_HEAD_MAX are never looked at. */
mp_head_status mp_http_head_parse(const char *buf, size_t len, mp_http_head *out);

/* Where the head ends: the offset just past its empty line, or 0 when
 * buf[0..len) holds none yet. `from` is where the previous call stopped
 * looking (0 at first), so a head arriving an octet at a time costs
 * linear time. Only the first MP_HEAD_MAX octets are searched. */
size_t mp_http_head_end(const char *buf, size_t len, size_t from);

/* Case-insensitive equality of a span and a NUL-terminated text. */
bool mp_span_equal_ci(mp_span s, const char *text);

#endif
