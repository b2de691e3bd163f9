/*
 * Disposable, free-provider and role lookups over the generated tables
 * (lists.h). O(1) and allocation-free: one hash per name looked up.
 */
#include "lists.h"

#include "mailprobe/core.h"

#include <string.h>

/* 64 bits of `bits` from octet pos / 8 on, least significant first, shifted
 * so bit `pos` is bit 0 (at least 57 valid bits). Reads 8 octets: the
 * generator pads every bit array with 8 zero octets, so this never reads
 * past the table. */
static inline uint64_t bits_at(const unsigned char *bits, uint32_t pos)
{
    const unsigned char *p = bits + (pos >> 3);
    uint64_t w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&w, p, sizeof w); /* x86, ARM, WebAssembly: one load */
#else
    w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
        (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
#endif
    return w >> (pos & 7);
}

/* Trailing one bits of w (w is never all ones here: see the caller). */
static inline unsigned trailing_ones(uint64_t w)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(~w);
#else
    unsigned n = 0;
    while (w & 1) {
        n++;
        w >>= 1;
    }
    return n;
#endif
}

/* Decodes the Rice-coded gaps of the value's bucket until it reaches or
 * passes the value. A gap is q one-bits, a zero, then k = fp_bits - 1
 * remainder bits (k <= 38): gap = q << k | remainder. Nearly always the
 * whole gap lies in one 57-bit window (q averages ~1.5); the first gap of
 * a sparse bucket may have q up to 2^(bucket_bits + 1) - 1, and
 * with a long remainder (the small sets: k = 29) the window is refilled. */
bool mp_name_set_contains_value(const mp_name_set *set, uint64_t want)
{
    if (set->count == 0)
        return false;
    unsigned k = set->fp_bits - 1;
    uint64_t mask = (UINT64_C(1) << k) - 1;
    uint64_t bucket = want >> (set->fp_bits + set->bucket_bits);
    uint64_t value = bucket << (set->fp_bits + set->bucket_bits);
    uint32_t pos = mp_name_set_bucket_start(set, bucket);
    uint32_t end = mp_name_set_bucket_start(set, bucket + 1);
    while (pos < end) {
        uint64_t w = bits_at(set->bits, pos);
        unsigned ones = trailing_ones(w);
        if (ones >= 57 - 1 - k) { /* a long quotient: refill as it goes */
            uint64_t q = 0;
            do {
                q += 57 - 1 - k;
                pos += 57 - 1 - k;
                w = bits_at(set->bits, pos);
            } while ((ones = trailing_ones(w)) >= 57 - 1 - k);
            q += ones;
            value += q << k | ((w >> (ones + 1)) & mask);
            pos += ones + 1 + k;
            if (value >= want) /* sorted: nothing further can match */
                return value == want;
            continue;
        }
        /* Every gap that lies whole in the 57 bits loaded: shifting the
         * word is quicker than loading it again (~3 gaps a load for the
         * big lists). The bits shifted in are zeros, so a run of ones ends
         * inside the word; a gap that does not fit waits for a reload. */
        unsigned avail = 57;
        do {
            unsigned used = ones + 1 + k;
            value += (uint64_t)ones << k | ((w >> (ones + 1)) & mask);
            pos += used;
            if (value >= want)
                return value == want;
            w >>= used;
            avail -= used;
            ones = trailing_ones(w);
        } while (pos < end && ones + 1 + k <= avail);
    }
    return false;
}

bool mp_name_set_contains_hash(const mp_name_set *set, uint64_t h)
{
    return mp_name_set_contains_value(set, mp_list_value(set, h));
}

bool mp_name_set_contains(const mp_name_set *set, const char *name, size_t len)
{
    return mp_name_set_contains_hash(set, mp_list_hash(name, len));
}

/* The verdict after one more specific level (`hash` is its name): allowed
 * there clears it, listed there (and not allowed) sets it, else it stands.
 * Asks only what can change it, so the common case is one lookup. */
static bool level_verdict(bool verdict, uint64_t hash, const mp_name_set *listed,
                          const mp_name_set *allowed)
{
    if (verdict)
        return !mp_name_set_contains_hash(allowed, hash);
    return mp_name_set_contains_hash(listed, hash) && !mp_name_set_contains_hash(allowed, hash);
}

/* Disposable when the domain or a parent is listed, unless the allowlist
 * names it (or a parent) at least as specifically: the most specific match
 * wins, and the allowlist wins a tie. So x.mailinator.com is disposable,
 * and an allowlisted a.example.net survives a listed example.net. Every
 * suffix with at least two labels is tried; a bare TLD never is. */
bool mp_domain_listed(const char *ascii_domain, size_t len,
                      const mp_name_set *listed, const mp_name_set *allowed)
{
    if (!ascii_domain || len == 0 || len > MP_DOMAIN_MAX)
        return false;
    /* Right to left: at each '.' the running hash is that of the parent
     * domain to its right, so the whole walk is one pass. Parents come
     * least specific first, so each later match overrides the earlier. */
    bool verdict = false;
    uint64_t h = mp_list_hash_start();
    size_t dots = 0;
    for (size_t i = len; i-- > 0;) {
        if (ascii_domain[i] == '.' && i + 1 < len && dots++ > 0)
            verdict = level_verdict(verdict, mp_list_hash_finish(h), listed, allowed);
        h = mp_list_hash_step(h, (unsigned char)ascii_domain[i]);
    }
    if (dots == 0)
        return false; /* a bare TLD is never listed */
    return level_verdict(verdict, mp_list_hash_finish(h), listed, allowed);
}

bool mp_is_disposable_domain(const char *ascii_domain, size_t len)
{
    return mp_domain_listed(ascii_domain, len, &mp_list_disposable, &mp_list_disposable_allow);
}

/* Free on the exact domain only: mail.yahoo.com or a customer's subdomain
 * of a provider (x.gmail.com) is not a mailbox at that provider, and
 * providers do not hand out subdomains as addresses. */
bool mp_is_free_domain(const char *ascii_domain, size_t len)
{
    if (!ascii_domain || len == 0 || len > MP_DOMAIN_MAX)
        return false;
    return mp_name_set_contains(&mp_list_free, ascii_domain, len);
}

/* Two and three letters (every ccTLD, and .com, .net, .org and their typos
 * .con, .cmo, .ogr) are looked up exactly, by the name's base-26 value;
 * longer names by hash. Anything but lower-case letters in a short name is
 * not a TLD (A-labels are longer). */
bool mp_is_listed_tld(const char *tld, size_t len)
{
    if (!tld || len < 2 || len > MP_LABEL_MAX)
        return false;
    if (len > 3)
        return mp_name_set_contains(&mp_list_tld, tld, len);
    uint32_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (tld[i] < 'a' || tld[i] > 'z')
            return false;
        value = value * 26 + (uint32_t)(tld[i] - 'a');
    }
    return mp_name_set_contains_value(len == 2 ? &mp_list_tld2 : &mp_list_tld3, value);
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* A role key character's bit in mp_role_shape: a-z 0..25, 0-9 26..35. */
static unsigned role_char_bit(char c)
{
    return c >= 'a' ? (unsigned)(c - 'a') : 26u + (unsigned)(c - '0');
}

/* The role set's Bloom filter: false means surely no role. Three probes
 * from the hash's low 30 bits (gen_lists.py role_bloom). */
static bool role_bloom_may_hold(uint64_t h)
{
    for (int probe = 0; probe < 3; probe++) {
        unsigned b = (unsigned)(h >> (10 * probe)) & 1023u;
        if (!(mp_list_role_bloom[b >> 3] & (1u << (b & 7))))
            return false;
    }
    return true;
}

/* Role when the whole local part, lower-cased, cut at the first '+' (a
 * sub-address tag) and with the word separators - _ . removed, is a listed
 * role: "No-Reply+x", "no_reply", "NoReply" match "noreply". Never a prefix
 * ("adminah", "salesforce.dev" are people). A quoted or non-ASCII local
 * part is never a role (none of the listed ones is). */
bool mp_is_role_local(const char *local, size_t len)
{
    if (!local || len == 0 || len > MP_LOCAL_MAX)
        return false;
    /* Nearly every local part is no role: the shape of the role names
     * (length, first and last character) turns most away before the hash,
     * the Bloom filter most of the rest before the set. */
    const mp_role_shape *shape = &mp_list_role_shape;
    char key[MP_LOCAL_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len && local[i] != '+'; i++) {
        char c = ascii_lower(local[i]);
        if (c == '-' || c == '_' || c == '.')
            continue;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) || n == shape->max_len)
            return false;
        key[n++] = c;
    }
    if (n == 0 || !(shape->first_chars >> role_char_bit(key[0]) & 1) ||
        !(shape->last_chars >> role_char_bit(key[n - 1]) & 1))
        return false;
    uint64_t h = mp_list_hash(key, n);
    return role_bloom_may_hold(h) && mp_name_set_contains_hash(&mp_list_role, h);
}

void mp_list_info_get(mp_list_info *out)
{
    out->disposable_version = mp_list_disposable_version;
    out->disposable_count = mp_list_disposable.count;
    out->free_count = mp_list_free.count;
    out->role_count = mp_list_role.count;
    out->tld_version = mp_list_tld_version;
    out->tld_count = (size_t)mp_list_tld2.count + mp_list_tld3.count + mp_list_tld.count;
}
