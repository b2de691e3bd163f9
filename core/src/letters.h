/* Which code points a non-ASCII local part may hold: Unicode letters, marks
 * and decimal digits (categories L*, M*, Nd; core/data/letters.txt, which
 * says where they come from). The ranges are stored as varint steps with a
 * block index (core/tools/gen_letters.py): in the WebAssembly module they
 * take 1.1 KB less, gzipped, than a table of pairs. */
#ifndef MAILPROBE_LETTERS_H
#define MAILPROBE_LETTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether cp is a letter, a mark or a decimal digit (any cp; ASCII too). */
bool mp_is_letter_mark_digit(uint32_t cp);

/* How many octets longer than s[0..n) (valid UTF-8) its NFC form can be:
 * the sum of the growth of its code points (core/data/nfc-growth.txt). The
 * parser holds a local part to 64 octets in NFC too (docs/syntax.md). */
size_t mp_nfc_growth_octets(const unsigned char *s, size_t n);

/* The generated tables (letters_data.c). Block k starts at
 * mp_letter_steps[at]; `base` is the last code point of the range before it
 * (0 for the first block). */
typedef struct mp_letter_block {
    uint32_t base;
    uint16_t at;
} mp_letter_block;
extern const uint8_t mp_letter_steps[];
extern const size_t mp_letter_steps_len;
extern const mp_letter_block mp_letter_blocks[];
extern const size_t mp_letter_block_count;
extern const size_t mp_letter_range_count;

/* Code points first..last each grow by `growth` octets in NFC. */
typedef struct mp_nfc_growth {
    uint16_t first, last;
    uint8_t growth;
} mp_nfc_growth;
extern const mp_nfc_growth mp_nfc_growths[];
extern const size_t mp_nfc_growth_count;

#endif
