/* STUB — replaced by the verdict. */
#include <string.h>
#include "mailprobe/core.h"

void mp_policy_default(mp_policy *p) { memset(p, 0, sizeof *p); p->disposable_is_risky = p->catch_all_is_risky = true; }

void mp_verdict(mp_result *r, const mp_evidence *ev, const mp_policy *policy)
{
    (void)policy;
    if (ev) r->evidence = *ev; else memset(&r->evidence, 0, sizeof r->evidence);
    r->status = r->syntax.valid ? MP_STATUS_UNKNOWN : MP_STATUS_UNDELIVERABLE;
    r->reason = r->syntax.valid ? MP_REASON_NOT_CHECKED : MP_REASON_INVALID_SYNTAX;
    r->action = r->syntax.valid ? MP_ACTION_SEGMENT : MP_ACTION_REMOVE;
    r->score = 0;
}

mp_reason mp_smtp_classify(int code, const char *enhanced, const char *text, mp_smtp_result *result)
{
    (void)enhanced; (void)text;
    *result = (code >= 200 && code < 300) ? MP_SMTP_ACCEPTED : MP_SMTP_UNAVAILABLE;
    return (code >= 200 && code < 300) ? MP_REASON_ACCEPTED : MP_REASON_TEMPORARY_FAILURE;
}
