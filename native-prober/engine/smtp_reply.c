/* smtp_reply.c — the reply reader: lines, codes, continuation, enhanced codes.
 * Rules from RFC 5321 §4.2 (reply syntax), §4.5.3.1.5 (line length) and
 * RFC 2034/3463 (enhanced status codes). */
#include "smtp_reply.h"

#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. */
static bool valid_code(const char *p, size_t n, int *code)
{
    if (n < 3)
        return false;
    if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' || !is_digit(p[2]))
        return false;
    *code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    return true;
}

/* Checks what can be checked of an incomplete line (n octets, no LF yet), so
 * garbage is refused before its end arrives. */
static mp_reply_status check_partial_line(const char *p, size_t n, int first_code)
{
    for (size_t i = 0; i < n && i < 3; i++) {
        char lo = i == 0 ? '2' : '0', hi = i == 0 ? '5' : (i == 1 ? '5' : '9');
        if (p[i] < lo || p[i] > hi)
            return MP_REPLY_BAD_CODE;
    }
    if (n >= 3 && first_code) {
        int code = 0;
        valid_code(p, n, &code);
        if (code != first_code)
            return MP_REPLY_CODE_MISMATCH;
    }
    if (n >= 4 && p[3] != ' ' && p[3] != '-' && p[3] != '\r')
        return MP_REPLY_BAD_SEPARATOR;
    return MP_REPLY_NEED_MORE;
}

/* RFC 3463 §2: status-code = class "." subject "." detail, class 2/4/5
 * matching the reply's first digit, subject and detail 1..3 digits.
 * Returns its length in p[0..n) (followed by a space or the end), or 0. */
static size_t enhanced_code_len(const char *p, size_t n, int code)
{
    if (n < 5 || p[0] != (char)('0' + code / 100) || p[1] != '.')
        return 0;
    size_t i = 2, digits = 0;
    while (i < n && is_digit(p[i]) && digits < 3)
        i++, digits++;
    if (!digits || i >= n || p[i] != '.')
        return 0;
    i++;
    digits = 0;
    while (i < n && is_digit(p[i]) && digits < 3)
        i++, digits++;
    if (!digits || (i < n && p[i] != ' '))
        return 0;
    return i;
}

static void append_text(mp_smtp_reply *out, size_t *tlen, const char *p, size_t n)
{
    if (*tlen && n) {
        if (*tlen + 1 > MP_SMTP_TEXT_MAX) {
            out->text_truncated = true;
            return;
        }
        out->text[(*tlen)++] = ' ';
    }
    for (size_t i = 0; i < n; i++) {
        if (*tlen >= MP_SMTP_TEXT_MAX) {
            out->text_truncated = true;
            break;
        }
        unsigned char c = (unsigned char)p[i];
        out->text[(*tlen)++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
    }
    out->text[*tlen] = '\0';
}

mp_reply_status parse_smtp_reply(const char *buf, size_t len, mp_smtp_reply *out)
{
    memset(out, 0, sizeof *out);
    out->leftover = len;
    size_t pos = 0, tlen = 0;
    int first_code = 0;

    for (;;) {
        if (pos >= MP_REPLY_MAX)
            return MP_REPLY_TOO_LONG;
        const char *line = buf + pos;
        size_t avail = len - pos;
        const char *lf = avail ? memchr(line, '\n', avail) : NULL;
        if (!lf) {
            if (avail >= MP_REPLY_LINE_MAX)
                return MP_REPLY_LINE_TOO_LONG;
            if (pos + avail >= MP_REPLY_MAX)
                return MP_REPLY_TOO_LONG;
            return check_partial_line(line, avail, first_code);
        }
        size_t raw = (size_t)(lf - line) + 1; /* with the LF */
        if (raw > MP_REPLY_LINE_MAX)
            return MP_REPLY_LINE_TOO_LONG;
        if (pos + raw > MP_REPLY_MAX)
            return MP_REPLY_TOO_LONG;
        size_t n = raw - 1;
        if (n && line[n - 1] == '\r')
            n--;

        int code = 0;
        if (!valid_code(line, n, &code))
            return MP_REPLY_BAD_CODE;
        if (first_code && code != first_code)
            return MP_REPLY_CODE_MISMATCH;
        bool more = false;
        if (n > 3) {
            if (line[3] == '-')
                more = true;
            else if (line[3] != ' ')
                return MP_REPLY_BAD_SEPARATOR;
        }
        first_code = code;
        out->nlines++;

        /* Text after "NNN " / "NNN-", without a repeated enhanced code. */
        const char *t = line + (n > 3 ? 4 : 3);
        size_t tn = n > 3 ? n - 4 : 0;
        size_t el = enhanced_code_len(t, tn, code);
        if (el) {
            if (out->nlines == 1) {
                memcpy(out->enhanced, t, el < MP_REPLY_ENHANCED_MAX ? el : MP_REPLY_ENHANCED_MAX);
            }
            t += el;
            tn -= el;
            while (tn && *t == ' ')
                t++, tn--;
        }
        append_text(out, &tlen, t, tn);
        pos += raw;
        if (!more) {
            out->code = code;
            out->consumed = pos;
            out->leftover = len - pos;
            return MP_REPLY_COMPLETE;
        }
    }
}

const char *mp_reply_status_name(mp_reply_status s)
{
    static const char *const names[MP_REPLY_STATUS_COUNT] = {
        "complete", "need_more", "line_too_long", "too_long", "bad_code", "bad_separator", "code_mismatch",
    };
    return (unsigned)s < MP_REPLY_STATUS_COUNT ? names[s] : "unknown";
}
