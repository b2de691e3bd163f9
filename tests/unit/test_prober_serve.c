/* The building blocks of `mailprobe serve` that need no network: the
 * token-bucket rate limiter, static-file path mapping and MIME types, the
 * configuration sources, the extra disposable list, HMAC-SHA256 for the
 * webhook, the SQLite store's exactly-once rule and the /metrics text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "domain_list.h"
#include "metrics.h"
#include "ratelimit.h"
#include "static_files.h"
#include "store.h"
#include "test.h"
#include "webhook.h"

/* ---- rate limit ---- */

TEST(bucket_allows_burst_then_refuses_with_retry_after)
{
    mp_ratelimit *rl = mp_ratelimit_new(2.0, 3);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.0), 1); /* 0.5 s at 2/s, rounded up */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "b", 100.0), 0); /* another client, its own bucket */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.5), 0); /* refilled one token */
    CHECK_EQ_INT(mp_ratelimit_take(rl, "a", 100.5), 1);
    mp_ratelimit_free(rl);
}

TEST(slow_rate_reports_whole_seconds_to_wait)
{
    mp_ratelimit *rl = mp_ratelimit_new(0.1, 1);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 0), 0);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 0), 10);
    CHECK_EQ_INT(mp_ratelimit_take(rl, "k", 5), 5);
    mp_ratelimit_free(rl);
}

TEST(zero_rate_disables_limiting)
{
    mp_ratelimit *rl = mp_ratelimit_new(0, 1);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(mp_ratelimit_take(rl, "x", 0), 0);
    mp_ratelimit_free(rl);
}

TEST(table_stays_bounded_with_many_clients)
{
    mp_ratelimit *rl = mp_ratelimit_new(1, 1);
    char key[32];
    for (int i = 0; i < 3 * MP_RATELIMIT_BUCKETS; i++) {
        snprintf(key, sizeof key, "ip:%d", i);
        CHECK_EQ_INT(mp_ratelimit_take(rl, key, i * 0.001), 0); /* new clients start full */
    }
    mp_ratelimit_free(rl);
}

/* ---- static files ---- */

TEST(mime_types_by_extension)
{
    CHECK_EQ_STR(mp_static_mime("x/mailcheck.wasm"), "application/wasm");
    CHECK(!strncmp(mp_static_mime("a.mjs"), "text/javascript", 15));
    CHECK(!strncmp(mp_static_mime("a.JS"), "text/javascript", 15));
    CHECK(!strncmp(mp_static_mime("index.html"), "text/html", 9));
    CHECK_EQ_STR(mp_static_mime("dir.d/noext"), "application/octet-stream");
}

static char web_root[256];

static void make_web(void)
{
    snprintf(web_root, sizeof web_root, "/tmp/mp-test-web-%d", (int)getpid());
    char p[512];
    mkdir(web_root, 0700);
    snprintf(p, sizeof p, "%s/sub", web_root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/index.html", web_root);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/sub/index.html", web_root);
    f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/out", web_root);
    if (symlink("/etc", p) != 0)
        perror("symlink");
}

static void remove_web(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", web_root);
    if (system(cmd) != 0)
        perror("rm");
}

TEST(static_paths_map_inside_the_root_only)
{
    char out[4096], want[512];
    CHECK_EQ_INT(mp_static_resolve(web_root, "/", out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/index.html", web_root);
    CHECK_EQ_STR(out, want);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub", out, sizeof out), 0);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/", out, sizeof out), 0);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/missing", out, sizeof out), 404);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/../etc/passwd", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/../../x", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/out/passwd", out, sizeof out), 403); /* symlink out */
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/..", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "relative", out, sizeof out), 404);
}

/* ---- configuration ---- */

TEST(config_defaults_match_the_documentation)
{
    mp_serve_config c;
    mp_serve_config_default(&c);
    CHECK_EQ_STR(c.listen, "127.0.0.1:8025");
    CHECK_EQ_STR(c.db_path, "mailprobe.db");
    CHECK_EQ_INT(c.max_body_verify, 1 << 20);
    CHECK_EQ_INT(c.max_body_jobs, 16 << 20);
    CHECK_EQ_INT(c.api_key_count, 0);
    CHECK_EQ_INT(c.prober.concurrency, 1000);
}

TEST(config_apply_by_name_covers_serve_and_prober_options)
{
    mp_serve_config c;
    char err[256];
    mp_serve_config_default(&c);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "listen", "[::1]:9000", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "api-key", "abcdefgh12", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "api-key", "short", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "rate-limit", "2.5", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "rate-limit", "fast", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "max-running-jobs", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "per-host-rate", "5", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "insecure-no-auth", "yes", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "no-such-option", "1", err, sizeof err), MP_OPTION_UNKNOWN);
    CHECK_EQ_STR(c.listen, "[::1]:9000");
    CHECK_EQ_INT(c.api_key_count, 1);
    CHECK(c.rate_limit == 2.5);
    CHECK(c.prober.per_host_rate == 5.0);
    CHECK(c.insecure_no_auth);
}

TEST(config_file_errors_name_the_line)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "/tmp/mp-test-conf-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# comment\n\nlisten = 127.0.0.1:1234\ncache-ttl = soon\n", f);
    fclose(f);
    mp_serve_config c;
    mp_serve_config_default(&c);
    CHECK_EQ_INT(mp_serve_config_read_file(&c, path, err, sizeof err), MP_CONFIG_INVALID);
    CHECK(strstr(err, ":4:") != NULL);
    CHECK_EQ_STR(c.listen, "127.0.0.1:1234");
    unlink(path);
}

TEST(only_loopback_listen_addresses_count_as_private)
{
    CHECK(mp_serve_listen_is_loopback("127.0.0.1:8025"));
    CHECK(mp_serve_listen_is_loopback("127.9.9.9:1"));
    CHECK(mp_serve_listen_is_loopback("[::1]:8025"));
    CHECK(mp_serve_listen_is_loopback("localhost:80"));
    CHECK(!mp_serve_listen_is_loopback("0.0.0.0:8025"));
    CHECK(!mp_serve_listen_is_loopback("[::]:8025"));
    CHECK(!mp_serve_listen_is_loopback("192.0.2.1:80"));
    CHECK(!mp_serve_listen_is_loopback("no-port"));
}

/* ---- extra disposable list ---- */

TEST(domain_text_must_be_lower_case_ascii_domains)
{
    CHECK(mp_domain_text_valid("mailinator.com", 14));
    CHECK(mp_domain_text_valid("xn--bcher-kva.example", 21));
    CHECK(!mp_domain_text_valid("Mailinator.com", 14));
    CHECK(!mp_domain_text_valid("bad domain.com", 14));
    CHECK(!mp_domain_text_valid("localhost", 9));
    CHECK(!mp_domain_text_valid("", 0));
}

TEST(domain_list_loads_sorted_and_finds_members)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "/tmp/mp-test-list-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# header\nzz.example\naa.example\n\naa.example\n  mm.example  \n", f);
    fclose(f);
    mp_domain_list *l = mp_domain_list_load(path, err, sizeof err);
    CHECK(l != NULL);
    CHECK_EQ_INT(mp_domain_list_count(l), 3);
    CHECK(mp_domain_list_contains(l, "mm.example"));
    CHECK(mp_domain_list_contains(l, "zz.example"));
    CHECK(!mp_domain_list_contains(l, "bb.example"));
    mp_domain_list_free(l);
    f = fopen(path, "w");
    fputs("ok.example\nNOT OK\n", f);
    fclose(f);
    CHECK(mp_domain_list_load(path, err, sizeof err) == NULL);
    CHECK(strstr(err, ":2:") != NULL);
    unlink(path);
}

/* ---- HMAC-SHA256 (RFC 4231 test cases 1, 2 and 6) ---- */

TEST(hmac_sha256_matches_rfc_4231)
{
    char hex[65];
    unsigned char key1[20];
    memset(key1, 0x0b, sizeof key1);
    mp_hmac_sha256_hex(key1, sizeof key1, "Hi There", 8, hex);
    CHECK_EQ_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    mp_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
    CHECK_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char key6[131];
    memset(key6, 0xaa, sizeof key6);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    mp_hmac_sha256_hex(key6, sizeof key6, m6, strlen(m6), hex);
    CHECK_EQ_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* ---- store ---- */

TEST(store_marks_each_address_done_exactly_once)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_STR(mp_store_backend(s), "sqlite");
    int version = 0;
    CHECK_EQ_INT(mp_store_schema_version(s, &version), MP_STORE_OK);
    CHECK(version >= 1);
    mp_job_input in[3] = {{"a@x.org", 7}, {"b@x.org", 7}, {"c\0d", 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, 1000, err, sizeof err), MP_STORE_OK);
    /* duplicate id */
    CHECK_EQ_INT(mp_store_job_create(s, "0123456789abcdef", in, 3, 1000, err, sizeof err), MP_STORE_ERROR);
    mp_job_row row;
    CHECK_EQ_INT(mp_store_job_get(s, "0123456789abcdef", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.total, 3);
    CHECK_EQ_INT(row.state, MP_JOB_QUEUED);
    CHECK_EQ_INT(mp_store_begin(s), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_item_done(s, "0123456789abcdef", 1, MP_STATUS_RISKY, "{\"n\":1}"), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_item_done(s, "0123456789abcdef", 1, MP_STATUS_RISKY, "{\"n\":2}"), MP_STORE_UNCHANGED);
    CHECK_EQ_INT(mp_store_commit(s), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_job_get(s, "0123456789abcdef", &row), MP_STORE_OK);
    CHECK_EQ_INT(row.done, 1);
    int64_t counts[MP_STATUS_COUNT];
    CHECK_EQ_INT(mp_store_job_counts(s, "0123456789abcdef", counts), MP_STORE_OK);
    CHECK_EQ_INT(counts[MP_STATUS_RISKY], 1);
    CHECK_EQ_INT(counts[MP_STATUS_DELIVERABLE], 0);
    char ids[4][MP_JOB_ID_LEN + 1];
    size_t n = 99;
    CHECK_EQ_INT(mp_store_jobs_unfinished(s, ids, 4, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(mp_store_job_set_state(s, "0123456789abcdef", MP_JOB_DONE, 1001), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_jobs_unfinished(s, ids, 4, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(mp_store_job_get(s, "ffffffffffffffff", &row), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(mp_store_job_get(s, "short", &row), MP_STORE_NOT_FOUND);
    mp_store_close(s);
}

static int pending_seen;
static size_t pending_len_last;
static void count_pending(int64_t seq, const char *email, size_t len, void *arg)
{
    (void)seq;
    (void)email;
    (void)arg;
    pending_seen++;
    pending_len_last = len;
}

TEST(store_lists_pending_addresses_in_order_with_their_bytes)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    mp_job_input in[3] = {{"a@x.org", 7}, {"b@x.org", 7}, {"c\0d", 3}};
    CHECK_EQ_INT(mp_store_job_create(s, "00000000000000aa", in, 3, 1, err, sizeof err), MP_STORE_OK);
    mp_store_begin(s);
    mp_store_item_done(s, "00000000000000aa", 0, MP_STATUS_DELIVERABLE, "{}");
    mp_store_commit(s);
    pending_seen = 0;
    size_t n = 0;
    CHECK_EQ_INT(mp_store_items_pending(s, "00000000000000aa", -1, 10, count_pending, NULL, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(pending_seen, 2);
    CHECK_EQ_INT(pending_len_last, 3); /* the embedded NUL survives */
    CHECK_EQ_INT(mp_store_items_pending(s, "00000000000000aa", 1, 10, count_pending, NULL, &n), MP_STORE_OK);
    CHECK_EQ_INT(n, 1);
    mp_store_close(s);
}

TEST(verify_cache_expires)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    CHECK_EQ_INT(mp_store_cache_put(s, "a@x.org", 7, "{\"r\":1}", 100), MP_STORE_OK);
    char *hit = NULL;
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 7, 99, &hit), MP_STORE_OK);
    CHECK_EQ_STR(hit, "{\"r\":1}");
    free(hit);
    CHECK_EQ_INT(mp_store_cache_get(s, "a@x.org", 7, 100, &hit), MP_STORE_NOT_FOUND);
    CHECK(hit == NULL);
    size_t removed = 0;
    CHECK_EQ_INT(mp_store_cache_expire(s, 100, &removed), MP_STORE_OK);
    CHECK_EQ_INT(removed, 1);
    mp_store_close(s);
}

TEST(domain_facts_keep_a_known_catch_all_until_it_is_too_old)
{
    char err[256];
    mp_store *s = mp_store_open(":memory:", err, sizeof err);
    if (!s)
        return;
    mp_tristate ca = MP_YES;
    char provider[32];
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", &ca, provider, sizeof provider), MP_STORE_NOT_FOUND);
    CHECK_EQ_INT(ca, MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 0), MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", NULL, MP_NO, NULL, 100), MP_STORE_OK);
    /* A later fact without a verdict keeps the verdict and its age. */
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", "[]", MP_UNKNOWN, "google", 200), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_get(s, "x.org", &ca, provider, sizeof provider), MP_STORE_OK);
    CHECK_EQ_INT(ca, MP_NO);
    CHECK_EQ_STR(provider, "google");
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 100), MP_NO);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 101), MP_UNKNOWN);
    CHECK_EQ_INT(mp_store_domain_put(s, "x.org", NULL, MP_YES, NULL, 300), MP_STORE_OK);
    CHECK_EQ_INT(mp_store_domain_catch_all(s, "x.org", 250), MP_YES);
    mp_store_close(s);
}

TEST(store_status_names)
{
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_OK), "ok");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_NOT_FOUND), "not_found");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_UNCHANGED), "unchanged");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_ERROR), "error");
    CHECK_EQ_STR(mp_store_status_name(MP_STORE_STATUS_COUNT), "unknown");
}

/* ---- metrics ---- */

static char *render_metrics(const mp_metrics *m, const mp_metrics_gauges *g)
{
    struct evbuffer *b = evbuffer_new();
    mp_metrics_render(m, g, b);
    size_t n = evbuffer_get_length(b);
    char *text = malloc(n + 1);
    evbuffer_remove(b, text, n);
    text[n] = 0;
    evbuffer_free(b);
    return text;
}

TEST(metrics_histograms_are_cumulative_and_every_name_is_prefixed)
{
    mp_metrics m;
    mp_metrics_init(&m);
    mp_metrics_request(&m, MP_ROUTE_VERIFY, 200, 0.0005); /* first bucket */
    mp_metrics_request(&m, MP_ROUTE_VERIFY, 200, 0.2);    /* le 0.25 */
    mp_metrics_request(&m, MP_ROUTE_VERIFY, 429, 100.0);  /* only +Inf */
    mp_metrics_gauges g;
    memset(&g, 0, sizeof g);
    g.prober.dns_queries = 7;
    g.jobs_queued = 3;
    char *text = render_metrics(&m, &g);
    CHECK(strstr(text, "mailprobe_http_requests_total{route=\"verify\",code=\"200\"} 2\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_requests_total{route=\"verify\",code=\"429\"} 1\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_bucket{route=\"verify\",le=\"0.001\"} 1\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_bucket{route=\"verify\",le=\"0.1\"} 1\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_bucket{route=\"verify\",le=\"0.25\"} 2\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_bucket{route=\"verify\",le=\"30\"} 2\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_bucket{route=\"verify\",le=\"+Inf\"} 3\n") != NULL);
    CHECK(strstr(text, "mailprobe_http_request_duration_seconds_count{route=\"verify\"} 3\n") != NULL);
    CHECK(strstr(text, "route=\"healthz\"") == NULL); /* no series for routes never hit */
    CHECK(strstr(text, "\nmailprobe_dns_queries_total 7\n") != NULL);
    CHECK(strstr(text, "\nmailprobe_jobs_queued 3\n") != NULL);
    /* Every sample line starts with the prefix; comments are HELP/TYPE. */
    int lines = 0;
    for (const char *line = text; *line; lines++) {
        CHECK(!strncmp(line, "mailprobe_", 10) || !strncmp(line, "# HELP mailprobe_", 17) ||
              !strncmp(line, "# TYPE mailprobe_", 17));
        const char *nl = strchr(line, '\n');
        CHECK(nl != NULL); /* every line ends with a newline */
        line = nl ? nl + 1 : line + strlen(line);
    }
    CHECK(lines > 50);
    free(text);
}

TEST(metrics_keep_a_fixed_number_of_status_codes)
{
    mp_metrics m;
    mp_metrics_init(&m);
    for (int code = 100; code < 100 + 2 * MP_METRICS_CODES; code++)
        mp_metrics_request(&m, MP_ROUTE_OTHER, code, 0.01);
    uint64_t total = 0;
    for (int i = 0; i < MP_METRICS_CODES; i++)
        total += m.requests[MP_ROUTE_OTHER][i];
    CHECK_EQ_INT(total, 2 * MP_METRICS_CODES); /* nothing lost, nothing written out of bounds */
    CHECK_EQ_INT(m.codes[MP_METRICS_CODES - 1], 100 + MP_METRICS_CODES - 1);
}

int main(void)
{
    make_web();
    RUN(bucket_allows_burst_then_refuses_with_retry_after);
    RUN(slow_rate_reports_whole_seconds_to_wait);
    RUN(zero_rate_disables_limiting);
    RUN(table_stays_bounded_with_many_clients);
    RUN(mime_types_by_extension);
    RUN(static_paths_map_inside_the_root_only);
    RUN(config_defaults_match_the_documentation);
    RUN(config_apply_by_name_covers_serve_and_prober_options);
    RUN(config_file_errors_name_the_line);
    RUN(only_loopback_listen_addresses_count_as_private);
    RUN(domain_text_must_be_lower_case_ascii_domains);
    RUN(domain_list_loads_sorted_and_finds_members);
    RUN(hmac_sha256_matches_rfc_4231);
    RUN(store_marks_each_address_done_exactly_once);
    RUN(store_lists_pending_addresses_in_order_with_their_bytes);
    RUN(verify_cache_expires);
    RUN(domain_facts_keep_a_known_catch_all_until_it_is_too_old);
    RUN(store_status_names);
    RUN(metrics_histograms_are_cumulative_and_every_name_is_prefixed);
    RUN(metrics_keep_a_fixed_number_of_status_codes);
    remove_web();
    return test_report();
}
