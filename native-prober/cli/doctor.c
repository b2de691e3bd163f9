/* doctor.c — `mailprobe doctor`: can this host verify addresses at all?
 *
 * Three checks, each printed with a diagnosis and the fix (docs/doctor.md):
 *   (a) outbound SMTP: TCP to port 25 of a real MX, and its greeting;
 *   (b) the HELO name resolves, and the sending IP's reverse DNS matches it
 *       (forward-confirmed rDNS), which receivers check before trusting us;
 *   (c) the sending IP is on none of the major DNS blocklists.
 * A one-shot diagnostic, so plain blocking calls with a poll() timeout on
 * each; DNS goes through c-ares to the configured resolver (--dns). */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "mailprobe/core.h"
#include "dns.h"
#include "target.h"

/* Exit codes; the first failing check (in the order above) decides. */
enum {
    DOCTOR_OK = 0,
    DOCTOR_USAGE = 2,
    DOCTOR_PORT_BLOCKED = 10,    /* no TCP connection to port 25 */
    DOCTOR_NO_GREETING = 11,     /* connected, but no 220 greeting */
    DOCTOR_HELO_UNRESOLVED = 12, /* the HELO name has no A/AAAA */
    DOCTOR_RDNS_MISMATCH = 13,   /* PTR of the sending IP is not the HELO name */
    DOCTOR_LISTED = 14,          /* the sending IP is on a blocklist */
};

enum { REPLY_MAX = 4096, NAMES_MAX = 8, ADDRS_MAX = 16, BLOCKLISTS_MAX = 8 };

static const char *const default_blocklists[] = {
    "zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net",
};

typedef struct doctor_opts {
    const char *mx;
    const char *helo;
    const char *dns;
    const char *public_ip;
    int port;
    int timeout_ms;
    mp_target_policy targets;
    size_t nblocklists;
    const char *blocklists[BLOCKLISTS_MAX];
} doctor_opts;

/* ---- output ------------------------------------------------------------- */

static void report(const char *tag, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const char *tag, const char *check, const char *fmt, ...)
{
    va_list ap;
    printf("[%-4s] %-11s ", tag, check);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void fix(const char *text)
{
    printf("       fix: %s\n", text);
}

/* ---- blocking DNS through c-ares ---------------------------------------- */

typedef struct dns_reply {
    bool done;
    int status;
    unsigned char *abuf;
    int alen;
} dns_reply;

static void on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    dns_reply *r = arg;
    r->done = true;
    r->status = status;
    if (status == ARES_SUCCESS && abuf && alen > 0 && (r->abuf = malloc((size_t)alen))) {
        memcpy(r->abuf, abuf, (size_t)alen);
        r->alen = alen;
    }
}

/* Sends one query and drives c-ares with poll() until it answers; the
 * channel's own timeout and tries bound the wait. */
static void query_sync(ares_channel ch, const char *name, int type, dns_reply *r)
{
    memset(r, 0, sizeof *r);
    ares_query(ch, name, C_IN, type, on_reply, r);
    while (!r->done) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        /* Bit i: socks[i] readable; bit i + 16: writable. Tested as unsigned
         * because ARES_GETSOCK_WRITABLE() shifts a signed 1 into bit 31. */
        unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
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
        struct timeval tv, *tvp = ares_timeout(ch, NULL, &tv);
        int ms = tvp ? (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000) + 1 : 1000;
        int ready = poll(pfd, (nfds_t)n, ms);
        if (ready <= 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (int i = 0; i < n; i++)
            if (pfd[i].revents)
                ares_process_fd(ch, (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd : ARES_SOCKET_BAD,
                                (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD);
    }
}

/* A and AAAA of `name` as sockaddrs (port 0). Returns the count; *status
 * gets ARES_SUCCESS when at least one address was found, else the worst
 * failure (ENOTFOUND/ENODATA mean "no such host"). */
static size_t resolve_addrs(ares_channel ch, const char *name, struct sockaddr_storage *out,
                            size_t max, int *status)
{
    size_t n = 0;
    *status = ARES_ENOTFOUND;
    for (int fam = 0; fam < 2; fam++) {
        dns_reply r;
        query_sync(ch, name, fam ? T_AAAA : T_A, &r);
        if (r.status == ARES_SUCCESS && !fam) {
            struct ares_addrttl a[ADDRS_MAX];
            int na = ADDRS_MAX;
            if (ares_parse_a_reply(r.abuf, r.alen, NULL, a, &na) == ARES_SUCCESS)
                for (int i = 0; i < na && n < max; i++, n++) {
                    struct sockaddr_in *in = (struct sockaddr_in *)(void *)&out[n];
                    memset(&out[n], 0, sizeof out[n]);
                    in->sin_family = AF_INET;
                    in->sin_addr = a[i].ipaddr;
                }
        } else if (r.status == ARES_SUCCESS) {
            struct ares_addr6ttl a[ADDRS_MAX];
            int na = ADDRS_MAX;
            if (ares_parse_aaaa_reply(r.abuf, r.alen, NULL, a, &na) == ARES_SUCCESS)
                for (int i = 0; i < na && n < max; i++, n++) {
                    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&out[n];
                    memset(&out[n], 0, sizeof out[n]);
                    in6->sin6_family = AF_INET6;
                    memcpy(&in6->sin6_addr, &a[i].ip6addr, 16);
                }
        } else if (r.status != ARES_ENOTFOUND && r.status != ARES_ENODATA) {
            *status = r.status;
        }
        free(r.abuf);
    }
    if (n)
        *status = ARES_SUCCESS;
    return n;
}

static const void *raw_addr(const struct sockaddr_storage *ss, int *len)
{
    if (ss->ss_family == AF_INET) {
        *len = 4;
        return &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
    }
    *len = 16;
    return &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    int len;
    if (!inet_ntop(ss->ss_family, raw_addr(ss, &len), out, (socklen_t)outlen))
        snprintf(out, outlen, "?");
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    int la, lb;
    const void *ra = raw_addr(a, &la), *rb = raw_addr(b, &lb);
    return a->ss_family == b->ss_family && la == lb && !memcmp(ra, rb, (size_t)la);
}

/* The reverse-lookup name: "4.3.2.1.<suffix>" or the IPv6 nibble form
 * (RFC 1035 §3.5, RFC 3596 §2.5). */
static void reverse_name(const struct sockaddr_storage *ss, const char *suffix, char *out, size_t outlen)
{
    int len;
    const unsigned char *a = raw_addr(ss, &len);
    size_t pos = 0;
    out[0] = '\0';
    if (len == 4) {
        pos = (size_t)snprintf(out, outlen, "%u.%u.%u.%u.", a[3], a[2], a[1], a[0]);
    } else {
        static const char hex[] = "0123456789abcdef";
        for (int i = 15; i >= 0 && pos + 4 < outlen; i--) {
            out[pos++] = hex[a[i] & 0xf];
            out[pos++] = '.';
            out[pos++] = hex[a[i] >> 4];
            out[pos++] = '.';
        }
        out[pos] = '\0';
    }
    if (pos < outlen)
        snprintf(out + pos, outlen - pos, "%s", suffix);
}

static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.') la--;
    if (lb && b[lb - 1] == '.') lb--;
    return la == lb && !strncasecmp(a, b, la);
}

/* ---- SMTP: connect and read the greeting --------------------------------- */

static int elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* Non-blocking connect bounded by timeout_ms. Returns the socket or -1 with
 * errno set (ETIMEDOUT for a silent drop, typical of a blocked port 25). */
static int connect_timeout(const struct sockaddr_storage *ss, int port, int timeout_ms)
{
    struct sockaddr_storage to = *ss;
    socklen_t tolen;
    if (to.ss_family == AF_INET) {
        ((struct sockaddr_in *)(void *)&to)->sin_port = htons((uint16_t)port);
        tolen = sizeof(struct sockaddr_in);
    } else {
        ((struct sockaddr_in6 *)(void *)&to)->sin6_port = htons((uint16_t)port);
        tolen = sizeof(struct sockaddr_in6);
    }
    int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&to, tolen) == 0)
        return fd;
    if (errno != EINPROGRESS)
        goto fail;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int ready = poll(&p, 1, timeout_ms);
    if (ready == 0) {
        errno = ETIMEDOUT;
        goto fail;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        goto fail;
    if (soerr) {
        errno = soerr;
        goto fail;
    }
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* Reads one SMTP reply (RFC 5321 §4.2: "ddd-" continues, "ddd " ends) into
 * buf, at most REPLY_MAX octets, within timeout_ms. Returns the code, 0 on
 * timeout or close, -1 on garbage. */
static int read_reply(int fd, char *buf, size_t cap, int timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t len = 0, line_start = 0;
    buf[0] = '\0';
    for (;;) {
        int left = timeout_ms - elapsed_ms(&start);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return 0;
        if (len + 1 >= cap)
            return -1;
        ssize_t got = recv(fd, buf + len, cap - 1 - len, 0);
        if (got <= 0)
            return 0;
        len += (size_t)got;
        buf[len] = '\0';
        /* Walk complete lines. */
        char *nl;
        while ((nl = memchr(buf + line_start, '\n', len - line_start))) {
            const char *line = buf + line_start;
            size_t llen = (size_t)(nl - line);
            if (llen < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
                line[2] < '0' || line[2] > '9')
                return -1;
            if (llen == 3 || line[3] == ' ' || line[3] == '\r') {
                *nl = '\0';
                if (nl > buf && nl[-1] == '\r')
                    nl[-1] = '\0';
                return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            }
            if (line[3] != '-')
                return -1;
            line_start = (size_t)(nl - buf) + 1;
        }
    }
}

/* The last line of a reply, for one-line reports. */
static const char *last_line(const char *reply)
{
    const char *p = strrchr(reply, '\n');
    return p ? p + 1 : reply;
}

static bool send_all(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* ---- the checks ----------------------------------------------------------- */

/* The sending address towards `to` without sending anything: a connected
 * UDP socket's local address is the one the kernel would route from. */
static bool source_addr_towards(const struct sockaddr_storage *to, struct sockaddr_storage *out)
{
    struct sockaddr_storage dst = *to;
    socklen_t len = to->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (to->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)&dst)->sin_port = htons(25);
    else
        ((struct sockaddr_in6 *)(void *)&dst)->sin6_port = htons(25);
    int fd = socket(to->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    socklen_t ol = sizeof *out;
    bool ok = connect(fd, (struct sockaddr *)&dst, len) == 0 &&
              getsockname(fd, (struct sockaddr *)out, &ol) == 0;
    close(fd);
    return ok;
}

/* Picks the MX host to test: --mx (an address or a name), else the best
 * MX of gmail.com. Fills `addrs`; returns the count, 0 after reporting why. */
static size_t pick_mx(ares_channel ch, const doctor_opts *o, char *name, size_t namelen,
                      struct sockaddr_storage *addrs, size_t max)
{
    struct sockaddr_storage one;
    memset(&one, 0, sizeof one);
    if (o->mx && inet_pton(AF_INET, o->mx, &((struct sockaddr_in *)(void *)&one)->sin_addr) == 1) {
        one.ss_family = AF_INET;
    } else if (o->mx && inet_pton(AF_INET6, o->mx, &((struct sockaddr_in6 *)(void *)&one)->sin6_addr) == 1) {
        one.ss_family = AF_INET6;
    }
    if (one.ss_family) {
        snprintf(name, namelen, "%s", o->mx);
        addrs[0] = one;
        return 1;
    }
    if (o->mx) {
        snprintf(name, namelen, "%s", o->mx);
    } else {
        dns_reply r;
        query_sync(ch, "gmail.com", T_MX, &r);
        struct ares_mx_reply *mx = NULL;
        if (r.status != ARES_SUCCESS || ares_parse_mx_reply(r.abuf, r.alen, &mx) != ARES_SUCCESS || !mx) {
            report("FAIL", "port 25", "cannot look up the MX of gmail.com: %s",
                   r.status == ARES_SUCCESS ? "no MX in the answer" : ares_strerror(r.status));
            fix("check the resolver (--dns HOST[:PORT]) or name a server with --mx HOST");
            free(r.abuf);
            return 0;
        }
        const struct ares_mx_reply *best = mx;
        for (const struct ares_mx_reply *m = mx; m; m = m->next)
            if (m->priority < best->priority)
                best = m;
        snprintf(name, namelen, "%s", best->host);
        ares_free_data(mx);
        free(r.abuf);
    }
    int status;
    size_t n = resolve_addrs(ch, name, addrs, max, &status);
    if (!n)
        report("FAIL", "port 25", "cannot resolve the MX host %s: %s", name, ares_strerror(status));
    return n;
}

typedef struct smtp_check {
    int exit_code;                       /* DOCTOR_OK, _PORT_BLOCKED or _NO_GREETING */
    bool have_source;
    struct sockaddr_storage source;      /* our address on that connection */
} smtp_check;

static void check_smtp(ares_channel ch, const doctor_opts *o, const char *helo, smtp_check *out)
{
    char name[MP_HOST_MAX + 1], text[INET6_ADDRSTRLEN], reply[REPLY_MAX];
    struct sockaddr_storage addrs[ADDRS_MAX];
    memset(out, 0, sizeof *out);
    out->exit_code = DOCTOR_PORT_BLOCKED;
    size_t n = pick_mx(ch, o, name, sizeof name, addrs, ADDRS_MAX);
    if (!n)
        return;

    int fd = -1, last_errno = 0;
    size_t refused = 0;
    struct sockaddr_storage *used = NULL;
    for (size_t i = 0; i < n && fd < 0; i++) {
        const char *why = NULL;
        if (!mp_target_permitted(&o->targets, (struct sockaddr *)&addrs[i], &why)) {
            addr_text(&addrs[i], text, sizeof text);
            report("skip", "port 25", "%s (%s) is a %s address; the prober refuses it", name, text, why);
            refused++;
            continue;
        }
        fd = connect_timeout(&addrs[i], o->port, o->timeout_ms);
        if (fd < 0)
            last_errno = errno;
        else
            used = &addrs[i];
    }
    if (fd < 0) {
        if (refused == n) {
            fix("pass --allow-net CIDR to permit that range (tests, intranets)");
            return;
        }
        if (!out->have_source && n)
            out->have_source = source_addr_towards(&addrs[0], &out->source);
        report("FAIL", "port 25", "cannot connect to %s port %d: %s", name, o->port, strerror(last_errno));
        fix(last_errno == ETIMEDOUT
            ? "outbound port 25 is probably filtered (most clouds and ISPs block it): "
              "ask the provider to lift the block or run the prober where port 25 is open"
            : "the server refused or is unreachable: try another --mx, check routing and firewalls");
        return;
    }
    socklen_t sl = sizeof out->source;
    out->have_source = getsockname(fd, (struct sockaddr *)&out->source, &sl) == 0;
    addr_text(used, text, sizeof text);
    char src[INET6_ADDRSTRLEN] = "?";
    if (out->have_source)
        addr_text(&out->source, src, sizeof src);

    int code = read_reply(fd, reply, sizeof reply, o->timeout_ms);
    if (code == 220) {
        report("ok", "port 25", "connected to %s (%s) port %d from %s; greeting: %s",
               name, text, o->port, src, last_line(reply));
        out->exit_code = DOCTOR_OK;
        /* Introduce ourselves as a verifier would; informational only. */
        char ehlo[MP_HOST_MAX + 16];
        snprintf(ehlo, sizeof ehlo, "EHLO %s\r\n", helo);
        if (send_all(fd, ehlo)) {
            int ecode = read_reply(fd, reply, sizeof reply, o->timeout_ms);
            if (ecode == 250)
                report("ok", "EHLO", "the server accepted EHLO %s", helo);
            else if (ecode > 0)
                report("warn", "EHLO", "the server answered EHLO %s with: %s", helo, last_line(reply));
            else
                report("warn", "EHLO", "no answer to EHLO %s (%s)", helo,
                       ecode == 0 ? "closed or timed out" : "not SMTP");
            send_all(fd, "QUIT\r\n");
        }
    } else {
        out->exit_code = DOCTOR_NO_GREETING;
        if (code == 0)
            report("FAIL", "greeting", "connected to %s (%s) port %d from %s, but no greeting within %d ms",
                   name, text, o->port, src, o->timeout_ms);
        else if (code < 0)
            report("FAIL", "greeting", "%s (%s) port %d did not speak SMTP", name, text, o->port);
        else
            report("FAIL", "greeting", "%s (%s) refused us: %s", name, text, last_line(reply));
        fix("a server that will not greet us cannot be asked about mailboxes: if it names a "
            "blocklist or policy, fix the sending IP's reputation (see below); else try another --mx");
    }
    close(fd);
}

/* (b) HELO name resolves; PTR of the sending IP is that name and the name
 * resolves back to the IP (forward-confirmed reverse DNS). */
static int check_helo(ares_channel ch, const char *helo, const struct sockaddr_storage *ip)
{
    struct sockaddr_storage addrs[ADDRS_MAX];
    char text[INET6_ADDRSTRLEN], rev[80];
    int status;
    size_t n = resolve_addrs(ch, helo, addrs, ADDRS_MAX, &status);
    if (!n) {
        report("FAIL", "HELO name", "%s does not resolve (%s)", helo,
               status == ARES_ENOTFOUND ? "no A/AAAA record" : ares_strerror(status));
        fix("use a fully qualified name with an A/AAAA record pointing at the sending IP (--helo NAME), "
            "or publish that record");
        return DOCTOR_HELO_UNRESOLVED;
    }
    report("ok", "HELO name", "%s resolves (%zu address%s)", helo, n, n == 1 ? "" : "es");
    if (!ip) {
        report("warn", "rDNS", "the sending IP is unknown; reverse DNS not checked");
        return DOCTOR_OK;
    }
    addr_text(ip, text, sizeof text);
    reverse_name(ip, ip->ss_family == AF_INET ? "in-addr.arpa" : "ip6.arpa", rev, sizeof rev);
    dns_reply r;
    query_sync(ch, rev, T_PTR, &r);
    struct hostent *he = NULL;
    int len;
    const void *raw = raw_addr(ip, &len);
    if (r.status != ARES_SUCCESS ||
        ares_parse_ptr_reply(r.abuf, r.alen, raw, len, ip->ss_family, &he) != ARES_SUCCESS || !he) {
        free(r.abuf);
        report("FAIL", "rDNS", "the sending IP %s has no reverse DNS (PTR)", text);
        fix("ask whoever owns the IP (hosting provider) to set its PTR record to the HELO name");
        return DOCTOR_RDNS_MISMATCH;
    }
    free(r.abuf);
    bool name_matches = same_name(he->h_name, helo);
    for (char **al = he->h_aliases; al && *al && !name_matches; al++)
        name_matches = same_name(*al, helo);
    bool addr_matches = false;
    for (size_t i = 0; i < n && !addr_matches; i++)
        addr_matches = same_addr(&addrs[i], ip);
    char ptr[MP_HOST_MAX + 1];
    snprintf(ptr, sizeof ptr, "%s", he->h_name);
    ares_free_hostent(he);
    if (name_matches && addr_matches) {
        report("ok", "rDNS", "%s has PTR %s, which resolves back to it (forward-confirmed)", text, ptr);
        return DOCTOR_OK;
    }
    if (!name_matches)
        report("FAIL", "rDNS", "the sending IP %s has PTR %s, not the HELO name %s", text, ptr, helo);
    else
        report("FAIL", "rDNS", "PTR of %s is %s, but %s does not resolve to %s", text, ptr, helo, text);
    fix("make PTR(sending IP) = HELO name and A/AAAA(HELO name) = sending IP; or pass the PTR name as --helo");
    return DOCTOR_RDNS_MISMATCH;
}

/* (c) DNSBL lookups (RFC 5782): an A answer in 127.0.0.0/8 means listed.
 * Spamhaus answers 127.255.255.x when it refuses the query itself (for
 * example through a public resolver): that is "cannot tell", not a listing. */
static int check_blocklists(ares_channel ch, const doctor_opts *o, const struct sockaddr_storage *ip)
{
    char text[INET6_ADDRSTRLEN];
    if (!ip) {
        report("warn", "blocklists", "the sending IP is unknown; not checked");
        return DOCTOR_OK;
    }
    addr_text(ip, text, sizeof text);
    const char *why = NULL;
    if (!mp_target_permitted(NULL, (const struct sockaddr *)ip, &why)) {
        report("n/a", "blocklists", "%s is a %s address: blocklists list public IPs only "
               "(behind NAT, pass the public address with --public-ip)", text, why);
        return DOCTOR_OK;
    }
    int result = DOCTOR_OK;
    for (size_t i = 0; i < o->nblocklists; i++) {
        char q[200];
        reverse_name(ip, o->blocklists[i], q, sizeof q);
        dns_reply r;
        query_sync(ch, q, T_A, &r);
        struct ares_addrttl a[ADDRS_MAX];
        int na = ADDRS_MAX;
        if (r.status == ARES_ENOTFOUND || r.status == ARES_ENODATA) {
            report("ok", "blocklists", "%s is not listed on %s", text, o->blocklists[i]);
        } else if (r.status != ARES_SUCCESS || ares_parse_a_reply(r.abuf, r.alen, NULL, a, &na) != ARES_SUCCESS || na < 1) {
            report("warn", "blocklists", "could not query %s: %s", o->blocklists[i],
                   r.status == ARES_SUCCESS ? "bad answer" : ares_strerror(r.status));
        } else {
            unsigned char b[4];
            memcpy(b, &a[0].ipaddr, 4);
            if (b[0] != 127) {
                report("warn", "blocklists", "%s answered %u.%u.%u.%u, not a listing code",
                       o->blocklists[i], b[0], b[1], b[2], b[3]);
            } else if (b[1] == 255 && b[2] == 255) {
                report("warn", "blocklists", "%s refused to answer (127.255.255.%u): use your own "
                       "recursive resolver, not a public one", o->blocklists[i], b[3]);
            } else {
                report("FAIL", "blocklists", "%s is LISTED on %s (%u.%u.%u.%u)", text,
                       o->blocklists[i], b[0], b[1], b[2], b[3]);
                fix("servers using this list will refuse every probe: request delisting from "
                    "the list's web site, or probe from another IP");
                result = DOCTOR_LISTED;
            }
        }
        free(r.abuf);
    }
    return result;
}

/* This host's FQDN: gethostname(), canonicalised by getaddrinfo(). */
static void default_helo(char *out, size_t outlen)
{
    char host[MP_HOST_MAX + 1] = "localhost";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(out, outlen, "%s", host);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_CANONNAME;
    hints.ai_family = AF_UNSPEC;
    if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname)
        snprintf(out, outlen, "%s", res->ai_canonname);
    if (res)
        freeaddrinfo(res);
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mailprobe doctor [--mx HOST] [--helo NAME] [--dns HOST[:PORT]] [--smtp-port N]\n"
            "                        [--allow-net CIDR]... [--timeout MS] [--public-ip IP]\n"
            "                        [--blocklist ZONE]...\n"
            "\n"
            "Checks that this host can verify addresses: (a) outbound SMTP to an MX\n"
            "(default: gmail.com's), (b) the HELO name resolves and matches the sending\n"
            "IP's reverse DNS, (c) the sending IP is on no major blocklist.\n"
            "\n"
            "  --mx HOST          the server to connect to (name or IP)\n"
            "  --helo NAME        the name the prober greets with (default: this host's FQDN)\n"
            "  --dns HOST[:PORT]  resolver to use (default: the system's)\n"
            "  --smtp-port N      default 25\n"
            "  --allow-net CIDR   permit a refused range such as 127.0.0.0/8 (repeatable)\n"
            "  --timeout MS       connect/greeting/DNS timeout (default 10000)\n"
            "  --public-ip IP     the address receivers see, when behind NAT (rDNS, blocklists)\n"
            "  --blocklist ZONE   DNSBL zone to query (repeatable; default zen.spamhaus.org,\n"
            "                     b.barracudacentral.org, bl.spamcop.net)\n"
            "\n"
            "Exit status (the first failing check decides): 0 all good, 10 port 25 blocked\n"
            "or unreachable, 11 no greeting or refused by the server, 12 HELO name does not\n"
            "resolve, 13 reverse DNS does not match the HELO name, 14 listed on a blocklist,\n"
            "2 usage. See docs/doctor.md.\n");
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    if (!s || !*s)
        return false;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int parse_args(int argc, char **argv, doctor_opts *o)
{
    memset(o, 0, sizeof *o);
    o->port = 25;
    o->timeout_ms = 10000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "mailprobe doctor: unknown option or missing value: %s\n", a);
            return DOCTOR_USAGE;
        }
        i++;
        if (!strcmp(a, "--mx")) {
            o->mx = v;
        } else if (!strcmp(a, "--helo")) {
            o->helo = v;
        } else if (!strcmp(a, "--dns")) {
            o->dns = v;
        } else if (!strcmp(a, "--public-ip")) {
            o->public_ip = v;
        } else if (!strcmp(a, "--smtp-port")) {
            if (!parse_int(v, 1, 65535, &o->port)) {
                fprintf(stderr, "mailprobe doctor: --smtp-port wants 1..65535\n");
                return DOCTOR_USAGE;
            }
        } else if (!strcmp(a, "--timeout")) {
            if (!parse_int(v, 1, 600000, &o->timeout_ms)) {
                fprintf(stderr, "mailprobe doctor: --timeout wants milliseconds (1..600000)\n");
                return DOCTOR_USAGE;
            }
        } else if (!strcmp(a, "--allow-net")) {
            if (!mp_target_allow(&o->targets, v)) {
                fprintf(stderr, "mailprobe doctor: bad or too many --allow-net '%s'\n", v);
                return DOCTOR_USAGE;
            }
        } else if (!strcmp(a, "--blocklist")) {
            if (o->nblocklists == BLOCKLISTS_MAX) {
                fprintf(stderr, "mailprobe doctor: at most %d --blocklist\n", BLOCKLISTS_MAX);
                return DOCTOR_USAGE;
            }
            o->blocklists[o->nblocklists++] = v;
        } else {
            fprintf(stderr, "mailprobe doctor: unknown option: %s\n", a);
            return DOCTOR_USAGE;
        }
    }
    if (o->nblocklists == 0)
        for (size_t i = 0; i < sizeof default_blocklists / sizeof default_blocklists[0]; i++)
            o->blocklists[o->nblocklists++] = default_blocklists[i];
    return -1;
}

/* The resolver: c-ares with --dns as its only server, or the system's. */
static bool open_channel(const doctor_opts *o, ares_channel *ch)
{
    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    opts.timeout = o->timeout_ms < 5000 ? o->timeout_ms : 5000;
    opts.tries = 2;
    opts.flags = ARES_FLAG_NOSEARCH;
    if (ares_init_options(ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS) != ARES_SUCCESS) {
        fprintf(stderr, "mailprobe doctor: cannot initialise c-ares\n");
        return false;
    }
    if (!o->dns)
        return true;
    char csv[INET6_ADDRSTRLEN + 16];
    if (!mp_dns_server_csv(o->dns, csv, sizeof csv) || ares_set_servers_ports_csv(*ch, csv) != ARES_SUCCESS) {
        fprintf(stderr, "mailprobe doctor: bad --dns '%s' (want IP[:PORT] or [IPv6]:PORT)\n", o->dns);
        ares_destroy(*ch);
        return false;
    }
    return true;
}

int mp_cmd_doctor(int argc, char **argv)
{
    doctor_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;

    struct sockaddr_storage public_ip;
    memset(&public_ip, 0, sizeof public_ip);
    if (o.public_ip) {
        if (inet_pton(AF_INET, o.public_ip, &((struct sockaddr_in *)(void *)&public_ip)->sin_addr) == 1)
            public_ip.ss_family = AF_INET;
        else if (inet_pton(AF_INET6, o.public_ip, &((struct sockaddr_in6 *)(void *)&public_ip)->sin6_addr) == 1)
            public_ip.ss_family = AF_INET6;
        else {
            fprintf(stderr, "mailprobe doctor: --public-ip wants an IP address\n");
            return DOCTOR_USAGE;
        }
    }
    char helo[MP_HOST_MAX + 1];
    if (o.helo)
        snprintf(helo, sizeof helo, "%s", o.helo);
    else
        default_helo(helo, sizeof helo);

    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
        return DOCTOR_USAGE;
    ares_channel ch;
    if (!open_channel(&o, &ch)) {
        ares_library_cleanup();
        return DOCTOR_USAGE;
    }

    printf("mailprobe doctor: HELO name %s, SMTP port %d\n", helo, o.port);
    smtp_check smtp;
    check_smtp(ch, &o, helo, &smtp);
    const struct sockaddr_storage *ip = o.public_ip ? &public_ip : smtp.have_source ? &smtp.source : NULL;
    int helo_rc = check_helo(ch, helo, ip);
    int bl_rc = check_blocklists(ch, &o, ip);

    rc = smtp.exit_code != DOCTOR_OK ? smtp.exit_code : helo_rc != DOCTOR_OK ? helo_rc : bl_rc;
    printf("%s (exit %d)\n", rc == DOCTOR_OK ? "all checks passed" : "some checks failed", rc);
    ares_destroy(ch);
    ares_library_cleanup();
    return rc;
}
