/* probe.h — one submitted address inside the engine, shared by its two
 * halves: the prober (prober.c) owns each probe from submission to
 * callback; the scheduler (scheduler.h) moves it between its domain's
 * queue, a session and the parking lot. Private to the engine.
 *
 * A probe is in at most one intrusive list at a time, and `where` names its
 * single owner at every moment; a probe is freed only when nothing holds it
 * (one whose deadline passed while a session held its rcpt is marked, and
 * freed when the session hands the rcpt back). */
#ifndef MP_PROBE_H
#define MP_PROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "prober.h"
#include "smtp_reply.h"
#include "smtp_session.h"

typedef struct mp_probe mp_probe;
struct mp_sched_domain; /* the scheduler's, opaque to the prober */

/* An intrusive FIFO of probes; a probe is in at most one at a time. */
typedef struct mp_probe_list {
    mp_probe *head, *tail;
    size_t count;
} mp_probe_list;

/* Appends `p` at the tail of `l`. `p` must be in no list. */
void mp_probe_list_push(mp_probe_list *l, mp_probe *p);
/* Puts `p` at the head of `l` (a recipient handed back keeps its turn). */
void mp_probe_list_push_front(mp_probe_list *l, mp_probe *p);
/* Takes the head of `l`, or NULL when it is empty. */
mp_probe *mp_probe_list_pop(mp_probe_list *l);
/* Takes `p` out of whatever list holds it; nothing when it is in none. */
void mp_probe_list_unlink(mp_probe *p);

/* Arms (or re-arms) the probe's deadline event to fire `ms` from now and
 * records when. */
void mp_probe_arm_deadline(mp_probe *p, int64_t ms);

/* Where a probe is; every value names exactly one owner of the probe. */
typedef enum mp_probe_where {
    MP_PROBE_ADMISSION = 0,  /* the prober's admission FIFO: waiting for a concurrency slot */
    MP_PROBE_DOMAIN_QUEUE,   /* its domain's: in its queue (waiting for DNS or a session),
                                or in the scheduler's hand between a session's answer
                                and what follows (parked, waiting, queued, finished) */
    MP_PROBE_IN_SESSION,     /* its rcpt is inside a session */
    MP_PROBE_PARKED,         /* accepted, waiting for the domain's catch-all test */
    MP_PROBE_GREYLIST_WAIT,  /* retry timer running */
    MP_PROBE_FINISHED,       /* callback done (or cancelled); freed when no one holds it */
} mp_probe_where;

struct mp_probe {
    uint64_t id;
    mp_prober *prober;            /* the owner, for the deadline event */
    mp_probe_done_cb cb;
    void *arg;
    char *input;
    size_t input_len;
    mp_result result;
    mp_rcpt rcpt;                 /* rcpt.owner_data == this probe */
    struct mp_sched_domain *domain; /* set by mp_sched_attach() */
    mp_probe_where where;
    bool in_session_finished;     /* finished while a session still holds the rcpt */
    int attempts;                 /* RCPTs sent without a usable answer */
    int greylist_retries;
    struct event *deadline;       /* the --timeout for this address */
    int64_t deadline_at_ms;       /* when it fires (clock.h), while armed */
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

#endif
