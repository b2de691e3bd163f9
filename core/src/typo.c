/*
 * "Did you mean": corrects a mistyped mail domain towards a popular one
 * (gmial.com -> gmail.com) and a mistyped top-level domain towards .com,
 * .net or .org (example-shop.con -> example-shop.com).
 *
 * A domain we know to be real (popular.txt, or free.txt unless it is a
 * typo-squat of a popular domain) is never corrected. The distance is a
 * keyboard-aware, bounded Damerau-Levenshtein (optimal string alignment)
 * counted in half-edits: a slip (adjacent key, doubled/undoubled letter,
 * two letters swapped) costs 1, any other edit 2. The Python twin of these
 * rules, in core/tools/gen_lists.py, decides which free-list domains are
 * typo-squats; keep the two in step.
 */
#include "lists.h"

#include "mailprobe/core.h"

#include <string.h>

enum {
    NAME_MAX_OCTETS = 64, /* longer names are never compared: no popular one is */
    SLIP = 1,             /* half-edit costs */
    EDIT = 2,
};

/* ---- Keyboard ----------------------------------------------------------- */

/* QWERTY key positions as row * 16 + column + 1 (0: not a key). Each row
 * sits about half a key right of the one above, so q touches w, a, 1, 2. */
static const unsigned char key_pos[128] = {
    ['1'] = 0x01, ['2'] = 0x02, ['3'] = 0x03, ['4'] = 0x04, ['5'] = 0x05,
    ['6'] = 0x06, ['7'] = 0x07, ['8'] = 0x08, ['9'] = 0x09, ['0'] = 0x0a,
    ['q'] = 0x11, ['w'] = 0x12, ['e'] = 0x13, ['r'] = 0x14, ['t'] = 0x15,
    ['y'] = 0x16, ['u'] = 0x17, ['i'] = 0x18, ['o'] = 0x19, ['p'] = 0x1a,
    ['a'] = 0x21, ['s'] = 0x22, ['d'] = 0x23, ['f'] = 0x24, ['g'] = 0x25,
    ['h'] = 0x26, ['j'] = 0x27, ['k'] = 0x28, ['l'] = 0x29,
    ['z'] = 0x31, ['x'] = 0x32, ['c'] = 0x33, ['v'] = 0x34, ['b'] = 0x35,
    ['n'] = 0x36, ['m'] = 0x37,
};

static bool keys_adjacent(char a, char b)
{
    unsigned ua = (unsigned char)a, ub = (unsigned char)b;
    if (ua >= 128 || ub >= 128 || !key_pos[ua] || !key_pos[ub])
        return false;
    int ra = key_pos[ua] >> 4, ca = key_pos[ua] & 15;
    int rb = key_pos[ub] >> 4, cb = key_pos[ub] & 15;
    int dr = ra - rb, dc = ca - cb;
    if (dr == 0)
        return dc == 1 || dc == -1;
    if (dr == 1) /* a on the row below b */
        return dc == 0 || dc == -1;
    if (dr == -1)
        return dc == 0 || dc == 1;
    return false;
}

/* ---- Distance ----------------------------------------------------------- */

static int min2(int a, int b) { return a < b ? a : b; }

/* Cost of s[i] being extra (or missing, for t): a doubled letter is a slip. */
static int indel_cost(const char *s, size_t i)
{
    return (i >= 1 && s[i] == s[i - 1]) ? SLIP : EDIT;
}

/* Weighted OSA distance from typed `s` to intended `t` in half-edits, or
 * limit + 1 when it is over `limit`. Both at most NAME_MAX_OCTETS. */
static int typo_distance(const char *s, size_t n, const char *t, size_t m, int limit)
{
    int over = limit + 1;
    size_t diff = n > m ? n - m : m - n;
    if (n > NAME_MAX_OCTETS || m > NAME_MAX_OCTETS || (int)diff * SLIP > limit)
        return over;
    int rows[3][NAME_MAX_OCTETS + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    prev[0] = 0;
    for (size_t j = 1; j <= m; j++)
        prev[j] = prev[j - 1] + indel_cost(t, j - 1);
    for (size_t i = 1; i <= n; i++) {
        cur[0] = prev[0] + indel_cost(s, i - 1);
        int row_min = cur[0];
        for (size_t j = 1; j <= m; j++) {
            char a = s[i - 1], b = t[j - 1];
            int sub = a == b ? 0 : keys_adjacent(a, b) ? SLIP : EDIT;
            int best = prev[j - 1] + sub;
            best = min2(best, prev[j] + indel_cost(s, i - 1));
            best = min2(best, cur[j - 1] + indel_cost(t, j - 1));
            if (i >= 2 && j >= 2 && a == t[j - 2] && s[i - 2] == b && a != b)
                best = min2(best, prev2[j - 2] + SLIP);
            cur[j] = best;
            row_min = min2(row_min, best);
        }
        if (row_min > limit)
            return over; /* every later cell is at least this */
        int *spare = prev2;
        prev2 = prev;
        prev = cur;
        cur = spare;
    }
    return prev[m] <= limit ? prev[m] : over;
}

/* Half-edits allowed on the name part of a popular domain (gen_lists.py
 * name_budget): none for aol/gmx/qq/me, whose neighbours are real domains. */
static int name_budget(size_t name_len)
{
    if (name_len <= 3)
        return 0;
    if (name_len == 4)
        return SLIP;
    return EDIT;
}

/* ---- Suffixes ----------------------------------------------------------- */

/* Top-level labels that are typos of com/net/org; none is delegated except
 * .ne (Niger), which in sign-up forms is nearly always a cut-off .net.
 * Same table as TLD_TYPOS in gen_lists.py. */
static const struct tld_typo {
    char typo[5];
    unsigned char len;
    char tld[4];
} tld_typos[] = {
    {"con", 3, "com"},  {"cpm", 3, "com"}, {"cim", 3, "com"},  {"vom", 3, "com"},
    {"xom", 3, "com"},  {"cmo", 3, "com"}, {"ocm", 3, "com"},  {"comm", 4, "com"},
    {"coom", 4, "com"}, {"ckm", 3, "com"}, {"cok", 3, "com"},
    {"colm", 4, "com"}, {"comn", 4, "com"},
    {"ne", 2, "net"},   {"nte", 3, "net"}, {"nett", 4, "net"}, {"ner", 3, "net"},
    {"nwt", 3, "net"},  {"bet", 3, "net"},
    {"og", 2, "org"},   {"ogr", 3, "org"}, {"orgg", 4, "org"}, {"rog", 3, "org"},
    {"prg", 3, "org"},  {"irg", 3, "org"}, {"otg", 3, "org"},  {"ort", 3, "org"},
    {"orh", 3, "org"},
};

/* The com/net/org a mistyped top-level label stands for, or NULL. */
static const char *tld_fix(const char *label, size_t len)
{
    if (len < 2 || len > 4)
        return NULL;
    for (size_t i = 0; i < sizeof tld_typos / sizeof tld_typos[0]; i++) {
        const struct tld_typo *t = &tld_typos[i];
        if (t->len == len && t->typo[0] == label[0] && t->typo[1] == label[1] &&
            memcmp(t->typo, label, len) == 0)
            return t->tld;
    }
    return NULL;
}

/* One character dropped or added (co, comm), or two neighbours swapped in a
 * suffix of 3+ characters (ocm). Not a substitution, and no swap in two
 * letters: hotmail.be and hotmail.se are real, not .de and .es. */
static bool suffix_slip(const char *s, size_t n, const char *p, size_t m)
{
    if (n + 1 == m || m + 1 == n) {
        const char *longer = n > m ? s : p, *shorter = n > m ? p : s;
        size_t ln = n > m ? n : m, k = 0;
        while (k < ln - 1 && longer[k] == shorter[k])
            k++;
        return memcmp(longer + k + 1, shorter + k, ln - 1 - k) == 0;
    }
    if (n == m && n >= 3) {
        size_t k = 0;
        while (k < n && s[k] == p[k])
            k++;
        return k + 1 < n && s[k] == p[k + 1] && s[k + 1] == p[k] &&
               memcmp(s + k + 2, p + k + 2, n - k - 2) == 0;
    }
    return false;
}

/* Cost of typed suffix `s` standing for popular suffix `p`: 0 same, SLIP a
 * known TLD typo in the last label (`fixed_tld`: its correction, or NULL),
 * EDIT a suffix slip (the caller accepts that only for names of 4+), -1
 * not a typo of it. */
static int suffix_cost(const char *s, size_t n, const char *p, size_t m,
                       const char *fixed_tld, size_t fixed_len, size_t tld_len)
{
    if (n == m && memcmp(s, p, n) == 0)
        return 0;
    if (fixed_tld) {
        size_t head = n - tld_len; /* "co." of "co.cmo" */
        if (head + fixed_len == m && memcmp(s, p, head) == 0 &&
            memcmp(fixed_tld, p + head, fixed_len) == 0)
            return SLIP;
    }
    if (suffix_slip(s, n, p, m))
        return EDIT;
    return -1;
}

/* ---- Suggestion --------------------------------------------------------- */

static int popcount32(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Where the last `labels` labels of `d` start, or 0 when d has no more. */
static size_t suffix_start(const char *d, size_t len, size_t labels)
{
    size_t seen = 0;
    for (size_t i = len; i-- > 0;) {
        if (d[i] == '.' && ++seen == labels)
            return i + 1;
    }
    return 0;
}

/* The closest popular domain `d` is a typo of, or NULL; sets *exact when
 * d is itself popular. Ties go to the more popular (earlier) domain. The
 * distance is 0 only for identical strings, so "exact" is found on the way. */
static const mp_popular_domain *nearest_popular(const char *d, size_t len, bool *exact)
{
    const mp_popular_domain *best = NULL;
    int best_cost = 0;
    *exact = false;
    size_t tld_at = suffix_start(d, len, 1);
    if (tld_at == 0)
        return NULL;
    size_t sld_at = suffix_start(d, len, 2); /* 0 when d has just two labels */
    const char *fixed_tld = tld_fix(d + tld_at, len - tld_at); /* 3 letters */
    uint32_t tld_mask = mp_letter_mask(d, tld_at - 1);             /* name before the TLD */
    uint32_t sld_mask = sld_at ? mp_letter_mask(d, sld_at - 1) : 0;

    /* Each distinct popular suffix is compared once (there are ~20), so
     * the loop over the popular domains is mostly a byte test. */
    signed char suffix_costs[MP_POPULAR_SUFFIX_MAX];
    size_t suffix_at[MP_POPULAR_SUFFIX_MAX];
    for (size_t k = 0; k < mp_popular_suffix_count && k < MP_POPULAR_SUFFIX_MAX; k++) {
        const mp_popular_suffix *ps = &mp_popular_suffixes[k];
        size_t at = ps->labels == 1 ? tld_at : sld_at;
        suffix_at[k] = at;
        suffix_costs[k] = (signed char)(at == 0 ? -1 :
            suffix_cost(d + at, len - at, ps->suffix, ps->len, fixed_tld, 3, len - tld_at));
    }
    for (size_t k = 0; k < mp_popular_domain_count; k++) {
        const mp_popular_domain *p = &mp_popular_domains[k];
        int ds = suffix_costs[p->suffix_id];
        if (ds < 0 || (ds == EDIT && p->name_len <= 3))
            continue; /* suffix slips only for names long enough to trust */
        size_t at = suffix_at[p->suffix_id];
        int budget = name_budget(p->name_len);
        size_t name_len = at - 1;
        size_t diff = name_len > p->name_len ? name_len - p->name_len : p->name_len - name_len;
        if ((int)diff * SLIP > budget)
            continue; /* cheapest test first: lengths too far apart */
        /* Every edit changes at most two mask bits for at least one
         * half-edit, except slips that keep the letters (doubling, swaps). */
        uint32_t mask = at == tld_at ? tld_mask : sld_mask;
        if (popcount32(mask ^ p->name_mask) > 2 * budget)
            continue;
        int dn = typo_distance(d, name_len, p->domain, p->name_len, budget);
        if (dn > budget)
            continue;
        if (dn + ds == 0) { /* same name, same suffix: d is popular itself */
            *exact = true;
            return NULL;
        }
        if (!best || dn + ds < best_cost) {
            best = p;
            best_cost = dn + ds;
        }
    }
    return best;
}

static bool write_out(const char *s, size_t n, char *out, size_t cap)
{
    if (!out || n + 1 > cap)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

bool mp_suggest_domain(const char *ascii_domain, size_t len, char *out, size_t cap)
{
    if (!ascii_domain || len == 0 || len > MP_DOMAIN_MAX)
        return false;
    /* Fast path: a real free provider is never corrected. One hash serves
     * both lookups. */
    uint64_t h = mp_list_hash(ascii_domain, len);
    if (mp_name_set_contains_hash(&mp_list_free, h) &&
        !mp_name_set_contains_hash(&mp_list_free_typo_squat, h))
        return false;

    bool exact;
    const mp_popular_domain *p = nearest_popular(ascii_domain, len, &exact);
    if (exact)
        return false;
    if (p)
        return write_out(p->domain, p->len, out, cap);

    /* Not near a popular domain: fix a mistyped TLD alone. */
    size_t at = suffix_start(ascii_domain, len, 1);
    if (at == 0)
        return false;
    const char *tld = tld_fix(ascii_domain + at, len - at);
    if (!tld)
        return false;
    char fixed[MP_DOMAIN_MAX + 8];
    size_t tl = strlen(tld);
    if (at + tl > MP_DOMAIN_MAX)
        return false;
    memcpy(fixed, ascii_domain, at);
    memcpy(fixed + at, tld, tl);
    return write_out(fixed, at + tl, out, cap);
}
