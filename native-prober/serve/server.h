/* server.h — the state of a running `mailprobe serve` that the HTTP
 * server (http_server.h) and every route (routes.h) share: configuration,
 * prober, store, jobs, metrics, the held requests, and the count of final
 * replies a drain waits for. serve.c builds it. */
#ifndef MP_SERVER_H
#define MP_SERVER_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>
#include "cluster_politeness.h"
#include "api_keys.h"
#include "config.h"
#include "domain_list.h"
#include "domain_memory.h"
#include "job_watch.h"
#include "jobs.h"
#include "metrics.h"
#include "prober.h"
#include "ratelimit.h"
#include "store.h"

typedef struct mp_http_stream mp_http_stream;
typedef struct mp_verify_ctx mp_verify_ctx;
typedef struct mp_gate mp_gate;

/* The server: everything a request handler may touch. serve.c owns and
 * builds it; the server and the routes only read the configuration. */
typedef struct mp_server {
    struct event_base *base;
    const mp_serve_config *cfg;
    mp_prober *prober;
    mp_store *store;
    mp_jobs *jobs;
    mp_job_watch *watch;         /* progress listeners of the event streams */
    mp_domain_memory *memory;    /* catch-all verdicts the prober recalls */
    mp_cluster_politeness *politeness; /* the cluster's budgets (PostgreSQL); NULL: the local ones */
    mp_ratelimit *ratelimit;
    mp_ratelimit *auth_failures; /* failed key checks per client (admission.h) */
    mp_keyring *keys;            /* API keys in force; --api-keys-file reloads them on SIGHUP */
    mp_domain_list *extra;       /* --disposable-list, swapped on SIGHUP */
    char web_root[PATH_MAX];     /* "" = no static files */
    mp_metrics metrics;
    struct evhttp *http;
    struct evhttp_bound_socket *bound; /* the listener; removed when draining */
    mp_gate *gate;               /* reads each request's head before evhttp (http_gate.h) */
    char listen_host[300];       /* --listen as a Host header names it: "127.0.0.1:8025", "[::1]:8025" */
    char listen_port[8];
    bool listen_loopback;        /* also answers to localhost:PORT */
    bool listen_wildcard;        /* 0.0.0.0 / [::]: answers to the address connected to */
    size_t final_replies;        /* replies of a drain still being written */
    void (*on_drained)(void *arg);
    void *on_drained_arg;
    size_t verify_pending;       /* POST /v1/verify waiting for the prober */
    double started;              /* monotonic seconds */
    mp_http_stream *streams;     /* open SSE and result streams */
    LIST_HEAD(mp_verify_list, mp_verify_ctx) verifies; /* single verifies waiting for the prober */
    bool stopping;
} mp_server;

/* Starts a drain's wait: `drained(arg)` will run once every reply counted
 * with mp_server_hold_final_reply() is written (and the hold taken here is
 * let go with mp_server_final_reply_written(s)). */
void mp_server_drain_begin(mp_server *s, void (*drained)(void *arg), void *arg);

/* For a route answering a held request during a drain: counts `req`'s reply
 * as one the drain waits for (its `drained` callback runs once every such
 * reply is written). */
void mp_server_hold_final_reply(mp_server *s, struct evhttp_request *req);

/* Counts one final reply as written (also the on-complete callback that
 * mp_server_hold_final_reply installs); runs `drained` after the last. */
void mp_server_final_reply_written(mp_server *s);

#endif
