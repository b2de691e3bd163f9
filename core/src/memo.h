/* The per-domain memo of mp_check_memo() (core.h): what parse.c and
 * check.c share about a slot. A slot is found or claimed by the domain's
 * octets as given plus the MP_ALLOW_* flags; parse.c fills the syntax part
 * on a miss, check.c the list part the first time the domain is valid. */
#ifndef MAILPROBE_MEMO_H
#define MAILPROBE_MEMO_H

#include "mailprobe/core.h"

/* Bits of mp_memo_slot.facts. */
enum {
    MEMO_SPECIAL_USE = 1 << 0,  /* ascii is a special-use name */
    MEMO_LITERAL = 1 << 1,      /* an address literal ([192.0.2.1]) */
    MEMO_LISTS = 1 << 2,        /* the four below are known */
    MEMO_DISPOSABLE = 1 << 3,
    MEMO_FREE = 1 << 4,
    MEMO_SUGGESTION = 1 << 5,   /* suggestion[] holds the suggested domain */
    MEMO_UNKNOWN_TLD = 1 << 6,
};

/* The slot remembering domain d[0..n) under `flags`: *hit tells whether it
 * is filled; on a miss the slot is claimed (keyed, facts cleared) for the
 * caller to fill with mp_memo_store(). NULL when the domain is too long to
 * remember. */
mp_memo_slot *mp_memo_find(mp_domain_memo *memo, const unsigned char *d, size_t n,
                           unsigned flags, bool *hit);

/* Stores a parsed domain in a claimed slot: its code, its position relative
 * to the domain start (-1 for none) and the syntax's ascii/unicode forms.
 * Returns false, and frees the slot, when a form is too long to remember. */
bool mp_memo_store(mp_memo_slot *slot, mp_syntax_code code, int position,
                   const mp_syntax *syntax, bool special_use);

/* Copies what the slot remembers into the syntax; returns the code and the
 * position relative to the domain start in *position. */
mp_syntax_code mp_memo_recall(const mp_memo_slot *slot, mp_syntax *syntax, int *position);

/* mp_parse() through the memo (parse.c). Returns the domain's slot, filled
 * with its syntax facts, or NULL when the parse never reached the domain
 * or the domain is not remembered. */
mp_memo_slot *mp_parse_memo(const char *input, size_t len, const mp_options *opts,
                            mp_domain_memo *memo, mp_syntax *out);

#endif
