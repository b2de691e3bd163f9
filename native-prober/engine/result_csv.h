/* result_csv.h — the result as CSV columns: the one column set of
 * docs/result-schema.md ("CSV"), written after the input's own columns by
 * `mailprobe verify --format csv` and by GET /v1/jobs/{id}/results?format=csv
 * (and matched by the page's export, web/rows.js). The values come from the
 * result JSON (result_json.h), so the two can never disagree. */
#ifndef MP_RESULT_CSV_H
#define MP_RESULT_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "csv.h"

/* The column names, in order. */
extern const char *const mp_result_csv_columns[];
enum { MP_RESULT_CSV_COLUMNS = 19 };

/* Writes the names as the next fields of the current row. */
void mp_result_csv_header(mp_csv_writer *w);

/* Writes the result object `result` (mp_result_to_json's, or the same text
 * parsed back) as the next fields: strings as they are (neutralised by the
 * writer), numbers, true/false, and empty for null or a missing key. NULL
 * writes every column empty. */
void mp_result_csv_fields(mp_csv_writer *w, const cJSON *result);

/* The shape of a CSV answer: the input's own columns first, when it had
 * them, then the result columns. */
typedef struct mp_result_csv_shape {
    bool keeps_rows;        /* rows are the input's records, copied as they came in;
                               else each row starts with an "email" column */
    const char *header;     /* the input's header row as it came in; NULL: none (a header
                               is made up: empty names, "email" over the address column) */
    size_t header_len;
    size_t width;           /* the input's columns: shorter rows are padded to it */
    size_t column;          /* the address column, 0-based */
} mp_result_csv_shape;

/* Writes the header row. */
void mp_result_csv_write_header(mp_csv_writer *w, const mp_result_csv_shape *shape);

/* Writes one row: `raw` (a record with `nfields` fields, in the writer's
 * encoding, copied unchanged) padded to the shape's width, or the address
 * (UTF-8) as the "email" column; then the result's columns. */
void mp_result_csv_write_row(mp_csv_writer *w, const mp_result_csv_shape *shape, const char *raw, size_t raw_len,
                             size_t nfields, const char *address, size_t address_len, const cJSON *result);

/* The shape and format as one line of text, for a job's store record
 * ("utf-16le bom sep=9 crlf rows width=3 column=2"): NUL-terminated into
 * `out` (64 octets are enough). The header travels apart. */
void mp_result_csv_describe(const mp_csv_format *fmt, const mp_result_csv_shape *shape, char *out, size_t cap);

/* Reads such a line back (shape->header is left alone). False when it is
 * not one. */
bool mp_result_csv_parse(const char *text, mp_csv_format *fmt, mp_result_csv_shape *shape);

#endif
