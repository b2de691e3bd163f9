/* The per-key / per-IP token buckets of `serve` (ratelimit.h): burst, rate,
 * Retry-After, and the bounded table.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"
#include "test.h"

TEST(bucket_allows_burst_then_refuses_with_retry_after)
{
    mp_ratelimit *rl = mp_ratelimit_new(2.0, 3);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 1); /* 0.5 s at 2/s, rounded up */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "b", 100.0), 0); /* another client, its own bucket */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.5), 0); /* refilled one token */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.5), 1);
    mp_ratelimit_free(rl);
}

TEST(slow_rate_reports_whole_seconds_to_wait)
{
    mp_ratelimit *rl = mp_ratelimit_new(0.1, 1);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 0), 10);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 5), 5);
    mp_ratelimit_free(rl);
}

TEST(zero_rate_disables_limiting)
{
    mp_ratelimit *rl = mp_ratelimit_new(0, 1);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(mp_ratelimit_take(rl, "x", 0), 0);
    mp_ratelimit_free(rl);
}

TEST(table_stays_bounded_with_many_clients)
{
    mp_ratelimit *rl = mp_ratelimit_new(1, 1);
    char key[32];
    for (int i = 0; i < 3 * MP_RATELIMIT_BUCKETS; i++) {
        snprintf(key, sizeof key, "ip:%d", i);
        CHECK_EQ_INT(mp_ratelimit_take(rl, key, i * 0.001), 0); /* new clients start full */
    }
    mp_ratelimit_free(rl);
}

int main(void)
{
    RUN(bucket_allows_burst_then_refuses_with_retry_after);
    RUN(slow_rate_reports_whole_seconds_to_wait);
    RUN(zero_rate_disables_limiting);
    RUN(table_stays_bounded_with_many_clients);
    return test_report();
}
