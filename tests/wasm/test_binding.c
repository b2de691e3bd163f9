/* wasm/binding.c, natively: the transfer format JavaScript relies on (record
 * words, UTF-16 offsets, string references, line splitting) checked in C, so
 * it also runs under ASan+UBSan with the other unit tests. The binding is
 * included whole: its helpers are static. */
#include "test.h"
#include "../../wasm/binding.c"

/* The UTF-8 of string field `at` of record `rec`, copied into buf (the
 * batch text is all-ASCII in these tests, so UTF-16 offsets = octets). */
static const char *field(mp_batch *b, const int32_t *rec, int at, char *buf, size_t cap)
{
    int32_t start = rec[at], len = rec[at + 1];
    if (start < 0)
        return start == REF_NULL ? "(null)" : start == REF_EMAIL ? "(email)"
             : start == REF_DOMAIN ? "(domain)" : "(ascii)";
    if ((size_t)len >= cap)
        return "(too long)";
    memcpy(buf, b->text + start, (size_t)len);
    buf[len] = '\0';
    return buf;
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
    const char *addrs[] = {"ann@gmail.com", "Ann@GMail.com"};
    const uint32_t units[] = {13, 13};
    CHECK_EQ_INT(run_array(b, addrs, units, 2), 2);
    const int32_t *r = mp_batch_records_wasm(b);
    /* Lower-case: normalized is the input, the three domains one string. */
    CHECK_EQ_STR(field(b, r, REC_NORMALIZED, buf, sizeof buf), "(email)");
    CHECK_EQ_STR(field(b, r, REC_LOCAL, buf, sizeof buf), "ann");
    CHECK_EQ_STR(field(b, r, REC_DOMAIN, buf, sizeof buf), "gmail.com");
    CHECK_EQ_STR(field(b, r, REC_ASCII_DOMAIN, buf, sizeof buf), "(domain)");
    CHECK_EQ_STR(field(b, r, REC_UNICODE_DOMAIN, buf, sizeof buf), "(domain)");
    CHECK_EQ_STR(field(b, r, REC_SUGGESTION, buf, sizeof buf), "(null)");
    /* Mixed case: the domain as given, then the lower-case forms. */
    r += REC_WORDS;
    CHECK_EQ_STR(field(b, r, REC_NORMALIZED, buf, sizeof buf), "Ann@gmail.com");
    CHECK_EQ_STR(field(b, r, REC_DOMAIN, buf, sizeof buf), "GMail.com");
    CHECK_EQ_STR(field(b, r, REC_ASCII_DOMAIN, buf, sizeof buf), "gmail.com");
    CHECK_EQ_STR(field(b, r, REC_UNICODE_DOMAIN, buf, sizeof buf), "(ascii)");
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
    CHECK_EQ_STR(field(b, r, REC_LOCAL, buf, sizeof buf), "user19999");
    CHECK_EQ_STR(field(b, r, REC_DOMAIN, buf, sizeof buf), "Example17.org");
    CHECK_EQ_STR(field(b, r, REC_ASCII_DOMAIN, buf, sizeof buf), "example17.org");
    CHECK(b->records_cap >= N);
    mp_batch_free_wasm(b);
}

TEST(names_json_carries_the_layout_and_every_vocabulary)
{
    mp_batch *b = mp_batch_new_wasm();
    int32_t n = mp_names_json_wasm(b);
    CHECK(n > 0);
    const char *j = mp_batch_text_wasm(b);
    CHECK_EQ_INT((int32_t)strlen(j), n);
    const char *head = "{\"version\":\"" MP_CORE_VERSION "\",\"record_words\":22,";
    CHECK(strncmp(j, head, strlen(head)) == 0);
    CHECK(strstr(j, "\"reason\":[\"accepted\",\"invalid_syntax\",") != NULL);
    CHECK(strstr(j, "\"syntax_code\":[\"ok\",\"empty\",") != NULL);
    CHECK(strstr(j, "\"smtp_result\":[\"not_checked\",") != NULL);
    CHECK(j[n - 1] == '}');
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
    RUN(names_json_carries_the_layout_and_every_vocabulary);
    RUN(options_and_policy_bits_reach_the_core);
    return test_report();
}
