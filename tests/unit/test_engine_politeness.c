/* The engine's politeness (politeness.h): the local budget every MX address
 * gets on one host, the token bucket the scheduler spends it with, and the
 * scheduler asking a hook before every session: an in-test SMTP responder
 * on 127.0.0.1 (and fake_dns.h answering the MX) counts how many sessions
 * it has at once. Nothing leaves loopback. (Against real servers:
 * tests/integration/test_politeness.py and the cluster tests.)
 * ctest-labels: unit native
 * ctest-links: mpengine */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "fake_dns.h"
#include "politeness.h"
#include "prober.h"
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

/* ---- the scheduler asks the hook ------------------------------------------- */

enum { T_A = 1, T_MX = 15 };

/* polite.test MX 10 mx.polite.test, A 127.0.0.1; everything else NXDOMAIN. */
static int answer(const char *name, int qtype, unsigned char *out, size_t *lenp, int *anp, void *arg)
{
    (void)arg;
    unsigned char rdata[64];
    if (!strcmp(name, "polite.test")) {
        if (qtype == T_MX) {
            rdata[0] = 0;
            rdata[1] = 10;
            size_t n = 2 + fake_dns_put_name(rdata + 2, "mx.polite.test");
            *lenp += fake_dns_put_rr(out + *lenp, T_MX, 300, rdata, n);
            (*anp)++;
        }
        return FAKE_NOERROR;
    }
    if (!strcmp(name, "mx.polite.test")) {
        if (qtype == T_A) {
            unsigned char a4[4] = {127, 0, 0, 1};
            *lenp += fake_dns_put_rr(out + *lenp, T_A, 300, a4, 4);
            (*anp)++;
        }
        return FAKE_NOERROR;
    }
    return FAKE_NXDOMAIN;
}

/* A tiny SMTP server: greets after 30 ms (so sessions overlap when they
 * may), answers EHLO/MAIL/RSET 250, every RCPT 550 5.1.1 (8 of them end a
 * session: many sessions), QUIT 221 and hangs up. */
typedef struct responder {
    struct evconnlistener *listener;
    int port;
    int open, most_open, sessions;
} responder;

typedef struct conn {
    responder *r;
    struct bufferevent *bev;
    struct event *greet;
} conn;

static void conn_close(conn *c)
{
    c->r->open--;
    event_free(c->greet);
    bufferevent_free(c->bev);
    free(c);
}

static void on_conn_read(struct bufferevent *bev, void *arg)
{
    conn *c = arg;
    char *line;
    size_t n;
    while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF))) {
        const char *reply = "250 ok\r\n";
        if (!strncmp(line, "RCPT", 4))
            reply = "550 5.1.1 no such user\r\n";
        else if (!strncmp(line, "QUIT", 4))
            reply = NULL;
        free(line);
        if (!reply) {
            conn_close(c);
            return;
        }
        bufferevent_write(bev, reply, strlen(reply));
    }
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_close(arg);
}

static void on_greet(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn *c = arg;
    bufferevent_write(c->bev, "220 responder\r\n", 15);
    bufferevent_enable(c->bev, EV_READ);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
    (void)sa;
    (void)len;
    responder *r = arg;
    conn *c = calloc(1, sizeof *c);
    c->r = r;
    c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    c->greet = evtimer_new(evconnlistener_get_base(l), on_greet, c);
    bufferevent_setcb(c->bev, on_conn_read, NULL, on_conn_event, c);
    struct timeval tv = {0, 30000};
    evtimer_add(c->greet, &tv);
    r->sessions++;
    if (++r->open > r->most_open)
        r->most_open = r->open;
}

static bool responder_start(struct event_base *base, responder *r)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->listener = evconnlistener_new_bind(base, on_accept, r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                          (struct sockaddr *)&sa, sizeof sa);
    if (!r->listener)
        return false;
    socklen_t sl = sizeof sa;
    getsockname(evconnlistener_get_fd(r->listener), (struct sockaddr *)&sa, &sl);
    r->port = ntohs(sa.sin_port);
    return true;
}

/* A hook under test: a fixed budget, or none until `open_after` budget
 * calls; it counts what the scheduler told it. */
typedef struct hook_state {
    int sessions, open_after, budget_calls, opened, closed, now_open, most_open;
    char host[64];
} hook_state;

static void hook_budget(const char *host, int open, mp_host_budget *out, void *arg)
{
    hook_state *h = arg;
    snprintf(h->host, sizeof h->host, "%s", host);
    h->budget_calls++;
    CHECK_EQ_INT(open, h->now_open); /* the scheduler's count is ours */
    out->sessions = h->budget_calls > h->open_after ? h->sessions : 0;
    out->rate = 1000;
    out->recheck_ms = 20;
}

static void hook_opened(const char *host, void *arg)
{
    (void)host;
    hook_state *h = arg;
    h->opened++;
    if (++h->now_open > h->most_open)
        h->most_open = h->now_open;
}

static void hook_closed(const char *host, void *arg)
{
    (void)host;
    hook_state *h = arg;
    h->closed++;
    h->now_open--;
}

typedef struct run {
    int answered;
    int not_found;
} run;

static void on_result(const mp_result *r, const mp_probe_details *d, void *arg)
{
    (void)d;
    run *u = arg;
    u->answered++;
    if (r->reason == MP_REASON_MAILBOX_NOT_FOUND)
        u->not_found++;
}

/* Verifies `n` addresses at polite.test with `hook` (its arg a hook_state)
 * installed, or none (the local politeness with `per_host` sessions), until
 * every answer is in and every session has ended; the responder's counts
 * land in *r. */
static void probe_polite(int n, const mp_politeness *hook, int per_host, responder *r, run *u)
{
    const hook_state *h = hook ? hook->arg : NULL;
    struct event_base *base = event_base_new();
    fake_dns dns;
    CHECK(fake_dns_start(base, &dns, answer, NULL));
    CHECK(responder_start(base, r));
    mp_prober_config cfg;
    mp_prober_config_default(&cfg);
    snprintf(cfg.dns_server, sizeof cfg.dns_server, "127.0.0.1:%d", dns.port);
    snprintf(cfg.helo, sizeof cfg.helo, "test.invalid");
    mp_target_allow(&cfg.targets, "127.0.0.0/8");
    cfg.smtp_port = r->port;
    cfg.per_host_connections = per_host;
    cfg.per_host_rate = 1000;
    cfg.catch_all = false;
    cfg.max_rcpt_per_session = 4; /* the domain wants n/4 sessions at once */
    cfg.parse.flags |= MP_ALLOW_SPECIAL_USE; /* .test */
    char err[128] = "";
    mp_prober *p = mp_prober_new(base, &cfg, err, sizeof err);
    CHECK(p != NULL);
    if (p) {
        if (hook)
            mp_prober_set_politeness(p, hook);
        char addr[64];
        for (int i = 0; i < n; i++) {
            int len = snprintf(addr, sizeof addr, "nobody%02d@polite.test", i);
            CHECK_EQ_INT(mp_prober_submit(p, addr, (size_t)len, on_result, u, NULL), MP_SUBMIT_OK);
        }
        /* Until every answer is in and every session has ended (QUIT). */
        for (int spins = 0; (u->answered < n || r->open > 0 || (h && h->now_open > 0)) && spins < 5000; spins++)
            event_base_loop(base, EVLOOP_ONCE);
        mp_prober_free(p);
    }
    evconnlistener_free(r->listener);
    fake_dns_stop(&dns);
    event_base_free(base);
}

TEST(the_scheduler_never_opens_more_sessions_than_the_hook_allows)
{
    hook_state h = {.sessions = 1};
    mp_politeness hook = {hook_budget, hook_opened, hook_closed, &h};
    responder r = {0};
    run u = {0};
    probe_polite(40, &hook, 4, &r, &u); /* 4 allowed locally: the hook's 1 wins */
    CHECK_EQ_INT(u.not_found, 40);
    CHECK_EQ_INT(r.most_open, 1);
    CHECK(r.sessions >= 10); /* 4 recipients per session */
    CHECK_EQ_INT(h.opened, r.sessions);
    CHECK_EQ_INT(h.closed, h.opened);
    char want[32];
    snprintf(want, sizeof want, "127.0.0.1:%d", r.port);
    CHECK_EQ_STR(h.host, want);
}

TEST(no_session_starts_while_the_budget_is_zero_and_the_hook_is_asked_again)
{
    hook_state h = {.sessions = 2, .open_after = 5};
    mp_politeness hook = {hook_budget, hook_opened, hook_closed, &h};
    responder r = {0};
    run u = {0};
    probe_polite(16, &hook, 2, &r, &u);
    CHECK_EQ_INT(u.not_found, 16);
    CHECK(h.budget_calls > 5);  /* asked again after recheck_ms, not given up */
    CHECK(r.most_open <= 2);
    CHECK_EQ_INT(h.opened, r.sessions);
}

TEST(without_a_hook_every_host_gets_the_configured_limit)
{
    responder r = {0};
    run u = {0};
    probe_polite(48, NULL, 3, &r, &u);
    CHECK_EQ_INT(u.not_found, 48);
    CHECK(r.most_open <= 3);
    CHECK_EQ_INT(r.most_open, 3); /* 12 sessions wanted, greeted after 30 ms each: they overlap */
}

int main(void)
{
    RUN(local_politeness_gives_every_host_the_configured_limits);
    RUN(bucket_spends_its_burst_then_waits_for_the_rate);
    RUN(an_idle_bucket_holds_no_more_than_its_burst);
    RUN(a_smaller_burst_caps_tokens_saved_under_a_larger_one);
    RUN(a_zero_rate_never_refills);
    RUN(a_clock_that_did_not_move_changes_nothing);
    RUN(the_scheduler_never_opens_more_sessions_than_the_hook_allows);
    RUN(no_session_starts_while_the_budget_is_zero_and_the_hook_is_asked_again);
    RUN(without_a_hook_every_host_gets_the_configured_limit);
    return test_report();
}
