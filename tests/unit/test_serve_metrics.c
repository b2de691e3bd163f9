/* The /metrics text (metrics.h): cumulative histograms, the prefix on every
 * name, and the fixed number of status-code slots.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "test.h"

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

/* The resolver's trust: one 0/1 gauge to alert on, and one series per state. */
TEST(metrics_show_whether_the_resolver_is_honest)
{
    mp_metrics m;
    mp_metrics_init(&m);
    mp_metrics_gauges g;
    memset(&g, 0, sizeof g);
    g.prober.resolver_state = MP_RESOLVER_LYING;
    char *text = render_metrics(&m, &g);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_honest 0\n") != NULL);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_state{state=\"lying\"} 1\n") != NULL);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_state{state=\"honest\"} 0\n") != NULL);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_state{state=\"unanswered\"} 0\n") != NULL);
    free(text);
    g.prober.resolver_state = MP_RESOLVER_HONEST;
    text = render_metrics(&m, &g);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_honest 1\n") != NULL);
    CHECK(strstr(text, "\nmailprobe_dns_resolver_state{state=\"honest\"} 1\n") != NULL);
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
    RUN(metrics_histograms_are_cumulative_and_every_name_is_prefixed);
    RUN(metrics_show_whether_the_resolver_is_honest);
    RUN(metrics_keep_a_fixed_number_of_status_codes);
    return test_report();
}
