/* The prober engine's contract (prober.h) without any mail server: callbacks
 * only from the loop, exactly once, never after cancellation; freeing with
 * work in flight is clean (run under ASan in CI). DNS goes to a loopback
 * UDP socket of ours that never answers, so nothing leaves the machine.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include "prober.h"
#include "result_json.h"
#include "test.h"

typedef struct seen {
    int calls;
    mp_status status;
    mp_reason reason;
} seen;

static void on_done(const mp_result *r, const mp_probe_details *d, void *arg)
{
    (void)d;
    seen *s = arg;
    s->calls++;
    s->status = r->status;
    s->reason = r->reason;
}

/* A UDP socket on loopback that receives DNS queries and never answers. */
static int mute_dns_fd = -1;
static char mute_dns[32];

static void open_mute_dns(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof sa;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    mute_dns_fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (mute_dns_fd < 0 || bind(mute_dns_fd, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(mute_dns_fd, (struct sockaddr *)&sa, &len))
        return;
    snprintf(mute_dns, sizeof mute_dns, "127.0.0.1:%d", ntohs(sa.sin_port));
}

static void set_mute_dns(mp_prober_config *cfg)
{
    snprintf(cfg->dns_server, sizeof cfg->dns_server, "%s", mute_dns);
}

static mp_prober *new_prober_timeout(struct event_base *base, int dns_timeout_ms)
{
    mp_prober_config cfg;
    mp_prober_config_default(&cfg);
    set_mute_dns(&cfg);
    cfg.dns_timeout_ms = dns_timeout_ms;
    snprintf(cfg.helo, sizeof cfg.helo, "test.invalid");
    char err[128] = "";
    mp_prober *p = mp_prober_new(base, &cfg, err, sizeof err);
    if (!p)
        fprintf(stderr, "mp_prober_new: %s\n", err);
    return p;
}

/* A prober on the mute DNS with `concurrency` and `max_queued`. */
static mp_prober *bounded_prober(struct event_base *base, int concurrency, int max_queued)
{
    mp_prober_config cfg;
    mp_prober_config_default(&cfg);
    set_mute_dns(&cfg);
    snprintf(cfg.helo, sizeof cfg.helo, "test.invalid");
    cfg.concurrency = concurrency;
    cfg.max_queued = max_queued;
    char err[128] = "";
    mp_prober *p = mp_prober_new(base, &cfg, err, sizeof err);
    if (!p)
        fprintf(stderr, "mp_prober_new: %s\n", err);
    return p;
}

static mp_prober *new_prober(struct event_base *base)
{
    return new_prober_timeout(base, 5000);
}

static void spin(struct event_base *base, int rounds)
{
    for (int i = 0; i < rounds; i++)
        event_base_loop(base, EVLOOP_NONBLOCK);
}

TEST(invalid_address_is_answered_from_the_loop_not_inside_submit)
{
    struct event_base *base = event_base_new();
    mp_prober *p = new_prober(base);
    CHECK(p != NULL);
    if (!p)
        return;
    seen s = {0};
    uint64_t id = 0;
    CHECK_EQ_INT(mp_prober_submit(p, "not an address", 14, on_done, &s, &id), MP_SUBMIT_OK);
    CHECK(id > 0);
    CHECK_EQ_INT(s.calls, 0);
    spin(base, 3);
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_INT(s.status, MP_STATUS_UNDELIVERABLE);
    CHECK_EQ_INT(s.reason, MP_REASON_INVALID_SYNTAX);
    spin(base, 3);
    CHECK_EQ_INT(s.calls, 1); /* exactly once */
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.submitted, 1);
    CHECK_EQ_INT(st.completed, 1);
    CHECK_EQ_INT(st.in_flight, 0);
    CHECK_EQ_INT(st.sessions_opened, 0);
    CHECK(!mp_prober_cancel(p, id)); /* already finished */
    mp_prober_free(p);
    event_base_free(base);
}

TEST(cancelled_probes_never_call_back)
{
    struct event_base *base = event_base_new();
    mp_prober *p = new_prober(base);
    if (!p)
        return;
    seen a = {0}, b = {0};
    uint64_t id1 = 0;
    mp_prober_submit(p, "x", 1, on_done, &a, &id1);
    mp_prober_submit(p, "y", 1, on_done, &a, NULL);
    mp_prober_submit(p, "z", 1, on_done, &b, NULL);
    CHECK(mp_prober_cancel(p, id1));
    CHECK(!mp_prober_cancel(p, id1));
    CHECK_EQ_INT(mp_prober_cancel_arg(p, &a), 1);
    spin(base, 3);
    CHECK_EQ_INT(a.calls, 0);
    CHECK_EQ_INT(b.calls, 1);
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.cancelled, 2);
    mp_prober_free(p);
    event_base_free(base);
}

TEST(probes_waiting_for_dns_can_be_cancelled_and_freed)
{
    struct event_base *base = event_base_new();
    mp_prober *p = new_prober(base);
    if (!p)
        return;
    seen a = {0}, b = {0};
    mp_prober_submit(p, "alice@unanswered.org", 20, on_done, &a, NULL);
    mp_prober_submit(p, "bob@unanswered.org", 18, on_done, &b, NULL);
    spin(base, 3); /* admitted: now waiting for DNS that never answers */
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.in_flight, 2);
    CHECK_EQ_INT(a.calls + b.calls, 0);
    CHECK_EQ_INT(mp_prober_cancel_arg(p, &a), 1);
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.in_flight, 1);
    mp_prober_free(p); /* b is still pending: dropped without a callback */
    CHECK_EQ_INT(a.calls + b.calls, 0);
    event_base_free(base);
}

TEST(concurrency_bounds_work_in_flight)
{
    struct event_base *base = event_base_new();
    mp_prober *p = bounded_prober(base, 2, 10000);
    if (!p)
        return;
    seen s = {0};
    char addr[32];
    for (int i = 0; i < 5; i++) {
        int n = snprintf(addr, sizeof addr, "u%d@unanswered.org", i);
        mp_prober_submit(p, addr, (size_t)n, on_done, &s, NULL);
    }
    spin(base, 3);
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.in_flight, 2);
    CHECK_EQ_INT(st.queued, 3);
    mp_prober_free(p);
    event_base_free(base);
}

TEST(submissions_beyond_concurrency_plus_max_queued_are_refused_until_room)
{
    struct event_base *base = event_base_new();
    mp_prober *p = bounded_prober(base, 2, 3);
    if (!p)
        return;
    seen s = {0}, last = {0};
    char addr[32];
    CHECK_EQ_INT(mp_prober_room(p), 5);
    for (int i = 0; i < 5; i++) {
        int n = snprintf(addr, sizeof addr, "u%d@unanswered.org", i);
        CHECK_EQ_INT(mp_prober_submit(p, addr, (size_t)n, on_done, &s, NULL), MP_SUBMIT_OK);
    }
    CHECK_EQ_INT(mp_prober_room(p), 0);
    uint64_t id = 7;
    CHECK_EQ_INT(mp_prober_submit(p, "u5@unanswered.org", 17, on_done, &s, &id), MP_SUBMIT_QUEUE_FULL);
    CHECK_EQ_INT(id, 0);
    spin(base, 3); /* admission changes nothing: 2 in flight + 3 queued */
    CHECK_EQ_INT(mp_prober_room(p), 0);
    CHECK_EQ_INT(mp_prober_submit(p, "bad", 3, on_done, &last, NULL), MP_SUBMIT_QUEUE_FULL);
    /* One in flight finishes (cancelled here; a callback frees a slot the same way). */
    CHECK_EQ_INT(mp_prober_cancel_arg(p, &s), 5);
    CHECK_EQ_INT(mp_prober_room(p), 5);
    CHECK_EQ_INT(mp_prober_submit(p, "bad", 3, on_done, &last, NULL), MP_SUBMIT_OK);
    spin(base, 3);
    CHECK_EQ_INT(last.calls, 1);
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.refused_full, 2);
    CHECK_EQ_INT(st.submitted, 6);
    mp_prober_free(p);
    event_base_free(base);
}

static void on_resolver(const mp_resolver_trust *t, void *arg)
{
    int *calls = arg;
    calls[0]++;
    calls[1] = (int)t->state;
}

/* The prober's resolver-trust view: unproven until the first canary round
 * ends; the listener hears each change once, from the loop. A resolver that
 * never answers ends up "unanswered" through the c-ares timer. */
TEST(resolver_trust_is_reported_and_its_changes_heard_once)
{
    struct event_base *base = event_base_new();
    mp_prober *p = new_prober_timeout(base, 100);
    CHECK(p != NULL);
    if (!p)
        return;
    int heard[2] = {0, -1};
    mp_prober_set_resolver_listener(p, on_resolver, heard);
    mp_resolver_trust t;
    mp_prober_resolver_trust(p, &t);
    CHECK_EQ_INT(t.state, MP_RESOLVER_UNPROVEN);
    CHECK(t.checking);
    while (heard[0] == 0 && event_base_loop(base, EVLOOP_ONCE) == 0)
        ;
    CHECK_EQ_INT(heard[0], 1);
    CHECK_EQ_INT(heard[1], MP_RESOLVER_UNANSWERED);
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.resolver_state, MP_RESOLVER_UNANSWERED);
    mp_prober_free(p);
    event_base_free(base);
}

/* The callback may submit again at once: room grows before it runs. */
typedef struct chain {
    mp_prober *p;
    int calls;
    mp_submit_status resubmitted;
} chain;

static void on_done_resubmit(const mp_result *r, const mp_probe_details *d, void *arg)
{
    (void)r;
    (void)d;
    chain *c = arg;
    if (c->calls++ == 0)
        c->resubmitted = mp_prober_submit(c->p, "again", 5, on_done_resubmit, c, NULL);
}

TEST(a_callback_finds_room_for_the_next_address)
{
    struct event_base *base = event_base_new();
    mp_prober *p = bounded_prober(base, 1, 0);
    if (!p)
        return;
    chain c = {p, 0, MP_SUBMIT_STATUS_COUNT};
    CHECK_EQ_INT(mp_prober_submit(p, "first", 5, on_done_resubmit, &c, NULL), MP_SUBMIT_OK);
    CHECK_EQ_INT(mp_prober_submit(p, "second", 6, on_done_resubmit, &c, NULL), MP_SUBMIT_QUEUE_FULL);
    spin(base, 5);
    CHECK_EQ_INT(c.resubmitted, MP_SUBMIT_OK);
    CHECK_EQ_INT(c.calls, 2);
    mp_prober_free(p);
    event_base_free(base);
}

TEST(at_most_128_domains_are_resolved_at_once)
{
    /* The mute DNS never answers: 300 domains, 128 lookups out, the rest wait. */
    struct event_base *base = event_base_new();
    mp_prober *p = bounded_prober(base, 1000, 0);
    if (!p)
        return;
    seen s = {0};
    char addr[40];
    mp_prober_stats before;
    spin(base, 3); /* the resolver's canaries are asked at start: not ours */
    mp_prober_stats_get(p, &before);
    for (int i = 0; i < 300; i++) {
        int n = snprintf(addr, sizeof addr, "u@d%03d.unanswered.org", i);
        CHECK_EQ_INT(mp_prober_submit(p, addr, (size_t)n, on_done, &s, NULL), MP_SUBMIT_OK);
    }
    spin(base, 5);
    mp_prober_stats st;
    mp_prober_stats_get(p, &st);
    CHECK_EQ_INT(st.in_flight, 300);
    CHECK_EQ_INT(st.dns_queries - before.dns_queries, 128);
    CHECK_EQ_INT(st.domains, 300);
    mp_prober_free(p);
    event_base_free(base);
}

TEST(submit_status_names)
{
    CHECK_EQ_STR(mp_submit_status_name(MP_SUBMIT_OK), "ok");
    CHECK_EQ_STR(mp_submit_status_name(MP_SUBMIT_QUEUE_FULL), "queue_full");
    CHECK_EQ_STR(mp_submit_status_name(MP_SUBMIT_SHUTTING_DOWN), "shutting_down");
    CHECK_EQ_STR(mp_submit_status_name(MP_SUBMIT_NO_MEMORY), "no_memory");
    CHECK_EQ_STR(mp_submit_status_name(MP_SUBMIT_STATUS_COUNT), "?");
}

int main(void)
{
    open_mute_dns();
    RUN(invalid_address_is_answered_from_the_loop_not_inside_submit);
    RUN(cancelled_probes_never_call_back);
    RUN(probes_waiting_for_dns_can_be_cancelled_and_freed);
    RUN(concurrency_bounds_work_in_flight);
    RUN(submissions_beyond_concurrency_plus_max_queued_are_refused_until_room);
    RUN(a_callback_finds_room_for_the_next_address);
    RUN(at_most_128_domains_are_resolved_at_once);
    RUN(submit_status_names);
    RUN(resolver_trust_is_reported_and_its_changes_heard_once);
    if (mute_dns_fd >= 0)
        close(mute_dns_fd);
    return test_report();
}
