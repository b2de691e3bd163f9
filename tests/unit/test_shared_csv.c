/* The CSV reader and writer (csv.h): encodings and byte order marks,
 * separators, quoting, line ends, the bounds, raw octets kept, and the
 * writer's quoting, formula rule and encodings.
 * ctest-labels: unit native
 * ctest-links: mpshared */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "test.h"

/* A source that hands out `step` octets a read, like a slow pipe. */
typedef struct trickle { const char *p; size_t len, at, step; } trickle;

static size_t read_trickle(void *ctx, char *buf, size_t cap)
{
    trickle *t = ctx;
    size_t n = t->len - t->at;
    if (n > t->step)
        n = t->step;
    if (n > cap)
        n = cap;
    memcpy(buf, t->p + t->at, n);
    t->at += n;
    return n;
}

typedef struct opened { mp_csv_reader *r; mp_csv_memory m; trickle t; } opened;

static mp_csv_status open_text(opened *o, const char *p, size_t len, const mp_csv_options *opt, size_t step)
{
    if (step) {
        o->t = (trickle){p, len, 0, step};
        return mp_csv_reader_open(&o->r, read_trickle, &o->t, opt);
    }
    o->m = (mp_csv_memory){p, len, 0};
    return mp_csv_reader_open(&o->r, mp_csv_read_memory, &o->m, opt);
}

static bool field_is(const mp_csv_record *rec, size_t i, const char *want)
{
    return i < rec->nfields && rec->field_len[i] == strlen(want) && !memcmp(rec->field[i], want, strlen(want));
}

TEST(encoding_names_and_aliases_are_the_http_ones)
{
    mp_csv_encoding e;
    CHECK(mp_csv_encoding_parse("UTF-8", 5, &e) && e == MP_CSV_UTF8);
    CHECK(mp_csv_encoding_parse("utf-16", 6, &e) && e == MP_CSV_UTF16LE);
    CHECK(mp_csv_encoding_parse("Latin1", 6, &e) && e == MP_CSV_WINDOWS_1252);
    CHECK(mp_csv_encoding_parse("iso-8859-1", 10, &e) && e == MP_CSV_WINDOWS_1252);
    CHECK(mp_csv_encoding_parse("cp1251", 6, &e) && e == MP_CSV_WINDOWS_1251);
    CHECK(mp_csv_encoding_parse("auto", 4, &e) && e == MP_CSV_AUTO);
    CHECK(!mp_csv_encoding_parse("ebcdic", 6, &e));
    CHECK(!mp_csv_encoding_parse("utf-8x", 6, &e));
    CHECK_EQ_STR(mp_csv_encoding_name(MP_CSV_UTF16BE), "utf-16be");
    CHECK_EQ_STR(mp_csv_status_name(MP_CSV_TOO_LONG), "too_long");
}

TEST(a_byte_order_mark_decides_the_encoding_even_against_a_given_one)
{
    static const char u8[] = "\xef\xbb\xbf" "a;b\n";
    static const char le[] = "\xff\xfe" "a\0;\0b\0\n\0";
    static const char be[] = "\xfe\xff" "\0a\0;\0b\0\n";
    mp_csv_options opt;
    mp_csv_options_default(&opt);
    opt.encoding = MP_CSV_WINDOWS_1252;
    const char *texts[] = {u8, le, be};
    size_t lens[] = {sizeof u8 - 1, sizeof le - 1, sizeof be - 1};
    mp_csv_encoding want[] = {MP_CSV_UTF8, MP_CSV_UTF16LE, MP_CSV_UTF16BE};
    for (int i = 0; i < 3; i++) {
        opened o;
        CHECK_EQ_INT(open_text(&o, texts[i], lens[i], &opt, 0), MP_CSV_OK);
        const mp_csv_format *f = mp_csv_reader_format(o.r);
        CHECK_EQ_INT(f->encoding, want[i]);
        CHECK(f->bom);
        CHECK_EQ_INT(f->separator, ';');
        mp_csv_record rec;
        CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
        CHECK_EQ_INT(rec.nfields, 2);
        CHECK(field_is(&rec, 0, "a") && field_is(&rec, 1, "b"));
        CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_END);
        mp_csv_reader_free(o.r);
    }
}

TEST(without_a_bom_utf8_when_valid_else_windows_1252_or_as_given)
{
    opened o;
    static const char utf8[] = "Jos\xc3\xa9,jose@example.org\n";
    CHECK_EQ_INT(open_text(&o, utf8, sizeof utf8 - 1, NULL, 0), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_reader_format(o.r)->encoding, MP_CSV_UTF8);
    CHECK(!mp_csv_reader_format(o.r)->bom);
    mp_csv_reader_free(o.r);

    static const char cp[] = "M\xfcller,m\xfcller@example.org,\x80 5\n";
    CHECK_EQ_INT(open_text(&o, cp, sizeof cp - 1, NULL, 0), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_reader_format(o.r)->encoding, MP_CSV_WINDOWS_1252);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "M\xc3\xbcller"));
    CHECK(field_is(&rec, 2, "\xe2\x82\xac 5")); /* the euro sign */
    /* The record's own octets stay as they were. */
    CHECK_EQ_INT(rec.raw_len, sizeof cp - 2);
    CHECK(!memcmp(rec.raw, cp, rec.raw_len));
    mp_csv_reader_free(o.r);

    /* Given: Windows-1251 (Cyrillic), which the bytes alone would not say. */
    mp_csv_options opt;
    mp_csv_options_default(&opt);
    opt.encoding = MP_CSV_WINDOWS_1251;
    static const char cyr[] = "\xcf\xee\xf7\xf2\xe0\n";
    CHECK_EQ_INT(open_text(&o, cyr, sizeof cyr - 1, &opt, 0), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "\xd0\x9f\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0")); /* Почта */
    mp_csv_reader_free(o.r);
}

TEST(windows_1252_holes_decode_as_browsers_do)
{
    /* 0x81 is undefined in Windows-1252: iconv refuses it, TextDecoder gives U+0081. */
    opened o;
    static const char cp[] = "a\x81" "b\xe9\n";
    CHECK_EQ_INT(open_text(&o, cp, sizeof cp - 1, NULL, 0), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "a\xc2\x81" "b\xc3\xa9"));
    mp_csv_reader_free(o.r);
}

TEST(separator_is_the_one_on_most_lines_the_same_number_of_times)
{
    CHECK_EQ_INT(mp_csv_detect_separator("a,b,c\n1,2,3\n", 12), ',');
    CHECK_EQ_INT(mp_csv_detect_separator("First Name;Last Name;E-mail\nAnn;Lee;a@x.org\n", 44), ';');
    CHECK_EQ_INT(mp_csv_detect_separator("a\tb\n1\t2\n", 8), '\t');
    CHECK_EQ_INT(mp_csv_detect_separator("a|b\n1|2\n", 8), '|');
    /* A plain list has none; a comma in a few lines is not one. */
    CHECK_EQ_INT(mp_csv_detect_separator("a@x.org\nb@x.org\n", 16), 0);
    CHECK_EQ_INT(mp_csv_detect_separator("a@x.org\nb,c@x.org\nd@x.org\ne@x.org\n", 34), 0);
    /* Commas inside quotes do not count: the semicolon is the separator. */
    const char *q = "\"Lee, Ann\";a@x.org\n\"Doe, J, Jr\";b@x.org\n";
    CHECK_EQ_INT(mp_csv_detect_separator(q, strlen(q)), ';');
    /* On a tie the earlier candidate (, ; TAB |) wins. */
    CHECK_EQ_INT(mp_csv_detect_separator("a,b;c\n", 6), ',');
    CHECK_EQ_INT(mp_csv_detect_separator("", 0), 0);
    CHECK_EQ_INT(mp_csv_detect_separator("\n  \n", 4), 0);
}

TEST(quoted_fields_hold_separators_line_breaks_and_doubled_quotes)
{
    opened o;
    const char *t = "name,email,note\r\n\"Smith, Ann\",ann@x.org,\"said \"\"hi\"\"\r\nand left\"\r\nBob,bob@x.org,\r\n";
    CHECK_EQ_INT(open_text(&o, t, strlen(t), NULL, 0), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(rec.line, 1);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(rec.nfields, 3);
    CHECK(field_is(&rec, 0, "Smith, Ann"));
    CHECK(field_is(&rec, 2, "said \"hi\"\r\nand left"));
    CHECK_EQ_INT(rec.line, 2);
    CHECK(mp_csv_reader_format(o.r)->crlf);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(rec.line, 4); /* the quoted line break counted */
    CHECK(field_is(&rec, 0, "Bob") && field_is(&rec, 2, ""));
    CHECK_EQ_INT(rec.nfields, 3);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_END);
    mp_csv_reader_free(o.r);
}

TEST(a_quote_opens_a_field_only_at_its_start)
{
    opened o;
    mp_csv_options opt;
    mp_csv_options_default(&opt);
    opt.separator = ',';
    const char *t = "5\" disk,x\n  \"a,b\" ,c\n";
    CHECK_EQ_INT(open_text(&o, t, strlen(t), &opt, 0), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "5\" disk") && field_is(&rec, 1, "x"));
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "a,b ")); /* blanks before the quote go, after it stay */
    CHECK(field_is(&rec, 1, "c"));
    mp_csv_reader_free(o.r);
}

TEST(lines_end_in_lf_crlf_or_cr_and_empty_lines_are_skipped_unless_kept)
{
    const char *t = "a\n\nb\r\n\r\nc\rd";
    for (int keep = 0; keep < 2; keep++) {
        opened o;
        CHECK_EQ_INT(open_text(&o, t, strlen(t), NULL, 0), MP_CSV_OK);
        mp_csv_reader_keep_empty_lines(o.r, keep);
        const char *want_skip[] = {"a", "b", "c", "d"};
        const char *want_keep[] = {"a", "", "b", "", "c", "d"};
        unsigned long lines_skip[] = {1, 3, 5, 6}, lines_keep[] = {1, 2, 3, 4, 5, 6};
        size_t n = keep ? 6 : 4;
        mp_csv_record rec;
        for (size_t i = 0; i < n; i++) {
            CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
            CHECK(field_is(&rec, 0, keep ? want_keep[i] : want_skip[i]));
            CHECK_EQ_INT(rec.line, keep ? lines_keep[i] : lines_skip[i]);
        }
        CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_END);
        CHECK(!mp_csv_reader_format(o.r)->crlf); /* the first line ended in LF */
        mp_csv_reader_free(o.r);
    }
    /* A lone CR can be content (one address a line as written). */
    opened o;
    mp_csv_options opt;
    mp_csv_options_default(&opt);
    opt.lone_cr_ends_line = false;
    opt.separator = 0;
    CHECK_EQ_INT(open_text(&o, "a\rb\r\nc", 6, &opt, 0), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "a\rb"));
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "c"));
    mp_csv_reader_free(o.r);
}

TEST(records_read_the_same_one_octet_at_a_time)
{
    /* UTF-16 code units, CR LF pairs and quotes cut across reads. */
    static const char le[] = "\xff\xfe" "a\0,\0\"\0x\0\r\0\n\0y\0\"\0\r\0\n\0\xac\x20,\0b\0";
    opened o;
    CHECK_EQ_INT(open_text(&o, le, sizeof le - 1, NULL, 1), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_reader_format(o.r)->encoding, MP_CSV_UTF16LE);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "a") && field_is(&rec, 1, "x\r\ny"));
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK(field_is(&rec, 0, "\xe2\x82\xac") && field_is(&rec, 1, "b"));
    CHECK_EQ_INT(rec.raw_len, 6);
    CHECK(!memcmp(rec.raw, "\xac\x20,\0b\0", 6));
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_END);
    mp_csv_reader_free(o.r);
}

TEST(a_record_over_the_bound_is_refused_with_its_line)
{
    size_t n = 5000;
    char *t = malloc(n + 32);
    strcpy(t, "a,b\nok,1\n\"");
    memset(t + 10, 'x', n);
    strcpy(t + 10 + n, "\nlast,2\n");
    mp_csv_options opt;
    mp_csv_options_default(&opt);
    opt.record_max = 1024;
    opened o;
    CHECK_EQ_INT(open_text(&o, t, strlen(t), &opt, 100), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_TOO_LONG); /* the unclosed quote */
    CHECK_EQ_INT(mp_csv_reader_line(o.r), 3);
    mp_csv_reader_free(o.r);
    free(t);
}

TEST(a_record_with_too_many_fields_is_refused)
{
    size_t n = MP_CSV_FIELDS_MAX + 1;
    char *t = malloc(n * 2 + 2);
    for (size_t i = 0; i < n; i++)
        t[2 * i] = 'x', t[2 * i + 1] = ',';
    t[2 * n - 1] = '\n';
    t[2 * n] = '\0';
    opened o;
    CHECK_EQ_INT(open_text(&o, t, 2 * n, NULL, 0), MP_CSV_OK);
    mp_csv_record rec;
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_TOO_MANY_FIELDS);
    mp_csv_reader_free(o.r);
    /* One fewer is fine. */
    t[2 * (n - 1) - 1] = '\n';
    CHECK_EQ_INT(open_text(&o, t, 2 * (n - 1), NULL, 0), MP_CSV_OK);
    CHECK_EQ_INT(mp_csv_next(o.r, &rec), MP_CSV_OK);
    CHECK_EQ_INT(rec.nfields, MP_CSV_FIELDS_MAX);
    mp_csv_reader_free(o.r);
    free(t);
}

TEST(utf8_validity)
{
    CHECK(mp_csv_is_utf8("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15, false));
    CHECK(!mp_csv_is_utf8("\xe9t\xe9", 3, false));
    CHECK(!mp_csv_is_utf8("\xc0\xaf", 2, false));         /* overlong */
    CHECK(!mp_csv_is_utf8("\xed\xa0\x80", 3, false));     /* a surrogate */
    CHECK(mp_csv_is_utf8("ab\xe2\x82", 4, true));         /* cut by the sample's end */
    CHECK(!mp_csv_is_utf8("ab\xe2\x82", 4, false));
}

/* ---- Writer ---- */

typedef struct sink { char buf[4096]; size_t len; } sink;

static void to_sink(void *ctx, const char *p, size_t n)
{
    sink *s = ctx;
    if (s->len + n <= sizeof s->buf) {
        memcpy(s->buf + s->len, p, n);
        s->len += n;
    }
}

TEST(writer_quotes_only_what_needs_it_and_defuses_formulas)
{
    sink s = {0};
    mp_csv_format f = {.encoding = MP_CSV_UTF8, .separator = ','};
    mp_csv_writer *w = mp_csv_writer_new(&f, to_sink, &s);
    mp_csv_write_field(w, "plain", 5);
    mp_csv_write_field(w, "a,b", 3);
    mp_csv_write_field(w, "say \"hi\"", 8);
    mp_csv_write_field(w, "=cmd|' /C calc'!A0", 18);
    mp_csv_write_field(w, NULL, 0);
    mp_csv_write_field(w, "-1", 2);
    mp_csv_write_field(w, " x", 2);
    mp_csv_end_row(w);
    mp_csv_writer_free(w);
    const char *want = "plain,\"a,b\",\"say \"\"hi\"\"\",'=cmd|' /C calc'!A0,,'-1,\" x\"\n";
    CHECK_EQ_INT(s.len, strlen(want));
    CHECK(!memcmp(s.buf, want, s.len));
    CHECK(mp_csv_defuse("+1", 2) && mp_csv_defuse("@SUM(A1)", 8) && mp_csv_defuse("\tx", 2));
    CHECK(!mp_csv_defuse("ann@x.org", 9) && !mp_csv_defuse("", 0));
}

TEST(writer_writes_the_input_format_back_raw_rows_unchanged)
{
    /* Semicolons, CR LF, UTF-16 BE with its BOM. */
    sink s = {0};
    mp_csv_format f = {.encoding = MP_CSV_UTF16BE, .bom = true, .separator = ';', .crlf = true};
    mp_csv_writer *w = mp_csv_writer_new(&f, to_sink, &s);
    mp_csv_write_raw(w, "\0a\0;\0b", 6);
    mp_csv_write_empty(w, 1);
    mp_csv_write_field(w, "\xe2\x82\xac;", 4);
    mp_csv_end_row(w);
    mp_csv_writer_free(w);
    static const char want[] = "\xfe\xff" "\0a\0;\0b" "\0;" "\0;" "\0\"\x20\xac\0;\0\"" "\0\r\0\n";
    CHECK_EQ_INT(s.len, sizeof want - 1);
    CHECK(!memcmp(s.buf, want, s.len));
}

TEST(writer_in_windows_1252_keeps_what_it_can_and_marks_the_rest)
{
    sink s = {0};
    mp_csv_format f = {.encoding = MP_CSV_WINDOWS_1252, .separator = ','};
    mp_csv_writer *w = mp_csv_writer_new(&f, to_sink, &s);
    mp_csv_write_raw(w, "M\xfcller", 6);
    mp_csv_write_field(w, "caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad", 12); /* café € 中 */
    mp_csv_end_row(w);
    mp_csv_writer_free(w);
    const char *want = "M\xfcller,caf\xe9 \x80 ?\n";
    CHECK_EQ_INT(s.len, strlen(want));
    CHECK(!memcmp(s.buf, want, s.len));
}

int main(void)
{
    RUN(encoding_names_and_aliases_are_the_http_ones);
    RUN(a_byte_order_mark_decides_the_encoding_even_against_a_given_one);
    RUN(without_a_bom_utf8_when_valid_else_windows_1252_or_as_given);
    RUN(windows_1252_holes_decode_as_browsers_do);
    RUN(separator_is_the_one_on_most_lines_the_same_number_of_times);
    RUN(quoted_fields_hold_separators_line_breaks_and_doubled_quotes);
    RUN(a_quote_opens_a_field_only_at_its_start);
    RUN(lines_end_in_lf_crlf_or_cr_and_empty_lines_are_skipped_unless_kept);
    RUN(records_read_the_same_one_octet_at_a_time);
    RUN(a_record_over_the_bound_is_refused_with_its_line);
    RUN(a_record_with_too_many_fields_is_refused);
    RUN(utf8_validity);
    RUN(writer_quotes_only_what_needs_it_and_defuses_formulas);
    RUN(writer_writes_the_input_format_back_raw_rows_unchanged);
    RUN(writer_in_windows_1252_keeps_what_it_can_and_marks_the_rest);
    return test_report();
}
