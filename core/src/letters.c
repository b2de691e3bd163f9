/* mp_is_letter_mark_digit: bisect the block index, then walk at most one
 * block of varint steps (see core/tools/gen_letters.py for the format);
 * mp_nfc_growth_octets: a walk over 37 ranges, for non-ASCII only. */
#include "letters.h"
#include "utf8.h"

/* Reads one little-endian base-128 varint at *p and advances *p. */
static uint32_t read_varint(const uint8_t **p)
{
    uint32_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint32_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

bool mp_is_letter_mark_digit(uint32_t cp)
{
    if (cp <= mp_letter_blocks[0].base)
        return false;
    /* The last block whose base lies below cp: only its ranges can hold cp
     * (the next block's base is this block's last code point). */
    size_t lo = 0, hi = mp_letter_block_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (mp_letter_blocks[mid].base < cp) lo = mid;
        else hi = mid;
    }
    const uint8_t *p = mp_letter_steps + mp_letter_blocks[lo].at;
    const uint8_t *end = lo + 1 < mp_letter_block_count
        ? mp_letter_steps + mp_letter_blocks[lo + 1].at
        : mp_letter_steps + mp_letter_steps_len;
    uint32_t last = mp_letter_blocks[lo].base;
    while (p < end) {
        uint32_t first = last + read_varint(&p);
        if (cp < first)
            return false;
        last = first + read_varint(&p);
        if (cp <= last)
            return true;
    }
    return false;
}

size_t mp_nfc_growth_octets(const unsigned char *s, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = s[i];
        size_t len = cp < 0x80 ? 1 : mp_utf8_decode(s + i, n - i, &cp);
        if (len == 0)
            return extra; /* not UTF-8: the caller validated it */
        for (size_t k = 0; k < mp_nfc_growth_count && cp >= mp_nfc_growths[k].first; k++)
            if (cp <= mp_nfc_growths[k].last)
                extra += mp_nfc_growths[k].growth;
        i += len;
    }
    return extra;
}
