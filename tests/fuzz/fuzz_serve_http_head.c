/* libFuzzer target: mp_http_head_parse() on arbitrary octets, walking
 * through pipelined requests the way the gate does (head, then
 * Content-Length octets of body). Checks the invariants the gate relies on:
 * an accepted head ends within the input and within MP_HEAD_MAX, after an
 * empty line; every span lies inside it; the method and target are never
 * empty; the status always has a name; mp_http_head_end agrees with the
 * parser, also when searched an octet at a time. And the strictness
 * http_head.h promises, checked on the octets themselves rather than
 * through http-parser: no control octet but HTAB, CR and LF, no bare CR,
 * no obs-fold, a bounded length.
 * Seeds: tests/fuzz/seeds/fuzz_serve_http_head/.
 * ctest-labels: fuzz
 * ctest-links: mpserve
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(mp_span s, const char *start, size_t size)
{
    if (s.p && (s.p < start || s.p + s.len > start + size))
        abort();
}

/* What an accepted head never holds (http_head.h). */
static void strict(const char *head, size_t n, const mp_http_head *h)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)head[i];
        if ((c < ' ' && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
            abort();
        if (c == '\r' && (i + 1 == n || head[i + 1] != '\n'))
            abort();
        if (c == '\n' && i + 1 < n && (head[i + 1] == ' ' || head[i + 1] == '\t'))
            abort();
    }
    if (h->content_length > 999999999999999u || (!h->has_length && h->content_length))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t len = size;
    for (int guard = 0; guard < 64 && len; guard++) {
        mp_http_head h;
        mp_head_status st = mp_http_head_parse(p, len, &h);
        if (strcmp(mp_head_status_name(st), "?") == 0)
            abort();
        size_t end = mp_http_head_end(p, len, 0);
        if (st == MP_HEAD_INCOMPLETE && end)
            abort();
        if (st != MP_HEAD_OK)
            break;
        if (h.size != end || h.size > len || h.size > MP_HEAD_MAX || h.size < 2 || p[h.size - 1] != '\n')
            abort();
        if (!h.method.len || !h.target.len || h.target.p[0] != '/' || (h.minor != 0 && h.minor != 1))
            abort();
        inside(h.method, p, h.size);
        inside(h.target, p, h.size);
        inside(h.host, p, h.size);
        inside(h.origin, p, h.size);
        inside(h.authorization, p, h.size);
        inside(h.content_type, p, h.size);
        strict(p, h.size, &h);
        size_t from = 0, step_end = 0;
        for (size_t n = 1; n <= h.size && !step_end; n++) {
            step_end = mp_http_head_end(p, n, from);
            from = n;
        }
        if (step_end != h.size)
            abort();
        size_t body = h.content_length < len - h.size ? (size_t)h.content_length : len - h.size;
        p += h.size + body;
        len -= h.size + body;
    }
    return 0;
}
