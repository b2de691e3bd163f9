/* curl_event.c — libcurl's multi_socket API on libevent (curl_event.h).
 * One event per socket curl wants watched, kept in a list so that freeing
 * the multi never leaks one; one timer for curl's timeout. */
#include "curl_event.h"

#include <stdlib.h>
#include <sys/queue.h>

#include "clock.h"

/* One socket curl asked us to watch. */
typedef struct watched {
    struct event *ev;
    LIST_ENTRY(watched) link;
} watched;

struct mp_curl_event {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    mp_curl_done_cb done;
    void *arg;
    LIST_HEAD(watched_list, watched) sockets;
};

static void report_done(mp_curl_event *ce)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(ce->multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            ce->done(msg->easy_handle, msg->data.result, ce->arg);
}

static void on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
    mp_curl_event *ce = arg;
    int running = 0;
    int flags = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(ce->multi, fd, flags, &running);
    report_done(ce);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_curl_event *ce = arg;
    int running = 0;
    curl_multi_socket_action(ce->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    report_done(ce);
}

static void unwatch(watched *w)
{
    LIST_REMOVE(w, link);
    event_free(w->ev);
    free(w);
}

/* CURLMOPT_SOCKETFUNCTION: watch `fd` for what curl asks, or stop. */
static int on_socket_change(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    mp_curl_event *ce = userp;
    watched *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            curl_multi_assign(ce->multi, fd, NULL);
            unwatch(w);
        }
        return 0;
    }
    short kind = (short)(EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
    if (w) {
        event_del(w->ev);
        event_assign(w->ev, ce->base, fd, kind, on_socket_ready, ce);
    } else {
        w = calloc(1, sizeof *w);
        if (!w || !(w->ev = event_new(ce->base, fd, kind, on_socket_ready, ce))) {
            free(w);
            return -1;
        }
        LIST_INSERT_HEAD(&ce->sockets, w, link);
        curl_multi_assign(ce->multi, fd, w);
    }
    event_add(w->ev, NULL);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer, re-armed as curl asks (-1 = none). */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    mp_curl_event *ce = userp;
    if (timeout_ms < 0) {
        evtimer_del(ce->timer);
        return 0;
    }
    struct timeval tv = mp_timeval_ms(timeout_ms);
    evtimer_add(ce->timer, &tv);
    return 0;
}

mp_curl_event *mp_curl_event_new(struct event_base *base, mp_curl_done_cb done, void *arg)
{
    mp_curl_event *ce = calloc(1, sizeof *ce);
    if (!ce)
        return NULL;
    ce->base = base;
    ce->done = done;
    ce->arg = arg;
    ce->multi = curl_multi_init();
    ce->timer = evtimer_new(base, on_timeout, ce);
    if (!ce->multi || !ce->timer ||
        curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, on_socket_change) != CURLM_OK ||
        curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce) != CURLM_OK ||
        curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, on_timer_change) != CURLM_OK ||
        curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce) != CURLM_OK) {
        mp_curl_event_free(ce);
        return NULL;
    }
    return ce;
}

CURLM *mp_curl_event_multi(mp_curl_event *ce) { return ce->multi; }

void mp_curl_event_free(mp_curl_event *ce)
{
    if (!ce)
        return;
    if (ce->multi)
        curl_multi_cleanup(ce->multi); /* may still report sockets as removed */
    while (!LIST_EMPTY(&ce->sockets))
        unwatch(LIST_FIRST(&ce->sockets));
    if (ce->timer)
        event_free(ce->timer);
    free(ce);
}
