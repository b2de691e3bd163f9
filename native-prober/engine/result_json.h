/* The result JSON: one mp_result (plus, after a probe, what the prober
 * learnt) as the cJSON object specified in docs/result-schema.md. The CLI,
 * the HTTP API and the tests all go through mp_result_to_json(), so there is
 * exactly one place that decides key names and order. */
#ifndef MP_RESULT_JSON_H
#define MP_RESULT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "mailprobe/core.h"

enum {
    MP_PROBE_MX_MAX = 16,      /* MX hosts reported (the prober may know more) */
    MP_ENHANCED_CODE_MAX = 15, /* "5.1.10" and up to 3+3 digits fit easily */
};

/* One mail host as DNS listed it. */
typedef struct mp_probe_mx {
    char host[MP_HOST_MAX + 1]; /* lower-case, no trailing dot */
    int preference;             /* MX preference; 0 for an implicit MX */
} mp_probe_mx;

/* What the prober adds to a local result. Plain data, caller-owned; call
 * mp_probe_details_init() first, then fill what is known. Strings are
 * NUL-terminated; "" (or NULL for the pointers) means "not known" and
 * becomes JSON null. Nothing here needs to be valid UTF-8: invalid bytes
 * are replaced by U+FFFD on output. */
typedef struct mp_probe_details {
    /* DNS: mx = null in the JSON while dns is MP_DNS_NOT_CHECKED. */
    mp_dns_result dns;
    bool mx_implicit;            /* no MX record: the domain's A/AAAA is used (RFC 5321 §5.1) */
    size_t mx_count;             /* entries used in mx[], <= MP_PROBE_MX_MAX */
    mp_probe_mx mx[MP_PROBE_MX_MAX]; /* in the order tried (preference, then DNS order) */

    /* SMTP: the decisive reply (the one mp_smtp_classify() judged). */
    int smtp_code;                               /* 0 = no reply */
    char enhanced_code[MP_ENHANCED_CODE_MAX + 1]; /* "5.1.1" or "" */
    char message[MP_SMTP_TEXT_MAX + 1];          /* the server's own words, lines joined */
    char host[MP_HOST_MAX + 1];                  /* the MX host that gave it */

    /* Extras written after "smtp". */
    const char *provider;        /* e.g. "google", "microsoft"; NULL = null; static storage */
    int retry_after;             /* seconds until a retry is worthwhile; -1 = null */
    const char *const *transcript; /* NULL = no "transcript" key at all */
    size_t transcript_count;     /* lines in transcript[] */
} mp_probe_details;

/* Sets `d` to "nothing learnt": dns not checked, no MX, no reply,
 * retry_after -1, no provider, no transcript. */
void mp_probe_details_init(mp_probe_details *d);

/* Builds the JSON object for `r`. `input`/`input_len` is the address as the
 * user gave it (any bytes; echoed as "email"). `details` NULL gives the
 * local-check form (exactly the keys of the schema, "mx": null, "smtp" from
 * r->evidence with null details); non-NULL adds the prober's fields and the
 * "provider", "retry_after" (and "transcript") keys. Returns a new object the
 * caller frees with cJSON_Delete(), or NULL when out of memory. */
cJSON *mp_result_to_json(const mp_result *r, const char *input, size_t input_len,
                         const mp_probe_details *details);

/* Writes the same JSON text as cJSON_PrintUnformatted(mp_result_to_json(
 * r, input, input_len, details)) straight to `out`, without building a tree
 * (the bulk path of `mailprobe check`: several times faster). No newline is
 * added. Returns false when `out` reports a write error. A unit test
 * (test_prober_result_json) holds the two forms byte-identical. */
bool mp_result_write_json(FILE *out, const mp_result *r, const char *input, size_t input_len,
                          const mp_probe_details *details);

/* Copies `len` octets of `in` to `out` as valid UTF-8: every octet that is
 * not part of a well-formed sequence (RFC 3629), and every NUL, becomes
 * U+FFFD. `out` must hold 3 * len + 1 octets; the result is NUL-terminated.
 * Returns its length. */
size_t mp_utf8_sanitize(const char *in, size_t len, char *out);

#endif
