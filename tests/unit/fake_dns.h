/* fake_dns.h — a tiny DNS server on 127.0.0.1 for the engine's unit tests,
 * on the test's own libevent loop: it parses each UDP question (RFC 1035
 * §4.1), asks the test's answer function for the records and the rcode,
 * and sends the reply. Nothing leaves loopback. The fixture's real unbound
 * serves the integration tests; this serves the rules the fixture cannot
 * show (ties, bounds, timeouts, cancellation). */
#ifndef MP_TEST_FAKE_DNS_H
#define MP_TEST_FAKE_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <event2/event.h>

enum { FAKE_NOERROR = 0, FAKE_SERVFAIL = 2, FAKE_NXDOMAIN = 3 };

/* Appends the answer records for `name` (lower case, no trailing dot; "" is
 * the root) and `qtype` at out + *len (room up to 4096 octets), adding to
 * *len and *an; returns the rcode. */
typedef int (*fake_dns_answer_fn)(const char *name, int qtype, unsigned char *out, size_t *len, int *an,
                                  void *arg);

typedef struct fake_dns {
    int fd;
    struct event *ev;
    int port;
    int queries;        /* questions received */
    bool blackhole;     /* swallow every question (timeouts, cancellation) */
    fake_dns_answer_fn answer;
    void *arg;
} fake_dns;

/* Binds 127.0.0.1 on a free port and serves on `base`. False on failure. */
bool fake_dns_start(struct event_base *base, fake_dns *f, fake_dns_answer_fn answer, void *arg);
void fake_dns_stop(fake_dns *f);

/* Writes `name` in wire format at p; returns its length. */
size_t fake_dns_put_name(unsigned char *p, const char *name);

/* Writes one resource record owned by the question name (a compression
 * pointer) at p; returns its length. */
size_t fake_dns_put_rr(unsigned char *p, int type, unsigned ttl, const unsigned char *rdata, size_t rdlen);

#endif
