/* Unit tests for dns_trust.c: the rules of dns_trust.h one by one -- round
 * verdicts, pending judgements, TLD canaries, the TLD table's bound, the
 * quicker recheck while not honest, freeing mid-round. A loopback DNS
 * server (fake_dns.h) on the same loop answers from `world` below, which a
 * test may change between rounds; the integration tests
 * (tests/integration/test_dns_trust.py) run the same rules against real
 * unbound resolvers.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <arpa/nameser.h>
#include <stdio.h>
#include <string.h>
#include "dns.h"
#include "dns_trust.h"
#include "fake_dns.h"
#include "test.h"

/* What the fake resolver answers to an NS question. */
typedef enum world_mode {
    WORLD_HONEST = 0,   /* NS records for the root, TLDs "com", "test" and t0..t999, NXDOMAIN else */
    WORLD_LIAR,         /* NXDOMAIN for everything */
    WORLD_EMPTY_ROOT,   /* like honest, but NODATA for the root */
} world_mode;

static world_mode world;

static bool honest_zone(const char *name)
{
    if (!strcmp(name, "") || !strcmp(name, "com") || !strcmp(name, "root-servers.net") || !strcmp(name, "test"))
        return true;
    return name[0] == 't' && name[1] >= '0' && name[1] <= '9' && !strchr(name, '.');
}

static int answer(const char *name, int qtype, unsigned char *out, size_t *len, int *an, void *arg)
{
    (void)arg;
    if (world == WORLD_LIAR || !honest_zone(name))
        return FAKE_NXDOMAIN;
    if (world == WORLD_EMPTY_ROOT && !name[0])
        return FAKE_NOERROR;
    if (qtype == T_NS) {
        unsigned char rdata[64];
        size_t rdlen = fake_dns_put_name(rdata, "ns.example");
        *len += fake_dns_put_rr(out + *len, T_NS, 300, rdata, rdlen);
        (*an)++;
    }
    return FAKE_NOERROR;
}

typedef struct env {
    struct event_base *base;
    fake_dns fake;
    mp_dns *dns;
    mp_dns_trust *trust;
    int changes;
} env;

static void on_changed(void *arg)
{
    ((env *)arg)->changes++;
}

static bool env_open(env *e, int recheck_ms, const char *const *canaries, size_t n)
{
    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    if (!e->base || !fake_dns_start(e->base, &e->fake, answer, NULL))
        return false;
    char server[32], err[128];
    snprintf(server, sizeof server, "127.0.0.1:%d", e->fake.port);
    mp_dns_config cfg = {.server = server, .timeout_ms = 200, .tries = 1};
    e->dns = mp_dns_new(e->base, &cfg, err, sizeof err);
    mp_dns_trust_config tc = {.canaries = canaries, .ncanaries = n, .recheck_ms = recheck_ms};
    e->trust = e->dns ? mp_dns_trust_new(e->base, e->dns, &tc, on_changed, e, err, sizeof err) : NULL;
    if (!e->trust)
        fprintf(stderr, "env_open: %s\n", err);
    return e->trust != NULL;
}

static void env_close(env *e)
{
    mp_dns_trust_free(e->trust);
    mp_dns_free(e->dns);
    fake_dns_stop(&e->fake);
    event_base_free(e->base);
}

/* Runs the loop until the checker has reported `n` more changes. */
static void run_changes(env *e, int n)
{
    int target = e->changes + n;
    while (e->changes < target && event_base_loop(e->base, EVLOOP_ONCE) == 0)
        ;
}

static mp_resolver_trust state(const env *e)
{
    mp_resolver_trust t;
    mp_dns_trust_get(e->trust, &t);
    return t;
}

/* Judges a denial, running the loop while it is pending. */
static mp_denial_judgement judge(env *e, const char *domain, mp_dns_doubt *doubt)
{
    mp_denial_judgement j;
    while ((j = mp_dns_trust_judge(e->trust, domain, doubt)) == MP_DENIAL_PENDING)
        run_changes(e, 1);
    return j;
}

/* ---- rounds ----------------------------------------------------------------------- */

TEST(honest_round_makes_the_resolver_honest)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    mp_resolver_trust t = state(&e);
    CHECK_EQ_STR(mp_resolver_state_name(t.state), "unproven");
    CHECK(t.checking);
    CHECK_EQ_STR(t.canaries, ". com. root-servers.net.");
    run_changes(&e, 1);
    t = state(&e);
    CHECK_EQ_STR(mp_resolver_state_name(t.state), "honest");
    CHECK(!t.checking);
    CHECK_EQ_INT(t.rounds, 1);
    CHECK(t.last_round_ms > 0);
    CHECK_EQ_STR(t.why, "it answered every canary (3)");
    CHECK_EQ_INT(e.fake.queries, 3);
    env_close(&e);
}

TEST(a_denied_canary_makes_it_a_liar)
{
    env e;
    world = WORLD_LIAR;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    mp_resolver_trust t = state(&e);
    CHECK_EQ_STR(mp_resolver_state_name(t.state), "lying");
    CHECK_EQ_STR(t.why, "it says . does not exist (NXDOMAIN), which is false");
    env_close(&e);
}

TEST(a_canary_without_ns_records_makes_it_a_liar)
{
    env e;
    world = WORLD_EMPTY_ROOT;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "lying");
    CHECK_EQ_STR(state(&e).why, "it says . has no name servers, which is false");
    env_close(&e);
}

TEST(unanswered_canaries_leave_it_unanswered)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    e.fake.blackhole = true;
    run_changes(&e, 1);                          /* through the c-ares timer */
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "unanswered");
    CHECK(strstr(state(&e).why, "no answer for .") != NULL);
    env_close(&e);
}

TEST(given_canaries_replace_the_built_in_ones)
{
    static const char *const mine[] = {"test", "t7."};
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, mine, 2));
    CHECK_EQ_STR(state(&e).canaries, "test. t7.");
    run_changes(&e, 1);
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "honest");
    CHECK_EQ_INT(e.fake.queries, 2);
    env_close(&e);
}

TEST(verdict_of_a_round_is_a_pure_rule)
{
    const char *names[] = {".", "com.", "x."};
    mp_zone_answer a[] = {MP_ZONE_HAS_NS, MP_ZONE_NO_ANSWER, MP_ZONE_HAS_NS};
    char why[128];
    CHECK_EQ_INT(mp_dns_trust_verdict(names, a, 3, why, sizeof why), MP_RESOLVER_UNANSWERED);
    a[2] = MP_ZONE_DENIED;                       /* a lie outranks silence */
    CHECK_EQ_INT(mp_dns_trust_verdict(names, a, 3, why, sizeof why), MP_RESOLVER_LYING);
    CHECK_EQ_STR(why, "it says x. does not exist (NXDOMAIN), which is false");
    a[1] = a[2] = MP_ZONE_HAS_NS;
    CHECK_EQ_INT(mp_dns_trust_verdict(names, a, 3, NULL, 0), MP_RESOLVER_HONEST);
}

/* ---- judgements -------------------------------------------------------------------- */

TEST(denials_wait_for_the_first_round)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    mp_dns_doubt doubt = MP_DOUBT_COUNT;
    CHECK_EQ_INT(mp_dns_trust_judge(e.trust, "x.test", &doubt), MP_DENIAL_PENDING);
    CHECK_EQ_INT(judge(&e, "x.test", &doubt), MP_DENIAL_BELIEVED);
    CHECK_EQ_INT(doubt, MP_DOUBT_NONE);
    env_close(&e);
}

TEST(a_liars_denials_are_doubted_with_a_reason)
{
    env e;
    world = WORLD_LIAR;
    CHECK(env_open(&e, 0, NULL, 0));
    mp_dns_doubt doubt;
    CHECK_EQ_INT(judge(&e, "gmail.com", &doubt), MP_DENIAL_DOUBTED);
    CHECK_EQ_INT(doubt, MP_DOUBT_LYING);
    CHECK(strstr(mp_dns_doubt_message(doubt), "not answering honestly") != NULL);
    CHECK(mp_dns_doubt_message(MP_DOUBT_NONE) == NULL);
    env_close(&e);
}

TEST(tld_canary_is_asked_once_per_round)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    int before = e.fake.queries;
    mp_dns_doubt doubt;
    CHECK_EQ_INT(mp_dns_trust_judge(e.trust, "a.t1", &doubt), MP_DENIAL_PENDING);
    CHECK_EQ_INT(judge(&e, "a.t1", &doubt), MP_DENIAL_BELIEVED);
    CHECK_EQ_INT(judge(&e, "b.t1", &doubt), MP_DENIAL_BELIEVED);   /* no new question */
    CHECK_EQ_INT(e.fake.queries, before + 1);
    env_close(&e);
}

TEST(a_tld_that_does_not_exist_makes_the_denial_believable)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    mp_dns_doubt doubt;
    CHECK_EQ_INT(judge(&e, "acme.cmo", &doubt), MP_DENIAL_BELIEVED);  /* RFC 8020 */
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "honest");
    env_close(&e);
}

TEST(a_denied_tld_it_answered_under_proves_a_lie)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    mp_dns_trust_observe(e.trust, "shop.liedtld", MP_DNS_OK);    /* a name under it resolved */
    mp_dns_doubt doubt;
    CHECK_EQ_INT(judge(&e, "gone.liedtld", &doubt), MP_DENIAL_DOUBTED);
    CHECK_EQ_INT(doubt, MP_DOUBT_LYING);
    mp_resolver_trust t = state(&e);
    CHECK_EQ_STR(mp_resolver_state_name(t.state), "lying");
    CHECK_EQ_STR(t.why, "it says the TLD liedtld. does not exist, although it answered for names under it");
    CHECK_EQ_INT(judge(&e, "x.test", &doubt), MP_DENIAL_DOUBTED);  /* from now on, every denial */
    env_close(&e);
}

/* A DNS filter blocking a TLD of the root zone (here .ru): those denials
 * are doubted, the others still believed -- the resolver is not called a
 * liar on the strength of the compiled list alone. */
TEST(a_denied_tld_of_the_root_zone_list_leaves_its_denials_doubted)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    mp_dns_doubt doubt;
    CHECK_EQ_INT(judge(&e, "shop.ru", &doubt), MP_DENIAL_DOUBTED);
    CHECK_EQ_INT(doubt, MP_DOUBT_TLD_DENIED);
    CHECK(strstr(mp_dns_doubt_message(doubt), "root zone") != NULL);
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "honest");
    CHECK_EQ_INT(judge(&e, "x.test", &doubt), MP_DENIAL_BELIEVED);
    env_close(&e);
}

TEST(an_unanswered_tld_canary_leaves_the_denial_doubted)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    e.fake.blackhole = true;
    mp_dns_doubt doubt;
    CHECK_EQ_INT(judge(&e, "x.t2", &doubt), MP_DENIAL_DOUBTED);
    CHECK_EQ_INT(doubt, MP_DOUBT_TLD_UNCONFIRMED);
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "honest");
    env_close(&e);
}

/* The TLD table holds MP_DNS_TRUST_TLDS_MAX names; with every slot asking,
 * one more TLD cannot be confirmed (doubted, never believed); once answers
 * are in, the least recently used slot is reused. */
TEST(tld_table_is_bounded)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    run_changes(&e, 1);
    e.fake.blackhole = true;
    char name[32];
    mp_dns_doubt doubt;
    /* The canaries' TLDs (com, net) already hold slots: fill the rest. */
    int asked = 0;
    for (int i = 0; i < MP_DNS_TRUST_TLDS_MAX; i++) {
        snprintf(name, sizeof name, "x.t%d", i);
        if (mp_dns_trust_judge(e.trust, name, &doubt) == MP_DENIAL_PENDING)
            asked++;
    }
    CHECK(asked >= MP_DNS_TRUST_TLDS_MAX - 2);
    snprintf(name, sizeof name, "x.t%d", MP_DNS_TRUST_TLDS_MAX + 1);
    CHECK_EQ_INT(mp_dns_trust_judge(e.trust, name, &doubt), MP_DENIAL_DOUBTED);
    CHECK_EQ_INT(doubt, MP_DOUBT_TLD_UNCONFIRMED);
    /* The questions time out (no answer): their slots are free to reuse. */
    while (mp_dns_trust_judge(e.trust, "x.t0", &doubt) == MP_DENIAL_PENDING)
        run_changes(&e, 1);
    e.fake.blackhole = false;
    CHECK_EQ_INT(mp_dns_trust_judge(e.trust, name, &doubt), MP_DENIAL_PENDING);
    CHECK_EQ_INT(judge(&e, name, &doubt), MP_DENIAL_BELIEVED);
    env_close(&e);
}

/* ---- rechecks and lifetime ------------------------------------------------------------ */

TEST(a_resolver_not_honest_is_asked_again_ten_times_as_often)
{
    env e;
    world = WORLD_LIAR;
    CHECK(env_open(&e, 10000, NULL, 0));          /* a tenth: 1 s */
    run_changes(&e, 1);
    CHECK_EQ_STR(mp_resolver_state_name(state(&e).state), "lying");
    world = WORLD_HONEST;                        /* the captive portal let us in */
    run_changes(&e, 1);
    mp_resolver_trust t = state(&e);
    CHECK_EQ_STR(mp_resolver_state_name(t.state), "honest");
    CHECK_EQ_INT(t.rounds, 2);
    env_close(&e);
}

TEST(freeing_mid_round_calls_nothing_back)
{
    env e;
    world = WORLD_HONEST;
    CHECK(env_open(&e, 0, NULL, 0));
    e.fake.blackhole = true;
    event_base_loop(e.base, EVLOOP_NONBLOCK);    /* the canaries are out */
    mp_dns_doubt doubt;
    CHECK_EQ_INT(mp_dns_trust_judge(e.trust, "x.test", &doubt), MP_DENIAL_PENDING);
    mp_dns_trust_free(e.trust);
    e.trust = NULL;
    event_base_loop(e.base, EVLOOP_NONBLOCK);
    CHECK_EQ_INT(e.changes, 0);
    env_close(&e);                               /* ASan: no leak, no use after free */
}

TEST(names_and_messages)
{
    CHECK_EQ_STR(mp_resolver_state_name(MP_RESOLVER_UNANSWERED), "unanswered");
    CHECK_EQ_STR(mp_resolver_state_name(MP_RESOLVER_STATE_COUNT), "invalid");
    for (int d = 1; d < MP_DOUBT_COUNT; d++)
        CHECK(mp_dns_doubt_message((mp_dns_doubt)d) != NULL);
    char out[16];
    mp_dns_zone_display("com", out, sizeof out);
    CHECK_EQ_STR(out, "com.");
    mp_dns_zone_display(".", out, sizeof out);
    CHECK_EQ_STR(out, ".");
}

int main(void)
{
    RUN(honest_round_makes_the_resolver_honest);
    RUN(a_denied_canary_makes_it_a_liar);
    RUN(a_canary_without_ns_records_makes_it_a_liar);
    RUN(unanswered_canaries_leave_it_unanswered);
    RUN(given_canaries_replace_the_built_in_ones);
    RUN(verdict_of_a_round_is_a_pure_rule);
    RUN(denials_wait_for_the_first_round);
    RUN(a_liars_denials_are_doubted_with_a_reason);
    RUN(tld_canary_is_asked_once_per_round);
    RUN(a_tld_that_does_not_exist_makes_the_denial_believable);
    RUN(a_denied_tld_it_answered_under_proves_a_lie);
    RUN(a_denied_tld_of_the_root_zone_list_leaves_its_denials_doubted);
    RUN(an_unanswered_tld_canary_leaves_the_denial_doubted);
    RUN(tld_table_is_bounded);
    RUN(a_resolver_not_honest_is_asked_again_ten_times_as_often);
    RUN(freeing_mid_round_calls_nothing_back);
    RUN(names_and_messages);
    return test_report();
}
