/* verify.c — `mailprobe verify`: addresses in (arguments, stdin, a list
 * file: plain, or CSV in any separator and encoding — address_list.h), one
 * result each out, in input order, as NDJSON or CSV (the input's own columns
 * followed by the result columns of result_csv.h, in the input's encoding).
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
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "address_list.h"
#include "clock.h"
#include "commands.h"
#include "csv.h"
#include "prober.h"
#include "prober_options.h"
#include "result_csv.h"
#include "result_json.h"

typedef enum { OUT_NDJSON = 0, OUT_CSV } out_format;

typedef struct verify_run verify_run;

typedef struct record {
    verify_run *run;
    uint64_t seq;
    char *raw;             /* a CSV row's octets as they came in (CSV output only) */
    size_t raw_len, nfields;
    char *address;         /* what is verified (UTF-8) */
    size_t address_len;
    char *json;            /* the serialised result, once done */
    cJSON *obj;            /* for CSV output */
    bool done;
} record;

struct verify_run {
    struct event_base *base;
    mp_prober *prober;
    out_format format;
    mp_addrlist_mode in_mode;     /* --input-format */
    mp_csv_encoding encoding; /* --encoding */
    const char *column;       /* --column NAME|N */
    bool stats, progress;
    /* input sources: positional addresses ("-" = stdin, a line each), or one list */
    char **args;
    int nargs, next_arg;
    mp_addrlist *list;
    FILE *list_file;
    const char *list_name;
    bool out_list_is_input;  /* --input: output in the list's format */
    bool eof, failed;
    /* CSV output */
    mp_csv_writer *out;
    /* ordering */
    record **window;
    size_t window_size;
    uint64_t next_seq, next_print;
    size_t printed, by_status[MP_STATUS_COUNT];
    bool header_printed;
    bool resolver_warned;       /* the untrusted-resolver warning was printed */
    bool asked_dns;             /* some address got as far as DNS */
    struct event *progress_ev;
    double started;             /* monotonic seconds (clock.h) */
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mailprobe verify [options] ADDRESS...\n"
            "       mailprobe verify [options] -             (one address per line on stdin)\n"
            "       mailprobe verify [options] --input FILE  (a list: plain, or CSV as spreadsheets write it)\n"
            "\n"
            "Checks each address locally, looks up its mail hosts and asks them with an SMTP\n"
            "dialogue (EHLO, MAIL FROM, RCPT TO, RSET, QUIT; never DATA). Prints one result\n"
            "per address in input order (NDJSON by default). Exit status 0 when every address\n"
            "got a result; 2 on usage errors and on input that cannot be read (the message\n"
            "names the line).\n"
            "\n"
            "Input and output:\n"
            "  --input FILE                       read addresses from FILE ('-' = stdin)\n"
            "  --input-format auto|lines|csv      auto (default): CSV when a separator (, ; TAB |) or an address\n"
            "                                     header is found, or the name ends in .csv; lines: one address per\n"
            "                                     line exactly as written (what '-' reads)\n"
            "  --column NAME|N                    the column holding the address, by header name or 1-based number\n"
            "                                     (default: a header such as email, e-mail, E-Mail-Adresse, courriel,\n"
            "                                     correo; else the column whose cells look most like addresses)\n"
            "  --encoding NAME                    the input's encoding when it has no byte order mark: auto\n"
            "                                     (default: UTF-8 if valid, else windows-1252), utf-8, utf-16le,\n"
            "                                     utf-16be, windows-1252, windows-1250, windows-1251, iso-8859-2,\n"
            "                                     iso-8859-15\n"
            "  --format ndjson|csv                output format (default ndjson); CSV keeps a CSV input's columns\n"
            "                                     byte for byte, in its encoding and separator, and appends the\n"
            "                                     result columns (docs/result-schema.md); a row without an address\n"
            "                                     gets reason no_address\n"
            "  --stats                            print the prober's counters as JSON on stderr at the end\n"
            "  --no-progress                      no progress line on stderr (shown only on a terminal)\n"
            "  -h, --help                         this help\n"
            "\n"
            "Prober options:\n");
    mp_prober_options_help(to);
}

/* ---- input ------------------------------------------------------------------ */

static char *copy_of(const char *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, p, n);
        c[n] = '\0';
    }
    return c;
}

/* Opens the list on `f` (named `name` for messages): LINES for "-", else
 * the mode asked for. False (and a message) when it cannot be read. */
static bool open_list(verify_run *run, FILE *f, const char *name, mp_addrlist_mode mode, bool keep_empty)
{
    mp_addrlist_options lo = {
        .mode = mode, .encoding = run->encoding, .column = run->column, .keep_empty_lines = keep_empty};
    char err[768];
    mp_addrlist_status st = mp_addrlist_open(&run->list, mp_csv_read_file, f, &lo, err, sizeof err);
    if (st != MP_ADDRLIST_OK) {
        bool hint = st == MP_ADDRLIST_NO_ADDRESSES || st == MP_ADDRLIST_NO_SUCH_COLUMN;
        fprintf(stderr, "mailprobe verify: %s: %s%s\n", name, err, hint ? "; name it with --column NAME|N" : "");
        return false;
    }
    run->list_file = f;
    run->list_name = name;
    return true;
}

static void close_list(verify_run *run)
{
    if (run->list_file && run->list_file != stdin)
        fclose(run->list_file);
    run->list_file = NULL;
}

/* A record from the current list row. */
static record *record_from_row(verify_run *run, const mp_addrlist_row *row)
{
    record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return NULL;
    rec->address = copy_of(row->address, row->address_len);
    rec->address_len = row->address_len;
    if (run->format == OUT_CSV && mp_addrlist_is_csv(run->list)) {
        rec->raw = copy_of(row->raw, row->raw_len);
        rec->raw_len = row->raw_len;
        rec->nfields = row->nfields;
    }
    if (!rec->address || (run->format == OUT_CSV && mp_addrlist_is_csv(run->list) && !rec->raw)) {
        free(rec->address);
        free(rec->raw);
        free(rec);
        return NULL;
    }
    return rec;
}

static void on_result(const mp_result *r, const mp_probe_details *d, void *arg);
static void flush_ready(verify_run *run);

/* Reads the next record into a new `record`, or NULL at the end (or on an
 * error, which is reported and makes the exit status 2). */
static record *next_record(verify_run *run)
{
    for (;;) {
        if (run->list) {
            mp_addrlist_row row;
            char err[256];
            mp_addrlist_status st = mp_addrlist_next(run->list, &row, err, sizeof err);
            if (st == MP_ADDRLIST_OK) {
                record *rec = record_from_row(run, &row);
                if (!rec) {
                    fprintf(stderr, "mailprobe verify: out of memory\n");
                    run->failed = run->eof = true;
                }
                return rec;
            }
            if (st != MP_ADDRLIST_END) {
                fprintf(stderr, "mailprobe verify: %s: %s\n", run->list_name, err);
                run->failed = run->eof = true;
                return NULL;
            }
            if (run->out_list_is_input) {
                run->eof = true; /* --input: the list is the whole input */
                return NULL;
            }
            mp_addrlist_free(run->list);
            run->list = NULL;
            close_list(run);
            continue;
        }
        if (run->eof)
            return NULL;
        /* Positional arguments: addresses, or "-" for stdin (an address a line). */
        if (run->next_arg >= run->nargs) {
            run->eof = true;
            return NULL;
        }
        const char *a = run->args[run->next_arg++];
        if (!strcmp(a, "-")) {
            if (!open_list(run, stdin, "stdin", MP_ADDRLIST_LINES, true)) {
                run->failed = run->eof = true;
                return NULL;
            }
            continue;
        }
        record *rec = calloc(1, sizeof *rec);
        if (!rec)
            return NULL;
        rec->address_len = strlen(a);
        rec->address = strdup(a);
        if (!rec->address) {
            free(rec);
            return NULL;
        }
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

static void write_stdout(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    fwrite(p, 1, n, stdout);
}

/* The shape of the CSV output: a CSV --input keeps its rows. */
static mp_result_csv_shape output_shape(const verify_run *run)
{
    mp_result_csv_shape shape = {0};
    if (run->list && run->out_list_is_input && mp_addrlist_is_csv(run->list)) {
        shape.keeps_rows = true;
        shape.header = mp_addrlist_header(run->list, &shape.header_len);
        shape.width = mp_addrlist_width(run->list);
        shape.column = mp_addrlist_column(run->list);
    }
    return shape;
}

/* The CSV writer, made at the first output: in the --input list's format
 * (its encoding, BOM, separator and line ends), else UTF-8. */
static bool csv_output_ready(verify_run *run)
{
    if (run->out)
        return true;
    mp_csv_format fmt = {.encoding = MP_CSV_UTF8, .separator = ','};
    if (run->list && run->out_list_is_input)
        fmt = *mp_addrlist_format(run->list);
    run->out = mp_csv_writer_new(&fmt, write_stdout, NULL);
    if (!run->out) {
        fprintf(stderr, "mailprobe verify: cannot write CSV in %s\n", mp_csv_encoding_name(fmt.encoding));
        run->failed = true;
        return false;
    }
    mp_result_csv_shape shape = output_shape(run);
    mp_result_csv_write_header(run->out, &shape);
    run->header_printed = true;
    return true;
}

static void print_csv_row(verify_run *run, record *rec)
{
    if (!csv_output_ready(run))
        return;
    mp_result_csv_shape shape = output_shape(run);
    mp_result_csv_write_row(run->out, &shape, rec->raw, rec->raw_len, rec->nfields, rec->address,
                            rec->address_len, rec->obj);
}

static void record_free(record *rec)
{
    free(rec->raw);
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
        if (run->format == OUT_CSV)
            print_csv_row(run, rec);
        else if (rec->json) {
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
    if (r->evidence.dns != MP_DNS_NOT_CHECKED)
        run->asked_dns = true;
    if ((unsigned)r->status < MP_STATUS_COUNT)
        run->by_status[r->status]++;
    flush_ready(run);
    fill_window(run);
    if (run->eof && run->next_print == run->next_seq)
        event_base_loopbreak(run->base);
}

/* The prober's resolver-trust listener: once per run, say on stderr that
 * DNS denials are not believed, and what to do about it. */
static void on_resolver(const mp_resolver_trust *t, void *arg)
{
    verify_run *run = arg;
    if (t->state == MP_RESOLVER_HONEST || t->state == MP_RESOLVER_UNPROVEN || run->resolver_warned)
        return;
    run->resolver_warned = true;
    if (run->progress)
        fputs("\r\033[K", stderr);
    fprintf(stderr,
            "mailprobe verify: warning: the DNS resolver is %s: %s.\n"
            "  No address is marked undeliverable on its word; those it denies are unknown (dns_untrusted).\n"
            "  Use an honest resolver with --dns HOST[:PORT]; `mailprobe doctor` checks it.\n",
            t->state == MP_RESOLVER_LYING ? "not answering honestly" : "not answering its test questions",
            t->why);
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
    fprintf(stderr, ",\"resolver\":\"%s\",\"dns_untrusted\":%llu", mp_resolver_state_name(st.resolver_state),
            (unsigned long long)st.by_reason[MP_REASON_DNS_UNTRUSTED]);
    fputs(",\"by_status\":{", stderr);
    for (int i = 0; i < MP_STATUS_COUNT; i++)
        fprintf(stderr, "%s\"%s\":%llu", i ? "," : "", mp_status_name((mp_status)i),
                (unsigned long long)st.by_status[i]);
    fputs("}}\n", stderr);
}

int mp_cmd_verify(int argc, char **argv)
{
    enum { OPT_INPUT = 1, OPT_FORMAT, OPT_COLUMN, OPT_STATS, OPT_NO_PROGRESS, OPT_INPUT_FORMAT, OPT_ENCODING };
    struct option opts[96];
    size_t n = 0;
    opts[n++] = (struct option){"input", required_argument, NULL, OPT_INPUT};
    opts[n++] = (struct option){"input-format", required_argument, NULL, OPT_INPUT_FORMAT};
    opts[n++] = (struct option){"format", required_argument, NULL, OPT_FORMAT};
    opts[n++] = (struct option){"column", required_argument, NULL, OPT_COLUMN};
    opts[n++] = (struct option){"encoding", required_argument, NULL, OPT_ENCODING};
    opts[n++] = (struct option){"stats", no_argument, NULL, OPT_STATS};
    opts[n++] = (struct option){"no-progress", no_argument, NULL, OPT_NO_PROGRESS};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    n += mp_prober_options_append(opts + n, sizeof opts / sizeof opts[0] - n - 1);
    opts[n] = (struct option){0};

    mp_prober_config cfg;
    mp_prober_config_default(&cfg);
    verify_run run;
    memset(&run, 0, sizeof run);
    run.progress = isatty(2);
    const char *input = NULL;
    bool mode_given = false;
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
            mode_given = true;
            if (!strcmp(optarg, "auto"))
                run.in_mode = MP_ADDRLIST_AUTO;
            else if (!strcmp(optarg, "lines"))
                run.in_mode = MP_ADDRLIST_LINES;
            else if (!strcmp(optarg, "csv"))
                run.in_mode = MP_ADDRLIST_CSV;
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
        case OPT_ENCODING:
            if (!mp_csv_encoding_parse(optarg, strlen(optarg), &run.encoding)) {
                fprintf(stderr, "mailprobe verify: --encoding: unknown encoding '%s' (auto, utf-8, utf-16le, "
                                "utf-16be, windows-1252, windows-1250, windows-1251, iso-8859-2, iso-8859-15)\n",
                        optarg);
                return 2;
            }
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
    if (run.column && run.in_mode == MP_ADDRLIST_LINES) {
        fprintf(stderr, "mailprobe verify: --column needs CSV input (--input-format auto or csv)\n");
        return 2;
    }
    if (input) {
        FILE *f = strcmp(input, "-") ? fopen(input, "rb") : stdin;
        if (!f) {
            fprintf(stderr, "mailprobe verify: %s: %s\n", input, strerror(errno));
            return 2;
        }
        size_t il = strlen(input);
        if (!mode_given && il > 4 && !strcasecmp(input + il - 4, ".csv"))
            run.in_mode = MP_ADDRLIST_CSV;
        if (!open_list(&run, f, input, run.in_mode, run.in_mode == MP_ADDRLIST_LINES)) {
            if (f != stdin)
                fclose(f);
            return 2;
        }
        run.out_list_is_input = true;
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
    mp_prober_set_resolver_listener(run.prober, on_resolver, &run);
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
    /* The last answer may beat the resolver's first canary round: wait for
     * its verdict (bounded by the DNS timeout) so the warning and --stats
     * can say what the resolver was. */
    mp_resolver_trust trust;
    mp_prober_resolver_trust(run.prober, &trust);
    while (run.asked_dns && trust.state == MP_RESOLVER_UNPROVEN && trust.checking &&
           event_base_loop(run.base, EVLOOP_ONCE) == 0)
        mp_prober_resolver_trust(run.prober, &trust);
    flush_ready(&run);
    draw_progress(&run, true);
    if (run.format == OUT_CSV && !run.header_printed)
        csv_output_ready(&run);
    fflush(stdout);
    if (run.stats)
        print_stats(&run);
    if (run.progress_ev)
        event_free(run.progress_ev);
    mp_prober_free(run.prober);
    for (size_t i = 0; i < run.window_size; i++)
        if (run.window[i])
            record_free(run.window[i]);
    free(run.window);
    mp_csv_writer_free(run.out);
    mp_addrlist_free(run.list);
    close_list(&run);
    event_base_free(run.base);
    return run.failed ? 2 : 0;
}
