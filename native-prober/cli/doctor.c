/* doctor.c — `mailprobe doctor`: can this host verify addresses at all?
 *
 * Four checks, each printed with a diagnosis and the fix (docs/doctor.md):
 *   (0) the resolver answers the prober's canary questions honestly
 *       (engine/dns_trust.h), so its "no such domain" can be believed;
 *   (a) outbound SMTP: TCP to port 25 of a real MX, and its greeting;
 *   (b) the HELO name resolves, and the sending IP's reverse DNS matches it
 *       (forward-confirmed rDNS), which receivers check before trusting us;
 *   (c) the sending IP is on none of the major DNS blocklists.
 * A one-shot diagnostic, so plain blocking calls with a poll() timeout on
 * each; DNS goes through the engine's blocking resolver (dns_sync.h) to the
 * configured server (--dns), and every SMTP reply through
 * parse_smtp_reply() (smtp_reply.h), like the prober's. */
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
#include <unistd.h>
#include "clock.h"
#include "commands.h"
#include "dns_sync.h"
#include "dns_trust.h"
#include "mailprobe/core.h"
#include "prober_options.h"
#include "smtp_reply.h"
#include "target.h"

/* The outcome of each check, and the exit status: the first failing check
 * (in the order above) decides (docs/doctor.md). */
typedef enum doctor_result {
    DOCTOR_OK = 0,
    DOCTOR_USAGE = 2,
    DOCTOR_PORT_BLOCKED = 10,    /* no TCP connection to port 25 */
    DOCTOR_NO_GREETING = 11,     /* connected, but no 220 greeting */
    DOCTOR_HELO_UNRESOLVED = 12, /* the HELO name has no A/AAAA */
    DOCTOR_RDNS_MISMATCH = 13,   /* PTR of the sending IP is not the HELO name */
    DOCTOR_LISTED = 14,          /* the sending IP is on a blocklist */
    DOCTOR_DNS_UNTRUSTED = 15,   /* the resolver lies or does not answer its canaries */
} doctor_result;

/* What the command line asked for. */
typedef enum args_outcome {
    ARGS_RUN = 0,   /* run the checks */
    ARGS_HELP,      /* --help printed: exit 0 */
    ARGS_INVALID,   /* a usage error printed: exit DOCTOR_USAGE */
} args_outcome;

/* How reading one SMTP reply went. */
typedef enum reply_outcome {
    REPLY_READ = 0,   /* a complete reply (RFC 5321 §4.2) */
    REPLY_SILENCE,    /* closed, or nothing within the timeout */
    REPLY_NOT_SMTP,   /* garbage, or over REPLY_MAX without ending */
} reply_outcome;

enum { REPLY_MAX = 4096, ADDRS_MAX = 16, BLOCKLISTS_MAX = 8 };

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
    size_t ncanaries;
    const char *canaries[MP_DNS_CANARIES_MAX]; /* none = the prober's built-in ones */
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

static const void *raw_addr(const struct sockaddr_storage *ss, int *len)
{
    if (ss->ss_family == AF_INET) {
        *len = 4;
        return &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
    }
    *len = 16;
    return &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
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

/* Reads one SMTP reply into buf (at most `cap` octets) within timeout_ms,
 * parsed by parse_smtp_reply() into *reply. */
static reply_outcome read_reply(int fd, char *buf, size_t cap, int timeout_ms, mp_smtp_reply *reply)
{
    int64_t deadline = mp_now_monotonic_ms() + timeout_ms;
    size_t len = 0;
    for (;;) {
        int64_t left = deadline - mp_now_monotonic_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return REPLY_SILENCE;
        if (len >= cap)
            return REPLY_NOT_SMTP;
        ssize_t got = recv(fd, buf + len, cap - len, 0);
        if (got <= 0)
            return REPLY_SILENCE;
        len += (size_t)got;
        mp_reply_status st = parse_smtp_reply(buf, len, reply);
        if (st == MP_REPLY_COMPLETE)
            return REPLY_READ;
        if (st != MP_REPLY_NEED_MORE)
            return REPLY_NOT_SMTP;
    }
}

/* "554 5.7.1 the server's words" for one-line reports. */
static const char *reply_words(const mp_smtp_reply *r, char *out, size_t cap)
{
    snprintf(out, cap, "%d%s%s%s%s", r->code, r->enhanced[0] ? " " : "", r->enhanced, r->text[0] ? " " : "",
             r->text);
    return out;
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

/* (0) The resolver, asked the prober's own canary questions and judged by
 * the prober's own rule: a resolver that denies names that exist makes
 * every other finding, and every DNS verdict, worthless. */
static doctor_result check_resolver(mp_dns_sync *dns, const doctor_opts *o)
{
    const char *const *given = o->canaries;
    size_t n = o->ncanaries ? o->ncanaries : mp_dns_trust_builtin_canaries(&given);
    mp_zone_answer answers[MP_DNS_CANARIES_MAX];
    char shown[MP_DNS_CANARIES_MAX][MP_DOMAIN_MAX + 2];
    const char *names[MP_DNS_CANARIES_MAX];
    char list[384] = "", why[256];
    size_t used = 0;
    for (size_t i = 0; i < n && i < MP_DNS_CANARIES_MAX; i++) {
        mp_dns_zone_display(given[i], shown[i], sizeof shown[i]);
        names[i] = shown[i];
        mp_dns_sync_answer r;
        mp_dns_sync_query(dns, given[i], T_NS, &r);
        answers[i] = mp_zone_answer_of(r.status, r.abuf, r.alen);
        mp_dns_sync_answer_free(&r);
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "", names[i]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    switch (mp_dns_trust_verdict(names, answers, n, why, sizeof why)) {
    case MP_RESOLVER_HONEST:
        report("ok", "resolver", "answers honestly: %s (%s)", why, list);
        return DOCTOR_OK;
    case MP_RESOLVER_LYING:
        report("FAIL", "resolver", "the DNS resolver is not answering honestly: %s", why);
        fix("use an honest resolver with --dns HOST[:PORT] (your own unbound, or your provider's); until "
            "then `verify` and `serve` mark every address it denies unknown (dns_untrusted), never undeliverable");
        return DOCTOR_DNS_UNTRUSTED;
    default:
        report("FAIL", "resolver", "the DNS resolver does not answer its test questions: %s", why);
        fix("check that --dns HOST[:PORT] (or /etc/resolv.conf) names a working resolver; a private one "
            "that cannot see the root needs --dns-canary ZONE naming zones it does serve");
        return DOCTOR_DNS_UNTRUSTED;
    }
}

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
static size_t pick_mx(mp_dns_sync *dns, const doctor_opts *o, char *name, size_t namelen,
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
        mp_dns_sync_answer r;
        mp_dns_sync_query(dns, "gmail.com", T_MX, &r);
        struct ares_mx_reply *mx = NULL;
        if (r.status != ARES_SUCCESS || ares_parse_mx_reply(r.abuf, r.alen, &mx) != ARES_SUCCESS || !mx) {
            report("FAIL", "port 25", "cannot look up the MX of gmail.com: %s",
                   r.status == ARES_SUCCESS ? "no MX in the answer" : ares_strerror(r.status));
            fix("check the resolver (--dns HOST[:PORT]) or name a server with --mx HOST");
            mp_dns_sync_answer_free(&r);
            return 0;
        }
        const struct ares_mx_reply *best = mx;
        for (const struct ares_mx_reply *m = mx; m; m = m->next)
            if (m->priority < best->priority)
                best = m;
        snprintf(name, namelen, "%s", best->host);
        ares_free_data(mx);
        mp_dns_sync_answer_free(&r);
    }
    int status;
    size_t n = mp_dns_sync_addresses(dns, name, addrs, max, &status);
    if (!n)
        report("FAIL", "port 25", "cannot resolve the MX host %s: %s", name, ares_strerror(status));
    return n;
}

typedef struct smtp_check {
    doctor_result result;                /* DOCTOR_OK, _PORT_BLOCKED or _NO_GREETING */
    bool have_source;
    struct sockaddr_storage source;      /* our address on that connection */
} smtp_check;

static void check_smtp(mp_dns_sync *dns, const doctor_opts *o, const char *helo, smtp_check *out)
{
    char name[MP_HOST_MAX + 1], text[INET6_ADDRSTRLEN], buf[REPLY_MAX], words[MP_SMTP_TEXT_MAX + 32];
    mp_smtp_reply reply;
    struct sockaddr_storage addrs[ADDRS_MAX];
    memset(out, 0, sizeof *out);
    out->result = DOCTOR_PORT_BLOCKED;
    size_t n = pick_mx(dns, o, name, sizeof name, addrs, ADDRS_MAX);
    if (!n)
        return;

    int fd = -1, last_errno = 0;
    size_t refused = 0;
    struct sockaddr_storage *used = NULL;
    for (size_t i = 0; i < n && fd < 0; i++) {
        const char *why = NULL;
        if (!mp_target_permitted(&o->targets, (struct sockaddr *)&addrs[i], &why)) {
            mp_address_text(&addrs[i], text, sizeof text);
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
    mp_address_text(used, text, sizeof text);
    char src[INET6_ADDRSTRLEN] = "?";
    if (out->have_source)
        mp_address_text(&out->source, src, sizeof src);

    reply_outcome got = read_reply(fd, buf, sizeof buf, o->timeout_ms, &reply);
    if (got == REPLY_READ && reply.code == 220) {
        report("ok", "port 25", "connected to %s (%s) port %d from %s; greeting: %s",
               name, text, o->port, src, reply_words(&reply, words, sizeof words));
        out->result = DOCTOR_OK;
        /* Introduce ourselves as a verifier would; informational only. */
        char ehlo[MP_HOST_MAX + 16];
        snprintf(ehlo, sizeof ehlo, "EHLO %s\r\n", helo);
        if (send_all(fd, ehlo)) {
            reply_outcome ehlo_got = read_reply(fd, buf, sizeof buf, o->timeout_ms, &reply);
            if (ehlo_got == REPLY_READ && reply.code == 250)
                report("ok", "EHLO", "the server accepted EHLO %s", helo);
            else if (ehlo_got == REPLY_READ)
                report("warn", "EHLO", "the server answered EHLO %s with: %s", helo,
                       reply_words(&reply, words, sizeof words));
            else
                report("warn", "EHLO", "no answer to EHLO %s (%s)", helo,
                       ehlo_got == REPLY_SILENCE ? "closed or timed out" : "not SMTP");
            send_all(fd, "QUIT\r\n");
        }
    } else {
        out->result = DOCTOR_NO_GREETING;
        if (got == REPLY_SILENCE)
            report("FAIL", "greeting", "connected to %s (%s) port %d from %s, but no greeting within %d ms",
                   name, text, o->port, src, o->timeout_ms);
        else if (got == REPLY_NOT_SMTP)
            report("FAIL", "greeting", "%s (%s) port %d did not speak SMTP", name, text, o->port);
        else
            report("FAIL", "greeting", "%s (%s) refused us: %s", name, text, reply_words(&reply, words, sizeof words));
        fix("a server that will not greet us cannot be asked about mailboxes: if it names a "
            "blocklist or policy, fix the sending IP's reputation (see below); else try another --mx");
    }
    close(fd);
}

/* (b) HELO name resolves; PTR of the sending IP is that name and the name
 * resolves back to the IP (forward-confirmed reverse DNS). */
static doctor_result check_helo(mp_dns_sync *dns, const char *helo, const struct sockaddr_storage *ip)
{
    struct sockaddr_storage addrs[ADDRS_MAX];
    char text[INET6_ADDRSTRLEN], rev[80];
    int status;
    size_t n = mp_dns_sync_addresses(dns, helo, addrs, ADDRS_MAX, &status);
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
    mp_address_text(ip, text, sizeof text);
    reverse_name(ip, ip->ss_family == AF_INET ? "in-addr.arpa" : "ip6.arpa", rev, sizeof rev);
    mp_dns_sync_answer r;
    mp_dns_sync_query(dns, rev, T_PTR, &r);
    struct hostent *he = NULL;
    int len;
    const void *raw = raw_addr(ip, &len);
    if (r.status != ARES_SUCCESS ||
        ares_parse_ptr_reply(r.abuf, r.alen, raw, len, ip->ss_family, &he) != ARES_SUCCESS || !he) {
        mp_dns_sync_answer_free(&r);
        report("FAIL", "rDNS", "the sending IP %s has no reverse DNS (PTR)", text);
        fix("ask whoever owns the IP (hosting provider) to set its PTR record to the HELO name");
        return DOCTOR_RDNS_MISMATCH;
    }
    mp_dns_sync_answer_free(&r);
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
static doctor_result check_blocklists(mp_dns_sync *dns, const doctor_opts *o, const struct sockaddr_storage *ip)
{
    char text[INET6_ADDRSTRLEN];
    if (!ip) {
        report("warn", "blocklists", "the sending IP is unknown; not checked");
        return DOCTOR_OK;
    }
    mp_address_text(ip, text, sizeof text);
    const char *why = NULL;
    if (!mp_target_permitted(NULL, (const struct sockaddr *)ip, &why)) {
        report("n/a", "blocklists", "%s is a %s address: blocklists list public IPs only "
               "(behind NAT, pass the public address with --public-ip)", text, why);
        return DOCTOR_OK;
    }
    doctor_result result = DOCTOR_OK;
    for (size_t i = 0; i < o->nblocklists; i++) {
        char q[200];
        reverse_name(ip, o->blocklists[i], q, sizeof q);
        mp_dns_sync_answer r;
        mp_dns_sync_query(dns, q, T_A, &r);
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
        mp_dns_sync_answer_free(&r);
    }
    return result;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mailprobe doctor [--mx HOST] [--helo NAME] [--dns HOST[:PORT]] [--smtp-port N]\n"
            "                        [--allow-net CIDR]... [--timeout DURATION] [--public-ip IP]\n"
            "                        [--blocklist ZONE]... [--dns-canary ZONE]...\n"
            "\n"
            "Checks that this host can verify addresses: (0) the DNS resolver answers\n"
            "honestly, (a) outbound SMTP to an MX (default: gmail.com's), (b) the HELO\n"
            "name resolves and matches the sending IP's reverse DNS, (c) the sending IP\n"
            "is on no major blocklist.\n"
            "\n"
            "  --mx HOST          the server to connect to (name or IP)\n"
            "  --helo NAME        the name the prober greets with (default: this host's FQDN)\n"
            "  --dns HOST[:PORT]  resolver to use (default: the system's)\n"
            "  --dns-canary ZONE  a zone the resolver must return NS records for (repeatable;\n"
            "                     default ., com. and root-servers.net., as `verify`)\n"
            "  --smtp-port N      default 25\n"
            "  --allow-net CIDR   permit a refused range such as 127.0.0.0/8 (repeatable)\n"
            "  --timeout DURATION connect/greeting/DNS timeout (default 10s; 500ms, 8s, 2m;\n"
            "                     a bare number means seconds)\n"
            "  --public-ip IP     the address receivers see, when behind NAT (rDNS, blocklists)\n"
            "  --blocklist ZONE   DNSBL zone to query (repeatable; default zen.spamhaus.org,\n"
            "                     b.barracudacentral.org, bl.spamcop.net)\n"
            "\n"
            "Exit status (the first failing check decides): 0 all good, 15 the resolver lies\n"
            "or does not answer, 10 port 25 blocked or unreachable, 11 no greeting or refused\n"
            "by the server, 12 HELO name does not resolve, 13 reverse DNS does not match the\n"
            "HELO name, 14 listed on a blocklist, 2 usage. See docs/doctor.md.\n");
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

static args_outcome parse_args(int argc, char **argv, doctor_opts *o)
{
    memset(o, 0, sizeof *o);
    o->port = 25;
    o->timeout_ms = 10000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return ARGS_HELP;
        }
        if (!v) {
            fprintf(stderr, "mailprobe doctor: unknown option or missing value: %s\n", a);
            return ARGS_INVALID;
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
                return ARGS_INVALID;
            }
        } else if (!strcmp(a, "--timeout")) {
            /* Connect, greeting and DNS: below half a second a healthy
             * server across the world looks dead. */
            static const mp_duration_rule rule = {500, 600000, 1, false};
            int64_t ms;
            if (!mp_option_duration_arg("doctor", "--timeout", v, &rule, &ms))
                return ARGS_INVALID;
            o->timeout_ms = (int)ms;
        } else if (!strcmp(a, "--dns-canary")) {
            if (o->ncanaries == MP_DNS_CANARIES_MAX) {
                fprintf(stderr, "mailprobe doctor: at most %d --dns-canary\n", MP_DNS_CANARIES_MAX);
                return ARGS_INVALID;
            }
            o->canaries[o->ncanaries++] = v;
        } else if (!strcmp(a, "--allow-net")) {
            if (!mp_target_allow(&o->targets, v)) {
                fprintf(stderr, "mailprobe doctor: bad or too many --allow-net '%s'\n", v);
                return ARGS_INVALID;
            }
        } else if (!strcmp(a, "--blocklist")) {
            if (o->nblocklists == BLOCKLISTS_MAX) {
                fprintf(stderr, "mailprobe doctor: at most %d --blocklist\n", BLOCKLISTS_MAX);
                return ARGS_INVALID;
            }
            o->blocklists[o->nblocklists++] = v;
        } else {
            fprintf(stderr, "mailprobe doctor: unknown option: %s\n", a);
            return ARGS_INVALID;
        }
    }
    if (o->nblocklists == 0)
        for (size_t i = 0; i < sizeof default_blocklists / sizeof default_blocklists[0]; i++)
            o->blocklists[o->nblocklists++] = default_blocklists[i];
    return ARGS_RUN;
}

int mp_cmd_doctor(int argc, char **argv)
{
    doctor_opts o;
    args_outcome args = parse_args(argc, argv, &o);
    if (args != ARGS_RUN)
        return args == ARGS_HELP ? DOCTOR_OK : DOCTOR_USAGE;

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
        mp_host_fqdn(helo, sizeof helo); /* the prober's own default */

    char err[256];
    mp_dns_sync *dns = mp_dns_sync_new(o.dns, o.timeout_ms, err, sizeof err);
    if (!dns) {
        fprintf(stderr, "mailprobe doctor: --dns: %s\n", err);
        return DOCTOR_USAGE;
    }

    printf("mailprobe doctor: HELO name %s, SMTP port %d\n", helo, o.port);
    doctor_result dns_rc = check_resolver(dns, &o);
    smtp_check smtp;
    check_smtp(dns, &o, helo, &smtp);
    const struct sockaddr_storage *ip = o.public_ip ? &public_ip : smtp.have_source ? &smtp.source : NULL;
    doctor_result helo_rc = check_helo(dns, helo, ip);
    doctor_result bl_rc = check_blocklists(dns, &o, ip);

    doctor_result rc = dns_rc != DOCTOR_OK    ? dns_rc
                       : smtp.result != DOCTOR_OK ? smtp.result
                       : helo_rc != DOCTOR_OK   ? helo_rc
                                                : bl_rc;
    printf("%s (exit %d)\n", rc == DOCTOR_OK ? "all checks passed" : "some checks failed", (int)rc);
    mp_dns_sync_free(dns);
    return rc;
}
