/* politeness.c — the local politeness and the token bucket (politeness.h). */
#include "politeness.h"

#include <stddef.h>

enum { RECHECK_DEFAULT_MS = 200 };  /* a busy host is asked again this often */

static void local_budget(const char *host, int open, mp_host_budget *out, void *arg)
{
    (void)host;
    (void)open;
    const mp_politeness_limits *limits = arg;
    out->sessions = limits->sessions;
    out->rate = limits->rate;
    out->recheck_ms = RECHECK_DEFAULT_MS;
}

void mp_politeness_local(const mp_politeness_limits *limits, mp_politeness *out)
{
    *out = (mp_politeness){.budget = local_budget, .arg = (void *)limits};
}

int mp_token_bucket_take(double *tokens, int64_t *refilled_ms, double rate, double burst, int64_t now_ms)
{
    double elapsed = (double)(now_ms - *refilled_ms) / 1000.0;
    if (elapsed < 0)
        elapsed = 0;
    *refilled_ms = now_ms;
    if (rate > 0)
        *tokens += elapsed * rate;
    if (*tokens > burst)
        *tokens = burst;
    if (*tokens >= 1.0) {
        *tokens -= 1.0;
        return 0;
    }
    if (rate <= 0)
        return RECHECK_DEFAULT_MS;
    return (int)((1.0 - *tokens) / rate * 1000.0) + 1;
}
