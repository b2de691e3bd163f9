/* http_head.c — a strict, bounded reader of HTTP/1.x request heads
 * (http_head.h). Rules cite RFC 9112 (HTTP/1.1) and RFC 9110 (semantics). */
#include "http_head.h"

#include <string.h>

const char *mp_head_status_name(mp_head_status s)
{
    static const char *const names[MP_HEAD_STATUS_COUNT] = {
        "ok", "incomplete", "too_large", "malformed", "bad_length", "chunked", "bad_version"};
    return (unsigned)s < MP_HEAD_STATUS_COUNT ? names[s] : "?";
}

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

bool mp_span_equal_ci(mp_span s, const char *text)
{
    size_t n = strlen(text);
    if (!s.p || s.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s.p[i]) != lower((unsigned char)text[i]))
            return false;
    return true;
}

size_t mp_http_head_end(const char *buf, size_t len, size_t from)
{
    if (len > MP_HEAD_MAX)
        len = MP_HEAD_MAX;
    /* RFC 9112 §2.2: lines end in LF, optionally preceded by CR (evhttp
     * reads them the same way); the head ends with the first empty line. */
    for (size_t i = from; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        size_t line_start = i;
        if (line_start > 0 && buf[line_start - 1] == '\r')
            line_start--;
        if (line_start == 0 || buf[line_start - 1] == '\n')
            return i + 1;
    }
    return 0;
}

typedef struct line_reader {
    const char *buf;
    size_t pos, end;
} line_reader;

/* The next line without its CR LF / LF; false at the end of the head. */
static bool next_line(line_reader *r, mp_span *line)
{
    if (r->pos >= r->end)
        return false;
    const char *p = r->buf + r->pos;
    const char *nl = memchr(p, '\n', r->end - r->pos);
    size_t n = (size_t)(nl - p); /* mp_http_head_end guarantees a LF */
    r->pos += n + 1;
    if (n && p[n - 1] == '\r')
        n--;
    *line = (mp_span){p, n};
    return true;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3),
 * one space each, origin-form target (§3.2.1). */
static mp_head_status read_request_line(mp_span line, mp_http_head *h)
{
    const char *p = line.p, *end = line.p + line.len;
    const char *m = p;
    while (p < end && is_tchar((unsigned char)*p))
        p++;
    if (p == m || p == end || *p != ' ')
        return MP_HEAD_MALFORMED;
    h->method = (mp_span){m, (size_t)(p - m)};
    const char *t = ++p;
    while (p < end && (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f)
        p++;
    if (p == t || p == end || *p != ' ' || *t != '/')
        return MP_HEAD_MALFORMED;
    h->target = (mp_span){t, (size_t)(p - t)};
    p++;
    /* HTTP-version = "HTTP" "/" DIGIT "." DIGIT (§2.3) */
    if (end - p != 8 || memcmp(p, "HTTP/", 5) || p[6] != '.' || p[5] < '0' || p[5] > '9' || p[7] < '0' ||
        p[7] > '9')
        return MP_HEAD_MALFORMED;
    if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
        return MP_HEAD_BAD_VERSION;
    h->minor = p[7] - '0';
    return MP_HEAD_OK;
}

/* Content-Length = 1*DIGIT (RFC 9110 §8.6). */
static bool read_length(mp_span v, uint64_t *out)
{
    if (!v.len || v.len > MP_HEAD_LENGTH_DIGITS_MAX)
        return false;
    uint64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        n = n * 10 + (uint64_t)(v.p[i] - '0');
    }
    *out = n;
    return true;
}

/* Connection = #connection-option (RFC 9110 §7.6.1): is "close" among them? */
static bool has_close_option(mp_span v)
{
    size_t i = 0;
    while (i < v.len) {
        while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
            i++;
        size_t s = i;
        while (i < v.len && v.p[i] != ',' && v.p[i] != ' ' && v.p[i] != '\t')
            i++;
        if (mp_span_equal_ci((mp_span){v.p + s, i - s}, "close"))
            return true;
    }
    return false;
}

/* A field the server reads may appear once; a second one is refused rather
 * than guessing which of the two a later reader would take. */
static bool set_once(mp_span *slot, mp_span value)
{
    if (slot->p)
        return false;
    *slot = value;
    return true;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). No space
 * before the colon (§5.1: 400), no obs-fold (§5.2: we refuse it), field-value
 * octets: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5). */
static mp_head_status read_field(mp_span line, mp_http_head *h, bool *length_seen, bool *chunked)
{
    const char *p = line.p, *end = line.p + line.len;
    const char *name = p;
    while (p < end && is_tchar((unsigned char)*p))
        p++;
    if (p == name || p == end || *p != ':')
        return MP_HEAD_MALFORMED;
    mp_span n = {name, (size_t)(p - name)};
    p++;
    for (const char *q = p; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if ((c < ' ' && c != '\t') || c == 0x7f)
            return MP_HEAD_MALFORMED;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    mp_span v = {p, (size_t)(end - p)};
    bool ok = true;
    if (mp_span_equal_ci(n, "Host"))
        ok = set_once(&h->host, v);
    else if (mp_span_equal_ci(n, "Origin"))
        ok = set_once(&h->origin, v);
    else if (mp_span_equal_ci(n, "Authorization"))
        ok = set_once(&h->authorization, v);
    else if (mp_span_equal_ci(n, "Content-Type"))
        ok = set_once(&h->content_type, v);
    else if (mp_span_equal_ci(n, "Transfer-Encoding"))
        *chunked = true;
    else if (mp_span_equal_ci(n, "Connection"))
        h->connection_close = h->connection_close || has_close_option(v);
    else if (mp_span_equal_ci(n, "Content-Length")) {
        if (*length_seen || !read_length(v, &h->content_length))
            return MP_HEAD_BAD_LENGTH;
        *length_seen = true;
        h->has_length = true;
    }
    return ok ? MP_HEAD_OK : MP_HEAD_MALFORMED;
}

mp_head_status mp_http_head_parse(const char *buf, size_t len, mp_http_head *out)
{
    memset(out, 0, sizeof *out);
    size_t end = mp_http_head_end(buf, len, 0);
    if (!end)
        return len >= MP_HEAD_MAX ? MP_HEAD_TOO_LARGE : MP_HEAD_INCOMPLETE;
    mp_http_head h;
    memset(&h, 0, sizeof h);
    line_reader r = {buf, 0, end};
    mp_span line;
    next_line(&r, &line);
    mp_head_status st = read_request_line(line, &h);
    bool length_seen = false, chunked = false;
    while (st == MP_HEAD_OK && next_line(&r, &line) && line.len)
        st = read_field(line, &h, &length_seen, &chunked);
    if (st != MP_HEAD_OK)
        return st;
    /* RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is a 400. */
    if (h.minor == 1 && !h.host.p)
        return MP_HEAD_MALFORMED;
    /* §6.1: Transfer-Encoding frames the body; we take bodies with a length
     * only (§6.3 lets a server answer 411). */
    if (chunked)
        return MP_HEAD_CHUNKED;
    h.size = end;
    *out = h;
    return MP_HEAD_OK;
}
