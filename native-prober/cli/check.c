/* `mailprobe check`: local checks only (no network), one answer per
 * address, streamed. Addresses come from the command line and/or from
 * standard input ("-"), one per line; every input line gets exactly one
 * output line, in input order, whatever bytes it holds. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "mailprobe/core.h"
#include "result_json.h"

enum {
    /* Input lines are kept up to this many octets; the rest of a longer
     * line is skipped. Anything above MP_INPUT_MAX is too_long anyway, so
     * the verdict never changes; only the echoed "email" is cut. */
    CHECK_LINE_MAX = 1 << 20,
    CHECK_STDOUT_BUFFER = 1 << 20,
};

enum {
    EXIT_ALL_VALID = 0,
    EXIT_SOME_INVALID = 1,
    EXIT_USAGE = 2,
    EXIT_IO_ERROR = 3,
};

/* ---- Reading lines ---------------------------------------------------- */

/* A bounded line reader over a file descriptor (read(2), not stdio, so an
 * interactive user gets each answer as soon as the line is typed): lines
 * may hold any octet (NUL and CR included); one trailing "\n" or "\r\n" is
 * removed, nothing else. */
typedef struct line_reader {
    int fd;
    char *buf;
    size_t cap;
    size_t start, end; /* unread octets are buf[start..end) */
    bool eof;
    bool skipping;     /* discarding the tail of an overlong line */
    bool failed;       /* a read error ended the input early */
} line_reader;

static void reader_fill(line_reader *lr)
{
    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    ssize_t n;
    do
        n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        lr->eof = true;
        lr->failed = n < 0;
        return;
    }
    lr->end += (size_t)n;
}

/* Drops octets up to and including the next newline. */
static void reader_skip_rest(line_reader *lr)
{
    for (;;) {
        char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
        if (nl) {
            lr->start = (size_t)(nl - lr->buf) + 1;
            lr->skipping = false;
            return;
        }
        lr->start = lr->end = 0;
        if (lr->eof)
            return;
        reader_fill(lr);
        if (lr->eof && lr->end == 0)
            return;
    }
}

/* Returns true with the next line in *line and *len (valid until the next
 * call), false at end of input. */
static bool reader_next(line_reader *lr, const char **line, size_t *len)
{
    if (lr->skipping)
        reader_skip_rest(lr);
    for (;;) {
        char *base = lr->buf + lr->start;
        size_t avail = lr->end - lr->start;
        char *nl = memchr(base, '\n', avail);
        if (nl) {
            size_t n = (size_t)(nl - base);
            lr->start += n + 1;
            if (n > 0 && base[n - 1] == '\r')
                n--;
            *line = base;
            *len = n;
            return true;
        }
        if (lr->eof) {
            if (avail == 0)
                return false;
            /* Last line without a newline: returned as it is. */
            lr->start = lr->end;
            *line = base;
            *len = avail;
            return true;
        }
        if (lr->start == 0 && lr->end == lr->cap) {
            /* No newline in a full buffer: an overlong line. */
            lr->start = lr->end;
            lr->skipping = true;
            *line = lr->buf;
            *len = lr->cap;
            return true;
        }
        reader_fill(lr);
    }
}

/* ---- Writing answers -------------------------------------------------- */

typedef struct check_run {
    mp_options opts;
    mp_policy policy;
    bool json;         /* NDJSON (otherwise one readable line each) */
    bool color;
    bool any_invalid;
    bool out_of_memory;
    mp_result *result; /* ~3 KiB, reused for every address */
    mp_domain_memo *memo; /* per-domain work, shared by every line */
} check_run;

static void emit_json(check_run *run, const char *input, size_t len)
{
    /* The direct writer, not a cJSON tree: same text, no allocation. */
    mp_result_write_json(stdout, run->result, input, len, NULL);
    putchar('\n');
}

/* Writes s (valid UTF-8) for a terminal: control characters, including
 * C1 controls, become U+FFFD so an address cannot drive the terminal. */
static void put_printable(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u[i]; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            fputs("\xEF\xBF\xBD", stdout);
        } else if (u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F) {
            fputs("\xEF\xBF\xBD", stdout);
            i++;
        } else {
            putchar(u[i]);
        }
    }
}

static void emit_human(check_run *run, const char *input, size_t len)
{
    const mp_result *r = run->result;
    const char *mark, *color;
    if (!r->syntax.valid || r->status == MP_STATUS_UNDELIVERABLE || r->has_suggestion) {
        mark = "\xE2\x9C\x97"; /* ✗ */
        color = "\033[31m";
    } else if (r->status == MP_STATUS_RISKY) {
        mark = "!";
        color = "\033[33m";
    } else {
        mark = "\xE2\x9C\x93"; /* ✓ */
        color = "\033[32m";
    }
    /* Terminals get at most a screenful of a silly input. */
    size_t shown = len < 512 ? len : 512;
    char echo[3 * 512 + 1];
    mp_utf8_sanitize(input, shown, echo);

    printf("%s%s%s ", run->color ? color : "", mark, run->color ? "\033[0m" : "");
    put_printable(echo);
    if (shown < len)
        fputs("\xE2\x80\xA6", stdout); /* … */
    printf("  %s (%s", mp_status_name(r->status), mp_reason_name(r->reason));
    if (!r->syntax.valid && r->syntax.code != MP_SYNTAX_SPECIAL_USE_DOMAIN)
        printf(": %s", mp_syntax_code_name(r->syntax.code));
    putchar(')');
    /* Facts the reason does not already say. */
    if (r->disposable && r->reason != MP_REASON_DISPOSABLE)
        fputs(" [disposable]", stdout);
    if (r->role && r->reason != MP_REASON_ROLE_ACCOUNT)
        fputs(" [role]", stdout);
    if (r->free && r->reason != MP_REASON_FREE_PROVIDER)
        fputs(" [free]", stdout);
    if (!r->syntax.valid)
        printf(" \xE2\x80\x94 %s", mp_syntax_code_message(r->syntax.code));
    if (r->has_suggestion) {
        fputs(" \xE2\x80\x94 did you mean ", stdout);
        if (run->color)
            fputs("\033[1m", stdout);
        put_printable(r->suggestion);
        if (run->color)
            fputs("\033[0m", stdout);
        putchar('?');
    }
    putchar('\n');
}

static void check_one(check_run *run, const char *input, size_t len)
{
    mp_check_memo(input, len, &run->opts, &run->policy, run->memo, run->result);
    if (!run->result->syntax.valid)
        run->any_invalid = true;
    if (run->json)
        emit_json(run, input, len);
    else
        emit_human(run, input, len);
}

/* ---- The command -------------------------------------------------------- */

static void usage(FILE *to)
{
    fputs("usage: mailprobe check [options] ADDRESS... | -\n"
          "\n"
          "Checks addresses locally: syntax (RFC 5321/5322/6531, IDNA2008),\n"
          "disposable domains, role accounts, free providers and typos. No network.\n"
          "'-' reads addresses from standard input, one per line (one trailing\n"
          "\"\\n\" or \"\\r\\n\" is removed; every line, even an empty one, gets an answer).\n"
          "\n"
          "options:\n"
          "  --json               one JSON object per address (NDJSON, docs/result-schema.md);\n"
          "                       the default when standard output is not a terminal\n"
          "  --allow-quoted       accept a quoted local part: \"john doe\"@example.com\n"
          "  --allow-literal      accept an address literal: user@[192.0.2.1]\n"
          "  --allow-special-use  accept reserved domains (example.com, *.test, *.local ...)\n"
          "  --risky-role         count role accounts (info@, sales@ ...) as risky\n"
          "  --risky-free         count free providers (gmail.com ...) as risky\n"
          "  -h, --help           show this help\n"
          "\n"
          "Colours are used only on a terminal, and never when NO_COLOR is set.\n"
          "\n"
          "exit status: 0 every address is syntactically valid, 1 at least one is not,\n"
          "2 usage error, 3 read/write error or out of memory.\n",
          to);
}

int mp_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"allow-quoted", no_argument, NULL, 'q'},
        {"allow-literal", no_argument, NULL, 'l'},
        {"allow-special-use", no_argument, NULL, 's'},
        {"risky-role", no_argument, NULL, 'r'},
        {"risky-free", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    check_run run;
    memset(&run, 0, sizeof run);
    mp_options_default(&run.opts);
    mp_policy_default(&run.policy);
    bool want_json = false;

    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': want_json = true; break;
        case 'q': run.opts.flags |= MP_ALLOW_QUOTED_LOCAL; break;
        case 'l': run.opts.flags |= MP_ALLOW_DOMAIN_LITERAL; break;
        case 's': run.opts.flags |= MP_ALLOW_SPECIAL_USE; break;
        case 'r': run.policy.role_is_risky = true; break;
        case 'f': run.policy.free_is_risky = true; break;
        case 'h': usage(stdout); return EXIT_ALL_VALID;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "mailprobe check: no address given (use - to read standard input)\n");
        usage(stderr);
        return EXIT_USAGE;
    }

    bool tty = isatty(STDOUT_FILENO);
    run.json = want_json || !tty;
    run.color = tty && !run.json && !getenv("NO_COLOR");
    /* Bulk output: a big buffer, flushed by size (or at exit), not per
     * line — unless someone is reading or typing interactively. */
    if (tty || isatty(STDIN_FILENO))
        setvbuf(stdout, NULL, _IOLBF, 0);
    else
        setvbuf(stdout, NULL, _IOFBF, CHECK_STDOUT_BUFFER);

    int status = EXIT_ALL_VALID;
    line_reader lr = {STDIN_FILENO, NULL, CHECK_LINE_MAX, 0, 0, false, false, false};
    run.result = malloc(sizeof *run.result);
    run.memo = malloc(sizeof *run.memo);
    if (!run.result || !run.memo) {
        status = EXIT_IO_ERROR;
        goto done;
    }
    mp_domain_memo_init(run.memo);

    for (int i = optind; i < argc && !run.out_of_memory; i++) {
        if (strcmp(argv[i], "-") != 0) {
            check_one(&run, argv[i], strlen(argv[i]));
            continue;
        }
        if (!lr.buf && !(lr.buf = malloc(lr.cap))) {
            run.out_of_memory = true;
            break;
        }
        const char *line;
        size_t len;
        while (!run.out_of_memory && !ferror(stdout) && reader_next(&lr, &line, &len))
            check_one(&run, line, len);
        if (lr.failed) {
            perror("mailprobe check: standard input");
            status = EXIT_IO_ERROR;
        }
    }
    if (run.out_of_memory) {
        fprintf(stderr, "mailprobe check: out of memory\n");
        status = EXIT_IO_ERROR;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("mailprobe check: standard output");
        status = EXIT_IO_ERROR;
    }
    if (status == EXIT_ALL_VALID && run.any_invalid)
        status = EXIT_SOME_INVALID;
done:
    free(lr.buf);
    free(run.result);
    free(run.memo);
    return status;
}
