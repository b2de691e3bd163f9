/* libFuzzer target: a list file (address_list.h over csv.h) from arbitrary
 * bytes, every row read and written back in the input's own format, as
 * `verify --input` and POST /v1/jobs do with untrusted files. The first
 * byte picks the options (mode, encoding, empty lines, a column by number).
 * Checks: no row is longer than the record bound, the address is no longer
 * than its row's decoded form can be, and reading ends.
 * Seeds: tests/fuzz/seeds/fuzz_shared_address_list/ (a few real exports).
 * ctest-labels: fuzz
 * ctest-links: mpshared
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "address_list.h"
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void discard(void *ctx, const char *p, size_t n)
{
    (void)p;
    *(size_t *)ctx += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    static const mp_csv_encoding encodings[] = {MP_CSV_AUTO, MP_CSV_UTF8, MP_CSV_UTF16LE, MP_CSV_UTF16BE,
                                                MP_CSV_WINDOWS_1252, MP_CSV_WINDOWS_1251};
    static const char *const columns[] = {NULL, "1", "2", "email"};
    uint8_t o = data[0];
    mp_addrlist_options opt = {.mode = (mp_addrlist_mode)(o % 3), .encoding = encodings[(o >> 2) % 6],
                               .keep_empty_lines = (o >> 5) & 1, .column = columns[(o >> 6) & 3]};
    if (opt.mode == MP_ADDRLIST_LINES)
        opt.column = NULL;
    mp_csv_memory mem = {(const char *)data + 1, size - 1, 0};
    mp_addrlist *l = NULL;
    char err[256];
    if (mp_addrlist_open(&l, mp_csv_read_memory, &mem, &opt, err, sizeof err) != MP_ADDRLIST_OK)
        return 0;
    size_t written = 0;
    mp_csv_writer *w = mp_csv_writer_new(mp_addrlist_format(l), discard, &written);
    mp_addrlist_row row;
    size_t rows = 0;
    while (mp_addrlist_next(l, &row, err, sizeof err) == MP_ADDRLIST_OK) {
        if (row.raw_len > MP_CSV_RECORD_MAX + 4 || row.address_len > 3 * row.raw_len + 4 || ++rows > size)
            abort();
        if (w) {
            mp_csv_write_raw(w, row.raw, row.raw_len);
            mp_csv_write_field(w, row.address, row.address_len);
            mp_csv_end_row(w);
        }
    }
    mp_csv_writer_free(w);
    mp_addrlist_free(l);
    return 0;
}
