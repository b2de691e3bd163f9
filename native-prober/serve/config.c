/* config.c — `mailprobe serve` settings: defaults, config file, environment,
 * flags, applied in that order so each later source wins (config.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prober_options.h"
#include "text.h"

/* The serve options. Each is also a config key and MAILPROBE_<NAME>. */
typedef struct serve_opt {
    const char *name;
    bool has_arg;
    const char *metavar;
    const char *help;
} serve_opt;

static const serve_opt serve_opts[] = {
    {"listen", true, "ADDR:PORT", "address to listen on (default 127.0.0.1:8025)"},
    {"web", true, "DIR", "static files served under / (default: build/web next to the binary, or ./build/web)"},
    {"db", true, "PATH|URL", "SQLite database file (default mailprobe.db), or postgresql://... shared by many workers"},
    {"worker-name", true, "NAME", "this worker's name in logs and /healthz (default HOST:PORT)"},
    {"lease-ttl", true, "DURATION", "a worker silent this long loses its leased addresses to the others (default 30s)"},
    {"retry-schedule", true, "DURATIONS", "ask temporary answers (greylisting, 4xx, timeouts) again after these waits; off = never (default 5m,15m,45m)"},
    {"egress-name", true, "NAME", "this worker's egress IP for the per-host limits; workers behind one address share one name (default: the source address toward each mail host)"},
    {"cluster-host-connections", true, "N", "simultaneous SMTP sessions per mail host address for all workers of a PostgreSQL store together (default 6)"},
    {"cluster-host-rate", true, "R", "new SMTP sessions per second per mail host address for all workers together (default: --per-host-rate for each --per-host-connections' worth of --cluster-host-connections, 6 with the defaults)"},
    {"api-key", true, "KEY", "a secret key: require Authorization: Bearer KEY on /v1 (repeatable)"},
    {"public-key", true, "'KEY origin=URL ...'",
     "a key for web pages: only POST /v1/verify from its origin; fields rate=R (1/s), burst=N (20), daily=N (1000)"},
    {"api-keys-file", true, "PATH", "more keys, one per line ('secret KEY' / 'public KEY origin=...'); reloaded on SIGHUP"},
    {"cors-origin", true, "ORIGIN", "allow this browser origin, e.g. https://example.org (repeatable)"},
    {"public-host", true, "NAME[:PORT]", "a Host name this server answers to besides its --listen address (repeatable)"},
    {"insecure-no-auth", false, NULL, "allow listening on a non-loopback address without an API key"},
    {"no-access-log", false, NULL, "do not log one JSON line per request on stderr"},
    {"cache-ttl", true, "DURATION", "cache single-verify results this long; 0 = off (default 1d)"},
    {"domain-cache-ttl", true, "DURATION",
     "reuse what a domain's mail server told us (catch-all verdict; it receives mail) this long; 0 = off (default 7d)"},
    {"cache-max-entries", true, "N", "verify results cached at most; the oldest go first (default 100000)"},
    {"store-retry-time", true, "DURATION", "retry failing result writes (disk full, database down) this long, then fail the running jobs; 0 = fail at once (default 5m)"},
    {"job-retention", true, "DURATION", "delete finished jobs, their addresses and results this long after they finish; 0 = keep (default 30d)"},
    {"max-body-verify", true, "BYTES", "largest POST /v1/verify body (default 1048576)"},
    {"max-body-jobs", true, "BYTES", "largest POST /v1/jobs body (default 16777216)"},
    {"max-job-addresses", true, "N", "addresses per job (default 1000000)"},
    {"max-running-jobs", true, "N", "jobs probing at the same time (default 2)"},
    {"max-queued-jobs", true, "N", "unfinished jobs accepted before 503 (default 100)"},
    {"job-in-flight", true, "N", "addresses of one job inside the prober at once (default 200)"},
    {"max-pending-verify", true, "N", "single verifies in flight before 503 (default 2000)"},
    {"rate-limit", true, "R", "requests per second per API key (or per IP without keys); 0 = off (default 20)"},
    {"rate-burst", true, "N", "requests allowed in a burst (default 100)"},
    {"request-timeout", true, "DURATION", "HTTP idle timeout: reading, writing, keep-alive (default 2m)"},
    {"request-deadline", true, "DURATION", "a request's head and body must arrive within this (default 1m)"},
    {"max-connections", true, "N", "HTTP connections open at once; beyond, the longest idle is closed (default 8192)"},
    {"disposable-list", true, "PATH", "extra disposable domains, one per line (default disposable-domains.txt if present); reloaded on SIGHUP"},
    {"webhook", true, "URL", "POST a job's summary here when it finishes"},
    {"webhook-secret", true, "SECRET", "sign webhooks: X-Mailprobe-Timestamp T, X-Mailprobe-Signature sha256=HMAC(T.body)"},
};
enum { SERVE_OPT_COUNT = sizeof serve_opts / sizeof serve_opts[0], SERVE_OPT_BASE = 0x2000 };

void mp_serve_config_default(mp_serve_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:8025");
    snprintf(cfg->db_path, sizeof cfg->db_path, "mailprobe.db");
    snprintf(cfg->disposable_list, sizeof cfg->disposable_list, "disposable-domains.txt");
    cfg->access_log = true;
    cfg->cache_ttl_s = 86400;
    cfg->domain_cache_ttl_s = 7 * 86400;
    cfg->cache_max_entries = 100000;
    cfg->job_retention_s = 30 * 86400;
    cfg->store_retry_time_s = 300;
    cfg->lease_ttl_s = 30;
    mp_retry_schedule_default(&cfg->retry_schedule);
    cfg->cluster_host_connections = 6;
    cfg->cluster_host_rate = 0; /* derived: mp_serve_cluster_host_rate() */
    cfg->max_body_verify = 1u << 20;
    cfg->max_body_jobs = 16u << 20;
    cfg->max_job_addresses = 1000000;
    cfg->max_running_jobs = 2;
    cfg->max_queued_jobs = 100;
    cfg->job_in_flight = 200;
    cfg->max_pending_verify = 2000;
    cfg->rate_limit = 20;
    cfg->rate_burst = 100;
    cfg->request_timeout_s = 120;
    cfg->request_deadline_s = 60;
    cfg->max_connections = 8192;
    mp_prober_config_default(&cfg->prober);
}

static mp_option_status bad(char *err, size_t errlen, const char *name, const char *value, const char *why)
{
    snprintf(err, errlen, "--%s '%s': %s", name, value ? value : "", why);
    return MP_OPTION_BAD_VALUE;
}

static mp_option_status copy_text(char *dst, size_t cap, const char *name, const char *value, char *err, size_t errlen)
{
    if (strlen(value) >= cap)
        return bad(err, errlen, name, value, "too long");
    memcpy(dst, value, strlen(value) + 1);
    return MP_OPTION_APPLIED;
}

mp_option_status mp_serve_config_apply(mp_serve_config *cfg, const char *name, const char *value, char *err,
                          size_t errlen)
{
    long n = 0;
    if (!strcmp(name, "listen")) {
        if (!strrchr(value, ':'))
            return bad(err, errlen, name, value, "expected ADDR:PORT");
        return copy_text(cfg->listen, sizeof cfg->listen, name, value, err, errlen);
    }
    if (!strcmp(name, "web"))
        return copy_text(cfg->web_dir, sizeof cfg->web_dir, name, value, err, errlen);
    if (!strcmp(name, "db"))
        return copy_text(cfg->db_path, sizeof cfg->db_path, name, value, err, errlen);
    if (!strcmp(name, "worker-name"))
        return copy_text(cfg->worker_name, sizeof cfg->worker_name, name, value, err, errlen);
    if (!strcmp(name, "egress-name"))
        return copy_text(cfg->egress_name, sizeof cfg->egress_name, name, value, err, errlen);
    if (!strcmp(name, "retry-schedule")) {
        char why[256];
        if (!mp_retry_schedule_parse(value, &cfg->retry_schedule, why, sizeof why))
            return bad(err, errlen, name, value, why);
        return MP_OPTION_APPLIED;
    }
    if (!strcmp(name, "api-key")) {
        mp_api_key k;
        char why[160];
        if (mp_api_key_secret(value, &k, why, sizeof why) != MP_KEY_OK)
            return bad(err, errlen, name, "…", why); /* never echo a key */
        if (cfg->api_key_count >= MP_SERVE_KEYS_MAX)
            return bad(err, errlen, name, "…", "too many keys");
        memcpy(cfg->api_keys[cfg->api_key_count++], value, strlen(value) + 1);
        return MP_OPTION_APPLIED;
    }
    if (!strcmp(name, "public-key")) {
        char why[160];
        if (cfg->public_key_count >= MP_SERVE_PUBLIC_KEYS_MAX)
            return bad(err, errlen, name, "…", "too many public keys (use --api-keys-file)");
        if (mp_api_key_public(value, &cfg->public_keys[cfg->public_key_count], why, sizeof why) != MP_KEY_OK)
            return bad(err, errlen, name, "…", why);
        cfg->public_key_count++;
        return MP_OPTION_APPLIED;
    }
    if (!strcmp(name, "api-keys-file"))
        return copy_text(cfg->api_keys_file, sizeof cfg->api_keys_file, name, value, err, errlen);
    if (!strcmp(name, "public-host")) {
        if (cfg->public_host_count >= MP_SERVE_HOSTS_MAX)
            return bad(err, errlen, name, value, "too many host names");
        if (!mp_serve_host_valid(value))
            return bad(err, errlen, name, value, "expected a host name or address, optionally with :PORT");
        return copy_text(cfg->public_hosts[cfg->public_host_count++], MP_SERVE_HOST_MAX + 1, name, value, err, errlen);
    }
    if (!strcmp(name, "cors-origin")) {
        if (cfg->cors_origin_count >= MP_SERVE_ORIGINS_MAX)
            return bad(err, errlen, name, value, "too many origins");
        if (strlen(value) >= sizeof cfg->cors_origins[0] || !*value)
            return bad(err, errlen, name, value, "bad origin");
        memcpy(cfg->cors_origins[cfg->cors_origin_count++], value, strlen(value) + 1);
        return MP_OPTION_APPLIED;
    }
    if (!strcmp(name, "insecure-no-auth") || !strcmp(name, "no-access-log")) {
        bool b;
        if (!mp_option_parse_bool(value, &b))
            return bad(err, errlen, name, value, "expected true or false");
        if (name[0] == 'i')
            cfg->insecure_no_auth = b;
        else
            cfg->access_log = !b;
        return MP_OPTION_APPLIED;
    }
    /* Durations: the prober options' one parser and rule (prober_options.h);
     * these are kept in whole seconds. */
    struct { const char *name; mp_duration_rule rule; int *seconds; } durations[] = {
        {"cache-ttl", {1000, 365LL * 86400000, 1000, true}, &cfg->cache_ttl_s},
        {"domain-cache-ttl", {1000, 365LL * 86400000, 1000, true}, &cfg->domain_cache_ttl_s},
        {"request-timeout", {1000, 86400000, 1000, false}, &cfg->request_timeout_s},
        {"job-retention", {1000, 3650LL * 86400000, 1000, true}, &cfg->job_retention_s},
        {"store-retry-time", {1000, 86400000, 1000, true}, &cfg->store_retry_time_s},
        {"lease-ttl", {3000, 3600000, 1000, false}, &cfg->lease_ttl_s},
        {"request-deadline", {1000, 86400000, 1000, false}, &cfg->request_deadline_s},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        if (strcmp(name, durations[i].name))
            continue;
        int64_t ms = 0;
        char why[200];
        if (!mp_option_parse_duration(value, &durations[i].rule, &ms, why, sizeof why))
            return bad(err, errlen, name, value, why);
        *durations[i].seconds = (int)(ms / 1000);
        return MP_OPTION_APPLIED;
    }
    struct { const char *name; long lo, hi; int *ip; size_t *zp; } ints[] = {
        {"cache-max-entries", 1, 100000000, NULL, &cfg->cache_max_entries},
        {"max-body-verify", 64, 1L << 30, NULL, &cfg->max_body_verify},
        {"max-body-jobs", 64, 1L << 30, NULL, &cfg->max_body_jobs},
        {"max-job-addresses", 1, 10000000, NULL, &cfg->max_job_addresses},
        {"max-running-jobs", 1, 1000, &cfg->max_running_jobs, NULL},
        {"max-queued-jobs", 1, 100000, &cfg->max_queued_jobs, NULL},
        {"job-in-flight", 1, 100000, &cfg->job_in_flight, NULL},
        {"cluster-host-connections", 1, 1000, &cfg->cluster_host_connections, NULL},
        {"max-pending-verify", 1, 1000000, &cfg->max_pending_verify, NULL},
        {"rate-burst", 1, 1000000, &cfg->rate_burst, NULL},
        {"max-connections", 16, 1000000, NULL, &cfg->max_connections},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strcmp(name, ints[i].name))
            continue;
        if (!mp_option_parse_long(value, ints[i].lo, ints[i].hi, &n)) {
            char why[96];
            snprintf(why, sizeof why, "expected an integer from %ld to %ld", ints[i].lo, ints[i].hi);
            return bad(err, errlen, name, value, why);
        }
        if (ints[i].ip)
            *ints[i].ip = (int)n;
        else
            *ints[i].zp = (size_t)n;
        return MP_OPTION_APPLIED;
    }
    struct { const char *name; double lo, hi; double *d; } reals[] = {
        {"rate-limit", 0, 1e6, &cfg->rate_limit},
        {"cluster-host-rate", 0.01, 1000, &cfg->cluster_host_rate},
    };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        if (strcmp(name, reals[i].name))
            continue;
        char *end = NULL;
        errno = 0;
        double d = strtod(value, &end);
        if (errno || end == value || *end || !(d >= reals[i].lo && d <= reals[i].hi)) {
            char why[96];
            snprintf(why, sizeof why, "expected a number from %.10g to %.10g", reals[i].lo, reals[i].hi);
            return bad(err, errlen, name, value, why);
        }
        *reals[i].d = d;
        return MP_OPTION_APPLIED;
    }
    if (!strcmp(name, "disposable-list")) {
        cfg->disposable_list_explicit = true;
        return copy_text(cfg->disposable_list, sizeof cfg->disposable_list, name, value, err, errlen);
    }
    if (!strcmp(name, "webhook")) {
        if (*value && strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
            return bad(err, errlen, name, value, "expected an http:// or https:// URL");
        return copy_text(cfg->webhook, sizeof cfg->webhook, name, value, err, errlen);
    }
    if (!strcmp(name, "webhook-secret"))
        return copy_text(cfg->webhook_secret, sizeof cfg->webhook_secret, name, value, err, errlen);
    return mp_prober_option_apply_named(&cfg->prober, name, value, err, errlen);
}

/* The list options: repeatable within one source, replaced as a whole by a
 * higher one (config.h). In the environment each takes a comma-separated
 * list, under its own name and a plural one. */
typedef struct list_option {
    const char *name;
    const char *env;        /* MAILPROBE_<NAME> */
    const char *env_plural; /* NULL = none */
} list_option;

static const list_option list_options[] = {
    {"api-key", "MAILPROBE_API_KEY", "MAILPROBE_API_KEYS"},
    {"cors-origin", "MAILPROBE_CORS_ORIGIN", "MAILPROBE_CORS_ORIGINS"},
    {"allow-net", "MAILPROBE_ALLOW_NET", NULL},
    {"public-key", "MAILPROBE_PUBLIC_KEY", "MAILPROBE_PUBLIC_KEYS"},
    {"public-host", "MAILPROBE_PUBLIC_HOST", "MAILPROBE_PUBLIC_HOSTS"},
    {"dns-canary", "MAILPROBE_DNS_CANARY", NULL},
};
enum { LIST_COUNT = sizeof list_options / sizeof list_options[0], LIST_NONE = -1 };

static int list_of(const char *name)
{
    for (int i = 0; i < LIST_COUNT; i++)
        if (!strcmp(name, list_options[i].name))
            return i;
    return LIST_NONE;
}

static void list_clear(mp_serve_config *cfg, int list)
{
    switch (list) {
    case 0: cfg->api_key_count = 0; break;
    case 1: cfg->cors_origin_count = 0; break;
    case 2: cfg->prober.targets.nallow = 0; break;
    case 3: cfg->public_key_count = 0; break;
    case 4: cfg->public_host_count = 0; break;
    case 5: cfg->prober.dns_canary_count = 0; break;
    default: break;
    }
}

/* Which source last wrote each list (1 file, 2 environment, 3 flags); a
 * list is cleared the first time a new source touches it. */
typedef struct list_owner { int source[LIST_COUNT]; } list_owner;

static void claim_list(mp_serve_config *cfg, list_owner *own, int source, const char *name)
{
    int list = list_of(name);
    if (list != LIST_NONE && own->source[list] != source) {
        own->source[list] = source;
        list_clear(cfg, list);
    }
}

static mp_option_status apply_from(mp_serve_config *cfg, list_owner *own, int source, const char *name,
                                   const char *value, char *err, size_t errlen)
{
    claim_list(cfg, own, source, name);
    return mp_serve_config_apply(cfg, name, value, err, errlen);
}

/* One `key = value` line of a config file. */
typedef struct file_reader {
    mp_serve_config *cfg;
    list_owner *own;
    const char *path;
    char *err;
    size_t errlen;
} file_reader;

static bool read_setting(int lineno, char *line, void *arg)
{
    file_reader *r = arg;
    char msg[512];
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(r->err, r->errlen, "%s:%d: expected 'key = value'", r->path, lineno);
        return false;
    }
    *eq = 0;
    char *key = mp_trim_blank(line), *value = mp_trim_blank(eq + 1);
    if (!strcmp(key, "config")) {
        snprintf(r->err, r->errlen, "%s:%d: 'config' cannot be nested", r->path, lineno);
        return false;
    }
    mp_option_status st = apply_from(r->cfg, r->own, 1, key, value, msg, sizeof msg);
    if (st == MP_OPTION_UNKNOWN)
        snprintf(r->err, r->errlen, "%s:%d: unknown key '%s'", r->path, lineno, key);
    else if (st != MP_OPTION_APPLIED)
        snprintf(r->err, r->errlen, "%s:%d: %s", r->path, lineno, msg);
    return st == MP_OPTION_APPLIED;
}

static mp_config_status read_file(mp_serve_config *cfg, list_owner *own, const char *path, char *err, size_t errlen)
{
    file_reader r = {cfg, own, path, err, errlen};
    return mp_text_read_lines(path, read_setting, &r, err, errlen) == MP_LINES_OK ? MP_CONFIG_OK : MP_CONFIG_INVALID;
}

mp_config_status mp_serve_config_read_file(mp_serve_config *cfg, const char *path, char *err, size_t errlen)
{
    list_owner own = {{0}};
    return read_file(cfg, &own, path, err, errlen);
}

/* MAILPROBE_PER_HOST_RATE for "per-host-rate". */
static void env_name(const char *name, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "MAILPROBE_");
    for (const char *p = name; *p && n + 1 < cap; p++)
        out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = 0;
}

/* A comma-separated environment list (MAILPROBE_API_KEYS=a,b). */
static mp_config_status apply_env_list(mp_serve_config *cfg, list_owner *own, const char *var, const char *name,
                                       char *err, size_t errlen)
{
    const char *v = getenv(var);
    if (!v)
        return MP_CONFIG_OK;
    char buf[8192];
    if (strlen(v) >= sizeof buf) {
        snprintf(err, errlen, "%s: too long", var);
        return MP_CONFIG_INVALID;
    }
    memcpy(buf, v, strlen(v) + 1);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *t = mp_trim_blank(tok);
        if (!*t)
            continue;
        char msg[256];
        if (apply_from(cfg, own, 2, name, t, msg, sizeof msg) == MP_OPTION_BAD_VALUE) {
            snprintf(err, errlen, "%s: %s", var, msg);
            return MP_CONFIG_INVALID;
        }
    }
    return MP_CONFIG_OK;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: mailprobe serve [options]\n\n"
                 "Serves the JSON API (docs/openapi.yaml) and the web page.\n\nserver options:\n");
    fprintf(out, "  %-34s %s\n", "--config FILE", "read 'key = value' lines (keys = long option names)");
    for (size_t i = 0; i < SERVE_OPT_COUNT; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", serve_opts[i].name, serve_opts[i].has_arg ? " " : "",
                 serve_opts[i].has_arg ? serve_opts[i].metavar : "");
        fprintf(out, "  %-34s %s\n", left, serve_opts[i].help);
    }
    fprintf(out, "\nprober options (as for `mailprobe verify`):\n");
    mp_prober_options_help(out);
    fprintf(out, "\nEvery option is also an environment variable MAILPROBE_<NAME> (dashes as\n"
                 "underscores). The repeatable options take comma-separated lists there, also\n"
                 "under a plural name: MAILPROBE_API_KEYS, MAILPROBE_PUBLIC_KEYS,\n"
                 "MAILPROBE_CORS_ORIGINS, MAILPROBE_PUBLIC_HOSTS; MAILPROBE_ALLOW_NET and\n"
                 "MAILPROBE_DNS_CANARY too. Precedence: flags > environment > config file >\n"
                 "defaults; a list from a higher source replaces the lower one's. Durations\n"
                 "read the same everywhere: 500ms, 8s, 2m, 1h, 7d; a bare number means seconds.\n");
}

const char *mp_config_status_name(mp_config_status st)
{
    static const char *const names[MP_CONFIG_STATUS_COUNT] = {"ok", "help_shown", "invalid"};
    return (unsigned)st < MP_CONFIG_STATUS_COUNT ? names[st] : "?";
}

mp_config_status mp_serve_config_load(mp_serve_config *cfg, int argc, char **argv, FILE *out, char *err,
                                      size_t errlen)
{
    mp_serve_config_default(cfg);
    enum { OPT_CAP = 128 };
    struct option opts[OPT_CAP];
    size_t n = 0;
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[n++] = (struct option){"config", required_argument, NULL, 'c'};
    for (size_t i = 0; i < SERVE_OPT_COUNT; i++)
        opts[n++] = (struct option){serve_opts[i].name, serve_opts[i].has_arg ? required_argument : no_argument,
                                    NULL, SERVE_OPT_BASE + (int)i};
    n += mp_prober_options_append(opts + n, OPT_CAP - n - 1);
    opts[n] = (struct option){0};

    /* Pass 1: --help and --config only, and syntax errors. */
    const char *config_path = getenv("MAILPROBE_CONFIG");
    int c, idx;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hc:", opts, &idx)) != -1) {
        if (c == 'h') {
            usage(out);
            return MP_CONFIG_HELP_SHOWN;
        }
        if (c == 'c')
            config_path = optarg;
        if (c == '?' || c == ':') {
            snprintf(err, errlen, "bad or incomplete option '%s' (see --help)", argv[optind - 1]);
            return MP_CONFIG_INVALID;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return MP_CONFIG_INVALID;
    }
    list_owner own = {{0}};
    if (config_path && read_file(cfg, &own, config_path, err, errlen) != MP_CONFIG_OK)
        return MP_CONFIG_INVALID;

    /* Environment: every option name; the lists under both of their names. */
    char var[96], msg[512];
    for (size_t i = 2; i < n; i++) {
        if (list_of(opts[i].name) != LIST_NONE)
            continue;
        env_name(opts[i].name, var, sizeof var);
        const char *v = getenv(var);
        if (!v)
            continue;
        if (apply_from(cfg, &own, 2, opts[i].name, v, msg, sizeof msg) == MP_OPTION_BAD_VALUE) {
            snprintf(err, errlen, "%s: %s", var, msg);
            return MP_CONFIG_INVALID;
        }
    }
    for (int i = 0; i < LIST_COUNT; i++) {
        const list_option *lo = &list_options[i];
        if ((lo->env_plural && apply_env_list(cfg, &own, lo->env_plural, lo->name, err, errlen) != MP_CONFIG_OK) ||
            apply_env_list(cfg, &own, lo->env, lo->name, err, errlen) != MP_CONFIG_OK)
            return MP_CONFIG_INVALID;
    }

    /* Pass 2: the flags themselves. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "hc:", opts, &idx)) != -1) {
        if (c == 'h' || c == 'c')
            continue;
        mp_option_status r;
        if (c >= SERVE_OPT_BASE && c < SERVE_OPT_BASE + SERVE_OPT_COUNT) {
            const serve_opt *so = &serve_opts[c - SERVE_OPT_BASE];
            r = apply_from(cfg, &own, 3, so->name, so->has_arg ? optarg : "1", msg, sizeof msg);
        } else {
            for (size_t i = 2; i < n; i++)
                if (opts[i].val == c)
                    claim_list(cfg, &own, 3, opts[i].name);
            r = mp_prober_option_apply(&cfg->prober, c, optarg, msg, sizeof msg);
        }
        if (r != MP_OPTION_APPLIED) {
            snprintf(err, errlen, "%s", r == MP_OPTION_BAD_VALUE ? msg : "unknown option");
            return MP_CONFIG_INVALID;
        }
    }
    /* A job never holds a probe in memory through a greylisting delay: its
     * temporary answers go back on the retry schedule, persisted. */
    if (cfg->prober.greylist_wait_s > 0) {
        snprintf(err, errlen, "--greylist-wait: serve asks temporary answers again on its retry schedule "
                              "(--retry-schedule); --greylist-wait is for `mailprobe verify`");
        return MP_CONFIG_INVALID;
    }
    return MP_CONFIG_OK;
}

double mp_serve_cluster_host_rate(const mp_serve_config *cfg)
{
    if (cfg->cluster_host_rate > 0)
        return cfg->cluster_host_rate;
    int per = cfg->prober.per_host_connections > 0 ? cfg->prober.per_host_connections : 1;
    return cfg->prober.per_host_rate * cfg->cluster_host_connections / per;
}

bool mp_serve_host_valid(const char *host)
{
    size_t len = strlen(host), i = 0;
    if (!len || len > MP_SERVE_HOST_MAX)
        return false;
    if (host[0] == '[') {
        while (i < len && host[i] != ']')
            i++;
        if (i == len)
            return false;
        i++;
    } else {
        while (i < len && (isalnum((unsigned char)host[i]) || host[i] == '-' || host[i] == '.'))
            i++;
        if (!i)
            return false;
    }
    if (i < len && host[i] == ':') {
        size_t digits = ++i;
        while (i < len && isdigit((unsigned char)host[i]))
            i++;
        if (i == digits || i - digits > 5)
            return false;
    }
    return i == len;
}

bool mp_serve_listen_is_loopback(const char *listen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return false;
    size_t len = (size_t)(colon - listen);
    if (len >= sizeof host)
        return false;
    memcpy(host, listen, len);
    host[len] = 0;
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        memmove(host, host + 1, len - 2);
        host[len - 2] = 0;
    }
    if (!strcmp(host, "localhost"))
        return true;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}
