/* smtp_trace.c — reading libcurl's SMTP debug stream (smtp_trace.h). */
#include "smtp_trace.h"

#include <string.h>
#include <strings.h>

#include "text.h"

void mp_smtp_trace_init(mp_smtp_trace *t) { memset(t, 0, sizeof *t); }

/* One EHLO reply line "250-KEYWORD params" (RFC 5321 §4.1.1.1: the
 * keyword, then a space and parameters, or '=' in some old servers). */
static void note_capability(mp_session_caps *caps, const char *line, size_t n)
{
    if (n < 5)
        return;
    const char *kw = line + 4;
    size_t kn = n - 4;
    while (kn && (kw[kn - 1] == '\r' || kw[kn - 1] == '\n'))
        kn--;
    static const struct { const char *name; size_t off; } known[] = {
        {"PIPELINING", offsetof(mp_session_caps, pipelining)},
        {"SMTPUTF8", offsetof(mp_session_caps, smtputf8)},
        {"STARTTLS", offsetof(mp_session_caps, starttls)},
        {"SIZE", offsetof(mp_session_caps, size)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t cl = strlen(known[i].name);
        if (kn >= cl && !strncasecmp(kw, known[i].name, cl) && (kn == cl || kw[cl] == ' ' || kw[cl] == '='))
            *(bool *)((char *)caps + known[i].off) = true;
    }
}

/* A reply line from the server. */
static void reply_line(mp_smtp_trace *t, const char *data, size_t size)
{
    if (t->last_reply_done)
        t->last_reply_len = 0, t->last_reply_done = false;
    if (t->last_reply_len + size <= sizeof t->last_reply) {
        memcpy(t->last_reply + t->last_reply_len, data, size);
        t->last_reply_len += size;
    }
    /* "ddd-" continues the reply; anything else ends it (RFC 5321 §4.2.1). */
    if (size < 4 || data[3] != '-')
        t->last_reply_done = true;
    if (t->in_ehlo_reply) {
        note_capability(&t->caps, data, size);
        if (size >= 3 && data[0] == '2')
            t->caps.esmtp = true;
    }
}

/* A command libcurl sent. */
static void command_line(mp_smtp_trace *t, const char *data, size_t size)
{
    if (size >= 4 && !strncasecmp(data, "EHLO", 4)) {
        /* A new EHLO (again after STARTTLS, RFC 3207 §4.2): forget what the
         * last one announced, but not that TLS is on. */
        bool tls = t->caps.tls_active;
        memset(&t->caps, 0, sizeof t->caps);
        t->caps.tls_active = tls;
        t->in_ehlo_reply = true;
    } else if (size >= 4 && !strncasecmp(data, "HELO", 4)) {
        t->in_ehlo_reply = false;
        t->caps.esmtp = false;
    } else if (size >= 8 && !strncasecmp(data, "STARTTLS", 8)) {
        t->caps.tls_active = true;
    }
}

mp_trace_event mp_smtp_trace_feed(mp_smtp_trace *t, curl_infotype type, const char *data, size_t size)
{
    switch (type) {
    case CURLINFO_HEADER_IN:
        reply_line(t, data, size);
        return MP_TRACE_NOTHING;
    case CURLINFO_HEADER_OUT:
        command_line(t, data, size);
        return MP_TRACE_NOTHING;
    case CURLINFO_TEXT:
        /* libcurl's words when it clips a line (lib/pingpong.c) and keeps
         * reading. */
        if (size > 20 && mp_contains_ci(data, size, "Excessive") && !t->line_too_long) {
            t->line_too_long = true;
            return MP_TRACE_LINE_TOO_LONG;
        }
        return MP_TRACE_NOTHING;
    default:
        return MP_TRACE_NOTHING;
    }
}

bool mp_smtp_trace_last_reply(const mp_smtp_trace *t, mp_smtp_reply *out)
{
    return t->last_reply_len && parse_smtp_reply(t->last_reply, t->last_reply_len, out) == MP_REPLY_COMPLETE;
}
