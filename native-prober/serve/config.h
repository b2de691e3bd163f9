/* config.h — the settings of `mailprobe serve`, gathered from four places in
 * a fixed precedence: command-line flags > MAILPROBE_* environment variables
 * > a `key = value` config file (--config FILE) > built-in defaults.
 *
 * Every key has one spelling everywhere: the long option name. `--per-host-rate 5`
 * on the command line is `per-host-rate = 5` in the file and
 * MAILPROBE_PER_HOST_RATE=5 in the environment. The list options
 * (api-key, public-key, cors-origin, public-host, allow-net, dns-canary)
 * accumulate within one source; a higher source replaces the whole list. In
 * the environment a list is comma-separated, under its name and for most a
 * plural one (MAILPROBE_API_KEYS, MAILPROBE_PUBLIC_KEYS,
 * MAILPROBE_CORS_ORIGINS, MAILPROBE_PUBLIC_HOSTS). */
#ifndef MP_SERVE_CONFIG_H
#define MP_SERVE_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "allowance.h"
#include "api_keys.h"
#include "prober.h"
#include "prober_options.h"
#include "retry_schedule.h"

enum {
    MP_SERVE_KEYS_MAX = 32,     /* API keys */
    MP_SERVE_KEY_LEN_MAX = 128, /* octets per key */
    MP_SERVE_ORIGINS_MAX = 16,  /* CORS origins */
    MP_SERVE_PUBLIC_KEYS_MAX = 16, /* --public-key (more in --api-keys-file) */
    MP_SERVE_HOSTS_MAX = 16,    /* --public-host */
    MP_SERVE_HOST_MAX = 255,    /* octets of one --public-host */
    MP_SERVE_PATH_MAX = 1024,
};

typedef struct mp_serve_config {
    char listen[256];              /* "ADDR:PORT"; default 127.0.0.1:8025 */
    char web_dir[MP_SERVE_PATH_MAX];  /* "" = find build/web (static_files.h) */
    char db_path[MP_SERVE_PATH_MAX];  /* SQLite path or postgresql:// URL; default "mailprobe.db" */
    char worker_name[128];         /* this worker in logs and /healthz; "" = HOST:PORT */
    int lease_ttl_s;               /* a silent worker's addresses go to others after this; default 30 */
    mp_retry_schedule retry_schedule; /* waits before a temporary answer is asked again;
                                         default 5m,15m,45m (retry_schedule.h) */
    char egress_name[128];         /* this worker's egress IP for politeness; "" = the
                                      source address toward each MX (allowance.h) */
    int cluster_host_connections;  /* sessions at once per MX address, whole cluster
                                      (PostgreSQL); default 6 */
    double cluster_host_rate;      /* new sessions per second per MX address, whole
                                      cluster; 0 (default) = derived, see
                                      mp_serve_cluster_host_rate() */
    char api_keys[MP_SERVE_KEYS_MAX][MP_SERVE_KEY_LEN_MAX + 1];
    size_t api_key_count;
    char cors_origins[MP_SERVE_ORIGINS_MAX][256];
    size_t cors_origin_count;
    mp_api_key public_keys[MP_SERVE_PUBLIC_KEYS_MAX]; /* --public-key, parsed */
    size_t public_key_count;
    char api_keys_file[MP_SERVE_PATH_MAX]; /* "" = none; reloaded on SIGHUP */
    char public_hosts[MP_SERVE_HOSTS_MAX][MP_SERVE_HOST_MAX + 1]; /* Host names this server answers to */
    size_t public_host_count;
    size_t max_connections;        /* HTTP connections open at once; default 8192 */
    int request_deadline_s;        /* a request's head and body must arrive within this; default 60 */
    bool insecure_no_auth;         /* allow a non-loopback listen without keys */
    bool access_log;               /* one JSON line per request on stderr (default on) */
    int cache_ttl_s;               /* single-verify result cache; 0 = off; default 86400 */
    int domain_cache_ttl_s;        /* stored catch-all verdicts (and so the knowledge
                                      that the domain receives mail) are reused this
                                      long; 0 = off; default 604800 (a week) */
    size_t cache_max_entries;      /* verify cache entries kept at most; default 100,000 */
    int store_retry_time_s;        /* failing result writes are retried this long, then
                                      the running jobs fail; default 300 */
    int job_retention_s;           /* finished jobs are deleted this long after they
                                      finish; 0 = kept; default 2592000 (30 days) */
    size_t max_body_verify;        /* octets; default 1 MiB */
    size_t max_body_jobs;          /* octets; default 16 MiB */
    size_t max_job_addresses;      /* default 1,000,000 */
    int max_running_jobs;          /* jobs probing at once; default 2 */
    int max_queued_jobs;           /* unfinished jobs accepted; beyond: 503; default 100 */
    int job_in_flight;             /* addresses per running job in the prober; default 200 */
    int max_pending_verify;        /* single verifies in flight; beyond: 503; default 2000 */
    double rate_limit;             /* requests per second per key/IP; 0 = off; default 20 */
    int rate_burst;                /* bucket size; default 100 */
    int request_timeout_s;         /* evhttp read/write timeout; default 120 */
    char disposable_list[MP_SERVE_PATH_MAX]; /* extra disposable domains; default
                                                "disposable-domains.txt" if present */
    bool disposable_list_explicit; /* set by the user: a missing file is an error */
    char webhook[MP_SERVE_PATH_MAX]; /* POSTed on job completion; "" = none */
    char webhook_secret[256];      /* HMAC-SHA256 key for X-Mailprobe-Signature */
    mp_prober_config prober;       /* every `verify` option */
} mp_serve_config;

/* Defaults for everything (prober included). */
void mp_serve_config_default(mp_serve_config *cfg);

/* What reading the configuration came to. */
typedef enum mp_config_status {
    MP_CONFIG_OK = 0,      /* cfg is filled: serve */
    MP_CONFIG_HELP_SHOWN,  /* --help was asked and printed: exit 0 */
    MP_CONFIG_INVALID,     /* a usage error, message in err: exit 2 */
    MP_CONFIG_STATUS_COUNT
} mp_config_status;

/* "ok", "help_shown", "invalid". */
const char *mp_config_status_name(mp_config_status s);

/* Fills `cfg` from argv (argv[0] = "serve"), the MAILPROBE_* environment
 * (getenv) and the --config file, in that precedence. --help prints to
 * `out`. */
mp_config_status mp_serve_config_load(mp_serve_config *cfg, int argc, char **argv, FILE *out, char *err,
                                      size_t errlen);

/* Applies one setting by long name (no dashes), as a config file line or an
 * environment variable would; serve's own settings and every prober option
 * (prober_options.h). MP_OPTION_BAD_VALUE writes a message into err.
 * Exposed for tests. */
mp_option_status mp_serve_config_apply(mp_serve_config *cfg, const char *name, const char *value, char *err,
                                       size_t errlen);

/* Reads a config file: `key = value` lines, '#' comments, blank lines.
 * MP_CONFIG_INVALID with "FILE:LINE: message" in err on the first bad line. */
mp_config_status mp_serve_config_read_file(mp_serve_config *cfg, const char *path, char *err, size_t errlen);

/* The cluster's rate of new sessions per MX address: --cluster-host-rate,
 * or by default the per-egress rate for each egress limit's worth of the
 * cluster's connection limit (2/s x 6 / 2 = 6/s with the defaults), so
 * that a worker holding a whole egress limit may use the whole egress
 * rate. */
double mp_serve_cluster_host_rate(const mp_serve_config *cfg);
/* True when `host` is a --public-host value: a host name, an IPv4 address
 * or [IPv6], optionally with ":PORT". */
bool mp_serve_host_valid(const char *host);

/* True when `listen` ("ADDR:PORT", "[v6]:PORT") names a loopback address. */
bool mp_serve_listen_is_loopback(const char *listen);

#endif
