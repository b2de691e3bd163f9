/* address_list.c — finding the addresses in a list file (address_list.h):
 * the first rows are read ahead and kept, the column is decided from them,
 * then they are handed out before the rest of the input. */
#include "address_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *mp_addrlist_status_name(mp_addrlist_status s)
{
    static const char *const names[MP_ADDRLIST_STATUS_COUNT] = {
        "ok", "end", "no_such_column", "no_addresses", "bad_input", "no_memory",
    };
    return (unsigned)s < MP_ADDRLIST_STATUS_COUNT ? names[s] : "?";
}

/* ---- Cells ------------------------------------------------------------------- */

static bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Trims ASCII white space, U+00A0 and U+FEFF from both ends. */
static void trim(const char **p, size_t *n)
{
    for (;;) {
        if (*n && ascii_space(**p))
            ++*p, --*n;
        else if (*n >= 2 && !memcmp(*p, "\xc2\xa0", 2))
            *p += 2, *n -= 2;
        else if (*n >= 3 && !memcmp(*p, "\xef\xbb\xbf", 3))
            *p += 3, *n -= 3;
        else
            break;
    }
    for (;;) {
        if (*n && ascii_space((*p)[*n - 1]))
            --*n;
        else if (*n >= 2 && !memcmp(*p + *n - 2, "\xc2\xa0", 2))
            *n -= 2;
        else if (*n >= 3 && !memcmp(*p + *n - 3, "\xef\xbb\xbf", 3))
            *n -= 3;
        else
            break;
    }
}

static size_t count_char(const char *p, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == c;
    return k;
}

size_t mp_addrlist_clean_cell(const char *cell, size_t len, const char **out)
{
    const char *p = cell;
    size_t n = len;
    trim(&p, &n);
    /* The first <...> holding an '@' and no space or other bracket. */
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '<')
            continue;
        size_t j = i + 1;
        bool at = false;
        while (j < n && p[j] != '<' && p[j] != '>' && !ascii_space(p[j]))
            at |= p[j++] == '@';
        if (j < n && p[j] == '>' && at) {
            p += i + 1;
            n = j - i - 1;
            break;
        }
    }
    if (n >= 7 && !strncasecmp(p, "mailto:", 7)) {
        p += 7, n -= 7;
        const char *q = memchr(p, '?', n);
        if (q)
            n = (size_t)(q - p);
    }
    /* "ann@example.org" or 'ann@example.org' — but not a quoted local part ("a b"@x). */
    if (n >= 2 && ((p[0] == '"' && p[n - 1] == '"') || (p[0] == '\'' && p[n - 1] == '\'')) &&
        count_char(p, n, '@') <= 1) {
        const char *close = p[0] == '"' ? memchr(p + 1, '"', n - 1) : NULL;
        bool quoted_local = close && (size_t)(close - p) + 1 < n && close[1] == '@';
        if (!quoted_local) {
            p++, n -= 2;
            trim(&p, &n);
        }
    }
    *out = p;
    return n;
}

bool mp_addrlist_looks_like_address(const char *cell, size_t len)
{
    const char *at = len > 2 ? memchr(cell + 1, '@', len - 2) : NULL;
    return at != NULL;
}

/* Lower-cases ASCII, Latin-1 (U+00C0-U+00DE) and basic Cyrillic
 * (U+0410-U+042F) letters and drops the punctuation header names vary by,
 * into out (room for n octets). Returns the length. */
static size_t fold_header(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-' || c == '_' || c == '.' || c == ':' || c == '(' || c == ')' || c == '\t')
            continue;
        if (c >= 'A' && c <= 'Z') {
            out[o++] = (char)(c + 32);
        } else if (c == 0xc3 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9e &&
                   (unsigned char)s[i + 1] != 0x97) {
            out[o++] = (char)c;
            out[o++] = (char)(s[++i] + 0x20);
        } else if (c == 0xd0 && i + 1 < n && (unsigned char)s[i + 1] >= 0x90 && (unsigned char)s[i + 1] <= 0xaf) {
            unsigned char d = (unsigned char)s[++i];
            if (d <= 0x9f) {
                out[o++] = (char)0xd0;
                out[o++] = (char)(d + 0x20);
            } else {
                out[o++] = (char)0xd1;
                out[o++] = (char)(d - 0x20);
            }
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return true;
    return false;
}

bool mp_addrlist_is_address_header(const char *cell, size_t len)
{
    static const char *const exact[] = {"mail", "address"};
    static const char *const part[] = {
        "email", "mailadres", "courriel", "correo", "correio", "postaelettronica", "epost", "eposta",
        "s\xc3\xa4hk\xc3\xb6posti",                       /* sähköposti */
        "\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0",       /* почта */
        "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab",           /* メール */
        "\xe9\x82\xae\xe7\xae\xb1",                       /* 邮箱 */
        "\xe9\x82\xae\xe4\xbb\xb6",                       /* 邮件 */
        "\xe9\x83\xb5\xe4\xbb\xb6",                       /* 郵件 */
        "\xec\x9d\xb4\xeb\xa9\x94\xec\x9d\xbc",           /* 이메일 */
    };
    char folded[256];
    const char *p;
    size_t n = mp_addrlist_clean_cell(cell, len, &p);
    if (n > sizeof folded)
        return false; /* no header name is that long */
    n = fold_header(p, n, folded);
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strlen(exact[i]) == n && !memcmp(folded, exact[i], n))
            return true;
    for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
        if (contains(folded, n, part[i]))
            return true;
    return false;
}

/* The same name, case and punctuation aside (for --column NAME). */
static bool same_name(const char *a, size_t an, const char *b, size_t bn)
{
    char fa[256], fb[256];
    const char *pa, *pb;
    an = mp_addrlist_clean_cell(a, an, &pa);
    bn = mp_addrlist_clean_cell(b, bn, &pb);
    if (an > sizeof fa || bn > sizeof fb)
        return an == bn && !memcmp(pa, pb, an);
    an = fold_header(pa, an, fa);
    bn = fold_header(pb, bn, fb);
    return an == bn && !memcmp(fa, fb, an);
}

/* ---- Rows read ahead ----------------------------------------------------------- */

typedef struct head_row {
    char *raw;            /* raw octets, then the UTF-8 fields, each NUL-terminated */
    size_t raw_len;
    size_t nfields;
    size_t *off, *len;    /* of each field inside raw's block */
    unsigned long line;
} head_row;

struct mp_addrlist {
    mp_addrlist_options opt;
    mp_csv_reader *csv;
    bool is_csv, has_header;
    size_t column, width;
    char *column_name;
    head_row head[MP_ADDRLIST_HEAD_ROWS];
    size_t head_count, head_next; /* rows read ahead; the next to hand out */
};

static void head_free(head_row *h)
{
    free(h->raw);
    free(h->off);
    free(h->len);
    memset(h, 0, sizeof *h);
}

static bool head_keep(head_row *h, const mp_csv_record *rec)
{
    size_t total = rec->raw_len;
    for (size_t i = 0; i < rec->nfields; i++)
        total += rec->field_len[i] + 1;
    h->raw = malloc(total ? total : 1);
    h->off = malloc(rec->nfields * sizeof *h->off);
    h->len = malloc(rec->nfields * sizeof *h->len);
    if (!h->raw || !h->off || !h->len) {
        head_free(h);
        return false;
    }
    memcpy(h->raw, rec->raw, rec->raw_len);
    size_t o = rec->raw_len;
    for (size_t i = 0; i < rec->nfields; i++) {
        h->off[i] = o;
        h->len[i] = rec->field_len[i];
        memcpy(h->raw + o, rec->field[i], rec->field_len[i]);
        o += rec->field_len[i];
        h->raw[o++] = '\0';
    }
    h->raw_len = rec->raw_len;
    h->nfields = rec->nfields;
    h->line = rec->line;
    return true;
}

/* Cell k of a kept row, cleaned. */
static size_t head_cell(const head_row *h, size_t k, const char **out)
{
    if (k >= h->nfields) {
        *out = "";
        return 0;
    }
    return mp_addrlist_clean_cell(h->raw + h->off[k], h->len[k], out);
}

static bool head_cell_is_address(const head_row *h, size_t k)
{
    const char *p;
    size_t n = head_cell(h, k, &p);
    return mp_addrlist_looks_like_address(p, n);
}

/* The first row is a header "whatever its name" when its cell in `column`
 * is not empty and no address, while a later one (of the next 49) is. */
static bool first_row_is_header(const mp_addrlist *l, size_t column)
{
    if (l->head_count < 2 || column >= l->head[0].nfields || head_cell_is_address(&l->head[0], column))
        return false;
    const char *p;
    if (!head_cell(&l->head[0], column, &p))
        return false;
    for (size_t r = 1; r < l->head_count && r < 50; r++)
        if (head_cell_is_address(&l->head[r], column))
            return true;
    return false;
}

static void list_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void list_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The header's names, for an error message. */
static void header_names(const mp_addrlist *l, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    if (!l->head_count)
        return;
    const head_row *h = &l->head[0];
    for (size_t k = 0; k < h->nfields && o + 4 < cap; k++) {
        int w = snprintf(out + o, cap - o, "%s\"%.*s\"", k ? ", " : "", (int)(h->len[k] > 40 ? 40 : h->len[k]),
                         h->raw + h->off[k]);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
}

/* --column NAME|N. */
static mp_addrlist_status choose_named_column(mp_addrlist *l, char *err, size_t errlen)
{
    const char *want = l->opt.column;
    if (!l->head_count)
        return MP_ADDRLIST_OK; /* no rows: nothing to look for */
    const head_row *first = &l->head[0];
    for (size_t k = 0; k < first->nfields; k++)
        if (same_name(first->raw + first->off[k], first->len[k], want, strlen(want))) {
            l->column = k;
            l->has_header = true;
            return MP_ADDRLIST_OK;
        }
    char *end = NULL;
    unsigned long n = strtoul(want, &end, 10);
    if (*want >= '1' && *want <= '9' && end && !*end && n <= l->width) {
        l->column = n - 1;
        l->has_header = (l->column < first->nfields &&
                         mp_addrlist_is_address_header(first->raw + first->off[l->column], first->len[l->column])) ||
                        first_row_is_header(l, l->column);
        return MP_ADDRLIST_OK;
    }
    char names[512];
    header_names(l, names, sizeof names);
    list_error(err, errlen, "no column \"%s\" (the first row has %zu column%s: %s)", want, l->width,
               l->width == 1 ? "" : "s", names);
    return MP_ADDRLIST_NO_SUCH_COLUMN;
}

/* The column whose cells look most like addresses among `cand` (all when
 * NULL), the leftmost on a tie; *count gets its count. */
static size_t most_addresses(const mp_addrlist *l, const bool *cand, size_t *count)
{
    size_t best = 0, most = 0;
    bool any = false;
    for (size_t k = 0; k < l->width; k++) {
        if (cand && !cand[k])
            continue;
        size_t c = 0;
        for (size_t r = 0; r < l->head_count; r++)
            c += head_cell_is_address(&l->head[r], k);
        if (!any || c > most) {
            best = k;
            most = c;
            any = true;
        }
    }
    *count = most;
    return best;
}

/* The address column and header, from the rows read ahead. */
static mp_addrlist_status choose_column(mp_addrlist *l, char *err, size_t errlen)
{
    if (l->opt.column && *l->opt.column)
        return choose_named_column(l, err, errlen);
    if (!l->head_count || !l->width)
        return MP_ADDRLIST_OK;
    bool *named = calloc(l->width, sizeof *named);
    if (!named)
        return MP_ADDRLIST_NO_MEMORY;
    bool any_named = false;
    const head_row *first = &l->head[0];
    for (size_t k = 0; k < first->nfields; k++)
        any_named |= named[k] = mp_addrlist_is_address_header(first->raw + first->off[k], first->len[k]);
    size_t by_name = 0, by_content = 0;
    size_t column = any_named ? most_addresses(l, named, &by_name) : 0;
    size_t content = most_addresses(l, NULL, &by_content);
    free(named);
    /* A named column wins unless it holds no address while another does
     * ("Address" may be a postal one). */
    if (any_named && (by_name > 0 || by_content == 0)) {
        l->column = column;
        l->has_header = true;
        return MP_ADDRLIST_OK;
    }
    if (by_content == 0) {
        if (mp_csv_reader_format(l->csv)->separator && l->width > 1) {
            list_error(err, errlen, "no column holds addresses in the first %zu row%s", l->head_count,
                       l->head_count == 1 ? "" : "s");
            return MP_ADDRLIST_NO_ADDRESSES;
        }
        l->column = 0;
        return MP_ADDRLIST_OK;
    }
    l->column = content;
    l->has_header = first_row_is_header(l, content);
    return MP_ADDRLIST_OK;
}

static mp_addrlist_status csv_failure(const mp_addrlist *l, mp_csv_status st, char *err, size_t errlen)
{
    if (st == MP_CSV_NO_MEMORY) {
        list_error(err, errlen, "out of memory");
        return MP_ADDRLIST_NO_MEMORY;
    }
    static const char *const why[MP_CSV_STATUS_COUNT] = {
        [MP_CSV_TOO_LONG] = "a record longer than 1 MiB (an unclosed quote?)",
        [MP_CSV_TOO_MANY_FIELDS] = "a record with more than 4096 fields",
        [MP_CSV_READ_ERROR] = "cannot read the input",
        [MP_CSV_NO_CONVERTER] = "this system's iconv cannot read that encoding",
    };
    const char *w = (unsigned)st < MP_CSV_STATUS_COUNT && why[st] ? why[st] : mp_csv_status_name(st);
    list_error(err, errlen, "%s at line %lu", w, l->csv ? mp_csv_reader_line(l->csv) : 0);
    return MP_ADDRLIST_BAD_INPUT;
}

mp_addrlist_status mp_addrlist_open(mp_addrlist **out, mp_csv_read_fn read, void *ctx, const mp_addrlist_options *opt,
                            char *err, size_t errlen)
{
    *out = NULL;
    mp_addrlist *l = calloc(1, sizeof *l);
    if (!l)
        return MP_ADDRLIST_NO_MEMORY;
    if (opt)
        l->opt = *opt;
    mp_csv_options co;
    mp_csv_options_default(&co);
    co.encoding = l->opt.encoding;
    if (l->opt.mode == MP_ADDRLIST_LINES) {
        co.separator = 0;
        co.lone_cr_ends_line = false;
    }
    mp_csv_status cs = mp_csv_reader_open(&l->csv, read, ctx, &co);
    mp_addrlist_status st;
    if (cs != MP_CSV_OK) {
        st = csv_failure(l, cs, err, errlen);
        goto fail;
    }
    mp_csv_reader_keep_empty_lines(l->csv, l->opt.keep_empty_lines);
    l->width = 1;
    if (l->opt.mode == MP_ADDRLIST_LINES) {
        *out = l;
        return MP_ADDRLIST_OK;
    }
    /* Read ahead. */
    size_t octets = 0;
    l->width = 0;
    while (l->head_count < MP_ADDRLIST_HEAD_ROWS && octets < MP_ADDRLIST_HEAD_OCTETS) {
        mp_csv_record rec;
        cs = mp_csv_next(l->csv, &rec);
        if (cs == MP_CSV_END)
            break;
        if (cs != MP_CSV_OK) {
            st = csv_failure(l, cs, err, errlen);
            goto fail;
        }
        if (!head_keep(&l->head[l->head_count], &rec)) {
            st = MP_ADDRLIST_NO_MEMORY;
            goto fail;
        }
        l->head_count++;
        octets += rec.raw_len;
        if (rec.nfields > l->width)
            l->width = rec.nfields;
    }
    if ((st = choose_column(l, err, errlen)) != MP_ADDRLIST_OK)
        goto fail;
    l->is_csv = l->opt.mode == MP_ADDRLIST_CSV || mp_csv_reader_format(l->csv)->separator || l->has_header;
    if (l->has_header) {
        const head_row *h = &l->head[0];
        l->width = h->nfields > l->width ? h->nfields : l->width;
        const char *p;
        size_t n = head_cell(h, l->column, &p);
        l->column_name = malloc(n + 1);
        if (!l->column_name) {
            st = MP_ADDRLIST_NO_MEMORY;
            goto fail;
        }
        memcpy(l->column_name, p, n);
        l->column_name[n] = '\0';
        l->head_next = 1;
    }
    *out = l;
    return MP_ADDRLIST_OK;
fail:
    mp_addrlist_free(l);
    return st;
}

/* The address of a row (LINES: the whole line as written; else the
 * column's cell, cleaned). */
static void row_address(const mp_addrlist *l, const char *cell, size_t len, mp_addrlist_row *row)
{
    if (l->opt.mode == MP_ADDRLIST_LINES) {
        row->address = cell;
        row->address_len = len;
        return;
    }
    row->address_len = mp_addrlist_clean_cell(cell, len, &row->address);
}

mp_addrlist_status mp_addrlist_next(mp_addrlist *l, mp_addrlist_row *row, char *err, size_t errlen)
{
    memset(row, 0, sizeof *row);
    row->address = "";
    if (l->head_next < l->head_count) {
        /* Rows read ahead stay until mp_addrlist_free (bounded by MP_ADDRLIST_HEAD_OCTETS). */
        const head_row *h = &l->head[l->head_next++];
        row->raw = h->raw;
        row->raw_len = h->raw_len;
        row->nfields = h->nfields;
        row->line = h->line;
        if (l->column < h->nfields)
            row_address(l, h->raw + h->off[l->column], h->len[l->column], row);
        return MP_ADDRLIST_OK;
    }
    mp_csv_record rec;
    mp_csv_status cs = mp_csv_next(l->csv, &rec);
    if (cs == MP_CSV_END)
        return MP_ADDRLIST_END;
    if (cs != MP_CSV_OK)
        return csv_failure(l, cs, err, errlen);
    row->raw = rec.raw;
    row->raw_len = rec.raw_len;
    row->nfields = rec.nfields;
    row->line = rec.line;
    if (l->column < rec.nfields)
        row_address(l, rec.field[l->column], rec.field_len[l->column], row);
    return MP_ADDRLIST_OK;
}

const mp_csv_format *mp_addrlist_format(const mp_addrlist *l) { return mp_csv_reader_format(l->csv); }
bool mp_addrlist_is_csv(const mp_addrlist *l) { return l->is_csv; }
size_t mp_addrlist_column(const mp_addrlist *l) { return l->column; }
const char *mp_addrlist_column_name(const mp_addrlist *l) { return l->column_name; }
size_t mp_addrlist_width(const mp_addrlist *l) { return l->width; }

const char *mp_addrlist_header(const mp_addrlist *l, size_t *len)
{
    if (!l->has_header) {
        *len = 0;
        return NULL;
    }
    *len = l->head[0].raw_len;
    return l->head[0].raw;
}

void mp_addrlist_free(mp_addrlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < MP_ADDRLIST_HEAD_ROWS; i++)
        head_free(&l->head[i]);
    mp_csv_reader_free(l->csv);
    free(l->column_name);
    free(l);
}
