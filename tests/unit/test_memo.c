/* mp_check_memo(): the per-domain memo answers exactly as mp_check() in
 * the cases a memo could get wrong — a recalled domain error behind a local
 * part of another length, options that change the domain's verdict,
 * colliding slots, domains too long to remember. (The whole corpus is also
 * run both ways, under every option set, by test_corpus.c.)
 * ctest-labels: unit
 */
#include <stdlib.h>
#include <string.h>
#include "mailprobe/core.h"
#include "test.h"
#include "same_result.h"

static mp_domain_memo memo;
static mp_result plain, memoized;

/* Checks `address` both ways and fails on any difference. */
static void same_as_plain(const char *address, unsigned flags)
{
    mp_options opts = { .flags = flags };
    size_t len = strlen(address);
    mp_check(address, len, &opts, NULL, &plain);
    mp_check_memo(address, len, &opts, NULL, &memo, &memoized);
    if (!same_result(&plain, &memoized)) {
        TEST_FAIL_("\"%s\" (flags %u): mp_check_memo differs from mp_check", address, flags);
        fprintf(stderr, "    code %d/%d position %d/%d ascii \"%s\"/\"%s\" suggestion \"%s\"/\"%s\"\n",
                plain.syntax.code, memoized.syntax.code, plain.syntax.position,
                memoized.syntax.position, plain.syntax.ascii_domain, memoized.syntax.ascii_domain,
                plain.suggestion, memoized.suggestion);
    }
}

TEST(a_recalled_domain_error_points_into_this_address)
{
    mp_domain_memo_init(&memo);
    same_as_plain("a@exa..mple.org", 0);
    same_as_plain("a.much.longer.local.part@exa..mple.org", 0);
    CHECK_EQ_INT(memoized.syntax.code, MP_SYNTAX_LABEL_EMPTY);
    CHECK_EQ_INT(memoized.syntax.position, 29); /* the second '.' of "exa..mple" */
    CHECK_EQ_INT(memo.hits, 1);
    same_as_plain("bob@-bad.org", 0);
    same_as_plain("robert@-bad.org", 0);
    CHECK_EQ_INT(memoized.syntax.position, 7);
}

TEST(a_recalled_domain_still_sees_the_local_part)
{
    mp_domain_memo_init(&memo);
    same_as_plain("ann@gmial.com", 0);    /* suggestion and disposable */
    same_as_plain("info@gmial.com", 0);   /* role, same domain */
    same_as_plain(".ann@gmial.com", 0);   /* local error wins over a good domain */
    same_as_plain("ann@gmial.com", 0);
    CHECK_EQ_STR(memoized.suggestion, "ann@gmail.com");
    CHECK(memoized.disposable);
    same_as_plain("ANN@Bücher.DE", 0);    /* IDNA recalled */
    same_as_plain("x@Bücher.DE", 0);
    CHECK_EQ_STR(memoized.syntax.ascii_domain, "xn--bcher-kva.de");
    CHECK(memo.hits >= 4);
}

TEST(options_that_change_a_domain_verdict_are_part_of_the_key)
{
    mp_domain_memo_init(&memo);
    for (int round = 0; round < 2; round++) {
        for (unsigned flags = 0; flags < 8; flags++) {
            same_as_plain("ann@example.com", flags);        /* special-use */
            same_as_plain("ann@[192.0.2.1]", flags);        /* literal */
            same_as_plain("ann@[IPv6:2001:DB8::1]", flags);
            same_as_plain("\"a b\"@example.org", flags);
            same_as_plain("ann@foo.test", flags);
        }
    }
}

TEST(colliding_and_overlong_domains_are_recomputed_not_confused)
{
    mp_domain_memo_init(&memo);
    /* Three times the slots: most domains evict another, then come back. */
    char address[128];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3 * MP_MEMO_SLOTS; i++) {
            snprintf(address, sizeof address, "user%d@domain-%d.example-%s.org", i, i,
                     i % 3 == 0 ? "mail" : i % 3 == 1 ? "gmial" : "yahho");
            same_as_plain(address, 0);
        }
    }
    CHECK(memo.misses > 3 * MP_MEMO_SLOTS);
    /* 63+ octets: not remembered, still right. */
    const char *longer = "ann@a-domain-name-that-is-longer-than-a-memo-slot-holds.example-long.org";
    same_as_plain(longer, 0);
    size_t misses = memo.misses, hits = memo.hits;
    same_as_plain(longer, 0);
    CHECK_EQ_INT(memo.misses, misses);
    CHECK_EQ_INT(memo.hits, hits);
}

TEST(no_memo_is_plain_mp_check)
{
    mp_check_memo("ann@gmial.com", 13, NULL, NULL, NULL, &memoized);
    CHECK_EQ_STR(memoized.suggestion, "ann@gmail.com");
}

int main(void)
{
    RUN(a_recalled_domain_error_points_into_this_address);
    RUN(a_recalled_domain_still_sees_the_local_part);
    RUN(options_that_change_a_domain_verdict_are_part_of_the_key);
    RUN(colliding_and_overlong_domains_are_recomputed_not_confused);
    RUN(no_memo_is_plain_mp_check);
    return test_report();
}
