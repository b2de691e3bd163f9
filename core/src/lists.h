/*
 * The compiled-in name lists (private to the core).
 *
 * core/tools/gen_lists.py turns the lists in core/data into these constant tables
 * at build time, so nothing is parsed or allocated at run time.
 *
 * A set is a table of fingerprints (the low 32 bits of a 64-bit hash of the
 * name, mp_list_hash), bucketed by the top bits of the same hash and sorted
 * within a bucket: entries index[b] .. index[b + 1] are bucket b's. About
 * eight a bucket; a lookup hashes once and scans a few words, and there is
 * no string pool at all. Storing fingerprints instead of names is what
 * keeps the 8,900-domain disposable list at ~37 KB (the names compress to
 * ~57 KB gzipped). The price is a false-positive chance per lookup of
 * count / 2^(8 * fp_bytes + bucket_bits): about 2e-9 for the disposable
 * list with 4-byte fingerprints (5e-7 with 3, MP_LIST_FP_BYTES=3). The
 * generator proves that no domain on our free, popular or allow lists
 * collides.
 */
#ifndef MP_LISTS_H
#define MP_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mp_name_set {
    const uint16_t *index;   /* 2^bucket_bits + 1 bucket starts into fp */
    const unsigned char *fp; /* low fp_bytes octets of each name's hash,
                                little-endian, sorted per bucket */
    unsigned fp_bytes;       /* 4, or 3 for a smaller WebAssembly module */
    unsigned bucket_bits;  /* bucket = top bucket_bits of the hash (0..16) */
    uint32_t count;        /* names in the set */
} mp_name_set;

/* One popular mail domain; `name_len` octets of `domain` come before the
 * public suffix ("hotmail" in hotmail.co.uk). */
typedef struct mp_popular_domain {
    const char *domain;
    uint8_t len;
    uint8_t name_len;
    uint8_t suffix_id;     /* its suffix: mp_popular_suffixes[suffix_id] */
    uint32_t name_mask;    /* mp_letter_mask() of the name */
} mp_popular_domain;

/* Which characters occur in s: bit c - 'a' for letters, 26 + c % 6 for
 * anything else (digits, '-', '.'). Two names whose masks differ in k bits
 * are at least k / 2 edits apart; the suggester skips them cheaply. Must
 * match letter_mask() in gen_lists.py. */
static inline uint32_t mp_letter_mask(const char *s, size_t len)
{
    uint32_t m = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        m |= UINT32_C(1) << ((c >= 'a' && c <= 'z') ? c - 'a' : 26 + c % 6);
    }
    return m;
}

/* A distinct public suffix of the popular domains ("com", "co.uk"). */
typedef struct mp_popular_suffix {
    const char *suffix;
    uint8_t len;
    uint8_t labels; /* 1 or 2 */
} mp_popular_suffix;

enum { MP_POPULAR_SUFFIX_MAX = 64 }; /* the generator enforces it */

extern const mp_name_set mp_list_disposable;       /* disposable.txt */
extern const mp_name_set mp_list_disposable_allow; /* disposable-allowlist.txt */
extern const mp_name_set mp_list_free;             /* free.txt minus disposable */
extern const mp_name_set mp_list_free_typo_squat;  /* free entries one typo from a popular domain */
extern const mp_name_set mp_list_role;             /* role.txt, separators removed */
extern const mp_popular_domain mp_popular_domains[]; /* popular.txt, in order */
extern const size_t mp_popular_domain_count;
extern const mp_popular_suffix mp_popular_suffixes[]; /* distinct: com, co.uk ... */
extern const size_t mp_popular_suffix_count;
extern const char mp_list_disposable_version[];
extern const char mp_list_free_version[];

/* The 64-bit hash behind the fingerprints: FNV-1a over the octets taken
 * from the LAST to the first, then the murmur3 finaliser so the top bits
 * (the bucket) are well mixed. Hashing right to left means one pass over a
 * domain yields the hash of every parent domain on the way (the state at
 * each '.'), which is what the disposable parent walk needs. Must match
 * list_hash() in core/tools/gen_lists.py. */
static inline uint64_t mp_list_hash_start(void) { return 0xcbf29ce484222325u; }
static inline uint64_t mp_list_hash_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * 0x100000001b3u;
}
static inline uint64_t mp_list_hash_finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}
static inline uint64_t mp_list_hash(const char *s, size_t len)
{
    uint64_t h = mp_list_hash_start();
    while (len > 0)
        h = mp_list_hash_step(h, (unsigned char)s[--len]);
    return mp_list_hash_finish(h);
}

/* True when a name whose mp_list_hash() is `hash` is in `set`. */
bool mp_name_set_contains_hash(const mp_name_set *set, uint64_t hash);

/* True when `name` (`len` octets, case-sensitive) is in `set`. */
bool mp_name_set_contains(const mp_name_set *set, const char *name, size_t len);


/* True when `ascii_domain` or a parent domain (two labels or more) is in
 * `listed`, unless `allowed` names the domain or a parent at least as
 * specifically: the most specific match wins, the allowlist wins a tie.
 * mp_is_disposable_domain() is this over the disposable lists. */
bool mp_domain_listed(const char *ascii_domain, size_t len,
                      const mp_name_set *listed, const mp_name_set *allowed);

#endif
