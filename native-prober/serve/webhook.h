/* webhook.h — job-completion notifications: a JSON POST to --webhook URL,
 * sent with libcurl's multi interface on the server's event loop (never
 * blocking a request), 10 s timeout, no retries, at most 64 in flight.
 * With a secret, the sending time and the body are signed together (like
 * Stripe's webhooks), so a captured POST cannot be replayed later:
 *   X-Mailprobe-Timestamp: <Unix seconds>
 *   X-Mailprobe-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 * The receiver recomputes the HMAC, compares in constant time and refuses a
 * timestamp more than a few minutes away from its own clock. */
#ifndef MP_WEBHOOK_H
#define MP_WEBHOOK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <event2/event.h>

typedef struct mp_webhook mp_webhook;

/* NULL + message when libcurl cannot be set up. `secret` "" = unsigned. */
mp_webhook *mp_webhook_new(struct event_base *base, const char *url, const char *secret, char *err, size_t errlen);

/* Queues one POST of `body` (serialised now; the caller keeps ownership). */
void mp_webhook_post(mp_webhook *w, const cJSON *body);

/* Abandons unsent requests. NULL is fine. */
void mp_webhook_free(mp_webhook *w);

/* HMAC-SHA256 (RFC 2104) of msg under key, computed by OpenSSL's libcrypto,
 * as 64 lower-case hex digits + NUL in hex_out. false (and "" in hex_out)
 * when libcrypto fails. Exposed for tests (RFC 4231 vectors). */
bool mp_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len, char hex_out[65]);

/* The signature of a POST sent at `timestamp` (Unix seconds): hex
 * HMAC-SHA256(secret, "<timestamp>.<body>") into hex_out. false when
 * libcrypto fails or out of memory (hex_out ""). Exposed for tests. */
bool mp_webhook_signature(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                          char hex_out[65]);

#endif
