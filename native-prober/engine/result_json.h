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
#include "prober.h"

/* Builds the JSON object for `r`. `input`/`input_len` is the address as the
 * user gave it (any bytes; echoed as "email"). `details` NULL gives the
 * local-check form (exactly the keys of the schema, "mx": null, "smtp" from
 * r->evidence with null details); non-NULL adds the prober's fields and the
 * "provider", "retry_after" (and "transcript") keys. Returns a new object the
 * caller frees with cJSON_Delete(), or NULL when out of memory. */
cJSON *mp_result_to_json(const mp_result *r, const char *input, size_t input_len,
                         const mp_probe_details *details);

/* The same object as JSON text, without white space (cJSON_PrintUnformatted):
 * malloc'd, the caller frees it; NULL when out of memory. What `serve`
 * stores and answers. */
char *mp_result_to_json_text(const mp_result *r, const char *input, size_t input_len,
                             const mp_probe_details *details);

/* Writes the same JSON text as cJSON_PrintUnformatted(mp_result_to_json(
 * r, input, input_len, details)) straight to `out`, without building a tree
 * (the bulk path of `mailprobe check`: several times faster). No newline is
 * added. Returns false when `out` reports a write error. A unit test
 * (test_engine_result_json) holds the two forms byte-identical. */
bool mp_result_write_json(FILE *out, const mp_result *r, const char *input, size_t input_len,
                          const mp_probe_details *details);

/* Copies `len` octets of `in` to `out` as valid UTF-8: every octet that is
 * not part of a well-formed sequence (RFC 3629), and every NUL, becomes
 * U+FFFD. `out` must hold 3 * len + 1 octets; the result is NUL-terminated.
 * Returns its length. */
size_t mp_utf8_sanitize(const char *in, size_t len, char *out);

#endif
