/* target.h — which IP addresses the prober may connect to.
 *
 * The prober must never become an SSRF gun: by default it refuses loopback,
 * RFC 1918 private, CGNAT (100.64/10), link-local (incl. 169.254.169.254),
 * multicast, reserved/unspecified/broadcast, documentation ranges, IPv6
 * unique-local, link-local, site-local, multicast, and IPv4-mapped/-compatible,
 * NAT64 and 6to4 forms of any of those. `--allow-net CIDR` (repeatable)
 * opens a range, for tests and intranets. */
#ifndef MP_TARGET_H
#define MP_TARGET_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum { MP_TARGET_ALLOW_MAX = 32 };

typedef struct mp_cidr {
    int family;               /* AF_INET or AF_INET6 */
    unsigned char addr[16];   /* network address, 4 or 16 octets used */
    int prefix;               /* 0..32 or 0..128 */
} mp_cidr;

typedef struct mp_target_policy {
    size_t nallow;
    mp_cidr allow[MP_TARGET_ALLOW_MAX];
} mp_target_policy;

/* Parses "127.0.0.0/8", "::1/128" or a bare address (full-length prefix).
 * Returns false for anything malformed (out untouched). */
bool mp_cidr_parse(const char *text, mp_cidr *out);

/* Adds an allowed range; false when full or malformed. */
bool mp_target_allow(mp_target_policy *policy, const char *cidr_text);

/* True when `sa` (AF_INET/AF_INET6) is a public unicast address or lies in an
 * allowed range. `why` (may be NULL) gets a short static description of the
 * refused range ("loopback", "private", ...) when false. */
bool mp_target_permitted(const mp_target_policy *policy, const struct sockaddr *sa,
                         const char **why);

/* The address in `ss` (AF_INET or AF_INET6) as text without its port,
 * into out (INET6_ADDRSTRLEN octets are enough). false, and "?" in out,
 * for another family or a too small buffer. */
bool mp_address_text(const struct sockaddr_storage *ss, char *out, size_t cap);

#endif
