/* bench_local: how many addresses per second mp_check() judges on one core.
 *
 * Generates a realistic mix (seeded, so every run sees the same input):
 * mostly popular providers and business domains, some typos, disposable and
 * role addresses, internationalised ones and a share of invalid input. The
 * addresses live in one arena, generated before the clock starts; the timed
 * loop is nothing but mp_check over them, best of a few passes.
 *
 * usage: bench_local [COUNT [SEED [PASSES]]]   (defaults 1000000 42 3)
 *        bench_local --file LIST [PASSES]       one address a line (LF or
 *        CRLF): e.g. the lists bench/wasm writes (bench.mjs --write-lists),
 *        to compare the native core with the WebAssembly one on one list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mailprobe/core.h"

/* xorshift64*: small, fast, and the same everywhere. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static unsigned rng_below(unsigned n) { return (unsigned)((rng_next() >> 33) % n); }

#define PICK(list) (list[rng_below(sizeof(list) / sizeof(list[0]))])

static const char *const first_names[] = {
    "anna", "john", "maria", "david", "sarah", "michael", "laura", "james", "emma", "peter",
    "sophie", "thomas", "julia", "daniel", "lisa", "robert", "nina", "paul", "olga", "chen",
    "wei", "aiko", "hiroshi", "fatima", "ahmed", "lucas", "camille", "jan", "eva", "ivan",
};
static const char *const last_names[] = {
    "smith", "mueller", "garcia", "rossi", "dubois", "kowalski", "nguyen", "johnson", "schmidt",
    "martin", "brown", "wang", "tanaka", "silva", "jansen", "novak", "ivanova", "lee", "khan",
};
/* Weighted roughly like a real sign-up list: the big free providers first. */
static const char *const providers[] = {
    "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com",
    "yahoo.com", "yahoo.com", "hotmail.com", "hotmail.com", "outlook.com", "outlook.com",
    "icloud.com", "aol.com", "gmx.de", "web.de", "yandex.ru", "mail.ru", "protonmail.com",
    "orange.fr", "free.fr", "libero.it", "qq.com", "163.com", "live.com", "msn.com",
    "googlemail.com", "hotmail.co.uk", "yahoo.co.uk", "t-online.de", "comcast.net",
};
static const char *const company_words[] = {
    "acme", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "vandelay", "wonka",
    "cyberdyne", "tyrell", "soylent", "aperture", "blue-sky", "northwind", "contoso", "fabrikam",
};
static const char *const company_suffixes[] = {"", "-corp", "-group", "-labs", "-gmbh", "tech", "-consulting"};
static const char *const tlds[] = {"com", "com", "com", "net", "org", "de", "co.uk", "fr", "io", "nl", "com.au", "ch"};
static const char *const typo_domains[] = {
    "gmial.com", "gmai.com", "gamil.com", "gmail.con", "gmail.co", "gnail.com", "hotmial.com",
    "hotmai.com", "yaho.com", "yahooo.com", "outlok.com", "outloo.com", "iclod.com", "aol.co",
};
static const char *const disposable_domains[] = {
    "mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com", "trashmail.com",
    "sharklasers.com", "temp-mail.org", "throwawaymail.com", "getnada.com", "dispostable.com",
};
static const char *const role_locals[] = {
    "info", "sales", "admin", "support", "contact", "office", "hello", "billing", "noreply", "hr",
};
static const char *const idn_addresses[] = {
    "hans@müller.de", "jürgen@bücher.de", "info@café.fr", "иван@пример.рф", "用户@例子.中国",
    "anna@straße.de", "josé@españa.es", "contact@xn--mller-kva.de", "θεός@ελλάδα.gr",
    "user@日本語.jp", "renée@zürich.ch",
};
static const char *const invalid_addresses[] = {
    "john.smith.example.com", "john..smith@example-corp.com", "john smith@acme.com",
    "John Smith <john@acme.com>", "john@acme", "@acme.com", "john@", "john@@acme.com",
    "john.@acme.com", ".john@acme.com", "john@acme..com", "john@-acme.com", "john@acme.123",
    "john@acme.com.", "john(comment)@acme.com", "", "john@acme_corp.com", "john@ac me.com",
};

static size_t make_local(char *out, size_t cap)
{
    const char *f = PICK(first_names), *l = PICK(last_names);
    switch (rng_below(6)) {
    case 0: return (size_t)snprintf(out, cap, "%s.%s", f, l);
    case 1: return (size_t)snprintf(out, cap, "%s%s", f, l);
    case 2: return (size_t)snprintf(out, cap, "%c.%s", f[0], l);
    case 3: return (size_t)snprintf(out, cap, "%s_%s%u", f, l, rng_below(100));
    case 4: return (size_t)snprintf(out, cap, "%s+%s", f, PICK(company_words));
    default: return (size_t)snprintf(out, cap, "%s%u", f, 1950 + rng_below(70));
    }
}

/* Writes one address into out; returns its length. */
static size_t make_address(char *out, size_t cap)
{
    char local[96];
    unsigned kind = rng_below(100);
    if (kind < 55) { /* popular provider */
        make_local(local, sizeof local);
        return (size_t)snprintf(out, cap, "%s@%s", local, PICK(providers));
    }
    if (kind < 77) { /* business domain, sometimes with a capital */
        make_local(local, sizeof local);
        size_t n = (size_t)snprintf(out, cap, "%s@%s%s.%s", local, PICK(company_words),
                                    PICK(company_suffixes), PICK(tlds));
        if (rng_below(10) == 0 && n > 0)
            out[0] = (char)(out[0] - 'a' + 'A');
        return n;
    }
    if (kind < 83) { /* typo */
        make_local(local, sizeof local);
        return (size_t)snprintf(out, cap, "%s@%s", local, PICK(typo_domains));
    }
    if (kind < 86) { /* disposable */
        make_local(local, sizeof local);
        return (size_t)snprintf(out, cap, "%s@%s", local, PICK(disposable_domains));
    }
    if (kind < 90) /* role */
        return (size_t)snprintf(out, cap, "%s@%s%s.%s", PICK(role_locals), PICK(company_words),
                                PICK(company_suffixes), PICK(tlds));
    if (kind < 93) /* internationalised */
        return (size_t)snprintf(out, cap, "%s", PICK(idn_addresses));
    return (size_t)snprintf(out, cap, "%s", PICK(invalid_addresses)); /* invalid */
}

/* CPU time of this thread, not wall time: on a shared machine the figure
 * should not count the time other processes had the core. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the file at `path` into *arena, one address a line (a CR before
 * the LF dropped), filling *offset (count + 1 entries). Returns the count,
 * 0 on error (said on stderr). */
static size_t read_list(const char *path, char **arena, size_t **offset, size_t *used)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 0;
    }
    size_t cap = 1 << 20, n = 0, lines = 0;
    char *text = malloc(cap);
    for (size_t got; text && (got = fread(text + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(text, cap *= 2);
            if (!bigger) {
                free(text);
                text = NULL;
            }
            text = bigger;
        }
    }
    fclose(f);
    if (!text)
        return 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    if (n > 0 && text[n - 1] != '\n')
        lines++;
    size_t *off = malloc((lines + 1) * sizeof *off), k = 0, w = 0;
    if (!off || lines == 0) {
        free(text);
        free(off);
        return 0;
    }
    for (size_t i = 0; i < n;) { /* compacted in place: line k is text[off[k]..off[k+1]) */
        const char *nl = memchr(text + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - text) : n, len = end - i;
        if (len > 0 && text[end - 1] == '\r')
            len--;
        memmove(text + w, text + i, len);
        off[k++] = w;
        w += len;
        i = end + 1;
    }
    off[k] = w;
    *arena = text;
    *offset = off;
    *used = w;
    return k;
}

int main(int argc, char **argv)
{
    const char *file = argc > 2 && strcmp(argv[1], "--file") == 0 ? argv[2] : NULL;
    size_t count = file ? 0 : argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    uint64_t seed = !file && argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
    int passes = file ? (argc > 3 ? atoi(argv[3]) : 3) : argc > 3 ? atoi(argv[3]) : 3;
    if ((!file && count == 0) || passes <= 0) {
        fprintf(stderr, "usage: bench_local [COUNT [SEED [PASSES]]] | bench_local --file LIST [PASSES]\n");
        return 2;
    }
    rng_state = seed ? seed : 1;

    /* One arena for all the text, one offset table. */
    size_t used = 0;
    char *arena = NULL;
    size_t *offset = NULL;
    mp_result *r = malloc(sizeof *r);
    if (file) {
        count = read_list(file, &arena, &offset, &used);
        if (count == 0) {
            fprintf(stderr, "bench_local: no addresses in %s\n", file);
            return 1;
        }
    } else {
        size_t arena_cap = count * 64;
        arena = malloc(arena_cap);
        offset = malloc((count + 1) * sizeof *offset);
        for (size_t i = 0; arena && offset && i < count; i++) {
            offset[i] = used;
            used += make_address(arena + used, arena_cap - used);
        }
        if (offset)
            offset[count] = used;
    }
    if (!arena || !offset || !r) {
        fprintf(stderr, "bench_local: out of memory\n");
        return 1;
    }

    mp_options opts;
    mp_policy policy;
    mp_options_default(&opts);
    mp_policy_default(&policy);

    double best = 1e30;
    size_t status_count[MP_STATUS_COUNT] = {0}, valid = 0, suggestions = 0, disposable = 0, role = 0, free_ = 0;
    for (int p = 0; p < passes; p++) {
        size_t v = 0, sg = 0, dp = 0, rl = 0, fr = 0, st[MP_STATUS_COUNT] = {0};
        double t0 = now_seconds();
        for (size_t i = 0; i < count; i++) {
            mp_check(arena + offset[i], offset[i + 1] - offset[i], &opts, &policy, r);
            /* Consume the result so nothing is optimised away. */
            v += r->syntax.valid;
            sg += r->has_suggestion;
            dp += r->disposable;
            rl += r->role;
            fr += r->free;
            st[(unsigned)r->status % MP_STATUS_COUNT]++;
        }
        double t = now_seconds() - t0;
        if (t < best)
            best = t;
        valid = v, suggestions = sg, disposable = dp, role = rl, free_ = fr;
        memcpy(status_count, st, sizeof st);
    }

    /* The same through a per-domain memo, as `mailprobe check -` and the
     * WebAssembly checkMany run: the answers must not change. */
    mp_domain_memo *memo = malloc(sizeof *memo);
    if (!memo) {
        fprintf(stderr, "bench_local: out of memory\n");
        return 1;
    }
    double memo_best = 1e30;
    bool memo_same = true;
    for (int p = 0; p < passes; p++) {
        mp_domain_memo_init(memo);
        size_t v = 0, sg = 0, dp = 0, rl = 0, fr = 0;
        double t0 = now_seconds();
        for (size_t i = 0; i < count; i++) {
            mp_check_memo(arena + offset[i], offset[i + 1] - offset[i], &opts, &policy, memo, r);
            v += r->syntax.valid;
            sg += r->has_suggestion;
            dp += r->disposable;
            rl += r->role;
            fr += r->free;
        }
        double t = now_seconds() - t0;
        if (t < memo_best)
            memo_best = t;
        memo_same = memo_same && v == valid && sg == suggestions && dp == disposable && rl == role &&
                    fr == free_;
    }

    /* The parser alone, for comparison: what the rest of mp_check costs. */
    double parse_best = 1e30;
    size_t parse_valid = 0;
    for (int p = 0; p < passes; p++) {
        size_t v = 0;
        double t0 = now_seconds();
        for (size_t i = 0; i < count; i++) {
            mp_parse(arena + offset[i], offset[i + 1] - offset[i], &opts, &r->syntax);
            v += r->syntax.valid;
        }
        double t = now_seconds() - t0;
        if (t < parse_best)
            parse_best = t;
        parse_valid = v;
    }

    if (file)
        printf("addresses: %zu (%.1f MB, from %s), best of %d passes\n", count, (double)used / 1e6, file,
               passes);
    else
        printf("addresses: %zu (%.1f MB, seed %llu), best of %d passes\n", count, (double)used / 1e6,
               (unsigned long long)seed, passes);
    printf("valid %zu, suggestions %zu, disposable %zu, role %zu, free %zu\n", valid, suggestions,
           disposable, role, free_);
    printf("status: deliverable %zu, undeliverable %zu, risky %zu, unknown %zu\n",
           status_count[MP_STATUS_DELIVERABLE], status_count[MP_STATUS_UNDELIVERABLE],
           status_count[MP_STATUS_RISKY], status_count[MP_STATUS_UNKNOWN]);
    printf("cpu time: %.3f s, %.0f ns/address\n", best, best * 1e9 / (double)count);
    printf("mp_parse alone: %.0f ns/address (%zu valid)\n", parse_best * 1e9 / (double)count, parse_valid);
    printf("throughput: %.2f M addresses/s/core\n", (double)count / best / 1e6);
    printf("with a domain memo (mp_check_memo): %.0f ns/address, %.2f M addresses/s/core, "
           "hit rate %.1f%%, same answers: %s\n",
           memo_best * 1e9 / (double)count, (double)count / memo_best / 1e6,
           100.0 * (double)memo->hits / (double)(memo->hits + memo->misses + (memo->hits + memo->misses == 0)),
           memo_same ? "yes" : "NO");
    free(memo);
    free(arena);
    free(offset);
    free(r);
    return 0;
}
