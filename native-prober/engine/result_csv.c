/* result_csv.c — the result's CSV columns (result_csv.h). */
#include "result_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mp_result_csv_columns[MP_RESULT_CSV_COLUMNS] = {
    "status", "reason", "action", "score", "syntax_reason", "normalized", "suggestion",
    "disposable", "role", "free", "unknown_tld", "provider", "mx_host", "smtp_result", "smtp_code",
    "smtp_enhanced_code", "smtp_message", "catch_all", "retry_after",
};

void mp_result_csv_header(mp_csv_writer *w)
{
    for (size_t i = 0; i < MP_RESULT_CSV_COLUMNS; i++)
        mp_csv_write_field(w, mp_result_csv_columns[i], strlen(mp_result_csv_columns[i]));
}

static const cJSON *key(const cJSON *o, const char *name) { return cJSON_GetObjectItemCaseSensitive(o, name); }

static void value(mp_csv_writer *w, const cJSON *v)
{
    char num[32];
    if (cJSON_IsString(v)) {
        mp_csv_write_field(w, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsBool(v)) {
        mp_csv_write_field(w, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5);
    } else if (cJSON_IsNumber(v)) {
        int n = snprintf(num, sizeof num, "%.0f", v->valuedouble);
        mp_csv_write_field(w, num, n > 0 ? (size_t)n : 0);
    } else {
        mp_csv_write_field(w, NULL, 0);
    }
}

void mp_result_csv_fields(mp_csv_writer *w, const cJSON *o)
{
    const cJSON *syntax = key(o, "syntax"), *smtp = key(o, "smtp"), *mx = key(o, "mx");
    /* mx_host: the host that answered, else the first MX. */
    const cJSON *host = key(smtp, "host");
    if (!cJSON_IsString(host))
        host = key(cJSON_GetArrayItem(key(mx, "hosts"), 0), "host");
    const cJSON *values[MP_RESULT_CSV_COLUMNS] = {
        key(o, "status"), key(o, "reason"), key(o, "action"), key(o, "score"), key(syntax, "reason"),
        key(o, "normalized"), key(o, "suggestion"), key(o, "disposable"), key(o, "role"), key(o, "free"),
        key(o, "unknown_tld"), key(o, "provider"), host, key(smtp, "result"), key(smtp, "code"), key(smtp, "enhanced_code"),
        key(smtp, "message"), key(smtp, "catch_all"), key(o, "retry_after"),
    };
    for (size_t i = 0; i < MP_RESULT_CSV_COLUMNS; i++)
        value(w, values[i]);
}

void mp_result_csv_write_header(mp_csv_writer *w, const mp_result_csv_shape *shape)
{
    if (!shape->keeps_rows) {
        mp_csv_write_field(w, "email", 5);
    } else if (shape->header) {
        mp_csv_write_raw(w, shape->header, shape->header_len);
    } else {
        for (size_t k = 0; k < shape->width; k++)
            mp_csv_write_field(w, k == shape->column ? "email" : NULL, k == shape->column ? 5 : 0);
    }
    mp_result_csv_header(w);
    mp_csv_end_row(w);
}

void mp_result_csv_write_row(mp_csv_writer *w, const mp_result_csv_shape *shape, const char *raw, size_t raw_len,
                             size_t nfields, const char *address, size_t address_len, const cJSON *result)
{
    if (shape->keeps_rows) {
        mp_csv_write_raw(w, raw, raw_len);
        if (nfields < shape->width)
            mp_csv_write_empty(w, shape->width - nfields);
    } else {
        mp_csv_write_field(w, address, address_len);
    }
    mp_result_csv_fields(w, result);
    mp_csv_end_row(w);
}

void mp_result_csv_describe(const mp_csv_format *fmt, const mp_result_csv_shape *shape, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s sep=%d%s%s width=%zu column=%zu", mp_csv_encoding_name(fmt->encoding),
             fmt->bom ? " bom" : "", fmt->separator, fmt->crlf ? " crlf" : "", shape->keeps_rows ? " rows" : "",
             shape->width, shape->column);
}

bool mp_result_csv_parse(const char *text, mp_csv_format *fmt, mp_result_csv_shape *shape)
{
    memset(fmt, 0, sizeof *fmt);
    shape->keeps_rows = false;
    shape->width = shape->column = 0;
    const char *sp = strchr(text, ' ');
    if (!sp || !mp_csv_encoding_parse(text, (size_t)(sp - text), &fmt->encoding) || fmt->encoding == MP_CSV_AUTO)
        return false;
    fmt->bom = strstr(sp, " bom") != NULL;
    fmt->crlf = strstr(sp, " crlf") != NULL;
    shape->keeps_rows = strstr(sp, " rows") != NULL;
    const char *sep = strstr(sp, " sep="), *width = strstr(sp, " width="), *column = strstr(sp, " column=");
    if (!sep || !width || !column)
        return false;
    fmt->separator = (char)strtol(sep + 5, NULL, 10);
    shape->width = strtoul(width + 7, NULL, 10);
    shape->column = strtoul(column + 8, NULL, 10);
    return true;
}
