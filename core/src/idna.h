/* IDNA2008 with UTS #46 processing (non-transitional), for domains.
 * Implemented in the core itself (not libidn2) so the native and the
 * WebAssembly builds give identical answers; tests compare it with libidn2. */
#ifndef MP_IDNA_H
#define MP_IDNA_H
#include <stddef.h>
#include "mailprobe/core.h"

/* Converts `in` (UTF-8, any case, `len` octets, already free of controls and
 * spaces) to its lower-case A-label form in `ascii` and U-label form in
 * `unicode` (both NUL-terminated). Applies the UTS #46 mapping, NFC, the
 * IDNA2008 validity rules and punycode (RFC 3492) both ways; xn-- labels in
 * the input are decoded and validated. Does not apply DNS hostname rules
 * (LDH, lengths, label count): the parser checks those on `ascii`.
 * Returns MP_SYNTAX_OK or MP_SYNTAX_IDNA_INVALID / MP_SYNTAX_TOO_LONG /
 * MP_SYNTAX_LABEL_INVALID_CHAR (a non-LDH ASCII character, STD3 rules) /
 * MP_SYNTAX_LABEL_HYPHEN (a U-label starting or ending with '-') /
 * MP_SYNTAX_LABEL_RESERVED_HYPHENS (a U-label with "--" in its 3rd and 4th
 * code points; mapped labels that come out ASCII are left to the parser) /
 * MP_SYNTAX_INVALID_UTF8, with *bad_offset set to the octet offset in `in`
 * of the first offending code point, or of the label at fault when the
 * error is the label's as a whole (-1 when OK). On error both outputs are
 * empty strings.
 *
 * Fast path: an all-ASCII `in` with no label starting with "xn--" is only
 * lower-cased (no LDH check). Empty labels ("a..b", a trailing dot) are
 * passed through for the parser to report; a label that the mapping empties
 * (only ignorable code points) is MP_SYNTAX_IDNA_INVALID. A label longer
 * than 256 code points after mapping is MP_SYNTAX_TOO_LONG, as is output
 * that does not fit `ascii_cap` / `unicode_cap` (sizes including the NUL).
 * Tables: UTS #46 and UCD 15.0.0 (core/data/idna/README.md). */
mp_syntax_code mp_idna_to_ascii(const char *in, size_t len,
                                char *ascii, size_t ascii_cap,
                                char *unicode, size_t unicode_cap,
                                int *bad_offset);

#endif
