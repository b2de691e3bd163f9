/* Provider detection from MX host names (provider.h).
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include "provider.h"
#include "test.h"

static const char *name_of(const char *host)
{
    const mp_provider *p = mp_provider_from_mx(host, strlen(host));
    return p ? p->name : "(none)";
}

TEST(big_providers_are_recognised_by_suffix)
{
    CHECK_EQ_STR(name_of("aspmx.l.google.com"), "google");
    CHECK_EQ_STR(name_of("alt1.aspmx.l.google.com."), "google");
    CHECK_EQ_STR(name_of("contoso-com.mail.protection.outlook.com"), "microsoft");
    CHECK_EQ_STR(name_of("mta5.am0.yahoodns.net"), "yahoo");
    CHECK_EQ_STR(name_of("mx3.qq.com"), "qq");
    CHECK_EQ_STR(name_of("mx00.mail.com"), "gmx");
}

TEST(gateways_accept_all_at_the_edge)
{
    const char *hosts[] = {"mx0a-001.pphosted.com", "eu-smtp-inbound-1.mimecast.com",
                           "d123.ess.barracudanetworks.com", "mx1.hc123.iphmx.com", "mta5.am0.yahoodns.net"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        const mp_provider *p = mp_provider_from_mx(hosts[i], strlen(hosts[i]));
        CHECK(p != NULL);
        CHECK(p && p->accepts_all);
    }
    const mp_provider *g = mp_provider_from_mx("aspmx.l.google.com", 18);
    CHECK(g && !g->accepts_all);
}

TEST(suffix_matches_only_on_label_boundaries)
{
    CHECK_EQ_STR(name_of("notgoogle.com"), "(none)");
    CHECK_EQ_STR(name_of("evilpphosted.com"), "(none)");
    CHECK_EQ_STR(name_of("pphosted.com"), "proofpoint");
    CHECK_EQ_STR(name_of("google.com.attacker.example"), "(none)");
    /* "gmail.com" ends in "mail.com" but not on a label boundary. */
    CHECK_EQ_STR(name_of("gmail.com"), "(none)");
    CHECK_EQ_STR(name_of("hotmail.com"), "microsoft");
}

TEST(matching_ignores_case)
{
    CHECK_EQ_STR(name_of("ASPMX.L.GOOGLE.COM"), "google");
    CHECK_EQ_STR(name_of("MX0A-001.PPHosted.Com"), "proofpoint");
}

TEST(unknown_and_empty_hosts_have_no_provider)
{
    CHECK(mp_provider_from_mx("mx1.known.mptest", 16) == NULL);
    CHECK(mp_provider_from_mx("", 0) == NULL);
    CHECK(mp_provider_from_mx(NULL, 0) == NULL);
    CHECK(mp_provider_from_mx(".", 1) == NULL);
}

int main(void)
{
    RUN(big_providers_are_recognised_by_suffix);
    RUN(gateways_accept_all_at_the_edge);
    RUN(suffix_matches_only_on_label_boundaries);
    RUN(matching_ignores_case);
    RUN(unknown_and_empty_hosts_have_no_provider);
    return test_report();
}
