/* verify.c — `mailprobe verify`: addresses in (arguments, stdin, a text or
 * CSV file), one result each out, in input order, as NDJSON or CSV.
 *
 * Input is read as the output drains: at most `window` records are between
 * "read" and "printed", so a million-line file streams in bounded memory and
 * a slow address holds back only the records after it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "clock.h"
#include "commands.h"
#include "prober.h"
#include "prober_options.h"
#include "result_json.h"

enum { RECORD_MAX = 1 << 20, CSV_COLUMNS_MAX = 256 };

typedef enum { OUT_NDJSON = 0, OUT_CSV } out_format;
typedef enum { IN_AUTO = 0, IN_LINES, IN_CSV } in_format;

typedef struct verify_run verify_run;

typedef struct record {
    verify_run *run;
    uint64_t seq;
    char *line;            /* the input record (a CSV row keeps all its columns) */
    size_t line_len;
    char *address;         /* the address part of the line */
    size_t address_len;
    char *json;            /* the serialised result, once done */
    cJSON *obj;            /* for CSV output */
    bool done;
} record;

struct verify_run {
    struct event_base *base;
    mp_prober *prober;
    out_format format;
    in_format in_format;
    const char *column;    /* --column NAME */
    bool stats, progress, quiet;
    /* input sources: positional addresses, then files */
    char **args;
    int nargs, next_arg;
    FILE *in;
    bool in_is_csv, eof;
    /* CSV input */
    bool csv_header_seen;
    int address_col;       /* -1 until known */
    char *header_line;
    /* ordering */
    record **window;
    size_t window_size;
    uint64_t next_seq, next_print;
    size_t printed, by_status[MP_STATUS_COUNT];
    bool header_printed;
    struct event *progress_ev;
    double started;             /* monotonic seconds (clock.h) */
};

static const char *const csv_result_columns[] = {
    "status", "reason", "action", "score", "normalized", "smtp_result", "smtp_code", "smtp_enhanced_code",
    "smtp_message", "mx_host", "catch_all", "provider", "disposable", "role", "free", "suggestion",
};
enum { CSV_RESULT_COLUMNS = sizeof csv_result_columns / sizeof csv_result_columns[0] };

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mailprobe verify [options] ADDRESS...\n"
            "       mailprobe verify [options] -             (one address per line on stdin)\n"
            "       mailprobe verify [options] --input FILE  (text, or CSV with a header)\n"
            "\n"
            "Checks each address locally, looks up its mail hosts and asks them with an SMTP\n"
            "dialogue (EHLO, MAIL FROM, RCPT TO, RSET, QUIT; never DATA). Prints one result\n"
            "per address in input order (NDJSON by default). Exit status 0 when every address\n"
            "got a result, 2 on usage errors.\n"
            "\n"
            "Input and output:\n"
            "  --input FILE                       read addresses from FILE ('-' = stdin)\n"
            "  --input-format auto|lines|csv      auto (default): CSV when the file ends in .csv or --column is given\n"
            "  --column NAME                      the CSV column holding the address (default: a column named\n"
            "                                     email/e-mail/mail/address, else the first one containing '@')\n"
            "  --format ndjson|csv                output format (default ndjson); CSV keeps a CSV input's columns\n"
            "                                     and appends the result columns\n"
            "  --stats                            print the prober's counters as JSON on stderr at the end\n"
            "  --no-progress                      no progress line on stderr (shown only on a terminal)\n"
            "  -h, --help                         this help\n"
            "\n"
            "Prober options:\n");
    mp_prober_options_help(to);
}

/* ---- CSV -------------------------------------------------------------------- */

/* Splits one CSV record (RFC 4180; ',' separator, "" escapes) into fields,
 * in place. Returns the number of fields (<= max). */
static int csv_split(char *line, size_t len, char **fields, size_t *lens, int max)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n >= max)
            return n;
        char *out = line + i;
        size_t o = 0;
        fields[n] = out;
        if (i < len && line[i] == '"') {
            i++;
            while (i < len) {
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        out[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[o++] = line[i++];
            }
            while (i < len && line[i] != ',')
                out[o++] = line[i++];
        } else {
            while (i < len && line[i] != ',')
                out[o++] = line[i++];
        }
        lens[n++] = o;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static bool csv_quotes_open(const char *s, size_t len)
{
    bool open = false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '"')
            open = !open;
    return open;
}

static void csv_put(FILE *f, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (len && (s[0] == ' ' || s[len - 1] == ' '))
        quote = true;
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static bool is_address_header(const char *s, size_t n)
{
    static const char *names[] = {"email", "e-mail", "mail", "email_address", "emailaddress", "email address",
                                  "address", "e_mail"};
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(s, names[i], n))
            return true;
    return false;
}

/* ---- input ------------------------------------------------------------------ */

/* Reads one physical line (without its "\n" / "\r\n"). */
static ssize_t read_line(FILE *f, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, f);
    if (n <= 0)
        return -1;
    if ((*buf)[n - 1] == '\n')
        (*buf)[--n] = '\0';
    if (n && (*buf)[n - 1] == '\r')
        (*buf)[--n] = '\0';
    return n;
}

/* Reads one CSV record, joining lines while a quoted field is open. */
static ssize_t read_csv_record(FILE *f, char **out)
{
    char *line = NULL, *acc = NULL;
    size_t cap = 0, acc_len = 0;
    ssize_t n;
    while ((n = read_line(f, &line, &cap)) >= 0) {
        char *grown = realloc(acc, acc_len + (size_t)n + 2);
        if (!grown)
            break;
        acc = grown;
        if (acc_len)
            acc[acc_len++] = '\n';
        memcpy(acc + acc_len, line, (size_t)n);
        acc_len += (size_t)n;
        acc[acc_len] = '\0';
        if (!csv_quotes_open(acc, acc_len) || acc_len > RECORD_MAX)
            break;
    }
    free(line);
    if (!acc)
        return -1;
    *out = acc;
    return (ssize_t)acc_len;
}

/* Picks the address field of a CSV row into rec->address. */
static void csv_pick_address(verify_run *run, record *rec)
{
    char *copy = malloc(rec->line_len + 1);
    char *fields[CSV_COLUMNS_MAX];
    size_t lens[CSV_COLUMNS_MAX];
    if (!copy)
        return;
    memcpy(copy, rec->line, rec->line_len + 1);
    int n = csv_split(copy, rec->line_len, fields, lens, CSV_COLUMNS_MAX);
    if (run->address_col < 0) {
        for (int i = 0; i < n; i++)
            if (memchr(fields[i], '@', lens[i])) {
                run->address_col = i;
                break;
            }
    }
    int col = run->address_col < 0 ? 0 : run->address_col;
    if (col < n) {
        rec->address = malloc(lens[col] + 1);
        if (rec->address) {
            memcpy(rec->address, fields[col], lens[col]);
            rec->address[lens[col]] = '\0';
            rec->address_len = lens[col];
        }
    }
    free(copy);
}

/* Handles a CSV header row: finds the address column. Returns false when
 * --column names no column. */
static bool csv_header(verify_run *run, char *line, size_t len)
{
    char *copy = malloc(len + 1);
    char *fields[CSV_COLUMNS_MAX];
    size_t lens[CSV_COLUMNS_MAX];
    if (!copy)
        return false;
    memcpy(copy, line, len + 1);
    int n = csv_split(copy, len, fields, lens, CSV_COLUMNS_MAX);
    for (int i = 0; i < n && run->address_col < 0; i++) {
        if (run->column ? (strlen(run->column) == lens[i] && !strncasecmp(fields[i], run->column, lens[i]))
                        : is_address_header(fields[i], lens[i]))
            run->address_col = i;
    }
    free(copy);
    if (run->column && run->address_col < 0) {
        char *end = NULL;
        long idx = strtol(run->column, &end, 10);
        if (*run->column && !*end && idx >= 1 && idx <= n)
            run->address_col = (int)idx - 1;
    }
    return !run->column || run->address_col >= 0;
}

static void on_result(const mp_result *r, const mp_probe_details *d, void *arg);
static void flush_ready(verify_run *run);

/* Reads the next record into a new `record`, or NULL at the end. */
static record *next_record(verify_run *run)
{
    for (;;) {
        if (run->in) {
            char *line = NULL;
            ssize_t n;
            if (run->in_is_csv) {
                n = read_csv_record(run->in, &line);
            } else {
                size_t cap = 0;
                n = read_line(run->in, &line, &cap);
            }
            if (n < 0) {
                free(line);
                if (run->in != stdin)
                    fclose(run->in);
                run->in = NULL;
                run->eof = true;
                return NULL;
            }
            if (run->in_is_csv && !run->csv_header_seen) {
                run->csv_header_seen = true;
                /* A first row without any '@' is a header. */
                if (!memchr(line, '@', (size_t)n)) {
                    if (!csv_header(run, line, (size_t)n)) {
                        fprintf(stderr, "mailprobe verify: --column %s: no such column\n", run->column);
                        free(line);
                        run->eof = true;
                        return NULL;
                    }
                    run->header_line = line;
                    continue;
                }
            }
            record *rec = calloc(1, sizeof *rec);
            if (!rec) {
                free(line);
                return NULL;
            }
            rec->line = line;
            rec->line_len = (size_t)n;
            if (run->in_is_csv) {
                csv_pick_address(run, rec);
            } else {
                rec->address = malloc((size_t)n + 1);
                if (rec->address) {
                    memcpy(rec->address, line, (size_t)n + 1);
                    rec->address_len = (size_t)n;
                }
            }
            if (!rec->address) {
                rec->address = calloc(1, 1);
                rec->address_len = 0;
            }
            return rec;
        }
        if (run->eof)
            return NULL;
        /* Positional arguments: addresses, or "-" for stdin. */
        if (run->next_arg >= run->nargs) {
            run->eof = true;
            return NULL;
        }
        const char *a = run->args[run->next_arg++];
        if (!strcmp(a, "-")) {
            run->in = stdin;
            run->in_is_csv = run->in_format == IN_CSV;
            continue;
        }
        record *rec = calloc(1, sizeof *rec);
        if (!rec)
            return NULL;
        rec->line_len = strlen(a);
        rec->line = strdup(a);
        rec->address = strdup(a);
        rec->address_len = rec->line_len;
        return rec;
    }
}

/* Reads and submits records while both bounds have room: the window
 * (read but not printed yet) and the prober (submitted but not answered:
 * --concurrency + --max-queued). Otherwise input waits — it is read again
 * from the next result's callback — so memory stays bounded whatever the
 * input's size. */
static void fill_window(verify_run *run)
{
    while (!run->eof && run->next_seq - run->next_print < run->window_size && mp_prober_room(run->prober)) {
        record *rec = next_record(run);
        if (!rec)
            break;
        rec->run = run;
        rec->seq = run->next_seq++;
        run->window[rec->seq % run->window_size] = rec;
        mp_submit_status st = mp_prober_submit(run->prober, rec->address, rec->address_len, on_result, rec, NULL);
        if (st != MP_SUBMIT_OK) {
            fprintf(stderr, "mailprobe verify: cannot submit (%s)\n", mp_submit_status_name(st));
            run->eof = true;
            break;
        }
    }
}

/* ---- output ----------------------------------------------------------------- */

static void csv_value(FILE *f, const cJSON *v)
{
    if (!v || cJSON_IsNull(v))
        return;
    if (cJSON_IsString(v)) {
        csv_put(f, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsBool(v)) {
        fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    } else if (cJSON_IsNumber(v)) {
        fprintf(f, "%d", v->valueint);
    }
}

static void print_csv_header(verify_run *run)
{
    if (run->header_line) {
        fputs(run->header_line, stdout);
    } else {
        fputs("email", stdout);
    }
    for (size_t i = 0; i < CSV_RESULT_COLUMNS; i++) {
        fputc(',', stdout);
        fputs(csv_result_columns[i], stdout);
    }
    fputs("\n", stdout);
}

static void print_csv_row(verify_run *run, record *rec)
{
    if (run->header_line || run->in_is_csv)
        fwrite(rec->line, 1, rec->line_len, stdout);
    else
        csv_put(stdout, rec->line, rec->line_len);
    const cJSON *o = rec->obj;
    const cJSON *smtp = cJSON_GetObjectItemCaseSensitive(o, "smtp");
    const cJSON *values[CSV_RESULT_COLUMNS] = {
        cJSON_GetObjectItemCaseSensitive(o, "status"),
        cJSON_GetObjectItemCaseSensitive(o, "reason"),
        cJSON_GetObjectItemCaseSensitive(o, "action"),
        cJSON_GetObjectItemCaseSensitive(o, "score"),
        cJSON_GetObjectItemCaseSensitive(o, "normalized"),
        cJSON_GetObjectItemCaseSensitive(smtp, "result"),
        cJSON_GetObjectItemCaseSensitive(smtp, "code"),
        cJSON_GetObjectItemCaseSensitive(smtp, "enhanced_code"),
        cJSON_GetObjectItemCaseSensitive(smtp, "message"),
        cJSON_GetObjectItemCaseSensitive(smtp, "host"),
        cJSON_GetObjectItemCaseSensitive(smtp, "catch_all"),
        cJSON_GetObjectItemCaseSensitive(o, "provider"),
        cJSON_GetObjectItemCaseSensitive(o, "disposable"),
        cJSON_GetObjectItemCaseSensitive(o, "role"),
        cJSON_GetObjectItemCaseSensitive(o, "free"),
        cJSON_GetObjectItemCaseSensitive(o, "suggestion"),
    };
    for (size_t i = 0; i < CSV_RESULT_COLUMNS; i++) {
        fputc(',', stdout);
        csv_value(stdout, values[i]);
    }
    fputc('\n', stdout);
}

static void record_free(record *rec)
{
    free(rec->line);
    free(rec->address);
    free(rec->json);
    if (rec->obj)
        cJSON_Delete(rec->obj);
    free(rec);
}

static void flush_ready(verify_run *run)
{
    while (run->next_print < run->next_seq) {
        record *rec = run->window[run->next_print % run->window_size];
        if (!rec || !rec->done)
            break;
        if (run->format == OUT_CSV) {
            if (!run->header_printed) {
                print_csv_header(run);
                run->header_printed = true;
            }
            print_csv_row(run, rec);
        } else if (rec->json) {
            fputs(rec->json, stdout);
            fputc('\n', stdout);
        }
        run->window[run->next_print % run->window_size] = NULL;
        run->next_print++;
        run->printed++;
        record_free(rec);
    }
    fflush(stdout);
}

static void draw_progress(verify_run *run, bool final)
{
    if (!run->progress)
        return;
    double secs = mp_now_monotonic() - run->started;
    /* The bar shows done / read: input streams, so the total is not known. */
    char bar[21];
    size_t fill = run->next_seq ? (size_t)(20.0 * (double)run->printed / (double)run->next_seq) : 0;
    for (size_t i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r\033[K[%s] %zu done / %llu read  deliverable %zu  undeliverable %zu  risky %zu  unknown %zu  %.1fs%s",
            bar, run->printed, (unsigned long long)run->next_seq, run->by_status[MP_STATUS_DELIVERABLE],
            run->by_status[MP_STATUS_UNDELIVERABLE], run->by_status[MP_STATUS_RISKY],
            run->by_status[MP_STATUS_UNKNOWN], secs, final ? "\n" : "");
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    draw_progress(arg, false);
}

static void on_result(const mp_result *r, const mp_probe_details *d, void *arg)
{
    record *rec = arg;
    verify_run *run = rec->run;
    cJSON *obj = mp_result_to_json(r, rec->address, rec->address_len, d);
    if (run->format == OUT_CSV) {
        rec->obj = obj;
    } else if (obj) {
        rec->json = cJSON_PrintUnformatted(obj);
        cJSON_Delete(obj);
    }
    rec->done = true;
    if ((unsigned)r->status < MP_STATUS_COUNT)
        run->by_status[r->status]++;
    flush_ready(run);
    fill_window(run);
    if (run->eof && run->next_print == run->next_seq)
        event_base_loopbreak(run->base);
}

static void print_stats(const verify_run *run)
{
    mp_prober_stats st;
    mp_prober_stats_get(run->prober, &st);
    double per = st.smtp_probed ? (double)st.sessions_opened / (double)st.smtp_probed : 0.0;
    fprintf(stderr,
            "{\"submitted\":%llu,\"completed\":%llu,\"smtp_probed\":%llu,\"sessions_opened\":%llu,"
            "\"sessions_failed\":%llu,\"mail_sent\":%llu,\"rcpt_sent\":%llu,\"rset_sent\":%llu,"
            "\"round_trips\":%llu,\"catch_all_tests\":%llu,\"greylist_retries\":%llu,"
            "\"probes\":%llu,\"domains\":%llu,\"domains_evicted\":%llu,\"hosts\":%llu,\"hosts_evicted\":%llu,"
            "\"sessions_per_address\":%.4f",
            (unsigned long long)st.submitted, (unsigned long long)st.completed,
            (unsigned long long)st.smtp_probed, (unsigned long long)st.sessions_opened,
            (unsigned long long)st.sessions_failed, (unsigned long long)st.mail_sent,
            (unsigned long long)st.rcpt_sent, (unsigned long long)st.rset_sent,
            (unsigned long long)st.round_trips, (unsigned long long)st.catch_all_tests,
            (unsigned long long)st.greylist_retries, (unsigned long long)st.probes, (unsigned long long)st.domains,
            (unsigned long long)st.domains_evicted, (unsigned long long)st.hosts,
            (unsigned long long)st.hosts_evicted, per);
    fputs(",\"by_status\":{", stderr);
    for (int i = 0; i < MP_STATUS_COUNT; i++)
        fprintf(stderr, "%s\"%s\":%llu", i ? "," : "", mp_status_name((mp_status)i),
                (unsigned long long)st.by_status[i]);
    fputs("}}\n", stderr);
}

int mp_cmd_verify(int argc, char **argv)
{
    enum { OPT_INPUT = 1, OPT_FORMAT, OPT_COLUMN, OPT_STATS, OPT_NO_PROGRESS, OPT_INPUT_FORMAT };
    struct option opts[96];
    size_t n = 0;
    opts[n++] = (struct option){"input", required_argument, NULL, OPT_INPUT};
    opts[n++] = (struct option){"input-format", required_argument, NULL, OPT_INPUT_FORMAT};
    opts[n++] = (struct option){"format", required_argument, NULL, OPT_FORMAT};
    opts[n++] = (struct option){"column", required_argument, NULL, OPT_COLUMN};
    opts[n++] = (struct option){"stats", no_argument, NULL, OPT_STATS};
    opts[n++] = (struct option){"no-progress", no_argument, NULL, OPT_NO_PROGRESS};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    n += mp_prober_options_append(opts + n, sizeof opts / sizeof opts[0] - n - 1);
    opts[n] = (struct option){0};

    mp_prober_config cfg;
    mp_prober_config_default(&cfg);
    verify_run run;
    memset(&run, 0, sizeof run);
    run.address_col = -1;
    run.progress = isatty(2);
    const char *input = NULL;
    char err[256] = "";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        mp_option_status r = mp_prober_option_apply(&cfg, c, optarg, err, sizeof err);
        if (r == MP_OPTION_APPLIED)
            continue;
        if (r == MP_OPTION_BAD_VALUE) {
            fprintf(stderr, "mailprobe verify: %s\n", err);
            return 2;
        }
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case OPT_INPUT:
            input = optarg;
            break;
        case OPT_INPUT_FORMAT:
            if (!strcmp(optarg, "auto"))
                run.in_format = IN_AUTO;
            else if (!strcmp(optarg, "lines"))
                run.in_format = IN_LINES;
            else if (!strcmp(optarg, "csv"))
                run.in_format = IN_CSV;
            else {
                fprintf(stderr, "mailprobe verify: --input-format: expected auto, lines or csv\n");
                return 2;
            }
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "ndjson") || !strcmp(optarg, "json"))
                run.format = OUT_NDJSON;
            else if (!strcmp(optarg, "csv"))
                run.format = OUT_CSV;
            else {
                fprintf(stderr, "mailprobe verify: --format: expected ndjson or csv\n");
                return 2;
            }
            break;
        case OPT_COLUMN:
            run.column = optarg;
            break;
        case OPT_STATS:
            run.stats = true;
            break;
        case OPT_NO_PROGRESS:
            run.progress = false;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    run.args = argv + optind;
    run.nargs = argc - optind;
    if (!input && run.nargs == 0) {
        fprintf(stderr, "mailprobe verify: no addresses (give ADDRESS..., '-' or --input FILE)\n");
        usage(stderr);
        return 2;
    }
    if (input) {
        run.in = strcmp(input, "-") ? fopen(input, "r") : stdin;
        if (!run.in) {
            fprintf(stderr, "mailprobe verify: %s: %s\n", input, strerror(errno));
            return 2;
        }
        size_t il = strlen(input);
        run.in_is_csv = run.in_format == IN_CSV ||
                        (run.in_format == IN_AUTO && (run.column || (il > 4 && !strcasecmp(input + il - 4, ".csv"))));
        run.nargs = 0; /* --input replaces positional addresses */
    }

    run.base = event_base_new();
    if (!run.base) {
        fprintf(stderr, "mailprobe verify: cannot create the event loop\n");
        return 2;
    }
    run.prober = mp_prober_new(run.base, &cfg, err, sizeof err);
    if (!run.prober) {
        fprintf(stderr, "mailprobe verify: %s\n", err);
        event_base_free(run.base);
        return 2;
    }
    run.window_size = (size_t)cfg.concurrency * 4 < 1024 ? 1024 : (size_t)cfg.concurrency * 4;
    run.window = calloc(run.window_size, sizeof *run.window);
    if (!run.window) {
        fprintf(stderr, "mailprobe verify: out of memory\n");
        mp_prober_free(run.prober);
        event_base_free(run.base);
        return 2;
    }
    run.started = mp_now_monotonic();
    if (run.progress) {
        run.progress_ev = event_new(run.base, -1, EV_PERSIST, on_progress, &run);
        struct timeval tv = {0, 250000};
        if (run.progress_ev)
            event_add(run.progress_ev, &tv);
    }
    fill_window(&run);
    if (!(run.eof && run.next_print == run.next_seq))
        event_base_dispatch(run.base);
    flush_ready(&run);
    draw_progress(&run, true);
    if (run.format == OUT_CSV && !run.header_printed) {
        print_csv_header(&run);
    }
    if (run.stats)
        print_stats(&run);
    if (run.progress_ev)
        event_free(run.progress_ev);
    mp_prober_free(run.prober);
    for (size_t i = 0; i < run.window_size; i++)
        if (run.window[i])
            record_free(run.window[i]);
    free(run.window);
    free(run.header_line);
    if (run.in && run.in != stdin)
        fclose(run.in);
    event_base_free(run.base);
    return 0;
}
