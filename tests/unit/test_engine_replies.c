/* The corpus of real provider replies, tests/data/smtp-replies.tsv, through
 * the classification alone: each row's wire lines go through the reply
 * reader (parse_smtp_reply), mp_smtp_classify and mp_verdict, and its MX host
 * through the provider table; status, reason, smtp.result and provider must
 * be the row's. The same rows go through the real session in
 * tests/integration/test_replies.py. The last line counts rows, rows as
 * expected and false undeliverables (a row that must not be undeliverable
 * but is), which must be 0.
 *
 * Besides the expected verdicts the corpus itself is checked: a row about a
 * block, throttle, policy, relay, sender or greylisting must never expect
 * "undeliverable".
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailprobe/core.h"
#include "provider.h"
#include "smtp_reply.h"
#include "test.h"

#ifndef MP_TEST_DATA_DIR
#define MP_TEST_DATA_DIR "tests/data"
#endif

enum { COL_ID, COL_PROVIDER, COL_MX, COL_STAGE, COL_KIND, COL_CATEGORY, COL_REPLY, COL_STATUS,
       COL_REASON, COL_RESULT, COL_SOURCE, COL_NOTE, COL_COUNT };

static const char *const column_names[COL_COUNT] = {
    "id", "provider", "mx_host", "stage", "kind", "category", "reply", "status", "reason",
    "smtp_result", "source", "note",
};

/* The address the unit test puts where a reply echoes the recipient. */
static const char rcpt_stand_in[] = "someone@example.com";

static int rows, as_expected, false_undeliverable;

/* Splits `line` at tabs in place; returns the number of fields. */
static int split_tabs(char *line, char **fields, int max)
{
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

/* The wire form of a reply column: "\n" between lines becomes CRLF, every
 * line ends in CRLF, {rcpt} becomes rcpt_stand_in. Returns the length, or 0
 * when it does not fit. */
static size_t wire_form(const char *reply, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = reply; *p;) {
        const char *piece = p;
        size_t len = 1;
        if (!strncmp(p, "\\n", 2)) {
            piece = "\r\n";
            len = 2;
            p += 2;
        } else if (!strncmp(p, "{rcpt}", 6)) {
            piece = rcpt_stand_in;
            len = strlen(rcpt_stand_in);
            p += 6;
        } else {
            p++;
        }
        if (n + len + 2 >= cap)
            return 0;
        memcpy(out + n, piece, len);
        n += len;
    }
    memcpy(out + n, "\r\n", 2);
    return n + 2;
}

static bool may_be_undeliverable(const char *category)
{
    return !strcmp(category, "not_found") || !strcmp(category, "disabled") || !strcmp(category, "bare");
}

static void check_row(const char *file, int lineno, char **f)
{
    static char wire[MP_REPLY_MAX];
    static mp_smtp_reply reply;
    static mp_result r;
    rows++;
    size_t len = wire_form(f[COL_REPLY], wire, sizeof wire);
    if (!len) {
        TEST_FAIL_("%s:%d %s: reply too long", file, lineno, f[COL_ID]);
        return;
    }
    mp_reply_status st = parse_smtp_reply(wire, len, &reply);
    if (st != MP_REPLY_COMPLETE || reply.leftover != 0) {
        TEST_FAIL_("%s:%d %s: the reply reader says %s (leftover %zu)", file, lineno, f[COL_ID],
                   mp_reply_status_name(st), reply.leftover);
        return;
    }
    const mp_provider *prov = mp_provider_from_mx(f[COL_MX], strlen(f[COL_MX]));
    const char *prov_name = prov ? prov->name : "-";

    mp_smtp_result sr;
    mp_reason why = mp_smtp_classify(reply.code, reply.enhanced, reply.text, &sr);
    memset(&r, 0, sizeof r);
    r.syntax.valid = true;
    mp_evidence ev;
    memset(&ev, 0, sizeof ev);
    ev.dns = MP_DNS_OK;
    ev.smtp = sr;
    ev.smtp_reason = why;
    ev.catch_all = MP_NO; /* as in the fixture: a random local part is refused */
    ev.accept_all_provider = prov && prov->accepts_all;
    mp_verdict(&r, &ev, NULL);

    bool ok = !strcmp(mp_status_name(r.status), f[COL_STATUS]) &&
              !strcmp(mp_reason_name(r.reason), f[COL_REASON]) &&
              !strcmp(mp_smtp_result_name(r.evidence.smtp), f[COL_RESULT]) &&
              !strcmp(prov_name, f[COL_PROVIDER]);
    if (ok) {
        as_expected++;
    } else {
        TEST_FAIL_("%s:%d %s: want %s/%s/%s provider %s, got %s/%s/%s provider %s\n      %s", file, lineno,
                   f[COL_ID], f[COL_STATUS], f[COL_REASON], f[COL_RESULT], f[COL_PROVIDER],
                   mp_status_name(r.status), mp_reason_name(r.reason),
                   mp_smtp_result_name(r.evidence.smtp), prov_name, f[COL_REPLY]);
    }
    if (r.status == MP_STATUS_UNDELIVERABLE && strcmp(f[COL_STATUS], "undeliverable") != 0)
        false_undeliverable++;
    if (!strcmp(f[COL_STATUS], "undeliverable") && !may_be_undeliverable(f[COL_CATEGORY]))
        TEST_FAIL_("%s:%d %s: a %s reply must never be expected undeliverable", file, lineno, f[COL_ID],
                   f[COL_CATEGORY]);
}

TEST(every_corpus_reply_is_classified_as_expected)
{
    static const char file[] = MP_TEST_DATA_DIR "/smtp-replies.tsv";
    FILE *in = fopen(file, "r");
    if (!in) {
        TEST_FAIL_("cannot open %s", file);
        return;
    }
    static char line[8192];
    int lineno = 0;
    bool header = true;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        char *f[COL_COUNT + 1];
        int nf = split_tabs(line, f, COL_COUNT + 1);
        if (nf != COL_COUNT) {
            TEST_FAIL_("%s:%d: %d columns, want %d", file, lineno, nf, COL_COUNT);
            continue;
        }
        if (header) {
            header = false;
            for (int c = 0; c < COL_COUNT; c++)
                if (strcmp(f[c], column_names[c]) != 0)
                    TEST_FAIL_("%s:%d: column %d is \"%s\", want \"%s\"", file, lineno, c + 1, f[c],
                               column_names[c]);
            continue;
        }
        check_row(file, lineno, f);
    }
    fclose(in);
    printf("smtp-replies.tsv: %d replies, %d classified as expected, %d false undeliverable\n", rows,
           as_expected, false_undeliverable);
    CHECK(rows >= 120);
    CHECK_EQ_INT(false_undeliverable, 0);
}

int main(void)
{
    RUN(every_corpus_reply_is_classified_as_expected);
    return test_report();
}
