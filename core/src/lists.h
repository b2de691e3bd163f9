/*
 * The compiled-in name lists (private to the core).
 *
 * core/tools/gen_lists.py turns the lists in core/data into these constant tables
 * at build time, so nothing is parsed or allocated at run time.
 *
 * A set holds no names, only a value per name: the name's 64-bit hash
 * (mp_list_hash) scaled onto [0, count << fp_bits) (mp_list_value). The
 * sorted values are stored as Golomb-Rice coded gaps (quotient in unary,
 * then fp_bits - 1 remainder bits), cut into buckets of 2^(fp_bits +
 * bucket_bits) values, about 16 names each (32 in the disposable and free
 * lists), with the bit offset of every bucket in an index (16 bits a
 * bucket: the offset's difference from a straight line through them all):
 * a lookup hashes once and decodes one bucket (~8 gaps on average before
 * it stops, ~16 in the big lists; several gaps a 64-bit load). That is
 * about fp_bits + 1.5 bits a name with the index, within 2 bits of the
 * information-theoretic floor (the names compress to ~57 KB gzipped;
 * 4-octet fingerprints took 37 KB). Buckets of 32 halve the index of the
 * two big lists for the WebAssembly budget; bulk checks look each domain
 * up once (mp_check_memo), so their slower lookup hardly shows there
 * (measured in core/data/README.md).
 *
 * The price is a false positive: a name that is not in a set hits it with
 * probability count / (count << fp_bits) = 2^-fp_bits per lookup, i.e.
 * 2^-15 ~ 3.1e-5 for the disposable list, 2^-12 ~ 2.4e-4 for the free list
 * (chosen for the WebAssembly size budget: gen_lists.py, docs/wasm.md#size),
 * 2^-30 ~ 9e-10 for the allowlist and 2^-20 ~ 1e-6 for the other small ones
 * (role, typo-squats). The TLD sets are in mp_is_listed_tld() (lists.c).
 * The generator proves that no domain on our free, popular or allow
 * lists hits the disposable set, no disposable domain hits the allowlist,
 * and no free or popular domain hits the typo-squat set.
 */
#ifndef MP_LISTS_H
#define MP_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MP_LIST_BUCKET_BITS = 4, /* ~16 names a bucket; gen_lists.py BUCKET_BITS */
};

typedef struct mp_name_set {
    const int16_t *index;       /* see mp_name_set_bucket_start() */
    const unsigned char *bits;  /* the gaps, least significant bit first, with
                                   8 zero octets after the last (see lists.c) */
    uint32_t count;             /* names in the set (<= 65535) */
    uint32_t fp_bits;           /* false positive 2^-fp_bits a lookup (1..39) */
    uint32_t slope;             /* bits a bucket on average, times 256 */
    uint32_t bucket_bits;       /* ~2^bucket_bits names a bucket: MP_LIST_BUCKET_BITS,
                                   or 5 for the two big lists (gen_lists.py) */
} mp_name_set;

/* The first bit of bucket b (b = bucket count gives the end of the bits):
 * the straight line b * slope / 256 plus the stored difference. */
static inline uint32_t mp_name_set_bucket_start(const mp_name_set *set, uint64_t b)
{
    return (uint32_t)((int64_t)((b * set->slope) >> 8) + set->index[b]);
}

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
extern const unsigned char mp_list_role_bloom[128];  /* its Bloom filter (gen_lists.py) */
/* What every role name has: at most max_len octets, a first and a last
 * character among first_chars / last_chars (bit c - 'a'; digits 26 + c - '0'). */
typedef struct mp_role_shape {
    uint32_t max_len;
    uint64_t first_chars, last_chars;
} mp_role_shape;
extern const mp_role_shape mp_list_role_shape;
extern const mp_name_set mp_list_tld2;             /* tlds.txt, 2 letters: exact, base-26 values */
extern const mp_name_set mp_list_tld3;             /* tlds.txt, 3 letters: exact, base-26 values */
extern const mp_name_set mp_list_tld;              /* tlds.txt, the rest: hash values, 2^-8 */
extern const mp_popular_domain mp_popular_domains[]; /* popular.txt, in order */
extern const size_t mp_popular_domain_count;
extern const mp_popular_suffix mp_popular_suffixes[]; /* distinct: com, co.uk ... */
extern const size_t mp_popular_suffix_count;
extern const char mp_list_disposable_version[];
extern const char mp_list_free_version[];
extern const char mp_list_tld_version[];

/* The 64-bit hash behind the sets: FNV-1a over the octets taken from the
 * LAST to the first, then the murmur3 finaliser so the top bits (which
 * mp_list_value keeps) are well mixed. Hashing right to left means one pass
 * over a domain yields the hash of every parent domain on the way (the
 * state at each '.'), which is what the disposable parent walk needs. Must
 * match list_hash() in core/tools/gen_lists.py. */
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

/* A name's value in `set`: the top 40 bits of its hash scaled onto
 * [0, count << fp_bits) by a multiply and a shift (count < 2^16, so the
 * product fits 64 bits). Must match list_value() in gen_lists.py. */
static inline uint64_t mp_list_value(const mp_name_set *set, uint64_t hash)
{
    return ((hash >> 24) * set->count) >> (40 - set->fp_bits);
}

/* True when `value` (< count << fp_bits) is one of the set's values. The
 * exact TLD sets store names' base-26 values; the others mp_list_value(). */
bool mp_name_set_contains_value(const mp_name_set *set, uint64_t value);

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
