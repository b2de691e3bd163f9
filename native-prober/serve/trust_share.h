/* trust_share.h — resolver trust shared by the workers of a cluster.
 *
 * A worker believes a DNS denial (NXDOMAIN, no mail host) only while its
 * own resolver is shown honest (dns_trust.h); otherwise such addresses end
 * `unknown / dns_untrusted` and wait for a retry — never `undeliverable`.
 * In a cluster another worker may have an honest resolver and could give
 * those addresses their real verdict. So each worker reports its
 * resolver's state with its heartbeat (store.h, mp_store_worker_report),
 * learns how many live workers are honest, and decides here:
 *
 *   - its resolver honest: it leases as usual;
 *   - not honest (unproven, lying, unanswered) while at least one other
 *     live worker's is honest: it leases nothing new and leaves the work
 *     to them (the addresses it holds already finish as before);
 *   - no other worker honest: it works as before, and its denials stay
 *     unknown / dns_untrusted until a resolver proves honest.
 *
 * A peer counts as honest from its latest heartbeat until it falls silent
 * for the lease TTL, or leaves (mp_store_release with no job). Pure: no
 * I/O, no clock. */
#ifndef MP_TRUST_SHARE_H
#define MP_TRUST_SHARE_H
#include <stdint.h>
#include "dns_trust.h"

/* Whether a worker takes new addresses. */
typedef enum mp_lease_stance {
    MP_LEASE_TAKE = 0,  /* lease new addresses as usual */
    MP_LEASE_DEFER,     /* lease nothing new: honest peers do it */
    MP_LEASE_STANCE_COUNT
} mp_lease_stance;

/* "take", "defer". */
const char *mp_lease_stance_name(mp_lease_stance s);

/* The other live workers whose resolver is honest: the heartbeat's count
 * of honest workers (`counts`, per mp_resolver_state, as store.h's
 * mp_store_cluster.resolvers) less this worker when the state it
 * `reported` in that heartbeat was honest. Never negative. */
int64_t mp_trust_share_honest_peers(const int64_t counts[MP_RESOLVER_STATE_COUNT], mp_resolver_state reported);

/* The rule above: DEFER when `mine` (this worker's resolver now) is not
 * honest and `honest_peers` > 0; TAKE otherwise. */
mp_lease_stance mp_trust_share_stance(mp_resolver_state mine, int64_t honest_peers);

#endif
