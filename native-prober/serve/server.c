/* server.c — the drain bookkeeping of the shared server state (server.h):
 * how many final replies are still being written. */
#include "server.h"

void mp_server_drain_begin(mp_server *s, void (*drained)(void *arg), void *arg)
{
    s->on_drained = drained;
    s->on_drained_arg = arg;
    /* Held by the caller so that a reply written at once cannot report
     * "drained" while others are still being queued. */
    s->final_replies = 1;
}

void mp_server_final_reply_written(mp_server *s)
{
    if (s->final_replies && --s->final_replies == 0 && s->on_drained) {
        void (*cb)(void *) = s->on_drained;
        s->on_drained = NULL;
        cb(s->on_drained_arg);
    }
}

/* on_complete callback of a drain's final replies: runs once the reply
 * is written (not when the connection fails; hence the caller's deadline). */
static void on_final_reply_complete(struct evhttp_request *req, void *arg)
{
    (void)req;
    mp_server_final_reply_written(arg);
}

void mp_server_hold_final_reply(mp_server *s, struct evhttp_request *req)
{
    s->final_replies++;
    evhttp_request_set_on_complete_cb(req, on_final_reply_complete, s);
}
