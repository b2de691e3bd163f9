/* scheduler.h — inside the prober: who talks to which mail host, when.
 *
 * Private to prober.c and scheduler.c. The prober (prober.c) owns probes —
 * one per submitted address — from admission to callback. The scheduler
 * (scheduler.c) groups admitted probes by domain, resolves the domain once,
 * and runs SMTP sessions (smtp_session.h) that share the domain's queue:
 * one MAIL FROM, many RCPT TO. It keeps each MX address polite (connection
 * limit, rate of new sessions), walks the MX list when a host fails, tests
 * each domain once for catch-all after its real recipients, and retries
 * greylisted and dropped recipients. */
#ifndef MP_SCHEDULER_H
#define MP_SCHEDULER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <event2/event.h>

#include "dns.h"
#include "prober.h"
#include "provider.h"
#include "result_json.h"
#include "smtp_session.h"

typedef struct mp_probe mp_probe;
typedef struct mp_domain mp_domain;
typedef struct mp_host mp_host;

/* An intrusive FIFO of probes; a probe is in at most one at a time. */
typedef struct mp_probe_list {
    mp_probe *head, *tail;
    size_t count;
} mp_probe_list;

void mp_probe_list_push(mp_probe_list *l, mp_probe *p);       /* at the tail */
void mp_probe_list_push_front(mp_probe_list *l, mp_probe *p);
mp_probe *mp_probe_list_pop(mp_probe_list *l);                 /* from the head */
void mp_probe_list_unlink(mp_probe *p);                        /* from whatever list */

/* Where a probe is; every value names exactly one owner of the probe. */
typedef enum mp_probe_where {
    MP_PROBE_ADMISSION = 0,  /* prober->admission: waiting for a concurrency slot */
    MP_PROBE_DOMAIN_QUEUE,   /* domain->queue: waiting for DNS or a session */
    MP_PROBE_IN_SESSION,     /* its rcpt is inside a session */
    MP_PROBE_PARKED,         /* domain->parked: accepted, waiting for the catch-all test */
    MP_PROBE_GREYLIST_WAIT,  /* retry timer running */
    MP_PROBE_FINISHED,       /* callback done (or cancelled); freed when no one holds it */
} mp_probe_where;

struct mp_probe {
    uint64_t id;
    mp_probe_done_cb cb;
    void *arg;
    char *input;
    size_t input_len;
    mp_result result;
    mp_rcpt rcpt;                 /* rcpt.owner_data == this probe */
    mp_domain *domain;
    mp_probe_where where;
    bool in_session_finished;     /* finished while a session still holds the rcpt */
    int attempts;                 /* RCPTs sent without a usable answer */
    int greylist_retries;
    struct event *deadline;       /* the --timeout for this address */
    int deadline_extensions;      /* times it was extended while queued behind busy sessions */
    struct event *retry_timer;    /* greylisting */
    /* the decisive reply, if any */
    bool has_reply;
    mp_smtp_reply reply;
    char reply_host[MP_HOST_MAX + 1];
    /* transcript snapshot taken when the reply came */
    char **transcript;
    size_t transcript_count;
    /* list links */
    mp_probe_list *list;
    mp_probe *prev, *next;
    mp_probe *all_prev, *all_next; /* every live probe, for cancel and free */
};

typedef enum mp_catch_all_state {
    MP_CATCH_ALL_UNKNOWN = 0,  /* not tested yet */
    MP_CATCH_ALL_TESTING,      /* the random RCPT is out */
    MP_CATCH_ALL_YES,
    MP_CATCH_ALL_NO,
    MP_CATCH_ALL_INCONCLUSIVE, /* tested, no verdict (452, 4xx, blocked, failures) */
} mp_catch_all_state;

typedef enum mp_dns_state { MP_DOMAIN_NEW = 0, MP_DOMAIN_RESOLVING, MP_DOMAIN_READY, MP_DOMAIN_FAILED } mp_dns_state;

typedef struct mp_endpoint {
    char host[MP_HOST_MAX + 1];
    struct sockaddr_storage addr;
    bool dead;                 /* failed in this run: skip */
} mp_endpoint;

enum { MP_ENDPOINTS_MAX = 32 };

struct mp_domain {
    mp_prober *prober;            /* back pointer for timers */
    char name[MP_DOMAIN_MAX + 1];
    mp_domain *hash_next;
    mp_dns_state dns_state;
    struct timeval resolved_at;
    uint32_t ttl;
    mp_dns_result dns_result;
    bool mx_implicit;
    size_t mx_count;
    mp_probe_mx mx[MP_PROBE_MX_MAX];
    size_t nendpoints, current;   /* endpoints in the order to try them */
    mp_endpoint *endpoints;
    const mp_provider *provider;
    int zero_progress;            /* consecutive sessions on `current` that answered nothing */
    mp_session_end last_failure;  /* why the last endpoint failed */
    bool has_failure_reply;
    mp_smtp_reply failure_reply;
    char failure_host[MP_HOST_MAX + 1];
    mp_probe_list queue;
    mp_probe_list parked;
    size_t in_session;            /* probes whose rcpt a session holds */
    int sessions;                 /* active sessions */
    mp_catch_all_state catch_all;
    int catch_all_attempts;
    mp_rcpt catch_all_rcpt;
    struct event *pump_timer;     /* retry when a host limit said "later" */
    struct event *idle_timer;     /* forget the domain after a while unused */
    bool dns_pending;
};

struct mp_host {
    char key[64];                 /* "address:port" */
    mp_host *hash_next;
    int active;                   /* sessions open now */
    double tokens;                /* rate limiter bucket */
    struct timeval refilled;
};

/* A running session and what the scheduler knows about it. */
typedef struct mp_sched_session {
    mp_prober *prober;
    mp_smtp_session *session;
    mp_domain *domain;
    mp_host *host;
    size_t endpoint;
    bool established;             /* reached MAIL (asked for recipients) */
    bool progress;                /* got at least one RCPT answer */
    bool closed;
    struct mp_sched_session *next;
} mp_sched_session;

enum { MP_DOMAIN_BUCKETS = 4096, MP_HOST_BUCKETS = 1024 };

struct mp_prober {
    struct event_base *base;
    mp_prober_config cfg;
    char helo[MP_HOST_MAX + 1];
    char from[MP_HOST_MAX + 16];     /* "" = null reverse-path */
    mp_dns *dns;
    bool shutting_down;
    uint64_t next_id;
    mp_probe_list admission;
    mp_probe *all;                    /* every live probe */
    struct event *admit_ev;
    struct event *reap_ev;
    mp_domain *domains[MP_DOMAIN_BUCKETS];
    mp_host *hosts[MP_HOST_BUCKETS];
    mp_sched_session *sessions;
    mp_session_counters counters;
    mp_prober_stats stats;
    uint64_t rng;                     /* for catch-all local parts (seeded from the OS) */
    mp_catch_all_memory memory;       /* all NULL: every domain is tested */
};

/* scheduler.c */
void mp_sched_attach(mp_prober *p, mp_probe *probe);   /* an admitted, syntactically valid probe */
void mp_sched_domain_pump(mp_prober *p, mp_domain *d);
void mp_sched_reap(mp_prober *p);                      /* frees closed sessions */
void mp_sched_free_all(mp_prober *p);

/* prober.c: the single exit of a probe. `ev` is the evidence (dns filled by
 * the caller); the probe's reply/host/transcript become the details. */
void mp_probe_finish(mp_prober *p, mp_probe *probe, const mp_evidence *ev, int retry_after);
/* Frees a finished probe when nothing holds it any more. */
void mp_probe_release(mp_prober *p, mp_probe *probe);

#endif
