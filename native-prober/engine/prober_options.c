/* prober_options.c — one table of prober options, parsed the same way for
 * the command line (getopt_long codes) and for config files (long names). */
#include "prober_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { ARG_NONE, ARG_INT, ARG_MS, ARG_DOUBLE, ARG_TEXT } arg_kind;

typedef struct option_spec {
    const char *name;
    int code;
    arg_kind kind;
    const char *metavar;
    const char *help;
} option_spec;

static const option_spec specs[] = {
    {"dns", MP_OPT_DNS, ARG_TEXT, "HOST[:PORT]", "DNS server to ask (default: the system resolver)"},
    {"dns-timeout", MP_OPT_DNS_TIMEOUT, ARG_MS, "MS", "DNS query timeout per try (default 3000)"},
    {"smtp-port", MP_OPT_SMTP_PORT, ARG_INT, "N", "TCP port of every mail host (default 25)"},
    {"allow-net", MP_OPT_ALLOW_NET, ARG_TEXT, "CIDR",
     "also connect to this range (repeatable); private, loopback, link-local... are refused otherwise"},
    {"helo", MP_OPT_HELO, ARG_TEXT, "NAME", "EHLO name (default: this host's FQDN; use your own, never a borrowed one)"},
    {"from", MP_OPT_FROM, ARG_TEXT, "ADDRESS", "MAIL FROM address (default: probe@HELO-NAME)"},
    {"timeout", MP_OPT_TIMEOUT, ARG_MS, "MS", "total time for one address once started (default 60000)"},
    {"connect-timeout", MP_OPT_CONNECT_TIMEOUT, ARG_MS, "MS",
     "TCP connect + greeting + EHLO per host (default 15000)"},
    {"command-timeout", MP_OPT_COMMAND_TIMEOUT, ARG_MS, "MS", "wait for each MAIL/RCPT/RSET reply (default 15000)"},
    {"concurrency", MP_OPT_CONCURRENCY, ARG_INT, "N", "addresses in flight at once (default 1000)"},
    {"per-host-connections", MP_OPT_PER_HOST_CONNECTIONS, ARG_INT, "N",
     "simultaneous SMTP sessions per mail host address (default 2)"},
    {"per-host-rate", MP_OPT_PER_HOST_RATE, ARG_DOUBLE, "R", "new SMTP sessions per second per mail host (default 2)"},
    {"max-rcpt-per-session", MP_OPT_MAX_RCPT_PER_SESSION, ARG_INT, "N",
     "RCPT TO commands per session; 1 = one session per address (default 50)"},
    {"max-rejections-per-session", MP_OPT_MAX_REJECTIONS, ARG_INT, "N",
     "end a session after this many refused recipients (4xx or 5xx), below servers' error limits (default 8)"},
    {"no-batching", MP_OPT_NO_BATCHING, ARG_NONE, NULL, "one session per address (same as --max-rcpt-per-session 1)"},
    {"greylist-wait", MP_OPT_GREYLIST_WAIT, ARG_INT, "SECONDS",
     "retry greylisted addresses once after this delay (default 0: report retry_after)"},
    {"no-catch-all", MP_OPT_NO_CATCH_ALL, ARG_NONE, NULL, "do not test domains for catch-all"},
    {"proxy", MP_OPT_PROXY, ARG_TEXT, "URL", "connect through a SOCKS proxy, e.g. socks5://127.0.0.1:1080"},
    {"starttls", MP_OPT_STARTTLS, ARG_TEXT, "MODE", "try (default, opportunistic), never, or require (verified)"},
    {"transcript", MP_OPT_TRANSCRIPT, ARG_NONE, NULL, "include the SMTP conversation in each result"},
    {"risky-role", MP_OPT_RISKY_ROLE, ARG_NONE, NULL, "treat role accounts (info@, sales@...) as risky"},
    {"risky-free", MP_OPT_RISKY_FREE, ARG_NONE, NULL, "treat free providers (gmail.com...) as risky"},
    {"safe-catch-all", MP_OPT_SAFE_CATCH_ALL, ARG_NONE, NULL, "do not treat catch-all domains as risky"},
    {"safe-disposable", MP_OPT_SAFE_DISPOSABLE, ARG_NONE, NULL, "do not treat disposable domains as risky"},
    {"allow-quoted", MP_OPT_ALLOW_QUOTED, ARG_NONE, NULL, "accept quoted local parts (\"john doe\"@x.org)"},
    {"allow-literal", MP_OPT_ALLOW_LITERAL, ARG_NONE, NULL, "accept address literals (user@[192.0.2.1])"},
    {"allow-special-use", MP_OPT_ALLOW_SPECIAL_USE, ARG_NONE, NULL, "accept special-use domains (example.com, .test)"},
};
enum { SPEC_COUNT = sizeof specs / sizeof specs[0] };

void mp_prober_config_default(mp_prober_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->dns_timeout_ms = 3000;
    cfg->smtp_port = 25;
    cfg->starttls = MP_STARTTLS_TRY;
    cfg->timeout_ms = 60000;
    cfg->connect_timeout_ms = 15000;
    cfg->command_timeout_ms = 15000;
    cfg->concurrency = 1000;
    cfg->per_host_connections = 2;
    cfg->per_host_rate = 2.0;
    cfg->max_rcpt_per_session = 50;
    cfg->max_rejections_per_session = 8;
    cfg->greylist_wait_s = 0;
    cfg->catch_all = true;
    cfg->transcript = false;
    mp_options_default(&cfg->parse);
    mp_policy_default(&cfg->policy);
}

size_t mp_prober_options_count(void) { return SPEC_COUNT; }

size_t mp_prober_options_append(struct option *dst, size_t cap)
{
    size_t n = 0;
    for (; n < SPEC_COUNT && n < cap; n++) {
        dst[n].name = specs[n].name;
        dst[n].has_arg = specs[n].kind == ARG_NONE ? no_argument : required_argument;
        dst[n].flag = NULL;
        dst[n].val = specs[n].code;
    }
    return n;
}

static const option_spec *spec_by_code(int code)
{
    for (size_t i = 0; i < SPEC_COUNT; i++)
        if (specs[i].code == code)
            return &specs[i];
    return NULL;
}

static mp_option_status fail(char *err, size_t errlen, const option_spec *s, const char *arg, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "--%s %s: %s", s->name, arg ? arg : "", why);
    return MP_OPTION_BAD_VALUE;
}

bool mp_option_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* No CR, LF, NUL, space or angle brackets: these strings end up on SMTP
 * command lines. */
static bool safe_smtp_token(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' || *s == 0x7f)
            return false;
    return true;
}

/* The options that take one integer within bounds, and the int they set. */
typedef struct int_option {
    int code;
    long lo, hi;
    size_t field; /* offsetof(mp_prober_config, ...), an int */
    const char *why;
} int_option;

#define INT_FIELD(name) offsetof(mp_prober_config, name)
static const int_option int_options[] = {
    {MP_OPT_DNS_TIMEOUT, 1, 600000, INT_FIELD(dns_timeout_ms), "expected milliseconds 1..600000"},
    {MP_OPT_SMTP_PORT, 1, 65535, INT_FIELD(smtp_port), "expected a port 1..65535"},
    {MP_OPT_TIMEOUT, 1, 3600000, INT_FIELD(timeout_ms), "expected milliseconds 1..3600000"},
    {MP_OPT_CONNECT_TIMEOUT, 1, 3600000, INT_FIELD(connect_timeout_ms), "expected milliseconds 1..3600000"},
    {MP_OPT_COMMAND_TIMEOUT, 1, 3600000, INT_FIELD(command_timeout_ms), "expected milliseconds 1..3600000"},
    {MP_OPT_CONCURRENCY, 1, 100000, INT_FIELD(concurrency), "expected 1..100000"},
    {MP_OPT_PER_HOST_CONNECTIONS, 1, 10000, INT_FIELD(per_host_connections), "expected 1..10000"},
    {MP_OPT_MAX_RCPT_PER_SESSION, 1, 1000, INT_FIELD(max_rcpt_per_session), "expected 1..1000"},
    {MP_OPT_MAX_REJECTIONS, 1, 1000, INT_FIELD(max_rejections_per_session), "expected 1..1000"},
    {MP_OPT_GREYLIST_WAIT, 0, 3600, INT_FIELD(greylist_wait_s), "expected seconds 0..3600"},
};
#undef INT_FIELD

static mp_option_status apply_spec(mp_prober_config *cfg, const option_spec *s, const char *arg, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof int_options / sizeof int_options[0]; i++) {
        const int_option *io = &int_options[i];
        if (io->code != s->code)
            continue;
        long v = 0;
        if (!mp_option_parse_long(arg, io->lo, io->hi, &v))
            return fail(err, errlen, s, arg, io->why);
        *(int *)((char *)cfg + io->field) = (int)v;
        return MP_OPTION_APPLIED;
    }
    switch (s->code) {
    case MP_OPT_DNS:
        if (!copy_text(cfg->dns_server, sizeof cfg->dns_server, arg))
            return fail(err, errlen, s, arg, "too long");
        return MP_OPTION_APPLIED;
    case MP_OPT_ALLOW_NET:
        if (!mp_target_allow(&cfg->targets, arg))
            return fail(err, errlen, s, arg, "expected a CIDR range like 127.0.0.0/8 (at most 32)");
        return MP_OPTION_APPLIED;
    case MP_OPT_HELO:
        if (!*arg || !safe_smtp_token(arg) || !copy_text(cfg->helo, sizeof cfg->helo, arg))
            return fail(err, errlen, s, arg, "expected a host name");
        return MP_OPTION_APPLIED;
    case MP_OPT_FROM:
        /* "" and "<>" both mean the null reverse-path. */
        if (!strcmp(arg, "<>")) {
            strcpy(cfg->from, "<>");
            return MP_OPTION_APPLIED;
        }
        if (!safe_smtp_token(arg) || !strchr(arg, '@') || !copy_text(cfg->from, sizeof cfg->from, arg))
            return fail(err, errlen, s, arg, "expected an address (or <>)");
        return MP_OPTION_APPLIED;
    case MP_OPT_PER_HOST_RATE: {
        char *end = NULL;
        errno = 0;
        double d = strtod(arg, &end);
        if (errno || !*arg || *end || !(d > 0) || d > 100000)
            return fail(err, errlen, s, arg, "expected sessions per second > 0");
        cfg->per_host_rate = d;
        return MP_OPTION_APPLIED;
    }
    case MP_OPT_NO_BATCHING:
        cfg->max_rcpt_per_session = 1;
        return MP_OPTION_APPLIED;
    case MP_OPT_NO_CATCH_ALL:
        cfg->catch_all = false;
        return MP_OPTION_APPLIED;
    case MP_OPT_PROXY:
        if (strncmp(arg, "socks5://", 9) && strncmp(arg, "socks5h://", 10) && strncmp(arg, "socks4://", 9) &&
            strncmp(arg, "socks4a://", 10))
            return fail(err, errlen, s, arg, "expected socks5://HOST:PORT (or socks5h/socks4/socks4a)");
        if (!copy_text(cfg->proxy, sizeof cfg->proxy, arg))
            return fail(err, errlen, s, arg, "too long");
        return MP_OPTION_APPLIED;
    case MP_OPT_STARTTLS:
        if (!strcmp(arg, "try"))
            cfg->starttls = MP_STARTTLS_TRY;
        else if (!strcmp(arg, "never"))
            cfg->starttls = MP_STARTTLS_NEVER;
        else if (!strcmp(arg, "require"))
            cfg->starttls = MP_STARTTLS_REQUIRE;
        else
            return fail(err, errlen, s, arg, "expected try, never or require");
        return MP_OPTION_APPLIED;
    case MP_OPT_TRANSCRIPT: cfg->transcript = true; return MP_OPTION_APPLIED;
    case MP_OPT_RISKY_ROLE: cfg->policy.role_is_risky = true; return MP_OPTION_APPLIED;
    case MP_OPT_RISKY_FREE: cfg->policy.free_is_risky = true; return MP_OPTION_APPLIED;
    case MP_OPT_SAFE_CATCH_ALL: cfg->policy.catch_all_is_risky = false; return MP_OPTION_APPLIED;
    case MP_OPT_SAFE_DISPOSABLE: cfg->policy.disposable_is_risky = false; return MP_OPTION_APPLIED;
    case MP_OPT_ALLOW_QUOTED: cfg->parse.flags |= MP_ALLOW_QUOTED_LOCAL; return MP_OPTION_APPLIED;
    case MP_OPT_ALLOW_LITERAL: cfg->parse.flags |= MP_ALLOW_DOMAIN_LITERAL; return MP_OPTION_APPLIED;
    case MP_OPT_ALLOW_SPECIAL_USE: cfg->parse.flags |= MP_ALLOW_SPECIAL_USE; return MP_OPTION_APPLIED;
    default:
        return MP_OPTION_UNKNOWN;
    }
}

mp_option_status mp_prober_option_apply(mp_prober_config *cfg, int code, const char *arg, char *err,
                                        size_t errlen)
{
    const option_spec *s = spec_by_code(code);
    if (!s)
        return MP_OPTION_UNKNOWN;
    if (s->kind != ARG_NONE && !arg)
        return fail(err, errlen, s, arg, "missing value");
    return apply_spec(cfg, s, arg, err, errlen);
}

bool mp_option_parse_bool(const char *v, bool *out)
{
    if (!v || !strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) {
        *out = false;
        return true;
    }
    return false;
}

mp_option_status mp_prober_option_apply_named(mp_prober_config *cfg, const char *name, const char *value,
                                              char *err, size_t errlen)
{
    for (size_t i = 0; i < SPEC_COUNT; i++) {
        const option_spec *s = &specs[i];
        if (strcmp(s->name, name))
            continue;
        if (s->kind != ARG_NONE)
            return mp_prober_option_apply(cfg, s->code, value, err, errlen);
        bool on;
        if (!mp_option_parse_bool(value, &on))
            return fail(err, errlen, s, value, "expected true or false");
        return on ? apply_spec(cfg, s, NULL, err, errlen) : MP_OPTION_APPLIED;
    }
    return MP_OPTION_UNKNOWN;
}

const char *mp_option_status_name(mp_option_status st)
{
    static const char *const names[MP_OPTION_STATUS_COUNT] = {"applied", "unknown", "bad_value"};
    return (unsigned)st < MP_OPTION_STATUS_COUNT ? names[st] : "?";
}

void mp_prober_options_help(FILE *out)
{
    for (size_t i = 0; i < SPEC_COUNT; i++) {
        char left[64];
        if (specs[i].metavar)
            snprintf(left, sizeof left, "--%s %s", specs[i].name, specs[i].metavar);
        else
            snprintf(left, sizeof left, "--%s", specs[i].name);
        fprintf(out, "  %-34s %s\n", left, specs[i].help);
    }
}
