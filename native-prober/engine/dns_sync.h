/* dns_sync.h — blocking DNS, for one-shot commands and start-up only.
 *
 * The prober itself never blocks (dns.h resolves on the event loop). Two
 * places may wait: `mailprobe doctor`, a diagnostic that asks a handful of
 * questions in a row (MX, A/AAAA, PTR, blocklist lookups), and the prober's
 * start-up, which looks up this host's own name once for its default EHLO
 * name. Both go through here: c-ares driven by poll() with the channel's
 * own timeout and tries bounding every wait, and getaddrinfo() for the
 * host name. */
#ifndef MP_DNS_SYNC_H
#define MP_DNS_SYNC_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct mp_dns_sync mp_dns_sync;

/* A resolver asking `server` ("IP[:PORT]", "[IPv6]:PORT"; NULL = the
 * system's resolvers) with a per-try timeout of min(timeout_ms, 5000) ms and
 * two tries. NULL + message in err when c-ares cannot start or `server` is
 * malformed. */
mp_dns_sync *mp_dns_sync_new(const char *server, int timeout_ms, char *err, size_t errlen);

/* NULL is fine. */
void mp_dns_sync_free(mp_dns_sync *d);

/* One answer: `status` is c-ares' (ARES_SUCCESS, ARES_ENOTFOUND,
 * ARES_ENODATA, ARES_ETIMEOUT...; ares_strerror() names it); on success
 * `abuf`/`alen` hold the raw answer for the ares_parse_*_reply functions. */
typedef struct mp_dns_sync_answer {
    int status;
    unsigned char *abuf;
    int alen;
} mp_dns_sync_answer;

/* Asks one question (class IN, `type` such as T_MX, T_A, T_PTR) and waits
 * for the answer. Free it with mp_dns_sync_answer_free(). */
void mp_dns_sync_query(mp_dns_sync *d, const char *name, int type, mp_dns_sync_answer *out);
void mp_dns_sync_answer_free(mp_dns_sync_answer *a);

/* The A and AAAA addresses of `name` (port 0), at most `max`, A first.
 * Returns the count; *status is ARES_SUCCESS when there is at least one,
 * else the worst failure (ARES_ENOTFOUND when the name has none). */
size_t mp_dns_sync_addresses(mp_dns_sync *d, const char *name, struct sockaddr_storage *out, size_t max,
                             int *status);

/* This host's fully qualified name, the default EHLO name (RFC 5321
 * §4.1.1.1: our own, never a borrowed one): gethostname(), and when that
 * has no dot, its canonical name from getaddrinfo(). "localhost.localdomain"
 * when the host has no name. */
void mp_host_fqdn(char *out, size_t cap);

#endif
