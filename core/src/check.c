/* mp_check: the whole local check of one address — parse, list lookups,
 * typo suggestion, first verdict. It runs millions of times per second in
 * bulk checks, so it writes only the fields it owns (the ~3 KiB result is
 * never cleared as a whole) and does no work for invalid addresses beyond
 * the parse. */
#include <string.h>
#include "mailprobe/core.h"
#include "copy.h"
#include "memo.h"

/* Copies a then "@" then b into out (capacity cap, NUL-terminated).
 * Returns false (out = "") when it does not fit: never a cut address. */
static bool join_address(char *out, size_t cap, const char *a, size_t alen,
                         const char *b, size_t blen)
{
    if (alen + 1 + blen + 1 > cap) {
        out[0] = '\0';
        return false;
    }
    mp_copy(out, a, alen);
    out[alen] = '@';
    mp_copy(out + alen + 1, b, blen);
    out[alen + 1 + blen] = '\0';
    return true;
}

/* The top-level label of the valid domain d[0..n) (after its last dot). */
static const char *tld_of(const char *d, size_t n)
{
    while (n > 0 && d[n - 1] != '.')
        n--;
    return d + n;
}

/* The list lookups and the suggestion for the valid domain of `s`, from
 * the memo slot when it has them (filling it when not). Returns whether
 * there is a suggestion, written into domain[]. */
static bool domain_facts(const mp_syntax *s, size_t dlen, mp_memo_slot *slot,
                         mp_result *out, char domain[MP_DOMAIN_MAX + 1])
{
    if (slot && (slot->facts & MEMO_LISTS)) {
        out->disposable = (slot->facts & MEMO_DISPOSABLE) != 0;
        out->free = (slot->facts & MEMO_FREE) != 0;
        out->unknown_tld = (slot->facts & MEMO_UNKNOWN_TLD) != 0;
        if (!(slot->facts & MEMO_SUGGESTION))
            return false;
        memcpy(domain, slot->suggestion, (size_t)slot->suggestion_len + 1);
        return true;
    }
    out->disposable = mp_is_disposable_domain(s->ascii_domain, dlen);
    out->free = mp_is_free_domain(s->ascii_domain, dlen);
    const char *tld = tld_of(s->ascii_domain, dlen);
    out->unknown_tld = !mp_is_listed_tld(tld, dlen - (size_t)(tld - s->ascii_domain));
    bool suggested = mp_suggest_domain(s->ascii_domain, dlen, domain, MP_DOMAIN_MAX + 1);
    if (suggested) {
        const char *end = memchr(domain, '\0', MP_DOMAIN_MAX + 1);
        suggested = end && end > domain;
    }
    if (slot) {
        size_t slen = suggested ? strlen(domain) : 0;
        if (slen < MP_MEMO_NAME) {
            memcpy(slot->suggestion, domain, suggested ? slen + 1 : 0);
            slot->suggestion_len = (uint8_t)slen;
            slot->facts |= (uint8_t)(MEMO_LISTS | (out->disposable ? MEMO_DISPOSABLE : 0) |
                                     (out->free ? MEMO_FREE : 0) |
                                     (out->unknown_tld ? MEMO_UNKNOWN_TLD : 0) |
                                     (suggested ? MEMO_SUGGESTION : 0));
        }
    }
    return suggested;
}

void mp_check_memo(const char *input, size_t len, const mp_options *opts,
                   const mp_policy *policy, mp_domain_memo *memo, mp_result *out)
{
    mp_memo_slot *slot = mp_parse_memo(input, len, opts, memo, &out->syntax);
    out->disposable = false;
    out->role = false;
    out->free = false;
    out->unknown_tld = false;
    out->has_suggestion = false;
    out->suggestion[0] = '\0';
    out->normalized[0] = '\0';

    const mp_syntax *s = &out->syntax;
    if (s->valid) {
        size_t llen = strlen(s->local);
        size_t dlen = strlen(s->ascii_domain);
        join_address(out->normalized, sizeof out->normalized, s->local, llen,
                     s->ascii_domain, dlen);
        /* Lists and typos are about domain names; an address literal
         * ([192.0.2.1]) has none. */
        char domain[MP_DOMAIN_MAX + 1];
        if (!s->domain_literal && dlen > 0 && domain_facts(s, dlen, slot, out, domain))
            out->has_suggestion = join_address(out->suggestion, sizeof out->suggestion,
                                               s->local, llen, domain, strlen(domain));
        out->role = mp_is_role_local(s->local, llen);
    }
    mp_verdict(out, NULL, policy);
}

void mp_check(const char *input, size_t len, const mp_options *opts,
              const mp_policy *policy, mp_result *out)
{
    mp_check_memo(input, len, opts, policy, NULL, out);
}
