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
#include "copy.h"
#include "idna.h"
#include "letters.h"
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
 * letters, marks and decimal digits): mp_is_letter_mark_digit, letters.h. */

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
    mp_copy(dst, s, n);
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
        if (len == 0 || !mp_is_letter_mark_digit(cp)) {
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

/* RFC 5890 §2.3.1, RFC 5891 §4.2.3.1: "--" in the third and fourth places
 * marks a reserved LDH label; only A-labels ("xn--") may have it. `label`
 * holds `len` octets, ASCII. */
static bool reserved_hyphens(const char *label, size_t len)
{
    return len >= 4 && label[2] == '-' && label[3] == '-' &&
           !(ascii_lower((unsigned char)label[0]) == 'x' && ascii_lower((unsigned char)label[1]) == 'n');
}

/* The shape every delegated TLD has (checked against IANA's list by
 * gen_lists.py): letters only, or an A-label. Digits and inner hyphens
 * make a name no root zone entry can have. `tld` is lower-case ASCII. */
static bool tld_shape_ok(const char *tld, size_t len)
{
    if (len >= 4 && tld[0] == 'x' && tld[1] == 'n' && tld[2] == '-' && tld[3] == '-')
        return true; /* IDNA validated it */
    for (size_t i = 0; i < len; i++)
        if (tld[i] < 'a' || tld[i] > 'z')
            return false;
    return true;
}

/* DNS hostname rules (RFC 1035 §2.3.1, RFC 1123 §2.1) on the A-label form
 * that IDNA produced: 1-63 octets of letters, digits and hyphens, no hyphen
 * at either end, no reserved "--" (a mapped label: "yy－－0" is "yy--0"),
 * two labels or more, a TLD of letters or an A-label. Errors point at the
 * start of the input label they came from. */
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
        if (reserved_hyphens(ascii + start, label_len)) return MP_SYNTAX_LABEL_RESERVED_HYPHENS;
        tld_start = start;
        labels++;
        start = i + 1;
    }
    *pos = -1;
    if (alen > MP_DOMAIN_MAX) return MP_SYNTAX_DOMAIN_TOO_LONG;
    if (labels < 2) return MP_SYNTAX_DOMAIN_ONE_LABEL;
    bool numeric = true;
    for (size_t i = tld_start; i < alen; i++)
        numeric = numeric && (ascii_class[(unsigned char)ascii[i]] & CC_DIGIT);
    if (!numeric && tld_shape_ok(ascii + tld_start, alen - tld_start)) return MP_SYNTAX_OK;
    *pos = (int)(off + input_label_offset(d, n, labels - 1));
    return numeric ? MP_SYNTAX_NUMERIC_TLD : MP_SYNTAX_TLD_INVALID;
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
    bool idn = false, tld_numeric = true, tld_letters = true;
    bool label_ascii = true; /* no non-ASCII yet in this label: octets are code points */
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
                if (i - label_start == 3 && label_ascii && reserved_hyphens((const char *)d + label_start, 4)) {
                    *pos = (int)(off + i - 1);
                    return MP_SYNTAX_LABEL_RESERVED_HYPHENS;
                }
                if (i - label_start == MP_LABEL_MAX && long_label < 0) long_label = (int)i;
                tld_numeric = tld_numeric && (cls & CC_DIGIT);
                tld_letters = tld_letters && !(cls & CC_DIGIT) && c != '-';
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
            tld_numeric = tld_letters = label_ascii = true;
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
            label_ascii = true;
        } else {
            label_ascii = false;
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
        if (tld_numeric || !tld_letters) { /* no xn-- here: that took the IDNA path */
            *pos = (int)(off + label_start);
            return tld_numeric ? MP_SYNTAX_NUMERIC_TLD : MP_SYNTAX_TLD_INVALID;
        }
        alen = n;
        mp_copy(out->ascii_domain, ascii, alen);
        out->ascii_domain[alen] = '\0';
        mp_copy(out->unicode_domain, out->ascii_domain, alen + 1);
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
    /* RFC 5321 §4.5.3.1.1 on the local part as it may be sent: as typed,
     * and in NFC, which RFC 6532 §3.1 asks of UTF-8 in mail and which may
     * be longer (U+FB2C is 3 octets, its NFC 6). */
    size_t sent_local_len = local_len;
    if (local_code == MP_SYNTAX_OK && out->smtputf8) {
        sent_local_len += mp_nfc_growth_octets(s, local_len);
        if (sent_local_len > MP_LOCAL_MAX) {
            local_code = MP_SYNTAX_LOCAL_TOO_LONG;
            local_pos = -1;
        }
    }
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
     * angle brackets, so the address is at most 254 -- in the form sent on
     * the RCPT line: the A-label domain, the local part as typed or NFC. */
    *pos = -1;
    if (sent_local_len + 1 + ascii_len > MP_ADDRESS_MAX) return MP_SYNTAX_TOO_LONG;
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
