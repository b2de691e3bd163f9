/* IDNA2008 + UTS #46 (non-transitional) in the core: one test per rule.
 * Expected A-labels are the registries' own (and agree with libidn2; see
 * test_idna_libidn2.c for the differential test).
 * ctest-labels: unit
 */
#include <string.h>
#include "idna.h"
#include "test.h"

typedef struct idna_out {
    mp_syntax_code rc;
    int bad;
    char ascii[MP_DOMAIN_MAX + 1];
    char unicode[MP_UNICODE_DOMAIN_MAX + 1];
} idna_out;

static idna_out run(const char *in)
{
    idna_out o;
    memset(&o, 0x5A, sizeof o); /* garbage: the function must write them */
    o.rc = mp_idna_to_ascii(in, strlen(in), o.ascii, sizeof o.ascii, o.unicode,
                            sizeof o.unicode, &o.bad);
    return o;
}

#define CHECK_IDNA(in, want_ascii, want_unicode) do { \
        idna_out o_ = run(in); \
        CHECK_EQ_INT(o_.rc, MP_SYNTAX_OK); \
        CHECK_EQ_INT(o_.bad, -1); \
        CHECK_EQ_STR(o_.ascii, want_ascii); \
        CHECK_EQ_STR(o_.unicode, want_unicode); \
    } while (0)

#define CHECK_IDNA_FAIL(in, want_rc, want_bad) do { \
        idna_out o_ = run(in); \
        CHECK_EQ_INT(o_.rc, want_rc); \
        CHECK_EQ_INT(o_.bad, want_bad); \
        CHECK_EQ_STR(o_.ascii, ""); \
        CHECK_EQ_STR(o_.unicode, ""); \
    } while (0)

TEST(ascii_fast_path_lowercases_only)
{
    CHECK_IDNA("Example.COM", "example.com", "example.com");
    CHECK_IDNA("a-b.c0.org", "a-b.c0.org", "a-b.c0.org");
    /* LDH rules are the parser's job: these pass through unchanged. */
    CHECK_IDNA("foo_bar..-x-.", "foo_bar..-x-.", "foo_bar..-x-.");
    CHECK_IDNA("", "", "");
}

TEST(u_label_becomes_punycode_a_label)
{
    CHECK_IDNA("bücher.de", "xn--bcher-kva.de", "bücher.de");
    CHECK_IDNA("пример.рф", "xn--e1afmkfd.xn--p1ai", "пример.рф");
    CHECK_IDNA("中国.cn", "xn--fiqs8s.cn", "中国.cn");
}

TEST(uppercase_is_case_folded)
{
    CHECK_IDNA("BÜCHER.DE", "xn--bcher-kva.de", "bücher.de");
    CHECK_IDNA("ПРИМЕР.РФ", "xn--e1afmkfd.xn--p1ai", "пример.рф");
    CHECK_IDNA("ΠΑΡΆΔΕΙΓΜΑ.ΔΟΚΙΜΉ", "xn--hxajbheg2az3al.xn--jxalpdlp", "παράδειγμα.δοκιμή");
}

TEST(fullwidth_maps_to_ascii)
{
    CHECK_IDNA("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com", "example.com");
    CHECK_IDNA("ＢÜＣＨＥＲ.ｄｅ", "xn--bcher-kva.de", "bücher.de");
}

TEST(dot_variants_separate_labels)
{
    CHECK_IDNA("例え。テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト");
    CHECK_IDNA("例え．テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト");
    CHECK_IDNA("例え｡テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト");
}

TEST(nontransitional_keeps_sharp_s_and_final_sigma)
{
    CHECK_IDNA("ß.de", "xn--zca.de", "ß.de");
    CHECK_IDNA("Straße.de", "xn--strae-oqa.de", "straße.de");
    CHECK_IDNA("ςοφος.gr", "xn--0xaahcs.gr", "ςοφος.gr");
    /* Upper-case SS is just "ss": only the lower-case ß is kept. */
    CHECK_IDNA("STRASSE.de", "strasse.de", "strasse.de");
}

TEST(input_is_normalised_to_nfc)
{
    CHECK_IDNA("bu\xcc\x88" "cher.de", "xn--bcher-kva.de", "bücher.de"); /* u + U+0308 */
    CHECK_IDNA("A\xcc\x8a" "ngstro\xcc\x88m.se", "xn--ngstrm-hua5l.se", "ångström.se");
    /* Canonical reordering: dot below (220) before diaeresis (230). */
    CHECK_IDNA("a\xcc\x88\xcc\xa3.vn", "xn--ssa342l.vn", "ạ̈.vn");
    /* Hangul syllables compose algorithmically. */
    CHECK_IDNA("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab.kr", "xn--6q8b.kr", "한.kr");
}

TEST(a_labels_are_decoded)
{
    CHECK_IDNA("xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de");
    CHECK_IDNA("XN--BCHER-KVA.DE", "xn--bcher-kva.de", "bücher.de");
    CHECK_IDNA("xn--zca.de", "xn--zca.de", "ß.de");
    CHECK_IDNA("xn--mgbh0fb.xn--kgbechtv", "xn--mgbh0fb.xn--kgbechtv", "مثال.إختبار");
}

TEST(a_label_round_trip_is_stable)
{
    const char *samples[] = {"bücher.de", "παράδειγμα.δοκιμή", "한국인터넷진흥원.한국", "ไทย.ไทย",
                             "उदाहरण.परीक्षा", "ß.de"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        idna_out first = run(samples[i]);
        idna_out again = run(first.ascii);
        CHECK_EQ_INT(first.rc, MP_SYNTAX_OK);
        CHECK_EQ_INT(again.rc, MP_SYNTAX_OK);
        CHECK_EQ_STR(again.ascii, first.ascii);
        CHECK_EQ_STR(again.unicode, samples[i]);
    }
}

TEST(bad_punycode_is_rejected)
{
    CHECK_IDNA_FAIL("xn--abc-", MP_SYNTAX_IDNA_INVALID, 0);      /* decodes to ASCII */
    CHECK_IDNA_FAIL("xn--a-ecp.ru", MP_SYNTAX_IDNA_INVALID, 0);  /* decodes to U+0300 first */
    CHECK_IDNA_FAIL("a.xn--.de", MP_SYNTAX_IDNA_INVALID, 2);     /* nothing after xn-- */
    CHECK_IDNA_FAIL("xn--zz.de", MP_SYNTAX_IDNA_INVALID, 0);     /* truncated delta */
    CHECK_IDNA_FAIL("xn--99999999999.de", MP_SYNTAX_IDNA_INVALID, 0); /* overflow */
    CHECK_IDNA_FAIL("xn--bcher-kva-.de", MP_SYNTAX_IDNA_INVALID, 0);  /* '-' is no digit */
    CHECK_IDNA_FAIL("xn--bücher.de", MP_SYNTAX_IDNA_INVALID, 0);      /* non-ASCII */
    CHECK_IDNA_FAIL("xn--BCHER-KVA-.de", MP_SYNTAX_IDNA_INVALID, 0);
}

TEST(a_label_must_decode_to_a_valid_nfc_u_label)
{
    CHECK_IDNA_FAIL("xn--ls8h.la", MP_SYNTAX_IDNA_INVALID, 0);      /* emoji */
    CHECK_IDNA_FAIL("xn--uber-vwc.de", MP_SYNTAX_IDNA_INVALID, 0); /* u + U+0308: not NFC */
    CHECK_IDNA_FAIL("xn--ber-ska.de", MP_SYNTAX_IDNA_INVALID, 0);  /* "Über": upper case */
    CHECK_IDNA_FAIL("a.xn--a-ecp.ru", MP_SYNTAX_IDNA_INVALID, 2);   /* leading mark */
}

TEST(disallowed_code_points_are_rejected_where_they_are)
{
    CHECK_IDNA_FAIL("ab⒈c.de", MP_SYNTAX_IDNA_INVALID, 2);  /* STD3: maps to "1." */
    CHECK_IDNA_FAIL("x_y.bücher.de", MP_SYNTAX_LABEL_INVALID_CHAR, 1);
    CHECK_IDNA_FAIL("ü\xef\xbf\xbe.de", MP_SYNTAX_IDNA_INVALID, 2); /* noncharacter */
    CHECK_IDNA_FAIL("ü.\xf0\xaf\xa8\xa0", MP_SYNTAX_IDNA_INVALID, 3); /* unassigned */
    CHECK_IDNA_FAIL("ǅ\xee\x80\x80.com", MP_SYNTAX_IDNA_INVALID, 2); /* private use */
    /* Valid in UTS #46 but not in IDNA2008 (a symbol): caught after NFC. */
    CHECK_IDNA_FAIL("ab\xe2\x98\x83.de", MP_SYNTAX_IDNA_INVALID, 2);
    /* Old Hangul jamo alone are disallowed; composed by NFC they are fine. */
    CHECK_IDNA_FAIL("\xe1\x84\x92.kr", MP_SYNTAX_IDNA_INVALID, 0);
}

TEST(invalid_utf8_is_reported)
{
    CHECK_IDNA_FAIL("\xc3\x28.de", MP_SYNTAX_INVALID_UTF8, 0);
    CHECK_IDNA_FAIL("ü.\xe2\x82", MP_SYNTAX_INVALID_UTF8, 3);
}

TEST(label_mapped_to_nothing_is_rejected)
{
    CHECK_IDNA_FAIL("ü.\xc2\xad.de", MP_SYNTAX_IDNA_INVALID, 3); /* soft hyphen only */
    CHECK_IDNA("a\xc2\xad" "b.de", "ab.de", "ab.de");            /* ignored inside */
    /* An empty input label is the parser's (label_empty): passed through. */
    CHECK_IDNA("ü..de", "xn--tda..de", "ü..de");
}

TEST(emoji_and_symbols_are_disallowed_in_idna2008)
{
    CHECK_IDNA_FAIL("😀.com", MP_SYNTAX_IDNA_INVALID, 0);
    CHECK_IDNA_FAIL("i❤.ws", MP_SYNTAX_IDNA_INVALID, 1);
    CHECK_IDNA_FAIL("a.☃.net", MP_SYNTAX_IDNA_INVALID, 2);
}

TEST(leading_combining_mark_is_rejected)
{
    CHECK_IDNA_FAIL("\xcc\x88" "a.de", MP_SYNTAX_IDNA_INVALID, 0);
    CHECK_IDNA_FAIL("x.\xe0\xa4\x82" "a.in", MP_SYNTAX_IDNA_INVALID, 2); /* U+0902 */
}

TEST(hyphen_rules_apply_to_u_labels)
{
    CHECK_IDNA_FAIL("-ü.de", MP_SYNTAX_LABEL_HYPHEN, 0);
    CHECK_IDNA_FAIL("x.ü-.de", MP_SYNTAX_LABEL_HYPHEN, 4);
    CHECK_IDNA_FAIL("üa--b.de", MP_SYNTAX_LABEL_RESERVED_HYPHENS, 3);
    CHECK_IDNA("ü-a.de", "xn---a-wka.de", "ü-a.de");
}

TEST(contextj_zero_width_joiners)
{
    /* ZWJ after a virama (Gurmukhi) and ZWNJ after a virama (Devanagari). */
    CHECK_IDNA("ਕ੍\xe2\x80\x8dਕ.in", "xn--d9ba1oq07f.in", "ਕ੍\xe2\x80\x8dਕ.in");
    CHECK_IDNA("क्\xe2\x80\x8cष.in", "xn--11b2ezcs70k.in", "क्\xe2\x80\x8cष.in");
    /* ZWNJ between joining Arabic letters (Persian). */
    CHECK_IDNA("ناي\xe2\x80\x8cی.ir", "xn--mgb5dn43c532h.ir", "ناي\xe2\x80\x8cی.ir");
    /* Elsewhere they are rejected, pointing at the joiner. */
    CHECK_IDNA_FAIL("a\xe2\x80\x8d" "b.com", MP_SYNTAX_IDNA_INVALID, 1);
    CHECK_IDNA_FAIL("a\xe2\x80\x8c" "b.com", MP_SYNTAX_IDNA_INVALID, 1);
    CHECK_IDNA_FAIL("\xe2\x80\x8d" "ab.com", MP_SYNTAX_IDNA_INVALID, 0);
}

TEST(contexto_rules)
{
    CHECK_IDNA("col·lecció.cat", "xn--collecci-ioa91d.cat", "col·lecció.cat");
    CHECK_IDNA_FAIL("l·x.cat", MP_SYNTAX_IDNA_INVALID, 1);
    CHECK_IDNA_FAIL("\xcd\xb5" "a.gr", MP_SYNTAX_IDNA_INVALID, 0);   /* keraia, not Greek */
    CHECK_IDNA_FAIL("\xd7\xb3" "a.il", MP_SYNTAX_IDNA_INVALID, 0);   /* geresh first */
    CHECK_IDNA("ヲ・ン.jp", "xn--mekcx.jp", "ヲ・ン.jp");
    CHECK_IDNA_FAIL("・.jp", MP_SYNTAX_IDNA_INVALID, 0);
    CHECK_IDNA_FAIL("٠۰.com", MP_SYNTAX_IDNA_INVALID, 0);           /* mixed Arabic digits */
}

TEST(bidi_rule)
{
    CHECK_IDNA("مثال.إختبار", "xn--mgbh0fb.xn--kgbechtv", "مثال.إختبار");
    CHECK_IDNA("דוגמה.קום", "xn--6dbbec0c.xn--9dbq2a", "דוגמה.קום");
    /* In a domain with an RTL label every label must satisfy the rule:
     * "1" starts with a European digit (RFC 5893 rule 1). */
    CHECK_IDNA_FAIL("1.مثال", MP_SYNTAX_IDNA_INVALID, 0);
    /* RTL label mixing European and Arabic-Indic digits (rule 4). */
    CHECK_IDNA_FAIL("x.ا1٢.com", MP_SYNTAX_IDNA_INVALID, 2);
    /* RTL label ending with an LTR letter (rule 2). */
    CHECK_IDNA_FAIL("ابa.com", MP_SYNTAX_IDNA_INVALID, 0);
}

TEST(scripts_samples)
{
    CHECK_IDNA("παράδειγμα.δοκιμή", "xn--hxajbheg2az3al.xn--jxalpdlp", "παράδειγμα.δοκιμή");
    CHECK_IDNA("україна.укр", "xn--80aa2annq7l.xn--j1amh", "україна.укр");
    CHECK_IDNA("日本語.jp", "xn--wgv71a119e.jp", "日本語.jp");
    CHECK_IDNA("한국인터넷진흥원.한국", "xn--3e0bx5e6xzftae3gxzpskhile.xn--3e0b707e",
               "한국인터넷진흥원.한국");
    CHECK_IDNA("ไทย.ไทย", "xn--o3cw4h.xn--o3cw4h", "ไทย.ไทย");
    CHECK_IDNA("भारत.भारत", "xn--h2brj9c.xn--h2brj9c", "भारत.भारत");
}

TEST(long_labels_and_small_buffers)
{
    /* 300 x "ü": over the label work buffer -> too_long, at the label. */
    char in[700];
    size_t n = 0;
    memcpy(in, "a.", 2);
    n = 2;
    for (int i = 0; i < 300; i++) {
        memcpy(in + n, "ü", 2);
        n += 2;
    }
    in[n] = '\0';
    CHECK_IDNA_FAIL(in, MP_SYNTAX_TOO_LONG, 2);

    /* 60 x "ü" fits the buffers; the A-label (> 63) is the parser's to judge. */
    n = 0;
    for (int i = 0; i < 60; i++) {
        memcpy(in + n, "ü", 2);
        n += 2;
    }
    memcpy(in + n, ".de", 4);
    idna_out o = run(in);
    CHECK_EQ_INT(o.rc, MP_SYNTAX_OK);
    CHECK(strlen(o.ascii) > 63 + 3);

    /* Output that does not fit the caller's buffers. */
    char ascii[8], unicode[8];
    int bad;
    CHECK_EQ_INT(mp_idna_to_ascii("bücher.de", strlen("bücher.de"), ascii, sizeof ascii,
                                  unicode, sizeof unicode, &bad), MP_SYNTAX_TOO_LONG);
    CHECK_EQ_STR(ascii, "");
    CHECK_EQ_INT(mp_idna_to_ascii("example.com", 11, ascii, sizeof ascii, unicode,
                                  sizeof unicode, &bad), MP_SYNTAX_TOO_LONG);
    CHECK_EQ_INT(mp_idna_to_ascii("example", 7, ascii, sizeof ascii, unicode, sizeof unicode,
                                  &bad), MP_SYNTAX_OK);
    CHECK_EQ_STR(ascii, "example");
}

int main(void)
{
    RUN(ascii_fast_path_lowercases_only);
    RUN(u_label_becomes_punycode_a_label);
    RUN(uppercase_is_case_folded);
    RUN(fullwidth_maps_to_ascii);
    RUN(dot_variants_separate_labels);
    RUN(nontransitional_keeps_sharp_s_and_final_sigma);
    RUN(input_is_normalised_to_nfc);
    RUN(a_labels_are_decoded);
    RUN(a_label_round_trip_is_stable);
    RUN(bad_punycode_is_rejected);
    RUN(a_label_must_decode_to_a_valid_nfc_u_label);
    RUN(disallowed_code_points_are_rejected_where_they_are);
    RUN(invalid_utf8_is_reported);
    RUN(label_mapped_to_nothing_is_rejected);
    RUN(emoji_and_symbols_are_disallowed_in_idna2008);
    RUN(leading_combining_mark_is_rejected);
    RUN(hyphen_rules_apply_to_u_labels);
    RUN(contextj_zero_width_joiners);
    RUN(contexto_rules);
    RUN(bidi_rule);
    RUN(scripts_samples);
    RUN(long_labels_and_small_buffers);
    return test_report();
}
