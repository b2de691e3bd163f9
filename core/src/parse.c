/* STUB — replaced by the syntax parser. */
#include <string.h>
#include "mailprobe/core.h"
#include "idna.h"

void mp_options_default(mp_options *opts) { opts->flags = 0; }

void mp_parse(const char *input, size_t len, const mp_options *opts, mp_syntax *out)
{
    (void)input; (void)len; (void)opts;
    memset(out, 0, sizeof *out);
    out->code = MP_SYNTAX_EMPTY;
    out->position = -1;
}
