/* STUB — replaced by the typo suggester. */
#include "mailprobe/core.h"

bool mp_suggest_domain(const char *d, size_t len, char *out, size_t cap)
{
    (void)d; (void)len; (void)out; (void)cap;
    return false;
}
