/* Resolver trust shared across a cluster (trust_share.h): a worker whose
 * resolver is not honest leaves new addresses to honest peers, and works
 * as before when there are none.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "trust_share.h"

TEST(an_honest_worker_always_takes_work)
{
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_HONEST, 0), MP_LEASE_TAKE);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_HONEST, 3), MP_LEASE_TAKE);
}

TEST(a_worker_not_honest_defers_while_an_honest_peer_lives)
{
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_LYING, 1), MP_LEASE_DEFER);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_UNANSWERED, 2), MP_LEASE_DEFER);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_UNPROVEN, 1), MP_LEASE_DEFER);
}

TEST(without_an_honest_peer_every_worker_works_as_before)
{
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_LYING, 0), MP_LEASE_TAKE);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_UNANSWERED, 0), MP_LEASE_TAKE);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_UNPROVEN, 0), MP_LEASE_TAKE);
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_LYING, -1), MP_LEASE_TAKE);
}

TEST(a_worker_is_not_its_own_honest_peer)
{
    int64_t counts[MP_RESOLVER_STATE_COUNT] = {0};
    counts[MP_RESOLVER_HONEST] = 1;
    /* It reported honest: the one honest worker was itself. */
    CHECK_EQ_INT(mp_trust_share_honest_peers(counts, MP_RESOLVER_HONEST), 0);
    /* It reported lying: the honest one is someone else. */
    counts[MP_RESOLVER_LYING] = 1;
    CHECK_EQ_INT(mp_trust_share_honest_peers(counts, MP_RESOLVER_LYING), 1);
    counts[MP_RESOLVER_HONEST] = 3;
    CHECK_EQ_INT(mp_trust_share_honest_peers(counts, MP_RESOLVER_HONEST), 2);
}

TEST(a_resolver_that_turned_since_its_report_is_judged_now)
{
    /* Reported honest with one honest peer, lying now: it defers to the peer. */
    int64_t counts[MP_RESOLVER_STATE_COUNT] = {0};
    counts[MP_RESOLVER_HONEST] = 2;
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_LYING, mp_trust_share_honest_peers(counts, MP_RESOLVER_HONEST)),
                 MP_LEASE_DEFER);
    /* Reported honest as the only honest one, lying now: nobody to defer to. */
    counts[MP_RESOLVER_HONEST] = 1;
    CHECK_EQ_INT(mp_trust_share_stance(MP_RESOLVER_LYING, mp_trust_share_honest_peers(counts, MP_RESOLVER_HONEST)),
                 MP_LEASE_TAKE);
}

TEST(an_empty_or_stale_count_never_goes_negative)
{
    int64_t counts[MP_RESOLVER_STATE_COUNT] = {0};
    CHECK_EQ_INT(mp_trust_share_honest_peers(counts, MP_RESOLVER_HONEST), 0);
    CHECK_EQ_INT(mp_trust_share_honest_peers(counts, MP_RESOLVER_UNPROVEN), 0);
}

TEST(stance_names)
{
    CHECK_EQ_STR(mp_lease_stance_name(MP_LEASE_TAKE), "take");
    CHECK_EQ_STR(mp_lease_stance_name(MP_LEASE_DEFER), "defer");
    CHECK_EQ_STR(mp_lease_stance_name(MP_LEASE_STANCE_COUNT), "invalid");
}

int main(void)
{
    RUN(an_honest_worker_always_takes_work);
    RUN(a_worker_not_honest_defers_while_an_honest_peer_lives);
    RUN(without_an_honest_peer_every_worker_works_as_before);
    RUN(a_worker_is_not_its_own_honest_peer);
    RUN(a_resolver_that_turned_since_its_report_is_judged_now);
    RUN(an_empty_or_stale_count_never_goes_negative);
    RUN(stance_names);
    return test_report();
}
