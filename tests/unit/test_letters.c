/* mp_is_letter_mark_digit (varint steps and a block index) against the
 * plain ranges of core/data/letters.txt, for every code point: the compact
 * form must not change one answer.
 * ctest-labels: unit
 */
#include "letters.h"
#include "letters_pairs.h"
#include "test.h"

static bool in_pairs(uint32_t cp)
{
    size_t lo = 0, hi = sizeof letter_pairs / sizeof letter_pairs[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < letter_pairs[mid][0]) hi = mid;
        else if (cp > letter_pairs[mid][1]) lo = mid + 1;
        else return true;
    }
    return false;
}

TEST(every_code_point_agrees_with_the_plain_ranges)
{
    unsigned long differ = 0, letters = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        bool want = in_pairs(cp);
        letters += want;
        if (mp_is_letter_mark_digit(cp) != want && differ++ < 5)
            TEST_FAIL_("U+%04X: want %d", (unsigned)cp, want);
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(letters > 130000); /* the tables really hold the letters */
    CHECK_EQ_INT(mp_letter_range_count, sizeof letter_pairs / sizeof letter_pairs[0]);
}

TEST(the_edges_of_the_table)
{
    CHECK(!mp_is_letter_mark_digit(0));
    CHECK(!mp_is_letter_mark_digit(0xA9));
    CHECK(mp_is_letter_mark_digit(0xAA));   /* the first range */
    CHECK(mp_is_letter_mark_digit(0xE9));   /* é */
    CHECK(mp_is_letter_mark_digit(0x65E5)); /* 日 */
    CHECK(mp_is_letter_mark_digit(0xE01EF)); /* the last code point of the last range */
    CHECK(!mp_is_letter_mark_digit(0xE01F0));
    CHECK(!mp_is_letter_mark_digit(0x10FFFF));
    CHECK(!mp_is_letter_mark_digit(0xFFFFFFFFu));
}

int main(void)
{
    RUN(every_code_point_agrees_with_the_plain_ranges);
    RUN(the_edges_of_the_table);
    return test_report();
}
