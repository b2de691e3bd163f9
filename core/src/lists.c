/*
 * Disposable, free-provider and role lookups over the generated tables
 * (lists.h). O(1) and allocation-free: one hash per name looked up.
 */
#include "lists.h"

#include "mailprobe/core.h"

#include <string.h>

bool mp_name_set_contains_hash(const mp_name_set *set, uint64_t h)
{
    if (set->count == 0)
        return false;
    uint32_t bucket = set->bucket_bits ? (uint32_t)(h >> (64 - set->bucket_bits)) : 0;
    unsigned width = set->fp_bytes;
    uint32_t want = width == 4 ? (uint32_t)h : (uint32_t)h & ((UINT32_C(1) << (8 * width)) - 1);
    for (uint32_t i = set->index[bucket]; i < set->index[bucket + 1]; i++) {
        const unsigned char *p = set->fp + (size_t)i * width;
        uint32_t fp = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
        if (width == 4)
            fp |= (uint32_t)p[3] << 24;
        if (fp >= want) /* sorted within the bucket */
            return fp == want;
    }
    return false;
}

bool mp_name_set_contains(const mp_name_set *set, const char *name, size_t len)
{
    return mp_name_set_contains_hash(set, mp_list_hash(name, len));
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
        if (ascii_domain[i] == '.' && i + 1 < len && dots++ > 0) {
            uint64_t parent = mp_list_hash_finish(h); /* ascii_domain[i + 1 ..] */
            if (mp_name_set_contains_hash(allowed, parent))
                verdict = false;
            else if (mp_name_set_contains_hash(listed, parent))
                verdict = true;
        }
        h = mp_list_hash_step(h, (unsigned char)ascii_domain[i]);
    }
    if (dots == 0)
        return false; /* a bare TLD is never listed */
    uint64_t whole = mp_list_hash_finish(h);
    if (mp_name_set_contains_hash(allowed, whole))
        return false;
    if (mp_name_set_contains_hash(listed, whole))
        return true;
    return verdict;
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

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
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
    char key[MP_LOCAL_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len && local[i] != '+'; i++) {
        char c = ascii_lower(local[i]);
        if (c == '-' || c == '_' || c == '.')
            continue;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        key[n++] = c;
    }
    if (n == 0)
        return false;
    return mp_name_set_contains(&mp_list_role, key, n);
}

void mp_list_info_get(mp_list_info *out)
{
    out->disposable_version = mp_list_disposable_version;
    out->disposable_count = mp_list_disposable.count;
    out->free_count = mp_list_free.count;
    out->role_count = mp_list_role.count;
}
