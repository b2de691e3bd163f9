/* http_gate.c — request heads read before evhttp, deadlines, the
 * connection limit, accept pauses and graceful closes (http_gate.h). */
#include "http_gate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#include "clock.h"
#include "hash.h"
#include "log.h"
#include "ratelimit.h"

enum {
    SOCK_READ_HIGH = 64 * 1024,  /* read no further ahead of the gate than this */
    SOCK_WRITE_HIGH = 64 * 1024, /* evhttp's writes wait (and streams pause) beyond this */
    EVICT_SCAN = 64,             /* connections looked at for an idle one */
    BUSY_RECHECK_MS = 1000,      /* a deadline reached while evhttp is busy: look again */
    EMFILE_LOG_EVERY_S = 10,
    EMFILE_EVICT = 8,            /* idle connections closed when descriptors run out */
};

/* Where a connection is. */
typedef enum conn_state {
    CONN_HEAD = 0, /* reading a request head (or idle between requests) */
    CONN_BODY,     /* passing an admitted request's body to evhttp */
    CONN_REFUSED,  /* a refusal handed to evhttp: everything else is discarded */
    CONN_LINGER,   /* evhttp is done: reading and dropping the client's last octets */
} conn_state;

/* An admitted (or refused) request evhttp has still to reach. */
typedef struct ticket {
    bool refused;
    enum evhttp_cmd_type method;
    uint64_t length;      /* Content-Length */
    uint32_t target_hash; /* of the request-target as sent */
    mp_route route;
    char key_id[MP_KEY_ID_LEN + 1];
} ticket;

typedef struct gate_conn gate_conn;
struct gate_conn {
    mp_gate *gate;
    struct bufferevent *sock;   /* the socket: ours */
    struct bufferevent *filter; /* what evhttp reads and writes; NULL once it let go */
    conn_state state;
    uint64_t body_left;
    size_t head_scanned;        /* where the search for the head's end stopped */
    bool peer_known;
    mp_peer peer;
    struct event *timer;        /* the request deadline, then the linger deadline */
    struct event *kick;         /* passes a reply on once evhttp enables writing; lingering: reads the socket */
    bool deadline_armed;
    bool closing;               /* evicted or timed out: evhttp was told EOF */
    ticket queue[MP_GATE_PIPELINE_MAX + 1]; /* + the one refusal */
    size_t q_first, q_len;
    mp_admission *refusal;      /* the refusal of this connection, if any */
    TAILQ_ENTRY(gate_conn) lru; /* oldest activity first */
    bool in_lru;
    gate_conn *hash_next;       /* by filter, for mp_gate_claim */
};

TAILQ_HEAD(conn_list, gate_conn);

struct mp_gate {
    struct event_base *base;
    mp_gate_config cfg;
    mp_gate_admit_fn admit;
    void *arg;
    struct evconnlistener *listener; /* the caller's; NULL once detached */
    bool paused;                     /* accepting paused */
    struct event *resume;            /* ends an EMFILE pause */
    struct event *maint;             /* evictions asked for inside libevent's callbacks */
    size_t evictions_wanted;
    bool released;                   /* mp_gate_free called: go with the last connection */
    bool freeing;                    /* inside mp_gate_free */
    struct conn_list lru;
    struct conn_list lingering;      /* released by evhttp, still closing */
    gate_conn **buckets;
    size_t nbuckets;                 /* a power of two */
    mp_gate_stats stats;
    double last_emfile_log;
    mp_gate *next_registered;
};

/* evconnlistener's error callback is given evhttp's argument, not ours
 * (evhttp_bind_listener owns the listener's callback slot), so the gates
 * are found by their listener here. One per `serve`; a list for tests. */
static mp_gate *registered;

static void conn_close(gate_conn *c);
static void conn_finish(gate_conn *c);
static void gate_destroy(mp_gate *g);

/* ---- lookup and order ------------------------------------------------------------------ */

static size_t bucket_of(const mp_gate *g, const struct bufferevent *filter)
{
    return (size_t)(((uintptr_t)filter >> 4) * 2654435761u) & (g->nbuckets - 1);
}

static gate_conn *conn_find(const mp_gate *g, const struct bufferevent *filter)
{
    for (gate_conn *c = g->buckets[bucket_of(g, filter)]; c; c = c->hash_next)
        if (c->filter == filter)
            return c;
    return NULL;
}

static void conn_unhash(gate_conn *c)
{
    mp_gate *g = c->gate;
    for (gate_conn **pp = &g->buckets[bucket_of(g, c->filter)]; *pp; pp = &(*pp)->hash_next)
        if (*pp == c) {
            *pp = c->hash_next;
            return;
        }
}

/* A connection showed life: it is the last to be evicted. */
static void lru_touch(gate_conn *c)
{
    if (c->in_lru)
        TAILQ_REMOVE(&c->gate->lru, c, lru);
    TAILQ_INSERT_TAIL(&c->gate->lru, c, lru);
    c->in_lru = true;
}

static void lru_remove(gate_conn *c)
{
    if (c->in_lru)
        TAILQ_REMOVE(&c->gate->lru, c, lru);
    c->in_lru = false;
}

/* Idle: no request on its way to evhttp or in evhttp's hands (evhttp
 * reads only while it waits for a request), at most a head trickling in. */
static bool conn_idle(const gate_conn *c)
{
    return c->filter && !c->closing && c->state == CONN_HEAD && !c->q_len &&
           (bufferevent_get_enabled(c->filter) & EV_READ);
}

static bool evict_one(mp_gate *g)
{
    for (int i = 0; i < EVICT_SCAN && !TAILQ_EMPTY(&g->lru); i++) {
        gate_conn *c = TAILQ_FIRST(&g->lru);
        if (conn_idle(c)) {
            lru_remove(c);
            g->stats.evicted++;
            conn_close(c);
            return true;
        }
        lru_touch(c); /* busy: look again later */
    }
    return false;
}

/* ---- accepting ------------------------------------------------------------------------- */

static void accept_pause(mp_gate *g)
{
    if (g->listener && !g->paused) {
        evconnlistener_disable(g->listener);
        g->stats.accept_paused++;
    }
    g->paused = true;
}

static void accept_resume(mp_gate *g)
{
    if (!g->paused || g->stats.open >= g->cfg.max_connections)
        return;
    evtimer_del(g->resume);
    g->paused = false;
    if (g->listener)
        evconnlistener_enable(g->listener);
}

static void on_maint(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_gate *g = arg;
    while (g->evictions_wanted) {
        g->evictions_wanted--;
        if (!evict_one(g))
            g->evictions_wanted = 0;
    }
}

static void want_eviction(mp_gate *g)
{
    g->evictions_wanted++;
    event_active(g->maint, EV_TIMEOUT, 0);
}

/* An EMFILE pause is over: try again (whatever closed meanwhile). */
static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    accept_resume(arg);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    mp_gate *g = registered;
    while (g && g->listener != lev)
        g = g->next_registered;
    if (!g)
        return;
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
        mp_log_detail("warn", "accept failed", strerror(err));
        return;
    }
    /* Out of descriptors: the listening socket stays readable, so keep
     * accepting and libevent spins. Pause, make room, try again soon. */
    accept_pause(g);
    struct timeval tv = mp_timeval_ms(MP_GATE_PAUSE_MS);
    evtimer_add(g->resume, &tv);
    for (int i = 0; i < EMFILE_EVICT; i++)
        want_eviction(g);
    double now = mp_now_monotonic();
    if (now - g->last_emfile_log >= EMFILE_LOG_EVERY_S) {
        g->last_emfile_log = now;
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "error", strerror(err));
        cJSON_AddNumberToObject(f, "open_connections", (double)g->stats.open);
        cJSON_AddNumberToObject(f, "pause_ms", MP_GATE_PAUSE_MS);
        mp_log("warn", "accept paused: out of file descriptors; closing the longest idle connection", f);
    }
}

/* ---- the request deadline ------------------------------------------------------------------ */

static void arm_timer(gate_conn *c, int ms)
{
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_add(c->timer, &tv);
}

static void request_started(gate_conn *c)
{
    if (!c->deadline_armed)
        arm_timer(c, c->gate->cfg.deadline_ms);
    c->deadline_armed = true;
}

static void request_complete(gate_conn *c)
{
    c->state = CONN_HEAD;
    c->deadline_armed = false;
    evtimer_del(c->timer);
}

/* ---- handing requests to evhttp --------------------------------------------------------------- */

static void enqueue(gate_conn *c, const ticket *t)
{
    c->queue[(c->q_first + c->q_len) % (MP_GATE_PIPELINE_MAX + 1)] = *t;
    c->q_len++;
}

/* Hands evhttp a stand-in for the refused request (no body, Connection:
 * close); the dispatcher answers it with the refusal. From here on the
 * connection's input is discarded. */
static void refuse(gate_conn *c, struct evbuffer *to_evhttp, const mp_admission *a)
{
    bool head = !strcmp(a->method, "HEAD");
    c->refusal = malloc(sizeof *c->refusal);
    if (!c->refusal) {
        conn_close(c);
        return;
    }
    *c->refusal = *a;
    if (!a->method[0]) /* a head too broken to name its method: not the stand-in's */
        snprintf(c->refusal->method, sizeof c->refusal->method, "?");
    ticket t = {.refused = true, .method = head ? EVHTTP_REQ_HEAD : EVHTTP_REQ_GET, .length = 0,
                .target_hash = mp_fnv1a32("/", 1), .route = a->route};
    enqueue(c, &t);
    evbuffer_add_printf(to_evhttp, "%s / HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n", head ? "HEAD" : "GET");
    request_complete(c);
    c->state = CONN_REFUSED;
    c->gate->stats.refused++;
}

/* The address text of `ss`, an IPv4-mapped IPv6 address as IPv4. */
static void address_text(const struct sockaddr_storage *ss, char *out, size_t cap, bool with_port)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    bool v6 = false;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        port = ntohs(s6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a, sizeof a);
        } else {
            inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
            v6 = true;
        }
    }
    if (!with_port)
        snprintf(out, cap, "%s", a);
    else
        snprintf(out, cap, v6 ? "[%s]:%u" : "%s:%u", a, port);
}

static void learn_peer(gate_conn *c)
{
    if (c->peer_known)
        return;
    c->peer_known = true;
    evutil_socket_t fd = bufferevent_getfd(c->sock);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
        address_text(&ss, c->peer.client, sizeof c->peer.client, false);
        mp_ratelimit_client_key((struct sockaddr *)&ss, c->peer.client_key, sizeof c->peer.client_key);
    } else {
        snprintf(c->peer.client, sizeof c->peer.client, "?");
        snprintf(c->peer.client_key, sizeof c->peer.client_key, "?");
    }
    len = sizeof ss;
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        address_text(&ss, c->peer.local, sizeof c->peer.local, true);
}

static int head_refusal_status(mp_head_status st)
{
    switch (st) {
    case MP_HEAD_TOO_LARGE: return 431;
    case MP_HEAD_CHUNKED: return 411;
    case MP_HEAD_BAD_VERSION: return 505;
    default: return 400;
    }
}

static const char *head_refusal_message(mp_head_status st)
{
    switch (st) {
    case MP_HEAD_TOO_LARGE: return "request head larger than 16 KiB";
    case MP_HEAD_CHUNKED: return "send the body with a Content-Length (no Transfer-Encoding)";
    case MP_HEAD_BAD_VERSION: return "HTTP/1.0 and HTTP/1.1 only";
    case MP_HEAD_BAD_LENGTH: return "bad Content-Length";
    default: return "malformed request head";
    }
}

/* Reads one head at the start of `src` (complete: `end` octets) and
 * admits it (moved to evhttp's input) or refuses it. */
static void take_head(gate_conn *c, struct evbuffer *src, struct evbuffer *dst, const char *p, size_t end)
{
    mp_http_head h;
    mp_admission a;
    memset(&a, 0, sizeof a);
    mp_head_status st = mp_http_head_parse(p, end, &h);
    if (st != MP_HEAD_OK) {
        mp_admission_refuse(&a, head_refusal_status(st), head_refusal_message(st));
    } else if (c->q_len >= MP_GATE_PIPELINE_MAX) {
        mp_admission_refuse(&a, 429, "too many pipelined requests");
    } else {
        learn_peer(c);
        c->gate->admit(&h, &c->peer, &a, c->gate->arg);
    }
    if (!a.admitted) {
        refuse(c, dst, &a);
        return;
    }
    ticket t = {.refused = false, .length = h.content_length, .target_hash = mp_fnv1a32(h.target.p, h.target.len),
                .route = a.route};
    t.method = mp_admission_method(h.method);
    memcpy(t.key_id, a.key_id, sizeof t.key_id);
    enqueue(c, &t);
    evbuffer_remove_buffer(src, dst, end);
    lru_touch(c);
    if (h.content_length) {
        c->state = CONN_BODY;
        c->body_left = h.content_length;
    } else {
        request_complete(c);
    }
}

/* The filter between the socket (src) and evhttp (dst). */
static enum bufferevent_filter_result gate_input(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                 enum bufferevent_flush_mode mode, void *ctx)
{
    (void)limit;
    (void)mode;
    gate_conn *c = ctx;
    bool moved = false;
    for (;;) {
        size_t avail = evbuffer_get_length(src);
        if (c->state == CONN_REFUSED || c->closing) {
            evbuffer_drain(src, avail);
            break;
        }
        if (!avail)
            break;
        if (c->state == CONN_BODY) {
            size_t n = avail < c->body_left ? avail : (size_t)c->body_left;
            evbuffer_remove_buffer(src, dst, n);
            c->body_left -= n;
            moved = true;
            if (!c->body_left)
                request_complete(c);
            continue;
        }
        request_started(c);
        size_t look = avail < MP_HEAD_MAX ? avail : MP_HEAD_MAX;
        const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)look);
        size_t end = p ? mp_http_head_end(p, look, c->head_scanned) : 0;
        if (!end && look < MP_HEAD_MAX) {
            c->head_scanned = look;
            break;
        }
        c->head_scanned = 0;
        if (!end) {
            mp_admission a;
            memset(&a, 0, sizeof a);
            mp_admission_refuse(&a, 431, head_refusal_message(MP_HEAD_TOO_LARGE));
            refuse(c, dst, &a);
        } else {
            take_head(c, src, dst, p, end);
        }
        moved = true;
    }
    return moved ? BEV_OK : BEV_NEED_MORE;
}

/* The filter between evhttp (src) and the socket (dst). evhttp frees a
 * connection, and shuts its socket down, as soon as the filter has taken
 * its last reply — not when the socket has sent it. So the last octets
 * are written straight to the kernel here: one octet is held back while
 * the socket still has output, and evhttp hears "written" only once
 * everything is in the kernel. */
static enum bufferevent_filter_result gate_output(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                  enum bufferevent_flush_mode mode, void *ctx)
{
    (void)mode;
    gate_conn *c = ctx;
    if (!evbuffer_get_length(src))
        return BEV_NEED_MORE;
    if (!evbuffer_get_length(dst)) {
        evutil_socket_t fd = bufferevent_getfd(c->sock);
        if (fd >= 0)
            evbuffer_write(src, fd); /* errors: the socket reports them when it writes */
        if (!evbuffer_get_length(src))
            return BEV_OK;
    }
    size_t n = evbuffer_get_length(src) - 1;
    if (limit >= 0 && (size_t)limit < n)
        n = (size_t)limit;
    if (!n)
        return BEV_NEED_MORE;
    evbuffer_remove_buffer(src, dst, n);
    return BEV_OK;
}

/* evhttp puts a reply into the output while writing is still disabled and
 * enables writing right after; a filter passes output on only when it
 * arrives while writing is enabled. So a reply added while disabled is
 * passed on from the loop, a moment later. */
static void on_reply_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    gate_conn *c = arg;
    if (info->n_added && c->filter && !(bufferevent_get_enabled(c->filter) & EV_WRITE))
        event_active(c->kick, EV_TIMEOUT, 0);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gate_conn *c = arg;
    if (c->filter)
        bufferevent_flush(c->filter, EV_WRITE, BEV_NORMAL); /* holds a reference while it runs */
}

/* ---- closing ---------------------------------------------------------------------------------- */

/* Tells evhttp the client is gone: it frees the connection (and runs its
 * close callback), and the gate is called back in conn_released. */
static void conn_close(gate_conn *c)
{
    if (!c->filter || c->closing)
        return;
    c->closing = true;
    bufferevent_trigger_event(c->filter, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gate_conn *c = arg;
    if (c->state == CONN_LINGER) {
        conn_finish(c);
        return;
    }
    c->deadline_armed = false;
    if (!c->filter || c->closing)
        return;
    if (!(bufferevent_get_enabled(c->filter) & EV_READ)) {
        /* evhttp is busy with an earlier request: the client is not
         * being waited for. */
        c->deadline_armed = true;
        arm_timer(c, BUSY_RECHECK_MS);
        return;
    }
    c->gate->stats.deadline_expired++;
    if (c->state == CONN_HEAD) {
        /* Nothing of this request reached evhttp: answer 408. */
        mp_admission a;
        memset(&a, 0, sizeof a);
        mp_admission_refuse(&a, 408, "the request did not arrive within --request-deadline");
        evbuffer_drain(bufferevent_get_input(c->sock), evbuffer_get_length(bufferevent_get_input(c->sock)));
        refuse(c, bufferevent_get_input(c->filter), &a);
        bufferevent_trigger(c->filter, EV_READ, 0);
    } else {
        conn_close(c); /* evhttp holds half a body: nothing to answer with */
    }
}

static void conn_finish(gate_conn *c)
{
    mp_gate *g = c->gate;
    if (c->state == CONN_LINGER)
        TAILQ_REMOVE(&g->lingering, c, lru);
    event_free(c->timer);
    if (c->kick)
        event_free(c->kick);
    bufferevent_free(c->sock);
    free(c);
    g->stats.open--;
    if (g->released) {
        if (!g->stats.open && !g->freeing)
            gate_destroy(g);
        return;
    }
    accept_resume(g);
}

/* Reads and drops what the client still sends; its EOF (or an error)
 * ends the linger. The socket's bufferevent no longer reads (the filter
 * suspended it for good), so this reads the descriptor itself. */
static void linger_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    char sink[4096];
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        conn_finish(arg);
        return;
    }
}

/* bufferevent_filter's free_context: evhttp has let the connection go
 * (after shutting down its write side: its last reply is in the kernel,
 * gate_output saw to that). What the client still sends is read and
 * dropped until it closes, for at most MP_GATE_LINGER_MS: closing with
 * unread input would send a reset, and a reset can destroy the reply the
 * client has not read yet — a refusal answered before the body arrived. */
static void conn_released(void *arg)
{
    gate_conn *c = arg;
    mp_gate *g = c->gate;
    conn_unhash(c);
    lru_remove(c);
    c->filter = NULL;
    free(c->refusal);
    c->refusal = NULL;
    evtimer_del(c->timer);
    event_del(c->kick);
    if (g->released || c->closing) {
        conn_finish(c); /* closing: evicted or timed out, no reply to protect */
        return;
    }
    c->state = CONN_LINGER;
    TAILQ_INSERT_TAIL(&g->lingering, c, lru); /* the lru link is free now */
    evbuffer_drain(bufferevent_get_input(c->sock), evbuffer_get_length(bufferevent_get_input(c->sock)));
    evutil_socket_t fd = bufferevent_getfd(c->sock);
    event_free(c->kick);
    c->kick = fd >= 0 ? event_new(g->base, fd, EV_READ | EV_PERSIST, linger_read, c) : NULL;
    if (!c->kick) {
        conn_finish(c);
        return;
    }
    event_add(c->kick, NULL);
    arm_timer(c, MP_GATE_LINGER_MS);
    linger_read(fd, EV_READ, c);
}

/* ---- per connection ----------------------------------------------------------------------------- */

/* evhttp_set_bevcb: the bufferevent evhttp will use for a new connection. */
static struct bufferevent *gate_bevcb(struct event_base *base, void *arg)
{
    mp_gate *g = arg;
    gate_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL; /* evhttp makes its own: the dispatcher refuses what the gate never saw */
    c->gate = g;
    c->timer = evtimer_new(base, on_timer, c);
    c->kick = event_new(base, -1, 0, on_kick, c);
    c->sock = c->timer && c->kick ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (c->sock) {
        bufferevent_setwatermark(c->sock, EV_READ, 0, SOCK_READ_HIGH);
        bufferevent_setwatermark(c->sock, EV_WRITE, 0, SOCK_WRITE_HIGH);
        /* CLOSE_ON_FREE: evhttp then leaves the descriptor to the socket
         * bufferevent (it would close it itself otherwise), and the extra
         * reference keeps that one alive for the linger. DEFER_CALLBACKS:
         * evhttp frees a connection from its write callback, and libevent
         * 2.1's filter re-arms its write timeout after calling that
         * callback when the socket's write event called it — on freed
         * memory. Deferred, evhttp's callbacks run from the loop, each
         * holding a reference. */
        c->filter = bufferevent_filter_new(c->sock, gate_input, gate_output,
                                           BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, conn_released, c);
    }
    if (!c->filter) {
        if (c->sock)
            bufferevent_free(c->sock);
        if (c->timer)
            event_free(c->timer);
        if (c->kick)
            event_free(c->kick);
        free(c);
        return NULL;
    }
    bufferevent_incref(c->sock);
    evbuffer_add_cb(bufferevent_get_output(c->filter), on_reply_added, c);
    size_t b = bucket_of(g, c->filter);
    c->hash_next = g->buckets[b];
    g->buckets[b] = c;
    lru_touch(c);
    g->stats.open++;
    g->stats.accepted++;
    if (g->stats.open >= g->cfg.max_connections) {
        /* The listener checks after each accept whether it was disabled:
         * no more than the limit, plus this one, are ever open. */
        accept_pause(g);
        want_eviction(g);
    }
    return c->filter;
}

/* ---- the gate ----------------------------------------------------------------------------------- */

mp_gate *mp_gate_new(struct event_base *base, const mp_gate_config *cfg, mp_gate_admit_fn admit, void *arg)
{
    mp_gate *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->base = base;
    g->cfg = *cfg;
    if (!g->cfg.max_connections)
        g->cfg.max_connections = 1;
    g->admit = admit;
    g->arg = arg;
    TAILQ_INIT(&g->lru);
    TAILQ_INIT(&g->lingering);
    g->nbuckets = 64;
    while (g->nbuckets < g->cfg.max_connections && g->nbuckets < (1u << 20))
        g->nbuckets <<= 1;
    g->buckets = calloc(g->nbuckets, sizeof *g->buckets);
    g->resume = evtimer_new(base, on_resume, g);
    g->maint = event_new(base, -1, 0, on_maint, g);
    g->last_emfile_log = -EMFILE_LOG_EVERY_S;
    if (!g->buckets || !g->resume || !g->maint) {
        gate_destroy(g);
        return NULL;
    }
    g->next_registered = registered;
    registered = g;
    return g;
}

void mp_gate_attach(mp_gate *g, struct evhttp *http, struct evconnlistener *listener)
{
    evhttp_set_bevcb(http, gate_bevcb, g);
    g->listener = listener;
    evconnlistener_set_error_cb(listener, on_accept_error);
}

void mp_gate_detach_listener(mp_gate *g) { g->listener = NULL; }

void mp_gate_claim(mp_gate *g, struct evhttp_request *req, mp_admission *out)
{
    memset(out, 0, sizeof *out);
    out->route = MP_ROUTE_OTHER;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    gate_conn *c = bev ? conn_find(g, bev) : NULL;
    if (!c || !c->q_len) {
        mp_log("error", "a request the gate never saw", NULL);
        mp_admission_refuse(out, 500, "internal error");
        return;
    }
    ticket t = c->queue[c->q_first];
    c->q_first = (c->q_first + 1) % (MP_GATE_PIPELINE_MAX + 1);
    c->q_len--;
    const char *uri = evhttp_request_get_uri(req);
    size_t body = evbuffer_get_length(evhttp_request_get_input_buffer(req));
    if (evhttp_request_get_command(req) != t.method || !uri || mp_fnv1a32_str(uri) != t.target_hash ||
        body != t.length) {
        /* Never expected (http_head.h frames as evhttp does); if it ever
         * happens the connection's requests cannot be trusted. */
        mp_log("error", "evhttp framed a request differently from the gate", NULL);
        mp_admission_refuse(out, 400, "request framing mismatch");
        c->state = CONN_REFUSED;
        return;
    }
    if (t.refused) {
        *out = *c->refusal;
        return;
    }
    out->admitted = true;
    out->route = t.route;
    memcpy(out->key_id, t.key_id, sizeof out->key_id);
}

void mp_gate_stats_get(const mp_gate *g, mp_gate_stats *out) { *out = g->stats; }

static void gate_destroy(mp_gate *g)
{
    if (g->resume)
        event_free(g->resume);
    if (g->maint)
        event_free(g->maint);
    free(g->buckets);
    free(g);
}

void mp_gate_free(mp_gate *g)
{
    if (!g || g->released)
        return;
    g->released = true;
    g->listener = NULL;
    for (mp_gate **pp = &registered; *pp; pp = &(*pp)->next_registered)
        if (*pp == g) {
            *pp = g->next_registered;
            break;
        }
    /* Lingering connections go now; those libevent still finalises call
     * conn_released later, find the gate released, and the last one frees
     * it. */
    g->freeing = true;
    while (!TAILQ_EMPTY(&g->lingering))
        conn_finish(TAILQ_FIRST(&g->lingering));
    g->freeing = false;
    if (!g->stats.open)
        gate_destroy(g);
}
