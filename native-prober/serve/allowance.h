/* allowance.h — the cluster's politeness: each worker's share of every MX
 * address's budget.
 *
 * With many workers (`serve --db postgresql://...`) the per-host limits
 * hold for the whole cluster: at most --cluster-host-connections sessions
 * at once to one MX address from all workers together, and at most
 * --per-host-connections from each egress IP (--egress-name, or the source
 * address the kernel picks toward that MX). A worker may only open a
 * session within an allowance it holds: a number of sessions at one MX
 * address, granted by the store in one transaction against what every
 * other live worker holds there, renewed in bulk, and given back when
 * unused; its rate of new sessions is the same share of the host's and the
 * egress's rates. docs/scale-out.md, "Politeness across workers". */
#ifndef MP_ALLOWANCE_H
#define MP_ALLOWANCE_H
#include <stdbool.h>
#include <stddef.h>

/* Another worker's live allowance at the same MX address. */
typedef struct mp_allowance_peer {
    int sessions;      /* granted to it */
    bool wanted;       /* it asked for sessions there lately */
    bool same_egress;  /* it leaves through the same egress IP */
    bool egress_full;  /* the workers of its egress IP (this one not counted)
                          hold that egress's limit already */
} mp_allowance_peer;

/* The limits an allowance is cut from. */
typedef struct mp_allowance_limits {
    int host_sessions;    /* the whole cluster at one MX address (--cluster-host-connections) */
    double host_rate;     /* new sessions per second, whole cluster (--cluster-host-rate) */
    int egress_sessions;  /* one egress IP at one MX address (--per-host-connections) */
    double egress_rate;   /* new sessions per second, one egress IP (--per-host-rate) */
} mp_allowance_limits;

/* The rule every backend applies, in the transaction that grants (the
 * PostgreSQL backend runs the same rule in SQL; the store's conformance
 * tests hold both to it). A worker wanting sessions gets what is free
 * under both limits, up to the egress limit — except while another
 * worker wanting sessions there holds none ("starves"):
 *   - one behind the same egress IP: at most a fair part of the egress
 *     limit (at least 1);
 *   - one behind another egress IP that still has room: at most a fair
 *     part of the host limit (at least 1);
 * so every worker gets a session there once the others renew. (A worker
 * starving only because its own egress IP is full is that egress's
 * matter.) A worker not wanting any keeps what it has open and nothing
 * more. Never less than `in_use` (what the worker has open: nobody closes
 * a session to shrink a grant, it only opens none until it is within).
 * Pure. */
int mp_allowance_share(const mp_allowance_limits *limits, const mp_allowance_peer *peers, size_t npeers,
                       bool wanted, int in_use);

/* New sessions per second a grant of `sessions` allows: the same share of
 * the host's and of the egress's rate, the smaller of the two, so the
 * shares of all workers add up to neither limit's excess. 0 for 0. */
double mp_allowance_rate(const mp_allowance_limits *limits, int sessions);

#endif
