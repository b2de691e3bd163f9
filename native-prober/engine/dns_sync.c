/* dns_sync.c — c-ares and getaddrinfo, waited for (dns_sync.h). */
#include "dns_sync.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "mailprobe/core.h"

enum { ADDRS_PER_QUERY_MAX = 16, TRY_TIMEOUT_MAX_MS = 5000 };

struct mp_dns_sync {
    ares_channel channel;
};

mp_dns_sync *mp_dns_sync_new(const char *server, int timeout_ms, char *err, size_t errlen)
{
    mp_dns_sync *d = calloc(1, sizeof *d);
    if (!d || ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        snprintf(err, errlen, "cannot initialise c-ares");
        free(d);
        return NULL;
    }
    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    opts.timeout = timeout_ms < TRY_TIMEOUT_MAX_MS ? timeout_ms : TRY_TIMEOUT_MAX_MS;
    opts.tries = 2;
    opts.flags = ARES_FLAG_NOSEARCH;
    if (ares_init_options(&d->channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS) !=
        ARES_SUCCESS) {
        snprintf(err, errlen, "cannot initialise c-ares");
        ares_library_cleanup();
        free(d);
        return NULL;
    }
    char csv[INET6_ADDRSTRLEN + 16];
    if (server && (!mp_dns_server_csv(server, csv, sizeof csv) ||
                   ares_set_servers_ports_csv(d->channel, csv) != ARES_SUCCESS)) {
        snprintf(err, errlen, "bad DNS server '%s' (want IP[:PORT] or [IPv6]:PORT)", server);
        mp_dns_sync_free(d);
        return NULL;
    }
    return d;
}

void mp_dns_sync_free(mp_dns_sync *d)
{
    if (!d)
        return;
    ares_destroy(d->channel);
    ares_library_cleanup();
    free(d);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    mp_dns_sync_answer *a = arg;
    a->status = status;
    if (status == ARES_SUCCESS && abuf && alen > 0 && (a->abuf = malloc((size_t)alen))) {
        memcpy(a->abuf, abuf, (size_t)alen);
        a->alen = alen;
    }
}

/* Sends one query and drives c-ares with poll() until it answers; the
 * channel's own timeout and tries bound the wait. */
void mp_dns_sync_query(mp_dns_sync *d, const char *name, int type, mp_dns_sync_answer *out)
{
    memset(out, 0, sizeof *out);
    out->status = -1; /* not answered yet: c-ares statuses are >= 0 */
    ares_query(d->channel, name, C_IN, type, on_answer, out);
    while (out->status < 0) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        /* Bit i: socks[i] readable; bit i + 16: writable. Tested as unsigned
         * because ARES_GETSOCK_WRITABLE() shifts a signed 1 into bit 31. */
        unsigned bits = (unsigned)ares_getsock(d->channel, socks, ARES_GETSOCK_MAXNUM);
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        int n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev = (short)((((bits >> i) & 1u) ? POLLIN : 0) |
                               (((bits >> (i + ARES_GETSOCK_MAXNUM)) & 1u) ? POLLOUT : 0));
            if (!ev)
                continue;
            pfd[n].fd = socks[i];
            pfd[n].events = ev;
            pfd[n].revents = 0;
            n++;
        }
        struct timeval tv, *tvp = ares_timeout(d->channel, NULL, &tv);
        int ms = tvp ? (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000) + 1 : 1000;
        int ready = poll(pfd, (nfds_t)n, ms);
        if (ready <= 0) {
            /* Lets c-ares expire timed-out tries. */
            ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (int i = 0; i < n; i++)
            if (pfd[i].revents)
                ares_process_fd(d->channel,
                                (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd : ARES_SOCKET_BAD,
                                (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD);
    }
}

void mp_dns_sync_answer_free(mp_dns_sync_answer *a)
{
    free(a->abuf);
    a->abuf = NULL;
    a->alen = 0;
}

/* An IPv4 (4 octets at raw) or IPv6 (16) address as a sockaddr, port 0. */
static void put_address(struct sockaddr_storage *out, int family, const void *raw)
{
    memset(out, 0, sizeof *out);
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)out;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, raw, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, raw, 16);
    }
}

size_t mp_dns_sync_addresses(mp_dns_sync *d, const char *name, struct sockaddr_storage *out, size_t max,
                             int *status)
{
    size_t n = 0;
    *status = ARES_ENOTFOUND;
    for (int v6 = 0; v6 < 2; v6++) {
        mp_dns_sync_answer a;
        mp_dns_sync_query(d, name, v6 ? T_AAAA : T_A, &a);
        if (a.status == ARES_SUCCESS && !v6) {
            struct ares_addrttl r[ADDRS_PER_QUERY_MAX];
            int nr = ADDRS_PER_QUERY_MAX;
            if (ares_parse_a_reply(a.abuf, a.alen, NULL, r, &nr) == ARES_SUCCESS)
                for (int i = 0; i < nr && n < max; i++)
                    put_address(&out[n++], AF_INET, &r[i].ipaddr);
        } else if (a.status == ARES_SUCCESS) {
            struct ares_addr6ttl r[ADDRS_PER_QUERY_MAX];
            int nr = ADDRS_PER_QUERY_MAX;
            if (ares_parse_aaaa_reply(a.abuf, a.alen, NULL, r, &nr) == ARES_SUCCESS)
                for (int i = 0; i < nr && n < max; i++)
                    put_address(&out[n++], AF_INET6, &r[i].ip6addr);
        } else if (a.status != ARES_ENOTFOUND && a.status != ARES_ENODATA) {
            *status = a.status;
        }
        mp_dns_sync_answer_free(&a);
    }
    if (n)
        *status = ARES_SUCCESS;
    return n;
}

void mp_host_fqdn(char *out, size_t cap)
{
    char name[MP_HOST_MAX + 1] = "";
    if (gethostname(name, sizeof name - 1) != 0 || !name[0])
        snprintf(name, sizeof name, "localhost.localdomain");
    snprintf(out, cap, "%s", name);
    if (strchr(name, '.'))
        return;
    struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC}, *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) == 0 && res) {
        if (res->ai_canonname && strchr(res->ai_canonname, '.'))
            snprintf(out, cap, "%s", res->ai_canonname);
        freeaddrinfo(res);
    }
}
