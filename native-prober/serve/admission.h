/* admission.h — who may ask what, decided from a request's head before a
 * byte of its body is read (http_gate.h calls it for every request):
 *
 *   1. the method is one this server knows (else 501) and the path decodes;
 *   2. the Host is this server's: its --listen address, localhost on a
 *      loopback listen, the address connected to on a wildcard listen, or a
 *      --public-host (else 421: DNS rebinding);
 *   3. under /v1, an Origin header — which browsers send with every
 *      cross-site POST — is this server's own origin, a --cors-origin, or
 *      (with a public key) that key's origin (else 403: request forgery);
 *   4. with keys configured, an API key (else 401, and a client whose keys
 *      keep failing is refused 429 before its next key is even compared);
 *      a public key only for POST /v1/verify from its origin (else 403);
 *   5. the rate limits (429 with Retry-After): per secret key, per client
 *      without one, and a public key's own bucket and daily quota;
 *   6. the declared Content-Length against the route's limit (else 413).
 *
 * Paths outside /v1 (health, metrics, the page) pass steps 1, 2 and 6 only. */
#ifndef MP_ADMISSION_H
#define MP_ADMISSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/http.h>
#include "api_keys.h"
#include "http_head.h"
#include "http_request.h"

/* Failed key checks a client may make before the 429s start, and how fast
 * it earns another. */
#define MP_AUTH_FAILURE_BURST 10
#define MP_AUTH_FAILURE_RATE 0.1 /* per second: one every 10 s */

enum { MP_BODY_OTHER_MAX = 1024 }; /* the largest body of a request other than verify and jobs */

/* Who is asking, as the connection shows it. */
typedef struct mp_peer {
    char client[64];     /* the peer's address (the access log) */
    char client_key[64]; /* who it counts as: ratelimit.h's client key (an IPv6 /64) */
    char local[80];      /* the address it connected to: "127.0.0.1:8025", "[::1]:8025" */
} mp_peer;

/* The decision about one request. */
typedef struct mp_admission {
    bool admitted;
    /* What the request is (metrics, the log), whatever the decision. */
    mp_route route;
    char method[8];
    char path[MP_REQUEST_PATH_MAX]; /* as sent, truncated */
    char key_id[MP_KEY_ID_LEN + 1]; /* the key that was used, "" = none */
    /* A refusal: the JSON error to answer with. */
    int status;
    const char *code;     /* the error code name; NULL = the status's own */
    char message[160];
    int retry_after;      /* seconds for Retry-After; 0 = none */
    bool www_authenticate;
} mp_admission;

typedef struct mp_server mp_server;

/* Decides about the request whose head is `head`, from `peer` (rules
 * above), and fills *out. Takes rate-limit tokens and quota when it admits. */
void mp_admit(mp_server *s, const mp_http_head *head, const mp_peer *peer, mp_admission *out);

/* The methods evhttp knows, as its enum; 0 for any other (refused 501
 * before evhttp could read it another way). */
enum evhttp_cmd_type mp_admission_method(mp_span method);

/* A refusal for a head the gate could not read (too large, malformed,
 * chunked, wrong version) or a request too slow to arrive (408). */
void mp_admission_refuse(mp_admission *out, int status, const char *message);

/* True when CORS headers may name `origin`: a --cors-origin (or "*"), or
 * the origin of a public key. */
bool mp_admission_cors_origin(const mp_server *s, const char *origin);

#endif
