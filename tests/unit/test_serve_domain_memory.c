/* What a worker remembers of domains' catch-all verdicts (domain_memory.h):
 * the freshest verdict wins, an old one is not recalled, and the table
 * never holds more than its fixed size.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>

#include "domain_memory.h"
#include "test.h"

TEST(a_verdict_is_recalled_while_fresh_enough)
{
    mp_domain_memory *m = mp_domain_memory_new();
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ_INT(mp_domain_memory_get(m, "x.org", 0), MP_UNKNOWN);
    mp_domain_memory_put(m, "x.org", MP_YES, 100);
    CHECK_EQ_INT(mp_domain_memory_get(m, "x.org", 100), MP_YES);
    CHECK_EQ_INT(mp_domain_memory_get(m, "x.org", 101), MP_UNKNOWN); /* too old */
    mp_domain_memory_put(m, "x.org", MP_NO, 50); /* older than what is known: ignored */
    CHECK_EQ_INT(mp_domain_memory_get(m, "x.org", 0), MP_YES);
    mp_domain_memory_put(m, "x.org", MP_NO, 200);
    CHECK_EQ_INT(mp_domain_memory_get(m, "x.org", 150), MP_NO);
    mp_domain_memory_put(m, "y.org", MP_UNKNOWN, 300); /* nothing to remember */
    mp_domain_memory_put(m, "", MP_YES, 300);
    CHECK_EQ_INT(mp_domain_memory_count(m), 1);
    mp_domain_memory_free(m);
}

TEST(the_table_holds_at_most_its_size_and_keeps_the_newest)
{
    mp_domain_memory *m = mp_domain_memory_new();
    if (!m)
        return;
    enum { MAX = MP_DOMAIN_MEMORY_BUCKETS * MP_DOMAIN_MEMORY_WAYS, N = MAX * 2 };
    char d[32];
    for (int i = 0; i < N; i++) {
        snprintf(d, sizeof d, "d%d.example", i);
        mp_domain_memory_put(m, d, MP_YES, 1000 + i);
    }
    CHECK(mp_domain_memory_count(m) <= MAX);
    CHECK(mp_domain_memory_count(m) > MAX / 2);
    snprintf(d, sizeof d, "d%d.example", N - 1);
    CHECK_EQ_INT(mp_domain_memory_get(m, d, 0), MP_YES); /* the newest stays */
    int old_kept = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(d, sizeof d, "d%d.example", i);
        old_kept += mp_domain_memory_get(m, d, 0) == MP_YES;
    }
    CHECK(old_kept < 100); /* the oldest went first */
    mp_domain_memory_free(m);
}

int main(void)
{
    RUN(a_verdict_is_recalled_while_fresh_enough);
    RUN(the_table_holds_at_most_its_size_and_keeps_the_newest);
    return test_report();
}
