/* UTF-8 decoding for the parser and IDNA: strict (RFC 3629), no overlongs,
 * no surrogates, nothing above U+10FFFF. */
#ifndef MP_UTF8_H
#define MP_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..len). Returns the number of octets used
 * (1-4) and stores the code point in *cp, or returns 0 when the sequence is
 * malformed or truncated (*cp untouched). len must be > 0. */
size_t mp_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encodes cp into out (room for 4 octets). Returns octets written, 0 for an
 * invalid code point. */
size_t mp_utf8_encode(uint32_t cp, unsigned char *out);

#endif
