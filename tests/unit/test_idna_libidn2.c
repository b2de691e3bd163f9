/* Differential test: the core's IDNA against libidn2 (native only), over
 * tests/data/idn-domains.txt. Both must accept or reject each domain alike
 * and, when they accept, give the same A-label and U-label forms. The few
 * deliberate differences are listed below with their reason; each must still
 * be a difference, so the list cannot go stale silently.
 * ctest-labels: unit native
 * ctest-links: mpcore (test_idna_libidn2.cmake adds libidn2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <idn2.h>
#include "idna.h"
#include "test.h"
#include "utf8.h"

/* libidn2 in the profile closest to ours: UTS #46 non-transitional with STD3
 * ASCII rules, NFC on input. */
static const int IDN2_FLAGS = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES;

typedef struct known_difference {
    const char *domain;
    const char *reason;
} known_difference;

static const known_difference KNOWN_DIFFERENCES[] = {
    /* libidn2 2.3.3 with IDN2_USE_STD3_ASCII_RULES drops disallowed_STD3_valid
     * code points ("x_y" becomes "xy") instead of failing: UTS #46 §4.1 says
     * they are errors, and a silently changed domain is a different domain. */
    {"x_y.bücher.de", "libidn2 drops '_' (STD3) instead of rejecting it"},
    {"ü_ü.de", "libidn2 drops '_' (STD3) instead of rejecting it"},
    /* RFC 5892 appendix A.3-A.9 CONTEXTO rules: libidn2 does not check them
     * on lookup. We do: such a label cannot be registered (RFC 5891 §4.2.3.3),
     * so an address using it cannot exist. */
    {"l·x.cat", "CONTEXTO: middle dot only between two l"},
    {"·l.cat", "CONTEXTO: middle dot only between two l"},
    {"͵a.gr", "CONTEXTO: Greek keraia must precede Greek"},
    {"・.jp", "CONTEXTO: katakana middle dot needs Hiragana, Katakana or Han"},
    /* RFC 5893 §2 / UTS #46 CheckBidi: in a domain with an RTL label the Bidi
     * rule applies to every label; libidn2 only checks labels that are RTL
     * themselves. "1" starts with a European digit (rule 1). */
    {"1.مثال", "Bidi rule applies to all labels of a bidi domain"},
};
enum { KNOWN_COUNT = sizeof KNOWN_DIFFERENCES / sizeof KNOWN_DIFFERENCES[0] };

static const char *known_reason(const char *domain)
{
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        if (strcmp(KNOWN_DIFFERENCES[i].domain, domain) == 0)
            return KNOWN_DIFFERENCES[i].reason;
    return NULL;
}

typedef struct mine {
    mp_syntax_code rc;
    char ascii[MP_DOMAIN_MAX + 64];
    char unicode[MP_UNICODE_DOMAIN_MAX + 1];
} mine;

static mine run_mine(const char *in)
{
    mine m;
    int bad;
    m.rc = mp_idna_to_ascii(in, strlen(in), m.ascii, sizeof m.ascii, m.unicode,
                            sizeof m.unicode, &bad);
    return m;
}

/* True when both implementations agree on `domain`; prints the difference. */
static int compare_one(const char *domain, int *accepted)
{
    mine m = run_mine(domain);
    char *l_ascii = NULL, *l_unicode = NULL;
    int lrc = idn2_to_ascii_8z(domain, &l_ascii, IDN2_FLAGS);
    int same;
    if (lrc != IDN2_OK || m.rc != MP_SYNTAX_OK) {
        same = (lrc != IDN2_OK) == (m.rc != MP_SYNTAX_OK);
    } else {
        int urc = idn2_to_unicode_8z8z(l_ascii, &l_unicode, 0);
        same = urc == IDN2_OK && strcmp(m.ascii, l_ascii) == 0 &&
               strcmp(m.unicode, l_unicode) == 0;
        (*accepted)++;
    }
    if (!same && !known_reason(domain))
        fprintf(stderr, "  differs: %s: mailprobe %s \"%s\" \"%s\", libidn2 %s \"%s\" \"%s\"\n",
                domain, mp_syntax_code_name(m.rc), m.ascii, m.unicode,
                idn2_strerror_name(lrc), l_ascii ? l_ascii : "", l_unicode ? l_unicode : "");
    idn2_free(l_ascii);
    idn2_free(l_unicode);
    return same;
}

TEST(agrees_with_libidn2_on_the_domain_list)
{
    FILE *f = fopen(MP_TEST_DATA_DIR "/idn-domains.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1024];
    int total = 0, accepted = 0, differ = 0, known_seen = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        total++;
        int same = compare_one(line, &accepted);
        const char *reason = known_reason(line);
        if (reason) {
            known_seen++;
            if (same)
                TEST_FAIL_("%s is listed as a known difference (%s) but agrees now", line, reason);
        } else if (!same) {
            differ++;
        }
    }
    fclose(f);
    printf("idn-domains.txt: %d domains, %d accepted by both, %d known differences\n",
           total, accepted, known_seen);
    CHECK(total >= 150);
    CHECK(accepted >= 150);
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(known_seen, KNOWN_COUNT);
}

/* Every accepted domain's A-label form goes back to the same forms. */
TEST(output_round_trips_through_the_a_label)
{
    FILE *f = fopen(MP_TEST_DATA_DIR "/idn-domains.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1024];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        mine first = run_mine(line);
        if (first.rc != MP_SYNTAX_OK)
            continue;
        mine again = run_mine(first.ascii);
        mine from_u = run_mine(first.unicode);
        CHECK_EQ_INT(again.rc, MP_SYNTAX_OK);
        CHECK_EQ_STR(again.ascii, first.ascii);
        CHECK_EQ_STR(again.unicode, first.unicode);
        CHECK_EQ_STR(from_u.ascii, first.ascii);
        checked++;
    }
    fclose(f);
    CHECK(checked >= 150);
}

/* The CONTEXTO code points (and those mapping to one) that libidn2 lets
 * through on lookup; see KNOWN_DIFFERENCES. */
static int is_contexto_related(uint32_t cp)
{
    return cp == 0x00B7 || cp == 0x0387 || cp == 0x013F || cp == 0x0140 || cp == 0x0375 ||
           cp == 0x30FB || cp == 0xFF65;
}

/* "a<cp>b.com" for every code point. Differences fall in three documented
 * kinds and nothing else:
 *   - Unicode version skew: libidn2 2.3.3's IDNA2008 tables stop at Unicode
 *     12.1 (it answers UNASSIGNED for 13.0 and 14.0 additions, DISALLOWED for
 *     15.0 ones); ours are 15.0. We accept, it rejects.
 *   - STD3: where UTS #46 says disallowed_STD3_mapped/valid (U+00A0 maps to a
 *     space...), libidn2 drops the code point and answers "ab.com".
 *   - CONTEXTO, as above. */
TEST(every_code_point_against_libidn2)
{
    int skew = 0, std3 = 0, contexto = 0, unexplained = 0, same = 0;
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char in[16] = "a";
        unsigned char u[4];
        size_t k = mp_utf8_encode(cp, u);
        memcpy(in + 1, u, k);
        memcpy(in + 1 + k, "b.com", 6);
        mine m = run_mine(in);
        char *l_ascii = NULL;
        int lrc = idn2_to_ascii_8z(in, &l_ascii, IDN2_FLAGS);
        if ((m.rc == MP_SYNTAX_OK) == (lrc == IDN2_OK) &&
            (lrc != IDN2_OK || strcmp(m.ascii, l_ascii) == 0))
            same++;
        else if (m.rc == MP_SYNTAX_OK && (lrc == IDN2_UNASSIGNED || lrc == IDN2_DISALLOWED))
            skew++;
        else if (m.rc != MP_SYNTAX_OK && lrc == IDN2_OK && strcmp(l_ascii, "ab.com") == 0)
            std3++;
        else if (m.rc != MP_SYNTAX_OK && is_contexto_related(cp))
            contexto++;
        else {
            if (unexplained++ < 20)
                fprintf(stderr, "  U+%04X: mailprobe %s \"%s\", libidn2 %s \"%s\"\n",
                        (unsigned)cp, mp_syntax_code_name(m.rc), m.ascii,
                        idn2_strerror_name(lrc), l_ascii ? l_ascii : "");
        }
        idn2_free(l_ascii);
    }
    printf("every code point: %d agree, %d Unicode skew, %d STD3, %d CONTEXTO\n",
           same, skew, std3, contexto);
    CHECK_EQ_INT(unexplained, 0);
    CHECK(same > 1000000);
    /* Bounded: the 13.0-15.0 additions are about 11,000 code points. */
    CHECK(skew < 12000);
    CHECK(std3 < 400);
    CHECK_EQ_INT(contexto, 7);
}

/* Seeded random domains built from code points that exercise mapping, NFC
 * composition and reordering, joiners, final sigma, Bidi and A-label
 * decoding, compared with libidn2. Allowed differences: hyphen rules on
 * ASCII labels (left to the parser, as on the fast path; libidn2 applies
 * CheckHyphens), our rejections of domains with RTL characters (the
 * whole-domain Bidi rule and the Arabic-digit CONTEXTO rule, see above), and
 * of labels that the mapping empties (libidn2 returns an empty label). */
TEST(random_domains_against_libidn2)
{
    static const uint32_t alphabet[] = {
        'a', 'z', 'A', 'Z', 'x', 'n', '-', '.', '0', '9', 0x00DF, 0x1E9E, 0x03C2, 0x03A3,
        0x200C, 0x200D, 0x094D, 0x0915, 0x0937, 0x0627, 0x0628, 0x0644, 0x0661, 0x06F1,
        0x0670, 0x064B, 0x05D0, 0x05D1, 0x03B1, 0x0300, 0x0301, 0x0308, 0x0323, 0x1100,
        0x1161, 0x11A8, 0xAC00, 0x3002, 0xFF0E, 0xFF21, 0x00C5, 0x212B, 0x0130, 0x1D400,
        0x10400, 0x10428, 0xFB01, 0x2160, 0x00AD};
    uint64_t state = 0x9E3779B97F4A7C15u;
    int compared = 0, unexplained = 0, accepted = 0;
    for (int it = 0; it < 200000; it++) {
        char in[64];
        size_t len = 0;
        int count = 1 + (int)(state % 8);
        for (int i = 0; i < count; i++) {
            state ^= state << 13; /* xorshift64 */
            state ^= state >> 7;
            state ^= state << 17;
            unsigned char u[4];
            size_t k = mp_utf8_encode(alphabet[state % (sizeof alphabet / sizeof alphabet[0])], u);
            memcpy(in + len, u, k);
            len += k;
        }
        memcpy(in + len, ".com", 5);
        mine m = run_mine(in);
        char *l_ascii = NULL;
        int lrc = idn2_to_ascii_8z(in, &l_ascii, IDN2_FLAGS);
        compared++;
        int same = (m.rc == MP_SYNTAX_OK) == (lrc == IDN2_OK) &&
                   (lrc != IDN2_OK || strcmp(m.ascii, l_ascii) == 0);
        int has_rtl = 0;
        for (size_t q = 0; q < len; q++) /* lead octets of U+05C0..U+06FF */
            has_rtl |= (unsigned char)in[q] >= 0xD7 && (unsigned char)in[q] <= 0xDB;
        accepted += m.rc == MP_SYNTAX_OK;
        /* A label of ignorables only (soft hyphen): libidn2 leaves an empty
         * label for the parser to reject, we reject it here. */
        int l_empty_label = lrc == IDN2_OK && (l_ascii[0] == '.' || strstr(l_ascii, ".."));
        if (!same && lrc != IDN2_HYPHEN_STARTEND && lrc != IDN2_2HYPHEN &&
            !(m.rc != MP_SYNTAX_OK && lrc == IDN2_OK && (has_rtl || l_empty_label))) {
            if (unexplained++ < 20)
                fprintf(stderr, "  %s: mailprobe %s \"%s\", libidn2 %s \"%s\"\n", in,
                        mp_syntax_code_name(m.rc), m.ascii, idn2_strerror_name(lrc),
                        l_ascii ? l_ascii : "");
        }
        idn2_free(l_ascii);
    }
    printf("random domains: %d compared, %d accepted\n", compared, accepted);
    CHECK_EQ_INT(unexplained, 0);
    CHECK(accepted > compared / 10);
}

int main(void)
{
    RUN(agrees_with_libidn2_on_the_domain_list);
    RUN(output_round_trips_through_the_a_label);
    RUN(every_code_point_against_libidn2);
    RUN(random_domains_against_libidn2);
    return test_report();
}
