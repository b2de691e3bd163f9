/* The SMTP transcript's bounds (transcript.h): lines, octets, line length,
 * control octets.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <stdlib.h>
#include "test.h"
#include "transcript.h"

TEST(lines_keep_their_prefix_and_lose_their_line_end)
{
    mp_transcript t = {0};
    const char *const *lines;
    CHECK_EQ_INT(mp_transcript_lines(&t, &lines), 0);
    mp_transcript_add(&t, "S: ", "220 mx ready\r\n", 14);
    mp_transcript_add(&t, "C: ", "QUIT", 4);
    CHECK_EQ_INT(mp_transcript_lines(&t, &lines), 2);
    CHECK_EQ_STR(lines[0], "S: 220 mx ready");
    CHECK_EQ_STR(lines[1], "C: QUIT");
    mp_transcript_free(&t);
    CHECK_EQ_INT(mp_transcript_lines(&t, &lines), 0);
}

TEST(control_octets_become_question_marks)
{
    mp_transcript t = {0};
    const char *const *lines;
    mp_transcript_add(&t, "S: ", "250 a\033[2Jb\x7f", 11);
    mp_transcript_lines(&t, &lines);
    CHECK_EQ_STR(lines[0], "S: 250 a?[2Jb?");
    mp_transcript_free(&t);
}

TEST(long_lines_are_cut_and_marked)
{
    mp_transcript t = {0};
    const char *const *lines;
    char big[MP_TRANSCRIPT_LINE_MAX + 50];
    memset(big, 'x', sizeof big);
    mp_transcript_add(&t, "S: ", big, sizeof big);
    mp_transcript_lines(&t, &lines);
    CHECK_EQ_INT(strlen(lines[0]), 3 + MP_TRANSCRIPT_LINE_MAX + 3);
    CHECK(!strcmp(lines[0] + strlen(lines[0]) - 3, "..."));
    CHECK(!t.truncated);
    mp_transcript_free(&t);
}

TEST(line_count_is_bounded)
{
    mp_transcript t = {0};
    const char *const *lines;
    for (int i = 0; i < MP_TRANSCRIPT_LINES_MAX + 10; i++)
        mp_transcript_add(&t, "C: ", "RCPT TO:<a@b>", 13);
    CHECK_EQ_INT(mp_transcript_lines(&t, &lines), MP_TRANSCRIPT_LINES_MAX);
    CHECK(t.truncated);
    mp_transcript_free(&t);
}

TEST(octet_count_is_bounded)
{
    mp_transcript t = {0};
    const char *const *lines;
    char line[MP_TRANSCRIPT_LINE_MAX];
    memset(line, 'y', sizeof line);
    for (int i = 0; i < MP_TRANSCRIPT_LINES_MAX; i++)
        mp_transcript_add(&t, "S: ", line, sizeof line);
    size_t n = mp_transcript_lines(&t, &lines);
    CHECK(n < MP_TRANSCRIPT_LINES_MAX);
    CHECK(t.bytes < MP_TRANSCRIPT_BYTES_MAX + MP_TRANSCRIPT_LINE_MAX + 8);
    CHECK(t.truncated);
    mp_transcript_free(&t);
}

int main(void)
{
    RUN(lines_keep_their_prefix_and_lose_their_line_end);
    RUN(control_octets_become_question_marks);
    RUN(long_lines_are_cut_and_marked);
    RUN(line_count_is_bounded);
    RUN(octet_count_is_bounded);
    return test_report();
}
