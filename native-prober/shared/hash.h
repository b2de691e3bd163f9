/* hash.h — the one string hash of native-prober: 32-bit FNV-1a
 * (Fowler–Noll–Vo, draft-eastlake-fnv), for the in-memory hash tables (scheduler domains and
 * hosts, rate-limit buckets, the DNS cache). Fast and well spread for short
 * keys such as domain names; not for anything an attacker must not steer
 * (every table using it is bounded or chained). */
#ifndef MP_HASH_H
#define MP_HASH_H
#include <stddef.h>
#include <stdint.h>

/* 32-bit FNV-1a of `len` octets at `data`. */
uint32_t mp_fnv1a32(const void *data, size_t len);

/* 32-bit FNV-1a of a NUL-terminated string (without the NUL). */
uint32_t mp_fnv1a32_str(const char *s);

#endif
