/* prober_options.c — one table of prober options, parsed the same way for
 * the command line (getopt_long codes) and for config files (long names). */
#include "prober_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { ARG_NONE, ARG_INT, ARG_DURATION, ARG_DOUBLE, ARG_TEXT } arg_kind;

typedef struct option_spec {
    const char *name;
    int code;
    arg_kind kind;
    const char *metavar;
    const char *help;
} option_spec;

static const option_spec specs[] = {
    {"dns", MP_OPT_DNS, ARG_TEXT, "HOST[:PORT]", "DNS server to ask (default: the system resolver)"},
    {"dns-timeout", MP_OPT_DNS_TIMEOUT, ARG_DURATION, "DURATION", "DNS query timeout per try (default 3s)"},
    {"dns-canary", MP_OPT_DNS_CANARY, ARG_TEXT, "ZONE",
     "a zone whose NS records the resolver must return, or its denials are not believed (repeatable; "
     "replaces the built-in . com. root-servers.net.)"},
    {"dns-recheck", MP_OPT_DNS_RECHECK, ARG_DURATION, "DURATION",
     "ask the canaries again this often (default 5m; a tenth of it while the resolver is not honest)"},
    {"smtp-port", MP_OPT_SMTP_PORT, ARG_INT, "N", "TCP port of every mail host (default 25)"},
    {"allow-net", MP_OPT_ALLOW_NET, ARG_TEXT, "CIDR",
     "also connect to this range (repeatable); private, loopback, link-local... are refused otherwise"},
    {"helo", MP_OPT_HELO, ARG_TEXT, "NAME", "EHLO name (default: this host's FQDN; use your own, never a borrowed one)"},
    {"from", MP_OPT_FROM, ARG_TEXT, "ADDRESS", "MAIL FROM address (default: probe@HELO-NAME)"},
    {"timeout", MP_OPT_TIMEOUT, ARG_DURATION, "DURATION", "total time for one address once started (default 60s)"},
    {"connect-timeout", MP_OPT_CONNECT_TIMEOUT, ARG_DURATION, "DURATION",
     "TCP connect + greeting + EHLO per host (default 15s)"},
    {"command-timeout", MP_OPT_COMMAND_TIMEOUT, ARG_DURATION, "DURATION",
     "wait for each MAIL/RCPT/RSET reply (default 15s)"},
    {"concurrency", MP_OPT_CONCURRENCY, ARG_INT, "N", "addresses in flight at once (default 1000)"},
    {"max-queued", MP_OPT_MAX_QUEUED, ARG_INT, "N",
     "addresses waiting for a free slot beyond --concurrency; then input waits (verify) or 503 (serve) "
     "(default 10000)"},
    {"max-domains", MP_OPT_MAX_DOMAINS, ARG_INT, "N",
     "domains remembered (DNS answer, catch-all verdict); the one idle the longest is forgotten first "
     "(default 10000)"},
    {"max-hosts", MP_OPT_MAX_HOSTS, ARG_INT, "N",
     "mail host addresses remembered (politeness limits); the one idle the longest is forgotten first "
     "(default 10000)"},
    {"per-host-connections", MP_OPT_PER_HOST_CONNECTIONS, ARG_INT, "N",
     "simultaneous SMTP sessions per mail host address (default 2)"},
    {"per-host-rate", MP_OPT_PER_HOST_RATE, ARG_DOUBLE, "R", "new SMTP sessions per second per mail host (default 2)"},
    {"max-rcpt-per-session", MP_OPT_MAX_RCPT_PER_SESSION, ARG_INT, "N",
     "RCPT TO commands per session; 1 = one session per address (default 50)"},
    {"max-rejections-per-session", MP_OPT_MAX_REJECTIONS, ARG_INT, "N",
     "end a session after this many refused recipients (4xx or 5xx), below servers' error limits (default 8)"},
    {"no-batching", MP_OPT_NO_BATCHING, ARG_NONE, NULL, "one session per address (same as --max-rcpt-per-session 1)"},
    {"greylist-wait", MP_OPT_GREYLIST_WAIT, ARG_DURATION, "DURATION",
     "verify only: retry greylisted addresses once after this delay (default 0: report retry_after; serve uses --retry-schedule)"},
    {"no-catch-all", MP_OPT_NO_CATCH_ALL, ARG_NONE, NULL, "do not test domains for catch-all"},
    {"proxy", MP_OPT_PROXY, ARG_TEXT, "URL",
     "connect through a SOCKS proxy: socks5://HOST:PORT or socks4://... (never socks5h/socks4a: the prober resolves)"},
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
    cfg->dns_recheck_ms = MP_DNS_RECHECK_DEFAULT_MS;
    cfg->smtp_port = 25;
    cfg->starttls = MP_STARTTLS_TRY;
    cfg->timeout_ms = 60000;
    cfg->connect_timeout_ms = 15000;
    cfg->command_timeout_ms = 15000;
    cfg->concurrency = 1000;
    cfg->max_queued = 10000;
    cfg->max_domains = 10000;
    cfg->max_hosts = 10000;
    cfg->per_host_connections = 2;
    cfg->per_host_rate = 2.0;
    cfg->max_rcpt_per_session = 50;
    cfg->max_rejections_per_session = 8;
    cfg->greylist_wait_s = 0;
    cfg->catch_all = true;
    cfg->domain_idle_ms = 600000;
    long idle_ms = 0; /* test-only: lets a test outwait the idle time in seconds */
    if (mp_option_parse_long(getenv("MAILPROBE_TEST_DOMAIN_IDLE_MS"), 1, 600000, &idle_ms))
        cfg->domain_idle_ms = (int)idle_ms;
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
        snprintf(err, errlen, "--%s '%s': %s", s->name, arg ? arg : "", why);
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

/* ---- durations ------------------------------------------------------------------ */

typedef struct duration_unit {
    const char *name;
    int64_t ms;
} duration_unit;

static const duration_unit units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
};

void mp_duration_format(int64_t ms, char *out, size_t cap)
{
    for (size_t i = sizeof units / sizeof units[0]; i-- > 1;)
        if (ms && ms % units[i].ms == 0) {
            snprintf(out, cap, "%lld%s", (long long)(ms / units[i].ms), units[i].name);
            return;
        }
    snprintf(out, cap, "%lldms", (long long)ms);
}

/* "12", "1.5": digits with at most one '.', nothing else, not empty. */
static size_t number_length(const char *s)
{
    size_t n = 0, digits = 0;
    bool dot = false;
    for (; s[n]; n++) {
        if (s[n] >= '0' && s[n] <= '9')
            digits++;
        else if (s[n] == '.' && !dot)
            dot = true;
        else
            break;
    }
    return digits && digits <= 15 ? n : 0;
}

bool mp_option_parse_duration(const char *s, const mp_duration_rule *rule, int64_t *ms, char *why,
                              size_t whylen)
{
    char floor_text[32], max_text[32];
    mp_duration_format(rule->floor_ms, floor_text, sizeof floor_text);
    mp_duration_format(rule->max_ms, max_text, sizeof max_text);
    size_t n = s ? number_length(s) : 0;
    const duration_unit *unit = NULL;
    if (n) {
        if (!s[n])
            unit = &units[1];            /* a bare number is seconds, for every option */
        for (size_t i = 0; !unit && i < sizeof units / sizeof units[0]; i++)
            if (!strcmp(s + n, units[i].name))
                unit = &units[i];
    }
    if (!unit) {
        snprintf(why, whylen, "expected a duration such as 500ms, 8s, 2m or 1h (a bare number means seconds)");
        return false;
    }
    double value = strtod(s, NULL) * (double)unit->ms;
    if (value == 0 && rule->zero_is_off) {
        *ms = 0;
        return true;
    }
    if (value > (double)rule->max_ms) {
        if (s[n])
            snprintf(why, whylen, "%s is too long: at most %s", s, max_text);
        else
            snprintf(why, whylen, "%s seconds is too long: at most %s (a bare number means seconds; "
                     "for milliseconds write %sms)", s, max_text, s);
        return false;
    }
    if (value < (double)rule->floor_ms) {
        snprintf(why, whylen, "%s%s is too short: at least %s%s", s, s[n] ? "" : " seconds", floor_text,
                 rule->zero_is_off ? " (or 0 for off)" : "");
        return false;
    }
    int64_t v = (int64_t)(value + 0.5);
    if (v % rule->step_ms) {
        snprintf(why, whylen, "%s: this option counts whole seconds", s);
        return false;
    }
    *ms = v;
    return true;
}

bool mp_option_duration_arg(const char *command, const char *option, const char *value,
                            const mp_duration_rule *rule, int64_t *ms)
{
    char why[200];
    if (mp_option_parse_duration(value, rule, ms, why, sizeof why))
        return true;
    fprintf(stderr, "mailprobe %s: %s '%s': %s\n", command, option, value, why);
    return false;
}

/* The duration options, their rules and the int they set. */
typedef struct duration_option {
    int code;
    mp_duration_rule rule;
    size_t field;         /* offsetof(mp_prober_config, ...), an int */
    bool in_seconds;      /* the field counts seconds, not milliseconds */
} duration_option;

#define FIELD(name) offsetof(mp_prober_config, name)
static const duration_option duration_options[] = {
    /* c-ares waits this long per try; below 100 ms even a healthy resolver misses. */
    {MP_OPT_DNS_TIMEOUT, {100, 60000, 1, false}, FIELD(dns_timeout_ms), false},
    {MP_OPT_DNS_RECHECK, {10000, 86400000, 1, false}, FIELD(dns_recheck_ms), false},
    /* A whole SMTP dialogue in under a second is not a fair chance. */
    {MP_OPT_TIMEOUT, {1000, 3600000, 1, false}, FIELD(timeout_ms), false},
    {MP_OPT_CONNECT_TIMEOUT, {1000, 3600000, 1, false}, FIELD(connect_timeout_ms), false},
    {MP_OPT_COMMAND_TIMEOUT, {1000, 3600000, 1, false}, FIELD(command_timeout_ms), false},
    {MP_OPT_GREYLIST_WAIT, {1000, 3600000, 1000, true}, FIELD(greylist_wait_s), true},
};

/* The options that take one integer within bounds, and the int they set. */
typedef struct int_option {
    int code;
    long lo, hi;
    size_t field; /* offsetof(mp_prober_config, ...), an int */
    const char *why;
} int_option;

static const int_option int_options[] = {
    {MP_OPT_SMTP_PORT, 1, 65535, FIELD(smtp_port), "expected a port 1..65535"},
    {MP_OPT_CONCURRENCY, 1, 100000, FIELD(concurrency), "expected 1..100000"},
    {MP_OPT_MAX_QUEUED, 0, 10000000, FIELD(max_queued), "expected 0..10000000"},
    {MP_OPT_MAX_DOMAINS, 1, 10000000, FIELD(max_domains), "expected 1..10000000"},
    {MP_OPT_MAX_HOSTS, 1, 10000000, FIELD(max_hosts), "expected 1..10000000"},
    {MP_OPT_PER_HOST_CONNECTIONS, 1, 10000, FIELD(per_host_connections), "expected 1..10000"},
    {MP_OPT_MAX_RCPT_PER_SESSION, 1, 1000, FIELD(max_rcpt_per_session), "expected 1..1000"},
    {MP_OPT_MAX_REJECTIONS, 1, 1000, FIELD(max_rejections_per_session), "expected 1..1000"},
};
#undef FIELD

/* A zone name for --dns-canary: "." or dot-separated labels of letters,
 * digits, '-' and '_' (1..63 octets each), at most 253 octets, an optional
 * trailing dot. */
static bool zone_name_valid(const char *s)
{
    size_t len = strlen(s);
    if (!strcmp(s, "."))
        return true;
    if (len && s[len - 1] == '.')
        len--;
    if (len == 0 || len > MP_DOMAIN_MAX)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return label > 0;
}

static mp_option_status apply_spec(mp_prober_config *cfg, const option_spec *s, const char *arg, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof duration_options / sizeof duration_options[0]; i++) {
        const duration_option *d = &duration_options[i];
        if (d->code != s->code)
            continue;
        int64_t ms = 0;
        char why[200];
        if (!mp_option_parse_duration(arg, &d->rule, &ms, why, sizeof why))
            return fail(err, errlen, s, arg, why);
        *(int *)((char *)cfg + d->field) = (int)(d->in_seconds ? ms / 1000 : ms);
        return MP_OPTION_APPLIED;
    }
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
    case MP_OPT_DNS_CANARY:
        if (!zone_name_valid(arg))
            return fail(err, errlen, s, arg, "expected a zone name such as . or com. or example.org");
        if (cfg->dns_canary_count >= MP_DNS_CANARIES_MAX)
            return fail(err, errlen, s, arg, "too many canaries (at most 8)");
        if (!copy_text(cfg->dns_canaries[cfg->dns_canary_count], sizeof cfg->dns_canaries[0], arg))
            return fail(err, errlen, s, arg, "too long");
        cfg->dns_canary_count++;
        return MP_OPTION_APPLIED;
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
        /* socks5h and socks4a send the proxy the MX host *name*: it would
         * resolve it itself and connect wherever its DNS says, past the
         * address the target policy checked (docs/dns-and-safety.md). */
        if (!strncmp(arg, "socks5h://", 10) || !strncmp(arg, "socks4a://", 10))
            return fail(err, errlen, s, arg,
                        "a proxy that resolves host names itself would bypass the address checks; use socks5:// "
                        "or socks4:// (the prober resolves and checks, the proxy gets the address)");
        if (strncmp(arg, "socks5://", 9) && strncmp(arg, "socks4://", 9))
            return fail(err, errlen, s, arg, "expected socks5://HOST:PORT or socks4://HOST:PORT");
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
    fprintf(out, "\n  A DURATION takes a unit: 500ms, 8s, 2m, 1h (a bare number means seconds).\n");
}
