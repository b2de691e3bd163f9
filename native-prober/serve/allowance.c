/* allowance.c — the cluster's politeness (allowance.h). */
#include "allowance.h"

static int min_int(int a, int b) { return a < b ? a : b; }
static int max_int(int a, int b) { return a > b ? a : b; }

int mp_allowance_share(const mp_allowance_limits *limits, const mp_allowance_peer *peers, size_t npeers,
                       bool wanted, int in_use)
{
    if (in_use < 0)
        in_use = 0;
    if (!wanted)
        return in_use;
    int total = 0, egress = 0, wanting = 1, wanting_here = 1, starving_here = 0, starving_elsewhere = 0;
    for (size_t i = 0; i < npeers; i++) {
        const mp_allowance_peer *p = &peers[i];
        total += p->sessions;
        egress += p->same_egress ? p->sessions : 0;
        if (!p->wanted)
            continue;
        wanting++;
        wanting_here += p->same_egress;
        if (p->sessions == 0 && p->same_egress)
            starving_here++;
        else if (p->sessions == 0 && !p->egress_full)
            starving_elsewhere++;
    }
    int cap = limits->egress_sessions;
    if (starving_here)
        cap = min_int(cap, max_int(1, limits->egress_sessions / wanting_here));
    if (starving_elsewhere)
        cap = min_int(cap, max_int(1, limits->host_sessions / wanting));
    int grant = min_int(cap, min_int(limits->host_sessions - total, limits->egress_sessions - egress));
    return max_int(grant, in_use);
}

double mp_allowance_rate(const mp_allowance_limits *limits, int sessions)
{
    if (sessions <= 0 || limits->host_sessions <= 0 || limits->egress_sessions <= 0)
        return 0;
    double by_host = limits->host_rate * sessions / limits->host_sessions;
    double by_egress = limits->egress_rate * sessions / limits->egress_sessions;
    return by_host < by_egress ? by_host : by_egress;
}
