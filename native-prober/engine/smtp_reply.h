/* smtp_reply.h — reading one SMTP reply (RFC 5321 §4.2) out of a byte buffer.
 *
 * A pure function with no state: the session keeps the bytes it has
 * received and asks again after every read. It never allocates, never
 * reads past `len`, and bounds everything: a line may be at most
 * MP_REPLY_LINE_MAX octets (RFC 5321 §4.5.3.1.5 says 512; we are lenient),
 * a whole multi-line reply at most MP_REPLY_MAX octets. */
#ifndef MP_SMTP_REPLY_H
#define MP_SMTP_REPLY_H
#include <stdbool.h>
#include <stddef.h>
#include "mailprobe/core.h"

enum {
    MP_REPLY_LINE_MAX = 1000,      /* octets per line, CRLF included */
    MP_REPLY_MAX = 64 * 1024,      /* octets per reply, all lines */
    MP_REPLY_ENHANCED_MAX = 15,    /* "5.123.123" fits with room */
};

typedef enum mp_reply_status {
    MP_REPLY_COMPLETE = 0,   /* a whole reply: see out->consumed / out->leftover */
    MP_REPLY_NEED_MORE,      /* every line so far is fine; the last line is missing */
    MP_REPLY_LINE_TOO_LONG,  /* a line (terminated or not) exceeds MP_REPLY_LINE_MAX */
    MP_REPLY_TOO_LONG,       /* the reply exceeds MP_REPLY_MAX without ending */
    MP_REPLY_BAD_CODE,       /* a line does not start with a code 200..599 (RFC 5321 §4.2) */
    MP_REPLY_BAD_SEPARATOR,  /* the 4th octet is neither ' ', '-' nor the end of line */
    MP_REPLY_CODE_MISMATCH,  /* a continuation line carries a different code */
    MP_REPLY_STATUS_COUNT
} mp_reply_status;

typedef struct mp_smtp_reply {
    int code;                              /* 200..599 when complete */
    char enhanced[MP_REPLY_ENHANCED_MAX + 1]; /* RFC 3463 "class.subject.detail" of
                                              the first line, or "" */
    char text[MP_SMTP_TEXT_MAX + 1];       /* the lines' text after code (and enhanced
                                              code), joined by one space; control
                                              octets replaced by '?'; truncated */
    bool text_truncated;
    size_t nlines;
    size_t consumed;                       /* octets of buf this reply used */
    size_t leftover;                       /* octets after it (len - consumed) */
} mp_smtp_reply;

/* Parses the reply at the start of buf[0..len). Lines end in LF; one CR
 * before it is stripped. On MP_REPLY_COMPLETE `out` is filled; on any other
 * status only out->consumed (0) and out->leftover (len) are meaningful.
 * Errors are detected as early as possible (a garbage first line is
 * reported before its end arrives). */
mp_reply_status parse_smtp_reply(const char *buf, size_t len, mp_smtp_reply *out);

/* "complete", "need_more", "line_too_long", ... Never NULL. */
const char *mp_reply_status_name(mp_reply_status s);

#endif
