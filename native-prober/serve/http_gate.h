/* http_gate.h — the doorman between the listening socket and evhttp.
 *
 * libevent 2.1's evhttp reads a request's whole body before it calls the
 * server (a per-request header hook exists for clients only; servers get
 * one in 2.2: libevent issue #588), and its timeout is an idle timeout. So
 * every connection evhttp accepts is given a bufferevent filter
 * (evhttp_set_bevcb) over its socket. The filter reads each request's head
 * itself (http_head.h), asks admission.h whether to take it, and only then
 * lets evhttp see the head and exactly Content-Length octets of body:
 *
 *   - a refused request's body is never read. evhttp is handed a stand-in
 *     request instead, which the dispatcher answers with the refusal
 *     (mp_gate_claim), so the JSON error, its access-log line and metrics go
 *     the usual way; the connection then closes;
 *   - a request's head and body must arrive within --request-deadline of
 *     its first octet (408 while still in the head, the connection closed
 *     during the body);
 *   - at most --max-connections are open: at the limit the connection idle
 *     longest (no request, or a head still trickling in) is closed for the
 *     new one, and accepting pauses while none is idle;
 *   - running out of file descriptors (EMFILE) pauses accepting for a
 *     moment and closes the connection idle longest, instead of a busy loop;
 *   - a connection evhttp is done with is closed gracefully: its last reply
 *     is in the kernel before evhttp shuts the socket down, and a short
 *     linger reads what the client still sends, so unread input does not
 *     turn into a reset that destroys the reply.
 *
 * A request the gate admits is framed exactly as evhttp frames it (the
 * head reader refuses anything evhttp could read otherwise), and
 * mp_gate_claim checks that evhttp's view matches before the dispatcher
 * acts on it. */
#ifndef MP_HTTP_GATE_H
#define MP_HTTP_GATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include "admission.h"
#include "http_head.h"

enum {
    MP_GATE_PIPELINE_MAX = 8, /* requests admitted on one connection before evhttp reaches them */
    MP_GATE_LINGER_MS = 5000, /* a closing connection: flush the reply and drain, at most this long */
    MP_GATE_PAUSE_MS = 250,   /* out of file descriptors: accept again after this */
};

typedef struct mp_gate mp_gate;

/* Decides about one request head (admission.h's mp_admit, through serve's
 * state in `arg`). */
typedef void (*mp_gate_admit_fn)(const mp_http_head *head, const mp_peer *peer, mp_admission *out, void *arg);

typedef struct mp_gate_config {
    size_t max_connections; /* >= 1 */
    int deadline_ms;        /* head + body of one request */
} mp_gate_config;

/* What the gate has done, for /metrics. */
typedef struct mp_gate_stats {
    uint64_t open;             /* connections with a socket now (lingering ones included) */
    uint64_t accepted;         /* connections accepted since start */
    uint64_t refused;          /* requests refused before their body */
    uint64_t evicted;          /* idle connections closed for a new one */
    uint64_t deadline_expired; /* requests that did not arrive within the deadline */
    uint64_t accept_paused;    /* times accepting paused: the connection limit or EMFILE */
} mp_gate_stats;

/* A gate on `base`; `admit(…, arg)` decides. NULL when out of memory. */
mp_gate *mp_gate_new(struct event_base *base, const mp_gate_config *cfg, mp_gate_admit_fn admit, void *arg);

/* Puts the gate in front of `http` (evhttp_set_bevcb) and takes charge of
 * pausing `listener` (evconnlistener_set_error_cb for EMFILE). The listener
 * stays the caller's. */
void mp_gate_attach(mp_gate *g, struct evhttp *http, struct evconnlistener *listener);

/* Forgets the listener (before the caller frees it: a drain). */
void mp_gate_detach_listener(mp_gate *g);

/* For the dispatcher: what the gate decided about `req`, the request evhttp
 * hands over (the oldest one admitted on its connection and not yet
 * claimed). Fills *out: admitted, or the refusal to answer with (a
 * refusal's connection closes after the reply). A request the gate never
 * saw, or one evhttp framed differently, comes back as a 500 / 400 refusal
 * (and is logged): never admitted. */
void mp_gate_claim(mp_gate *g, struct evhttp_request *req, mp_admission *out);

void mp_gate_stats_get(const mp_gate *g, mp_gate_stats *out);

/* Lets the gate go (after evhttp_free): connections still being finalised
 * by libevent close at once, and the gate frees itself with the last. */
void mp_gate_free(mp_gate *g);

#endif
