/* libFuzzer target: mp_check() on arbitrary bytes under every combination
 * of the MP_ALLOW_* options, asserting what every caller relies on:
 *   - every input gets a defined answer: a code in range, valid == (code ok),
 *     a position inside the input or -1, NUL-terminated valid UTF-8 fields;
 *   - a valid address has a non-empty normalized form local@ascii_domain of
 *     at most 254 octets, without controls (CR, LF, NUL...), a local part of
 *     1..64 octets copied from the input, an ascii_domain of 1..253 octets
 *     (lower-case LDH labels of 1..63, or an address literal);
 *   - options only ever widen: what is valid with fewer flags stays valid,
 *     with the same normalized form, when more are set;
 *   - the local verdict matches the syntax (invalid => undeliverable);
 *   - mp_check_memo() answers exactly as mp_check(), through one memo kept
 *     across inputs (so domains are recalled behind other local parts).
 * ctest-labels: fuzz
 * ctest-links: mpcore
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailprobe/core.h"
#include "utf8.h"
#include "../unit/same_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

enum { FLAG_COMBINATIONS = 8 }; /* MP_ALLOW_QUOTED_LOCAL | DOMAIN_LITERAL | SPECIAL_USE */

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = mp_utf8_decode(p + i, n - i, &cp);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

static void check_hostname(const char *d)
{
    size_t n = strlen(d), label = 0;
    REQUIRE(n >= 1 && n <= MP_DOMAIN_MAX);
    for (size_t i = 0; i <= n; i++) {
        if (i == n || d[i] == '.') {
            REQUIRE(label >= 1 && label <= MP_LABEL_MAX);
            REQUIRE(d[i - 1] != '-' && d[i - label] != '-');
            label = 0;
            continue;
        }
        char c = d[i];
        REQUIRE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        label++;
    }
    REQUIRE(strchr(d, '.') != NULL);
}

static void check_one(const uint8_t *data, size_t size, unsigned flags, mp_result *r)
{
    mp_options opts = {flags};
    mp_check((const char *)data, size, &opts, NULL, r);
    const mp_syntax *s = &r->syntax;

    REQUIRE((unsigned)s->code < MP_SYNTAX_CODE_COUNT);
    REQUIRE(s->valid == (s->code == MP_SYNTAX_OK));
    REQUIRE(s->position >= -1 && (s->position == -1 || (size_t)s->position < size));
    REQUIRE(terminated(s->local, sizeof s->local) && terminated(s->domain, sizeof s->domain));
    REQUIRE(terminated(s->ascii_domain, sizeof s->ascii_domain));
    REQUIRE(terminated(s->unicode_domain, sizeof s->unicode_domain));
    REQUIRE(terminated(r->normalized, sizeof r->normalized));
    REQUIRE(terminated(r->suggestion, sizeof r->suggestion));
    REQUIRE(valid_utf8(s->local) && valid_utf8(s->domain));
    REQUIRE(valid_utf8(s->ascii_domain) && valid_utf8(s->unicode_domain));

    if (!s->valid) {
        REQUIRE(s->code != MP_SYNTAX_OK);
        REQUIRE(r->normalized[0] == '\0');
        REQUIRE(!r->has_suggestion);
        if (s->code == MP_SYNTAX_EMPTY) { /* no address at all is set apart, not removed */
            REQUIRE(size == 0);
            REQUIRE(r->status == MP_STATUS_UNKNOWN && r->reason == MP_REASON_NO_ADDRESS);
            return;
        }
        REQUIRE(r->status == MP_STATUS_UNDELIVERABLE);
        REQUIRE(r->reason == (s->code == MP_SYNTAX_SPECIAL_USE_DOMAIN ? MP_REASON_SPECIAL_USE_DOMAIN
                                                                      : MP_REASON_INVALID_SYNTAX));
        return;
    }

    REQUIRE(s->position == -1);
    size_t llen = strlen(s->local), alen = strlen(s->ascii_domain);
    REQUIRE(llen >= 1 && llen <= MP_LOCAL_MAX);
    REQUIRE(llen < size && memcmp(s->local, data, llen) == 0 && data[llen] == '@');
    REQUIRE(strlen(s->domain) == size - llen - 1);
    REQUIRE(alen >= 1 && alen <= MP_DOMAIN_MAX);
    REQUIRE(s->unicode_domain[0] != '\0');

    size_t nlen = strlen(r->normalized);
    REQUIRE(nlen >= 3 && nlen <= MP_ADDRESS_MAX && nlen == llen + 1 + alen);
    REQUIRE(memcmp(r->normalized, s->local, llen) == 0 && r->normalized[llen] == '@');
    REQUIRE(strcmp(r->normalized + llen + 1, s->ascii_domain) == 0);
    bool non_ascii = false;
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)r->normalized[i];
        REQUIRE(c >= 0x20 && c != 0x7F);
        if (c >= 0x80) non_ascii = true;
    }
    REQUIRE(s->smtputf8 == non_ascii); /* the ASCII domain never brings any */

    REQUIRE(!s->quoted_local || (flags & MP_ALLOW_QUOTED_LOCAL));
    REQUIRE(s->quoted_local == (s->local[0] == '"'));
    REQUIRE(!s->domain_literal || (flags & MP_ALLOW_DOMAIN_LITERAL));
    if (s->domain_literal)
        REQUIRE(s->ascii_domain[0] == '[' && s->ascii_domain[alen - 1] == ']');
    else
        check_hostname(s->ascii_domain);

    REQUIRE(r->status == MP_STATUS_UNKNOWN || r->status == MP_STATUS_RISKY);
    if (r->has_suggestion) REQUIRE(strchr(r->suggestion, '@') != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mp_result results[FLAG_COMBINATIONS]; /* ~3 KiB each: not on the stack */
    static mp_result memoized;
    static mp_domain_memo memo; /* zero = empty; kept across inputs on purpose */
    for (unsigned flags = 0; flags < FLAG_COMBINATIONS; flags++) {
        check_one(data, size, flags, &results[flags]);
        mp_options opts = {flags};
        for (int pass = 0; pass < 2; pass++) { /* a miss, then a hit */
            mp_check_memo((const char *)data, size, &opts, NULL, &memo, &memoized);
            REQUIRE(same_result(&results[flags], &memoized));
        }
    }

    /* Options only widen: a subset of flags that accepts implies every
     * superset accepts, with the same normalized address. */
    for (unsigned a = 0; a < FLAG_COMBINATIONS; a++) {
        if (!results[a].syntax.valid) continue;
        for (unsigned b = 0; b < FLAG_COMBINATIONS; b++) {
            if ((a & b) != a) continue;
            REQUIRE(results[b].syntax.valid);
            REQUIRE(strcmp(results[a].normalized, results[b].normalized) == 0);
        }
    }
    return 0;
}
