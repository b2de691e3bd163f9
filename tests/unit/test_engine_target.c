/* Unit tests for target.c: which addresses the prober may connect to.
 * One test per refused range (with an address just outside it, where one
 * exists, to prove the prefix length), then the allow list and CIDR parsing.
 * No network involved.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "target.h"
#include "test.h"

/* Builds a sockaddr from text; aborts the check when the text is not an
 * address, so a typo in a test cannot pass silently. */
static bool to_sockaddr(const char *text, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

/* 1 permitted, 0 refused, -1 not an address. */
static int judge(const mp_target_policy *p, const char *text, const char **why)
{
    struct sockaddr_storage ss;
    if (!to_sockaddr(text, &ss))
        return -1;
    return mp_target_permitted(p, (const struct sockaddr *)&ss, why) ? 1 : 0;
}

static const mp_target_policy no_allow; /* the default: nothing opened */

#define CHECK_REFUSED(text, expected_why) do { \
        const char *why_ = NULL; \
        CHECK_EQ_INT(judge(&no_allow, text, &why_), 0); \
        CHECK_EQ_STR(why_, expected_why); \
    } while (0)

#define CHECK_PERMITTED(text) do { \
        const char *why_ = NULL; \
        CHECK_EQ_INT(judge(&no_allow, text, &why_), 1); \
    } while (0)

/* ---- public unicast is permitted ------------------------------------- */

TEST(permits_public_ipv4)
{
    CHECK_PERMITTED("8.8.8.8");
    CHECK_PERMITTED("142.250.27.26");
    CHECK_PERMITTED("1.1.1.1");
    CHECK_PERMITTED("223.255.255.255");
}

TEST(permits_public_ipv6)
{
    CHECK_PERMITTED("2a00:1450:400c:c0b::1b");
    CHECK_PERMITTED("2606:4700::6810:84e5");
    CHECK_PERMITTED("2001:4860:4860::8888");
}

TEST(refuses_null_and_non_ip_addresses)
{
    const char *why = NULL;
    CHECK(!mp_target_permitted(&no_allow, NULL, &why));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNIX;
    CHECK(!mp_target_permitted(&no_allow, (struct sockaddr *)&ss, &why));
    CHECK_EQ_STR(why, "not an IP address");
}

TEST(why_may_be_null)
{
    struct sockaddr_storage ss;
    CHECK(to_sockaddr("127.0.0.1", &ss));
    CHECK(!mp_target_permitted(&no_allow, (struct sockaddr *)&ss, NULL));
    CHECK(!mp_target_permitted(NULL, (struct sockaddr *)&ss, NULL)); /* NULL policy = no allow list */
}

/* ---- one test per refused range --------------------------------------- */

TEST(refuses_broadcast)
{
    CHECK_REFUSED("255.255.255.255", "broadcast");
}

TEST(refuses_this_network_0_8)
{
    CHECK_REFUSED("0.1.2.3", "unspecified");
    CHECK_PERMITTED("1.0.0.1");
}

TEST(refuses_private_10_8)
{
    CHECK_REFUSED("10.255.0.1", "private");
    CHECK_PERMITTED("11.0.0.1");
}

TEST(refuses_cgnat_100_64_10)
{
    CHECK_REFUSED("100.127.255.254", "shared address space");
    CHECK_PERMITTED("100.128.0.1");
}

TEST(refuses_loopback_127_8)
{
    CHECK_REFUSED("127.0.0.1", "loopback");
    CHECK_PERMITTED("128.0.0.1");
}

TEST(refuses_link_local_169_254_16)
{
    CHECK_REFUSED("169.254.169.254", "link-local");
    CHECK_PERMITTED("169.255.0.1");
}

TEST(refuses_private_172_16_12)
{
    CHECK_REFUSED("172.31.255.255", "private");
    CHECK_PERMITTED("172.32.0.1");
}

TEST(refuses_ietf_192_0_0_24)
{
    CHECK_REFUSED("192.0.0.8", "IETF protocol assignments");
    CHECK_PERMITTED("192.0.1.1");
}

TEST(refuses_documentation_192_0_2_24)
{
    CHECK_REFUSED("192.0.2.55", "documentation");
    CHECK_PERMITTED("192.0.3.1");
}

TEST(refuses_relay_192_88_99_24)
{
    CHECK_REFUSED("192.88.99.1", "6to4 relay anycast");
    CHECK_PERMITTED("192.88.98.1");
}

TEST(refuses_private_192_168_16)
{
    CHECK_REFUSED("192.168.1.1", "private");
    CHECK_PERMITTED("192.169.0.1");
}

TEST(refuses_benchmarking_198_18_15)
{
    CHECK_REFUSED("198.19.255.1", "benchmarking");
    CHECK_PERMITTED("198.20.0.1");
}

TEST(refuses_documentation_198_51_100_24)
{
    CHECK_REFUSED("198.51.100.7", "documentation");
    CHECK_PERMITTED("198.51.101.1");
}

TEST(refuses_documentation_203_0_113_24)
{
    CHECK_REFUSED("203.0.113.9", "documentation");
    CHECK_PERMITTED("203.0.114.1");
}

TEST(refuses_multicast_224_4)
{
    CHECK_REFUSED("239.255.255.250", "multicast");
    CHECK_PERMITTED("223.255.255.254");
}

TEST(refuses_reserved_240_4)
{
    CHECK_REFUSED("240.0.0.1", "reserved");
}

TEST(refuses_v6_unspecified)
{
    CHECK_REFUSED("::", "unspecified");
}

TEST(refuses_v6_loopback)
{
    CHECK_REFUSED("::1", "loopback");
    CHECK_PERMITTED("2a00:1450:4001::1a");
}

TEST(refuses_v6_discard_100_64)
{
    CHECK_REFUSED("100::1", "discard-only");
}

TEST(refuses_v6_local_nat64_64_ff9b_1_48)
{
    CHECK_REFUSED("64:ff9b:1::1", "local-use NAT64");
}

TEST(refuses_v6_benchmarking_2001_2_48)
{
    CHECK_REFUSED("2001:2::1", "benchmarking");
    CHECK_PERMITTED("2001:3::1");
}

TEST(refuses_v6_orchid_2001_10_28)
{
    CHECK_REFUSED("2001:10::1", "ORCHID");
}

TEST(refuses_v6_orchid2_2001_20_28)
{
    CHECK_REFUSED("2001:2f::1", "ORCHIDv2");
    CHECK_PERMITTED("2001:30::1");
}

TEST(refuses_v6_documentation_2001_db8_32)
{
    CHECK_REFUSED("2001:db8::25", "documentation");
    CHECK_PERMITTED("2001:db9::1");
}

TEST(refuses_v6_documentation_3fff_20)
{
    CHECK_REFUSED("3fff:fff::1", "documentation");
    CHECK_PERMITTED("3fff:1000::1");
}

TEST(refuses_v6_srv6_5f00_16)
{
    CHECK_REFUSED("5f00::1", "SRv6 SIDs");
}

TEST(refuses_v6_unique_local_fc00_7)
{
    CHECK_REFUSED("fd12:3456::1", "unique-local");
}

TEST(refuses_v6_link_local_fe80_10)
{
    CHECK_REFUSED("fe80::1", "link-local");
}

TEST(refuses_v6_site_local_fec0_10)
{
    CHECK_REFUSED("fec0::1", "site-local");
}

TEST(refuses_v6_multicast_ff00_8)
{
    CHECK_REFUSED("ff02::1", "multicast");
}

TEST(refuses_v6_outside_global_unicast)
{
    CHECK_REFUSED("4000::1", "reserved");
    CHECK_PERMITTED("3ffe::1");
}

TEST(refuses_v6_mapped_judged_by_ipv4)
{
    CHECK_REFUSED("::ffff:127.0.0.1", "loopback");
    CHECK_PERMITTED("::ffff:8.8.8.8");
}

TEST(refuses_v6_compatible_judged_by_ipv4)
{
    CHECK_REFUSED("::10.0.0.1", "private");
    CHECK_PERMITTED("::8.8.4.4");
}

TEST(refuses_v6_nat64_judged_by_ipv4)
{
    CHECK_REFUSED("64:ff9b::169.254.169.254", "link-local");
    CHECK_PERMITTED("64:ff9b::8.8.8.8");
}

TEST(refuses_v6_6to4_judged_by_ipv4)
{
    CHECK_REFUSED("2002:c0a8:0101::1", "private");
    CHECK_PERMITTED("2002:0808:0808::1");
}

TEST(refuses_v6_teredo_judged_by_ipv4)
{
    CHECK_REFUSED("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback");
    CHECK_PERMITTED("2001:0:4136:e378:8000:63bf:f7f7:f7f7");
}


/* ---- the allow list ---------------------------------------------------- */

TEST(allow_opens_exactly_its_range)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    CHECK(mp_target_allow(&p, "127.0.0.0/25"));
    CHECK_EQ_INT(judge(&p, "127.0.0.10", NULL), 1);
    CHECK_EQ_INT(judge(&p, "127.0.0.127", NULL), 1);
    const char *why = NULL;
    CHECK_EQ_INT(judge(&p, "127.0.0.128", &why), 0); /* just outside /25 */
    CHECK_EQ_STR(why, "loopback");
    CHECK_EQ_INT(judge(&p, "10.0.0.1", NULL), 0);      /* other ranges stay shut */
}

TEST(allow_ipv4_also_opens_its_mapped_ipv6_form)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    CHECK(mp_target_allow(&p, "127.0.0.0/8"));
    CHECK_EQ_INT(judge(&p, "::ffff:127.0.0.10", NULL), 1);
    CHECK_EQ_INT(judge(&p, "::1", NULL), 0);           /* IPv6 loopback is another range */
}

TEST(allow_ipv6_range)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    CHECK(mp_target_allow(&p, "::1/128"));
    CHECK(mp_target_allow(&p, "fd00:1234::/32"));
    CHECK_EQ_INT(judge(&p, "::1", NULL), 1);
    CHECK_EQ_INT(judge(&p, "fd00:1234:ffff::1", NULL), 1);
    CHECK_EQ_INT(judge(&p, "fd00:1235::1", NULL), 0);
    CHECK_EQ_INT(judge(&p, "127.0.0.1", NULL), 0);     /* families never cross */
}

TEST(allow_bare_address_is_a_single_host)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    CHECK(mp_target_allow(&p, "192.168.1.25"));
    CHECK_EQ_INT(judge(&p, "192.168.1.25", NULL), 1);
    CHECK_EQ_INT(judge(&p, "192.168.1.24", NULL), 0);
}

TEST(allow_list_is_bounded)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    for (int i = 0; i < MP_TARGET_ALLOW_MAX; i++)
        CHECK(mp_target_allow(&p, "10.0.0.0/8"));
    CHECK(!mp_target_allow(&p, "10.0.0.0/8"));
    CHECK_EQ_INT(p.nallow, MP_TARGET_ALLOW_MAX);
}

TEST(allow_rejects_malformed_text_and_leaves_policy_untouched)
{
    mp_target_policy p;
    memset(&p, 0, sizeof p);
    CHECK(!mp_target_allow(&p, "10.0.0.0/33"));
    CHECK(!mp_target_allow(&p, "localhost"));
    CHECK(!mp_target_allow(&p, NULL));
    CHECK_EQ_INT(p.nallow, 0);
}

/* ---- CIDR parsing ------------------------------------------------------ */

TEST(cidr_parses_ipv4_with_prefix)
{
    mp_cidr c;
    CHECK(mp_cidr_parse("127.0.0.0/8", &c));
    CHECK_EQ_INT(c.family, AF_INET);
    CHECK_EQ_INT(c.prefix, 8);
    CHECK_EQ_INT(c.addr[0], 127);
    CHECK_EQ_INT(c.addr[3], 0);
}

TEST(cidr_parses_ipv6_with_prefix)
{
    mp_cidr c;
    CHECK(mp_cidr_parse("2001:db8::/32", &c));
    CHECK_EQ_INT(c.family, AF_INET6);
    CHECK_EQ_INT(c.prefix, 32);
    CHECK_EQ_INT(c.addr[0], 0x20);
    CHECK_EQ_INT(c.addr[3], 0xb8);
    CHECK(mp_cidr_parse("::1/128", &c));
    CHECK_EQ_INT(c.prefix, 128);
    CHECK_EQ_INT(c.addr[15], 1);
}

TEST(cidr_bare_address_has_full_prefix)
{
    mp_cidr c;
    CHECK(mp_cidr_parse("10.1.2.3", &c));
    CHECK_EQ_INT(c.prefix, 32);
    CHECK(mp_cidr_parse("fe80::1", &c));
    CHECK_EQ_INT(c.prefix, 128);
}

TEST(cidr_clears_host_bits)
{
    mp_cidr c;
    CHECK(mp_cidr_parse("10.1.2.3/12", &c));
    CHECK_EQ_INT(c.addr[0], 10);
    CHECK_EQ_INT(c.addr[1], 0);   /* 1 = 0000 0001: beyond the 12-bit prefix */
    CHECK_EQ_INT(c.addr[2], 0);
    CHECK(mp_cidr_parse("172.31.0.0/12", &c));
    CHECK_EQ_INT(c.addr[1], 16);  /* 31 = 0001 1111 keeps its top nibble */
    CHECK(mp_cidr_parse("2001:db8:ffff::/33", &c));
    CHECK_EQ_INT(c.addr[4], 0x80);
    CHECK_EQ_INT(c.addr[5], 0);
}

TEST(cidr_prefix_zero_and_maximum)
{
    mp_cidr c;
    CHECK(mp_cidr_parse("0.0.0.0/0", &c));
    CHECK_EQ_INT(c.prefix, 0);
    CHECK(mp_cidr_parse("1.2.3.4/32", &c));
    CHECK_EQ_INT(c.prefix, 32);
    CHECK(mp_cidr_parse("::/0", &c));
    CHECK_EQ_INT(c.prefix, 0);
}

TEST(cidr_rejects_malformed)
{
    static const char *const bad[] = {
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8",
        "10.0.0.0/08", "10.0.0.0/8 ", " 10.0.0.0/8", "10.0.0.0/8/8", "10.0.0.0/8x",
        "10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "fe80::1%eth0", "[::1]",
        "::1/1280", "10.0.0.0/99999999999999999999", "example.com", "0x7f.0.0.1",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999",
        "1111:2222:3333:4444:5555:6666:7777:8888/128xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    mp_cidr c;
    memset(&c, 0x5a, sizeof c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (mp_cidr_parse(bad[i], &c))
            TEST_FAIL_("accepted malformed \"%s\"", bad[i]);
    }
    CHECK_EQ_INT(c.prefix, 0x5a5a5a5a); /* out untouched on failure */
    CHECK(!mp_cidr_parse(NULL, &c));
}

TEST(address_text_has_no_port_for_both_families)
{
    struct sockaddr_storage ss;
    char out[INET6_ADDRSTRLEN];
    CHECK(to_sockaddr("192.0.2.7", &ss));
    CHECK(mp_address_text(&ss, out, sizeof out));
    CHECK_EQ_STR(out, "192.0.2.7");
    CHECK(to_sockaddr("2001:db8::1", &ss));
    CHECK(mp_address_text(&ss, out, sizeof out));
    CHECK_EQ_STR(out, "2001:db8::1");
    CHECK(!mp_address_text(&ss, out, 4)); /* too small */
    CHECK_EQ_STR(out, "?");
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNIX;
    CHECK(!mp_address_text(&ss, out, sizeof out));
    CHECK_EQ_STR(out, "?");
}

int main(void)
{
    RUN(permits_public_ipv4);
    RUN(permits_public_ipv6);
    RUN(refuses_null_and_non_ip_addresses);
    RUN(why_may_be_null);
    RUN(refuses_broadcast);
    RUN(refuses_this_network_0_8);
    RUN(refuses_private_10_8);
    RUN(refuses_cgnat_100_64_10);
    RUN(refuses_loopback_127_8);
    RUN(refuses_link_local_169_254_16);
    RUN(refuses_private_172_16_12);
    RUN(refuses_ietf_192_0_0_24);
    RUN(refuses_documentation_192_0_2_24);
    RUN(refuses_relay_192_88_99_24);
    RUN(refuses_private_192_168_16);
    RUN(refuses_benchmarking_198_18_15);
    RUN(refuses_documentation_198_51_100_24);
    RUN(refuses_documentation_203_0_113_24);
    RUN(refuses_multicast_224_4);
    RUN(refuses_reserved_240_4);
    RUN(refuses_v6_unspecified);
    RUN(refuses_v6_loopback);
    RUN(refuses_v6_discard_100_64);
    RUN(refuses_v6_local_nat64_64_ff9b_1_48);
    RUN(refuses_v6_benchmarking_2001_2_48);
    RUN(refuses_v6_orchid_2001_10_28);
    RUN(refuses_v6_orchid2_2001_20_28);
    RUN(refuses_v6_documentation_2001_db8_32);
    RUN(refuses_v6_documentation_3fff_20);
    RUN(refuses_v6_srv6_5f00_16);
    RUN(refuses_v6_unique_local_fc00_7);
    RUN(refuses_v6_link_local_fe80_10);
    RUN(refuses_v6_site_local_fec0_10);
    RUN(refuses_v6_multicast_ff00_8);
    RUN(refuses_v6_outside_global_unicast);
    RUN(refuses_v6_mapped_judged_by_ipv4);
    RUN(refuses_v6_compatible_judged_by_ipv4);
    RUN(refuses_v6_nat64_judged_by_ipv4);
    RUN(refuses_v6_6to4_judged_by_ipv4);
    RUN(refuses_v6_teredo_judged_by_ipv4);
    RUN(allow_opens_exactly_its_range);
    RUN(allow_ipv4_also_opens_its_mapped_ipv6_form);
    RUN(allow_ipv6_range);
    RUN(allow_bare_address_is_a_single_host);
    RUN(allow_list_is_bounded);
    RUN(allow_rejects_malformed_text_and_leaves_policy_untouched);
    RUN(cidr_parses_ipv4_with_prefix);
    RUN(cidr_parses_ipv6_with_prefix);
    RUN(cidr_bare_address_has_full_prefix);
    RUN(cidr_clears_host_bits);
    RUN(cidr_prefix_zero_and_maximum);
    RUN(cidr_rejects_malformed);
    RUN(address_text_has_no_port_for_both_families);
    return test_report();
}
