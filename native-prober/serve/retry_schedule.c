/* retry_schedule.c — the retry schedule of temporary answers
 * (retry_schedule.h). */
#include "retry_schedule.h"

#include <stdio.h>
#include <string.h>

#include "prober_options.h"

static const mp_duration_rule STEP_RULE = {
    .floor_ms = 1000,                       /* a retry within a second proves nothing */
    .max_ms = 7LL * 24 * 3600 * 1000,       /* a week: longer than any job should wait */
    .step_ms = 1,
    .zero_is_off = false,
};

void mp_retry_schedule_default(mp_retry_schedule *s)
{
    *s = (mp_retry_schedule){.steps = 3, .wait_ms = {5 * 60000, 15 * 60000, 45 * 60000}};
}

static bool is_off(const char *text)
{
    return !strcmp(text, "0") || !strcmp(text, "off") || !strcmp(text, "none");
}

bool mp_retry_schedule_parse(const char *text, mp_retry_schedule *out, char *why, size_t whylen)
{
    mp_retry_schedule s = {0};
    char buf[256];
    if (strlen(text) >= sizeof buf) {
        snprintf(why, whylen, "too long for a retry schedule");
        return false;
    }
    snprintf(buf, sizeof buf, "%s", text);
    char *p = buf;
    while (*p == ' ')
        p++;
    if (is_off(p)) {
        *out = s;
        return true;
    }
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ')
            p++;
        for (char *e = p + strlen(p); e > p && e[-1] == ' ';)
            *--e = '\0';
        if (!*p) {
            snprintf(why, whylen, "an empty wait in the retry schedule (expected e.g. 5m,15m,45m)");
            return false;
        }
        if (s.steps == MP_RETRY_STEPS_MAX) {
            snprintf(why, whylen, "at most %d waits in a retry schedule", MP_RETRY_STEPS_MAX);
            return false;
        }
        char step_why[160];
        if (!mp_option_parse_duration(p, &STEP_RULE, &s.wait_ms[s.steps], step_why, sizeof step_why)) {
            snprintf(why, whylen, "retry schedule: %s", step_why);
            return false;
        }
        s.steps++;
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = s;
    return true;
}

void mp_retry_schedule_format(const mp_retry_schedule *s, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (!s->steps) {
        snprintf(out, cap, "off");
        return;
    }
    size_t len = 0;
    for (size_t i = 0; i < s->steps && len < cap; i++) {
        char one[32];
        mp_duration_format(s->wait_ms[i], one, sizeof one);
        int n = snprintf(out + len, cap - len, "%s%s", i ? "," : "", one);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

bool mp_retry_is_temporary(mp_status status, mp_reason reason)
{
    if (status != MP_STATUS_UNKNOWN)
        return false;
    switch (reason) {
    case MP_REASON_GREYLISTED:
    case MP_REASON_TEMPORARY_FAILURE:
    case MP_REASON_TIMEOUT:
    case MP_REASON_CONNECTION_FAILED:
    case MP_REASON_DNS_ERROR:
    case MP_REASON_DNS_UNTRUSTED:  /* the resolver may prove honest by then */
        return true;
    default:
        return false;
    }
}

bool mp_retry_next(const mp_retry_schedule *s, int tries, int64_t now_s, int64_t *retry_at)
{
    if (tries < 1 || (size_t)tries > s->steps)
        return false;
    int64_t wait_ms = s->wait_ms[tries - 1];
    *retry_at = now_s + (wait_ms + 999) / 1000;
    return true;
}
