/* csv.c — the CSV reader and writer of csv.h. Records are found in the
 * input's own code units (one octet, or two for UTF-16), so their octets can
 * be handed back unchanged; fields are then split from the record decoded
 * to UTF-8. Both walks use the same quoting rules (quote_step). */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- Encodings -------------------------------------------------------------- */

typedef struct encoding_info {
    const char *name;   /* IANA / WHATWG */
    const char *iconv;  /* glibc's name */
    unsigned unit;      /* octets per code unit */
    bool big_endian;
} encoding_info;

static const encoding_info encodings[MP_CSV_ENCODING_COUNT] = {
    [MP_CSV_AUTO] = {"auto", NULL, 1, false},
    [MP_CSV_UTF8] = {"utf-8", "UTF-8", 1, false},
    [MP_CSV_UTF16LE] = {"utf-16le", "UTF-16LE", 2, false},
    [MP_CSV_UTF16BE] = {"utf-16be", "UTF-16BE", 2, true},
    [MP_CSV_WINDOWS_1252] = {"windows-1252", "WINDOWS-1252", 1, false},
    [MP_CSV_WINDOWS_1250] = {"windows-1250", "WINDOWS-1250", 1, false},
    [MP_CSV_WINDOWS_1251] = {"windows-1251", "WINDOWS-1251", 1, false},
    [MP_CSV_ISO_8859_2] = {"iso-8859-2", "ISO-8859-2", 1, false},
    [MP_CSV_ISO_8859_15] = {"iso-8859-15", "ISO-8859-15", 1, false},
};

static const struct { const char *alias; mp_csv_encoding e; } aliases[] = {
    {"utf8", MP_CSV_UTF8},          {"utf-16", MP_CSV_UTF16LE},    {"cp1252", MP_CSV_WINDOWS_1252},
    {"latin1", MP_CSV_WINDOWS_1252}, {"iso-8859-1", MP_CSV_WINDOWS_1252}, {"iso8859-1", MP_CSV_WINDOWS_1252},
    {"us-ascii", MP_CSV_WINDOWS_1252}, {"ascii", MP_CSV_WINDOWS_1252}, {"cp1250", MP_CSV_WINDOWS_1250},
    {"cp1251", MP_CSV_WINDOWS_1251}, {"latin2", MP_CSV_ISO_8859_2}, {"latin9", MP_CSV_ISO_8859_15},
};

const char *mp_csv_encoding_name(mp_csv_encoding e)
{
    return (unsigned)e < MP_CSV_ENCODING_COUNT ? encodings[e].name : "?";
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && !strncasecmp(name, want, len);
}

bool mp_csv_encoding_parse(const char *name, size_t len, mp_csv_encoding *out)
{
    for (int e = 0; e < MP_CSV_ENCODING_COUNT; e++)
        if (name_is(name, len, encodings[e].name)) {
            *out = (mp_csv_encoding)e;
            return true;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (name_is(name, len, aliases[i].alias)) {
            *out = aliases[i].e;
            return true;
        }
    return false;
}

const char *mp_csv_status_name(mp_csv_status s)
{
    static const char *const names[MP_CSV_STATUS_COUNT] = {
        "ok", "end", "too_long", "too_many_fields", "read_error", "no_memory", "no_converter",
    };
    return (unsigned)s < MP_CSV_STATUS_COUNT ? names[s] : "?";
}

bool mp_csv_is_utf8(const char *p, size_t len, bool may_be_cut)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t need;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000;
        } else {
            return false;
        }
        unsigned cp = c & (0x3f >> need);
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len)
                return may_be_cut;
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

/* ---- Quoting: one state machine for finding records and splitting fields ---- */

typedef enum quote_state {
    Q_FIELD_START, /* nothing but blanks in this field so far */
    Q_UNQUOTED,
    Q_QUOTED,
    Q_QUOTE_SEEN,  /* a quote inside a quoted field: closes it, or "" */
} quote_state;

typedef enum quote_event {
    E_TEXT,        /* the character is part of the field */
    E_DROP,        /* a quote that only opens, closes or escapes */
    E_SEPARATOR,   /* ends the field */
    E_LINE_END,    /* ends the record (CR or LF outside quotes) */
    E_RESET,       /* a quote after blanks: the blanks go, quoting starts */
} quote_event;

static bool is_blank(unsigned c) { return c == ' ' || c == '\t'; }

/* One character `c` of a record in state *st: what it is. A quote opens a
 * quoted field only at a field's start (after blanks at most); "" inside
 * quotes is one quote; after the closing quote the field goes on unquoted
 * (as the page reads it). With no separator there is no quoting at all. */
static quote_event quote_step(quote_state *st, unsigned c, unsigned sep, bool is_line_end)
{
    switch (*st) {
    case Q_QUOTED:
        if (c == '"') {
            *st = Q_QUOTE_SEEN;
            return E_DROP;
        }
        return E_TEXT;
    case Q_QUOTE_SEEN:
        if (c == '"') {
            *st = Q_QUOTED;
            return E_TEXT;
        }
        break;
    case Q_FIELD_START:
        if (sep && c == '"') {
            *st = Q_QUOTED;
            return E_RESET;
        }
        break;
    case Q_UNQUOTED:
        break;
    }
    if (sep && c == sep && c != 0) {
        *st = Q_FIELD_START;
        return E_SEPARATOR;
    }
    if (is_line_end)
        return E_LINE_END;
    if (*st == Q_FIELD_START && is_blank(c) && c != sep)
        return E_TEXT;
    *st = Q_UNQUOTED;
    return E_TEXT;
}

/* ---- Separator detection ---------------------------------------------------- */

enum { DETECT_LINES = 50 };

char mp_csv_detect_separator(const char *text, size_t len)
{
    static const char candidates[] = {',', ';', '\t', '|'};
    if (len > MP_CSV_SAMPLE)
        len = MP_CSV_SAMPLE;
    /* The first DETECT_LINES non-blank lines. */
    size_t start[DETECT_LINES], end[DETECT_LINES], lines = 0;
    for (size_t i = 0; i < len && lines < DETECT_LINES;) {
        size_t s = i;
        while (i < len && text[i] != '\n' && text[i] != '\r')
            i++;
        size_t e = i;
        if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            i++;
        i++;
        bool blank = true;
        for (size_t k = s; k < e && blank; k++)
            blank = text[k] == ' ' || text[k] == '\t' || text[k] == '\f' || text[k] == '\v';
        if (!blank) {
            start[lines] = s;
            end[lines] = e;
            lines++;
        }
    }
    if (!lines)
        return 0;
    char best = 0;
    size_t best_score = 0;
    for (size_t c = 0; c < sizeof candidates; c++) {
        size_t count[DETECT_LINES];
        for (size_t l = 0; l < lines; l++) {
            size_t n = 0;
            for (size_t k = start[l]; k < end[l]; k++) {
                if (text[k] == '"') {
                    /* A "quoted" span is skipped when it closes on this line. */
                    const char *close = memchr(text + k + 1, '"', end[l] - k - 1);
                    if (close) {
                        k = (size_t)(close - text);
                        continue;
                    }
                }
                n += text[k] == candidates[c];
            }
            count[l] = n;
        }
        /* The most lines sharing one non-zero count. */
        size_t score = 0;
        for (size_t l = 0; l < lines; l++) {
            if (!count[l])
                continue;
            size_t same = 0;
            for (size_t m = 0; m < lines; m++)
                same += count[m] == count[l];
            if (same > score)
                score = same;
        }
        if (score * 2 >= lines && score > best_score) {
            best = candidates[c];
            best_score = score;
        }
    }
    return best;
}

/* ---- Conversion to UTF-8 ---------------------------------------------------- */

/* Appends the UTF-8 of code point `cp` at out; returns octets written. */
static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* Decodes `n` octets of `e` into out (room for 3 * n + 4 octets) with the
 * converter `cd`; returns the octets written. What iconv refuses does not
 * stop it: an 8-bit octet the code page leaves undefined becomes the code
 * point of the same number (as browsers decode Windows-1252's five holes),
 * anything else U+FFFD. */
static size_t decode(iconv_t cd, const encoding_info *e, const char *in, size_t n, char *out)
{
    char *ip = (char *)in, *op = out;
    size_t il = n, ol = 3 * n + 4;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (il) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG)
            break; /* cannot happen with 3 * n + 4 */
        size_t skip = e->unit <= il ? e->unit : il;
        size_t w = put_utf8(op, e->unit == 1 ? (unsigned char)*ip : 0xfffd);
        op += w, ol -= w, ip += skip, il -= skip;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    return (size_t)(op - out);
}

/* ---- Reader ------------------------------------------------------------------ */

struct mp_csv_reader {
    mp_csv_read_fn read;
    void *ctx;
    mp_csv_options opt;
    mp_csv_format fmt;
    const encoding_info *enc;
    iconv_t cd;                 /* to UTF-8; (iconv_t)-1 for UTF-8 input */
    bool crlf_known, keep_empty, eof, failed, nomem;
    char *buf;                  /* input octets: [start, end) not yet consumed */
    size_t cap, start, end;
    unsigned long line;         /* line of the next record */
    unsigned long record_line;  /* line of the last (or failing) record */
    char *utf8;                 /* the record decoded */
    size_t utf8_cap;
    char *fields;               /* unquoted fields, each NUL-terminated */
    size_t fields_cap;
    const char **field;         /* field_cap of each */
    size_t *field_len;
    size_t field_cap;
};

size_t mp_csv_read_file(void *file, char *buf, size_t cap)
{
    int fd = fileno((FILE *)file);
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0)
            return (size_t)n;
        if (errno != EINTR)
            return (size_t)-1;
    }
}

size_t mp_csv_read_memory(void *memory, char *buf, size_t cap)
{
    mp_csv_memory *m = memory;
    size_t n = m->len - m->at < cap ? m->len - m->at : cap;
    memcpy(buf, m->p + m->at, n);
    m->at += n;
    return n;
}

void mp_csv_options_default(mp_csv_options *opt)
{
    opt->encoding = MP_CSV_AUTO;
    opt->separator = MP_CSV_SEPARATOR_AUTO;
    opt->lone_cr_ends_line = true;
    opt->record_max = MP_CSV_RECORD_MAX;
}

/* Reads more input after `end`, making room first. False at the end of
 * input or on an error (r->failed). */
static bool fill(mp_csv_reader *r)
{
    if (r->eof)
        return false;
    if (r->start) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        size_t cap = r->cap * 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            r->failed = r->nomem = true;
            return false;
        }
        r->buf = b;
        r->cap = cap;
    }
    size_t n = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
    if (n == (size_t)-1) {
        r->failed = true;
        r->eof = true;
        return false;
    }
    if (n == 0) {
        r->eof = true;
        return false;
    }
    r->end += n;
    return true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* The input from `start` as UTF-8 in r->utf8 (the sample, for detection). */
static bool decode_span(mp_csv_reader *r, const char *p, size_t n, size_t *out_len)
{
    if (!grow((void **)&r->utf8, &r->utf8_cap, 3 * n + 4, 1))
        return false;
    if (r->cd == (iconv_t)-1) {
        memcpy(r->utf8, p, n);
        *out_len = n;
    } else {
        *out_len = decode(r->cd, r->enc, p, n, r->utf8);
    }
    return true;
}

/* Whether `n` octets hold DETECT_LINES line ends (in any encoding, an LF
 * octet is close enough for deciding to stop reading). */
static bool has_lines(const char *p, size_t n)
{
    size_t lines = 0;
    for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++)
        if (++lines >= DETECT_LINES)
            return true;
    return false;
}

mp_csv_status mp_csv_reader_open(mp_csv_reader **out, mp_csv_read_fn read, void *ctx, const mp_csv_options *opt)
{
    *out = NULL;
    mp_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return MP_CSV_NO_MEMORY;
    r->read = read;
    r->ctx = ctx;
    if (opt)
        r->opt = *opt;
    else
        mp_csv_options_default(&r->opt);
    if (!r->opt.record_max)
        r->opt.record_max = MP_CSV_RECORD_MAX;
    r->cd = (iconv_t)-1;
    r->line = 1;
    r->cap = MP_CSV_SAMPLE;
    r->buf = malloc(r->cap);
    mp_csv_status st = MP_CSV_NO_MEMORY;
    if (!r->buf)
        goto fail;
    /* The sample: to find a separator, up to MP_CSV_SAMPLE octets or
     * DETECT_LINES lines; otherwise one read (a pipe gives what it has, and
     * a line-by-line reader must not wait for more), or four octets for a BOM. */
    bool want_lines = r->opt.separator == MP_CSV_SEPARATOR_AUTO;
    while (fill(r) && (r->end < 4 || (want_lines && r->end < MP_CSV_SAMPLE && !has_lines(r->buf, r->end))))
        ;
    st = MP_CSV_READ_ERROR;
    if (r->failed)
        goto fail;
    const unsigned char *b = (const unsigned char *)r->buf;
    mp_csv_encoding e = r->opt.encoding;
    if (r->end >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
        e = MP_CSV_UTF8, r->start = 3;
    } else if (r->end >= 2 && b[0] == 0xff && b[1] == 0xfe) {
        e = MP_CSV_UTF16LE, r->start = 2;
    } else if (r->end >= 2 && b[0] == 0xfe && b[1] == 0xff) {
        e = MP_CSV_UTF16BE, r->start = 2;
    }
    r->fmt.bom = r->start > 0;
    if (e == MP_CSV_AUTO || (unsigned)e >= MP_CSV_ENCODING_COUNT)
        e = mp_csv_is_utf8(r->buf, r->end, !r->eof) ? MP_CSV_UTF8 : MP_CSV_WINDOWS_1252;
    r->fmt.encoding = e;
    r->enc = &encodings[e];
    if (e != MP_CSV_UTF8) {
        r->cd = iconv_open("UTF-8", r->enc->iconv);
        st = MP_CSV_NO_CONVERTER;
        if (r->cd == (iconv_t)-1)
            goto fail;
    }
    if (r->opt.separator == MP_CSV_SEPARATOR_AUTO) {
        size_t n = (r->end - r->start) / r->enc->unit * r->enc->unit, u8 = 0;
        st = MP_CSV_NO_MEMORY;
        if (!decode_span(r, r->buf + r->start, n, &u8))
            goto fail;
        r->fmt.separator = mp_csv_detect_separator(r->utf8, u8);
    } else {
        r->fmt.separator = (char)r->opt.separator;
    }
    *out = r;
    return MP_CSV_OK;
fail:
    mp_csv_reader_free(r);
    return st;
}

const mp_csv_format *mp_csv_reader_format(const mp_csv_reader *r) { return &r->fmt; }
void mp_csv_reader_keep_empty_lines(mp_csv_reader *r, bool keep) { r->keep_empty = keep; }
unsigned long mp_csv_reader_line(const mp_csv_reader *r) { return r->record_line; }

static unsigned unit_at(const mp_csv_reader *r, size_t i)
{
    const unsigned char *b = (const unsigned char *)r->buf + i;
    if (r->enc->unit == 1)
        return b[0];
    return r->enc->big_endian ? (unsigned)b[0] << 8 | b[1] : (unsigned)b[1] << 8 | b[0];
}

/* Finds the end of the record at r->start: *raw_len its octets, *term_len
 * its line end's, *lines the line ends inside its quotes. Reads more input
 * as needed; the quote state carries over from one read to the next. */
static mp_csv_status find_record(mp_csv_reader *r, size_t *raw_len, size_t *term_len, unsigned long *lines)
{
    const size_t u = r->enc->unit;
    const unsigned sep = (unsigned char)r->fmt.separator;
    quote_state st = Q_FIELD_START;
    size_t i = r->start; /* absolute offset of the next unit */
    *lines = 0;
    for (;;) {
        size_t limit = r->start + r->opt.record_max;
        while (i + u <= r->end) {
            if (i > limit)
                return MP_CSV_TOO_LONG;
            unsigned c = unit_at(r, i);
            bool cr = c == '\r', lf = c == '\n';
            if (cr && i + 2 * u > r->end && !r->eof)
                break; /* is an LF next? read on */
            bool crlf = cr && i + 2 * u <= r->end && unit_at(r, i + u) == '\n';
            bool line_end = lf || crlf || (cr && r->opt.lone_cr_ends_line);
            quote_event ev = quote_step(&st, c, sep, line_end);
            if (ev == E_LINE_END) {
                *raw_len = i - r->start;
                *term_len = crlf ? 2 * u : u;
                if (!r->crlf_known) {
                    r->fmt.crlf = crlf;
                    r->crlf_known = true;
                }
                return MP_CSV_OK;
            }
            if (line_end && st == Q_QUOTED)
                ++*lines;
            i += crlf ? 2 * u : u;
        }
        if (i > limit)
            return MP_CSV_TOO_LONG;
        if (r->eof) {
            /* The rest (an odd octet too) is the last record, if anything is left. */
            *raw_len = r->end - r->start;
            *term_len = 0;
            return *raw_len ? MP_CSV_OK : MP_CSV_END;
        }
        size_t at = i - r->start;
        if (!fill(r) && r->failed)
            return r->nomem ? MP_CSV_NO_MEMORY : MP_CSV_READ_ERROR;
        i = r->start + at; /* at the end of input the loop finishes the scan */
    }
}

/* Room for `need` entries in both field arrays. */
static bool grow_field_arrays(mp_csv_reader *r, size_t need)
{
    if (need <= r->field_cap)
        return true;
    size_t cap = r->field_cap ? r->field_cap * 2 : 64;
    const char **f = realloc(r->field, cap * sizeof *f);
    if (f)
        r->field = f;
    size_t *l = realloc(r->field_len, cap * sizeof *l);
    if (l)
        r->field_len = l;
    if (!f || !l)
        return false;
    r->field_cap = cap;
    return true;
}

/* Splits r->utf8[0, n) into fields. */
static mp_csv_status split_fields(mp_csv_reader *r, size_t n, size_t *count)
{
    const unsigned sep = (unsigned char)r->fmt.separator;
    if (!grow((void **)&r->fields, &r->fields_cap, n + 1, 1))
        return MP_CSV_NO_MEMORY;
    size_t nf = 0, o = 0, field_start = 0;
    quote_state st = Q_FIELD_START;
    for (size_t i = 0;; i++) {
        bool end = i == n;
        quote_event ev = end ? E_SEPARATOR : quote_step(&st, (unsigned char)r->utf8[i], sep, false);
        if (ev == E_TEXT) {
            r->fields[o++] = r->utf8[i];
        } else if (ev == E_RESET) {
            o = field_start;
        } else if (ev == E_SEPARATOR) {
            if (nf == MP_CSV_FIELDS_MAX)
                return MP_CSV_TOO_MANY_FIELDS;
            if (!grow_field_arrays(r, nf + 1))
                return MP_CSV_NO_MEMORY;
            /* The fields buffer grows by one NUL per field: room is checked here. */
            if (!grow((void **)&r->fields, &r->fields_cap, n + nf + 2, 1))
                return MP_CSV_NO_MEMORY;
            r->field_len[nf] = o - field_start;
            r->fields[o++] = '\0';
            r->field[nf++] = (const char *)(uintptr_t)field_start; /* offset until the buffer settles */
            field_start = o;
            if (end)
                break;
        }
    }
    for (size_t k = 0; k < nf; k++)
        r->field[k] = r->fields + (uintptr_t)r->field[k];
    *count = nf;
    return MP_CSV_OK;
}

mp_csv_status mp_csv_next(mp_csv_reader *r, mp_csv_record *rec)
{
    memset(rec, 0, sizeof *rec);
    for (;;) {
        size_t raw_len = 0, term_len = 0;
        unsigned long lines = 0;
        r->record_line = r->line;
        mp_csv_status st = find_record(r, &raw_len, &term_len, &lines);
        if (st != MP_CSV_OK)
            return st;
        const char *raw = r->buf + r->start;
        r->start += raw_len + term_len;
        r->line += lines + (term_len ? 1 : 0);
        if (!raw_len && !r->keep_empty)
            continue;
        size_t n = 0, nf = 0;
        if (!decode_span(r, raw, raw_len, &n))
            return MP_CSV_NO_MEMORY;
        if ((st = split_fields(r, n, &nf)) != MP_CSV_OK)
            return st;
        rec->raw = raw;
        rec->raw_len = raw_len;
        rec->nfields = nf;
        rec->field = r->field;
        rec->field_len = r->field_len;
        rec->line = r->record_line;
        return MP_CSV_OK;
    }
}

/* Closes a converter of reader or writer; (iconv_t)-1 (none) is fine. */
static void converter_close(iconv_t cd)
{
    if (cd != (iconv_t)-1)
        iconv_close(cd);
}

void mp_csv_reader_free(mp_csv_reader *r)
{
    if (!r)
        return;
    converter_close(r->cd);
    free(r->buf);
    free(r->utf8);
    free(r->fields);
    free(r->field);
    free(r->field_len);
    free(r);
}

/* ---- Writer ------------------------------------------------------------------ */

struct mp_csv_writer {
    mp_csv_format fmt;
    const encoding_info *enc;
    mp_csv_write_fn write;
    void *ctx;
    iconv_t cd;         /* from UTF-8; (iconv_t)-1 for UTF-8 output */
    bool bom_pending, in_row;
    char *tmp, *out;    /* the field being written, then converted */
    size_t tmp_cap, out_cap;
};

mp_csv_writer *mp_csv_writer_new(const mp_csv_format *fmt, mp_csv_write_fn write, void *ctx)
{
    mp_csv_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fmt = *fmt;
    if ((unsigned)w->fmt.encoding >= MP_CSV_ENCODING_COUNT || w->fmt.encoding == MP_CSV_AUTO)
        w->fmt.encoding = MP_CSV_UTF8;
    if (!w->fmt.separator)
        w->fmt.separator = ',';
    w->enc = &encodings[w->fmt.encoding];
    w->write = write;
    w->ctx = ctx;
    w->bom_pending = w->fmt.bom;
    w->cd = (iconv_t)-1;
    if (w->fmt.encoding != MP_CSV_UTF8) {
        char to[64];
        /* //TRANSLIT: a character the code page lacks becomes its nearest kin. */
        snprintf(to, sizeof to, "%s//TRANSLIT", w->enc->iconv);
        w->cd = iconv_open(to, "UTF-8");
        if (w->cd == (iconv_t)-1) {
            free(w);
            return NULL;
        }
    }
    return w;
}

void mp_csv_writer_free(mp_csv_writer *w)
{
    if (!w)
        return;
    converter_close(w->cd);
    free(w->tmp);
    free(w->out);
    free(w);
}

static void emit(mp_csv_writer *w, const char *p, size_t n)
{
    if (w->bom_pending) {
        w->bom_pending = false;
        static const char utf8[] = "\xef\xbb\xbf", le[] = "\xff\xfe", be[] = "\xfe\xff";
        if (w->fmt.encoding == MP_CSV_UTF8)
            w->write(w->ctx, utf8, 3);
        else if (w->fmt.encoding == MP_CSV_UTF16LE)
            w->write(w->ctx, le, 2);
        else if (w->fmt.encoding == MP_CSV_UTF16BE)
            w->write(w->ctx, be, 2);
    }
    if (n)
        w->write(w->ctx, p, n);
}

/* ASCII text (separators, quotes, line ends, names) in the output encoding. */
static void emit_ascii(mp_csv_writer *w, const char *s, size_t n)
{
    if (w->enc->unit == 1) {
        emit(w, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char two[2] = {w->enc->big_endian ? 0 : s[i], w->enc->big_endian ? s[i] : 0};
        emit(w, two, 2);
    }
}

/* UTF-8 text in the output encoding; what it cannot hold becomes '?'. */
static void emit_text(mp_csv_writer *w, const char *s, size_t n)
{
    if (w->cd == (iconv_t)-1) {
        emit(w, s, n);
        return;
    }
    if (!grow((void **)&w->out, &w->out_cap, 4 * n + 8, 1))
        return;
    char *ip = (char *)s;
    size_t il = n;
    iconv(w->cd, NULL, NULL, NULL, NULL);
    while (il) {
        char *op = w->out;
        size_t ol = w->out_cap;
        size_t rc = iconv(w->cd, &ip, &il, &op, &ol);
        int why = rc == (size_t)-1 ? errno : 0;
        emit(w, w->out, (size_t)(op - w->out));
        if (!why || why == E2BIG)
            continue; /* done, or the next piece */
        /* A character it cannot hold (or broken UTF-8): '?' in its place. */
        size_t skip = 1;
        while (skip < il && ((unsigned char)ip[skip] & 0xc0) == 0x80)
            skip++;
        ip += skip, il -= skip;
        emit_ascii(w, "?", 1);
        iconv(w->cd, NULL, NULL, NULL, NULL);
    }
}

static void field_separator(mp_csv_writer *w)
{
    if (w->in_row)
        emit_ascii(w, &w->fmt.separator, 1);
    w->in_row = true;
}

void mp_csv_write_raw(mp_csv_writer *w, const char *p, size_t n)
{
    field_separator(w);
    emit(w, p, n);
}

bool mp_csv_defuse(const char *p, size_t n)
{
    return n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' || p[0] == '\t' || p[0] == '\r');
}

void mp_csv_write_field(mp_csv_writer *w, const char *s, size_t n)
{
    field_separator(w);
    if (!s || !n)
        return;
    bool quote = s[0] == ' ' || s[n - 1] == ' ';
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == w->fmt.separator || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    /* The field as UTF-8, apostrophe and quotes added, then converted once. */
    if (!grow((void **)&w->tmp, &w->tmp_cap, 2 * n + 4, 1))
        return;
    size_t o = 0;
    if (quote)
        w->tmp[o++] = '"';
    if (mp_csv_defuse(s, n))
        w->tmp[o++] = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            w->tmp[o++] = '"';
        w->tmp[o++] = s[i];
    }
    if (quote)
        w->tmp[o++] = '"';
    emit_text(w, w->tmp, o);
}

void mp_csv_write_empty(mp_csv_writer *w, size_t count)
{
    for (size_t i = 0; i < count; i++)
        field_separator(w);
}

void mp_csv_end_row(mp_csv_writer *w)
{
    emit_ascii(w, w->fmt.crlf ? "\r\n" : "\n", w->fmt.crlf ? 2 : 1);
    w->in_row = false;
}

void mp_csv_cut_row(mp_csv_writer *w) { w->in_row = false; }
