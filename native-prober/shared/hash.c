/* hash.c — FNV-1a, 32 and 64 bits (hash.h). The offset bases and primes are
 * the published FNV parameters. */
#include "hash.h"

#include <string.h>

enum { FNV32_OFFSET = 2166136261u, FNV32_PRIME = 16777619u };
#define FNV64_OFFSET 14695981039346656037ull
#define FNV64_PRIME 1099511628211ull

uint32_t mp_fnv1a32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = FNV32_OFFSET;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV32_PRIME;
    return h;
}

uint32_t mp_fnv1a32_str(const char *s) { return mp_fnv1a32(s, strlen(s)); }

uint64_t mp_fnv1a64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = FNV64_OFFSET;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV64_PRIME;
    return h;
}
