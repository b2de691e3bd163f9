/* Unit tests for dns.c: the rules of dns.h that the fixture cannot show
 * (tied preferences shuffled, the host limit, deferred callbacks, caching,
 * cancellation, freeing from a callback, TTLs). A tiny DNS server on
 * 127.0.0.1 runs on the same libevent loop and answers from the table
 * below; nothing leaves loopback and no answer is ever connected to.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dns.h"
#include "fake_dns.h"
#include "test.h"

/* ---- what the fake server (fake_dns.h) answers ------------------------------ */

typedef struct record {
    const char *name;
    int type;
    unsigned ttl;
    int pref;          /* MX only */
    const char *data;  /* MX or NS target, or A/AAAA text */
} record;

static const record records[] = {
    {"one.test", T_MX, 300, 10, "mx.one.test"},
    {"mx.one.test", T_A, 40, 0, "10.0.0.1"},
    {"mx.one.test", T_A, 900, 0, "10.0.0.2"},
    {"mx.one.test", T_AAAA, 900, 0, "fd00::1"},          /* refused: unique-local */

    {"ties.test", T_MX, 300, 10, "a.ties.test"},
    {"ties.test", T_MX, 300, 10, "b.ties.test"},
    {"ties.test", T_MX, 300, 5, "first.ties.test"},
    {"ties.test", T_MX, 300, 10, "c.ties.test"},
    {"ties.test", T_MX, 300, 10, "d.ties.test"},
    {"ties.test", T_MX, 300, 20, "last.ties.test"},
    {"first.ties.test", T_A, 300, 0, "10.0.1.1"},
    {"a.ties.test", T_A, 300, 0, "10.0.1.2"},
    {"b.ties.test", T_A, 300, 0, "10.0.1.3"},
    {"c.ties.test", T_A, 300, 0, "10.0.1.4"},
    {"d.ties.test", T_A, 300, 0, "10.0.1.5"},
    {"last.ties.test", T_A, 300, 0, "10.0.1.6"},

    {"mixednull.test", T_MX, 300, 0, ""},                /* "0 ." beside a real host */
    {"mixednull.test", T_MX, 300, 10, "mx.one.test"},

    {"zerottl.test", T_MX, 0, 10, "mx.one.test"},

    {"blocked.test", T_MX, 300, 10, "mx.blocked.test"},
    {"blocked.test", T_MX, 300, 20, "mx2.blocked.test"},
    {"mx.blocked.test", T_A, 300, 0, "169.254.169.254"},
    {"mx2.blocked.test", T_AAAA, 300, 0, "::ffff:192.168.0.1"},

    {"dangling.test", T_MX, 300, 10, "nowhere.test"},    /* host has no address */

    {"", T_NS, 300, 0, "a.root-servers.test"},          /* the root */
    {"test", T_NS, 300, 0, "a.nic.test"},
};

/* many.test has 20 MX records, preferences 20, 19, ... 1 (see answer()). */
enum { MANY_MX = 20 };

/* fake_dns's answer function: the table above, the many.test family, a
 * SERVFAIL name, NXDOMAIN for the rest. */
static int answer(const char *name, int qtype, unsigned char *out, size_t *lenp, int *anp, void *arg)
{
    (void)arg;
    size_t len = *lenp;
    int an = 0;
    bool name_exists = false;
    unsigned char rdata[300];
    if (!strcmp(name, "many.test")) {
        name_exists = true;
        for (int i = 0; qtype == T_MX && i < MANY_MX; i++) {
            /* "hN" + a pointer to the question name: 20 records still fit
             * the 512-octet UDP limit, as this fake has no TCP. */
            int pref = MANY_MX - i;
            rdata[0] = (unsigned char)(pref >> 8);
            rdata[1] = (unsigned char)pref;
            int l = snprintf((char *)rdata + 3, 8, "h%d", i);
            rdata[2] = (unsigned char)l;
            rdata[3 + l] = 0xc0;
            rdata[4 + l] = 12;
            len += fake_dns_put_rr(out + len, T_MX, 300, rdata, (size_t)(5 + l));
            an++;
        }
    }
    if (!strncmp(name, "h", 1) && strstr(name, ".many.test")) {
        name_exists = true;
        if (qtype == T_A) {
            unsigned char a4[4] = {10, 0, 2, (unsigned char)atoi(name + 1)};
            len += fake_dns_put_rr(out + len, T_A, 300, a4, 4);
            an++;
        }
    }
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        const record *r = &records[i];
        if (strcmp(r->name, name) != 0)
            continue;
        name_exists = true;
        if (r->type != qtype)
            continue;
        size_t rdlen;
        if (r->type == T_MX) {
            rdata[0] = (unsigned char)(r->pref >> 8);
            rdata[1] = (unsigned char)r->pref;
            rdlen = 2 + fake_dns_put_name(rdata + 2, r->data);
        } else if (r->type == T_NS) {
            rdlen = fake_dns_put_name(rdata, r->data);
        } else if (r->type == T_A) {
            inet_pton(AF_INET, r->data, rdata);
            rdlen = 4;
        } else {
            inet_pton(AF_INET6, r->data, rdata);
            rdlen = 16;
        }
        len += fake_dns_put_rr(out + len, r->type, r->ttl, rdata, rdlen);
        an++;
    }
    *lenp = len;
    *anp += an;
    if (!strcmp(name, "servfail.test"))
        return FAKE_SERVFAIL;
    return name_exists ? FAKE_NOERROR : FAKE_NXDOMAIN;
}

/* ---- harness --------------------------------------------------------------- */

typedef struct env {
    struct event_base *base;
    fake_dns fake;
    mp_target_policy targets;
    mp_dns *dns;
} env;

typedef struct got {
    int calls;
    mp_mx_answer answer;
    mp_dns *free_me;    /* mp_dns_free() this from inside the callback */
} got;

static int total_calls; /* every callback, for loops that wait on many */

static void on_answer(const mp_mx_answer *a, void *arg)
{
    got *g = arg;
    total_calls++;
    g->calls++;
    g->answer = *a;
    if (g->free_me)
        mp_dns_free(g->free_me);
}

static bool env_open(env *e, size_t cache_max)
{
    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    if (!e->base || !fake_dns_start(e->base, &e->fake, answer, NULL))
        return false;
    mp_target_allow(&e->targets, "10.0.0.0/8");
    char server[32], err[128];
    snprintf(server, sizeof server, "127.0.0.1:%d", e->fake.port);
    mp_dns_config cfg = {.server = server, .timeout_ms = 500, .tries = 1,
                         .cache_max = cache_max, .targets = &e->targets};
    e->dns = mp_dns_new(e->base, &cfg, err, sizeof err);
    if (!e->dns)
        fprintf(stderr, "mp_dns_new: %s\n", err);
    return e->dns != NULL;
}

static void env_close(env *e)
{
    mp_dns_free(e->dns);
    fake_dns_stop(&e->fake);
    event_base_free(e->base);
}

/* Runs the loop until `n` more callbacks have run (the fake server's
 * persistent event would keep event_base_dispatch() going forever). */
static void run_callbacks(env *e, int n)
{
    int target = total_calls + n;
    while (total_calls < target && event_base_loop(e->base, EVLOOP_ONCE) == 0)
        ;
}

/* Resolves one domain and runs the loop until its callback ran. */
static void resolve(env *e, const char *domain, got *g)
{
    memset(g, 0, sizeof *g);
    mp_dns_resolve_mail_hosts(e->dns, domain, on_answer, g);
    while (g->calls == 0 && event_base_loop(e->base, EVLOOP_ONCE) == 0)
        ;
}

static const char *first_addr(const mp_mx_host *h, char *buf, size_t len)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)&h->addrs[0];
    return h->naddrs ? inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)len) : "";
}

/* ---- tests ------------------------------------------------------------------ */

TEST(callback_never_runs_inside_the_call)
{
    env e;
    CHECK(env_open(&e, 0));
    got g = {0};
    mp_dns_resolve_mail_hosts(e.dns, "one.test", on_answer, &g);
    CHECK_EQ_INT(g.calls, 0);
    while (g.calls == 0 && event_base_loop(e.base, EVLOOP_ONCE) == 0)
        ;
    CHECK_EQ_INT(g.calls, 1);
    CHECK_EQ_INT(g.answer.result, MP_DNS_OK);

    /* A cached answer is deferred too. */
    got g2 = {0};
    mp_dns_resolve_mail_hosts(e.dns, "one.test", on_answer, &g2);
    CHECK_EQ_INT(g2.calls, 0);
    event_base_loop(e.base, EVLOOP_ONCE);
    CHECK_EQ_INT(g2.calls, 1);
    CHECK_EQ_INT(g2.answer.result, MP_DNS_OK);
    env_close(&e);
}

TEST(refused_addresses_are_dropped_and_counted)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "one.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_OK);
    CHECK_EQ_INT(g.answer.nhosts, 1);
    CHECK_EQ_STR(g.answer.hosts[0].name, "mx.one.test");
    CHECK_EQ_INT(g.answer.hosts[0].naddrs, 2);   /* 10.0.0.1, 10.0.0.2 (allowed) */
    CHECK_EQ_INT(g.answer.hosts[0].nblocked, 1); /* fd00::1 */
    CHECK_EQ_INT(g.answer.hosts[0].addrs[0].ss_family, AF_INET);
    env_close(&e);
}

TEST(ttl_is_the_smallest_of_mx_and_address_ttls)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "one.test", &g);
    CHECK_EQ_INT(g.answer.ttl, 40);              /* MX 300, A 40 and 900 */
    env_close(&e);
}

TEST(preferences_sort_and_ties_shuffle)
{
    /* Fresh resolvers (no cache): the pref-5 host is always first and the
     * pref-20 host always last; the four pref-10 hosts come in more than one
     * order over 30 runs (all equal has probability 24^-29). */
    char seen_first_tie[8] = {0};
    int distinct = 0;
    for (int run = 0; run < 30; run++) {
        env e;
        CHECK(env_open(&e, 0));
        got g;
        resolve(&e, "ties.test", &g);
        CHECK_EQ_INT(g.answer.nhosts, 6);
        CHECK_EQ_STR(g.answer.hosts[0].name, "first.ties.test");
        CHECK_EQ_STR(g.answer.hosts[5].name, "last.ties.test");
        for (int i = 1; i <= 4; i++)
            CHECK_EQ_INT(g.answer.hosts[i].preference, 10);
        char c = g.answer.hosts[1].name[0];
        if (!strchr(seen_first_tie, c) && distinct < 7)
            seen_first_tie[distinct++] = c;
        env_close(&e);
    }
    CHECK(distinct > 1);
}

TEST(host_list_keeps_the_most_preferred_when_over_the_limit)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "many.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_OK);
    CHECK_EQ_INT(g.answer.nhosts, MP_MX_HOSTS_MAX);
    CHECK_EQ_INT(g.answer.hosts[0].preference, 1);
    CHECK_EQ_INT(g.answer.hosts[MP_MX_HOSTS_MAX - 1].preference, MP_MX_HOSTS_MAX);
    char buf[64];
    CHECK_EQ_STR(first_addr(&g.answer.hosts[0], buf, sizeof buf), "10.0.2.19");
    env_close(&e);
}

TEST(null_mx_beside_a_real_host_is_skipped)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "mixednull.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_OK);
    CHECK_EQ_INT(g.answer.nhosts, 1);
    CHECK_EQ_STR(g.answer.hosts[0].name, "mx.one.test");
    env_close(&e);
}

TEST(every_host_refused_is_blocked_target_even_via_mapped_ipv6)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "blocked.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_BLOCKED_TARGET);
    CHECK_EQ_INT(g.answer.nhosts, 2);
    CHECK_EQ_INT(g.answer.hosts[0].nblocked, 1);  /* 169.254.169.254 */
    CHECK_EQ_INT(g.answer.hosts[1].nblocked, 1);  /* ::ffff:192.168.0.1 */
    CHECK(g.answer.error[0] != '\0');
    env_close(&e);
}

TEST(mx_host_without_address_is_no_mail_host)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "dangling.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_NO_MAIL_HOST);
    CHECK_EQ_INT(g.answer.implicit_mx, 0);
    env_close(&e);
}

TEST(servfail_and_nxdomain_are_told_apart)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "servfail.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_ERROR);
    resolve(&e, "nothing-here.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_NXDOMAIN);
    mp_dns_stats st;
    mp_dns_stats_get(e.dns, &st);
    CHECK_EQ_INT(st.errors, 1);
    env_close(&e);
}

TEST(concurrent_lookups_of_one_domain_share_one_query)
{
    env e;
    CHECK(env_open(&e, 0));
    static got g[500];
    memset(g, 0, sizeof g);
    for (int i = 0; i < 500; i++)
        mp_dns_resolve_mail_hosts(e.dns, i % 2 ? "one.test" : "ONE.test.", on_answer, &g[i]);
    run_callbacks(&e, 500);
    int ok = 0;
    for (int i = 0; i < 500; i++)
        ok += g[i].calls == 1 && g[i].answer.result == MP_DNS_OK;
    CHECK_EQ_INT(ok, 500);
    CHECK_EQ_INT(e.fake.queries, 3);                /* MX, A, AAAA */
    mp_dns_stats st;
    mp_dns_stats_get(e.dns, &st);
    CHECK_EQ_INT(st.queries_sent, 3);
    CHECK_EQ_INT(st.cache_misses, 1);
    env_close(&e);
}

TEST(cache_is_bounded_and_evicts_least_recently_used)
{
    env e;
    CHECK(env_open(&e, 2));
    got g;
    resolve(&e, "one.test", &g);
    resolve(&e, "ties.test", &g);
    resolve(&e, "one.test", &g);          /* hit: one.test is now most recent */
    int before = e.fake.queries;
    resolve(&e, "mixednull.test", &g);    /* evicts ties.test */
    resolve(&e, "one.test", &g);
    CHECK_EQ_INT(e.fake.queries, before + 1 + 2); /* only mixednull was asked */
    before = e.fake.queries;
    resolve(&e, "ties.test", &g);
    CHECK(e.fake.queries > before);       /* ties.test had been evicted */
    env_close(&e);
}

TEST(zero_ttl_answers_are_not_cached)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "zerottl.test", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_OK);
    CHECK_EQ_INT(g.answer.ttl, 0);
    int before = e.fake.queries;
    resolve(&e, "zerottl.test", &g);
    CHECK_EQ_INT(e.fake.queries, before + 3);
    env_close(&e);
}

TEST(free_cancels_outstanding_lookups_once)
{
    env e;
    CHECK(env_open(&e, 0));
    e.fake.blackhole = true;
    got g1 = {0}, g2 = {0}, g3 = {0};
    mp_dns_resolve_mail_hosts(e.dns, "one.test", on_answer, &g1);
    mp_dns_resolve_mail_hosts(e.dns, "one.test", on_answer, &g2);
    mp_dns_resolve_mail_hosts(e.dns, "ties.test", on_answer, &g3);
    event_base_loop(e.base, EVLOOP_NONBLOCK);    /* queries go out, nothing comes back */
    CHECK_EQ_INT(g1.calls + g2.calls + g3.calls, 0);
    mp_dns_free(e.dns);
    e.dns = NULL;
    CHECK_EQ_INT(g1.calls, 1);
    CHECK_EQ_INT(g2.calls, 1);
    CHECK_EQ_INT(g3.calls, 1);
    CHECK_EQ_INT(g1.answer.result, MP_DNS_ERROR);
    CHECK_EQ_STR(g3.answer.error, "cancelled");
    env_close(&e);
}

TEST(timeout_is_an_error_through_the_ares_timer)
{
    env e;
    CHECK(env_open(&e, 0));
    e.fake.blackhole = true;
    got g;
    resolve(&e, "one.test", &g);                 /* returns only through the timer */
    CHECK_EQ_INT(g.calls, 1);
    CHECK_EQ_INT(g.answer.result, MP_DNS_ERROR);
    CHECK_EQ_STR(g.answer.error, "DNS query timed out");
    env_close(&e);
}

TEST(resolver_may_be_freed_from_its_own_callback)
{
    env e;
    CHECK(env_open(&e, 0));
    got g1 = {0}, g2 = {0};
    g1.free_me = e.dns;
    mp_dns_resolve_mail_hosts(e.dns, "one.test", on_answer, &g1);
    mp_dns_resolve_mail_hosts(e.dns, "ties.test", on_answer, &g2);
    run_callbacks(&e, 2);
    e.dns = NULL;
    CHECK_EQ_INT(g1.calls, 1);
    CHECK_EQ_INT(g2.calls, 1);                   /* answered or cancelled, once */
    env_close(&e);                               /* ASan: no leak, no double free */
}

TEST(bad_server_strings_are_refused)
{
    static const char *const bad[] = {"dns.example", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:",
                                      "[::1", "[::1]x", "1.2.3.4:53x", ""};
    char out[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mp_dns_server_csv(bad[i], out, sizeof out))
            TEST_FAIL_("accepted \"%s\"", bad[i]);
    CHECK(mp_dns_server_csv("127.0.0.1", out, sizeof out));
    CHECK_EQ_STR(out, "127.0.0.1:53");
    CHECK(mp_dns_server_csv("[::1]:5354", out, sizeof out));
    CHECK_EQ_STR(out, "[::1]:5354");
    CHECK(mp_dns_server_csv("::1", out, sizeof out));
    CHECK_EQ_STR(out, "[::1]:53");

    struct event_base *base = event_base_new();
    char err[128] = "";
    mp_dns_config cfg = {.server = "resolver.example:53"};
    CHECK(mp_dns_new(base, &cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "resolver.example") != NULL);
    event_base_free(base);
}

TEST(invalid_domain_gets_a_deferred_error)
{
    env e;
    CHECK(env_open(&e, 0));
    got g;
    resolve(&e, "a..b", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_ERROR);
    resolve(&e, "", &g);
    CHECK_EQ_INT(g.answer.result, MP_DNS_ERROR);
    CHECK_EQ_INT(e.fake.queries, 0);
    env_close(&e);
}

/* ---- zone questions (mp_dns_ask_ns) ------------------------------------------ */

typedef struct zone_got {
    int calls;
    mp_zone_answer answer;
} zone_got;

static void on_zone(mp_zone_answer a, void *arg)
{
    zone_got *g = arg;
    total_calls++;
    g->calls++;
    g->answer = a;
}

static mp_zone_answer ask(env *e, const char *zone)
{
    zone_got g = {0, MP_ZONE_ANSWER_COUNT};
    CHECK(mp_dns_ask_ns(e->dns, zone, on_zone, &g) != NULL);
    CHECK_EQ_INT(g.calls, 0);                    /* never inside the call */
    while (g.calls == 0 && event_base_loop(e->base, EVLOOP_ONCE) == 0)
        ;
    CHECK_EQ_INT(g.calls, 1);
    return g.answer;
}

TEST(zone_questions_tell_ns_nodata_nxdomain_and_failure_apart)
{
    env e;
    CHECK(env_open(&e, 0));
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, ".")), "has_ns");
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "test.")), "has_ns");
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "TEST")), "has_ns");        /* case and dot do not matter */
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "one.test")), "no_ns");     /* exists, no NS: NODATA */
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "nowhere.example")), "denied");
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "servfail.test")), "no_answer");
    zone_got g = {0, MP_ZONE_ANSWER_COUNT};
    CHECK(mp_dns_ask_ns(e.dns, "a..b", on_zone, &g) == NULL);       /* not a zone name */
    CHECK(mp_dns_ask_ns(e.dns, "", on_zone, &g) == NULL);
    e.fake.blackhole = true;
    CHECK_EQ_STR(mp_zone_answer_name(ask(&e, "test")), "no_answer");  /* through the ares timer */
    env_close(&e);
}

TEST(cancelled_or_freed_zone_questions_never_call_back)
{
    env e;
    CHECK(env_open(&e, 0));
    zone_got g1 = {0, 0}, g2 = {0, 0}, g3 = {0, 0};
    mp_dns_ask *a1 = mp_dns_ask_ns(e.dns, ".", on_zone, &g1);
    mp_dns_ask_ns(e.dns, "test", on_zone, &g2);
    mp_dns_ask_cancel(a1);                       /* before c-ares answered */
    run_callbacks(&e, 1);
    CHECK_EQ_INT(g1.calls, 0);
    CHECK_EQ_INT(g2.calls, 1);
    e.fake.blackhole = true;
    mp_dns_ask_ns(e.dns, "test", on_zone, &g3);
    event_base_loop(e.base, EVLOOP_NONBLOCK);
    mp_dns_free(e.dns);                          /* in flight: dropped unannounced */
    e.dns = NULL;
    CHECK_EQ_INT(g3.calls, 0);
    env_close(&e);                               /* ASan: nothing leaks */
}

int main(void)
{
    RUN(callback_never_runs_inside_the_call);
    RUN(refused_addresses_are_dropped_and_counted);
    RUN(ttl_is_the_smallest_of_mx_and_address_ttls);
    RUN(preferences_sort_and_ties_shuffle);
    RUN(host_list_keeps_the_most_preferred_when_over_the_limit);
    RUN(null_mx_beside_a_real_host_is_skipped);
    RUN(every_host_refused_is_blocked_target_even_via_mapped_ipv6);
    RUN(mx_host_without_address_is_no_mail_host);
    RUN(servfail_and_nxdomain_are_told_apart);
    RUN(concurrent_lookups_of_one_domain_share_one_query);
    RUN(cache_is_bounded_and_evicts_least_recently_used);
    RUN(zero_ttl_answers_are_not_cached);
    RUN(free_cancels_outstanding_lookups_once);
    RUN(timeout_is_an_error_through_the_ares_timer);
    RUN(resolver_may_be_freed_from_its_own_callback);
    RUN(bad_server_strings_are_refused);
    RUN(invalid_domain_gets_a_deferred_error);
    RUN(zone_questions_tell_ns_nodata_nxdomain_and_failure_apart);
    RUN(cancelled_or_freed_zone_questions_never_call_back);
    return test_report();
}
