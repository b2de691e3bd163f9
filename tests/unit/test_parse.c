/* mp_parse(): one test per rule of docs/syntax.md, with the boundaries of
 * every limit, every option flag and the position of every error.
 * ctest-labels: unit
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mailprobe/core.h"
#include "test.h"

enum { Q = MP_ALLOW_QUOTED_LOCAL, LIT = MP_ALLOW_DOMAIN_LITERAL, SU = MP_ALLOW_SPECIAL_USE };

static mp_syntax result; /* ~3 KiB: kept off the stack */

static const mp_syntax *parse_flags(const char *in, size_t len, unsigned flags)
{
    mp_options o;
    mp_options_default(&o);
    o.flags = flags;
    /* Poison the output so a field the parser forgets to set shows up. */
    memset(&result, 0x5A, sizeof result);
    mp_parse(in, len, &o, &result);
    return &result;
}

/* Prints the input with non-printable octets escaped, for failure messages. */
static const char *shown(const char *in, size_t len)
{
    static char buf[4 * 300 + 8];
    size_t k = 0;
    for (size_t i = 0; i < len && k + 8 < sizeof buf; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x20 && c < 0x7F) buf[k++] = (char)c;
        else k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02X", c);
    }
    buf[k] = '\0';
    return buf;
}

/* Parses `in` and checks the code, the position and `valid`. */
static void expect_at(const char *in, size_t len, unsigned flags, mp_syntax_code code, int pos,
                      int line)
{
    const mp_syntax *s = parse_flags(in, len, flags);
    if (s->code != code || s->position != pos || s->valid != (code == MP_SYNTAX_OK)) {
        test_current_failed = 1;
        fprintf(stderr, "  %s:%d: \"%s\" (flags %u): got %s at %d (valid %d), want %s at %d\n",
                __FILE__, line, shown(in, len), flags, mp_syntax_code_name(s->code), s->position,
                (int)s->valid, mp_syntax_code_name(code), pos);
    }
}

/* String literals may hold NUL: their length comes from sizeof. */
#define EXPECT(lit, flags, code, pos) expect_at((lit), sizeof(lit) - 1, (flags), (code), (pos), __LINE__)
#define EXPECT_OK(lit, flags) EXPECT(lit, flags, MP_SYNTAX_OK, -1)
#define EXPECT_BUF(buf, len, flags, code, pos) expect_at((buf), (len), (flags), (code), (pos), __LINE__)

/* Builds "<local of `local_len` x's>@<domain of `domain_len` octets>" in buf,
 * the domain made of 63-octet labels of 'd' and ending in ".org". */
static size_t build_address(char *buf, size_t local_len, size_t domain_len)
{
    size_t k = 0;
    for (size_t i = 0; i < local_len; i++) buf[k++] = 'x';
    buf[k++] = '@';
    size_t body = domain_len - 4, run = 0;
    for (size_t i = 0; i < body; i++) {
        /* a dot after every 63 letters, never first or last */
        if (run == 63 && i + 1 < body) { buf[k++] = '.'; run = 0; continue; }
        buf[k++] = 'd';
        run++;
    }
    memcpy(buf + k, ".org", 4);
    k += 4;
    buf[k] = '\0';
    return k;
}

/* ---- The whole result ------------------------------------------------- */

TEST(a_valid_address_fills_every_field)
{
    const mp_syntax *s = parse_flags("Ann.Lee@Mail.MPTest", 19, 0);
    CHECK(s->valid);
    CHECK_EQ_INT(s->code, MP_SYNTAX_OK);
    CHECK_EQ_INT(s->position, -1);
    CHECK(!s->smtputf8);
    CHECK(!s->quoted_local);
    CHECK(!s->domain_literal);
    CHECK_EQ_STR(s->local, "Ann.Lee");          /* local parts keep their case */
    CHECK_EQ_STR(s->domain, "Mail.MPTest");     /* as given */
    CHECK_EQ_STR(s->ascii_domain, "mail.mptest");
    CHECK_EQ_STR(s->unicode_domain, "mail.mptest");
}

TEST(options_default_is_the_zero_profile_and_null_means_default)
{
    mp_options o = {0xFFFFu};
    mp_options_default(&o);
    CHECK_EQ_INT(o.flags, 0);
    mp_syntax s;
    mp_parse("\"a b\"@x.org", 11, NULL, &s);
    CHECK_EQ_INT(s.code, MP_SYNTAX_QUOTED_LOCAL);
    mp_parse("ann@x.org", 9, NULL, &s);
    CHECK(s.valid);
}

TEST(an_invalid_address_still_reports_local_and_domain)
{
    const mp_syntax *s = parse_flags("a..b@Example.NET", 16, 0);
    CHECK_EQ_INT(s->code, MP_SYNTAX_LOCAL_DOUBLE_DOT);
    CHECK_EQ_STR(s->local, "a..b");
    CHECK_EQ_STR(s->domain, "Example.NET");
    CHECK_EQ_STR(s->ascii_domain, "example.net");
    s = parse_flags("ann", 3, 0);
    CHECK_EQ_STR(s->local, "ann");
    CHECK_EQ_STR(s->domain, "");
    CHECK_EQ_STR(s->ascii_domain, "");
}

/* ---- Whole input -------------------------------------------------------- */

TEST(empty_input_is_empty)
{
    EXPECT("", 0, MP_SYNTAX_EMPTY, -1);
    mp_syntax s;
    mp_parse(NULL, 0, NULL, &s);
    CHECK_EQ_INT(s.code, MP_SYNTAX_EMPTY);
    CHECK(!s.valid);
}

TEST(input_longer_than_input_max_is_too_long_unparsed)
{
    static char buf[MP_INPUT_MAX + 2];
    memset(buf, 'a', sizeof buf);
    buf[10] = '@';
    memcpy(buf + MP_INPUT_MAX - 4, ".org", 4);
    /* 1024 octets are parsed (and found wrong for another reason)... */
    EXPECT_BUF(buf, MP_INPUT_MAX, 0, MP_SYNTAX_LABEL_TOO_LONG, 11 + 63);
    /* ...1025 are not even looked at. */
    buf[MP_INPUT_MAX - 4] = 'a';
    memcpy(buf + MP_INPUT_MAX - 3, ".org", 4);
    const mp_syntax *s = parse_flags(buf, MP_INPUT_MAX + 1, 0);
    CHECK_EQ_INT(s->code, MP_SYNTAX_TOO_LONG);
    CHECK_EQ_INT(s->position, -1);
    CHECK_EQ_STR(s->local, "");
    CHECK_EQ_STR(s->domain, "");
}

TEST(address_of_254_octets_is_valid_255_is_too_long)
{
    char buf[300];
    size_t n = build_address(buf, 64, 189);
    CHECK_EQ_INT(n, 254);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_OK, -1);
    n = build_address(buf, 64, 190);
    CHECK_EQ_INT(n, 255);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_TOO_LONG, -1);
}

/* ---- Characters anywhere ------------------------------------------------ */

TEST(invalid_utf8_is_rejected_at_its_first_octet)
{
    EXPECT("a\x80@x.org", 0, MP_SYNTAX_INVALID_UTF8, 1);          /* lone continuation */
    EXPECT("ab\xC0\x80@x.org", 0, MP_SYNTAX_INVALID_UTF8, 2);     /* overlong NUL */
    EXPECT("a\xED\xA0\x80@x.org", 0, MP_SYNTAX_INVALID_UTF8, 1);  /* surrogate */
    EXPECT("ann@x.or\xE2\x82", 0, MP_SYNTAX_INVALID_UTF8, 8);     /* truncated */
    EXPECT("\xF5\x80\x80\x80@x.org", 0, MP_SYNTAX_INVALID_UTF8, 0); /* > U+10FFFF */
    EXPECT("\xFF", 0, MP_SYNTAX_INVALID_UTF8, 0);
    /* Nothing that is not UTF-8 is copied into the result. */
    const mp_syntax *s = parse_flags("a\xFF@x.org", 8, 0);
    CHECK_EQ_STR(s->local, "");
    CHECK_EQ_STR(s->domain, "");
}

TEST(control_characters_cr_lf_nul_del_and_c1_are_rejected)
{
    EXPECT("ann\0@x.org", 0, MP_SYNTAX_CONTROL_CHAR, 3);
    EXPECT("ann@x.org\0", 0, MP_SYNTAX_CONTROL_CHAR, 9);
    EXPECT("ann@x.org\r\n", 0, MP_SYNTAX_CONTROL_CHAR, 9);
    EXPECT("ann@x.org\nRCPT TO:<b@y.org>", 0, MP_SYNTAX_CONTROL_CHAR, 9);
    EXPECT("a\x01nn@x.org", 0, MP_SYNTAX_CONTROL_CHAR, 1);
    EXPECT("ann\x7F@x.org", 0, MP_SYNTAX_CONTROL_CHAR, 3);
    EXPECT("ann\xC2\x85@x.org", 0, MP_SYNTAX_CONTROL_CHAR, 3);    /* U+0085 NEL */
    EXPECT("ann@x\xC2\x9F.org", 0, MP_SYNTAX_CONTROL_CHAR, 5);    /* U+009F */
    /* ...even inside quotes, with the option. */
    EXPECT("\"a\rb\"@x.org", Q, MP_SYNTAX_CONTROL_CHAR, 2);
    EXPECT("\"a\\\nb\"@x.org", Q, MP_SYNTAX_CONTROL_CHAR, 3);
    EXPECT("\"a\0b\"@x.org", Q, MP_SYNTAX_CONTROL_CHAR, 2);
    /* The first of several character faults wins. */
    EXPECT("a\r\xFF@x.org", 0, MP_SYNTAX_CONTROL_CHAR, 1);
    /* Local and domain are still split out, for the message. */
    const mp_syntax *s = parse_flags("ann@x.org\n", 10, 0);
    CHECK_EQ_STR(s->local, "ann");
    CHECK_EQ_STR(s->domain, "x.org\n");
}

TEST(whitespace_including_unicode_spaces_is_rejected)
{
    EXPECT(" ann@x.org", 0, MP_SYNTAX_WHITESPACE, 0);
    EXPECT("ann@x.org ", 0, MP_SYNTAX_WHITESPACE, 9);
    EXPECT("ann @x.org", 0, MP_SYNTAX_WHITESPACE, 3);
    EXPECT("ann@x .org", 0, MP_SYNTAX_WHITESPACE, 5);
    EXPECT("ann@x.org\t", 0, MP_SYNTAX_WHITESPACE, 9);
    EXPECT("an\xC2\xA0n@x.org", 0, MP_SYNTAX_WHITESPACE, 2);      /* U+00A0 */
    EXPECT("ann@x\xE2\x80\x83.org", 0, MP_SYNTAX_WHITESPACE, 5);  /* U+2003 em space */
    EXPECT("ann@x.org\xE3\x80\x80", 0, MP_SYNTAX_WHITESPACE, 9);  /* U+3000 */
    EXPECT("a\xE1\x9A\x80@x.org", 0, MP_SYNTAX_WHITESPACE, 1);    /* U+1680 */
    EXPECT("a\xE2\x80\xA8@x.org", 0, MP_SYNTAX_WHITESPACE, 1);    /* U+2028 */
    EXPECT("a\xE2\x80\xAF@x.org", 0, MP_SYNTAX_WHITESPACE, 1);    /* U+202F */
    /* Inside quotes only the ASCII space is allowed. */
    EXPECT_OK("\"a b\"@x.org", Q);
    EXPECT("\"a\tb\"@x.org", Q, MP_SYNTAX_WHITESPACE, 2);
    EXPECT("\"a\xC2\xA0" "b\"@x.org", Q, MP_SYNTAX_WHITESPACE, 2);
}

TEST(invisible_and_format_characters_are_rejected)
{
    EXPECT("a\xE2\x80\x8B" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+200B ZWSP */
    EXPECT("a\xE2\x80\x8C" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+200C ZWNJ */
    EXPECT("a\xE2\x80\x8D" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+200D ZWJ */
    EXPECT("a\xE2\x80\x8F" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+200F RLM */
    EXPECT("a\xC2\xAD" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1);     /* U+00AD soft hyphen */
    EXPECT("a\xE2\x81\xA0" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+2060 word joiner */
    EXPECT("a\xE2\x81\xA4" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+2064 */
    EXPECT("\xEF\xBB\xBF" "ann@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 0); /* U+FEFF BOM */
    EXPECT("ann@x\xE2\x80\xAE.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 5);   /* U+202E RLO */
    EXPECT("ann@x\xE2\x80\xAA.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 5);   /* U+202A LRE */
    EXPECT("ann@x.org\xE2\x81\xA6", 0, MP_SYNTAX_INVISIBLE_CHAR, 9);   /* U+2066 LRI */
    EXPECT("ann@x.org\xE2\x81\xA9", 0, MP_SYNTAX_INVISIBLE_CHAR, 9);   /* U+2069 PDI */
    EXPECT("a\xD8\x9C" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1);     /* U+061C ALM */
    EXPECT("a\xE1\xA0\x8E" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+180E MVS */
    EXPECT("a\xEF\xB8\x8F" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+FE0F VS16 */
    EXPECT("a\xE3\x85\xA4" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+3164 Hangul filler */
    EXPECT("a\xF3\xA0\x81\x81" "b@x.org", 0, MP_SYNTAX_INVISIBLE_CHAR, 1); /* U+E0041 tag A */
    EXPECT("\"a\xE2\x80\x8B" "b\"@x.org", Q, MP_SYNTAX_INVISIBLE_CHAR, 2); /* in quotes too */
}

/* ---- Structure -------------------------------------------------------- */

TEST(display_names_and_angle_brackets_are_rejected)
{
    EXPECT("Ann Lee <ann@x.org>", 0, MP_SYNTAX_DISPLAY_NAME, 8);
    EXPECT("<ann@x.org>", 0, MP_SYNTAX_DISPLAY_NAME, 0);
    EXPECT("ann@x.org>", 0, MP_SYNTAX_DISPLAY_NAME, 9);
    EXPECT("\"Ann Lee\" <ann@x.org>", 0, MP_SYNTAX_DISPLAY_NAME, 10);
    /* Angle brackets inside a quoted local part are just characters. */
    EXPECT_OK("\"<ann>\"@x.org", Q);
}

TEST(comments_are_rejected)
{
    EXPECT("ann(work)@x.org", 0, MP_SYNTAX_COMMENT, 3);
    EXPECT("ann@x.org (Ann)", 0, MP_SYNTAX_COMMENT, 10); /* comment beats the space */
    EXPECT("ann@(c)x.org", 0, MP_SYNTAX_COMMENT, 4);
    EXPECT("ann)@x.org", 0, MP_SYNTAX_COMMENT, 3);
    EXPECT_OK("\"(ann)\"@x.org", Q);
}

TEST(an_address_needs_an_at_sign)
{
    EXPECT("ann.x.org", 0, MP_SYNTAX_NO_AT, -1);
    EXPECT("ann", 0, MP_SYNTAX_NO_AT, -1);
    EXPECT("\"ann\"", Q, MP_SYNTAX_NO_AT, -1);
    EXPECT("\"a@b\"", Q, MP_SYNTAX_NO_AT, -1); /* the quoted '@' does not count */
}

TEST(more_than_one_at_sign_is_rejected_at_the_second)
{
    EXPECT("ann@lee@x.org", 0, MP_SYNTAX_MULTIPLE_AT, 7);
    EXPECT("@@x.org", 0, MP_SYNTAX_MULTIPLE_AT, 1);
    EXPECT("a@b@c@x.org", 0, MP_SYNTAX_MULTIPLE_AT, 3);
    EXPECT("\"a\"@b@x.org", Q, MP_SYNTAX_MULTIPLE_AT, 5);
    EXPECT_OK("\"a@b\"@x.org", Q);
}

/* ---- Local part ----------------------------------------------------------- */

TEST(local_part_is_a_dot_atom_over_atext)
{
    EXPECT_OK("!#$%&'*+-/=?^_`{|}~@x.org", 0);
    EXPECT_OK("Ann.Lee+tag@x.org", 0);
    EXPECT_OK("a.b.c.d.0.9@x.org", 0);
    EXPECT_OK("x@x.org", 0);
    EXPECT("a,b@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);
    EXPECT("ab;@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 2);
    EXPECT("a:b@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);
    EXPECT("a[b]@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);
    EXPECT("a\\b@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);
}

TEST(local_part_may_not_be_empty)
{
    EXPECT("@x.org", 0, MP_SYNTAX_LOCAL_EMPTY, -1);
}

TEST(local_part_may_not_start_or_end_with_a_dot_or_double_it)
{
    EXPECT(".ann@x.org", 0, MP_SYNTAX_LOCAL_DOT_START, 0);
    EXPECT("ann.@x.org", 0, MP_SYNTAX_LOCAL_DOT_END, 3);
    EXPECT("an..n@x.org", 0, MP_SYNTAX_LOCAL_DOUBLE_DOT, 3);
    EXPECT(".@x.org", 0, MP_SYNTAX_LOCAL_DOT_START, 0);
    EXPECT("a...b@x.org", 0, MP_SYNTAX_LOCAL_DOUBLE_DOT, 2);
}

TEST(local_part_of_64_octets_is_valid_65_is_too_long)
{
    char buf[200];
    size_t n = build_address(buf, 64, 9);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_OK, -1);
    n = build_address(buf, 65, 9);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_LOCAL_TOO_LONG, 64);
    /* Octets, not characters: 32 two-octet letters fit, 33 do not. */
    char u[200];
    size_t k = 0;
    for (int i = 0; i < 32; i++) { u[k++] = '\xC3'; u[k++] = '\xA9'; } /* é */
    memcpy(u + k, "@x.org", 6);
    EXPECT_BUF(u, k + 6, 0, MP_SYNTAX_OK, -1);
    u[k++] = '\xC3'; u[k++] = '\xA9';
    memcpy(u + k, "@x.org", 6);
    EXPECT_BUF(u, k + 6, 0, MP_SYNTAX_LOCAL_TOO_LONG, 64);
}

TEST(utf8_local_parts_of_letters_marks_digits_are_valid_and_need_smtputf8)
{
    static const char *const ok[] = {
        "j\xC3\xB6rg.str\xC3\xB6m@x.org",                  /* jörg.ström */
        "\xE7\x94\xA8\xE6\x88\xB7@mail.mptest",            /* 用户 */
        "\xCE\xB4\xCE\xBF\xCE\xBA\xCE\xB9\xCE\xBC\xCE\xAE@x.org", /* δοκιμή */
        "\xE0\xA4\xAA\xE0\xA5\x82\xE0\xA4\x9C\xE0\xA4\xBE@x.org", /* पूजा: letters + marks */
        "\xD9\xA3\xD9\xA4@x.org",                          /* ٣٤ Arabic-Indic digits */
        "e\xCC\x81@x.org",                                 /* e + combining acute */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const mp_syntax *s = parse_flags(ok[i], strlen(ok[i]), 0);
        if (!s->valid || !s->smtputf8)
            TEST_FAIL_("\"%s\": %s, smtputf8 %d", shown(ok[i], strlen(ok[i])),
                       mp_syntax_code_name(s->code), (int)s->smtputf8);
    }
    CHECK(!parse_flags("ann@x.org", 9, 0)->smtputf8);
}

TEST(utf8_local_parts_refuse_symbols_and_punctuation)
{
    EXPECT("a\xE2\x98\x83@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);    /* ☃ */
    EXPECT("ab\xF0\x9F\x98\x80@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 2); /* 😀 */
    EXPECT("\xC2\xA9@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 0);         /* © */
    EXPECT("a\xE2\x80\x94" "b@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1); /* em dash */
    EXPECT("a\xEE\x80\x80@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);    /* U+E000 private use */
    EXPECT("a\xC2\xB2@x.org", 0, MP_SYNTAX_LOCAL_INVALID_CHAR, 1);        /* ² is not a digit */
}

/* ---- Quoted local parts ----------------------------------------------------- */

TEST(quoted_local_parts_are_rejected_by_default)
{
    EXPECT("\"john doe\"@x.org", 0, MP_SYNTAX_QUOTED_LOCAL, 0);
    EXPECT("\"ann\"@x.org", 0, MP_SYNTAX_QUOTED_LOCAL, 0);
    EXPECT("\"unterminated@x.org", 0, MP_SYNTAX_QUOTED_LOCAL, 0);
    EXPECT("john.\"doe\"@x.org", 0, MP_SYNTAX_QUOTED_LOCAL, 5);
}

TEST(allow_quoted_local_accepts_rfc5321_quoted_strings)
{
    const mp_syntax *s = parse_flags("\"john doe\"@X.org", 16, Q);
    CHECK(s->valid);
    CHECK(s->quoted_local);
    CHECK_EQ_STR(s->local, "\"john doe\"");
    CHECK_EQ_STR(s->ascii_domain, "x.org");
    EXPECT_OK("\"a@b\"@x.org", Q);
    EXPECT_OK("\"a\\\"b\"@x.org", Q);      /* quoted-pair \" */
    EXPECT_OK("\"\\\\\"@x.org", Q);        /* quoted-pair \\ */
    EXPECT_OK("\"a..b.\"@x.org", Q);
    EXPECT_OK("\"(),:;<>[]\"@x.org", Q);
    s = parse_flags("\"j\xC3\xB6rg\"@x.org", 13, Q);
    CHECK(s->valid);
    CHECK(s->smtputf8);
    /* Dot-atoms still parse the same with the option on. */
    s = parse_flags("ann@x.org", 9, Q);
    CHECK(s->valid);
    CHECK(!s->quoted_local);
}

TEST(malformed_quoted_local_parts_are_quoted_invalid)
{
    EXPECT("\"unterminated@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 0);
    EXPECT("\"a\\\"@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 0);  /* the \" escapes the close */
    EXPECT("\"\"@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 0);     /* empty */
    EXPECT("\"a\"b@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 3);   /* text after the quote */
    EXPECT("\"a\".b@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 3);
    EXPECT("john.\"doe\"@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 5); /* mixed forms */
    EXPECT("\"a\\\xC3\xA9\"@x.org", Q, MP_SYNTAX_QUOTED_INVALID, 2); /* \ + non-ASCII */
}

TEST(quoted_local_of_64_octets_with_its_quotes_is_valid_65_is_too_long)
{
    char buf[200];
    buf[0] = '"';
    memset(buf + 1, 'q', 62);
    memcpy(buf + 63, "\"@x.org", 7);
    EXPECT_BUF(buf, 70, Q, MP_SYNTAX_OK, -1);
    memset(buf + 1, 'q', 63);
    memcpy(buf + 64, "\"@x.org", 7);
    EXPECT_BUF(buf, 71, Q, MP_SYNTAX_LOCAL_TOO_LONG, 64);
}

/* ---- Domain -------------------------------------------------------------- */

TEST(domain_may_not_be_empty)
{
    EXPECT("ann@", 0, MP_SYNTAX_DOMAIN_EMPTY, -1);
}

TEST(domain_is_lower_cased)
{
    const mp_syntax *s = parse_flags("Ann@EXAMPLE-Mail.MpTest", 23, 0);
    CHECK(s->valid);
    CHECK_EQ_STR(s->domain, "EXAMPLE-Mail.MpTest");
    CHECK_EQ_STR(s->ascii_domain, "example-mail.mptest");
    CHECK_EQ_STR(s->unicode_domain, "example-mail.mptest");
}

TEST(domain_needs_at_least_two_labels)
{
    EXPECT("ann@mptest", 0, MP_SYNTAX_DOMAIN_ONE_LABEL, -1);
    EXPECT("ann@localhost", 0, MP_SYNTAX_DOMAIN_ONE_LABEL, -1);
    EXPECT_OK("ann@a.mptest", 0);
}

TEST(empty_labels_and_a_trailing_dot_are_label_empty)
{
    EXPECT("ann@.x.org", 0, MP_SYNTAX_LABEL_EMPTY, 4);
    EXPECT("ann@x..org", 0, MP_SYNTAX_LABEL_EMPTY, 6);
    EXPECT("ann@x.org.", 0, MP_SYNTAX_LABEL_EMPTY, 9);
    EXPECT("ann@.", 0, MP_SYNTAX_LABEL_EMPTY, 4);
    EXPECT("ann@x\xE3\x80\x82\xE3\x80\x82org", 0, MP_SYNTAX_LABEL_EMPTY, 8); /* 。。 */
}

TEST(label_of_63_octets_is_valid_64_is_too_long)
{
    char buf[200];
    memcpy(buf, "ann@", 4);
    memset(buf + 4, 'l', 63);
    memcpy(buf + 67, ".org", 4);
    EXPECT_BUF(buf, 71, 0, MP_SYNTAX_OK, -1);
    memset(buf + 4, 'l', 64);
    memcpy(buf + 68, ".org", 4);
    EXPECT_BUF(buf, 72, 0, MP_SYNTAX_LABEL_TOO_LONG, 4 + 63);
}

TEST(labels_may_not_start_or_end_with_a_hyphen)
{
    EXPECT("ann@-x.org", 0, MP_SYNTAX_LABEL_HYPHEN, 4);
    EXPECT("ann@x-.org", 0, MP_SYNTAX_LABEL_HYPHEN, 5);
    EXPECT("ann@x.org-", 0, MP_SYNTAX_LABEL_HYPHEN, 9);
    EXPECT("ann@x.-org", 0, MP_SYNTAX_LABEL_HYPHEN, 6);
    EXPECT_OK("ann@x-y.org", 0);
    EXPECT_OK("ann@x--y.org", 0);
}

TEST(labels_hold_only_letters_digits_and_hyphens)
{
    EXPECT("ann@x_y.org", 0, MP_SYNTAX_LABEL_INVALID_CHAR, 5);
    EXPECT("ann@x!.org", 0, MP_SYNTAX_LABEL_INVALID_CHAR, 5);
    EXPECT("ann@x.o\"rg", 0, MP_SYNTAX_LABEL_INVALID_CHAR, 7);
    EXPECT("ann@x,y.org", 0, MP_SYNTAX_LABEL_INVALID_CHAR, 5);
    EXPECT("ann@x.org]", 0, MP_SYNTAX_LABEL_INVALID_CHAR, 9);
    EXPECT_OK("ann@123.org", 0);
}

TEST(top_level_label_may_not_be_all_digits)
{
    EXPECT("ann@x.123", 0, MP_SYNTAX_NUMERIC_TLD, 6);
    EXPECT("ann@192.0.2.1", 0, MP_SYNTAX_NUMERIC_TLD, 12);
    EXPECT("ann@x.\xef\xbc\x91\xef\xbc\x92", 0, MP_SYNTAX_NUMERIC_TLD, 6); /* full-width 12 */
}

/* The TLD shape rule: every delegated TLD is letters or an A-label
 * (test_tlds checks the rule against IANA's whole list). */
TEST(tld_form_is_letters_or_an_a_label)
{
    EXPECT("ann@x.a1", 0, MP_SYNTAX_TLD_INVALID, 6);
    EXPECT("me@bad.tld-2", 0, MP_SYNTAX_TLD_INVALID, 7);
    EXPECT("ann@x.c-d", 0, MP_SYNTAX_TLD_INVALID, 6);
    EXPECT("ann@x.1a", 0, MP_SYNTAX_TLD_INVALID, 6);
    EXPECT("ann@gmail.c0m", 0, MP_SYNTAX_TLD_INVALID, 10);
    EXPECT("ann@x.-org", 0, MP_SYNTAX_LABEL_HYPHEN, 6);  /* its ends: the hyphen rule */
    EXPECT("ann@x.org-", 0, MP_SYNTAX_LABEL_HYPHEN, 9);
    EXPECT("ann@\xc3\xbc.a1", 0, MP_SYNTAX_TLD_INVALID, 7);              /* through IDNA: ü.a1 */
    EXPECT("ann@x.\xef\xbd\x81\xef\xbc\x91", 0, MP_SYNTAX_TLD_INVALID, 6); /* full-width a1 */
    EXPECT_OK("ann@x.de", 0);
    EXPECT_OK("ann@x.museum", 0);
    EXPECT_OK("ann@x.MPTEST", 0);                     /* letters: not delegated, still a shape */
    EXPECT_OK("ann@x.xn--p1ai", 0);                   /* .рф */
    EXPECT_OK("ann@x.\xd1\x80\xd1\x84", 0);           /* рф as typed */
    EXPECT_OK("ann@x.\xef\xbd\x83\xef\xbd\x8f", 0); /* full-width co */
    EXPECT("ann@x.xn--a", 0, MP_SYNTAX_IDNA_INVALID, 6); /* an A-label must decode */
}

/* RFC 5891 §4.2.3.1 (and RFC 5890 §2.3.1): "--" in the third and fourth
 * places is reserved; only A-labels (xn--) have it, also after UTS #46
 * mapped full-width hyphens to ASCII ones. */
TEST(idna2008_hyphen_restriction_reserves_places_3_and_4)
{
    EXPECT("me@yy--0.tld", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 5);
    EXPECT("ann@ab--cd.shop.de", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 6);
    EXPECT("ann@x.ab--cd.de", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 8);
    EXPECT("ann@x.rr--", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 8); /* left to right */
    /* full-width hyphen-minus U+FF0D maps to '-': the mapped label is checked */
    EXPECT("me@yy\xef\xbc\x8d\xef\xbc\x8d" "0.tld", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 3);
    EXPECT("ann@\xef\xbd\x81\xef\xbd\x82--c.de", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 4); /* full-width ab */
    EXPECT("ann@\xc3\xbc" "a--b.de", 0, MP_SYNTAX_LABEL_RESERVED_HYPHENS, 7); /* a U-label: üa--b */
    EXPECT_OK("ann@\xc3\xbc--x.de", 0); /* ü--x: the hyphens are code points 2 and 3 */
    EXPECT_OK("ann@a--b.de", 0);
    EXPECT_OK("ann@abc--d.de", 0);
    EXPECT_OK("ann@x--y.org", 0);
    EXPECT_OK("ann@xn--bcher-kva.de", 0);
    EXPECT_OK("ann@XN--BCHER-KVA.de", 0);
    EXPECT("ann@xn--.de", 0, MP_SYNTAX_LABEL_HYPHEN, 7);
}

/* RFC 5321 §4.5.3.1: 64 octets for the local part and 254 for the address
 * hold for the form sent on the RCPT line: the A-label domain, and the
 * local part as typed or in NFC (RFC 6532 §3.1), whichever is longer. */
TEST(length_limits_hold_after_nfc_and_idna)
{
    char buf[400];
    size_t k = 0;
    /* 21 x U+FB2C (3 octets, NFC 6) + "a": 64 octets as typed, 127 in NFC */
    for (int i = 0; i < 21; i++) { memcpy(buf + k, "\xef\xac\xac", 3); k += 3; }
    buf[k++] = 'a';
    memcpy(buf + k, "@x.org", 6);
    EXPECT_BUF(buf, k + 6, 0, MP_SYNTAX_LOCAL_TOO_LONG, -1);
    /* 10 of them: 31 octets typed, 61 in NFC: fine */
    EXPECT_BUF(buf + 33, k - 33 + 6, 0, MP_SYNTAX_OK, -1);
    /* e + U+0301 (3 octets) is é (2) in NFC: the typed form still counts */
    k = 0;
    for (int i = 0; i < 22; i++) { memcpy(buf + k, "e\xcc\x81", 3); k += 3; }
    memcpy(buf + k, "@x.org", 6);
    EXPECT_BUF(buf, k + 6, 0, MP_SYNTAX_LOCAL_TOO_LONG, 64);
    /* The address: "ann.\uFB2C" is 7 octets typed, 10 in NFC; with a
     * 246-octet domain it is 254 octets typed, 257 sent. */
    size_t n = build_address(buf, 7, 246);
    memcpy(buf, "ann.\xef\xac\xac", 7);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_TOO_LONG, -1);
    memcpy(buf, "ann.\xc3\xa9" "a", 7); /* ann.éa: 7 octets either way */
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_OK, -1);
    /* The domain counts in its A-label form: bücher.de is 10 octets typed,
     * 16 as xn--bcher-kva.de: 254 octets typed, 260 sent. */
    n = build_address(buf, 64, 189);
    memcpy(buf + n - 11, ".b\xc3\xbc" "cher.de", 11); /* ...ddd.bücher.de */
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_TOO_LONG, -1);
    memcpy(buf + n - 11, ".bucher.de", 10); /* 253 octets either way */
    EXPECT_BUF(buf, n - 1, 0, MP_SYNTAX_OK, -1);
}

TEST(domain_of_253_octets_passes_the_domain_rule_254_does_not)
{
    char buf[400];
    /* With the shortest local part a 253-octet domain makes a 255-octet
     * address: the domain rule passes (ascii_domain is filled), the address
     * rule does not. 252 octets is the longest usable domain. */
    size_t n = build_address(buf, 1, 253);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_TOO_LONG, -1);
    CHECK_EQ_INT(strlen(result.ascii_domain), 253);
    n = build_address(buf, 1, 252);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_OK, -1);
    n = build_address(buf, 1, 254);
    EXPECT_BUF(buf, n, 0, MP_SYNTAX_DOMAIN_TOO_LONG, -1);
    CHECK_EQ_STR(result.ascii_domain, "");
}

/* ---- Domain literals ----------------------------------------------------- */

TEST(domain_literals_are_rejected_by_default)
{
    EXPECT("ann@[192.0.2.1]", 0, MP_SYNTAX_DOMAIN_LITERAL, 4);
    EXPECT("ann@[IPv6:2001:db8::1]", 0, MP_SYNTAX_DOMAIN_LITERAL, 4);
}

TEST(allow_domain_literal_accepts_valid_ipv4_and_ipv6)
{
    const mp_syntax *s = parse_flags("ann@[192.0.2.1]", 15, LIT);
    CHECK(s->valid);
    CHECK(s->domain_literal);
    CHECK_EQ_STR(s->ascii_domain, "[192.0.2.1]");
    s = parse_flags("ann@[ipv6:2001:DB8::1]", 22, LIT);
    CHECK(s->valid);
    CHECK_EQ_STR(s->domain, "[ipv6:2001:DB8::1]");
    CHECK_EQ_STR(s->ascii_domain, "[IPv6:2001:db8::1]");
    CHECK_EQ_STR(s->unicode_domain, "[IPv6:2001:db8::1]");
    EXPECT_OK("a@[0.0.0.0]", LIT);
    EXPECT_OK("a@[255.255.255.255]", LIT);
    EXPECT_OK("a@[IPv6:1:2:3:4:5:6:7:8]", LIT);
    EXPECT_OK("a@[IPv6:::]", LIT);
    EXPECT_OK("a@[IPv6:::1]", LIT);
    EXPECT_OK("a@[IPv6:fe80::]", LIT);
    EXPECT_OK("a@[IPv6:1:2:3::6:7:8]", LIT);
    EXPECT_OK("a@[IPv6:1:2:3:4:5:6:192.0.2.1]", LIT);
    EXPECT_OK("a@[IPv6:::ffff:192.0.2.1]", LIT);
    EXPECT_OK("a@[IPv6:1:2:3:4::192.0.2.1]", LIT);
    /* Literals are never special-use names. */
    EXPECT_OK("a@[127.0.0.1]", LIT);
}

TEST(malformed_domain_literals_are_domain_literal_invalid)
{
    static const char *const bad[] = {
        "a@[256.1.1.1]", "a@[1.2.3]", "a@[1.2.3.4.5]", "a@[01.2.3.4]", "a@[1.2.3.4", "a@[]",
        "a@[1..2.3]", "a@[1.2.3.-4]", "a@[x.y.z.w]", "a@[IPv6:]",
        "a@[IPv6:zz::1]", "a@[IPv6:1:2:3:4:5:6:7]", "a@[IPv6:1:2:3:4:5:6:7:8:9]",
        "a@[IPv6:1::2::3]", "a@[IPv6:12345::1]", "a@[IPv6::1]", "a@[IPv6:1:]",
        "a@[IPv6:1:2:3:4:5:6:7::]", /* "::" must stand for two groups or more */
        "a@[IPv6:1:2:3:4:5::1.2.3.4]", "a@[IPv6:fe80::1%eth0]", "a@[IPv6:::1.2.3]",
        "a@[2001:db8::1]", "a@[tag:text]", "a@[1.2.3.4]x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const mp_syntax *s = parse_flags(bad[i], strlen(bad[i]), LIT);
        if (s->code != MP_SYNTAX_DOMAIN_LITERAL_INVALID || s->valid || s->position != 2)
            TEST_FAIL_("\"%s\": got %s at %d", bad[i], mp_syntax_code_name(s->code), s->position);
        if (s->domain_literal) TEST_FAIL_("\"%s\": domain_literal set", bad[i]);
    }
}

/* ---- IDNA ---------------------------------------------------------------- */

TEST(internationalized_domains_get_a_label_and_u_label_forms)
{
    const mp_syntax *s = parse_flags("ann@B\xC3\xBC" "cher.de", 14, 0); /* Bücher.de */
    CHECK(s->valid);
    CHECK_EQ_STR(s->ascii_domain, "xn--bcher-kva.de");
    CHECK_EQ_STR(s->unicode_domain, "b\xC3\xBC" "cher.de");
    CHECK(!s->smtputf8); /* only the local part needs SMTPUTF8 */
    s = parse_flags("ann@XN--bcher-kva.de", 20, 0);
    CHECK(s->valid);
    CHECK_EQ_STR(s->ascii_domain, "xn--bcher-kva.de");
    CHECK_EQ_STR(s->unicode_domain, "b\xC3\xBC" "cher.de");
    s = parse_flags("ann@b\xC3\xBC" "cher\xE3\x80\x82" "de", 16, 0); /* ideographic full stop */
    CHECK(s->valid);
    CHECK_EQ_STR(s->ascii_domain, "xn--bcher-kva.de");
    s = parse_flags("ann@x\xEF\xBC\x8Eorg", 11, 0); /* fullwidth full stop, ASCII labels */
    CHECK(s->valid);
    CHECK_EQ_STR(s->ascii_domain, "x.org");
}

TEST(ascii_a_labels_are_decoded_and_validated)
{
    /* An all-ASCII domain still goes through IDNA when a label starts with
     * xn-- (any case, any label): bad punycode and disallowed code points
     * behind the A-label are errors, a good one gets its U-label. */
    EXPECT("a@xn--zz.com", 0, MP_SYNTAX_IDNA_INVALID, 2);
    EXPECT("a@XN--ZZ.com", 0, MP_SYNTAX_IDNA_INVALID, 2);
    EXPECT("a@mail.xn--zz.com", 0, MP_SYNTAX_IDNA_INVALID, 7);
    EXPECT("a@xn--ls8h.com", 0, MP_SYNTAX_IDNA_INVALID, 2); /* U+1F4A9 */
    EXPECT("a@xn--abc-.com", 0, MP_SYNTAX_LABEL_HYPHEN, 9);
    const mp_syntax *s = parse_flags("a@XN--BCHER-KVA.DE", 18, 0);
    CHECK(s->valid);
    CHECK_EQ_STR(s->ascii_domain, "xn--bcher-kva.de");
    CHECK_EQ_STR(s->unicode_domain, "b\xC3\xBC" "cher.de");
}

TEST(invalid_idna_is_idna_invalid)
{
    const mp_syntax *s = parse_flags("ann@xn--a.de", 12, 0); /* bad punycode */
    CHECK_EQ_INT(s->code, MP_SYNTAX_IDNA_INVALID);
    CHECK(!s->valid);
    CHECK_EQ_STR(s->unicode_domain, "");
    s = parse_flags("ann@a\xE2\x98\x83" "b.org", 12, 0); /* ☃ is not PVALID... */
    CHECK(!s->valid);
    /* ...and whatever IDNA says, a position points into the domain or is -1. */
    CHECK(s->position == -1 || (s->position >= 4 && s->position < 12));
    /* A hyphen at either end of a U-label is caught before IDNA. */
    EXPECT("ann@-b\xC3\xBC" "cher.de", 0, MP_SYNTAX_LABEL_HYPHEN, 4);
    EXPECT("ann@b\xC3\xBC" "cher-.de", 0, MP_SYNTAX_LABEL_HYPHEN, 11);
}

/* ---- Special-use names -------------------------------------------------- */

TEST(special_use_domains_are_rejected_unless_allowed)
{
    static const char *const special[] = {
        "a@x.test", "a@x.example", "a@x.invalid", "a@x.localhost", "a@printer.local",
        "a@abcdefghij234567.onion", "a@x.alt", "a@x.arpa", "a@router.home.arpa",
        "a@x.internal", "a@example.com", "a@example.net", "a@example.org",
        "a@mail.example.com", "a@X.TEST", "a@EXAMPLE.Org",
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        size_t n = strlen(special[i]);
        const mp_syntax *s = parse_flags(special[i], n, 0);
        if (s->code != MP_SYNTAX_SPECIAL_USE_DOMAIN || s->valid || s->position != -1)
            TEST_FAIL_("\"%s\": got %s", special[i], mp_syntax_code_name(s->code));
        /* The domain forms are still filled, for the reason text. */
        if (s->ascii_domain[0] == '\0') TEST_FAIL_("\"%s\": ascii_domain empty", special[i]);
        s = parse_flags(special[i], n, SU);
        if (!s->valid) TEST_FAIL_("\"%s\" with MP_ALLOW_SPECIAL_USE: %s", special[i],
                                  mp_syntax_code_name(s->code));
    }
}

TEST(names_that_only_look_special_are_ordinary)
{
    EXPECT_OK("a@mail.mptest", 0);    /* the test fixture's fake TLD */
    EXPECT_OK("a@testing.com", 0);
    EXPECT_OK("a@test.com", 0);
    EXPECT_OK("a@myexample.com", 0);
    EXPECT_OK("a@example.co", 0);
    EXPECT_OK("a@example.de", 0);
    EXPECT_OK("a@local.de", 0);
    EXPECT_OK("a@x.localdomain", 0);
    EXPECT_OK("a@x.tests", 0);
    EXPECT_OK("a@onion.org", 0);
}

TEST(every_option_flag_is_independent)
{
    /* Each flag lifts exactly its own rule. */
    EXPECT("\"a\"@[1.2.3.4]", Q, MP_SYNTAX_DOMAIN_LITERAL, 4);
    EXPECT("\"a\"@[1.2.3.4]", LIT, MP_SYNTAX_QUOTED_LOCAL, 0);
    EXPECT_OK("\"a\"@[1.2.3.4]", Q | LIT);
    EXPECT("\"a\"@x.test", Q, MP_SYNTAX_SPECIAL_USE_DOMAIN, -1);
    EXPECT_OK("\"a\"@x.test", Q | SU);
    EXPECT_OK("a@x.test", Q | LIT | SU);
    EXPECT("a@x.test", Q | LIT, MP_SYNTAX_SPECIAL_USE_DOMAIN, -1);
    EXPECT("a@mptest", Q | LIT | SU, MP_SYNTAX_DOMAIN_ONE_LABEL, -1);
}

/* ---- Robustness ---------------------------------------------------------- */

TEST(every_error_code_has_a_name_and_results_are_consistent)
{
    /* Fields of an invalid result are well-formed strings that fit. */
    static const char *const inputs[] = {"", "a", "@", "a@", "@a", "\"", "\"\"", "[", "a@[",
                                         "a@[]", ".", "a@.", "a@b.", "\xC3", "a@\xC3\xA9"};
    for (unsigned flags = 0; flags < 8; flags++)
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
            const mp_syntax *s = parse_flags(inputs[i], strlen(inputs[i]), flags);
            if (s->valid != (s->code == MP_SYNTAX_OK)) TEST_FAIL_("\"%s\": valid/code", inputs[i]);
            if (s->position < -1 || s->position >= (int)strlen(inputs[i]) + 1)
                TEST_FAIL_("\"%s\": position %d", inputs[i], s->position);
            if (!memchr(s->local, 0, sizeof s->local) || !memchr(s->domain, 0, sizeof s->domain) ||
                !memchr(s->ascii_domain, 0, sizeof s->ascii_domain) ||
                !memchr(s->unicode_domain, 0, sizeof s->unicode_domain))
                TEST_FAIL_("\"%s\": unterminated field", inputs[i]);
            if (strcmp(mp_syntax_code_name(s->code), "invalid") == 0)
                TEST_FAIL_("\"%s\": code out of range", inputs[i]);
        }
}

TEST(a_long_local_part_is_cut_at_a_character_boundary)
{
    char buf[400];
    size_t k = 0;
    for (int i = 0; i < 100; i++) { buf[k++] = '\xC3'; buf[k++] = '\xA9'; } /* 200 octets of é */
    memcpy(buf + k, "@x.org", 6);
    const mp_syntax *s = parse_flags(buf, k + 6, 0);
    CHECK_EQ_INT(s->code, MP_SYNTAX_LOCAL_TOO_LONG);
    size_t n = strlen(s->local);
    CHECK(n < sizeof s->local);
    CHECK(n % 2 == 0); /* whole characters only */
    CHECK_EQ_STR(s->ascii_domain, "x.org");
}

int main(void)
{
    RUN(a_valid_address_fills_every_field);
    RUN(options_default_is_the_zero_profile_and_null_means_default);
    RUN(an_invalid_address_still_reports_local_and_domain);
    RUN(empty_input_is_empty);
    RUN(input_longer_than_input_max_is_too_long_unparsed);
    RUN(address_of_254_octets_is_valid_255_is_too_long);
    RUN(invalid_utf8_is_rejected_at_its_first_octet);
    RUN(control_characters_cr_lf_nul_del_and_c1_are_rejected);
    RUN(whitespace_including_unicode_spaces_is_rejected);
    RUN(invisible_and_format_characters_are_rejected);
    RUN(display_names_and_angle_brackets_are_rejected);
    RUN(comments_are_rejected);
    RUN(an_address_needs_an_at_sign);
    RUN(more_than_one_at_sign_is_rejected_at_the_second);
    RUN(local_part_is_a_dot_atom_over_atext);
    RUN(local_part_may_not_be_empty);
    RUN(local_part_may_not_start_or_end_with_a_dot_or_double_it);
    RUN(local_part_of_64_octets_is_valid_65_is_too_long);
    RUN(utf8_local_parts_of_letters_marks_digits_are_valid_and_need_smtputf8);
    RUN(utf8_local_parts_refuse_symbols_and_punctuation);
    RUN(quoted_local_parts_are_rejected_by_default);
    RUN(allow_quoted_local_accepts_rfc5321_quoted_strings);
    RUN(malformed_quoted_local_parts_are_quoted_invalid);
    RUN(quoted_local_of_64_octets_with_its_quotes_is_valid_65_is_too_long);
    RUN(domain_may_not_be_empty);
    RUN(domain_is_lower_cased);
    RUN(domain_needs_at_least_two_labels);
    RUN(empty_labels_and_a_trailing_dot_are_label_empty);
    RUN(label_of_63_octets_is_valid_64_is_too_long);
    RUN(labels_may_not_start_or_end_with_a_hyphen);
    RUN(labels_hold_only_letters_digits_and_hyphens);
    RUN(top_level_label_may_not_be_all_digits);
    RUN(tld_form_is_letters_or_an_a_label);
    RUN(idna2008_hyphen_restriction_reserves_places_3_and_4);
    RUN(length_limits_hold_after_nfc_and_idna);
    RUN(domain_of_253_octets_passes_the_domain_rule_254_does_not);
    RUN(domain_literals_are_rejected_by_default);
    RUN(allow_domain_literal_accepts_valid_ipv4_and_ipv6);
    RUN(malformed_domain_literals_are_domain_literal_invalid);
    RUN(internationalized_domains_get_a_label_and_u_label_forms);
    RUN(ascii_a_labels_are_decoded_and_validated);
    RUN(invalid_idna_is_idna_invalid);
    RUN(special_use_domains_are_rejected_unless_allowed);
    RUN(names_that_only_look_special_are_ordinary);
    RUN(every_option_flag_is_independent);
    RUN(every_error_code_has_a_name_and_results_are_consistent);
    RUN(a_long_local_part_is_cut_at_a_character_boundary);
    return test_report();
}
