/* trust_share.c — whether a worker leaves new addresses to peers whose
 * resolver is honest (trust_share.h). */
#include "trust_share.h"

const char *mp_lease_stance_name(mp_lease_stance s)
{
    static const char *const names[MP_LEASE_STANCE_COUNT] = {"take", "defer"};
    return (unsigned)s < MP_LEASE_STANCE_COUNT ? names[s] : "invalid";
}

int64_t mp_trust_share_honest_peers(const int64_t counts[MP_RESOLVER_STATE_COUNT], mp_resolver_state reported)
{
    int64_t peers = counts[MP_RESOLVER_HONEST] - (reported == MP_RESOLVER_HONEST);
    return peers > 0 ? peers : 0;
}

mp_lease_stance mp_trust_share_stance(mp_resolver_state mine, int64_t honest_peers)
{
    /* An honest resolver's denials are believed: nothing to leave to anyone.
     * Otherwise this worker's denials would end unknown / dns_untrusted,
     * where an honest peer gives the real verdict. */
    if (mine == MP_RESOLVER_HONEST || honest_peers <= 0)
        return MP_LEASE_TAKE;
    return MP_LEASE_DEFER;
}
