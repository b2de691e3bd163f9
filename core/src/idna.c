/* STUB — replaced by the IDNA implementation. */
#include <string.h>
#include "idna.h"

mp_syntax_code mp_idna_to_ascii(const char *in, size_t len, char *ascii, size_t ascii_cap,
                                char *unicode, size_t unicode_cap, int *bad_offset)
{
    (void)in; (void)len; (void)ascii; (void)ascii_cap; (void)unicode; (void)unicode_cap;
    *bad_offset = -1;
    return MP_SYNTAX_IDNA_INVALID;
}
