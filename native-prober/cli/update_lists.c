/* update_lists.c — `mailprobe update-lists`: downloads a newer
 * disposable-domain list with libcurl and writes it, validated, where
 * `mailprobe serve --disposable-list PATH` loads it (and reloads it on
 * SIGHUP). The file is written to PATH.tmp and renamed, so a running server
 * never reads half a list, and nothing is replaced unless every line is a
 * valid lower-case domain and the count is sane. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "domain_list.h"
#include "prober_options.h"

#define DEFAULT_URL \
    "https://raw.githubusercontent.com/disposable-email-domains/disposable-email-domains/main/disposable_email_blocklist.conf"

typedef struct download {
    char *data;
    size_t len, cap, max;
    bool too_big;
} download;

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    download *d = arg;
    size_t add = size * n;
    if (d->len + add > d->max) {
        d->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (d->len + add + 1 > d->cap) {
        size_t ncap = d->cap ? d->cap : 65536;
        while (ncap < d->len + add + 1)
            ncap *= 2;
        char *nd = realloc(d->data, ncap);
        if (!nd)
            return 0;
        d->data = nd;
        d->cap = ncap;
    }
    memcpy(d->data + d->len, p, add);
    d->len += add;
    d->data[d->len] = 0;
    return add;
}

/* Up to 80 octets of a bad line for the message, control octets as \xNN. */
static void printable(const char *p, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && i < 80 && n + 5 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f)
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
        else
            out[n++] = (char)c;
    }
    out[n] = '\0';
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mailprobe update-lists [--url URL] [--out PATH] [--min-count N] [--max-size BYTES]\n"
            "                              [--timeout DURATION] [--ca-file PATH]\n\n"
            "Downloads a disposable-domain list (one domain per line, '#' comments) and\n"
            "writes it to PATH (default disposable-domains.txt) after checking that every\n"
            "line is a valid lower-case domain and that there are at least N (default\n"
            "1000) of them. `mailprobe serve` loads PATH in addition to its compiled-in\n"
            "list and reloads it on SIGHUP.\n\n"
            "  --url URL           source (default: the disposable-email-domains project)\n"
            "  --out PATH          destination (default disposable-domains.txt)\n"
            "  --min-count N       refuse lists with fewer domains (default 1000)\n"
            "  --max-size BYTES    refuse larger downloads (default 16777216)\n"
            "  --timeout DURATION  whole transfer (default 60s; 30s, 2m...; a bare number means seconds)\n"
            "  --ca-file PATH      trust these CA certificates (PEM) instead of the system's,\n"
            "                      e.g. for a private mirror\n\n"
            "Redirects are followed (at most 3), never from https:// to http://.\n\n"
            "Exit status: 0 written, 1 download or validation failed (nothing replaced), 2 usage.\n");
}

int mp_cmd_update_lists(int argc, char **argv)
{
    const char *url = DEFAULT_URL, *out = "disposable-domains.txt", *ca_file = NULL;
    long min_count = 1000, max_size = 16L << 20;
    int64_t timeout_ms = 60000;
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},      {"out", required_argument, NULL, 'o'},
        {"min-count", required_argument, NULL, 'm'}, {"max-size", required_argument, NULL, 's'},
        {"timeout", required_argument, NULL, 't'},  {"ca-file", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        long v = 0;
        if (c == 't') {
            /* A download of a few hundred KiB: a second at least. */
            static const mp_duration_rule rule = {1000, 3600000, 1, false};
            if (!mp_option_duration_arg("update-lists", "--timeout", optarg, &rule, &timeout_ms))
                return 2;
            continue;
        }
        if (c == 'm' || c == 's') {
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 0 || (c != 'm' && v == 0)) {
                fprintf(stderr, "mailprobe update-lists: bad number '%s'\n", optarg);
                return 2;
            }
        }
        switch (c) {
        case 'u': url = optarg; break;
        case 'o': out = optarg; break;
        case 'm': min_count = v; break;
        case 's': max_size = v; break;
        case 'c': ca_file = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        fprintf(stderr, "mailprobe update-lists: --url must be http:// or https://\n");
        return 2;
    }
    download d = {NULL, 0, 0, (size_t)max_size, false};
    CURL *easy = curl_easy_init();
    if (!easy)
        return 1;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Once on https, stay on https: a redirect to http would let anyone on
     * the path replace the list. */
    bool secure = !strncmp(url, "https://", 8);
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, secure ? "https" : "http,https");
    if (ca_file)
        curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_size);
    curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "mailprobe-update-lists/" MP_CORE_VERSION);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    CURLcode cr = curl_easy_perform(easy);
    curl_easy_cleanup(easy);
    int rc = 1;
    FILE *f = NULL;
    char tmp[4096];
    if (d.too_big || cr == CURLE_FILESIZE_EXCEEDED) {
        fprintf(stderr, "mailprobe update-lists: %s: larger than %ld bytes\n", url, max_size);
        goto done;
    }
    if (cr == CURLE_UNSUPPORTED_PROTOCOL && secure) {
        fprintf(stderr, "mailprobe update-lists: %s: refused a redirect from https to another protocol (%s)\n", url,
                errbuf[0] ? errbuf : curl_easy_strerror(cr));
        goto done;
    }
    if (cr != CURLE_OK) {
        fprintf(stderr, "mailprobe update-lists: %s: %s\n", url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
        goto done;
    }
    /* Validate every line — every octet that will be written, a NUL
     * included — before anything is written. */
    long count = 0, lineno = 0;
    for (size_t at = 0; at < d.len;) {
        char *p = d.data + at;
        char *nl = memchr(p, '\n', d.len - at);
        size_t len = nl ? (size_t)(nl - p) : d.len - at;
        lineno++;
        size_t a = 0, b = len;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r'))
            b--;
        if (memchr(p, '\0', len)) {
            fprintf(stderr, "mailprobe update-lists: %s: line %ld contains a NUL octet\n", url, lineno);
            goto done;
        }
        if (b > a && p[a] != '#') {
            if (!mp_domain_text_valid(p + a, b - a)) {
                char shown[4 * 80 + 1];
                printable(p + a, b - a, shown, sizeof shown);
                fprintf(stderr, "mailprobe update-lists: %s: line %ld is not a lower-case domain: '%s'\n", url,
                        lineno, shown);
                goto done;
            }
            count++;
        }
        at += len + (nl ? 1 : 0);
    }
    if (count < min_count || count > MP_DOMAIN_LIST_MAX) {
        fprintf(stderr, "mailprobe update-lists: %s: %ld domains, expected %ld to %d (see --min-count)\n", url,
                count, min_count, MP_DOMAIN_LIST_MAX);
        goto done;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    f = fopen(tmp, "w");
    if (!f || fprintf(f, "# mailprobe update-lists from %s\n", url) < 0 ||
        (d.len && fwrite(d.data, 1, d.len, f) != d.len) || (d.len && d.data[d.len - 1] != '\n' && fputc('\n', f) == EOF) ||
        fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fprintf(stderr, "mailprobe update-lists: %s: %s\n", tmp, strerror(errno));
        if (f)
            fclose(f);
        f = NULL;
        unlink(tmp);
        goto done;
    }
    fclose(f);
    f = NULL;
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "mailprobe update-lists: %s: %s\n", out, strerror(errno));
        unlink(tmp);
        goto done;
    }
    printf("%s: %ld domains from %s\n", out, count, url);
    printf("running servers pick it up on SIGHUP (systemctl reload mailprobe)\n");
    rc = 0;
done:
    free(d.data);
    return rc;
}
