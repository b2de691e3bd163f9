/* api_keys.h — the API keys of `mailprobe serve` and what each may do.
 *
 * A secret key (--api-key KEY, or "secret KEY" in --api-keys-file) may call
 * every /v1 route; it belongs on servers, never in a web page. A public key
 * is made to be shipped in a page (a sign-up form asking on blur, see
 * docs/widget.md):
 *
 *   --public-key "KEY origin=https://shop.example [origin=...] [rate=R] [burst=N] [daily=N]"
 *
 * may only POST /v1/verify, only with an Origin header equal to one of its
 * origins, within its own token bucket (rate R/s, burst N, shared by every
 * visitor of the page) and its own daily quota (N verifies per UTC day).
 * A keyring holds the keys in force and the quota counters; keys are
 * compared in constant time. */
#ifndef MP_API_KEYS_H
#define MP_API_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MP_KEY_LEN_MIN = 8,
    MP_KEY_LEN_MAX = 128,
    MP_KEY_ORIGINS_MAX = 4,    /* origins of one public key */
    MP_KEY_ORIGIN_MAX = 255,   /* octets of one origin */
    MP_KEY_ID_LEN = 8,         /* hex digits of a key's id */
    MP_KEYRING_MAX = 256,      /* keys in force at once (flags, environment, config file and key file) */
};

/* Defaults of a public key's limits. */
#define MP_PUBLIC_KEY_RATE 1.0    /* verifies per second, all visitors together */
#define MP_PUBLIC_KEY_BURST 20
#define MP_PUBLIC_KEY_DAILY 1000L /* verifies per UTC day */

typedef enum mp_key_kind { MP_KEY_SECRET = 0, MP_KEY_PUBLIC } mp_key_kind;

typedef struct mp_api_key {
    mp_key_kind kind;
    char key[MP_KEY_LEN_MAX + 1];
    /* First 8 hex digits of SHA-256(key): names the key in the access log
     * and its rate-limit bucket, stable across reloads, never the key. */
    char id[MP_KEY_ID_LEN + 1];
    size_t origin_count;                                  /* public keys: >= 1 */
    char origins[MP_KEY_ORIGINS_MAX][MP_KEY_ORIGIN_MAX + 1];
    double rate;                                          /* public keys' own limits */
    int burst;
    long daily;
} mp_api_key;

/* What reading a key came to. */
typedef enum mp_key_status {
    MP_KEY_OK = 0,
    MP_KEY_BAD_KEY,      /* not 8-128 printable ASCII octets without spaces */
    MP_KEY_BAD_FIELD,    /* an unknown or malformed field of a public key */
    MP_KEY_NO_ORIGIN,    /* a public key without origin= */
    MP_KEY_TOO_MANY,     /* more than MP_KEYRING_MAX keys, or origins */
    MP_KEY_FILE_ERROR,   /* the key file cannot be read, or has a line too long */
    MP_KEY_STATUS_COUNT
} mp_key_status;

/* "ok", "bad_key", "bad_field", "no_origin", "too_many", "file_error". */
const char *mp_key_status_name(mp_key_status s);

/* A secret key from its text. MP_KEY_BAD_KEY (message in err) when the
 * text is not a key; *out is untouched then. */
mp_key_status mp_api_key_secret(const char *text, mp_api_key *out, char *err, size_t errlen);

/* A public key from "KEY origin=ORIGIN [origin=...] [rate=R] [burst=N]
 * [daily=N]" (fields separated by blanks, in any order after the key).
 * An origin is "scheme://host[:port]" exactly as browsers send it: no
 * path, no trailing slash. Errors as above. */
mp_key_status mp_api_key_public(const char *spec, mp_api_key *out, char *err, size_t errlen);

/* Reads a key file: one key per line, "secret KEY" or "public SPEC" (as
 * --public-key), '#' comments and blank lines. Appends up to cap - *n
 * keys to out[*n...]. On error "PATH:LINE: message" in err and *n as it
 * was. */
mp_key_status mp_api_keys_read_file(const char *path, mp_api_key *out, size_t cap, size_t *n, char *err,
                                    size_t errlen);

typedef struct mp_keyring mp_keyring;

/* An empty keyring (no key: /v1 is open). NULL when out of memory. */
mp_keyring *mp_keyring_new(void);
void mp_keyring_free(mp_keyring *ring);

/* Puts `keys` (copied) in force, replacing the previous ones; a key that
 * stays keeps today's quota count. MP_KEY_TOO_MANY over MP_KEYRING_MAX. */
mp_key_status mp_keyring_set(mp_keyring *ring, const mp_api_key *keys, size_t n);

size_t mp_keyring_count(const mp_keyring *ring);

/* The key equal to given[0..len), or NULL. Compares with every key in
 * force, each in time that depends only on the lengths, so the timing
 * tells nothing about how much of a guess matched. Borrowed: valid until
 * the next mp_keyring_set. */
const mp_api_key *mp_keyring_find(const mp_keyring *ring, const char *given, size_t len);

/* True when some public key lists `origin` (for CORS preflights, which
 * carry no key). */
bool mp_keyring_public_origin(const mp_keyring *ring, const char *origin, size_t len);

/* True when `key` (a public key) lists `origin`. */
bool mp_api_key_has_origin(const mp_api_key *key, const char *origin, size_t len);

/* Counts one use of `key` against its daily quota at Unix time `now`
 * (days are UTC). true when within the quota; false when today's is used
 * up, with *retry_after = seconds until the next UTC day. Secret keys have
 * no quota (always true). */
bool mp_keyring_take_daily(mp_keyring *ring, const mp_api_key *key, int64_t now, int *retry_after);

#endif
