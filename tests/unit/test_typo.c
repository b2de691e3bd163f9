/* "Did you mean" (core/src/typo.c): each typo class, each never-suggest case.
 * ctest-labels: unit
 */
#include "test.h"

#include "mailprobe/core.h"

static char suggestion[MP_DOMAIN_MAX + 1];

/* The suggestion for `d`, or "-" when there is none. */
static const char *suggest(const char *d)
{
    if (!mp_suggest_domain(d, strlen(d), suggestion, sizeof suggestion))
        return "-";
    return suggestion;
}

TEST(transposed_letters)
{
    CHECK_EQ_STR(suggest("gmial.com"), "gmail.com");
    CHECK_EQ_STR(suggest("gamil.com"), "gmail.com");
    CHECK_EQ_STR(suggest("hotmial.com"), "hotmail.com");
    CHECK_EQ_STR(suggest("yhaoo.com"), "yahoo.com");
    CHECK_EQ_STR(suggest("outlook.ocm"), "outlook.com");
}

TEST(missing_letter)
{
    CHECK_EQ_STR(suggest("gmai.com"), "gmail.com");
    CHECK_EQ_STR(suggest("gmal.com"), "gmail.com");
    CHECK_EQ_STR(suggest("hotmal.com"), "hotmail.com");
    CHECK_EQ_STR(suggest("icloud.co"), "icloud.com");
    CHECK_EQ_STR(suggest("gmail.co"), "gmail.com");
}

TEST(doubled_or_undoubled_letter)
{
    CHECK_EQ_STR(suggest("yaho.com"), "yahoo.com"); /* on the free list, but a typo-squat */
    CHECK_EQ_STR(suggest("outlok.com"), "outlook.com");
    CHECK_EQ_STR(suggest("gmaill.com"), "gmail.com");
    CHECK_EQ_STR(suggest("yahooo.com"), "yahoo.com");
    CHECK_EQ_STR(suggest("gmail.comm"), "gmail.com");
}

TEST(adjacent_key)
{
    CHECK_EQ_STR(suggest("gnail.com"), "gmail.com");
    CHECK_EQ_STR(suggest("hotmsil.com"), "hotmail.com");
    CHECK_EQ_STR(suggest("yshoo.com"), "yahoo.com");
    CHECK_EQ_STR(suggest("outlool.com"), "outlook.com");
}

TEST(name_and_tld_typo_together)
{
    CHECK_EQ_STR(suggest("gmial.con"), "gmail.com");
    CHECK_EQ_STR(suggest("hotmail.con"), "hotmail.com");
    CHECK_EQ_STR(suggest("yahoo.cmo"), "yahoo.com");
}

TEST(country_variants_keep_their_suffix)
{
    CHECK_EQ_STR(suggest("hotmial.co.uk"), "hotmail.co.uk");
    CHECK_EQ_STR(suggest("yahooo.co.jp"), "yahoo.co.jp");
    CHECK_EQ_STR(suggest("gmx.ne"), "gmx.net");
}

TEST(tld_typos_on_any_domain)
{
    CHECK_EQ_STR(suggest("example-shop.con"), "example-shop.com");
    CHECK_EQ_STR(suggest("example-shop.cmo"), "example-shop.com");
    CHECK_EQ_STR(suggest("example-shop.vom"), "example-shop.com");
    CHECK_EQ_STR(suggest("example-shop.comm"), "example-shop.com");
    CHECK_EQ_STR(suggest("acme.ne"), "acme.net");
    CHECK_EQ_STR(suggest("acme.og"), "acme.org");
    CHECK_EQ_STR(suggest("acme.ogr"), "acme.org");
    CHECK_EQ_STR(suggest("mail.acme.co.con"), "mail.acme.co.com");
}

TEST(never_for_a_real_popular_or_free_domain)
{
    const char *real[] = {"gmail.com", "gmx.com", "gmx.net", "gmx.de", "ymail.com", "live.com",
                          "me.com", "mac.com", "hotmail.co.uk", "yahoo.co.jp", "web.de", "mail.com",
                          "aol.com", "msn.com", "hotmail.se", "hotmail.be", "yahoo.dk", "outlook.es",
                          "live.de", "mail.nu", "email.com", "y7mail.com", "qq.com", "163.com", "126.com"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        const char *s = suggest(real[i]);
        if (strcmp(s, "-") != 0)
            TEST_FAIL_("%s is real but got the suggestion %s", real[i], s);
    }
}

TEST(never_for_ordinary_business_domains)
{
    const char *real[] = {"example.com", "acme.co", "mall.com", "horizon.net", "gmbh.de",
                          "mails.com", "hotels.com", "yahooligans.org", "outlookindia.com",
                          "ao.com", "aok.com", "gm.com", "icloud-services.net", "email.de",
                          "university.edu", "shop.co.uk", "example.ne.jp", "x.y.z.com"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        const char *s = suggest(real[i]);
        if (strcmp(s, "-") != 0)
            TEST_FAIL_("%s should stay but got the suggestion %s", real[i], s);
    }
}

TEST(free_list_typo_squats_are_still_corrected)
{
    /* On free.txt, but a single slip from a popular domain or its name with
     * a clipped suffix: the generator marks them, the suggester corrects. */
    CHECK_EQ_STR(suggest("yaho.com"), "yahoo.com");
    CHECK_EQ_STR(suggest("yahoo.co"), "yahoo.com");
    CHECK_EQ_STR(suggest("hotmail.co"), "hotmail.com");
    CHECK_EQ_STR(suggest("hitmail.com"), "hotmail.com");
    CHECK(mp_is_free_domain("yaho.com", 8)); /* and they stay free */
}

TEST(short_names_only_get_tld_corrections)
{
    CHECK_EQ_STR(suggest("aol.con"), "aol.com");
    CHECK_EQ_STR(suggest("aol.co"), "-");  /* aol is too short to guess from */
    CHECK_EQ_STR(suggest("gmz.com"), "-"); /* one edit from gmx, but a guess */
    CHECK_EQ_STR(suggest("qw.com"), "-");
}

TEST(output_buffer_is_bounded_and_untouched_on_no)
{
    char small[4] = "abc";
    CHECK(!mp_suggest_domain("gmial.com", 9, small, sizeof small)); /* does not fit */
    CHECK_EQ_STR(small, "abc");
    char buf[32] = "keep";
    CHECK(!mp_suggest_domain("gmail.com", 9, buf, sizeof buf));
    CHECK_EQ_STR(buf, "keep");
    CHECK(!mp_suggest_domain(NULL, 0, buf, sizeof buf));
    CHECK(!mp_suggest_domain("", 0, buf, sizeof buf));
    CHECK(mp_suggest_domain("gmial.com-and-more", 9, buf, sizeof buf)); /* length bounds input */
    CHECK_EQ_STR(buf, "gmail.com");
}

int main(void)
{
    RUN(transposed_letters);
    RUN(missing_letter);
    RUN(doubled_or_undoubled_letter);
    RUN(adjacent_key);
    RUN(name_and_tld_typo_together);
    RUN(country_variants_keep_their_suffix);
    RUN(tld_typos_on_any_domain);
    RUN(never_for_a_real_popular_or_free_domain);
    RUN(never_for_ordinary_business_domains);
    RUN(free_list_typo_squats_are_still_corrected);
    RUN(short_names_only_get_tld_corrections);
    RUN(output_buffer_is_bounded_and_untouched_on_no);
    return test_report();
}
