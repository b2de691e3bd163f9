/* wasm/binding.c, natively: the transfer format JavaScript relies on (record
 * words, UTF-16 offsets, string references, line splitting) checked in C, so
 * it also runs under ASan+UBSan with the other unit tests. The binding is
 * included whole: its helpers are static.
 * ctest-labels: unit */
#include "test.h"
#include "../../wasm/binding.c"

/* The UTF-8 of string `at` of record `rec` (or of a domain entry), copied
 * into buf (the batch text is all-ASCII in these tests, so UTF-16 offsets
 * = octets), or the name of its reference. */
static const char *field(mp_batch *b, const int32_t *rec, int at, char *buf, size_t cap)
{
    int32_t start = rec[at], len = rec[at + 1];
    if (start < 0) {
        static const char *const refs[] = {"?", "(null)", "(email)", "(prefix)", "(local@ascii)",
                                           "(local@suggested)", "(domain)", "(ascii)"};
        if (start == REF_EMAIL_PREFIX) {
            snprintf(buf, cap, "(prefix %d)", len);
            return buf;
        }
        return -start < 8 ? refs[-start] : "?";
    }
    if ((size_t)len >= cap)
        return "(too long)";
    memcpy(buf, b->text + start, (size_t)len);
    buf[len] = '\0';
    return buf;
}

/* Domain entry `index` of the batch. */
static const int32_t *entry(mp_batch *b, int32_t index)
{
    return mp_batch_domains_wasm(b) + (size_t)index * DOM_WORDS;
}

static int32_t run_array(mp_batch *b, const char *const *addrs, const uint32_t *units, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += strlen(addrs[i]) + 1;
    unsigned char *in = mp_batch_input_wasm(b, total);
    uint32_t *lengths = mp_batch_lengths_wasm(b, count);
    if (!in || !lengths)
        return -1;
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(addrs[i]);
        memcpy(in + pos, addrs[i], n);
        pos += n;
        if (i + 1 < count)
            in[pos++] = '\n';
        lengths[i] = units[i];
    }
    return mp_batch_check_wasm(b, pos, count, INPUT_ARRAY, 0, 0);
}

static int32_t run_lines(mp_batch *b, const char *text, size_t len)
{
    unsigned char *in = mp_batch_input_wasm(b, len);
    if (!in)
        return -1;
    memcpy(in, text, len);
    return mp_batch_check_wasm(b, len, 0, INPUT_LINES, 0, 0);
}

TEST(array_mode_gives_one_record_per_element_in_order)
{
    mp_batch *b = mp_batch_new_wasm();
    const char *addrs[] = {"ann@gmail.com", "", "no-at-all"};
    const uint32_t units[] = {13, 0, 9};
    CHECK_EQ_INT(run_array(b, addrs, units, 3), 3);
    const int32_t *r = mp_batch_records_wasm(b);
    CHECK(r[REC_FLAGS] & REC_FLAG_VALID);
    CHECK_EQ_INT(r[REC_EMAIL], 0); /* array mode: the element index */
    CHECK_EQ_INT(r[REC_STATUS], MP_STATUS_UNKNOWN);
    CHECK_EQ_INT(r[REC_WORDS + REC_EMAIL], 1);
    CHECK_EQ_INT(r[REC_WORDS + REC_SYNTAX_CODE], MP_SYNTAX_EMPTY);
    CHECK(!(r[2 * REC_WORDS + REC_FLAGS] & REC_FLAG_VALID));
    CHECK_EQ_INT(r[2 * REC_WORDS + REC_SYNTAX_CODE], MP_SYNTAX_NO_AT);
    mp_batch_free_wasm(b);
}

TEST(strings_are_offsets_or_references)
{
    mp_batch *b = mp_batch_new_wasm();
    char buf[64];
    const char *addrs[] = {"ann@gmail.com", "Ann@GMail.com", "bob@gmail.com", "x y@gmail.com",
                           "cy@gmial.com", "dee@gmial.com"};
    const uint32_t units[] = {13, 13, 13, 13, 12, 13};
    CHECK_EQ_INT(run_array(b, addrs, units, 6), 6);
    const int32_t *r = mp_batch_records_wasm(b);
    /* Lower-case: normalized is the input, the local part its prefix, the
     * domain entry 0 whose three forms are one string. */
    CHECK_EQ_STR(field(b, r, REC_NORMALIZED, buf, sizeof buf), "(email)");
    CHECK_EQ_STR(field(b, r, REC_LOCAL, buf, sizeof buf), "(prefix 3)");
    CHECK_EQ_STR(field(b, r, REC_SUGGESTION, buf, sizeof buf), "(null)");
    CHECK_EQ_INT(r[REC_DOMAIN], 0);
    CHECK(r[REC_FLAGS] & REC_FLAG_ASCII);
    CHECK(r[REC_FLAGS] & REC_FLAG_UNICODE);
    CHECK_EQ_STR(field(b, entry(b, 0), DOM_NAME, buf, sizeof buf), "gmail.com");
    CHECK_EQ_STR(field(b, entry(b, 0), DOM_ASCII, buf, sizeof buf), "(domain)");
    CHECK_EQ_STR(field(b, entry(b, 0), DOM_UNICODE, buf, sizeof buf), "(domain)");
    /* Mixed case: its own entry, with the lower-case forms; normalized is
     * built from the local part and the ascii form. */
    r += REC_WORDS;
    CHECK_EQ_STR(field(b, r, REC_NORMALIZED, buf, sizeof buf), "(local@ascii)");
    CHECK_EQ_INT(r[REC_DOMAIN], 1);
    CHECK_EQ_STR(field(b, entry(b, 1), DOM_NAME, buf, sizeof buf), "GMail.com");
    CHECK_EQ_STR(field(b, entry(b, 1), DOM_ASCII, buf, sizeof buf), "gmail.com");
    CHECK_EQ_STR(field(b, entry(b, 1), DOM_UNICODE, buf, sizeof buf), "(ascii)");
    /* The same domain again: the same entry, no new text. */
    r += REC_WORDS;
    CHECK_EQ_INT(r[REC_DOMAIN], 0);
    /* A parse that stops before the domain: the entry, but no ascii form. */
    r += REC_WORDS;
    CHECK_EQ_INT(r[REC_DOMAIN], 0);
    CHECK(!(r[REC_FLAGS] & (REC_FLAG_ASCII | REC_FLAG_UNICODE)));
    CHECK_EQ_STR(field(b, r, REC_NORMALIZED, buf, sizeof buf), "(null)");
    /* A typo: the suggested domain lives in the entry, once. */
    r += REC_WORDS;
    CHECK_EQ_STR(field(b, r, REC_SUGGESTION, buf, sizeof buf), "(local@suggested)");
    CHECK_EQ_INT(r[REC_DOMAIN], 2);
    CHECK_EQ_STR(field(b, entry(b, 2), DOM_SUGGESTED, buf, sizeof buf), "gmail.com");
    r += REC_WORDS;
    CHECK_EQ_INT(r[REC_DOMAIN], 2);
    CHECK_EQ_INT(mp_batch_domain_count_wasm(b), 3);
    /* A second batch starts a fresh table. */
    CHECK_EQ_INT(run_array(b, addrs + 4, units + 4, 1), 1);
    CHECK_EQ_INT(mp_batch_domain_count_wasm(b), 1);
    CHECK_EQ_INT(mp_batch_records_wasm(b)[REC_DOMAIN], 0);
    CHECK_EQ_STR(field(b, entry(b, 0), DOM_NAME, buf, sizeof buf), "gmial.com");
    mp_batch_free_wasm(b);
}

TEST(utf16_offsets_count_surrogate_pairs_as_two)
{
    /* U+1F600 is 4 octets and 2 UTF-16 units; é is 2 octets, 1 unit. */
    const unsigned char s[] = "\xF0\x9F\x98\x80" "a\xC3\xA9";
    CHECK_EQ_INT(utf16_units(s, 7), 4);
    CHECK_EQ_INT(utf16_prefix_octets(s, 7, 2), 4);
    CHECK_EQ_INT(utf16_prefix_octets(s, 7, 3), 5);
    CHECK_EQ_INT(utf16_prefix_octets(s, 7, 4), 7);
    CHECK_EQ_INT(utf16_prefix_octets(s, 7, 99), 7); /* never past the end */

    mp_batch *b = mp_batch_new_wasm();
    const char *addrs[] = {"\xF0\x9F\x98\x80@gmail.com", "b@gmail.com"};
    const uint32_t units[] = {12, 11};
    CHECK_EQ_INT(run_array(b, addrs, units, 2), 2);
    const int32_t *r = mp_batch_records_wasm(b);
    CHECK_EQ_INT(r[REC_WORDS + REC_EMAIL], 1);
    CHECK(r[REC_WORDS + REC_FLAGS] & REC_FLAG_VALID); /* the boundary held */
    mp_batch_free_wasm(b);
}

TEST(ill_formed_utf8_in_a_string_becomes_one_replacement_per_octet)
{
    mp_batch b = {0};
    CHECK(grow((void **)&b.text, &b.text_cap, 64, 1));
    int32_t rec[2];
    put_string(&b, "a\xFF\xC3z", rec);
    CHECK_EQ_INT(rec[0], 0);
    CHECK_EQ_INT(rec[1], 4); /* a, U+FFFD, U+FFFD, z */
    CHECK_EQ_INT(b.text_len, 8);
    CHECK(memcmp(b.text, "a\xEF\xBF\xBD\xEF\xBF\xBDz", 8) == 0);
    put_string(&b, "", rec);
    CHECK_EQ_INT(rec[0], REF_NULL);
    free(b.text);
}

TEST(lines_mode_reads_like_the_cli)
{
    mp_batch *b = mp_batch_new_wasm();
    /* CRLF stripped, empty lines kept, final newline ends the last line,
     * a CR at the very end (no LF) stays. */
    const char text[] = "a@b.de\r\n\nc@d.de\nlast\r";
    CHECK_EQ_INT(run_lines(b, text, sizeof text - 1), 4);
    const int32_t *r = mp_batch_records_wasm(b);
    CHECK_EQ_INT(r[REC_EMAIL], 0);
    CHECK_EQ_INT(r[REC_EMAIL + 1], 6);
    CHECK_EQ_INT(r[REC_WORDS + REC_EMAIL], 8);
    CHECK_EQ_INT(r[REC_WORDS + REC_EMAIL + 1], 0);
    CHECK_EQ_INT(r[REC_WORDS + REC_SYNTAX_CODE], MP_SYNTAX_EMPTY);
    CHECK_EQ_INT(r[2 * REC_WORDS + REC_EMAIL], 9);
    CHECK_EQ_INT(r[3 * REC_WORDS + REC_EMAIL + 1], 5);
    CHECK_EQ_INT(r[3 * REC_WORDS + REC_SYNTAX_CODE], MP_SYNTAX_CONTROL_CHAR);
    CHECK_EQ_INT(run_lines(b, "x\n", 2), 1);
    CHECK_EQ_INT(run_lines(b, "", 0), 0);
    mp_batch_free_wasm(b);
}

TEST(a_big_batch_grows_every_buffer_and_stays_exact)
{
    enum { N = 20000 };
    mp_batch *b = mp_batch_new_wasm();
    static char text[N * 24];
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "user%d@Example%d.org\n", i, i % 97);
    CHECK_EQ_INT(run_lines(b, text, len), N);
    const int32_t *r = mp_batch_records_wasm(b) + (N - 1) * REC_WORDS;
    char buf[64];
    CHECK(r[REC_FLAGS] & REC_FLAG_VALID);
    CHECK_EQ_STR(field(b, r, REC_LOCAL, buf, sizeof buf), "(prefix 9)");
    CHECK_EQ_STR(field(b, entry(b, r[REC_DOMAIN]), DOM_NAME, buf, sizeof buf), "Example17.org");
    CHECK_EQ_STR(field(b, entry(b, r[REC_DOMAIN]), DOM_ASCII, buf, sizeof buf), "example17.org");
    CHECK_EQ_INT(mp_batch_domain_count_wasm(b), 97);
    CHECK(b->records_cap >= N);
    mp_batch_free_wasm(b);
}

TEST(the_vocabulary_and_layout_reach_js)
{
    CHECK_EQ_STR(mp_vocabulary_wasm(VOCAB_STATUS, 0), "deliverable");
    CHECK_EQ_STR(mp_vocabulary_wasm(VOCAB_REASON, 1), "invalid_syntax");
    CHECK_EQ_STR(mp_vocabulary_wasm(VOCAB_SYNTAX_CODE, 1), "empty");
    CHECK_EQ_STR(mp_vocabulary_wasm(VOCAB_SMTP_RESULT, 0), "not_checked");
    CHECK_EQ_STR(mp_vocabulary_wasm(VOCAB_ABOUT, 0), MP_CORE_VERSION);
    CHECK(mp_vocabulary_wasm(VOCAB_STATUS, MP_STATUS_COUNT) == NULL); /* the end */
    CHECK(mp_vocabulary_wasm(VOCAB_SYNTAX_MESSAGE, MP_SYNTAX_CODE_COUNT - 1) != NULL);
    CHECK(mp_vocabulary_wasm(VOCAB_SYNTAX_MESSAGE, MP_SYNTAX_CODE_COUNT) == NULL);
    CHECK(mp_vocabulary_wasm(VOCAB_ABOUT + 1, 0) == NULL);
    CHECK(mp_vocabulary_wasm(-1, 0) == NULL);
    CHECK_EQ_INT(mp_layout_wasm(0), REC_WORDS);
    CHECK_EQ_INT(mp_layout_wasm(1), DOM_WORDS);
    CHECK(mp_layout_wasm(2) > 8000); /* the disposable list */
    CHECK_EQ_INT(mp_layout_wasm(LAYOUT_COLUMNS), COL_COUNT);
    CHECK_EQ_INT(mp_layout_wasm(LAYOUT_COLUMNS + 1), -1);
}

/* A ResultTable's columns: one octet per record, column after column. */
TEST(columns_hold_the_records_column_by_column)
{
    mp_batch *b = mp_batch_new_wasm();
    const char *addrs[] = {"info@gmial.com", "x@mailinator.com", "bad", "ann@shop.mptest"};
    const uint32_t units[] = {14, 16, 3, 15};
    CHECK_EQ_INT(run_array(b, addrs, units, 4), 4);
    const uint8_t *c = mp_batch_columns_wasm(b);
    const int32_t *r = mp_batch_records_wasm(b);
    CHECK(c != NULL);
    for (size_t i = 0; c && i < 4; i++, r += REC_WORDS) {
        CHECK_EQ_INT(c[COL_STATUS * 4 + i], r[REC_STATUS]);
        CHECK_EQ_INT(c[COL_REASON * 4 + i], r[REC_REASON]);
        CHECK_EQ_INT(c[COL_ACTION * 4 + i], r[REC_ACTION]);
        CHECK_EQ_INT(c[COL_SCORE * 4 + i], r[REC_SCORE]);
        CHECK_EQ_INT(c[COL_VALID * 4 + i], (r[REC_FLAGS] & REC_FLAG_VALID) != 0);
        CHECK_EQ_INT(c[COL_SUGGESTED * 4 + i], r[REC_SUGGESTION] == REF_JOIN_SUGGESTED);
    }
    if (c) {
        CHECK_EQ_INT(c[COL_ROLE * 4 + 0], 1);        /* info@ */
        CHECK_EQ_INT(c[COL_SUGGESTED * 4 + 0], 1);   /* gmial.com */
        CHECK_EQ_INT(c[COL_DISPOSABLE * 4 + 1], 1);
        CHECK_EQ_INT(c[COL_VALID * 4 + 2], 0);
        CHECK_EQ_INT(c[COL_UNKNOWN_TLD * 4 + 3], 1);
        CHECK_EQ_INT(c[COL_FREE * 4 + 3], 0);
    }
    mp_batch_free_wasm(b);
}

TEST(many_distinct_domains_grow_the_table_and_stay_exact)
{
    enum { N = 5000 };
    mp_batch *b = mp_batch_new_wasm();
    static char text[N * 32];
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "u@d%d.org\nv@d%d.org\n", i, i);
    CHECK_EQ_INT(run_lines(b, text, len), 2 * N);
    CHECK_EQ_INT(mp_batch_domain_count_wasm(b), N);
    CHECK(b->bucket_count >= 2 * N);
    char buf[64], want[64];
    const int32_t *r = mp_batch_records_wasm(b);
    for (int i = 0; i < N; i += 997) {
        snprintf(want, sizeof want, "d%d.org", i);
        CHECK_EQ_INT(r[(2 * i) * REC_WORDS + REC_DOMAIN], i);
        CHECK_EQ_INT(r[(2 * i + 1) * REC_WORDS + REC_DOMAIN], i);
        CHECK_EQ_STR(field(b, entry(b, i), DOM_NAME, buf, sizeof buf), want);
    }
    mp_batch_free_wasm(b);
}

TEST(options_and_policy_bits_reach_the_core)
{
    mp_batch *b = mp_batch_new_wasm();
    const char *q = "\"john doe\"@gmail.com";
    unsigned char *in = mp_batch_input_wasm(b, strlen(q));
    memcpy(in, q, strlen(q));
    CHECK_EQ_INT(mp_batch_check_wasm(b, strlen(q), 0, INPUT_LINES, 0, 0), 1);
    CHECK_EQ_INT(mp_batch_records_wasm(b)[REC_SYNTAX_CODE], MP_SYNTAX_QUOTED_LOCAL);
    CHECK_EQ_INT(mp_batch_check_wasm(b, strlen(q), 0, INPUT_LINES, MP_ALLOW_QUOTED_LOCAL, 0), 1);
    CHECK(mp_batch_records_wasm(b)[REC_FLAGS] & REC_FLAG_VALID);
    const char *role = "info@gmail.com";
    in = mp_batch_input_wasm(b, strlen(role));
    memcpy(in, role, strlen(role));
    CHECK_EQ_INT(mp_batch_check_wasm(b, strlen(role), 0, INPUT_LINES, 0, POLICY_RISKY_ROLE), 1);
    const int32_t *r = mp_batch_records_wasm(b);
    CHECK(r[REC_FLAGS] & REC_FLAG_ROLE);
    CHECK_EQ_INT(r[REC_STATUS], MP_STATUS_RISKY);
    mp_batch_free_wasm(b);
}

int main(void)
{
    RUN(array_mode_gives_one_record_per_element_in_order);
    RUN(strings_are_offsets_or_references);
    RUN(utf16_offsets_count_surrogate_pairs_as_two);
    RUN(ill_formed_utf8_in_a_string_becomes_one_replacement_per_octet);
    RUN(lines_mode_reads_like_the_cli);
    RUN(a_big_batch_grows_every_buffer_and_stays_exact);
    RUN(the_vocabulary_and_layout_reach_js);
    RUN(columns_hold_the_records_column_by_column);
    RUN(many_distinct_domains_grow_the_table_and_stay_exact);
    RUN(options_and_policy_bits_reach_the_core);
    return test_report();
}
