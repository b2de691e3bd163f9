/* The shared prober options (prober_options.h): defaults, getopt codes,
 * long names for config files, refusal of bad values.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
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

int main(void)
{
    RUN(defaults_are_the_documented_ones);
    RUN(memory_bounds_are_options_with_limits);
    RUN(getopt_table_has_every_option_with_its_code);
    RUN(values_are_applied);
    RUN(bad_values_are_refused_with_a_message);
    RUN(command_line_injection_in_helo_and_from_is_refused);
    RUN(unknown_names_and_codes_are_not_ours);
    RUN(option_results_have_names);
    RUN(flag_values_parse_as_booleans);
    return test_report();
}
