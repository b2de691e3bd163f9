/* A tiny test harness that works natively and under Emscripten/node: no
 * allocation, no fork. Each program ends with "N passed, N failed" and exits
 * non-zero when anything failed.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ_INT(a, b); CHECK_EQ_STR(s, "x"); }
 *   int main(void) { RUN(name); return test_report(); }
 */
#ifndef MP_TEST_H
#define MP_TEST_H
#include <stdio.h>
#include <string.h>

static int test_passed_count, test_failed_count, test_current_failed;

#define TEST(name) static void name(void)

#define TEST_FAIL_(...) do { \
        test_current_failed = 1; \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
    } while (0)

#define CHECK(cond) do { if (!(cond)) TEST_FAIL_("CHECK(%s) failed", #cond); } while (0)

#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_); } while (0)

#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) \
            TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)

#define RUN(name) do { \
        test_current_failed = 0; \
        name(); \
        if (test_current_failed) { test_failed_count++; fprintf(stderr, "FAIL %s\n", #name); } \
        else { test_passed_count++; } \
    } while (0)

static inline int test_report(void)
{
    printf("%d passed, %d failed\n", test_passed_count, test_failed_count);
    return test_failed_count ? 1 : 0;
}
#endif
