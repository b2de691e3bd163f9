/* STUB — replaced by mp_check. */
#include <string.h>
#include "mailprobe/core.h"

void mp_check(const char *input, size_t len, const mp_options *opts, const mp_policy *policy, mp_result *out)
{
    memset(out, 0, sizeof *out);
    mp_parse(input, len, opts, &out->syntax);
    mp_verdict(out, NULL, policy);
}
