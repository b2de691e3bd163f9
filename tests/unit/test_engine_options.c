/* The shared prober options (prober_options.h): defaults, getopt codes,
 * long names for config files, refusal of bad values.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <stddef.h>
#include "prober_options.h"
#include "test.h"

static mp_option_status apply(mp_prober_config *cfg, const char *name, const char *value)
{
    char err[128];
    return mp_prober_option_apply_named(cfg, name, value, err, sizeof err);
}

TEST(defaults_are_the_documented_ones)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(c.smtp_port, 25);
    CHECK_EQ_INT(c.per_host_connections, 2);
    CHECK(c.per_host_rate == 2.0);
    CHECK_EQ_INT(c.max_rcpt_per_session, 50);
    CHECK_EQ_INT(c.max_rejections_per_session, 8);
    CHECK(c.max_rejections_per_session < 10); /* under Postfix's soft error limit */
    CHECK_EQ_INT(c.greylist_wait_s, 0);
    CHECK(c.catch_all);
    CHECK(!c.transcript);
    CHECK_EQ_INT(c.starttls, MP_STARTTLS_TRY);
    CHECK_EQ_STR(c.helo, "");
    CHECK_EQ_STR(c.from, "");
    CHECK(c.policy.catch_all_is_risky);
    CHECK_EQ_INT(c.max_queued, 10000);
    CHECK_EQ_INT(c.max_domains, 10000);
    CHECK_EQ_INT(c.max_hosts, 10000);
}

TEST(memory_bounds_are_options_with_limits)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(apply(&c, "max-queued", "0"), MP_OPTION_APPLIED); /* nothing waits beyond --concurrency */
    CHECK_EQ_INT(c.max_queued, 0);
    CHECK_EQ_INT(apply(&c, "max-domains", "5"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.max_domains, 5);
    CHECK_EQ_INT(apply(&c, "max-hosts", "7"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.max_hosts, 7);
    CHECK_EQ_INT(apply(&c, "max-domains", "0"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "max-hosts", "-1"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "max-queued", "10000001"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "max-queued", "lots"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(c.max_queued, 0);
}

TEST(getopt_table_has_every_option_with_its_code)
{
    struct option opts[64];
    size_t n = mp_prober_options_append(opts, 64);
    CHECK_EQ_INT(n, mp_prober_options_count());
    bool seen_rate = false;
    for (size_t i = 0; i < n; i++) {
        CHECK(opts[i].val >= MP_OPT_BASE && opts[i].val < MP_OPT_END);
        if (!strcmp(opts[i].name, "per-host-rate")) {
            seen_rate = true;
            CHECK_EQ_INT(opts[i].has_arg, required_argument);
        }
        if (!strcmp(opts[i].name, "transcript"))
            CHECK_EQ_INT(opts[i].has_arg, no_argument);
    }
    CHECK(seen_rate);
    CHECK_EQ_INT(mp_prober_options_append(opts, 3), 3); /* bounded by cap */
}

TEST(values_are_applied)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    char err[128];
    CHECK_EQ_INT(mp_prober_option_apply(&c, MP_OPT_SMTP_PORT, "2525", err, sizeof err), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.smtp_port, 2525);
    CHECK_EQ_INT(apply(&c, "per-host-rate", "0.5"), MP_OPTION_APPLIED);
    CHECK(c.per_host_rate == 0.5);
    CHECK_EQ_INT(apply(&c, "allow-net", "127.0.0.0/8"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.targets.nallow, 1);
    CHECK_EQ_INT(apply(&c, "no-batching", "true"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.max_rcpt_per_session, 1);
    CHECK_EQ_INT(apply(&c, "starttls", "never"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.starttls, MP_STARTTLS_NEVER);
    CHECK_EQ_INT(apply(&c, "from", "<>"), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.from, "<>");
    CHECK_EQ_INT(apply(&c, "transcript", "off"), MP_OPTION_APPLIED);
    CHECK(!c.transcript);
    CHECK_EQ_INT(apply(&c, "risky-role", "yes"), MP_OPTION_APPLIED);
    CHECK(c.policy.role_is_risky);
}

TEST(bad_values_are_refused_with_a_message)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    char err[128] = "";
    CHECK_EQ_INT(mp_prober_option_apply(&c, MP_OPT_SMTP_PORT, "0", err, sizeof err), MP_OPTION_BAD_VALUE);
    CHECK(strstr(err, "--smtp-port") != NULL);
    CHECK_EQ_INT(apply(&c, "smtp-port", "25x"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "per-host-rate", "0"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "timeout", "-5"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "allow-net", "not-a-cidr"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "proxy", "http://x:1"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "starttls", "maybe"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "transcript", "perhaps"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(c.smtp_port, 25); /* untouched */
}

/* A proxy that resolves names itself would connect past the target policy
 * (docs/dns-and-safety.md, "Proxies"). */
TEST(only_proxies_given_the_checked_address_are_accepted)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(apply(&c, "proxy", "socks5h://127.0.0.1:1080"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "proxy", "socks4a://127.0.0.1:1080"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_STR(c.proxy, "");
    CHECK_EQ_INT(apply(&c, "proxy", "socks4://127.0.0.1:1080"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(apply(&c, "proxy", "socks5://127.0.0.1:1080"), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.proxy, "socks5://127.0.0.1:1080");
}

TEST(command_line_injection_in_helo_and_from_is_refused)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(apply(&c, "helo", "evil\r\nRCPT TO:<x@y>"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "helo", "two words"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "from", "a@b>\r\nDATA"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "from", "no-at-sign"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_STR(c.helo, "");
    CHECK_EQ_INT(apply(&c, "helo", "prober.example.org"), MP_OPTION_APPLIED);
    CHECK_EQ_STR(c.helo, "prober.example.org");
}

TEST(unknown_names_and_codes_are_not_ours)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    char err[8];
    CHECK_EQ_INT(apply(&c, "listen", "127.0.0.1:8025"), MP_OPTION_UNKNOWN);
    CHECK_EQ_INT(mp_prober_option_apply(&c, 'h', NULL, err, sizeof err), MP_OPTION_UNKNOWN);
}

TEST(option_results_have_names)
{
    CHECK_EQ_STR(mp_option_status_name(MP_OPTION_APPLIED), "applied");
    CHECK_EQ_STR(mp_option_status_name(MP_OPTION_UNKNOWN), "unknown");
    CHECK_EQ_STR(mp_option_status_name(MP_OPTION_BAD_VALUE), "bad_value");
    CHECK_EQ_STR(mp_option_status_name(MP_OPTION_STATUS_COUNT), "?");
}

TEST(flag_values_parse_as_booleans)
{
    bool on = false;
    CHECK(mp_option_parse_bool(NULL, &on) && on);
    CHECK(mp_option_parse_bool("YES", &on) && on);
    CHECK(mp_option_parse_bool("off", &on) && !on);
    on = true;
    CHECK(!mp_option_parse_bool("maybe", &on));
    CHECK(on); /* untouched on refusal */
}

/* ---- durations: one parser, one rule for every option -------------------------- */

static int64_t duration(const char *s)
{
    static const mp_duration_rule any = {1, 86400000, 1, true};
    int64_t ms = -1;
    char why[200];
    return mp_option_parse_duration(s, &any, &ms, why, sizeof why) ? ms : -1;
}

TEST(durations_take_a_unit_and_a_bare_number_is_seconds)
{
    CHECK_EQ_INT(duration("500ms"), 500);
    CHECK_EQ_INT(duration("8s"), 8000);
    CHECK_EQ_INT(duration("2m"), 120000);
    CHECK_EQ_INT(duration("1h"), 3600000);
    CHECK_EQ_INT(duration("1d"), 86400000);
    CHECK_EQ_INT(duration("8"), 8000);
    CHECK_EQ_INT(duration("1.5s"), 1500);
    CHECK_EQ_INT(duration("0.25"), 250);
    CHECK_EQ_INT(duration("0"), 0);
}

TEST(malformed_durations_are_refused)
{
    const char *bad[] = {"", "s", "8 s", "8sec", "8S", "-5", "+5", "1e3", "1..5s", ".s", "8ms ", "0x10", "5mss",
                         "1234567890123456s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(duration(bad[i]), -1);
}

/* The messages a user sees: the value, the floor or maximum, and why a
 * bare number came out so long. */
TEST(duration_refusals_say_why)
{
    static const mp_duration_rule rule = {1000, 3600000, 1, false};
    int64_t ms = 0;
    char why[200] = "";
    CHECK(!mp_option_parse_duration("8ms", &rule, &ms, why, sizeof why));
    CHECK_EQ_STR(why, "8ms is too short: at least 1s");
    CHECK(!mp_option_parse_duration("60000", &rule, &ms, why, sizeof why));
    CHECK(strstr(why, "60000 seconds is too long: at most 1h") != NULL);
    CHECK(strstr(why, "60000ms") != NULL);
    CHECK(!mp_option_parse_duration("0", &rule, &ms, why, sizeof why));
    CHECK(strstr(why, "too short") != NULL);
    CHECK(!mp_option_parse_duration("soon", &rule, &ms, why, sizeof why));
    CHECK(strstr(why, "500ms, 8s, 2m or 1h") != NULL);
    static const mp_duration_rule seconds = {1000, 3600000, 1000, true};
    CHECK(!mp_option_parse_duration("1500ms", &seconds, &ms, why, sizeof why));
    CHECK(strstr(why, "whole seconds") != NULL);
    CHECK(mp_option_parse_duration("0", &seconds, &ms, why, sizeof why) && ms == 0);
}

TEST(durations_are_written_in_the_largest_exact_unit)
{
    char out[32];
    mp_duration_format(500, out, sizeof out);
    CHECK_EQ_STR(out, "500ms");
    mp_duration_format(1500, out, sizeof out);
    CHECK_EQ_STR(out, "1500ms");
    mp_duration_format(60000, out, sizeof out);
    CHECK_EQ_STR(out, "1m");
    mp_duration_format(7 * 86400000LL, out, sizeof out);
    CHECK_EQ_STR(out, "7d");
}

/* Every duration option of the prober: units, bare seconds, its floor. */
TEST(every_prober_duration_option_reads_units_and_refuses_its_floor)
{
    struct { const char *name, *below_floor; size_t field; int scale; } opts[] = {
        {"timeout", "999ms", offsetof(mp_prober_config, timeout_ms), 1},
        {"connect-timeout", "500ms", offsetof(mp_prober_config, connect_timeout_ms), 1},
        {"command-timeout", "0.5", offsetof(mp_prober_config, command_timeout_ms), 1},
        {"dns-timeout", "50ms", offsetof(mp_prober_config, dns_timeout_ms), 1},
        {"dns-recheck", "9s", offsetof(mp_prober_config, dns_recheck_ms), 1},
        {"greylist-wait", "500ms", offsetof(mp_prober_config, greylist_wait_s), 1000},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        mp_prober_config c;
        mp_prober_config_default(&c);
        int *field = (int *)((char *)&c + opts[i].field);
        CHECK_EQ_INT(apply(&c, opts[i].name, "12"), MP_OPTION_APPLIED);   /* bare: seconds */
        CHECK_EQ_INT(*field, 12000 / opts[i].scale);
        CHECK_EQ_INT(apply(&c, opts[i].name, "0.75m"), MP_OPTION_APPLIED);
        CHECK_EQ_INT(*field, 45000 / opts[i].scale);
        char err[256] = "";
        CHECK_EQ_INT(mp_prober_option_apply_named(&c, opts[i].name, opts[i].below_floor, err, sizeof err),
                     MP_OPTION_BAD_VALUE);
        CHECK(strstr(err, opts[i].name) != NULL);
        CHECK(strstr(err, "too short") != NULL);
        CHECK_EQ_INT(*field, 45000 / opts[i].scale); /* untouched */
    }
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(apply(&c, "timeout", "500ms"), MP_OPTION_BAD_VALUE);
    CHECK_EQ_INT(apply(&c, "timeout", "1500ms"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.timeout_ms, 1500);
    CHECK_EQ_INT(apply(&c, "greylist-wait", "0"), MP_OPTION_APPLIED);  /* off */
    CHECK_EQ_INT(c.greylist_wait_s, 0);
    CHECK_EQ_INT(apply(&c, "timeout", "0"), MP_OPTION_BAD_VALUE);      /* no "off" for a timeout */
    CHECK_EQ_INT(apply(&c, "timeout", "2h"), MP_OPTION_BAD_VALUE);     /* above 1h */
}

TEST(dns_canaries_are_zone_names_repeatable_and_bounded)
{
    mp_prober_config c;
    mp_prober_config_default(&c);
    CHECK_EQ_INT(c.dns_canary_count, 0);                     /* none: the built-in set */
    CHECK_EQ_INT(c.dns_recheck_ms, 300000);
    CHECK_EQ_INT(apply(&c, "dns-canary", "."), MP_OPTION_APPLIED);
    CHECK_EQ_INT(apply(&c, "dns-canary", "mptest."), MP_OPTION_APPLIED);
    CHECK_EQ_INT(apply(&c, "dns-canary", "example.org"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(c.dns_canary_count, 3);
    CHECK_EQ_STR(c.dns_canaries[1], "mptest.");
    const char *bad[] = {"", "..", "a..b", "two words", "x\r\ny", ".com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(apply(&c, "dns-canary", bad[i]), MP_OPTION_BAD_VALUE);
    for (int i = 3; i < MP_DNS_CANARIES_MAX; i++)
        CHECK_EQ_INT(apply(&c, "dns-canary", "com"), MP_OPTION_APPLIED);
    CHECK_EQ_INT(apply(&c, "dns-canary", "net"), MP_OPTION_BAD_VALUE); /* the bound */
    CHECK_EQ_INT(c.dns_canary_count, MP_DNS_CANARIES_MAX);
}

int main(void)
{
    RUN(defaults_are_the_documented_ones);
    RUN(memory_bounds_are_options_with_limits);
    RUN(getopt_table_has_every_option_with_its_code);
    RUN(values_are_applied);
    RUN(bad_values_are_refused_with_a_message);
    RUN(only_proxies_given_the_checked_address_are_accepted);
    RUN(command_line_injection_in_helo_and_from_is_refused);
    RUN(unknown_names_and_codes_are_not_ours);
    RUN(option_results_have_names);
    RUN(flag_values_parse_as_booleans);
    RUN(durations_take_a_unit_and_a_bare_number_is_seconds);
    RUN(malformed_durations_are_refused);
    RUN(duration_refusals_say_why);
    RUN(durations_are_written_in_the_largest_exact_unit);
    RUN(every_prober_duration_option_reads_units_and_refuses_its_floor);
    RUN(dns_canaries_are_zone_names_repeatable_and_bounded);
    return test_report();
}
