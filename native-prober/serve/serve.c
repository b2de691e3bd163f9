/* serve.c — `mailprobe serve`: wires the pieces together on one libevent
 * loop — configuration (config.h), the prober, the store (SQLite or
 * PostgreSQL, on its own thread), the job runner, the HTTP API — and handles signals: SIGTERM/SIGINT stop
 * accepting, write buffered results and exit (unfinished jobs resume at the
 * next start); SIGHUP reloads --disposable-list and --api-keys-file without
 * dropping requests. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "admission.h"
#include "api_keys.h"
#include "clock.h"
#include "config.h"
#include "http_server.h"
#include "jobs.h"
#include "log.h"
#include "ratelimit.h"
#include "serve.h"
#include "static_files.h"
#include "store.h"
#include "webhook.h"

enum {
    UPKEEP_EVERY_MAX_S = 60,   /* retention and cache limits are enforced this often (or a tenth of the retention) */
    UPKEEP_AGAIN_MS = 100,     /* while a deleted job's addresses are left */
    UPKEEP_ROWS = 20000,       /* addresses deleted per round */
    /* After SIGTERM: how long the last replies (503s to waiting verifies,
     * the ends of event streams) may take to reach their clients. */
    DRAIN_DEADLINE_MS = 2000,
};

typedef struct serve_state {
    mp_server srv;
    mp_serve_config cfg;
    mp_webhook *webhook;
    struct event *upkeep;
} serve_state;

/* Loads the extra disposable list; a missing default file is fine. */
static bool load_extra(serve_state *st, bool startup)
{
    const mp_serve_config *cfg = &st->cfg;
    if (!cfg->disposable_list[0])
        return true;
    struct stat sb;
    if (!cfg->disposable_list_explicit && stat(cfg->disposable_list, &sb) != 0)
        return true;
    char err[512];
    mp_domain_list *l = mp_domain_list_load(cfg->disposable_list, err, sizeof err);
    if (!l) {
        /* On reload the old list stays in force: a bad download must not
         * switch the override off. */
        mp_log_detail("error", startup ? "cannot load disposable list" : "reload failed; keeping the old list", err);
        return false;
    }
    /* The prober reads the list only while finishing a probe, on this loop:
     * after this call nothing points at the old one. */
    mp_prober_set_extra_disposable(st->srv.prober, l);
    mp_domain_list_free(st->srv.extra);
    st->srv.extra = l;
    char n[64];
    snprintf(n, sizeof n, "%zu domains", mp_domain_list_count(l));
    mp_log_detail("info", startup ? "disposable list loaded" : "disposable list reloaded", n);
    return true;
}

/* Many workers share the store (PostgreSQL): each MX address's budget is
 * this worker's allowance there, leased from the store, so the per-host
 * limits hold for the whole cluster (cluster_politeness.h). One worker
 * (SQLite) keeps the local politeness. */
static bool start_cluster_politeness(mp_server *srv)
{
    if (!mp_store_shared(srv->store))
        return true;
    const mp_serve_config *cfg = srv->cfg;
    mp_jobs_stats js;
    mp_jobs_stats_get(srv->jobs, &js);
    mp_cluster_politeness_config pc = {
        .limits = {.host_sessions = cfg->cluster_host_connections, .host_rate = mp_serve_cluster_host_rate(cfg),
                   .egress_sessions = cfg->prober.per_host_connections, .egress_rate = cfg->prober.per_host_rate},
        .ttl_s = cfg->lease_ttl_s,
        .egress_name = cfg->egress_name,
        .worker = js.worker,
    };
    srv->politeness = mp_cluster_politeness_new(srv->base, srv->store, &pc);
    if (!srv->politeness)
        return false;
    mp_politeness hook;
    mp_cluster_politeness_hook(srv->politeness, &hook);
    mp_prober_set_politeness(srv->prober, &hook);
    return true;
}

/* Puts the keys in force: --api-key and --public-key (and their config and
 * environment forms) plus --api-keys-file. On reload a file that does not
 * load keeps the keys in force: a half-written file must not lock everyone
 * out, nor let everyone in. */
static bool load_keys(serve_state *st, bool startup)
{
    const mp_serve_config *cfg = &st->cfg;
    mp_api_key *keys = calloc(MP_KEYRING_MAX, sizeof *keys);
    if (!keys)
        return false;
    size_t n = 0;
    char err[512] = "";
    bool ok = true;
    for (size_t i = 0; i < cfg->api_key_count && ok; i++)
        ok = n < MP_KEYRING_MAX && mp_api_key_secret(cfg->api_keys[i], &keys[n++], err, sizeof err) == MP_KEY_OK;
    for (size_t i = 0; i < cfg->public_key_count && ok; i++)
        if ((ok = n < MP_KEYRING_MAX))
            keys[n++] = cfg->public_keys[i];
    if (ok && cfg->api_keys_file[0])
        ok = mp_api_keys_read_file(cfg->api_keys_file, keys, MP_KEYRING_MAX, &n, err, sizeof err) == MP_KEY_OK;
    if (ok)
        ok = mp_keyring_set(st->srv.keys, keys, n) == MP_KEY_OK;
    free(keys);
    if (!ok) {
        mp_log_detail("error", startup ? "cannot load the API keys" : "key reload failed; keeping the keys in force",
                      err[0] ? err : "too many keys");
        return false;
    }
    if (cfg->api_keys_file[0]) {
        char detail[64];
        snprintf(detail, sizeof detail, "%zu keys", n);
        mp_log_detail("info", startup ? "API keys loaded" : "API keys reloaded", detail);
    }
    return true;
}

/* Gives the process as many descriptors as it may have: each connection
 * and each SMTP session is one. */
static void raise_fd_limit(const mp_serve_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t want = (rlim_t)cfg->max_connections + (rlim_t)cfg->prober.concurrency + 256;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "nofile", (double)rl.rlim_cur);
        cJSON_AddNumberToObject(f, "max_connections", (double)cfg->max_connections);
        cJSON_AddNumberToObject(f, "concurrency", cfg->prober.concurrency);
        mp_log("warn", "fewer file descriptors than --max-connections + --concurrency need; accepting pauses "
                       "when they run out (raise LimitNOFILE / ulimit -n, or lower the two)", f);
    }
}

/* The prober's catch-all memory: a verdict learned by an earlier job or
 * verify, here or by another worker (within --domain-cache-ttl), spares
 * the domain its random-recipient test, across restarts too. The prober
 * asks on the loop, so it asks the domain memory, which the store fills
 * ahead (leases bring their domains' verdicts; a verify fetches its
 * domain's before probing). */
static mp_tristate recall_catch_all(const char *domain, void *arg)
{
    const serve_state *st = arg;
    if (st->cfg.domain_cache_ttl_s <= 0)
        return MP_UNKNOWN;
    return mp_domain_memory_get(st->srv.memory, domain, (int64_t)time(NULL) - st->cfg.domain_cache_ttl_s);
}

/* A verdict learnt here: remembered at once, and stored with the runner's
 * next batch of results (no round trip of its own). */
static void learn_catch_all(const char *domain, bool catch_all, void *arg)
{
    serve_state *st = arg;
    mp_tristate verdict = catch_all ? MP_YES : MP_NO;
    mp_domain_memory_put(st->srv.memory, domain, verdict, (int64_t)time(NULL));
    mp_jobs_learnt_domain(st->srv.jobs, domain, verdict);
}

/* The resolver's state changed: one log line, so an operator sees why
 * results turned `unknown / dns_untrusted` (and when they stop). */
static void on_resolver(const mp_resolver_trust *t, void *arg)
{
    serve_state *st = arg;
    mp_jobs_resolver_changed(st->srv.jobs);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "resolver", mp_resolver_state_name(t->state));
    cJSON_AddStringToObject(f, "why", t->why);
    cJSON_AddStringToObject(f, "canaries", t->canaries);
    if (t->state == MP_RESOLVER_HONEST)
        mp_log("info", "DNS resolver answers honestly: its denials are believed", f);
    else
        mp_log("warn", "DNS resolver not trusted: no address is undeliverable on its word (dns_untrusted); "
                       "use an honest resolver (--dns)", f);
}

static void on_drained(void *arg)
{
    serve_state *st = arg;
    event_base_loopexit(st->srv.base, NULL);
}

/* SIGTERM/SIGINT: stop accepting, answer what waits, write buffered
 * results, and leave the loop once the last replies are out (or at the
 * deadline). Unfinished job addresses stay unfinished in the store and are
 * probed at the next start; `done:` in mp_cmd_serve frees the rest. */
static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    serve_state *st = arg;
    mp_log_detail("info", sig == SIGINT ? "SIGINT: stopping" : "SIGTERM: stopping", NULL);
    if (st->srv.stopping)
        return; /* a second signal changes nothing: the deadline is set */
    mp_jobs_stop(st->srv.jobs);
    struct timeval deadline = mp_timeval_ms(DRAIN_DEADLINE_MS);
    event_base_loopexit(st->srv.base, &deadline);
    mp_http_server_drain(&st->srv, on_drained, st);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    load_extra(arg, false);
    load_keys(arg, false);
}

/* Seconds between two rounds of upkeep: a tenth of the retention, between
 * 1 s and a minute, so a retention is kept to within 10 %. */
static int upkeep_every_s(const mp_serve_config *cfg)
{
    int every = cfg->job_retention_s > 0 ? cfg->job_retention_s / 10 : UPKEEP_EVERY_MAX_S;
    return every < 1 ? 1 : every > UPKEEP_EVERY_MAX_S ? UPKEEP_EVERY_MAX_S : every;
}

static void on_upkeep_done(mp_store_status status, const mp_store_upkeep_report *r, const char *error, void *arg)
{
    serve_state *st = arg;
    struct timeval next = {upkeep_every_s(&st->cfg), 0};
    if (status != MP_STORE_OK) {
        mp_log_detail("error", "store upkeep failed", error);
    } else {
        if (r->jobs_deleted || r->rows_deleted || r->cache_removed || r->pages_freed) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddNumberToObject(f, "jobs_deleted", (double)r->jobs_deleted);
            cJSON_AddNumberToObject(f, "rows_deleted", (double)r->rows_deleted);
            cJSON_AddNumberToObject(f, "cache_removed", (double)r->cache_removed);
            cJSON_AddNumberToObject(f, "pages_freed", (double)r->pages_freed);
            mp_log("info", "store upkeep", f);
        }
        if (r->more)
            next = mp_timeval_ms(UPKEEP_AGAIN_MS);
    }
    evtimer_add(st->upkeep, &next);
}

/* Retention, the verify cache's expiry and cap, space given back. */
static void on_upkeep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    serve_state *st = arg;
    const mp_serve_config *cfg = &st->cfg;
    int64_t now = (int64_t)time(NULL);
    mp_store_upkeep_policy policy = {
        .now = now,
        .finished_before = cfg->job_retention_s > 0 ? now - cfg->job_retention_s : 0,
        .cache_max_entries = cfg->cache_max_entries,
        .row_budget = UPKEEP_ROWS,
    };
    if (mp_store_upkeep(st->srv.store, &policy, on_upkeep_done, st) != MP_STORE_OK) {
        struct timeval next = {upkeep_every_s(cfg), 0};
        evtimer_add(st->upkeep, &next);
    }
}

static void on_job_finished(const mp_job_row *row, void *arg)
{
    serve_state *st = arg;
    if (!st->webhook)
        return;
    cJSON *o = mp_job_object(row);
    if (o) {
        cJSON_AddStringToObject(o, "event", "job.finished");
        mp_webhook_post(st->webhook, o);
        cJSON_Delete(o);
    }
}

/* --worker-name's default: this host's name and the port it serves. */
static void default_worker_name(mp_serve_config *cfg)
{
    if (cfg->worker_name[0])
        return;
    char host[64] = "localhost";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    const char *colon = strrchr(cfg->listen, ':');
    snprintf(cfg->worker_name, sizeof cfg->worker_name, "%s:%s", host, colon ? colon + 1 : "?");
}

int mp_cmd_serve(int argc, char **argv)
{
    serve_state *st = calloc(1, sizeof *st);
    if (!st)
        return 1;
    char err[1024];
    mp_config_status loaded = mp_serve_config_load(&st->cfg, argc, argv, stdout, err, sizeof err);
    if (loaded != MP_CONFIG_OK) {
        if (loaded == MP_CONFIG_INVALID)
            fprintf(stderr, "mailprobe serve: %s\n", err);
        free(st);
        return loaded == MP_CONFIG_HELP_SHOWN ? 0 : 2;
    }
    mp_serve_config *cfg = &st->cfg;
    mp_server *srv = &st->srv;
    srv->keys = mp_keyring_new();
    if (!srv->keys || !load_keys(st, true)) {
        if (srv->keys)
            fprintf(stderr, "mailprobe serve: the API keys could not be loaded (see the log line above)\n");
        mp_keyring_free(srv->keys);
        free(st);
        return 2;
    }
    if (!mp_serve_listen_is_loopback(cfg->listen) && !mp_keyring_count(srv->keys) && !cfg->insecure_no_auth) {
        fprintf(stderr, "mailprobe serve: refusing to listen on %s without an API key: anyone could use this\n"
                        "host to probe the Internet. Set --api-key (or MAILPROBE_API_KEYS), or pass\n"
                        "--insecure-no-auth if something in front of it authenticates.\n",
                cfg->listen);
        mp_keyring_free(srv->keys);
        free(st);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg);
    srv->cfg = cfg;
    srv->started = mp_now_monotonic();
    mp_metrics_init(&srv->metrics);
    int exit_code = 1;
    struct event *sigs[3] = {NULL, NULL, NULL};

    /* libevent's own checks of how its API is used (the tests turn them on). */
    if (getenv("MAILPROBE_EVENT_DEBUG"))
        event_enable_debug_mode();
    srv->base = event_base_new();
    if (!srv->base) {
        fprintf(stderr, "mailprobe serve: event_base_new failed\n");
        goto done;
    }
    srv->prober = mp_prober_new(srv->base, &cfg->prober, err, sizeof err);
    if (!srv->prober) {
        fprintf(stderr, "mailprobe serve: %s\n", err);
        goto done;
    }
    srv->store = mp_store_open(srv->base, cfg->db_path, err, sizeof err);
    if (!srv->store) {
        fprintf(stderr, "mailprobe serve: database: %s\n", err);
        goto done;
    }
    srv->memory = mp_domain_memory_new();
    srv->watch = mp_job_watch_new(srv->base, srv->store);
    if (!srv->memory || !srv->watch)
        goto done;
    default_worker_name(cfg);
    mp_catch_all_memory memory = {recall_catch_all, learn_catch_all, st};
    mp_prober_set_catch_all_memory(srv->prober, &memory);
    mp_prober_set_resolver_listener(srv->prober, on_resolver, st);
    srv->ratelimit = mp_ratelimit_new(cfg->rate_limit, cfg->rate_burst);
    srv->auth_failures = mp_ratelimit_new(MP_AUTH_FAILURE_RATE, MP_AUTH_FAILURE_BURST);
    if (!srv->ratelimit || !srv->auth_failures)
        goto done;
    if (!load_extra(st, true)) {
        fprintf(stderr, "mailprobe serve: --disposable-list %s could not be loaded\n", cfg->disposable_list);
        goto done;
    }
    if (cfg->web_dir[0]) {
        if (!realpath(cfg->web_dir, srv->web_root)) {
            fprintf(stderr, "mailprobe serve: --web %s: %s\n", cfg->web_dir, strerror(errno));
            goto done;
        }
    } else {
        char guess[PATH_MAX];
        mp_static_default_root(guess, sizeof guess);
        if (!guess[0] || !realpath(guess, srv->web_root))
            srv->web_root[0] = 0;
    }
    if (cfg->webhook[0]) {
        st->webhook = mp_webhook_new(srv->base, cfg->webhook, cfg->webhook_secret, err, sizeof err);
        if (!st->webhook) {
            fprintf(stderr, "mailprobe serve: --webhook: %s\n", err);
            goto done;
        }
    }
    mp_jobs_env env = {srv->base, srv->prober, srv->store, cfg, &srv->metrics, srv->watch, srv->memory,
                       on_job_finished, st};
    srv->jobs = mp_jobs_new(&env);
    if (!srv->jobs || !start_cluster_politeness(srv))
        goto done;
    if (!mp_http_server_start(srv, err, sizeof err)) {
        fprintf(stderr, "mailprobe serve: %s\n", err);
        goto done;
    }
    mp_jobs_start(srv->jobs);
    sigs[0] = evsignal_new(srv->base, SIGTERM, on_stop_signal, st);
    sigs[1] = evsignal_new(srv->base, SIGINT, on_stop_signal, st);
    sigs[2] = evsignal_new(srv->base, SIGHUP, on_hup, st);
    for (int i = 0; i < 3; i++)
        if (sigs[i])
            event_add(sigs[i], NULL);
    /* The first round at once: retention set while the server was down. */
    st->upkeep = evtimer_new(srv->base, on_upkeep, st);
    struct timeval at_once = {0, 0};
    if (st->upkeep)
        evtimer_add(st->upkeep, &at_once);

    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "listen", cfg->listen);
    char db[MP_SERVE_PATH_MAX];
    mp_store_location_public(cfg->db_path, db, sizeof db);
    cJSON_AddStringToObject(f, "db", db);
    cJSON_AddStringToObject(f, "store", mp_store_backend(srv->store));
    cJSON_AddStringToObject(f, "worker", cfg->worker_name);
    cJSON_AddStringToObject(f, "web", srv->web_root);
    cJSON_AddBoolToObject(f, "auth", mp_keyring_count(srv->keys) > 0);
    cJSON_AddNumberToObject(f, "max_connections", (double)cfg->max_connections);
    mp_log("info", "listening", f);
    event_base_dispatch(srv->base);
    exit_code = 0;
done:
    /* Jobs first: they cancel their probes while the prober still exists,
     * write what is buffered and give their leases back, waiting for the
     * store — whose last callbacks (held requests) answer while the HTTP
     * server still exists. */
    mp_jobs_free(srv->jobs);
    if (srv->store)
        mp_store_drain(srv->store);
    if (srv->http)
        mp_http_server_stop(srv);
    mp_webhook_free(st->webhook);
    mp_prober_free(srv->prober);
    mp_cluster_politeness_free(srv->politeness); /* gives the allowances back: before the store closes */
    for (int i = 0; i < 3; i++)
        if (sigs[i])
            event_free(sigs[i]);
    if (st->upkeep)
        event_free(st->upkeep);
    mp_store_close(srv->store);
    mp_job_watch_free(srv->watch);
    mp_domain_memory_free(srv->memory);
    mp_ratelimit_free(srv->ratelimit);
    mp_ratelimit_free(srv->auth_failures);
    mp_keyring_free(srv->keys);
    mp_domain_list_free(srv->extra);
    if (srv->base)
        event_base_free(srv->base);
    free(st);
    return exit_code;
}
