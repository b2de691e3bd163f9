/* The top-level domain rules against IANA's root zone list
 * (core/data/tlds.txt): every delegated TLD has the shape the parser
 * demands and is known to mp_is_listed_tld(); an unlisted one is flagged
 * (`unknown_tld`), never refused.
 * ctest-labels: unit
 */
#include "test.h"

#include <stdint.h>

#include "lists.h"
#include "mailprobe/core.h"
#include "tld_names.h" /* generated: mp_test_tld_names[] */

enum { TLD_COUNT = sizeof mp_test_tld_names / sizeof mp_test_tld_names[0] };

static mp_result result; /* ~3 KiB: kept off the stack */

static const mp_result *check(const char *address)
{
    mp_check(address, strlen(address), NULL, NULL, &result);
    return &result;
}

static bool listed(const char *tld) { return mp_is_listed_tld(tld, strlen(tld)); }

TEST(the_list_is_compiled_in_whole_with_its_provenance)
{
    mp_list_info info;
    mp_list_info_get(&info);
    CHECK_EQ_INT(info.tld_count, TLD_COUNT);
    CHECK(TLD_COUNT > 1000);
    CHECK(strstr(info.tld_version, "tlds@") == info.tld_version);
    CHECK(strstr(info.tld_version, "IANA") != NULL);
}

/* The TLD shape rule (docs/syntax.md) checked against the whole list: an
 * address at every delegated TLD is valid and not flagged. */
TEST(every_delegated_tld_passes_the_tld_shape_rule)
{
    char address[100];
    int failures = 0;
    for (size_t i = 0; i < TLD_COUNT; i++) {
        const char *tld = mp_test_tld_names[i];
        snprintf(address, sizeof address, "ann@shop.%s", tld);
        mp_options special = {MP_ALLOW_SPECIAL_USE}; /* .arpa is delegated and special */
        mp_check(address, strlen(address), &special, NULL, &result);
        const mp_result *r = &result;
        if (!r->syntax.valid || r->unknown_tld || !listed(tld)) {
            if (failures++ < 10)
                TEST_FAIL_("%s: valid %d (%s), unknown_tld %d, listed %d", address, r->syntax.valid,
                           mp_syntax_code_name(r->syntax.code), r->unknown_tld, listed(tld));
        }
    }
    CHECK_EQ_INT(failures, 0);
}

TEST(an_unlisted_tld_is_flagged_not_refused)
{
    const mp_result *r = check("ann@shop.mptest");
    CHECK(r->syntax.valid);
    CHECK(r->unknown_tld);
    r = check("ann@gmail.con"); /* a typo: flagged, and corrected */
    CHECK(r->syntax.valid);
    CHECK(r->unknown_tld);
    CHECK_EQ_STR(r->suggestion, "ann@gmail.com");
    CHECK(!check("ann@gmail.com")->unknown_tld);
    CHECK(!check("ann@b\xc3\xbc" "cher.de")->unknown_tld);
    CHECK(!check("ann@x.\xd1\x80\xd1\x84")->unknown_tld);  /* .рф as typed */
    CHECK(!check("ann@x.XN--P1AI")->unknown_tld);
    CHECK(check("ann@x.xn--bcher-kva")->unknown_tld);     /* a valid A-label, no TLD */
    CHECK(!check("not an address")->unknown_tld);         /* only for valid names */
    mp_options literal = {MP_ALLOW_DOMAIN_LITERAL};
    mp_check("ann@[192.0.2.1]", 15, &literal, NULL, &result);
    CHECK(result.syntax.valid);
    CHECK(!result.unknown_tld);                           /* a literal has no TLD */
}

/* Short names are exact: no unlisted two- or three-letter name is ever
 * taken for a TLD. */
TEST(two_and_three_letter_names_are_looked_up_exactly)
{
    size_t hits = 0;
    char name[4] = {0};
    for (int a = 0; a < 26; a++)
        for (int b = 0; b < 26; b++) {
            name[0] = (char)('a' + a);
            name[1] = (char)('a' + b);
            name[2] = '\0';
            hits += listed(name);
            for (int c = 0; c < 26; c++) {
                name[2] = (char)('a' + c);
                hits += listed(name);
            }
            name[2] = '\0';
        }
    size_t expected = 0;
    for (size_t i = 0; i < TLD_COUNT; i++) {
        size_t n = strlen(mp_test_tld_names[i]);
        expected += n == 2 || n == 3;
    }
    CHECK_EQ_INT(hits, expected);
    CHECK(listed("de") && listed("com") && listed("co") && listed("cm"));
    CHECK(!listed("con") && !listed("cmo") && !listed("ogr") && !listed("nte"));
    CHECK(!listed("") && !listed("c") && !listed("C0") && !listed("DE") && !listed("d-"));
}

/* Longer names are hash values at 2^-8: about one unlisted name in 256 is
 * taken for a TLD (and so goes unflagged). */
TEST(longer_names_are_false_positives_at_about_2_to_the_minus_8)
{
    uint32_t seed = 20261206;
    char name[8] = {0};
    size_t hits = 0, tries = 100000;
    for (size_t i = 0; i < tries; i++) {
        for (int k = 0; k < 7; k++) {
            seed = seed * 1103515245u + 12345u;
            name[k] = (char)('a' + (seed >> 16) % 26);
        }
        hits += listed(name); /* 26^7 names: a real 7-letter TLD is ~1e-7 likely */
    }
    CHECK(hits > tries / 512);
    CHECK(hits < tries / 128);
    CHECK(listed("museum") && listed("travel") && listed("xn--p1ai"));
}

int main(void)
{
    RUN(the_list_is_compiled_in_whole_with_its_provenance);
    RUN(every_delegated_tld_passes_the_tld_shape_rule);
    RUN(an_unlisted_tld_is_flagged_not_refused);
    RUN(two_and_three_letter_names_are_looked_up_exactly);
    RUN(longer_names_are_false_positives_at_about_2_to_the_minus_8);
    return test_report();
}
