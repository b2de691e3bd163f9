/* The test corpus: every line of every tests/data/corpus*.tsv goes through
 * mp_check() with the default options and policy, and every column must
 * match. Each mismatch is printed with its file, line and column; a summary
 * counts mismatches per column, so a failing list or verdict is told apart
 * from a failing parser at a glance.
 *
 * Format (tab-separated, header line first, '#' comments and blank lines
 * ignored): email valid syntax_reason status reason disposable role free
 * suggestion. In the email column \t \r \n \0 and \\ stand for TAB, CR, LF,
 * NUL and a backslash.
 * ctest-labels: unit
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef __EMSCRIPTEN__
#include <dirent.h>
#endif

#include "mailprobe/core.h"
#include "test.h"
#include "same_result.h"

#ifndef MP_TEST_DATA_DIR
#define MP_TEST_DATA_DIR "tests/data"
#endif

#ifdef __EMSCRIPTEN__
TEST(every_corpus_line_matches_mp_check)
{
    /* The wasm test build has no file system (FILESYSTEM=0). */
    printf("test_corpus: skipped under Emscripten (no file system)\n");
}
#else
enum { COL_EMAIL, COL_VALID, COL_SYNTAX, COL_STATUS, COL_REASON, COL_DISPOSABLE, COL_ROLE,
       COL_FREE, COL_SUGGESTION, COL_COUNT };

static const char *const column_names[COL_COUNT] = {
    "email", "valid", "syntax_reason", "status", "reason", "disposable", "role", "free", "suggestion",
};

static int mismatches[COL_COUNT];
static int lines_checked;
static mp_result result; /* ~3 KiB: kept off the stack */

/* mp_check_memo() must answer exactly as mp_check(): every corpus line is
 * also checked under each of the 8 option sets through a memo per set,
 * which the whole corpus shares (so most domains are recalled, and the
 * positions of domain errors are recalled behind local parts of other
 * lengths), twice. */
enum { OPTION_SETS = 8, MEMO_PASSES = 2 };
static mp_domain_memo memos[OPTION_SETS];
static mp_result plain, memoized;
static int memo_mismatches;

static const char *shown(const char *s, size_t n);

static void check_memo(const char *file, int line, const char *email, size_t len)
{
    for (unsigned flags = 0; flags < OPTION_SETS; flags++) {
        mp_options opts = { .flags = flags };
        mp_check(email, len, &opts, NULL, &plain);
        for (int pass = 0; pass < MEMO_PASSES; pass++) {
            mp_check_memo(email, len, &opts, NULL, &memos[flags], &memoized);
            if (!same_result(&plain, &memoized)) {
                memo_mismatches++;
                test_current_failed = 1;
                fprintf(stderr, "  %s:%d: \"%s\": mp_check_memo (flags %u, pass %d) differs from mp_check\n",
                        file, line, shown(email, len), flags, pass + 1);
            }
        }
    }
}

/* Decodes the escapes of the email column in place; returns the length. */
static size_t unescape(char *s)
{
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\\' && s[i + 1]) {
            char c = s[++i];
            s[k++] = c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c == '0' ? '\0' : c;
        } else {
            s[k++] = s[i];
        }
    }
    s[k] = '\0';
    return k;
}

/* The email column printed back with its escapes, for messages. */
static const char *shown(const char *s, size_t n)
{
    static char buf[4200];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 6 < sizeof buf; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') { buf[k++] = '\\'; buf[k++] = '\\'; }
        else if (c == '\t') { buf[k++] = '\\'; buf[k++] = 't'; }
        else if (c == '\r') { buf[k++] = '\\'; buf[k++] = 'r'; }
        else if (c == '\n') { buf[k++] = '\\'; buf[k++] = 'n'; }
        else if (c == '\0') { buf[k++] = '\\'; buf[k++] = '0'; }
        else if (c < 0x20 || c == 0x7F) k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02X", c);
        else buf[k++] = (char)c;
    }
    if (k > 120) memcpy(buf + 117, "...", 4), k = 120;
    buf[k] = '\0';
    return buf;
}

static void compare(const char *file, int line, const char *email, size_t len, int col,
                    const char *want, const char *got)
{
    if (strcmp(want, got) == 0) return;
    mismatches[col]++;
    test_current_failed = 1;
    fprintf(stderr, "  %s:%d: \"%s\": %s: want %s, got %s\n", file, line, shown(email, len),
            column_names[col], want, got);
}

/* Checks one data line (already split into COL_COUNT fields). */
static void check_line(const char *file, int line, char **col)
{
    size_t len = unescape(col[COL_EMAIL]);
    const char *email = col[COL_EMAIL];
    mp_check(email, len, NULL, NULL, &result);
    const mp_syntax *s = &result.syntax;
    lines_checked++;

    compare(file, line, email, len, COL_VALID, col[COL_VALID], s->valid ? "1" : "0");
    compare(file, line, email, len, COL_SYNTAX, col[COL_SYNTAX],
            s->valid ? "-" : mp_syntax_code_name(s->code));
    compare(file, line, email, len, COL_STATUS, col[COL_STATUS], mp_status_name(result.status));
    compare(file, line, email, len, COL_REASON, col[COL_REASON], mp_reason_name(result.reason));
    compare(file, line, email, len, COL_DISPOSABLE, col[COL_DISPOSABLE], result.disposable ? "1" : "0");
    compare(file, line, email, len, COL_ROLE, col[COL_ROLE], result.role ? "1" : "0");
    compare(file, line, email, len, COL_FREE, col[COL_FREE], result.free ? "1" : "0");
    compare(file, line, email, len, COL_SUGGESTION, col[COL_SUGGESTION],
            result.has_suggestion ? result.suggestion : "-");
    check_memo(file, line, email, len);
}

/* Reads one corpus file; returns the number of data lines, -1 on a
 * malformed file (reported). */
static int check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        TEST_FAIL_("cannot open %s", path);
        return -1;
    }
    static char buf[16384];
    int line = 0, data = 0;
    bool header_seen = false;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        size_t n = strlen(buf);
        if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
            TEST_FAIL_("%s:%d: line too long", path, line);
            break;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
        if (n == 0 || buf[0] == '#') continue;
        if (!header_seen) {
            header_seen = true;
            if (strncmp(buf, "email\tvalid\t", 12) != 0) TEST_FAIL_("%s:%d: missing header", path, line);
            continue;
        }
        char *col[COL_COUNT];
        int k = 0;
        char *p = buf;
        col[k++] = p;
        for (; *p; p++)
            if (*p == '\t') {
                *p = '\0';
                if (k == COL_COUNT) { k++; break; }
                col[k++] = p + 1;
            }
        if (k != COL_COUNT) {
            TEST_FAIL_("%s:%d: %d columns, want %d", path, line, k, COL_COUNT);
            continue;
        }
        check_line(path, line, col);
        data++;
    }
    fclose(f);
    return data;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

TEST(every_corpus_line_matches_mp_check)
{
    DIR *dir = opendir(MP_TEST_DATA_DIR);
    if (!dir) {
        TEST_FAIL_("cannot open %s", MP_TEST_DATA_DIR);
        return;
    }
    static char names[64][256];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < 64) {
        size_t n = strlen(e->d_name);
        if (n >= 10 && n < 256 && strncmp(e->d_name, "corpus", 6) == 0 &&
            strcmp(e->d_name + n - 4, ".tsv") == 0)
            memcpy(names[count++], e->d_name, n + 1);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], by_name);
    CHECK(count >= 1);

    for (int i = 0; i < OPTION_SETS; i++) mp_domain_memo_init(&memos[i]);
    int total = 0;
    for (size_t i = 0; i < count; i++) {
        char path[sizeof MP_TEST_DATA_DIR + 256];
        snprintf(path, sizeof path, "%s/%.255s", MP_TEST_DATA_DIR, names[i]);
        int n = check_file(path);
        if (n > 0) total += n;
        printf("%s: %d lines\n", names[i], n);
    }
    CHECK(total >= 300);
    size_t hits = 0, misses = 0;
    for (int i = 0; i < OPTION_SETS; i++) {
        hits += memos[i].hits;
        misses += memos[i].misses;
    }
    printf("mp_check_memo: %d mismatches; memo hits %zu, misses %zu\n", memo_mismatches, hits, misses);
    CHECK(hits > misses); /* the comparison really exercised recall */
    printf("%d lines checked; mismatches by column:", lines_checked);
    for (int c = COL_VALID; c < COL_COUNT; c++) printf(" %s=%d", column_names[c], mismatches[c]);
    printf("\n");
}
#endif

int main(void)
{
    RUN(every_corpus_line_matches_mp_check);
    return test_report();
}
