/* fake_dns.c — the unit tests' loopback DNS server (fake_dns.h). */
#include "fake_dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t fake_dns_put_name(unsigned char *p, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        p[n++] = (unsigned char)len;
        memcpy(p + n, name, len);
        n += len;
        name += len + (dot ? 1 : 0);
    }
    p[n++] = 0;
    return n;
}

size_t fake_dns_put_rr(unsigned char *p, int type, unsigned ttl, const unsigned char *rdata, size_t rdlen)
{
    p[0] = 0xc0;                        /* owner: pointer to the question name */
    p[1] = 12;
    p[2] = (unsigned char)(type >> 8);
    p[3] = (unsigned char)type;
    p[4] = 0;
    p[5] = 1;
    p[6] = (unsigned char)(ttl >> 24);
    p[7] = (unsigned char)(ttl >> 16);
    p[8] = (unsigned char)(ttl >> 8);
    p[9] = (unsigned char)ttl;
    p[10] = (unsigned char)(rdlen >> 8);
    p[11] = (unsigned char)rdlen;
    memcpy(p + 12, rdata, rdlen);
    return 12 + rdlen;
}

static void on_query(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    fake_dns *f = arg;
    unsigned char q[512], out[4096];
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&peer, &plen);
    if (n < 17)
        return;
    f->queries++;
    if (f->blackhole)
        return;
    char name[256];
    size_t pos = 12, nl = 0;
    while (pos < (size_t)n && q[pos] && nl + q[pos] + 1 < sizeof name) {
        if (nl)
            name[nl++] = '.';
        memcpy(name + nl, q + pos + 1, q[pos]);
        nl += q[pos];
        pos += 1 + (size_t)q[pos];
    }
    name[nl] = '\0';
    if (pos + 5 > (size_t)n)
        return;
    int qtype = (q[pos + 1] << 8) | q[pos + 2];
    size_t qend = pos + 5;

    memcpy(out, q, qend);
    out[2] = 0x84 | (q[2] & 1);         /* QR, AA, RD copied */
    size_t len = qend;
    int an = 0;
    int rcode = f->answer(name, qtype, out, &len, &an, f->arg);
    out[3] = (unsigned char)(0x80 | rcode); /* RA */
    out[6] = (unsigned char)(an >> 8);
    out[7] = (unsigned char)an;
    out[4] = 0;
    out[5] = 1;
    out[8] = out[9] = out[10] = out[11] = 0;
    sendto(fd, out, len, 0, (struct sockaddr *)&peer, plen);
}

bool fake_dns_start(struct event_base *base, fake_dns *f, fake_dns_answer_fn answer, void *arg)
{
    memset(f, 0, sizeof *f);
    f->answer = answer;
    f->arg = arg;
    f->fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sin;
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&sin, &sl) != 0)
        return false;
    f->port = ntohs(sin.sin_port);
    f->ev = event_new(base, f->fd, EV_READ | EV_PERSIST, on_query, f);
    return f->ev && event_add(f->ev, NULL) == 0;
}

void fake_dns_stop(fake_dns *f)
{
    event_free(f->ev);
    close(f->fd);
}
