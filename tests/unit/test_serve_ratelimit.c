/* The per-key / per-IP token buckets of `serve` (ratelimit.h): burst, rate,
 * Retry-After, the bounded table, buckets with their own limits, and who
 * counts as one client (an IPv6 /64).
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

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

TEST(a_bucket_may_have_its_own_rate_and_burst)
{
    mp_ratelimit *rl = mp_ratelimit_new(100, 100);
    CHECK_EQ_INT(mp_ratelimit_take_at(rl, "pub:1", 0.5, 2, 10.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take_at(rl, "pub:1", 0.5, 2, 10.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take_at(rl, "pub:1", 0.5, 2, 10.0), 2);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "ip:1", 10.0), 0); /* the table's own limits elsewhere */
    mp_ratelimit_free(rl);
}

TEST(waiting_is_asked_without_taking)
{
    mp_ratelimit *rl = mp_ratelimit_new(0.1, 2);
    CHECK_EQ_INT(mp_ratelimit_wait(rl, "f", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_wait(rl, "f", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "f", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "f", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_wait(rl, "f", 0), 10);
    CHECK_EQ_INT(mp_ratelimit_wait(rl, "f", 10), 0);
    mp_ratelimit_free(rl);
}

TEST(an_ipv6_client_is_counted_per_64)
{
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    char key[64];
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", &a6.sin6_addr);
    CHECK(mp_ratelimit_client_key((struct sockaddr *)&a6, key, sizeof key));
    CHECK_EQ_STR(key, "2001:db8:1:2::/64");
    inet_pton(AF_INET6, "2001:db8:1:2::1", &a6.sin6_addr);
    CHECK(mp_ratelimit_client_key((struct sockaddr *)&a6, key, sizeof key));
    CHECK_EQ_STR(key, "2001:db8:1:2::/64"); /* the same client */
    inet_pton(AF_INET6, "2001:db8:1:3::1", &a6.sin6_addr);
    CHECK(mp_ratelimit_client_key((struct sockaddr *)&a6, key, sizeof key));
    CHECK_EQ_STR(key, "2001:db8:1:3::/64");
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &a6.sin6_addr);
    CHECK(mp_ratelimit_client_key((struct sockaddr *)&a6, key, sizeof key));
    CHECK_EQ_STR(key, "192.0.2.7");
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    inet_pton(AF_INET, "198.51.100.9", &a4.sin_addr);
    CHECK(mp_ratelimit_client_key((struct sockaddr *)&a4, key, sizeof key));
    CHECK_EQ_STR(key, "198.51.100.9");
    a4.sin_family = AF_UNIX;
    CHECK(!mp_ratelimit_client_key((struct sockaddr *)&a4, key, sizeof key));
}

int main(void)
{
    RUN(bucket_allows_burst_then_refuses_with_retry_after);
    RUN(slow_rate_reports_whole_seconds_to_wait);
    RUN(zero_rate_disables_limiting);
    RUN(table_stays_bounded_with_many_clients);
    RUN(a_bucket_may_have_its_own_rate_and_burst);
    RUN(waiting_is_asked_without_taking);
    RUN(an_ipv6_client_is_counted_per_64);
    return test_report();
}
