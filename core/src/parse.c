/* The address parser: one input becomes one mp_syntax, under the default
 * profile of docs/syntax.md and the MP_ALLOW_* options. Pure C11: no
 * allocation, no I/O, no locale. ASCII is classified by one table; the few
 * Unicode rules use sorted range tables searched by bisection.
 *
 * The steps, in the order their errors are reported (first error wins):
 *   1. length of the whole input (empty, > MP_INPUT_MAX);
 *   2. one pass over every octet: invalid UTF-8, control and invisible
 *      characters stop at once; angle brackets, parentheses and spaces
 *      outside a quoted local part are remembered;
 *   3. display name, comment, whitespace (from what step 2 remembered);
 *   4. where the '@' is: quoted local part, no '@', several '@';
 *   5. the local part (dot-atom or, with the option, quoted string);
 *   6. the domain (address literal, or IDNA then DNS hostname rules);
 *   7. the address length, then special-use names.
 */
#include <stdint.h>
#include <string.h>

#include "mailprobe/core.h"
#include "idna.h"
#include "memo.h"
#include "utf8.h"

/* ---- Character classes ----------------------------------------------- */

enum {
    CC_ATEXT = 1u << 0,  /* RFC 5322 §3.2.3 atext */
    CC_LDH = 1u << 1,    /* letter, digit, hyphen (RFC 1035 §2.3.1) */
    CC_DIGIT = 1u << 2,
    CC_HEX = 1u << 3,
    CC_UPPER = 1u << 4,
    CC_CONTROL = 1u << 5, /* C0 controls except TAB, and DEL */
    CC_NOTE = 1u << 6,    /* the scan must look: space, tab, " \ @ < > ( ) */
};

#define A CC_ATEXT
#define L CC_LDH
#define D CC_DIGIT
#define H CC_HEX
#define U CC_UPPER
#define C CC_CONTROL
#define N CC_NOTE
static const unsigned char ascii_class[128] = {
    C, C, C, C, C, C, C, C,  /* 00 01 02 03 04 05 06 07 */
    C, N, C, C, C, C, C, C,  /* 08 09 0A 0B 0C 0D 0E 0F */
    C, C, C, C, C, C, C, C,  /* 10 11 12 13 14 15 16 17 */
    C, C, C, C, C, C, C, C,  /* 18 19 1A 1B 1C 1D 1E 1F */
    N, A, N, A, A, A, A, A,  /*   ! " # $ % & ' */
    N, N, A, A, 0, A|L, 0, A,  /* ( ) * + , - . / */
    A|L|D|H, A|L|D|H, A|L|D|H, A|L|D|H, A|L|D|H, A|L|D|H, A|L|D|H, A|L|D|H,  /* 0 1 2 3 4 5 6 7 */
    A|L|D|H, A|L|D|H, 0, 0, N, A, N, A,  /* 8 9 : ; < = > ? */
    N, A|L|H|U, A|L|H|U, A|L|H|U, A|L|H|U, A|L|H|U, A|L|H|U, A|L|U,  /* @ A B C D E F G */
    A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U,  /* H I J K L M N O */
    A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U, A|L|U,  /* P Q R S T U V W */
    A|L|U, A|L|U, A|L|U, 0, N, 0, A, A,  /* X Y Z [ \\ ] ^ _ */
    A, A|L|H, A|L|H, A|L|H, A|L|H, A|L|H, A|L|H, A|L,  /* ` a b c d e f g */
    A|L, A|L, A|L, A|L, A|L, A|L, A|L, A|L,  /* h i j k l m n o */
    A|L, A|L, A|L, A|L, A|L, A|L, A|L, A|L,  /* p q r s t u v w */
    A|L, A|L, A|L, A, A, A, A, C,  /* x y z { | } ~ 7F */
};
#undef A
#undef L
#undef D
#undef H
#undef U
#undef C
#undef N

static unsigned char ascii_lower(unsigned char c)
{
    return (ascii_class[c & 0x7F] & CC_UPPER) ? (unsigned char)(c + 32) : c;
}

typedef struct cp_range {
    uint32_t first, last;
} cp_range;

static bool in_ranges(const cp_range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].first) hi = mid;
        else if (cp > r[mid].last) lo = mid + 1;
        else return true;
    }
    return false;
}

/* Invisible characters: general category Cf plus the rest of
 * Default_Ignorable_Code_Point (Unicode 14, DerivedCoreProperties.txt):
 * soft hyphen, zero-width and bidi controls, word joiners, the BOM,
 * variation selectors, Hangul fillers and tags. They make two addresses
 * look the same on screen, so they are refused everywhere. */
static const cp_range invisible_ranges[] = {
    {0xAD, 0xAD}, {0x34F, 0x34F}, {0x600, 0x605}, {0x61C, 0x61C},
    {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2},
    {0x115F, 0x1160}, {0x17B4, 0x17B5}, {0x180B, 0x180F}, {0x200B, 0x200F},
    {0x202A, 0x202E}, {0x2060, 0x206F}, {0x3164, 0x3164}, {0xFE00, 0xFE0F},
    {0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFFB}, {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

/* Unicode spaces (categories Zs, Zl, Zp beyond ASCII). */
static bool is_unicode_space(uint32_t cp)
{
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

/* What a non-ASCII local part may hold (RFC 6531 allows any UTF-8; we keep
 * letters, marks and decimal digits: general categories L*, M*, Nd, from
 * Unicode 14, Python 3.11's unicodedata). Regenerate with:
 *   python3 -c 'import unicodedata as u; c = lambda x: u.category(chr(x));
 *     ok = [x for x in range(0x80, 0x110000) if c(x)[0] in "LM" or c(x) == "Nd"]
 *     r = [[ok[0], ok[0]]]; [r[-1].__setitem__(1, x) if x == r[-1][1] + 1
 *       else r.append([x, x]) for x in ok[1:]]; print(len(r))'
 * which yields these 744 inclusive ranges. */
static const cp_range letter_mark_digit_ranges[] = {
    {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6}, {0xD8, 0xF6},
    {0xF8, 0x2C1}, {0x2C6, 0x2D1}, {0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE},
    {0x300, 0x374}, {0x376, 0x377}, {0x37A, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386},
    {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481},
    {0x483, 0x52F}, {0x531, 0x556}, {0x559, 0x559}, {0x560, 0x588}, {0x591, 0x5BD},
    {0x5BF, 0x5BF}, {0x5C1, 0x5C2}, {0x5C4, 0x5C5}, {0x5C7, 0x5C7}, {0x5D0, 0x5EA},
    {0x5EF, 0x5F2}, {0x610, 0x61A}, {0x620, 0x669}, {0x66E, 0x6D3}, {0x6D5, 0x6DC},
    {0x6DF, 0x6E8}, {0x6EA, 0x6FC}, {0x6FF, 0x6FF}, {0x710, 0x74A}, {0x74D, 0x7B1},
    {0x7C0, 0x7F5}, {0x7FA, 0x7FA}, {0x7FD, 0x7FD}, {0x800, 0x82D}, {0x840, 0x85B},
    {0x860, 0x86A}, {0x870, 0x887}, {0x889, 0x88E}, {0x898, 0x8E1}, {0x8E3, 0x963},
    {0x966, 0x96F}, {0x971, 0x983}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8},
    {0x9AA, 0x9B0}, {0x9B2, 0x9B2}, {0x9B6, 0x9B9}, {0x9BC, 0x9C4}, {0x9C7, 0x9C8},
    {0x9CB, 0x9CE}, {0x9D7, 0x9D7}, {0x9DC, 0x9DD}, {0x9DF, 0x9E3}, {0x9E6, 0x9F1},
    {0x9FC, 0x9FC}, {0x9FE, 0x9FE}, {0xA01, 0xA03}, {0xA05, 0xA0A}, {0xA0F, 0xA10},
    {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33}, {0xA35, 0xA36}, {0xA38, 0xA39},
    {0xA3C, 0xA3C}, {0xA3E, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51},
    {0xA59, 0xA5C}, {0xA5E, 0xA5E}, {0xA66, 0xA75}, {0xA81, 0xA83}, {0xA85, 0xA8D},
    {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3}, {0xAB5, 0xAB9},
    {0xABC, 0xAC5}, {0xAC7, 0xAC9}, {0xACB, 0xACD}, {0xAD0, 0xAD0}, {0xAE0, 0xAE3},
    {0xAE6, 0xAEF}, {0xAF9, 0xAFF}, {0xB01, 0xB03}, {0xB05, 0xB0C}, {0xB0F, 0xB10},
    {0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3C, 0xB44},
    {0xB47, 0xB48}, {0xB4B, 0xB4D}, {0xB55, 0xB57}, {0xB5C, 0xB5D}, {0xB5F, 0xB63},
    {0xB66, 0xB6F}, {0xB71, 0xB71}, {0xB82, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90},
    {0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C}, {0xB9E, 0xB9F}, {0xBA3, 0xBA4},
    {0xBA8, 0xBAA}, {0xBAE, 0xBB9}, {0xBBE, 0xBC2}, {0xBC6, 0xBC8}, {0xBCA, 0xBCD},
    {0xBD0, 0xBD0}, {0xBD7, 0xBD7}, {0xBE6, 0xBEF}, {0xC00, 0xC0C}, {0xC0E, 0xC10},
    {0xC12, 0xC28}, {0xC2A, 0xC39}, {0xC3C, 0xC44}, {0xC46, 0xC48}, {0xC4A, 0xC4D},
    {0xC55, 0xC56}, {0xC58, 0xC5A}, {0xC5D, 0xC5D}, {0xC60, 0xC63}, {0xC66, 0xC6F},
    {0xC80, 0xC83}, {0xC85, 0xC8C}, {0xC8E, 0xC90}, {0xC92, 0xCA8}, {0xCAA, 0xCB3},
    {0xCB5, 0xCB9}, {0xCBC, 0xCC4}, {0xCC6, 0xCC8}, {0xCCA, 0xCCD}, {0xCD5, 0xCD6},
    {0xCDD, 0xCDE}, {0xCE0, 0xCE3}, {0xCE6, 0xCEF}, {0xCF1, 0xCF2}, {0xD00, 0xD0C},
    {0xD0E, 0xD10}, {0xD12, 0xD44}, {0xD46, 0xD48}, {0xD4A, 0xD4E}, {0xD54, 0xD57},
    {0xD5F, 0xD63}, {0xD66, 0xD6F}, {0xD7A, 0xD7F}, {0xD81, 0xD83}, {0xD85, 0xD96},
    {0xD9A, 0xDB1}, {0xDB3, 0xDBB}, {0xDBD, 0xDBD}, {0xDC0, 0xDC6}, {0xDCA, 0xDCA},
    {0xDCF, 0xDD4}, {0xDD6, 0xDD6}, {0xDD8, 0xDDF}, {0xDE6, 0xDEF}, {0xDF2, 0xDF3},
    {0xE01, 0xE3A}, {0xE40, 0xE4E}, {0xE50, 0xE59}, {0xE81, 0xE82}, {0xE84, 0xE84},
    {0xE86, 0xE8A}, {0xE8C, 0xEA3}, {0xEA5, 0xEA5}, {0xEA7, 0xEBD}, {0xEC0, 0xEC4},
    {0xEC6, 0xEC6}, {0xEC8, 0xECD}, {0xED0, 0xED9}, {0xEDC, 0xEDF}, {0xF00, 0xF00},
    {0xF18, 0xF19}, {0xF20, 0xF29}, {0xF35, 0xF35}, {0xF37, 0xF37}, {0xF39, 0xF39},
    {0xF3E, 0xF47}, {0xF49, 0xF6C}, {0xF71, 0xF84}, {0xF86, 0xF97}, {0xF99, 0xFBC},
    {0xFC6, 0xFC6}, {0x1000, 0x1049}, {0x1050, 0x109D}, {0x10A0, 0x10C5}, {0x10C7, 0x10C7},
    {0x10CD, 0x10CD}, {0x10D0, 0x10FA}, {0x10FC, 0x1248}, {0x124A, 0x124D}, {0x1250, 0x1256},
    {0x1258, 0x1258}, {0x125A, 0x125D}, {0x1260, 0x1288}, {0x128A, 0x128D}, {0x1290, 0x12B0},
    {0x12B2, 0x12B5}, {0x12B8, 0x12BE}, {0x12C0, 0x12C0}, {0x12C2, 0x12C5}, {0x12C8, 0x12D6},
    {0x12D8, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x135A}, {0x135D, 0x135F}, {0x1380, 0x138F},
    {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1401, 0x166C}, {0x166F, 0x167F}, {0x1681, 0x169A},
    {0x16A0, 0x16EA}, {0x16F1, 0x16F8}, {0x1700, 0x1715}, {0x171F, 0x1734}, {0x1740, 0x1753},
    {0x1760, 0x176C}, {0x176E, 0x1770}, {0x1772, 0x1773}, {0x1780, 0x17D3}, {0x17D7, 0x17D7},
    {0x17DC, 0x17DD}, {0x17E0, 0x17E9}, {0x180B, 0x180D}, {0x180F, 0x1819}, {0x1820, 0x1878},
    {0x1880, 0x18AA}, {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1920, 0x192B}, {0x1930, 0x193B},
    {0x1946, 0x196D}, {0x1970, 0x1974}, {0x1980, 0x19AB}, {0x19B0, 0x19C9}, {0x19D0, 0x19D9},
    {0x1A00, 0x1A1B}, {0x1A20, 0x1A5E}, {0x1A60, 0x1A7C}, {0x1A7F, 0x1A89}, {0x1A90, 0x1A99},
    {0x1AA7, 0x1AA7}, {0x1AB0, 0x1ACE}, {0x1B00, 0x1B4C}, {0x1B50, 0x1B59}, {0x1B6B, 0x1B73},
    {0x1B80, 0x1BF3}, {0x1C00, 0x1C37}, {0x1C40, 0x1C49}, {0x1C4D, 0x1C7D}, {0x1C80, 0x1C88},
    {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CFA}, {0x1D00, 0x1F15},
    {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59},
    {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB},
    {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2071, 0x2071}, {0x207F, 0x207F},
    {0x2090, 0x209C}, {0x20D0, 0x20F0}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
    {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
    {0x212A, 0x212D}, {0x212F, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149}, {0x214E, 0x214E},
    {0x2183, 0x2184}, {0x2C00, 0x2CE4}, {0x2CEB, 0x2CF3}, {0x2D00, 0x2D25}, {0x2D27, 0x2D27},
    {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67}, {0x2D6F, 0x2D6F}, {0x2D7F, 0x2D96}, {0x2DA0, 0x2DA6},
    {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6}, {0x2DB8, 0x2DBE}, {0x2DC0, 0x2DC6}, {0x2DC8, 0x2DCE},
    {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE}, {0x2DE0, 0x2DFF}, {0x2E2F, 0x2E2F}, {0x3005, 0x3006},
    {0x302A, 0x302F}, {0x3031, 0x3035}, {0x303B, 0x303C}, {0x3041, 0x3096}, {0x3099, 0x309A},
    {0x309D, 0x309F}, {0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E},
    {0x31A0, 0x31BF}, {0x31F0, 0x31FF}, {0x3400, 0x4DBF}, {0x4E00, 0xA48C}, {0xA4D0, 0xA4FD},
    {0xA500, 0xA60C}, {0xA610, 0xA62B}, {0xA640, 0xA672}, {0xA674, 0xA67D}, {0xA67F, 0xA6E5},
    {0xA6F0, 0xA6F1}, {0xA717, 0xA71F}, {0xA722, 0xA788}, {0xA78B, 0xA7CA}, {0xA7D0, 0xA7D1},
    {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9}, {0xA7F2, 0xA827}, {0xA82C, 0xA82C}, {0xA840, 0xA873},
    {0xA880, 0xA8C5}, {0xA8D0, 0xA8D9}, {0xA8E0, 0xA8F7}, {0xA8FB, 0xA8FB}, {0xA8FD, 0xA92D},
    {0xA930, 0xA953}, {0xA960, 0xA97C}, {0xA980, 0xA9C0}, {0xA9CF, 0xA9D9}, {0xA9E0, 0xA9FE},
    {0xAA00, 0xAA36}, {0xAA40, 0xAA4D}, {0xAA50, 0xAA59}, {0xAA60, 0xAA76}, {0xAA7A, 0xAAC2},
    {0xAADB, 0xAADD}, {0xAAE0, 0xAAEF}, {0xAAF2, 0xAAF6}, {0xAB01, 0xAB06}, {0xAB09, 0xAB0E},
    {0xAB11, 0xAB16}, {0xAB20, 0xAB26}, {0xAB28, 0xAB2E}, {0xAB30, 0xAB5A}, {0xAB5C, 0xAB69},
    {0xAB70, 0xABEA}, {0xABEC, 0xABED}, {0xABF0, 0xABF9}, {0xAC00, 0xD7A3}, {0xD7B0, 0xD7C6},
    {0xD7CB, 0xD7FB}, {0xF900, 0xFA6D}, {0xFA70, 0xFAD9}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17},
    {0xFB1D, 0xFB28}, {0xFB2A, 0xFB36}, {0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41},
    {0xFB43, 0xFB44}, {0xFB46, 0xFBB1}, {0xFBD3, 0xFD3D}, {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7},
    {0xFDF0, 0xFDFB}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFE70, 0xFE74}, {0xFE76, 0xFEFC},
    {0xFF10, 0xFF19}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE}, {0xFFC2, 0xFFC7},
    {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0x10000, 0x1000B}, {0x1000D, 0x10026},
    {0x10028, 0x1003A}, {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D}, {0x10080, 0x100FA},
    {0x101FD, 0x101FD}, {0x10280, 0x1029C}, {0x102A0, 0x102D0}, {0x102E0, 0x102E0}, {0x10300, 0x1031F},
    {0x1032D, 0x10340}, {0x10342, 0x10349}, {0x10350, 0x1037A}, {0x10380, 0x1039D}, {0x103A0, 0x103C3},
    {0x103C8, 0x103CF}, {0x10400, 0x1049D}, {0x104A0, 0x104A9}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10500, 0x10527}, {0x10530, 0x10563}, {0x10570, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592},
    {0x10594, 0x10595}, {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC},
    {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785}, {0x10787, 0x107B0},
    {0x107B2, 0x107BA}, {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835}, {0x10837, 0x10838},
    {0x1083C, 0x1083C}, {0x1083F, 0x10855}, {0x10860, 0x10876}, {0x10880, 0x1089E}, {0x108E0, 0x108F2},
    {0x108F4, 0x108F5}, {0x10900, 0x10915}, {0x10920, 0x10939}, {0x10980, 0x109B7}, {0x109BE, 0x109BF},
    {0x10A00, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35},
    {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F}, {0x10A60, 0x10A7C}, {0x10A80, 0x10A9C}, {0x10AC0, 0x10AC7},
    {0x10AC9, 0x10AE6}, {0x10B00, 0x10B35}, {0x10B40, 0x10B55}, {0x10B60, 0x10B72}, {0x10B80, 0x10B91},
    {0x10C00, 0x10C48}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x10D00, 0x10D27}, {0x10D30, 0x10D39},
    {0x10E80, 0x10EA9}, {0x10EAB, 0x10EAC}, {0x10EB0, 0x10EB1}, {0x10F00, 0x10F1C}, {0x10F27, 0x10F27},
    {0x10F30, 0x10F50}, {0x10F70, 0x10F85}, {0x10FB0, 0x10FC4}, {0x10FE0, 0x10FF6}, {0x11000, 0x11046},
    {0x11066, 0x11075}, {0x1107F, 0x110BA}, {0x110C2, 0x110C2}, {0x110D0, 0x110E8}, {0x110F0, 0x110F9},
    {0x11100, 0x11134}, {0x11136, 0x1113F}, {0x11144, 0x11147}, {0x11150, 0x11173}, {0x11176, 0x11176},
    {0x11180, 0x111C4}, {0x111C9, 0x111CC}, {0x111CE, 0x111DA}, {0x111DC, 0x111DC}, {0x11200, 0x11211},
    {0x11213, 0x11237}, {0x1123E, 0x1123E}, {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128A, 0x1128D},
    {0x1128F, 0x1129D}, {0x1129F, 0x112A8}, {0x112B0, 0x112EA}, {0x112F0, 0x112F9}, {0x11300, 0x11303},
    {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328}, {0x1132A, 0x11330}, {0x11332, 0x11333},
    {0x11335, 0x11339}, {0x1133B, 0x11344}, {0x11347, 0x11348}, {0x1134B, 0x1134D}, {0x11350, 0x11350},
    {0x11357, 0x11357}, {0x1135D, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x11400, 0x1144A},
    {0x11450, 0x11459}, {0x1145E, 0x11461}, {0x11480, 0x114C5}, {0x114C7, 0x114C7}, {0x114D0, 0x114D9},
    {0x11580, 0x115B5}, {0x115B8, 0x115C0}, {0x115D8, 0x115DD}, {0x11600, 0x11640}, {0x11644, 0x11644},
    {0x11650, 0x11659}, {0x11680, 0x116B8}, {0x116C0, 0x116C9}, {0x11700, 0x1171A}, {0x1171D, 0x1172B},
    {0x11730, 0x11739}, {0x11740, 0x11746}, {0x11800, 0x1183A}, {0x118A0, 0x118E9}, {0x118FF, 0x11906},
    {0x11909, 0x11909}, {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x11935}, {0x11937, 0x11938},
    {0x1193B, 0x11943}, {0x11950, 0x11959}, {0x119A0, 0x119A7}, {0x119AA, 0x119D7}, {0x119DA, 0x119E1},
    {0x119E3, 0x119E4}, {0x11A00, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A50, 0x11A99}, {0x11A9D, 0x11A9D},
    {0x11AB0, 0x11AF8}, {0x11C00, 0x11C08}, {0x11C0A, 0x11C36}, {0x11C38, 0x11C40}, {0x11C50, 0x11C59},
    {0x11C72, 0x11C8F}, {0x11C92, 0x11CA7}, {0x11CA9, 0x11CB6}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09},
    {0x11D0B, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D47}, {0x11D50, 0x11D59},
    {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D8E}, {0x11D90, 0x11D91}, {0x11D93, 0x11D98},
    {0x11DA0, 0x11DA9}, {0x11EE0, 0x11EF6}, {0x11FB0, 0x11FB0}, {0x12000, 0x12399}, {0x12480, 0x12543},
    {0x12F90, 0x12FF0}, {0x13000, 0x1342E}, {0x14400, 0x14646}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E},
    {0x16A60, 0x16A69}, {0x16A70, 0x16ABE}, {0x16AC0, 0x16AC9}, {0x16AD0, 0x16AED}, {0x16AF0, 0x16AF4},
    {0x16B00, 0x16B36}, {0x16B40, 0x16B43}, {0x16B50, 0x16B59}, {0x16B63, 0x16B77}, {0x16B7D, 0x16B8F},
    {0x16E40, 0x16E7F}, {0x16F00, 0x16F4A}, {0x16F4F, 0x16F87}, {0x16F8F, 0x16F9F}, {0x16FE0, 0x16FE1},
    {0x16FE3, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x18D00, 0x18D08},
    {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122}, {0x1B150, 0x1B152},
    {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88},
    {0x1BC90, 0x1BC99}, {0x1BC9D, 0x1BC9E}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D165, 0x1D169},
    {0x1D16D, 0x1D172}, {0x1D17B, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244},
    {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6},
    {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505},
    {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E},
    {0x1D540, 0x1D544}, {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0},
    {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734}, {0x1D736, 0x1D74E},
    {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8}, {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB},
    {0x1D7CE, 0x1D7FF}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84},
    {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1DF00, 0x1DF1E}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018},
    {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E100, 0x1E12C}, {0x1E130, 0x1E13D},
    {0x1E140, 0x1E149}, {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AE}, {0x1E2C0, 0x1E2F9}, {0x1E7E0, 0x1E7E6},
    {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE}, {0x1E800, 0x1E8C4}, {0x1E8D0, 0x1E8D6},
    {0x1E900, 0x1E94B}, {0x1E950, 0x1E959}, {0x1EE00, 0x1EE03}, {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22},
    {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39},
    {0x1EE3B, 0x1EE3B}, {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B},
    {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59},
    {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F}, {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64},
    {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E},
    {0x1EE80, 0x1EE89}, {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB},
    {0x1FBF0, 0x1FBF9}, {0x20000, 0x2A6DF}, {0x2A700, 0x2B738}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1},
    {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D}, {0x30000, 0x3134A}, {0xE0100, 0xE01EF},
};

static bool is_letter_mark_digit(uint32_t cp)
{
    return in_ranges(letter_mark_digit_ranges,
                     sizeof letter_mark_digit_ranges / sizeof letter_mark_digit_ranges[0], cp);
}

static bool is_invisible(uint32_t cp)
{
    return in_ranges(invisible_ranges, sizeof invisible_ranges / sizeof invisible_ranges[0], cp);
}

/* Full stops that UTS #46 maps to '.': ideographic, fullwidth, halfwidth. */
static bool is_unicode_dot(uint32_t cp)
{
    return cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61;
}

/* ---- Step 2: the octet scan ------------------------------------------- */

/* What one pass over the input found. Positions are octet offsets, -1 for
 * "not seen". Only the first of each kind is kept. */
typedef struct scan_facts {
    mp_syntax_code hazard; /* the first INVALID_UTF8, CONTROL_CHAR, INVISIBLE_CHAR, or OK */
    int hazard_pos;
    bool utf8;       /* the whole input is valid UTF-8 */
    int angle_pos;   /* '<' or '>' outside quotes */
    int paren_pos;   /* '(' or ')' outside quotes */
    int space_pos;   /* any space outside quotes; TAB or a Unicode space anywhere */
    int quote_close; /* the closing '"' when the input starts with '"' */
    int at_first, at_second, at_last; /* '@' outside quotes */
} scan_facts;

static void remember(int *slot, size_t i)
{
    if (*slot < 0) *slot = (int)i;
}

static void remember_hazard(scan_facts *f, mp_syntax_code code, size_t i)
{
    if (f->hazard == MP_SYNTAX_OK) {
        f->hazard = code;
        f->hazard_pos = (int)i;
    }
}

/* Goes on after a control or invisible character (the '@' and the UTF-8
 * validity of the rest are still wanted), stops at invalid UTF-8.
 * Only a quote at offset 0 opens a quoted local part; a '"' anywhere else
 * is an ordinary (invalid) character for the later steps. Inside quotes a
 * backslash escapes the next printable ASCII octet (RFC 5321 quoted-pairSMTP). */
static void scan_input(const unsigned char *s, size_t len, scan_facts *f)
{
    f->hazard = MP_SYNTAX_OK;
    f->utf8 = true;
    f->hazard_pos = f->angle_pos = f->paren_pos = f->space_pos = -1;
    f->quote_close = f->at_first = f->at_second = f->at_last = -1;

    bool in_quote = s[0] == '"';
    size_t i = in_quote ? 1 : 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            unsigned cls = ascii_class[c];
            if (!(cls & (CC_NOTE | CC_CONTROL))) {
                i++;
                continue;
            }
            if (cls & CC_CONTROL) {
                remember_hazard(f, MP_SYNTAX_CONTROL_CHAR, i);
            } else if (c == '\t') {
                remember(&f->space_pos, i);
            } else if (in_quote) {
                if (c == '\\' && i + 1 < len && s[i + 1] >= 0x20 && s[i + 1] < 0x7F) {
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    in_quote = false;
                    f->quote_close = (int)i;
                }
            } else if (c == ' ') {
                remember(&f->space_pos, i);
            } else if (c == '<' || c == '>') {
                remember(&f->angle_pos, i);
            } else if (c == '(' || c == ')') {
                remember(&f->paren_pos, i);
            } else if (c == '@') {
                if (f->at_first < 0) f->at_first = (int)i;
                else if (f->at_second < 0) f->at_second = (int)i;
                f->at_last = (int)i;
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = mp_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            remember_hazard(f, MP_SYNTAX_INVALID_UTF8, i);
            f->utf8 = false;
            return;
        }
        if (cp <= 0x9F) /* C1 controls, U+0085 NEL among them */
            remember_hazard(f, MP_SYNTAX_CONTROL_CHAR, i);
        else if (is_unicode_space(cp))
            remember(&f->space_pos, i);
        else if (is_invisible(cp))
            remember_hazard(f, MP_SYNTAX_INVISIBLE_CHAR, i);
        i += n;
    }
}

/* ---- Helpers for the result ------------------------------------------- */

/* Copies s[0..n) into dst (capacity cap), cutting at a UTF-8 boundary when
 * it does not fit, so a truncated field is still valid UTF-8. */
static void copy_field(char *dst, size_t cap, const unsigned char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && (s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* ---- Step 5: the local part ------------------------------------------- */

/* RFC 5322 §3.4.1 dot-atom over atext, widened by RFC 6531 §3.3 to UTF-8
 * (letters, marks, digits only). RFC 5321 §4.5.3.1.1: at most 64 octets. */
static mp_syntax_code check_dot_atom(const unsigned char *s, size_t n, unsigned flags,
                                     int *pos, bool *smtputf8)
{
    if (n == 0) {
        *pos = -1;
        return MP_SYNTAX_LOCAL_EMPTY;
    }
    if (s[0] == '.') {
        *pos = 0;
        return MP_SYNTAX_LOCAL_DOT_START;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (ascii_class[c] & CC_ATEXT) continue;
            *pos = (int)i;
            if (c == '.') {
                if (s[i - 1] != '.') continue;
                return MP_SYNTAX_LOCAL_DOUBLE_DOT;
            }
            /* A quote inside a dot-atom ("john"."doe", obsolete RFC 5322
             * forms) is quoting we never accept, option or not. */
            if (c == '"')
                return (flags & MP_ALLOW_QUOTED_LOCAL) ? MP_SYNTAX_QUOTED_INVALID
                                                       : MP_SYNTAX_QUOTED_LOCAL;
            return MP_SYNTAX_LOCAL_INVALID_CHAR;
        }
        uint32_t cp = 0;
        size_t len = mp_utf8_decode(s + i, n - i, &cp); /* valid: the scan said so */
        *smtputf8 = true;
        if (len == 0 || !is_letter_mark_digit(cp)) {
            *pos = (int)i;
            return MP_SYNTAX_LOCAL_INVALID_CHAR;
        }
        i += len - 1;
    }
    if (s[n - 1] == '.') {
        *pos = (int)(n - 1);
        return MP_SYNTAX_LOCAL_DOT_END;
    }
    if (n > MP_LOCAL_MAX) {
        *pos = MP_LOCAL_MAX;
        return MP_SYNTAX_LOCAL_TOO_LONG;
    }
    return MP_SYNTAX_OK;
}

/* RFC 5321 §4.1.2 Quoted-string (with RFC 6531 UTF-8): s[0..n) is the whole
 * quoted local part, quotes included, already known to close at s[n-1].
 * Controls and spaces other than SP were refused by the scan. */
static mp_syntax_code check_quoted(const unsigned char *s, size_t n, int *pos, bool *smtputf8)
{
    if (n == 2) { /* "" — a zero-length mailbox name */
        *pos = 0;
        return MP_SYNTAX_QUOTED_INVALID;
    }
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = s[i];
        if (c == '\\') {
            /* quoted-pairSMTP = "\" %d32-126 */
            if (s[i + 1] < 0x20 || s[i + 1] > 0x7E) {
                *pos = (int)i;
                return MP_SYNTAX_QUOTED_INVALID;
            }
            i++;
        } else if (c >= 0x80) {
            *smtputf8 = true;
        }
    }
    if (n > MP_LOCAL_MAX) {
        *pos = MP_LOCAL_MAX;
        return MP_SYNTAX_LOCAL_TOO_LONG;
    }
    return MP_SYNTAX_OK;
}

/* ---- Step 6a: address literals (RFC 5321 §4.1.3) ---------------------- */

/* Snum "." Snum "." Snum "." Snum, each 0-255. Leading zeros are refused:
 * some resolvers read "010" as octal, so the text would be ambiguous. */
static bool parse_ipv4(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || p[i] != '.') return false;
            i++;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < n && (ascii_class[p[i] & 0x7F] & CC_DIGIT) && p[i] < 0x80 && i - start < 3) {
            value = value * 10 + (unsigned)(p[i] - '0');
            i++;
        }
        size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && p[start] == '0')) return false;
    }
    return i == n;
}

/* IPv6-full, IPv6-comp, IPv6v4-full, IPv6v4-comp. RFC 5321: "::" stands
 * for at least two groups, so at most 6 groups (an IPv4 tail counts two)
 * may appear beside it; without "::" there must be exactly 8. */
static bool parse_ipv6(const unsigned char *p, size_t n)
{
    size_t i = 0;
    int groups = 0;
    bool compressed = false;
    if (n >= 2 && p[0] == ':' && p[1] == ':') {
        compressed = true;
        i = 2;
    }
    while (i < n) {
        size_t start = i;
        while (i < n && p[i] < 0x80 && (ascii_class[p[i]] & CC_HEX) && i - start < 5) i++;
        if (i < n && p[i] == '.') { /* the IPv4 tail ends the address */
            if (!parse_ipv4(p + start, n - start)) return false;
            groups += 2;
            i = n;
            break;
        }
        size_t digits = i - start;
        if (digits == 0 || digits > 4) return false;
        groups++;
        if (i == n) break;
        if (p[i] != ':') return false;
        i++;
        if (i < n && p[i] == ':') {
            if (compressed) return false;
            compressed = true;
            i++;
        } else if (i == n) {
            return false; /* a single trailing ':' */
        }
    }
    return compressed ? groups <= 6 : groups == 8;
}

static mp_syntax_code check_literal(const unsigned char *d, size_t n, size_t off, unsigned flags,
                                    mp_syntax *out, int *pos)
{
    *pos = (int)off;
    if (!(flags & MP_ALLOW_DOMAIN_LITERAL)) return MP_SYNTAX_DOMAIN_LITERAL;
    /* The longest valid literal is "[IPv6:" + 45 + "]"; anything much
     * longer is refused before parsing. */
    if (n < 3 || n > 64 || d[n - 1] != ']') return MP_SYNTAX_DOMAIN_LITERAL_INVALID;
    const unsigned char *inner = d + 1;
    size_t inner_len = n - 2;
    bool v6 = inner_len >= 5 && ascii_lower(inner[0]) == 'i' && ascii_lower(inner[1]) == 'p' &&
              ascii_lower(inner[2]) == 'v' && inner[3] == '6' && inner[4] == ':';
    if (v6 ? !parse_ipv6(inner + 5, inner_len - 5) : !parse_ipv4(inner, inner_len))
        return MP_SYNTAX_DOMAIN_LITERAL_INVALID;

    /* Canonical spelling: the tag as RFC 5321 writes it, hex in lower case. */
    char *a = out->ascii_domain;
    size_t k = 0;
    a[k++] = '[';
    size_t i = 0;
    if (v6) {
        memcpy(a + k, "IPv6:", 5);
        k += 5;
        i = 5;
    }
    for (; i < inner_len; i++) a[k++] = (char)ascii_lower(inner[i]);
    a[k++] = ']';
    a[k] = '\0';
    memcpy(out->unicode_domain, a, k + 1);
    out->domain_literal = true;
    *pos = -1;
    return MP_SYNTAX_OK;
}

/* ---- Step 6b: domain names -------------------------------------------- */

/* Octet offset in the input domain d[0..n) of the start of label `index`,
 * counting the full stops UTS #46 maps to '.'. Used to point at an IDN
 * label whose A-label form broke a rule. */
static size_t input_label_offset(const unsigned char *d, size_t n, size_t index)
{
    size_t label = 0, i = 0;
    while (i < n && label < index) {
        uint32_t cp = d[i];
        size_t len = 1;
        if (d[i] >= 0x80 && (len = mp_utf8_decode(d + i, n - i, &cp)) == 0) len = 1;
        i += len;
        if (cp == '.' || is_unicode_dot(cp)) label++;
    }
    return label == index ? i : 0;
}

/* IANA "Special-Use Domain Names" registry (RFC 6761 test, localhost,
 * invalid, example and example.com/.net/.org; RFC 6762 local; RFC 7686
 * onion; RFC 8375 home.arpa and the rest of arpa; RFC 9476 alt) plus
 * ICANN's reserved private-use TLD "internal" (2024). None can ever hold a
 * public mailbox. `d` is the lower-case A-label domain. */
/* memcmp() == 0 for a few octets, inlined (the call costs more). */
static bool same_octets(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

static bool is_special_use(const char *d, size_t n)
{
    size_t dot = n;
    while (dot > 0 && d[dot - 1] != '.') dot--;
    const char *tld = d + dot;
#define IS(s) (n - dot == sizeof s - 1 && same_octets(tld, s, sizeof s - 1))
    switch (n - dot) { /* most domains leave at the length test */
    case 3:
        if (IS("alt")) return true;
        /* example.com, example.net, example.org and the names under them */
        return (IS("com") || IS("net") || IS("org")) && dot >= 8 &&
               same_octets(d + dot - 8, "example.", 8) && (dot == 8 || d[dot - 9] == '.');
    case 4: return IS("test") || IS("arpa");
    case 5: return IS("local") || IS("onion");
    case 7: return IS("example") || IS("invalid");
    case 8: return IS("internal");
    case 9: return IS("localhost");
    default: return false;
    }
#undef IS
}

/* DNS hostname rules (RFC 1035 §2.3.1, RFC 1123 §2.1) on the A-label form
 * that IDNA produced: 1-63 octets of letters, digits and hyphens, no hyphen
 * at either end, two labels or more, a TLD not all digits. Errors point at
 * the start of the input label they came from. */
static mp_syntax_code check_a_labels(const char *ascii, size_t alen, const unsigned char *d,
                                     size_t n, size_t off, int *pos)
{
    size_t labels = 0, start = 0, tld_start = 0;
    for (size_t i = 0; i <= alen; i++) {
        if (i < alen && ascii[i] != '.') {
            unsigned char c = (unsigned char)ascii[i];
            if (c >= 0x80 || !(ascii_class[c] & CC_LDH)) {
                *pos = (int)(off + input_label_offset(d, n, labels));
                return MP_SYNTAX_LABEL_INVALID_CHAR;
            }
            continue;
        }
        size_t label_len = i - start;
        *pos = (int)(off + input_label_offset(d, n, labels));
        if (label_len == 0) return MP_SYNTAX_LABEL_EMPTY;
        if (label_len > MP_LABEL_MAX) return MP_SYNTAX_LABEL_TOO_LONG;
        if (ascii[start] == '-' || ascii[i - 1] == '-') return MP_SYNTAX_LABEL_HYPHEN;
        tld_start = start;
        labels++;
        start = i + 1;
    }
    *pos = -1;
    if (alen > MP_DOMAIN_MAX) return MP_SYNTAX_DOMAIN_TOO_LONG;
    if (labels < 2) return MP_SYNTAX_DOMAIN_ONE_LABEL;
    for (size_t i = tld_start; i < alen; i++)
        if (!(ascii_class[(unsigned char)ascii[i]] & CC_DIGIT)) return MP_SYNTAX_OK;
    *pos = (int)(off + input_label_offset(d, n, labels - 1));
    return MP_SYNTAX_NUMERIC_TLD;
}

/* The domain d[0..n), which starts at octet `off` of the input. On success
 * fills out->ascii_domain and out->unicode_domain and returns the length of
 * the former in *ascii_len. */
static mp_syntax_code check_domain(const unsigned char *d, size_t n, size_t off, unsigned flags,
                                   mp_syntax *out, int *pos, size_t *ascii_len)
{
    *pos = -1;
    if (n == 0) return MP_SYNTAX_DOMAIN_EMPTY;
    if (d[0] == '[') {
        mp_syntax_code code = check_literal(d, n, off, flags, out, pos);
        *ascii_len = strlen(out->ascii_domain);
        return code;
    }

    /* One pass in the input's own terms, so positions are exact: characters,
     * empty labels, hyphens at label ends, and whether IDNA is needed at all.
     * ASCII is lower-cased on the way and the hostname rules are checked on
     * it: that is all an ASCII domain without A-labels needs. */
    char ascii[MP_INPUT_MAX + 1];
    bool idn = false, tld_numeric = true;
    size_t label_start = 0, last_dot = 0, labels = 1;
    int long_label = -1; /* offset of the 64th octet of the first long ASCII label */
    for (size_t i = 0; i < n;) {
        unsigned char c = d[i];
        if (c < 0x80) {
            unsigned cls = ascii_class[c];
            if (cls & CC_LDH) {
                if (i == label_start) {
                    /* RFC 5891 §4.2.3.1: a U-label may not start with a
                     * hyphen either, and its A-label would hide it. */
                    if (c == '-') {
                        *pos = (int)(off + i);
                        return MP_SYNTAX_LABEL_HYPHEN;
                    }
                    if (n - i >= 4 && ascii_lower(c) == 'x' && ascii_lower(d[i + 1]) == 'n' &&
                        d[i + 2] == '-' && d[i + 3] == '-')
                        idn = true; /* an A-label: IDNA must decode and validate it */
                }
                if (i - label_start == MP_LABEL_MAX && long_label < 0) long_label = (int)i;
                tld_numeric = tld_numeric && (cls & CC_DIGIT);
                ascii[i] = (char)((cls & CC_UPPER) ? c + 32 : c);
                i++;
                continue;
            }
            if (c != '.') {
                *pos = (int)(off + i);
                return MP_SYNTAX_LABEL_INVALID_CHAR;
            }
            if (i == label_start) {
                *pos = (int)(off + i);
                return MP_SYNTAX_LABEL_EMPTY;
            }
            if (d[i - 1] == '-') {
                *pos = (int)(off + i - 1);
                return MP_SYNTAX_LABEL_HYPHEN;
            }
            ascii[i] = '.';
            last_dot = i;
            label_start = ++i;
            labels++;
            tld_numeric = true;
            continue;
        }
        uint32_t cp = 0;
        size_t len = mp_utf8_decode(d + i, n - i, &cp);
        if (len == 0) len = 1; /* cannot happen: the scan validated UTF-8 */
        if (is_unicode_dot(cp)) {
            if (i == label_start) {
                *pos = (int)(off + i);
                return MP_SYNTAX_LABEL_EMPTY;
            }
            if (d[i - 1] == '-') {
                *pos = (int)(off + i - 1);
                return MP_SYNTAX_LABEL_HYPHEN;
            }
            last_dot = i;
            label_start = i + len;
        }
        idn = true; /* even a lone full stop: IDNA maps it to '.' */
        i += len;
    }
    if (label_start == n) { /* a trailing dot: "x.org." */
        *pos = (int)(off + last_dot);
        return MP_SYNTAX_LABEL_EMPTY;
    }
    if (d[n - 1] == '-') {
        *pos = (int)(off + n - 1);
        return MP_SYNTAX_LABEL_HYPHEN;
    }

    size_t alen;
    if (!idn) {
        if (long_label >= 0) {
            *pos = (int)off + long_label;
            return MP_SYNTAX_LABEL_TOO_LONG;
        }
        if (n > MP_DOMAIN_MAX) return MP_SYNTAX_DOMAIN_TOO_LONG;
        if (labels < 2) return MP_SYNTAX_DOMAIN_ONE_LABEL;
        if (tld_numeric) {
            *pos = (int)(off + label_start);
            return MP_SYNTAX_NUMERIC_TLD;
        }
        alen = n;
        memcpy(out->ascii_domain, ascii, alen);
        out->ascii_domain[alen] = '\0';
        memcpy(out->unicode_domain, out->ascii_domain, alen + 1);
    } else {
        int bad = -1;
        mp_syntax_code code = mp_idna_to_ascii((const char *)d, n, ascii, sizeof ascii,
                                               out->unicode_domain, sizeof out->unicode_domain,
                                               &bad);
        if (code == MP_SYNTAX_OK) {
            ascii[sizeof ascii - 1] = '\0';
            alen = strlen(ascii);
            code = check_a_labels(ascii, alen, d, n, off, pos);
        } else {
            *pos = (bad >= 0 && (size_t)bad < n) ? (int)(off + (size_t)bad) : -1;
            if (code == MP_SYNTAX_TOO_LONG) { /* the A-labels outgrew the buffer */
                *pos = -1;
                code = MP_SYNTAX_DOMAIN_TOO_LONG;
            }
        }
        if (code != MP_SYNTAX_OK) {
            out->unicode_domain[0] = '\0';
            return code;
        }
        memcpy(out->ascii_domain, ascii, alen + 1);
    }
    *ascii_len = alen;
    return MP_SYNTAX_OK;
}

/* ---- The entry points ------------------------------------------------- */

void mp_options_default(mp_options *opts)
{
    opts->flags = 0;
}

/* Steps 2 to 7 on input already known to be 1..MP_INPUT_MAX octets.
 * Returns the first error (and its position in *pos) or MP_SYNTAX_OK. */
static mp_syntax_code parse_address(const unsigned char *s, size_t len, unsigned flags,
                                    mp_syntax *out, int *pos,
                                    mp_domain_memo *memo, mp_memo_slot **slot)
{
    /* Step 2. Nothing is split out of input that is not UTF-8, so every
     * string in the result is always valid UTF-8. */
    scan_facts f;
    scan_input(s, len, &f);
    *pos = f.hazard_pos;
    if (!f.utf8) return f.hazard;

    /* Where the local part ends: after the closing quote of a quoted local
     * part, else at the last '@'. */
    bool quoted = s[0] == '"';
    int at = f.at_last;
    if (quoted && f.quote_close >= 0 && (size_t)f.quote_close + 1 < len &&
        s[f.quote_close + 1] == '@')
        at = f.quote_close + 1;
    if (at >= 0) {
        copy_field(out->local, sizeof out->local, s, (size_t)at);
        copy_field(out->domain, sizeof out->domain, s + at + 1, len - (size_t)at - 1);
    } else {
        copy_field(out->local, sizeof out->local, s, len);
    }

    /* Step 2 hazards, then step 3. */
    if (f.hazard != MP_SYNTAX_OK) return f.hazard;
    if ((*pos = f.angle_pos) >= 0) return MP_SYNTAX_DISPLAY_NAME;
    if ((*pos = f.paren_pos) >= 0) return MP_SYNTAX_COMMENT;
    if ((*pos = f.space_pos) >= 0) return MP_SYNTAX_WHITESPACE;

    /* Step 4. */
    *pos = 0;
    if (quoted) {
        if (!(flags & MP_ALLOW_QUOTED_LOCAL)) return MP_SYNTAX_QUOTED_LOCAL;
        if (f.quote_close < 0) return MP_SYNTAX_QUOTED_INVALID;
        *pos = -1;
        if ((size_t)f.quote_close + 1 == len) return MP_SYNTAX_NO_AT;
        *pos = f.quote_close + 1;
        if (at != f.quote_close + 1) return MP_SYNTAX_QUOTED_INVALID;
    } else if (f.at_first < 0) {
        *pos = -1;
        return MP_SYNTAX_NO_AT;
    }
    if ((*pos = f.at_second) >= 0) return MP_SYNTAX_MULTIPLE_AT;

    /* Steps 5 and 6. The domain is examined even when the local part is
     * wrong, so ascii_domain and unicode_domain are filled when they can be. */
    size_t local_len = (size_t)at;
    int local_pos = -1, domain_pos = -1;
    mp_syntax_code local_code = quoted
        ? check_quoted(s, local_len, &local_pos, &out->smtputf8)
        : check_dot_atom(s, local_len, flags, &local_pos, &out->smtputf8);
    out->quoted_local = quoted && local_code == MP_SYNTAX_OK;
    size_t ascii_len = 0;
    const unsigned char *d = s + at + 1;
    size_t dlen = len - local_len - 1;
    bool hit = false;
    mp_memo_slot *m = memo ? mp_memo_find(memo, d, dlen, flags, &hit) : NULL;
    mp_syntax_code domain_code;
    if (hit) {
        domain_code = mp_memo_recall(m, out, &domain_pos);
        if (domain_pos >= 0) domain_pos += (int)local_len + 1;
        ascii_len = m->ascii_len;
    } else {
        domain_code = check_domain(d, dlen, local_len + 1, flags, out, &domain_pos, &ascii_len);
        bool special = domain_code == MP_SYNTAX_OK && !out->domain_literal &&
                       is_special_use(out->ascii_domain, ascii_len);
        if (m && !mp_memo_store(m, domain_code, domain_pos < 0 ? -1 : domain_pos - (int)local_len - 1,
                                out, special))
            m = NULL;
    }
    *slot = m;
    *pos = local_pos;
    if (local_code != MP_SYNTAX_OK) return local_code;
    *pos = domain_pos;
    if (domain_code != MP_SYNTAX_OK) return domain_code;

    /* Step 7. RFC 5321 §4.5.3.1.3: the path is at most 256 octets with its
     * angle brackets, so the address is at most 254. */
    *pos = -1;
    if (local_len + 1 + ascii_len > MP_ADDRESS_MAX) return MP_SYNTAX_TOO_LONG;
    bool special = m ? (m->facts & MEMO_SPECIAL_USE) != 0
                     : !out->domain_literal && is_special_use(out->ascii_domain, ascii_len);
    if (special && !(flags & MP_ALLOW_SPECIAL_USE))
        return MP_SYNTAX_SPECIAL_USE_DOMAIN;
    return MP_SYNTAX_OK;
}

mp_memo_slot *mp_parse_memo(const char *input, size_t len, const mp_options *opts,
                           mp_domain_memo *memo, mp_syntax *out)
{
    mp_memo_slot *slot = NULL;
    out->smtputf8 = out->quoted_local = out->domain_literal = false;
    out->local[0] = out->domain[0] = out->ascii_domain[0] = out->unicode_domain[0] = '\0';

    int pos = -1;
    mp_syntax_code code;
    if (len == 0 || input == NULL) code = MP_SYNTAX_EMPTY;
    else if (len > MP_INPUT_MAX) code = MP_SYNTAX_TOO_LONG; /* not even scanned */
    else code = parse_address((const unsigned char *)input, len, opts ? opts->flags : 0, out, &pos,
                              memo, &slot);

    out->valid = code == MP_SYNTAX_OK;
    out->code = code;
    out->position = out->valid ? -1 : pos;
    return slot;
}

void mp_parse(const char *input, size_t len, const mp_options *opts, mp_syntax *out)
{
    mp_parse_memo(input, len, opts, NULL, out);
}
