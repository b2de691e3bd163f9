/* verify_cache.h — what the single-verify result cache (store.h) is keyed
 * by, and how a cached answer is given to a new request.
 *
 * The key is the normalized address (local part as given, '@', lower-case
 * A-label domain) of a syntactically valid input: "Bob@Example.ORG" and
 * "Bob@example.org" share one entry, and input that is not an address — a
 * 1 MiB junk string — is never stored. The stored result echoes the input
 * that was probed; a hit answers with the asking request's own input in
 * "email" and "syntax" (the only fields that depend on its spelling). */
#ifndef MP_VERIFY_CACHE_H
#define MP_VERIFY_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include "mailprobe/core.h"

/* Room for a key: the longest normalized address. */
enum { MP_VERIFY_CACHE_KEY_MAX = sizeof(((mp_result *)0)->normalized) };

/* Writes the cache key of `input` (`len` octets) checked with `opts`
 * into `key` and returns true; false (key "") when the input is not a
 * valid address or longer than MP_INPUT_MAX octets: such input is never
 * cached. */
bool mp_verify_cache_key(const char *input, size_t len, const mp_options *opts,
                         char key[MP_VERIFY_CACHE_KEY_MAX]);

/* The answer to a request for `input` from a cached result text: the
 * cached object with "email" and "syntax" made from `input` (checked with
 * `opts`). malloc'd JSON text the caller frees; NULL when the cached text
 * is not a JSON object or memory runs out. */
char *mp_verify_cache_answer(const char *cached, const char *input, size_t len, const mp_options *opts);

#endif
