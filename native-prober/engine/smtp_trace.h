/* smtp_trace.h — what libcurl's debug stream tells about an SMTP connect.
 *
 * In CONNECT_ONLY mode libcurl reads the greeting, sends EHLO (HELO as a
 * fallback) and STARTTLS itself and returns none of the replies. Its debug
 * callback (CURLOPT_DEBUGFUNCTION) is the only view: every reply line as
 * CURLINFO_HEADER_IN, every command as CURLINFO_HEADER_OUT, and remarks as
 * CURLINFO_TEXT. This reader turns that stream into what the session needs:
 * the capabilities of the last EHLO reply (RFC 5321 §4.1.1.1), the last
 * reply libcurl read (a refusal is reported with its code and text), and
 * libcurl clipping an over-long reply line. It depends on libcurl's own
 * wording (7.88: one line per HEADER_IN call; "Excessive server response
 * line length received ... Stripping"), hence one function with its own
 * tests (tests/unit/test_engine_smtp_trace.c). Pure: no I/O. */
#ifndef MP_SMTP_TRACE_H
#define MP_SMTP_TRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>
#include "smtp_reply.h"

/* What the server announced in its last EHLO reply, and the TLS state. */
typedef struct mp_session_caps {
    bool esmtp;       /* EHLO was answered 2xx (not the HELO fallback) */
    bool pipelining;  /* RFC 2920 */
    bool smtputf8;    /* RFC 6531 */
    bool starttls;    /* RFC 3207 */
    bool tls_active;  /* we sent STARTTLS: the rest is encrypted */
    bool size;        /* RFC 1870 */
} mp_session_caps;

enum { MP_TRACE_REPLY_MAX = 1024 }; /* octets of the last reply kept */

typedef struct mp_smtp_trace {
    mp_session_caps caps;
    bool in_ehlo_reply;              /* the lines now arriving answer EHLO */
    bool line_too_long;              /* libcurl clipped a reply line */
    char last_reply[MP_TRACE_REPLY_MAX]; /* raw lines of the last reply */
    size_t last_reply_len;
    bool last_reply_done;            /* its last line has come */
} mp_smtp_trace;

/* What one piece of the stream meant. */
typedef enum mp_trace_event {
    MP_TRACE_NOTHING = 0,      /* noted, nothing to do */
    MP_TRACE_LINE_TOO_LONG,    /* libcurl clipped a reply line (first time only):
                                  the server does not speak SMTP */
} mp_trace_event;

/* Sets `t` to "nothing seen". */
void mp_smtp_trace_init(mp_smtp_trace *t);

/* Feeds one debug-callback call (`type`, `size` octets at `data`, not
 * NUL-terminated). Types other than HEADER_IN, HEADER_OUT and TEXT are
 * ignored. */
mp_trace_event mp_smtp_trace_feed(mp_smtp_trace *t, curl_infotype type, const char *data, size_t size);

/* The last complete reply libcurl read (greeting, EHLO...), parsed with
 * parse_smtp_reply(). false when there is none (or it did not fit). */
bool mp_smtp_trace_last_reply(const mp_smtp_trace *t, mp_smtp_reply *out);

#endif
