/* target.c — the prober's SSRF guard: may we connect to this address?
 *
 * A fixed table of refused ranges (IANA special-purpose registries, RFC 6890
 * and successors) plus the user's --allow-net ranges. IPv6 forms that carry
 * an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are judged by
 * the IPv4 address they lead to, so ::ffff:127.0.0.1 is as refused as
 * 127.0.0.1. Everything outside the IPv6 global unicast block 2000::/3 is
 * refused: nothing else is assigned to public hosts. */
#include "target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

typedef struct refused_range {
    mp_cidr cidr;
    const char *why;
} refused_range;

#define V4(a, b, c, d, len, why) {{AF_INET, {a, b, c, d}, len}, why}

/* Order matters only for the `why` text: the first match names the range. */
static const refused_range refused_v4[] = {
    V4(255, 255, 255, 255, 32, "broadcast"),          /* RFC 919 */
    V4(0, 0, 0, 0, 8, "unspecified"),                 /* RFC 1122 "this network" */
    V4(10, 0, 0, 0, 8, "private"),                    /* RFC 1918 */
    V4(100, 64, 0, 0, 10, "shared address space"),    /* RFC 6598 CGNAT */
    V4(127, 0, 0, 0, 8, "loopback"),                  /* RFC 1122 */
    V4(169, 254, 0, 0, 16, "link-local"),             /* RFC 3927, cloud metadata */
    V4(172, 16, 0, 0, 12, "private"),                 /* RFC 1918 */
    V4(192, 0, 0, 0, 24, "IETF protocol assignments"),/* RFC 6890 */
    V4(192, 0, 2, 0, 24, "documentation"),            /* RFC 5737 TEST-NET-1 */
    V4(192, 88, 99, 0, 24, "6to4 relay anycast"),     /* RFC 7526, deprecated */
    V4(192, 168, 0, 0, 16, "private"),                /* RFC 1918 */
    V4(198, 18, 0, 0, 15, "benchmarking"),            /* RFC 2544 */
    V4(198, 51, 100, 0, 24, "documentation"),         /* RFC 5737 TEST-NET-2 */
    V4(203, 0, 113, 0, 24, "documentation"),          /* RFC 5737 TEST-NET-3 */
    V4(224, 0, 0, 0, 4, "multicast"),                 /* RFC 5771 */
    V4(240, 0, 0, 0, 4, "reserved"),                  /* RFC 1112 class E */
};

#define V6(hi0, hi1, hi2, hi3, len, why) \
    {{AF_INET6, {(hi0) >> 8, (hi0) & 0xff, (hi1) >> 8, (hi1) & 0xff, \
                 (hi2) >> 8, (hi2) & 0xff, (hi3) >> 8, (hi3) & 0xff}, len}, why}

static const refused_range refused_v6[] = {
    V6(0x0100, 0, 0, 0, 64, "discard-only"),              /* RFC 6666 */
    V6(0x0064, 0xff9b, 0x0001, 0, 48, "local-use NAT64"), /* RFC 8215 */
    V6(0x2001, 0x0002, 0, 0, 48, "benchmarking"),         /* RFC 5180 */
    V6(0x2001, 0x0010, 0, 0, 28, "ORCHID"),               /* RFC 4843 */
    V6(0x2001, 0x0020, 0, 0, 28, "ORCHIDv2"),             /* RFC 7343 */
    V6(0x2001, 0x0db8, 0, 0, 32, "documentation"),        /* RFC 3849 */
    V6(0x3fff, 0, 0, 0, 20, "documentation"),             /* RFC 9637 */
    V6(0x5f00, 0, 0, 0, 16, "SRv6 SIDs"),                 /* RFC 9602 */
    V6(0xfc00, 0, 0, 0, 7, "unique-local"),               /* RFC 4193 */
    V6(0xfe80, 0, 0, 0, 10, "link-local"),                /* RFC 4291 */
    V6(0xfec0, 0, 0, 0, 10, "site-local"),                /* RFC 3879, deprecated */
    V6(0xff00, 0, 0, 0, 8, "multicast"),                  /* RFC 4291 */
};

/* Does `addr` (family/octets of c's family) lie in `c`? */
static bool cidr_contains(const mp_cidr *c, int family, const unsigned char *addr)
{
    if (c->family != family)
        return false;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

static bool in_allow_list(const mp_target_policy *policy, int family, const unsigned char *addr)
{
    if (!policy)
        return false;
    for (size_t i = 0; i < policy->nallow && i < MP_TARGET_ALLOW_MAX; i++)
        if (cidr_contains(&policy->allow[i], family, addr))
            return true;
    return false;
}

static bool judge_v4(const mp_target_policy *policy, const unsigned char *a, const char **why)
{
    if (in_allow_list(policy, AF_INET, a))
        return true;
    for (size_t i = 0; i < sizeof refused_v4 / sizeof refused_v4[0]; i++)
        if (cidr_contains(&refused_v4[i].cidr, AF_INET, a)) {
            *why = refused_v4[i].why;
            return false;
        }
    return true;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* IPv6 forms that route to an IPv4 address: writes that address to v4 and
 * returns true. */
static bool embedded_v4(const unsigned char *a, unsigned char *v4)
{
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    /* ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) and ::a.b.c.d (§2.5.5.1, deprecated) */
    if (all_zero(a, 10) && ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0))) {
        memcpy(v4, a + 12, 4);
        return true;
    }
    if (!memcmp(a, nat64, 12)) {                      /* 64:ff9b::/96, RFC 6052 */
        memcpy(v4, a + 12, 4);
        return true;
    }
    if (a[0] == 0x20 && a[1] == 0x02) {               /* 2002::/16 6to4, RFC 3056 */
        memcpy(v4, a + 2, 4);
        return true;
    }
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) { /* Teredo 2001::/32, RFC 4380 */
        for (int i = 0; i < 4; i++)                   /* the client address is stored inverted */
            v4[i] = (unsigned char)~a[12 + i];
        return true;
    }
    return false;
}

static bool judge_v6(const mp_target_policy *policy, const unsigned char *a, const char **why)
{
    if (in_allow_list(policy, AF_INET6, a))
        return true;
    if (all_zero(a, 16)) {
        *why = "unspecified";
        return false;
    }
    if (all_zero(a, 15) && a[15] == 1) {
        *why = "loopback";
        return false;
    }
    unsigned char v4[4];
    if (embedded_v4(a, v4))
        return judge_v4(policy, v4, why);
    for (size_t i = 0; i < sizeof refused_v6 / sizeof refused_v6[0]; i++)
        if (cidr_contains(&refused_v6[i].cidr, AF_INET6, a)) {
            *why = refused_v6[i].why;
            return false;
        }
    if ((a[0] & 0xe0) != 0x20) {                      /* outside 2000::/3 */
        *why = "reserved";
        return false;
    }
    return true;
}

bool mp_target_permitted(const mp_target_policy *policy, const struct sockaddr *sa,
                         const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    *why = "";
    if (!sa) {
        *why = "no address";
        return false;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        unsigned char a[4];
        memcpy(a, &in->sin_addr, 4);
        return judge_v4(policy, a, why);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        unsigned char a[16];
        memcpy(a, &in6->sin6_addr, 16);
        return judge_v6(policy, a, why);
    }
    *why = "not an IP address";
    return false;
}

/* Decimal prefix length: digits only, no sign, no leading zero, <= max. */
static bool parse_prefix(const char *s, int max, int *out)
{
    if (!*s || (s[0] == '0' && s[1]))
        return false;
    int v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

bool mp_cidr_parse(const char *text, mp_cidr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    if (!text || !out)
        return false;
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len + 1);

    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    mp_cidr c;
    memset(&c, 0, sizeof c);
    int max;
    if (inet_pton(AF_INET, buf, c.addr) == 1) {
        c.family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
        c.family = AF_INET6;
        max = 128;
    } else {
        return false;
    }
    c.prefix = max;
    if (slash && !parse_prefix(slash + 1, max, &c.prefix))
        return false;

    /* Host bits after the prefix are cleared: "10.1.2.3/8" means 10.0.0.0/8,
     * as in most firewall tools. */
    for (int bit = c.prefix; bit < max; bit++)
        c.addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    *out = c;
    return true;
}

bool mp_target_allow(mp_target_policy *policy, const char *cidr_text)
{
    mp_cidr c;
    if (!policy || policy->nallow >= MP_TARGET_ALLOW_MAX || !mp_cidr_parse(cidr_text, &c))
        return false;
    policy->allow[policy->nallow++] = c;
    return true;
}

bool mp_address_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    const void *raw = NULL;
    if (ss->ss_family == AF_INET6)
        raw = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
    else if (ss->ss_family == AF_INET)
        raw = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
    if (raw && inet_ntop(ss->ss_family, raw, out, (socklen_t)cap))
        return true;
    if (cap)
        snprintf(out, cap, "%s", cap > 1 ? "?" : "");
    return false;
}
