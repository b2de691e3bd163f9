/* libFuzzer target: parse_smtp_reply() on arbitrary bytes, walking through
 * pipelined replies the way the session does. Checks the invariants the
 * session relies on: consumed + leftover == len, a complete reply has a
 * code 200..599 and NUL-terminated, bounded text. Each complete reply is
 * also classified (mp_smtp_classify): only a 5xx may reject a recipient,
 * and only as mailbox_not_found or mailbox_disabled; only a 2xx accepts.
 * Seeds: the wire form of every reply in tests/data/smtp-replies.tsv.
 * ctest-labels: fuzz
 * ctest-links: mpengine
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t len = size;
    for (int guard = 0; guard < 4096; guard++) {
        mp_smtp_reply r;
        mp_reply_status st = parse_smtp_reply(p, len, &r);
        if (st != MP_REPLY_COMPLETE)
            break;
        if (r.code < 200 || r.code > 599 || r.consumed == 0 || r.consumed + r.leftover != len)
            abort();
        if (strlen(r.text) > MP_SMTP_TEXT_MAX || strlen(r.enhanced) > MP_REPLY_ENHANCED_MAX)
            abort();
        mp_smtp_result res;
        mp_reason why = mp_smtp_classify(r.code, r.enhanced, r.text, &res);
        if (res == MP_SMTP_REJECTED &&
            (r.code < 500 || (why != MP_REASON_MAILBOX_NOT_FOUND && why != MP_REASON_MAILBOX_DISABLED)))
            abort();
        if ((res == MP_SMTP_ACCEPTED) != (r.code < 300))
            abort();
        p += r.consumed;
        len = r.leftover;
    }
    return 0;
}
