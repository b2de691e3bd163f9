/* address_list.h — lists of addresses as people have them: a contact export
 * from a spreadsheet or a CRM (any separator, encoding and header language),
 * a plain list, or one address per line exactly as written. Reads them with
 * csv.h and finds the column holding the addresses: by its header's name
 * (email, e-mail, E-Mail-Adresse, courriel, correo, posta elettronica, …),
 * else by the cells that look like addresses, or as the caller names it
 * (`--column NAME|N`, `?column=`). Each row keeps its octets exactly as they
 * came in, for output in the same shape.
 *
 * The rules are the page's too (web/listparse.js); docs/verification.md
 * ("Lists as people have them") writes them down. */
#ifndef MP_ADDRESS_LIST_H
#define MP_ADDRESS_LIST_H
#include <stdbool.h>
#include <stddef.h>

#include "csv.h"

typedef enum mp_addrlist_mode {
    MP_ADDRLIST_AUTO = 0, /* CSV when a separator or an address header is found; cells cleaned */
    MP_ADDRLIST_CSV,      /* CSV, even with one column and no header */
    MP_ADDRLIST_LINES,    /* one address per line as written: LF or CR LF ends a line, nothing trimmed */
} mp_addrlist_mode;

typedef enum mp_addrlist_status {
    MP_ADDRLIST_OK = 0,
    MP_ADDRLIST_END,            /* no more rows */
    MP_ADDRLIST_NO_SUCH_COLUMN, /* the column asked for is not there */
    MP_ADDRLIST_NO_ADDRESSES,   /* a separated file in which no column holds addresses */
    MP_ADDRLIST_BAD_INPUT,      /* the CSV layer failed: record too long, too many fields, read error */
    MP_ADDRLIST_NO_MEMORY,
    MP_ADDRLIST_STATUS_COUNT
} mp_addrlist_status;

/* "ok", "end", "no_such_column", "no_addresses", "bad_input", "no_memory". */
const char *mp_addrlist_status_name(mp_addrlist_status s);

enum {
    MP_ADDRLIST_HEAD_ROWS = 200,        /* rows looked at to find the column */
    MP_ADDRLIST_HEAD_OCTETS = 1 << 20,  /* ... or fewer, when they are this large */
};

typedef struct mp_addrlist_options {
    mp_addrlist_mode mode;
    mp_csv_encoding encoding; /* MP_CSV_AUTO: BOM, else UTF-8, else Windows-1252 */
    const char *column;       /* NULL, a header name (case and punctuation aside) or 1-based N */
    bool keep_empty_lines;    /* an empty line is a row (LINES: one answer a line) */
} mp_addrlist_options;

/* One row. Valid until the next mp_addrlist_next() or mp_addrlist_free(). */
typedef struct mp_addrlist_row {
    const char *raw;          /* the row's octets as they came in, without the line end */
    size_t raw_len;
    size_t nfields;
    const char *address;      /* the address cell, UTF-8, cleaned ("" when empty or missing) */
    size_t address_len;
    unsigned long line;       /* 1-based input line */
} mp_addrlist_row;

typedef struct mp_addrlist mp_addrlist;

/* Opens a list on `read(ctx, ...)` (csv.h sources) and, unless LINES, reads
 * its first rows (MP_ADDRLIST_HEAD_ROWS, at most MP_ADDRLIST_HEAD_OCTETS) to find
 * the address column and whether the first row is a header. On failure
 * *out is NULL and `err` says why in words (with the line for a bad record,
 * the header's names for a missing column). */
mp_addrlist_status mp_addrlist_open(mp_addrlist **out, mp_csv_read_fn read, void *ctx, const mp_addrlist_options *opt,
                            char *err, size_t errlen);

/* The next data row (the header row is not one). MP_ADDRLIST_OK, MP_ADDRLIST_END,
 * or MP_ADDRLIST_BAD_INPUT / MP_ADDRLIST_NO_MEMORY with `err` set. */
mp_addrlist_status mp_addrlist_next(mp_addrlist *l, mp_addrlist_row *row, char *err, size_t errlen);

/* The input's format (encoding, BOM, separator, line ends). */
const mp_csv_format *mp_addrlist_format(const mp_addrlist *l);

/* Whether rows are CSV records with columns to keep (a separator, an
 * address header, or MP_ADDRLIST_CSV); otherwise each row is just an address. */
bool mp_addrlist_is_csv(const mp_addrlist *l);

/* The header row's octets as they came in, or NULL when there is none. */
const char *mp_addrlist_header(const mp_addrlist *l, size_t *len);

/* The address column (0-based), and its header name in UTF-8 (NULL when
 * there is no header). */
size_t mp_addrlist_column(const mp_addrlist *l);
const char *mp_addrlist_column_name(const mp_addrlist *l);

/* Fields of the widest of the header and the first rows: output rows are
 * padded to it before the result columns. */
size_t mp_addrlist_width(const mp_addrlist *l);

/* Frees the list. NULL is fine. */
void mp_addrlist_free(mp_addrlist *l);

/* ---- The rules, also for tests --------------------------------------------- */

/* The address in a cell: spaces (and no-break spaces, a BOM) trimmed, the
 * part in <angle brackets> when it holds an '@' ("Ann <ann@example.org>"),
 * "mailto:" and any "?query" dropped, and matching quotes around a single
 * address removed. A view into `cell` (*out, returned length). */
size_t mp_addrlist_clean_cell(const char *cell, size_t len, const char **out);

/* A cleaned cell that looks like an address: an '@' with something on
 * either side. */
bool mp_addrlist_looks_like_address(const char *cell, size_t len);

/* A header cell naming the address column, in one of several languages:
 * once lower-cased (ASCII, Latin-1, Cyrillic) and stripped of spaces, '-',
 * '_', '.', ':', '(' and ')', it is "mail" or "address", or contains
 * "email", "mailadres", "courriel", "correo", "postaelettronica", "epost",
 * "eposta", "sähköposti", "почта", "メール", "邮箱", "邮件", "郵件" or "이메일". */
bool mp_addrlist_is_address_header(const char *cell, size_t len);

#endif
