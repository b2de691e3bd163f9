/* mp_check: the whole local check of one address — parse, list lookups,
 * typo suggestion, first verdict. It runs millions of times per second in
 * bulk checks, so it writes only the fields it owns (the ~3 KiB result is
 * never cleared as a whole) and does no work for invalid addresses beyond
 * the parse. */
#include <string.h>
#include "mailprobe/core.h"

/* Copies a then "@" then b into out (capacity cap, NUL-terminated).
 * Returns false (out = "") when it does not fit: never a cut address. */
static bool join_address(char *out, size_t cap, const char *a, size_t alen,
                         const char *b, size_t blen)
{
    if (alen + 1 + blen + 1 > cap) {
        out[0] = '\0';
        return false;
    }
    memcpy(out, a, alen);
    out[alen] = '@';
    memcpy(out + alen + 1, b, blen);
    out[alen + 1 + blen] = '\0';
    return true;
}

void mp_check(const char *input, size_t len, const mp_options *opts,
              const mp_policy *policy, mp_result *out)
{
    mp_parse(input, len, opts, &out->syntax);
    out->disposable = false;
    out->role = false;
    out->free = false;
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
        if (!s->domain_literal && dlen > 0) {
            out->disposable = mp_is_disposable_domain(s->ascii_domain, dlen);
            out->free = mp_is_free_domain(s->ascii_domain, dlen);
            char domain[MP_DOMAIN_MAX + 1];
            if (mp_suggest_domain(s->ascii_domain, dlen, domain, sizeof domain)) {
                const char *end = memchr(domain, '\0', sizeof domain);
                if (end && end > domain)
                    out->has_suggestion = join_address(out->suggestion, sizeof out->suggestion,
                                                       s->local, llen, domain, (size_t)(end - domain));
            }
        }
        out->role = mp_is_role_local(s->local, llen);
    }
    mp_verdict(out, NULL, policy);
}
