/* The retry schedule of a job's temporary answers (retry_schedule.h): what
 * is temporary, when the next attempt is, when the last answer is final,
 * and the option's syntax.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdint.h>
#include <string.h>

#include "retry_schedule.h"
#include "test.h"

TEST(default_schedule_waits_5_15_and_45_minutes)
{
    mp_retry_schedule s;
    mp_retry_schedule_default(&s);
    CHECK_EQ_INT(s.steps, 3);
    CHECK_EQ_INT(s.wait_ms[0], 300000);
    CHECK_EQ_INT(s.wait_ms[1], 900000);
    CHECK_EQ_INT(s.wait_ms[2], 2700000);
    char text[MP_RETRY_TEXT_MAX];
    mp_retry_schedule_format(&s, text, sizeof text);
    CHECK_EQ_STR(text, "5m,15m,45m");
}

TEST(each_wait_follows_the_previous_attempt_until_the_schedule_is_used_up)
{
    mp_retry_schedule s;
    mp_retry_schedule_default(&s);
    int64_t at = 0;
    CHECK(mp_retry_next(&s, 1, 1000, &at));
    CHECK_EQ_INT(at, 1300);
    CHECK(mp_retry_next(&s, 2, 1300, &at));
    CHECK_EQ_INT(at, 2200);
    CHECK(mp_retry_next(&s, 3, 2200, &at));
    CHECK_EQ_INT(at, 4900);
    at = 42;
    CHECK(!mp_retry_next(&s, 4, 4900, &at)); /* the fourth answer is final */
    CHECK_EQ_INT(at, 42);
    CHECK(!mp_retry_next(&s, 0, 0, &at));
}

TEST(temporary_answers_are_the_unknowns_worth_asking_again)
{
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_GREYLISTED));
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_TEMPORARY_FAILURE));
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_TIMEOUT));
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_CONNECTION_FAILED));
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_DNS_ERROR));
    CHECK(mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_DNS_UNTRUSTED));
    CHECK(!mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_BLOCKED));        /* policy: asking again changes nothing */
    CHECK(!mp_retry_is_temporary(MP_STATUS_UNKNOWN, MP_REASON_PROTOCOL_ERROR));
    CHECK(!mp_retry_is_temporary(MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_NOT_FOUND));
    CHECK(!mp_retry_is_temporary(MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED));
    CHECK(!mp_retry_is_temporary(MP_STATUS_RISKY, MP_REASON_CATCH_ALL));
}

TEST(schedule_accepts_units_and_spaces)
{
    mp_retry_schedule s;
    char why[200] = "";
    CHECK(mp_retry_schedule_parse("4s, 8s,1.5m", &s, why, sizeof why));
    CHECK_EQ_INT(s.steps, 3);
    CHECK_EQ_INT(s.wait_ms[0], 4000);
    CHECK_EQ_INT(s.wait_ms[2], 90000);
    CHECK(mp_retry_schedule_parse("30", &s, why, sizeof why)); /* a bare number is seconds */
    CHECK_EQ_INT(s.steps, 1);
    CHECK_EQ_INT(s.wait_ms[0], 30000);
    CHECK(mp_retry_schedule_parse("2h,1d", &s, why, sizeof why));
    CHECK_EQ_INT(s.wait_ms[1], 86400000);
    int64_t at;
    CHECK(mp_retry_schedule_parse("1500ms", &s, why, sizeof why));
    CHECK(mp_retry_next(&s, 1, 100, &at));
    CHECK_EQ_INT(at, 102); /* rounded up to whole seconds */
}

TEST(off_means_every_answer_is_final)
{
    static const char *const offs[] = {"off", "0", "none"};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        mp_retry_schedule s;
        mp_retry_schedule_default(&s);
        char why[200], text[MP_RETRY_TEXT_MAX];
        int64_t at;
        CHECK(mp_retry_schedule_parse(offs[i], &s, why, sizeof why));
        CHECK_EQ_INT(s.steps, 0);
        CHECK(!mp_retry_next(&s, 1, 0, &at));
        mp_retry_schedule_format(&s, text, sizeof text);
        CHECK_EQ_STR(text, "off");
    }
}

TEST(bad_schedules_are_refused_and_change_nothing)
{
    static const char *const bad[] = {"", "5m,,15m", "5m,", "fast", "500ms", "8d", "-5s", "5x",
                                      "1s,1s,1s,1s,1s,1s,1s,1s,1s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp_retry_schedule s;
        mp_retry_schedule_default(&s);
        char why[200] = "";
        CHECK(!mp_retry_schedule_parse(bad[i], &s, why, sizeof why));
        CHECK(why[0] != '\0');
        CHECK_EQ_INT(s.steps, 3); /* untouched */
    }
    char why[200] = "";
    mp_retry_schedule s;
    CHECK(!mp_retry_schedule_parse("500ms", &s, why, sizeof why));
    CHECK(strstr(why, "retry schedule") != NULL);
}

TEST(eight_waits_is_the_bound)
{
    mp_retry_schedule s;
    char why[200] = "", text[MP_RETRY_TEXT_MAX];
    CHECK(mp_retry_schedule_parse("7d,7d,7d,7d,7d,7d,7d,7d", &s, why, sizeof why));
    CHECK_EQ_INT(s.steps, MP_RETRY_STEPS_MAX);
    mp_retry_schedule_format(&s, text, sizeof text);
    CHECK_EQ_STR(text, "7d,7d,7d,7d,7d,7d,7d,7d");
}

int main(void)
{
    RUN(default_schedule_waits_5_15_and_45_minutes);
    RUN(each_wait_follows_the_previous_attempt_until_the_schedule_is_used_up);
    RUN(temporary_answers_are_the_unknowns_worth_asking_again);
    RUN(schedule_accepts_units_and_spaces);
    RUN(off_means_every_answer_is_final);
    RUN(bad_schedules_are_refused_and_change_nothing);
    RUN(eight_waits_is_the_bound);
    return test_report();
}
