/* The per-domain memo: a set-associative table of MP_MEMO_SLOTS slots in
 * sets of MP_MEMO_WAYS, keyed by an FNV-1a hash of the domain octets and
 * the flags. A domain may live in any slot of its set, so busy domains
 * that hash alike do not evict each other. A CRM export of 1,917 domains
 * (200,000 addresses) hit 54 % of the time in 256 direct-mapped slots,
 * 95 % in 4,096 slots of 2 ways and 97.5 % of 4 ways (98.7 % of 8 ways,
 * no faster; the first sight of each domain is 1 %). A miss replaces the
 * least recently used slot of the set, which costs one recomputation,
 * never a wrong answer (the key is compared in full). */
#include <string.h>
#include "copy.h"
#include "memo.h"

void mp_domain_memo_init(mp_domain_memo *memo)
{
    memset(memo, 0, sizeof *memo);
}

static uint32_t memo_hash(const unsigned char *d, size_t n, unsigned flags)
{
    uint32_t h = 2166136261u ^ flags;
    for (size_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 16777619u;
    return h ? h : 1; /* 0 marks an empty slot */
}

mp_memo_slot *mp_memo_find(mp_domain_memo *memo, const unsigned char *d, size_t n,
                           unsigned flags, bool *hit)
{
    *hit = false;
    if (n >= MP_MEMO_NAME)
        return NULL;
    uint32_t h = memo_hash(d, n, flags);
    mp_memo_slot *set = &memo->slot[(h % (MP_MEMO_SLOTS / MP_MEMO_WAYS)) * MP_MEMO_WAYS];
    mp_memo_slot *oldest = set;
    uint32_t now = ++memo->clock;
    for (int way = 0; way < MP_MEMO_WAYS; way++) {
        mp_memo_slot *slot = &set[way];
        if (slot->hash == h && slot->key_len == n && slot->flags == flags &&
            memcmp(slot->key, d, n) == 0) {
            *hit = true;
            memo->hits++;
            slot->used = now;
            return slot;
        }
        /* Ages wrap after 2^32 lookups: then one eviction is merely not the
         * oldest, which costs nothing but a recomputation. */
        if (now - slot->used > now - oldest->used)
            oldest = slot;
    }
    memo->misses++;
    mp_memo_slot *slot = oldest;
    slot->used = now;
    slot->hash = h;
    slot->key_len = (uint8_t)n;
    slot->flags = (uint8_t)flags;
    slot->facts = 0;
    mp_copy(slot->key, d, n);
    return slot;
}

/* Copies a NUL-terminated form into a slot field; false when too long. */
static bool keep(char *field, uint8_t *len, const char *s)
{
    size_t n = strlen(s);
    if (n >= MP_MEMO_NAME)
        return false;
    memcpy(field, s, n + 1);
    *len = (uint8_t)n;
    return true;
}

bool mp_memo_store(mp_memo_slot *slot, mp_syntax_code code, int position,
                   const mp_syntax *syntax, bool special_use)
{
    if (!keep(slot->ascii, &slot->ascii_len, syntax->ascii_domain) ||
        !keep(slot->unicode, &slot->unicode_len, syntax->unicode_domain)) {
        slot->hash = 0;
        return false;
    }
    slot->code = (uint8_t)code;
    slot->position = (int16_t)position;
    slot->facts = (uint8_t)((special_use ? MEMO_SPECIAL_USE : 0) |
                            (syntax->domain_literal ? MEMO_LITERAL : 0));
    return true;
}

mp_syntax_code mp_memo_recall(const mp_memo_slot *slot, mp_syntax *syntax, int *position)
{
    /* Whole fields, a fixed size (the NUL is inside): plain moves, no
     * length-dependent copy. The destinations are larger. */
    _Static_assert(sizeof syntax->ascii_domain >= MP_MEMO_NAME, "ascii_domain holds a slot field");
    memcpy(syntax->ascii_domain, slot->ascii, MP_MEMO_NAME);
    memcpy(syntax->unicode_domain, slot->unicode, MP_MEMO_NAME);
    syntax->domain_literal = (slot->facts & MEMO_LITERAL) != 0;
    *position = slot->position;
    return (mp_syntax_code)slot->code;
}
