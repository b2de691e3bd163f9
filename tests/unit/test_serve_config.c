/* The settings of `serve` (config.h): defaults as documented, one name for
 * every setting in every source, errors that name the line, named results.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

TEST(config_defaults_match_the_documentation)
{
    mp_serve_config c;
    mp_serve_config_default(&c);
    CHECK_EQ_STR(c.listen, "127.0.0.1:8025");
    CHECK_EQ_STR(c.db_path, "mailprobe.db");
    CHECK_EQ_INT(c.max_body_verify, 1 << 20);
    CHECK_EQ_INT(c.max_body_jobs, 16 << 20);
    CHECK_EQ_INT(c.api_key_count, 0);
    CHECK_EQ_INT(c.public_key_count, 0);
    CHECK_EQ_INT(c.public_host_count, 0);
    CHECK_EQ_INT(c.max_connections, 8192);
    CHECK_EQ_INT(c.request_deadline_s, 60);
    CHECK_EQ_INT(c.prober.concurrency, 1000);
    /* what is kept, and the shared queue */
    CHECK_EQ_INT(c.job_retention_s, 30 * 86400);
    CHECK_EQ_INT(c.cache_max_entries, 100000);
    CHECK_EQ_INT(c.store_retry_time_s, 300);
    CHECK_EQ_INT(c.lease_ttl_s, 30);
    CHECK_EQ_STR(c.worker_name, "");
}

TEST(store_settings_take_durations_and_refuse_what_cannot_work)
{
    mp_serve_config c;
    char err[256];
    mp_serve_config_default(&c);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "job-retention", "7d", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.job_retention_s, 7 * 86400);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "job-retention", "0", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.job_retention_s, 0); /* keep */
    CHECK_EQ_INT(mp_serve_config_apply(&c, "store-retry-time", "2m", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.store_retry_time_s, 120);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "lease-ttl", "10s", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.lease_ttl_s, 10);
    /* a lease that expires before a heartbeat could renew it */
    CHECK_EQ_INT(mp_serve_config_apply(&c, "lease-ttl", "1s", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "lease-ttl", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cache-max-entries", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "worker-name", "w1", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.worker_name, "w1");
    CHECK_EQ_INT(mp_serve_config_apply(&c, "db", "postgresql://u@/mp?host=/tmp", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.db_path, "postgresql://u@/mp?host=/tmp");
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
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-key", "pk-0123456789 origin=https://a.example", err, sizeof err),
                 MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-key", "pk-0123456789", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK(strstr(err, "pk-0123456789") == NULL); /* a key is never echoed */
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-host", "verify.example.org", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-host", "[::1]:8025", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-host", "a b", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "public-host", "x.org/path", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "max-connections", "15", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "max-connections", "100", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.listen, "[::1]:9000");
    CHECK_EQ_INT(c.api_key_count, 1);
    CHECK(c.rate_limit == 2.5);
    CHECK(c.prober.per_host_rate == 5.0);
    CHECK(c.insecure_no_auth);
    CHECK_EQ_INT(c.public_key_count, 1);
    CHECK_EQ_INT(c.public_host_count, 2);
    CHECK_EQ_INT(c.max_connections, 100);
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

/* serve's own durations read like the prober's: units, bare seconds, a
 * floor, "0" where 0 means off -- from the file, the environment and flags. */
TEST(serve_durations_take_units_in_every_source)
{
    mp_serve_config c;
    char err[256];
    mp_serve_config_default(&c);
    CHECK_EQ_INT(c.cache_ttl_s, 86400);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cache-ttl", "2h", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.cache_ttl_s, 7200);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cache-ttl", "0", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.cache_ttl_s, 0);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "domain-cache-ttl", "7d", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.domain_cache_ttl_s, 7 * 86400);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "request-timeout", "90", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.request_timeout_s, 90);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "request-timeout", "500ms", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK(strstr(err, "--request-timeout") && strstr(err, "too short"));
    CHECK_EQ_INT(mp_serve_config_apply(&c, "request-timeout", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cache-ttl", "1500ms", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK(strstr(err, "whole seconds") != NULL);
    CHECK_EQ_INT(c.request_timeout_s, 90);
    CHECK_EQ_INT(c.request_deadline_s, 60);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "request-deadline", "2m", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.request_deadline_s, 120);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "request-deadline", "0", err, sizeof err), MP_OPTION_BAD_VALUE);

    char path[128];
    snprintf(path, sizeof path, "/tmp/mp-test-conf-d-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("timeout = 8\ncommand-timeout = 2500ms\ndns-canary = mptest.\n", f);
    fclose(f);
    setenv("MAILPROBE_CONNECT_TIMEOUT", "4s", 1);
    setenv("MAILPROBE_DNS_CANARY", "., mptest.", 1);
    char *argv[] = {"serve", "--config", path, "--dns-recheck", "1m", NULL};
    CHECK_EQ_INT(mp_serve_config_load(&c, 5, argv, stdout, err, sizeof err), MP_CONFIG_OK);
    CHECK_EQ_INT(c.prober.timeout_ms, 8000);                 /* file, bare: seconds */
    CHECK_EQ_INT(c.prober.command_timeout_ms, 2500);         /* file */
    CHECK_EQ_INT(c.prober.connect_timeout_ms, 4000);         /* environment */
    CHECK_EQ_INT(c.prober.dns_recheck_ms, 60000);            /* flag */
    CHECK_EQ_INT(c.prober.dns_canary_count, 2);              /* the environment's list replaced the file's */
    CHECK_EQ_STR(c.prober.dns_canaries[0], ".");
    setenv("MAILPROBE_CONNECT_TIMEOUT", "10ms", 1);
    CHECK_EQ_INT(mp_serve_config_load(&c, 5, argv, stdout, err, sizeof err), MP_CONFIG_INVALID);
    CHECK(strstr(err, "MAILPROBE_CONNECT_TIMEOUT") && strstr(err, "too short"));
    unsetenv("MAILPROBE_CONNECT_TIMEOUT");
    unsetenv("MAILPROBE_DNS_CANARY");
    unlink(path);
}

TEST(cluster_and_retry_settings)
{
    mp_serve_config c;
    char err[256];
    mp_serve_config_default(&c);
    CHECK_EQ_INT(c.retry_schedule.steps, 3);
    CHECK_EQ_INT(c.retry_schedule.wait_ms[0], 300000);
    CHECK_EQ_INT(c.cluster_host_connections, 6);
    CHECK(mp_serve_cluster_host_rate(&c) == 6); /* 2/s x 6 / 2 */
    c.prober.per_host_rate = 10;
    CHECK(mp_serve_cluster_host_rate(&c) == 30); /* follows a raised egress rate */
    CHECK_EQ_STR(c.egress_name, "");
    CHECK_EQ_INT(mp_serve_config_apply(&c, "retry-schedule", "4s,8s", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.retry_schedule.steps, 2);
    CHECK_EQ_INT(c.retry_schedule.wait_ms[1], 8000);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "retry-schedule", "soon", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(c.retry_schedule.steps, 2); /* a refused value changes nothing */
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cluster-host-connections", "4", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.cluster_host_connections, 4);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cluster-host-connections", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cluster-host-rate", "2.5", err, sizeof err), MP_OPTION_APPLIED);
    CHECK(mp_serve_cluster_host_rate(&c) == 2.5); /* set: as set */
    CHECK_EQ_INT(mp_serve_config_apply(&c, "cluster-host-rate", "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(mp_serve_config_apply(&c, "egress-name", "nat-1", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.egress_name, "nat-1");
    /* A job never holds a probe through a greylisting delay. */
    char *argv[] = {"serve", "--greylist-wait", "5", NULL};
    CHECK_EQ_INT(mp_serve_config_load(&c, 3, argv, stdout, err, sizeof err), MP_CONFIG_INVALID);
    CHECK(strstr(err, "--retry-schedule") != NULL);
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

/* docs/self-hosting.md: a list option from a higher source replaces the
 * whole list of a lower one — allow-net included, whose ranges open the
 * SSRF guard. */
TEST(allow_net_of_a_higher_source_replaces_the_lower_list)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "/tmp/mp-test-allow-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("allow-net = 10.0.0.0/8\nallow-net = 172.16.0.0/12\n", f);
    fclose(f);
    mp_serve_config c;
    char *file_only[] = {"serve", "--config", path, NULL};
    CHECK_EQ_INT(mp_serve_config_load(&c, 3, file_only, stdout, err, sizeof err), MP_CONFIG_OK);
    CHECK_EQ_INT(c.prober.targets.nallow, 2);

    setenv("MAILPROBE_ALLOW_NET", "192.168.0.0/16, 127.0.0.0/8", 1);
    CHECK_EQ_INT(mp_serve_config_load(&c, 3, file_only, stdout, err, sizeof err), MP_CONFIG_OK);
    CHECK_EQ_INT(c.prober.targets.nallow, 2);
    CHECK_EQ_INT(c.prober.targets.allow[0].addr[0], 192); /* the file's ranges are gone */
    CHECK_EQ_INT(c.prober.targets.allow[1].addr[0], 127);

    char *with_flag[] = {"serve", "--config", path, "--allow-net", "198.51.100.7", NULL};
    CHECK_EQ_INT(mp_serve_config_load(&c, 5, with_flag, stdout, err, sizeof err), MP_CONFIG_OK);
    CHECK_EQ_INT(c.prober.targets.nallow, 1);
    CHECK_EQ_INT(c.prober.targets.allow[0].addr[0], 198);
    unsetenv("MAILPROBE_ALLOW_NET");
    unlink(path);
}

TEST(config_results_have_names)
{
    CHECK_EQ_STR(mp_config_status_name(MP_CONFIG_OK), "ok");
    CHECK_EQ_STR(mp_config_status_name(MP_CONFIG_HELP_SHOWN), "help_shown");
    CHECK_EQ_STR(mp_config_status_name(MP_CONFIG_INVALID), "invalid");
    CHECK_EQ_STR(mp_config_status_name(MP_CONFIG_STATUS_COUNT), "?");
}

int main(void)
{
    RUN(cluster_and_retry_settings);
    RUN(config_defaults_match_the_documentation);
    RUN(store_settings_take_durations_and_refuse_what_cannot_work);
    RUN(config_apply_by_name_covers_serve_and_prober_options);
    RUN(config_file_errors_name_the_line);
    RUN(serve_durations_take_units_in_every_source);
    RUN(only_loopback_listen_addresses_count_as_private);
    RUN(allow_net_of_a_higher_source_replaces_the_lower_list);
    RUN(config_results_have_names);
    return test_report();
}
