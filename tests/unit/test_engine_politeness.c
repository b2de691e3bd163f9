/* The engine's politeness (politeness.h): the local budget every MX address
 * gets on one host, and the token bucket the scheduler spends it with.
 * (How the scheduler obeys a budget against real servers:
 * tests/integration/test_politeness.py and the cluster test.)
 * ctest-labels: unit native
 * ctest-links: mpengine */
#include <stdint.h>

#include "politeness.h"
#include "test.h"

TEST(local_politeness_gives_every_host_the_configured_limits)
{
    mp_politeness_limits limits = {3, 1.5};
    mp_politeness p;
    mp_politeness_local(&limits, &p);
    mp_host_budget b = {0};
    p.budget("192.0.2.1:25", 0, &b, p.arg);
    CHECK_EQ_INT(b.sessions, 3);
    CHECK(b.rate == 1.5);
    CHECK(b.recheck_ms > 0);
    p.budget("2001:db8::1:25", 3, &b, p.arg); /* busy or not, the same budget */
    CHECK_EQ_INT(b.sessions, 3);
    /* The limits are borrowed: a changed configuration is seen at once. */
    limits.sessions = 1;
    p.budget("192.0.2.1:25", 0, &b, p.arg);
    CHECK_EQ_INT(b.sessions, 1);
    CHECK(p.opened == NULL && p.closed == NULL);
}

TEST(bucket_spends_its_burst_then_waits_for_the_rate)
{
    double tokens = 2;
    int64_t at = 1000;
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 2.0, 2, 1000), 0);
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 2.0, 2, 1000), 0);
    int wait = mp_token_bucket_take(&tokens, &at, 2.0, 2, 1000);
    CHECK(wait >= 500 && wait <= 501); /* 1 token at 2/s */
    wait = mp_token_bucket_take(&tokens, &at, 2.0, 2, 1250); /* half a token so far */
    CHECK(wait >= 250 && wait <= 251);
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 2.0, 2, 1500), 0);
}

TEST(an_idle_bucket_holds_no_more_than_its_burst)
{
    double tokens = 0;
    int64_t at = 0;
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 10.0, 2, 3600000), 0); /* an hour idle */
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 10.0, 2, 3600000), 0);
    CHECK(mp_token_bucket_take(&tokens, &at, 10.0, 2, 3600000) > 0); /* only 2 were kept */
}

TEST(a_smaller_burst_caps_tokens_saved_under_a_larger_one)
{
    /* A budget that shrank (a cluster allowance from 4 to 1) allows one
     * session at once, not the 4 tokens saved earlier. */
    double tokens = 4;
    int64_t at = 0;
    CHECK_EQ_INT(mp_token_bucket_take(&tokens, &at, 1.0, 1, 0), 0);
    CHECK(mp_token_bucket_take(&tokens, &at, 1.0, 1, 0) > 0);
}

TEST(a_zero_rate_never_refills)
{
    double tokens = 0;
    int64_t at = 0;
    CHECK(mp_token_bucket_take(&tokens, &at, 0, 1, 1000000) > 0);
    CHECK(tokens == 0);
}

TEST(a_clock_that_did_not_move_changes_nothing)
{
    double tokens = 0.5;
    int64_t at = 5000;
    CHECK(mp_token_bucket_take(&tokens, &at, 1.0, 2, 4000) > 0); /* earlier "now": no refill */
    CHECK(tokens == 0.5);
}

int main(void)
{
    RUN(local_politeness_gives_every_host_the_configured_limits);
    RUN(bucket_spends_its_burst_then_waits_for_the_rate);
    RUN(an_idle_bucket_holds_no_more_than_its_burst);
    RUN(a_smaller_burst_caps_tokens_saved_under_a_larger_one);
    RUN(a_zero_rate_never_refills);
    RUN(a_clock_that_did_not_move_changes_nothing);
    return test_report();
}
