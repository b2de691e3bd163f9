/* http_head.c — HTTP/1.x request heads read with nodejs/http-parser 2.9
 * (Debian: libhttp-parser), and the few rules this server holds stricter
 * than that library (http_head.h). Rules cite RFC 9112 (HTTP/1.1) and RFC
 * 9110 (semantics).
 *
 * The library reads the request line, the field lines, Content-Length
 * (digits, once, never beside a Transfer-Encoding) and Connection. Debian
 * builds it without HTTP_PARSER_STRICT, so it also takes SP in a field
 * name, HTAB/FF/obs-text in the target, any four letters for "HTTP", runs
 * of SP in the request line and a bare CR as a line end: each is refused
 * below, beside the rules that are the server's rather than HTTP's syntax
 * (origin-form, one Host, no Transfer-Encoding, a bounded Content-Length,
 * HTTP/1.0 and 1.1 only). */
#include "http_head.h"

#include <string.h>

#include <http_parser.h>
#if HTTP_PARSER_VERSION_MAJOR != 2 || HTTP_PARSER_VERSION_MINOR < 9
#error "http-parser 2.9 or a later 2.x is needed (Debian 12: libhttp-parser-dev)"
#endif

/* The largest Content-Length: MP_HEAD_LENGTH_DIGITS_MAX nines. */
static const uint64_t LENGTH_MAX = 999999999999999u;

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

/* Every line of head[0..n) ends in LF or CR LF, and none continues the
 * one before: a bare CR (§2.2) would end a line for the library but not
 * for evhttp, and obs-fold (§5.2: SP or HTAB opening a line) is refused
 * rather than joined. */
static bool lines_are_plain(const char *head, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (head[i] == '\r' && head[i + 1] != '\n')
            return false;
        if (head[i] == '\n' && (head[i + 1] == ' ' || head[i + 1] == '\t'))
            return false;
    }
    return true;
}

/* What the library's callbacks gather from one head. */
typedef struct head_reader {
    const char *end;          /* just past the head's empty line */
    mp_http_head h;
    mp_span field, value;     /* the field line being read; value.p set once its value began */
    bool transfer_encoding;
    bool complete;            /* on_headers_complete was reached */
    mp_head_status refusal;   /* a rule of ours a callback found broken (MP_HEAD_OK: none) */
} head_reader;

/* Stops the library: a callback's non-zero return (other than 1 and 2,
 * which on_headers_complete uses for "no body"). */
static int stop(head_reader *r, mp_head_status why)
{
    r->refusal = why;
    return -1;
}

/* The library may hand a target, name or value over in pieces, one per
 * call of http_parser_execute that holds part of it. Here each lies within
 * one call's octets and obs-fold was refused before, so pieces are
 * adjacent: anything else is refused. */
static bool span_join(mp_span *s, const char *at, size_t len)
{
    if (!s->p) {
        *s = (mp_span){at, len};
        return true;
    }
    if (at != s->p + s->len)
        return false;
    s->len += len;
    return true;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
 * The library has read the target and the version's digits and seen the
 * line end right after them. Ours: one SP each (it skips runs of them),
 * origin-form (§3.2.1) of VCHARs only (it takes absolute-form, "*", HTAB,
 * FF and obs-text), "HTTP/" spelled out (§2.3; it takes any four letters),
 * and a version at all (it reads "GET /" as HTTP/0.9). */
static mp_head_status read_request_line(head_reader *r, const http_parser *p)
{
    mp_span t = r->h.target;
    if (!t.p || t.p != r->h.method.p + r->h.method.len + 1 || !t.len || t.p[0] != '/')
        return MP_HEAD_MALFORMED;
    for (size_t i = 0; i < t.len; i++)
        if ((unsigned char)t.p[i] <= ' ' || (unsigned char)t.p[i] >= 0x7f)
            return MP_HEAD_MALFORMED;
    const char *after = t.p + t.len;
    if (r->end - after < 6 || memcmp(after, " HTTP/", 6) != 0)
        return MP_HEAD_MALFORMED;
    if (p->http_major != 1 || p->http_minor > 1)
        return MP_HEAD_BAD_VERSION;
    r->h.minor = p->http_minor;
    return MP_HEAD_OK;
}

/* A field's name is complete once its value begins. field-name = token
 * (RFC 9110 §5.1): the library has checked its octets but lets SP in, so
 * "Host : x" (RFC 9112 §5.1: 400) is refused here. */
static bool read_field_name(head_reader *r)
{
    if (!r->field.p || memchr(r->field.p, ' ', r->field.len))
        return false;
    if (mp_span_equal_ci(r->field, "Transfer-Encoding"))
        r->transfer_encoding = true;
    return true;
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

/* A field line is complete. field-value octets are HTAB, SP, VCHAR and
 * obs-text (RFC 9110 §5.5): the library checks all but the first (2.9.4
 * takes the first unchecked, NUL and ESC included), so all are checked
 * here. It leaves out the leading OWS; the trailing OWS is left out here
 * (RFC 9112 §5). */
static bool finish_field(head_reader *r)
{
    mp_span n = r->field, v = r->value;
    r->field = r->value = (mp_span){NULL, 0};
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if ((c < ' ' && c != '\t') || c == 0x7f)
            return false;
    }
    while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
        v.len--;
    if (!v.len)
        v.p = n.p + n.len + 1; /* an empty value: just past the colon */
    if (mp_span_equal_ci(n, "Host"))
        return set_once(&r->h.host, v);
    if (mp_span_equal_ci(n, "Origin"))
        return set_once(&r->h.origin, v);
    if (mp_span_equal_ci(n, "Authorization"))
        return set_once(&r->h.authorization, v);
    if (mp_span_equal_ci(n, "Content-Type"))
        return set_once(&r->h.content_type, v);
    return true;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    head_reader *r = p->data;
    return span_join(&r->h.target, at, len) ? 0 : stop(r, MP_HEAD_MALFORMED);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    head_reader *r = p->data;
    if (r->value.p && !finish_field(r)) /* a new field line begins */
        return stop(r, MP_HEAD_MALFORMED);
    return span_join(&r->field, at, len) ? 0 : stop(r, MP_HEAD_MALFORMED);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    head_reader *r = p->data;
    if (!r->value.p && !read_field_name(r))
        return stop(r, MP_HEAD_MALFORMED);
    return span_join(&r->value, at, len) ? 0 : stop(r, MP_HEAD_MALFORMED);
}

/* The whole head is read: the rules that need all of it, in the order a
 * client can act on them. Then the library pauses: the body, if any, is
 * the gate's to pass on. */
static int on_headers_complete(http_parser *p)
{
    head_reader *r = p->data;
    mp_head_status st = MP_HEAD_OK;
    if (r->field.p && !finish_field(r))
        st = MP_HEAD_MALFORMED;
    r->h.has_length = (p->flags & F_CONTENTLENGTH) != 0;
    r->h.content_length = r->h.has_length ? p->content_length : 0;
    r->h.connection_close = (p->flags & F_CONNECTION_CLOSE) != 0;
    if (st == MP_HEAD_OK && r->h.content_length > LENGTH_MAX)
        st = MP_HEAD_BAD_LENGTH;
    /* RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is a 400. */
    if (st == MP_HEAD_OK && r->h.minor == 1 && !r->h.host.p)
        st = MP_HEAD_MALFORMED;
    /* §6.1: Transfer-Encoding frames the body; we take bodies with a length
     * only (§6.3 lets a server answer 411). */
    if (st == MP_HEAD_OK && r->transfer_encoding)
        st = MP_HEAD_CHUNKED;
    if (st != MP_HEAD_OK)
        return stop(r, st);
    r->complete = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings callbacks = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
};

mp_head_status mp_http_head_parse(const char *buf, size_t len, mp_http_head *out)
{
    memset(out, 0, sizeof *out);
    size_t end = mp_http_head_end(buf, len, 0);
    if (!end)
        return len >= MP_HEAD_MAX ? MP_HEAD_TOO_LARGE : MP_HEAD_INCOMPLETE;
    /* method = token (RFC 9110 §9.1), whatever it names: the server answers
     * the ones it does not know 501. The library knows 34 methods by name
     * and refuses any other, so it is handed a stand-in, "GET", and reads
     * the rest of the head from the SP on (the head ends in LF: m < end). */
    size_t m = 0;
    while (is_tchar((unsigned char)buf[m]))
        m++;
    if (!m || buf[m] != ' ')
        return MP_HEAD_MALFORMED;
    head_reader r = {.end = buf + end, .h.method = {buf, m}, .refusal = MP_HEAD_OK};
    http_parser p;
    http_parser_init(&p, HTTP_REQUEST);
    p.data = &r;
    /* The request line on its own first, so that its refusals (505 among
     * them) come before any field line's; the library refuses a bare CR in
     * it. */
    size_t line_end = (size_t)((const char *)memchr(buf, '\n', end) - buf) + 1;
    http_parser_execute(&p, &callbacks, "GET", 3);
    http_parser_execute(&p, &callbacks, buf + m, line_end - m);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
        return MP_HEAD_MALFORMED;
    mp_head_status st = read_request_line(&r, &p);
    if (st != MP_HEAD_OK)
        return st;
    if (!lines_are_plain(buf + line_end - 1, end - line_end + 1)) /* from the request line's LF */
        return MP_HEAD_MALFORMED;
    size_t n = http_parser_execute(&p, &callbacks, buf + line_end, end - line_end);
    if (r.refusal != MP_HEAD_OK)
        return r.refusal;
    enum http_errno e = HTTP_PARSER_ERRNO(&p);
    /* A Content-Length not 1*DIGIT, a second one, or one beside a
     * Transfer-Encoding: with a Transfer-Encoding, 411 says what to do. */
    if (e == HPE_INVALID_CONTENT_LENGTH || e == HPE_UNEXPECTED_CONTENT_LENGTH)
        return r.transfer_encoding ? MP_HEAD_CHUNKED : MP_HEAD_BAD_LENGTH;
    /* Paused on the head's last octet: the library and mp_http_head_end
     * agree on where the head ends. */
    if (e != HPE_PAUSED || !r.complete || line_end + n + 1 != end)
        return MP_HEAD_MALFORMED;
    r.h.size = end;
    *out = r.h;
    return MP_HEAD_OK;
}
