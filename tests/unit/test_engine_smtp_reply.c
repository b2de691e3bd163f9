/* The SMTP reply reader, one test per rule of smtp_reply.h (RFC 5321 §4.2,
 * RFC 3463).
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <stdlib.h>
#include "smtp_reply.h"
#include "test.h"

static mp_reply_status parse(const char *s, mp_smtp_reply *r) { return parse_smtp_reply(s, strlen(s), r); }

TEST(single_line_reply_is_complete)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("250 OK\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(r.code, 250);
    CHECK_EQ_STR(r.text, "OK");
    CHECK_EQ_INT(r.nlines, 1);
    CHECK_EQ_INT(r.consumed, 8);
    CHECK_EQ_INT(r.leftover, 0);
}

TEST(carriage_return_is_stripped_and_bare_lf_accepted)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("220 mx ready\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.text, "mx ready");
    CHECK_EQ_INT(parse("220 mx ready\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.text, "mx ready");
}

TEST(code_alone_is_a_reply)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("250\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(r.code, 250);
    CHECK_EQ_STR(r.text, "");
}

TEST(incomplete_line_needs_more)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("", &r), MP_REPLY_NEED_MORE);
    CHECK_EQ_INT(parse("25", &r), MP_REPLY_NEED_MORE);
    CHECK_EQ_INT(parse("250 OK", &r), MP_REPLY_NEED_MORE);
    CHECK_EQ_INT(parse("250 OK\r", &r), MP_REPLY_NEED_MORE);
    CHECK_EQ_INT(r.consumed, 0);
}

TEST(dash_in_position_four_means_more_lines)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("250-mx.example\r\n250-PIPELINING\r\n", &r), MP_REPLY_NEED_MORE);
    CHECK_EQ_INT(parse("250-mx.example\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(r.nlines, 3);
    CHECK_EQ_STR(r.text, "mx.example PIPELINING SMTPUTF8");
}

TEST(code_must_be_three_digits_from_2xx_to_5xx)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("150 go on\r\n", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("650 no\r\n", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("2x0 no\r\n", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("25\r\n", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("260 second digit above 5\r\n", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("559 highest\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(parse("200 lowest\r\n", &r), MP_REPLY_COMPLETE);
}

TEST(garbage_is_refused_before_its_line_ends)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("HTTP/1.1 400 Bad", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("\x16\x03\x01", &r), MP_REPLY_BAD_CODE);
    CHECK_EQ_INT(parse("250x", &r), MP_REPLY_BAD_SEPARATOR);
}

TEST(fourth_octet_must_be_space_dash_or_end)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("250_OK\r\n", &r), MP_REPLY_BAD_SEPARATOR);
    CHECK_EQ_INT(parse("2500 OK\r\n", &r), MP_REPLY_BAD_SEPARATOR);
}

TEST(every_line_carries_the_same_code)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("250-first\r\n251 second\r\n", &r), MP_REPLY_CODE_MISMATCH);
    CHECK_EQ_INT(parse("250-first\r\n550", &r), MP_REPLY_CODE_MISMATCH);
}

TEST(enhanced_code_is_extracted_and_removed_from_text)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("550 5.1.1 <x@known.mptest>: Recipient address rejected\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "5.1.1");
    CHECK_EQ_STR(r.text, "<x@known.mptest>: Recipient address rejected");
    CHECK_EQ_INT(parse("550 5.1.10 RESOLVER.ADR.RecipientNotFound\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "5.1.10");
    CHECK_EQ_INT(parse("452 4.2.2 Mailbox full\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "4.2.2");
    CHECK_EQ_STR(r.text, "Mailbox full");
}

TEST(enhanced_code_repeated_on_continuation_lines_is_removed)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("550-5.7.1 Service unavailable\r\n550 5.7.1 see the web\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "5.7.1");
    CHECK_EQ_STR(r.text, "Service unavailable see the web");
}

TEST(enhanced_code_class_must_match_reply_code)
{
    mp_smtp_reply r;
    CHECK_EQ_INT(parse("550 4.1.1 odd\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "");
    CHECK_EQ_INT(parse("250 2.1.5x not a code\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "");
    CHECK_EQ_INT(parse("250 2.1234.5 too many digits\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "");
    CHECK_EQ_INT(parse("250 2.1.5\r\n", &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.enhanced, "2.1.5");
    CHECK_EQ_STR(r.text, "");
}

TEST(leftover_after_the_last_line_is_reported)
{
    mp_smtp_reply r;
    const char *two = "250 2.1.0 Ok\r\n550 5.1.1 no\r\n";
    CHECK_EQ_INT(parse(two, &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(r.consumed, 14);
    CHECK_EQ_INT(r.leftover, strlen(two) - 14);
    CHECK_EQ_INT(parse_smtp_reply(two + r.consumed, r.leftover, &r), MP_REPLY_COMPLETE);
    CHECK_EQ_INT(r.code, 550);
    CHECK_EQ_INT(r.leftover, 0);
}

TEST(line_longer_than_the_limit_is_refused_terminated_or_not)
{
    static char buf[MP_REPLY_LINE_MAX + 16];
    mp_smtp_reply r;
    memcpy(buf, "250 ", 4);
    memset(buf + 4, 'a', sizeof buf - 4);
    CHECK_EQ_INT(parse_smtp_reply(buf, MP_REPLY_LINE_MAX, &r), MP_REPLY_LINE_TOO_LONG);
    CHECK_EQ_INT(parse_smtp_reply(buf, MP_REPLY_LINE_MAX - 1, &r), MP_REPLY_NEED_MORE);
    buf[MP_REPLY_LINE_MAX] = '\n';
    CHECK_EQ_INT(parse_smtp_reply(buf, MP_REPLY_LINE_MAX + 1, &r), MP_REPLY_LINE_TOO_LONG);
    buf[MP_REPLY_LINE_MAX - 2] = '\r';
    buf[MP_REPLY_LINE_MAX - 1] = '\n';
    CHECK_EQ_INT(parse_smtp_reply(buf, MP_REPLY_LINE_MAX, &r), MP_REPLY_COMPLETE);
}

TEST(reply_longer_than_64k_is_refused)
{
    /* 100 octets per continuation line, never a last line. */
    enum { LINE = 100, N = MP_REPLY_MAX / LINE + 2 };
    static char buf[N * LINE];
    for (size_t i = 0; i < N; i++) {
        memset(buf + i * LINE, 'x', LINE);
        memcpy(buf + i * LINE, "250-", 4);
        buf[i * LINE + LINE - 2] = '\r';
        buf[i * LINE + LINE - 1] = '\n';
    }
    mp_smtp_reply r;
    CHECK_EQ_INT(parse_smtp_reply(buf, sizeof buf, &r), MP_REPLY_TOO_LONG);
    CHECK_EQ_INT(parse_smtp_reply(buf, 10 * LINE, &r), MP_REPLY_NEED_MORE);
}

TEST(text_is_truncated_not_overflowed)
{
    static char buf[40 * 64 + 16];
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(buf + n, "250-", 4);
        memset(buf + n + 4, 'y', 58);
        memcpy(buf + n + 62, "\r\n", 2);
        n += 64;
    }
    memcpy(buf + n, "250 end\r\n", 9);
    n += 9;
    mp_smtp_reply r;
    CHECK_EQ_INT(parse_smtp_reply(buf, n, &r), MP_REPLY_COMPLETE);
    CHECK(r.text_truncated);
    CHECK_EQ_INT(strlen(r.text), MP_SMTP_TEXT_MAX);
    CHECK_EQ_INT(r.nlines, 41);
}

TEST(control_octets_in_text_are_replaced)
{
    mp_smtp_reply r;
    const char s[] = "250 a\0b\x1b[31m\r\n";
    CHECK_EQ_INT(parse_smtp_reply(s, sizeof s - 1, &r), MP_REPLY_COMPLETE);
    CHECK_EQ_STR(r.text, "a?b?[31m");
}

TEST(status_names_are_stable)
{
    CHECK_EQ_STR(mp_reply_status_name(MP_REPLY_COMPLETE), "complete");
    CHECK_EQ_STR(mp_reply_status_name(MP_REPLY_BAD_CODE), "bad_code");
    CHECK_EQ_STR(mp_reply_status_name((mp_reply_status)99), "unknown");
}

int main(void)
{
    RUN(single_line_reply_is_complete);
    RUN(carriage_return_is_stripped_and_bare_lf_accepted);
    RUN(code_alone_is_a_reply);
    RUN(incomplete_line_needs_more);
    RUN(dash_in_position_four_means_more_lines);
    RUN(code_must_be_three_digits_from_2xx_to_5xx);
    RUN(garbage_is_refused_before_its_line_ends);
    RUN(fourth_octet_must_be_space_dash_or_end);
    RUN(every_line_carries_the_same_code);
    RUN(enhanced_code_is_extracted_and_removed_from_text);
    RUN(enhanced_code_repeated_on_continuation_lines_is_removed);
    RUN(enhanced_code_class_must_match_reply_code);
    RUN(leftover_after_the_last_line_is_reported);
    RUN(line_longer_than_the_limit_is_refused_terminated_or_not);
    RUN(reply_longer_than_64k_is_refused);
    RUN(text_is_truncated_not_overflowed);
    RUN(control_octets_in_text_are_replaced);
    RUN(status_names_are_stable);
    return test_report();
}
