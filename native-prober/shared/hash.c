/* hash.c — 32-bit FNV-1a (hash.h), with the published offset basis and
 * prime. */
#include "hash.h"

#include <string.h>

enum { FNV32_OFFSET = 2166136261u, FNV32_PRIME = 16777619u };

uint32_t mp_fnv1a32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = FNV32_OFFSET;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV32_PRIME;
    return h;
}

uint32_t mp_fnv1a32_str(const char *s) { return mp_fnv1a32(s, strlen(s)); }
