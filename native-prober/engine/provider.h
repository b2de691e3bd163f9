/* provider.h — who runs a mail host, from its MX host name.
 *
 * Mail for many domains is handled by a few providers and security gateways.
 * Knowing which one matters: gateways (Proofpoint, Mimecast, Barracuda,
 * Cisco IronPort...) and some providers (Yahoo) accept every recipient at
 * the edge and bounce later, so their "250" proves nothing about the mailbox
 * (mp_evidence.accept_all_provider). Matching is by host-name suffix on label
 * boundaries ("mx0a-001.pphosted.com" matches "pphosted.com"). */
#ifndef MP_PROVIDER_H
#define MP_PROVIDER_H
#include <stdbool.h>
#include <stddef.h>

typedef struct mp_provider {
    const char *name;          /* stable lower-case identifier, e.g. "google" */
    bool accepts_all;          /* 250 to every RCPT at the edge: not a verdict */
} mp_provider;

/* The provider of MX host `host` (lower or mixed case, an optional trailing
 * dot ignored), or NULL when unknown. The returned pointer is static. */
const mp_provider *mp_provider_from_mx(const char *host, size_t len);

#endif
