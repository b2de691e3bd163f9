/* The rule that cuts each worker's allowance at one MX address out of the
 * cluster's limits (allowance.h): the whole cluster within the host limit,
 * each egress IP within its own, every wanting worker served, nobody asked
 * to close a session. (The store applies it; the conformance tests in
 * test_serve_store.c hold the PostgreSQL backend's SQL to the same
 * answers.)
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdbool.h>

#include "allowance.h"
#include "test.h"

static const mp_allowance_limits LIMITS = {.host_sessions = 4, .host_rate = 4, .egress_sessions = 2, .egress_rate = 2};

TEST(a_lone_worker_gets_the_egress_limit)
{
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, NULL, 0, true, 0), 2);
}

TEST(the_host_limit_binds_the_whole_cluster)
{
    mp_allowance_peer peers[] = {{2, true, false, false}, {2, true, false, false}}; /* two others, 4 held */
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, peers, 2, true, 0), 0);
    mp_allowance_peer one[] = {{2, true, false, false}, {1, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, one, 2, true, 0), 1);
}

TEST(workers_behind_one_egress_ip_share_its_limit)
{
    mp_allowance_peer same[] = {{2, true, true, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, same, 1, true, 0), 0);
    mp_allowance_peer other[] = {{2, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, other, 1, true, 0), 2);
}

TEST(a_starving_peer_shrinks_the_others_to_their_fair_part)
{
    /* Worker 3 holds nothing: the two others renew to 4/3 -> 1 each... */
    mp_allowance_peer peers[] = {{2, true, false, false}, {0, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, peers, 2, true, 0), 1);
    /* ...and once nobody starves, free capacity goes to who asks. */
    mp_allowance_peer fed[] = {{2, true, false, false}, {1, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, fed, 2, true, 0), 1);
    mp_allowance_peer idle[] = {{0, false, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, idle, 1, true, 0), 2); /* not wanting: not starving */
}

TEST(a_peer_starving_behind_its_own_full_egress_shrinks_nobody_else)
{
    /* Workers 2 and 3 share an egress IP; 2 holds its limit, 3 starves:
     * that is theirs to share, not ours to give up. */
    mp_allowance_peer peers[] = {{2, true, false, true}, {0, true, false, true}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, peers, 2, true, 0), 2);
    /* Worker 2 renewing sees 3 starving behind its own egress: half of it. */
    mp_allowance_peer mine[] = {{0, true, true, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, mine, 1, true, 0), 1);
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, mine, 1, true, 2), 2); /* both open: it waits for one to end */
}

TEST(a_grant_never_drops_below_the_sessions_open)
{
    mp_allowance_peer peers[] = {{2, true, false, false}, {0, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, peers, 2, true, 2), 2); /* fair part 1, but 2 are open */
    mp_allowance_peer full[] = {{4, true, false, false}};                   /* over the limit already */
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, full, 1, true, 1), 1);
}

TEST(a_worker_that_wants_nothing_keeps_only_what_is_open)
{
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, NULL, 0, false, 0), 0);
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, NULL, 0, false, 1), 1);
}

TEST(a_fair_part_is_never_less_than_one)
{
    /* Five workers, host limit 4: the fair part rounds down to 0, but a
     * starving worker is still owed one once somebody gives one back. */
    mp_allowance_peer peers[] = {{1, true, false, false}, {1, true, false, false}, {1, true, false, false}, {0, true, false, false}};
    CHECK_EQ_INT(mp_allowance_share(&LIMITS, peers, 4, true, 0), 1);
}

TEST(rates_are_the_same_share_of_both_limits)
{
    CHECK(mp_allowance_rate(&LIMITS, 2) == 2.0);  /* min(4*2/4, 2*2/2) */
    CHECK(mp_allowance_rate(&LIMITS, 1) == 1.0);
    CHECK(mp_allowance_rate(&LIMITS, 0) == 0.0);
    mp_allowance_limits slow_host = {.host_sessions = 6, .host_rate = 3, .egress_sessions = 2, .egress_rate = 2};
    CHECK(mp_allowance_rate(&slow_host, 2) == 1.0); /* 3*2/6: three such workers make 3/s */
}

int main(void)
{
    RUN(a_lone_worker_gets_the_egress_limit);
    RUN(the_host_limit_binds_the_whole_cluster);
    RUN(workers_behind_one_egress_ip_share_its_limit);
    RUN(a_starving_peer_shrinks_the_others_to_their_fair_part);
    RUN(a_peer_starving_behind_its_own_full_egress_shrinks_nobody_else);
    RUN(a_grant_never_drops_below_the_sessions_open);
    RUN(a_worker_that_wants_nothing_keeps_only_what_is_open);
    RUN(a_fair_part_is_never_less_than_one);
    RUN(rates_are_the_same_share_of_both_limits);
    return test_report();
}
