/* csv.h — CSV as spreadsheets and CRMs write it, read and written in one
 * place: RFC 4180 quoting, a separator of , ; TAB or | (found from the text
 * or given), line ends LF, CR LF or CR, and the encodings people's files
 * come in: UTF-8 with or without a byte order mark, UTF-16 LE/BE with one,
 * and the legacy 8-bit Windows code pages (Windows-1252 is found when the
 * bytes are not UTF-8; the others are given by name). Conversion is glibc's
 * iconv(3).
 *
 * The reader hands out each record twice: its bytes exactly as they are in
 * the input (so a writer in the same format can copy them back unchanged,
 * whatever their encoding), and its fields decoded to UTF-8. The writer
 * writes in a given format, so results can go back in the shape the input
 * came in; every cell it writes is neutralised against spreadsheet formulas.
 *
 * The rules are the page's too (web/listparse.js, web/csv.js): the same
 * separator detection, the same quoting, the same formula rule. */
#ifndef MP_CSV_H
#define MP_CSV_H
#include <stdbool.h>
#include <stddef.h>

/* Encodings: IANA/WHATWG names. AUTO is a request only ("find it"). */
typedef enum mp_csv_encoding {
    MP_CSV_AUTO = 0,
    MP_CSV_UTF8,
    MP_CSV_UTF16LE,
    MP_CSV_UTF16BE,
    MP_CSV_WINDOWS_1252,
    MP_CSV_WINDOWS_1250,
    MP_CSV_WINDOWS_1251,
    MP_CSV_ISO_8859_2,
    MP_CSV_ISO_8859_15,
    MP_CSV_ENCODING_COUNT
} mp_csv_encoding;

/* "auto", "utf-8", "utf-16le", "utf-16be", "windows-1252", "windows-1250",
 * "windows-1251", "iso-8859-2", "iso-8859-15": the charset names of HTTP. */
const char *mp_csv_encoding_name(mp_csv_encoding e);

/* Reads an encoding name, ASCII case-insensitively, with the WHATWG
 * aliases: utf8, utf-16 (= utf-16le), cp1252, latin1, iso-8859-1, us-ascii
 * and ascii (= windows-1252, as browsers do), cp1250, cp1251, latin2,
 * latin9, and "auto". `len` octets at `name`. False for anything else. */
bool mp_csv_encoding_parse(const char *name, size_t len, mp_csv_encoding *out);

/* What a reader found, and what a writer writes. */
typedef struct mp_csv_format {
    mp_csv_encoding encoding; /* never AUTO once found */
    bool bom;                 /* the input began with a byte order mark (written back) */
    char separator;           /* ',', ';', '\t', '|', or 0: none (one cell a line) */
    bool crlf;                /* lines end in CR LF (else LF) */
} mp_csv_format;

/* Status of every call that can fail. */
typedef enum mp_csv_status {
    MP_CSV_OK = 0,
    MP_CSV_END,             /* no more records */
    MP_CSV_TOO_LONG,        /* a record longer than record_max octets (an unclosed quote?) */
    MP_CSV_TOO_MANY_FIELDS, /* a record with more than MP_CSV_FIELDS_MAX fields */
    MP_CSV_READ_ERROR,      /* the read function failed */
    MP_CSV_NO_MEMORY,
    MP_CSV_NO_CONVERTER,    /* iconv cannot convert this encoding */
    MP_CSV_STATUS_COUNT
} mp_csv_status;

/* "ok", "end", "too_long", "too_many_fields", "read_error", "no_memory",
 * "no_converter". */
const char *mp_csv_status_name(mp_csv_status s);

enum {
    MP_CSV_SAMPLE = 64 * 1024,      /* octets looked at to find the encoding and separator */
    MP_CSV_RECORD_MAX = 1 << 20,    /* default bound of one record, in input octets */
    MP_CSV_FIELDS_MAX = 4096,       /* fields in one record */
    MP_CSV_SEPARATOR_AUTO = -1,     /* mp_csv_options.separator: find it */
};

typedef struct mp_csv_options {
    mp_csv_encoding encoding; /* AUTO: a BOM, else UTF-8 when the sample is, else Windows-1252.
                                 A BOM always wins over a given encoding (as browsers do). */
    int separator;            /* MP_CSV_SEPARATOR_AUTO, 0 (none: one cell a line, no quoting),
                                 or one of , ; \t | */
    bool lone_cr_ends_line;   /* a CR not followed by LF ends a line (old Mac files; true by default) */
    size_t record_max;        /* 0: MP_CSV_RECORD_MAX */
} mp_csv_options;

/* The defaults: AUTO encoding, AUTO separator, CR ends a line, 1 MiB records. */
void mp_csv_options_default(mp_csv_options *opt);

/* Where a reader's octets come from: fills at most `cap` octets into `buf`
 * and returns how many; 0 at the end; (size_t)-1 on an error. May return
 * fewer than asked without being at the end (a pipe). */
typedef size_t (*mp_csv_read_fn)(void *ctx, char *buf, size_t cap);

/* Ready-made sources: a FILE (read with read(2) on its descriptor, so a pipe
 * delivers what has arrived) and a memory block (`mp_csv_memory`, which
 * must outlive the reader). */
size_t mp_csv_read_file(void *file, char *buf, size_t cap);
typedef struct mp_csv_memory { const char *p; size_t len, at; } mp_csv_memory;
size_t mp_csv_read_memory(void *memory, char *buf, size_t cap);

/* One record. Everything points into the reader and stays valid until the
 * next mp_csv_next() or mp_csv_reader_free(). */
typedef struct mp_csv_record {
    const char *raw;         /* the record's octets as in the input, without its line end */
    size_t raw_len;
    size_t nfields;          /* at least 1 */
    const char *const *field;/* field[i]: unquoted, decoded to UTF-8, NUL-terminated */
    const size_t *field_len; /* its length in octets (a field may contain NUL) */
    unsigned long line;      /* the input line the record starts on, 1-based */
} mp_csv_record;

typedef struct mp_csv_reader mp_csv_reader;

/* Opens a reader on `read(ctx, ...)`: reads the first octets (one read, or
 * more until there are four for a byte order mark), finds the encoding and
 * the separator from them. `opt` may be NULL for the defaults. On success
 * *out is the reader (free with mp_csv_reader_free()); otherwise *out is
 * NULL and the status says why. */
mp_csv_status mp_csv_reader_open(mp_csv_reader **out, mp_csv_read_fn read, void *ctx,
                                 const mp_csv_options *opt);

/* The format found (encoding, BOM, separator; `crlf` is known once the first
 * record was read). Owned by the reader. */
const mp_csv_format *mp_csv_reader_format(const mp_csv_reader *r);

/* Reads the next record into *rec. Lines that are entirely empty are
 * skipped unless `keep_empty` was set with mp_csv_reader_keep_empty_lines().
 * MP_CSV_OK, MP_CSV_END, or an error (then mp_csv_reader_line() names the
 * line where the failing record starts). */
mp_csv_status mp_csv_next(mp_csv_reader *r, mp_csv_record *rec);

/* Empty lines become records of one empty field (a plain list read line by
 * line keeps one answer per line). Off by default. */
void mp_csv_reader_keep_empty_lines(mp_csv_reader *r, bool keep);

/* The line the last record (or the failing one) starts on. */
unsigned long mp_csv_reader_line(const mp_csv_reader *r);

/* Frees the reader (not the source). NULL is fine. */
void mp_csv_reader_free(mp_csv_reader *r);

/* The separator the page and the reader find in `text` (UTF-8, `len`
 * octets): over its first 50 non-blank lines (within MP_CSV_SAMPLE octets),
 * with "quoted" spans removed, the candidate of , ; TAB | that occurs the
 * same non-zero number of times on the most lines, when those are at least
 * half of the lines; the earlier candidate on a tie. 0 when none (a plain
 * list). */
char mp_csv_detect_separator(const char *text, size_t len);

/* True when `len` octets at `p` are well-formed UTF-8; an incomplete
 * sequence at the very end counts as well-formed when `may_be_cut`. */
bool mp_csv_is_utf8(const char *p, size_t len, bool may_be_cut);

/* ---- Writing -------------------------------------------------------------- */

/* Where a writer's octets go: `n` octets at `p`. */
typedef void (*mp_csv_write_fn)(void *ctx, const char *p, size_t n);

typedef struct mp_csv_writer mp_csv_writer;

/* A writer in `fmt` (separator 0 writes ','): a byte order mark first when
 * fmt->bom, fields quoted when they hold the separator, a quote, CR or LF,
 * or start or end with a space; lines end as fmt->crlf says. NULL when out of
 * memory or when iconv cannot convert to the encoding. */
mp_csv_writer *mp_csv_writer_new(const mp_csv_format *fmt, mp_csv_write_fn write, void *ctx);

/* Frees the writer. NULL is fine. */
void mp_csv_writer_free(mp_csv_writer *w);

/* Octets already in the writer's encoding and form — a record exactly as a
 * reader of the same format gave it — as the next fields of the row. */
void mp_csv_write_raw(mp_csv_writer *w, const char *p, size_t n);

/* The next field: `n` octets of UTF-8 text, neutralised (mp_csv_defuse),
 * quoted when needed and converted to the writer's encoding (a character it
 * cannot hold becomes its nearest equivalent or '?'). NULL = an empty field. */
void mp_csv_write_field(mp_csv_writer *w, const char *utf8, size_t n);

/* `count` empty fields (pads a short row to its header's width). */
void mp_csv_write_empty(mp_csv_writer *w, size_t count);

/* Ends the row. */
void mp_csv_end_row(mp_csv_writer *w);

/* Ends the row without writing its line end: what was written since it
 * began is one row's fields alone, for a caller that keeps rows apart (the
 * job store keeps each row, padded, to write it back later). */
void mp_csv_cut_row(mp_csv_writer *w);

/* True when a spreadsheet would take a cell starting like `p` for a formula
 * or a command: it starts with = + - @ TAB or CR (OWASP's "CSV injection").
 * mp_csv_write_field() writes such a cell with a leading apostrophe, which
 * spreadsheets show as text and do not display. */
bool mp_csv_defuse(const char *p, size_t n);

#endif
