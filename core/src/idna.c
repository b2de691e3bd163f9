/* IDNA2008 with UTS #46 processing (non-transitional, STD3 rules,
 * CheckHyphens, CheckJoiners, CheckBidi) for domains, over the generated
 * tables of idna_tables.c. Pure: fixed buffers on the stack, no allocation.
 *
 * The work is done one label at a time, on code points that remember the
 * input offset they came from so that errors can point at the culprit:
 *   map (UTS #46 §4 step 1) -> NFC -> xn-- decode or validation -> punycode.
 * An all-ASCII domain without xn-- labels only needs lower-casing: that is the
 * fast path the 2M checks/s target depends on. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "idna.h"
#include "idna_tables.h"
#include "utf8.h"

/* A label longer than this after mapping cannot give an A-label of 63
 * octets: reject it as too long rather than carry bigger buffers. */
enum { LABEL_CP_MAX = 256 };

typedef struct label_cp {
    uint32_t cp;
    int off; /* octet offset in the input of the code point it came from */
} label_cp;

typedef struct label_buf {
    label_cp v[LABEL_CP_MAX];
    size_t n;
} label_buf;

/* ---- Table lookups ------------------------------------------------------- */

/* Index of the last run whose start (start_at(i)) is <= cp. */
static size_t find_range(uint32_t (*start_at)(size_t), size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (start_at(mid) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Decodes the code point at map_units[*at] (UTF-16), advancing *at. */
static uint32_t unit_cp(size_t *at)
{
    uint32_t u = mp_idna_map_units_at((*at)++);
    if (u >= 0xD800 && u < 0xDC00) {
        uint32_t lo = mp_idna_map_units_at((*at)++);
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    }
    return u;
}

/* The UTS #46 / IDNA2008 class of cp (MP_IDNA_*); for mapped code points the
 * mapping goes to out[] (room for MP_IDNA_MAP_MAX) and *n_out, and the class
 * returned is MP_IDNA_MAPPED. For all others out[0] = cp, *n_out = 1. */
static unsigned idna_lookup(uint32_t cp, uint32_t *out, size_t *n_out)
{
    /* The block's own ranges (at most ~100), walked to the last one
     * starting at or before cp; none means the range before the block
     * covers cp (and is not a mapped one: those never cross blocks, so its
     * start is not needed). Starts are stored as steps from the previous
     * one in the block (the first from the block's own start). The walk
     * also counts the mapped code points and MAPPED_SEQ ranges it passes:
     * added to the block's bases, they locate cp's mapping. */
    size_t b = cp >> 8, i = mp_idna_block_at(b), hi = mp_idna_block_at(b + 1);
    unsigned low = cp & 0xFFu, offset = 0;
    uint32_t mapped = mp_idna_map_base_at(b), seqs = mp_idna_seq_base_at(b);
    if (i < hi && mp_idna_range_step[i] <= low) {
        offset = mp_idna_range_step[i];
        while (i + 1 < hi && offset + mp_idna_range_step[i + 1] <= low) {
            if (mp_idna_range_class[i] == MP_IDNA_MAPPED)
                mapped += mp_idna_range_step[i + 1]; /* its length */
            else if (mp_idna_range_class[i] == MP_IDNA_MAPPED_SEQ)
                seqs++;
            offset += mp_idna_range_step[++i];
        }
    } else {
        i--; /* block 0 starts with a range at U+0000 */
    }
    uint32_t start = (cp & ~0xFFu) | offset;
    unsigned cls = mp_idna_range_class[i];
    out[0] = cp;
    *n_out = 1;
    switch (cls) {
    case MP_IDNA_MAPPED_ALT:
        if ((cp - start) % 2 == 1)
            return MP_IDNA_VALID;
        out[0] = cp + 1;
        return MP_IDNA_MAPPED;
    case MP_IDNA_MAPPED_SEQ:
        out[0] = mp_idna_seq_first_at(seqs) + (cp - start);
        return MP_IDNA_MAPPED;
    case MP_IDNA_MAPPED: {
        size_t k = mapped + (cp - start);
        size_t at = mp_idna_map_block_at(k / 32);
        for (size_t j = k & ~(size_t)31; j < k; j++)
            at += mp_idna_map_len[j];
        size_t end = at + mp_idna_map_len[k], n = 0;
        while (at < end)
            out[n++] = unit_cp(&at);
        *n_out = n;
        return MP_IDNA_MAPPED;
    }
    default:
        return cls;
    }
}

/* Properties of a valid code point (see idna_tables.h for the packing). */
static uint32_t prop_of(uint32_t cp)
{
    return mp_idna_prop_value[find_range(mp_idna_prop_start_at, MP_IDNA_PROPS, cp)];
}
static unsigned bidi_of(uint32_t cp) { return prop_of(cp) & 0xFu; }
static unsigned joining_of(uint32_t cp) { return (prop_of(cp) >> 4) & 0x7u; }
static bool is_mark(uint32_t cp) { return (prop_of(cp) >> 7) & 1u; }
static unsigned script_of(uint32_t cp) { return (prop_of(cp) >> 8) & 0x7u; }
static bool is_virama(uint32_t cp) { return (prop_of(cp) >> 11) & 1u; }

static unsigned ccc_of(uint32_t cp)
{
    if (cp < 0x300)
        return 0;
    return mp_idna_ccc_value[find_range(mp_idna_ccc_start_at, MP_IDNA_CCC, cp)];
}

/* ---- NFC (UAX #15) --------------------------------------------------------- */

enum {
    HANGUL_S = 0xAC00, HANGUL_L = 0x1100, HANGUL_V = 0x1161, HANGUL_T = 0x11A7,
    HANGUL_LCOUNT = 19, HANGUL_VCOUNT = 21, HANGUL_TCOUNT = 28,
    HANGUL_NCOUNT = HANGUL_VCOUNT * HANGUL_TCOUNT,
    HANGUL_SCOUNT = HANGUL_LCOUNT * HANGUL_NCOUNT,
};

/* Index of cp's canonical decomposition, or MP_IDNA_DECOMP when it has none. */
static size_t decomp_of(uint32_t cp)
{
    size_t lo = 0, hi = MP_IDNA_DECOMP;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mp_idna_decomp_cp_at(mid) < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < MP_IDNA_DECOMP && mp_idna_decomp_cp_at(lo) == cp ? lo : MP_IDNA_DECOMP;
}

static bool push_cp(label_buf *b, uint32_t cp, int off)
{
    if (b->n >= LABEL_CP_MAX)
        return false;
    b->v[b->n].cp = cp;
    b->v[b->n].off = off;
    b->n++;
    return true;
}

/* Full canonical decomposition of cp appended to out. */
static bool decompose_into(label_buf *out, uint32_t cp, int off)
{
    if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_SCOUNT) {
        uint32_t s = cp - HANGUL_S;
        if (!push_cp(out, HANGUL_L + s / HANGUL_NCOUNT, off) ||
            !push_cp(out, HANGUL_V + (s % HANGUL_NCOUNT) / HANGUL_TCOUNT, off))
            return false;
        return s % HANGUL_TCOUNT == 0 || push_cp(out, HANGUL_T + s % HANGUL_TCOUNT, off);
    }
    size_t d = cp >= 0xC0 ? decomp_of(cp) : MP_IDNA_DECOMP;
    if (d == MP_IDNA_DECOMP)
        return push_cp(out, cp, off);
    /* Canonical decompositions nest only a few levels deep. */
    if (!decompose_into(out, mp_idna_decomp_first_at(d), off))
        return false;
    uint32_t second = mp_idna_decomp_second_at(d);
    return second == 0 || decompose_into(out, second, off);
}

static uint32_t compose_pair(uint32_t a, uint32_t b)
{
    if (a >= HANGUL_L && a < HANGUL_L + HANGUL_LCOUNT &&
        b >= HANGUL_V && b < HANGUL_V + HANGUL_VCOUNT)
        return HANGUL_S + ((a - HANGUL_L) * HANGUL_VCOUNT + (b - HANGUL_V)) * HANGUL_TCOUNT;
    if (a >= HANGUL_S && a < HANGUL_S + HANGUL_SCOUNT && (a - HANGUL_S) % HANGUL_TCOUNT == 0 &&
        b > HANGUL_T && b < HANGUL_T + HANGUL_TCOUNT)
        return a + (b - HANGUL_T);
    size_t lo = 0, hi = MP_IDNA_COMP;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t d = mp_idna_comp_at(mid);
        uint32_t first = mp_idna_decomp_first_at(d);
        if (first < a || (first == a && mp_idna_decomp_second_at(d) < b))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < MP_IDNA_COMP) {
        size_t d = mp_idna_comp_at(lo);
        if (mp_idna_decomp_first_at(d) == a && mp_idna_decomp_second_at(d) == b)
            return mp_idna_decomp_cp_at(d);
    }
    return 0;
}

/* Normalises b to NFC in place (tmp is scratch). False when it overflows. */
static bool nfc(label_buf *b, label_buf *tmp)
{
    bool plain = true; /* nothing below U+00C0 ever changes */
    for (size_t i = 0; i < b->n && plain; i++)
        plain = b->v[i].cp < 0xC0;
    if (plain)
        return true;

    tmp->n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!decompose_into(tmp, b->v[i].cp, b->v[i].off))
            return false;

    /* Canonical ordering: a stable sort of each run of non-starters. */
    for (size_t i = 1; i < tmp->n; i++) {
        unsigned c = ccc_of(tmp->v[i].cp);
        if (c == 0)
            continue;
        size_t j = i;
        label_cp x = tmp->v[i];
        while (j > 0) {
            unsigned p = ccc_of(tmp->v[j - 1].cp);
            if (p == 0 || p <= c)
                break;
            tmp->v[j] = tmp->v[j - 1];
            j--;
        }
        tmp->v[j] = x;
    }

    /* Canonical composition. */
    b->n = 0;
    size_t starter = SIZE_MAX;
    unsigned last_ccc = 0;
    for (size_t i = 0; i < tmp->n; i++) {
        label_cp x = tmp->v[i];
        unsigned c = ccc_of(x.cp);
        if (starter != SIZE_MAX) {
            bool blocked = b->n - 1 != starter && (last_ccc == 0 || last_ccc >= c);
            if (!blocked) {
                uint32_t comp = compose_pair(b->v[starter].cp, x.cp);
                if (comp) {
                    b->v[starter].cp = comp;
                    continue;
                }
            }
        }
        if (c == 0)
            starter = b->n;
        last_ccc = c;
        b->v[b->n++] = x;
    }
    return true;
}

/* ---- Punycode (RFC 3492) ------------------------------------------------- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
       PC_INITIAL_BIAS = 72, PC_INITIAL_N = 0x80 };

static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, bool firsttime)
{
    delta = firsttime ? delta / PC_DAMP : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char pc_digit(uint32_t d) { return (char)(d < 26 ? 'a' + d : '0' + (d - 26)); }

/* Encodes cps into out (no NUL) at *len, within cap. RFC 3492 §6.3. */
static bool punycode_encode(const label_cp *cps, size_t n_cps, char *out, size_t cap, size_t *len)
{
    size_t o = *len;
    uint32_t basic = 0;
    for (size_t i = 0; i < n_cps; i++) {
        if (cps[i].cp < 0x80) {
            if (o >= cap)
                return false;
            out[o++] = (char)cps[i].cp;
            basic++;
        }
    }
    uint32_t h = basic;
    if (basic > 0) {
        if (o >= cap)
            return false;
        out[o++] = '-';
    }
    uint32_t n = PC_INITIAL_N, delta = 0, bias = PC_INITIAL_BIAS;
    while (h < n_cps) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n_cps; i++)
            if (cps[i].cp >= n && cps[i].cp < m)
                m = cps[i].cp;
        /* No overflow: at most LABEL_CP_MAX code points below U+110000. */
        delta += (m - n) * (h + 1);
        n = m;
        for (size_t i = 0; i < n_cps; i++) {
            if (cps[i].cp < n)
                delta++;
            if (cps[i].cp == n) {
                uint32_t q = delta;
                for (uint32_t k = PC_BASE;; k += PC_BASE) {
                    uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
                    if (q < t)
                        break;
                    if (o >= cap)
                        return false;
                    out[o++] = pc_digit(t + (q - t) % (PC_BASE - t));
                    q = (q - t) / (PC_BASE - t);
                }
                if (o >= cap)
                    return false;
                out[o++] = pc_digit(q);
                bias = pc_adapt(delta, h + 1, h == basic);
                delta = 0;
                h++;
            }
        }
        delta++;
        n++;
    }
    *len = o;
    return true;
}

/* Decodes the ACE part s[0..len) (lower case) into out. RFC 3492 §6.2, with
 * its overflow checks. False on any malformed input. */
static bool punycode_decode(const char *s, size_t len, label_buf *out, int off)
{
    size_t b = 0;
    for (size_t j = 0; j < len; j++)
        if (s[j] == '-')
            b = j;
    out->n = 0;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)s[j] >= 0x80 || !push_cp(out, (unsigned char)s[j], off))
            return false;
    }
    uint32_t n = PC_INITIAL_N, i = 0, bias = PC_INITIAL_BIAS;
    for (size_t in = b > 0 ? b + 1 : 0; in < len;) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = PC_BASE;; k += PC_BASE) {
            if (in >= len)
                return false;
            char c = s[in++];
            uint32_t digit;
            if (c >= 'a' && c <= 'z')
                digit = (uint32_t)(c - 'a');
            else if (c >= '0' && c <= '9')
                digit = (uint32_t)(c - '0') + 26;
            else
                return false;
            if (digit > (UINT32_MAX - i) / w)
                return false;
            i += digit * w;
            uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
            if (digit < t)
                break;
            if (w > UINT32_MAX / (PC_BASE - t))
                return false;
            w *= PC_BASE - t;
        }
        uint32_t count = (uint32_t)out->n + 1;
        bias = pc_adapt(i - oldi, count, oldi == 0);
        if (i / count > UINT32_MAX - n)
            return false;
        n += i / count;
        i %= count;
        if (n < 0x80 || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || out->n >= LABEL_CP_MAX)
            return false;
        memmove(&out->v[i + 1], &out->v[i], (out->n - i) * sizeof out->v[0]);
        out->v[i].cp = n;
        out->v[i].off = off;
        out->n++;
        i++;
    }
    return true;
}

/* ---- Validity (UTS #46 §4.1, RFC 5891 §4.2, RFC 5892 appendix A) ------- */

/* RFC 5892 A.1, A.2: ZWNJ and ZWJ only after a virama, ZWNJ also between
 * joining letters (L or D, transparent ones, ZWNJ, transparent ones, R or D). */
static bool contextj_ok(const label_buf *b, size_t i)
{
    if (i > 0 && is_virama(b->v[i - 1].cp))
        return true;
    if (b->v[i].cp != 0x200C)
        return false;
    size_t j = i;
    unsigned jt = MP_IDNA_JT_T;
    while (j > 0 && (jt = joining_of(b->v[j - 1].cp)) == MP_IDNA_JT_T)
        j--;
    if (j == 0 || (jt != MP_IDNA_JT_L && jt != MP_IDNA_JT_D))
        return false;
    j = i + 1;
    while (j < b->n && (jt = joining_of(b->v[j].cp)) == MP_IDNA_JT_T)
        j++;
    return j < b->n && (jt == MP_IDNA_JT_R || jt == MP_IDNA_JT_D);
}

/* RFC 5892 A.3-A.9. */
static bool contexto_ok(const label_buf *b, size_t i)
{
    uint32_t cp = b->v[i].cp;
    bool has_next = i + 1 < b->n;
    switch (cp) {
    case 0x00B7: /* MIDDLE DOT: between two l (Catalan l·l) */
        return i > 0 && b->v[i - 1].cp == 'l' && has_next && b->v[i + 1].cp == 'l';
    case 0x0375: /* GREEK LOWER NUMERAL SIGN: before Greek */
        return has_next && script_of(b->v[i + 1].cp) == MP_IDNA_SCRIPT_GREEK;
    case 0x05F3: case 0x05F4: /* HEBREW GERESH, GERSHAYIM: after Hebrew */
        return i > 0 && script_of(b->v[i - 1].cp) == MP_IDNA_SCRIPT_HEBREW;
    case 0x30FB: /* KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han */
        for (size_t j = 0; j < b->n; j++) {
            unsigned s = script_of(b->v[j].cp);
            if (b->v[j].cp != 0x30FB && (s == MP_IDNA_SCRIPT_HIRAGANA ||
                s == MP_IDNA_SCRIPT_KATAKANA || s == MP_IDNA_SCRIPT_HAN))
                return true;
        }
        return false;
    default:
        break;
    }
    /* ARABIC-INDIC and EXTENDED ARABIC-INDIC DIGITS do not mix. */
    bool extended = cp >= 0x06F0;
    for (size_t j = 0; j < b->n; j++) {
        uint32_t o = b->v[j].cp;
        if (extended ? (o >= 0x0660 && o <= 0x0669) : (o >= 0x06F0 && o <= 0x06F9))
            return false;
    }
    return true;
}

/* Checks a non-ASCII label (NFC already). Returns MP_SYNTAX_OK or the error,
 * with *bad at the offending code point's offset. */
static mp_syntax_code validate_label(const label_buf *b, int *bad)
{
    if (b->n >= 4 && b->v[2].cp == '-' && b->v[3].cp == '-') {
        *bad = b->v[2].off;
        return MP_SYNTAX_LABEL_RESERVED_HYPHENS; /* RFC 5891 §4.2.3.1 */
    }
    if (b->v[0].cp == '-') {
        *bad = b->v[0].off;
        return MP_SYNTAX_LABEL_HYPHEN;
    }
    if (b->v[b->n - 1].cp == '-') {
        *bad = b->v[b->n - 1].off;
        return MP_SYNTAX_LABEL_HYPHEN;
    }
    uint32_t dummy[MP_IDNA_MAP_MAX];
    size_t dummy_n;
    for (size_t i = 0; i < b->n; i++) {
        unsigned cls = idna_lookup(b->v[i].cp, dummy, &dummy_n);
        uint32_t cp = b->v[i].cp;
        bool joiner = cp == 0x200C || cp == 0x200D; /* the CONTEXTJ ones */
        bool ok = cls == MP_IDNA_VALID ||
                  (cls == MP_IDNA_CONTEXT && (joiner ? contextj_ok(b, i) : contexto_ok(b, i)));
        if (!ok) {
            *bad = b->v[i].off;
            return b->v[i].cp < 0x80 ? MP_SYNTAX_LABEL_INVALID_CHAR : MP_SYNTAX_IDNA_INVALID;
        }
    }
    if (is_mark(b->v[0].cp)) {
        *bad = b->v[0].off;
        return MP_SYNTAX_IDNA_INVALID;
    }
    return MP_SYNTAX_OK;
}

/* RFC 5893 §2: the Bidi rule, for every label of a domain that has an
 * RTL label. */
static bool bidi_rule_ok(const label_buf *b)
{
    if (b->n == 0)
        return true;
    unsigned first = bidi_of(b->v[0].cp);
    bool rtl = first == MP_IDNA_BIDI_R || first == MP_IDNA_BIDI_AL;
    if (!rtl && first != MP_IDNA_BIDI_L)
        return false; /* rule 1 */
    bool has_en = false, has_an = false;
    size_t last = 0; /* last code point that is not NSM (rule 1: not the first) */
    for (size_t i = 0; i < b->n; i++) {
        unsigned c = bidi_of(b->v[i].cp);
        if (c != MP_IDNA_BIDI_NSM)
            last = i;
        has_en |= c == MP_IDNA_BIDI_EN;
        has_an |= c == MP_IDNA_BIDI_AN;
        bool common = c == MP_IDNA_BIDI_EN || c == MP_IDNA_BIDI_ES || c == MP_IDNA_BIDI_CS ||
                      c == MP_IDNA_BIDI_ET || c == MP_IDNA_BIDI_ON || c == MP_IDNA_BIDI_BN ||
                      c == MP_IDNA_BIDI_NSM;
        if (rtl ? !(common || c == MP_IDNA_BIDI_R || c == MP_IDNA_BIDI_AL || c == MP_IDNA_BIDI_AN)
                : !(common || c == MP_IDNA_BIDI_L))
            return false; /* rules 2 and 5 */
    }
    unsigned end = bidi_of(b->v[last].cp);
    if (rtl)
        return (end == MP_IDNA_BIDI_R || end == MP_IDNA_BIDI_AL || end == MP_IDNA_BIDI_EN ||
                end == MP_IDNA_BIDI_AN) && !(has_en && has_an); /* rules 3, 4 */
    return end == MP_IDNA_BIDI_L || end == MP_IDNA_BIDI_EN; /* rule 6 */
}

static bool label_is_rtl(const label_buf *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->v[i].cp < 0x80)
            continue;
        unsigned c = bidi_of(b->v[i].cp);
        if (c == MP_IDNA_BIDI_R || c == MP_IDNA_BIDI_AL || c == MP_IDNA_BIDI_AN)
            return true;
    }
    return false;
}

/* ---- Output -------------------------------------------------------------- */

typedef struct out_buf {
    char *s;
    size_t cap, len; /* len excludes the NUL; cap includes it */
} out_buf;

static bool out_byte(out_buf *o, char c)
{
    if (o->len + 1 >= o->cap)
        return false;
    o->s[o->len++] = c;
    o->s[o->len] = '\0';
    return true;
}

static bool out_utf8(out_buf *o, const label_buf *b)
{
    for (size_t i = 0; i < b->n; i++) {
        unsigned char u[4];
        size_t k = mp_utf8_encode(b->v[i].cp, u);
        for (size_t j = 0; j < k; j++)
            if (!out_byte(o, (char)u[j]))
                return false;
    }
    return true;
}

static bool out_ascii_label(out_buf *o, const label_buf *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (!out_byte(o, (char)b->v[i].cp))
            return false;
    return true;
}

static bool out_alabel(out_buf *o, const label_buf *b)
{
    if (!out_byte(o, 'x') || !out_byte(o, 'n') || !out_byte(o, '-') || !out_byte(o, '-'))
        return false;
    size_t len = o->len;
    if (!punycode_encode(b->v, b->n, o->s, o->cap - 1, &len))
        return false;
    o->len = len;
    o->s[len] = '\0';
    return true;
}

/* ---- Labels -------------------------------------------------------------- */

static bool all_ascii(const label_buf *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i].cp >= 0x80)
            return false;
    return true;
}

static bool is_xn(const label_buf *b)
{
    return b->n >= 4 && b->v[0].cp == 'x' && b->v[1].cp == 'n' && b->v[2].cp == '-' &&
           b->v[3].cp == '-';
}

/* The per-call work space, kept together so it is one stack object. */
typedef struct idna_work {
    label_buf label, tmp, check;
    out_buf ascii, unicode;
    bool bidi_domain;
} idna_work;

/* An xn-- label: decode, require NFC, non-ASCII content, a clean round trip
 * and a valid U-label (UTS #46 §4 step 4, "Punycode" branch). */
static mp_syntax_code process_alabel(idna_work *w, int label_off, int *bad)
{
    label_buf *b = &w->label;
    char ace[LABEL_CP_MAX];
    size_t ace_len = b->n - 4;
    *bad = label_off;
    if (!all_ascii(b))
        return MP_SYNTAX_IDNA_INVALID;
    for (size_t i = 0; i < ace_len; i++)
        ace[i] = (char)b->v[4 + i].cp;
    if (ace_len == 0 || !punycode_decode(ace, ace_len, &w->check, label_off))
        return MP_SYNTAX_IDNA_INVALID;
    if (all_ascii(&w->check))
        return MP_SYNTAX_IDNA_INVALID; /* xn-- with nothing to encode */
    /* Round trip: the encoder must give back exactly what was written. */
    char again[LABEL_CP_MAX];
    size_t again_len = 0;
    if (!punycode_encode(w->check.v, w->check.n, again, sizeof again, &again_len) ||
        again_len != ace_len || memcmp(again, ace, ace_len) != 0)
        return MP_SYNTAX_IDNA_INVALID;
    /* Must already be NFC. */
    label_buf *u = &w->label; /* the ACE copy is in ace[] now */
    memcpy(u->v, w->check.v, w->check.n * sizeof u->v[0]);
    u->n = w->check.n;
    if (!nfc(u, &w->tmp))
        return MP_SYNTAX_TOO_LONG;
    if (u->n != w->check.n)
        return MP_SYNTAX_IDNA_INVALID;
    for (size_t i = 0; i < u->n; i++)
        if (u->v[i].cp != w->check.v[i].cp)
            return MP_SYNTAX_IDNA_INVALID;
    int ignored_bad;
    if (validate_label(u, &ignored_bad) != MP_SYNTAX_OK)
        return MP_SYNTAX_IDNA_INVALID;
    if (!out_byte(&w->ascii, 'x') || !out_byte(&w->ascii, 'n') || !out_byte(&w->ascii, '-') ||
        !out_byte(&w->ascii, '-'))
        return MP_SYNTAX_TOO_LONG;
    for (size_t i = 0; i < ace_len; i++)
        if (!out_byte(&w->ascii, ace[i]))
            return MP_SYNTAX_TOO_LONG;
    if (!out_utf8(&w->unicode, u))
        return MP_SYNTAX_TOO_LONG;
    w->bidi_domain |= label_is_rtl(u);
    *bad = -1;
    return MP_SYNTAX_OK;
}

/* One mapped label in w->label (input non-empty). */
static mp_syntax_code process_label(idna_work *w, int label_off, int *bad)
{
    label_buf *b = &w->label;
    if (b->n == 0) {
        *bad = label_off; /* everything in it was ignorable */
        return MP_SYNTAX_IDNA_INVALID;
    }
    if (!nfc(b, &w->tmp)) {
        *bad = label_off;
        return MP_SYNTAX_TOO_LONG;
    }
    if (is_xn(b))
        return process_alabel(w, label_off, bad);
    if (all_ascii(b)) {
        /* LDH and hyphen rules for ASCII labels are the parser's, exactly
         * as on the fast path. */
        if (!out_ascii_label(&w->ascii, b) || !out_ascii_label(&w->unicode, b))
            return MP_SYNTAX_TOO_LONG;
        return MP_SYNTAX_OK;
    }
    mp_syntax_code rc = validate_label(b, bad);
    if (rc != MP_SYNTAX_OK)
        return rc;
    if (!out_alabel(&w->ascii, b) || !out_utf8(&w->unicode, b)) {
        *bad = label_off;
        return MP_SYNTAX_TOO_LONG;
    }
    w->bidi_domain |= label_is_rtl(b);
    return MP_SYNTAX_OK;
}

/* The Bidi rule runs once the whole domain is known: it applies to all
 * labels as soon as one of them is right-to-left. Re-reads the U-labels. */
static mp_syntax_code check_bidi(idna_work *w, const char *in, size_t len, int *bad)
{
    const unsigned char *u = (const unsigned char *)w->unicode.s;
    size_t n = w->unicode.len, pos = 0;
    size_t label_index = 0;
    while (pos <= n) {
        label_buf *b = &w->check;
        b->n = 0;
        while (pos < n && u[pos] != '.') {
            uint32_t cp;
            size_t k = mp_utf8_decode(u + pos, n - pos, &cp);
            if (k == 0 || !push_cp(b, cp, 0))
                return MP_SYNTAX_IDNA_INVALID;
            pos += k;
        }
        if (!bidi_rule_ok(b)) {
            /* Point at the start of the same label in the input. */
            size_t at = 0, seen = 0;
            *bad = 0;
            while (at < len && seen < label_index) {
                uint32_t cp;
                size_t k = mp_utf8_decode((const unsigned char *)in + at, len - at, &cp);
                if (k == 0)
                    break;
                at += k;
                if (cp == '.' || cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) {
                    seen++;
                    *bad = (int)at;
                }
            }
            return MP_SYNTAX_IDNA_INVALID;
        }
        pos++; /* the dot, or past the end */
        label_index++;
    }
    return MP_SYNTAX_OK;
}

/* ---- Entry point --------------------------------------------------------- */

/* Fast path: pure ASCII with no label starting with "xn--" (any case) is just
 * lower-cased. Returns false to send the input down the full path. */
static bool ascii_fast_path(const char *in, size_t len, char *ascii, size_t ascii_cap,
                            char *unicode, size_t unicode_cap, mp_syntax_code *rc)
{
    if (len >= ascii_cap || len >= unicode_cap) {
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)in[i] >= 0x80)
                return false;
        *rc = MP_SYNTAX_TOO_LONG;
        return true;
    }
    size_t label_start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x80)
            return false;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        else if (c == '.')
            label_start = i + 1;
        else if (c == '-' && i == label_start + 3 && in[i - 1] == '-' &&
                 (in[i - 2] == 'n' || in[i - 2] == 'N') && (in[i - 3] == 'x' || in[i - 3] == 'X'))
            return false;
        ascii[i] = (char)c;
    }
    ascii[len] = '\0';
    memcpy(unicode, ascii, len + 1);
    *rc = MP_SYNTAX_OK;
    return true;
}

mp_syntax_code mp_idna_to_ascii(const char *in, size_t len,
                                char *ascii, size_t ascii_cap,
                                char *unicode, size_t unicode_cap,
                                int *bad_offset)
{
    *bad_offset = -1;
    if (ascii_cap > 0)
        ascii[0] = '\0';
    if (unicode_cap > 0)
        unicode[0] = '\0';
    if (ascii_cap == 0 || unicode_cap == 0)
        return MP_SYNTAX_TOO_LONG;

    mp_syntax_code rc;
    if (ascii_fast_path(in, len, ascii, ascii_cap, unicode, unicode_cap, &rc))
        return rc;

    idna_work w;
    w.ascii = (out_buf){ascii, ascii_cap, 0};
    w.unicode = (out_buf){unicode, unicode_cap, 0};
    w.bidi_domain = false;
    w.label.n = 0;

    const unsigned char *s = (const unsigned char *)in;
    size_t pos = 0;
    int label_off = 0; /* input offset where the current label starts */
    for (;;) {
        bool at_end = pos >= len;
        uint32_t mapped[MP_IDNA_MAP_MAX];
        size_t n_mapped = 0;
        int off = (int)pos;
        if (!at_end) {
            uint32_t cp;
            size_t k = mp_utf8_decode(s + pos, len - pos, &cp);
            if (k == 0) {
                *bad_offset = off;
                rc = MP_SYNTAX_INVALID_UTF8;
                goto fail;
            }
            pos += k;
            /* U+002E is UTS #46 valid but no IDNA2008 label character: it is
             * the separator (its variants are mapped to it). */
            unsigned cls = cp == '.' ? MP_IDNA_MAPPED : idna_lookup(cp, mapped, &n_mapped);
            if (cp == '.') {
                mapped[0] = '.';
                n_mapped = 1;
            }
            if (cls == MP_IDNA_DISALLOWED) {
                *bad_offset = off;
                rc = cp < 0x80 ? MP_SYNTAX_LABEL_INVALID_CHAR : MP_SYNTAX_IDNA_INVALID;
                goto fail;
            }
            if (cls == MP_IDNA_IGNORED)
                n_mapped = 0;
        }
        /* The end of the input ends the last label as a dot would. */
        for (size_t i = 0; i < n_mapped || (at_end && i == 0); i++) {
            if (!at_end && mapped[i] != '.') {
                if (!push_cp(&w.label, mapped[i], off)) {
                    *bad_offset = label_off;
                    rc = MP_SYNTAX_TOO_LONG;
                    goto fail;
                }
                continue;
            }
            /* An empty label in the input (a..b, a trailing dot) is left to
             * the parser; one that the mapping emptied is an IDNA error. */
            if (off > label_off) {
                rc = process_label(&w, label_off, bad_offset);
                if (rc != MP_SYNTAX_OK)
                    goto fail;
            }
            if (!at_end && (!out_byte(&w.ascii, '.') || !out_byte(&w.unicode, '.'))) {
                rc = MP_SYNTAX_TOO_LONG;
                goto fail;
            }
            w.label.n = 0;
            label_off = (int)pos;
        }
        if (at_end)
            break;
    }
    if (w.bidi_domain) {
        rc = check_bidi(&w, in, len, bad_offset);
        if (rc != MP_SYNTAX_OK)
            goto fail;
    }
    return MP_SYNTAX_OK;

fail:
    ascii[0] = '\0';
    unicode[0] = '\0';
    return rc;
}
