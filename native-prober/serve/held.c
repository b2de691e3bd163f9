/* held.c — requests held for the store (held.h). */
#include "held.h"

#include <stdbool.h>
#include <stdlib.h>

struct mp_held {
    mp_request ri;
    struct evhttp_connection *conn;
    bool gone;
};

static void on_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    mp_held *h = arg;
    h->gone = true;
    mp_request_account(&h->ri, 499); /* nginx's "client closed request" */
    mp_request_release(h->ri.req);
}

mp_held *mp_held_new(const mp_request *ri)
{
    mp_held *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ri = *ri;
    h->conn = evhttp_request_get_connection(ri->req);
    if (h->conn)
        evhttp_connection_set_closecb(h->conn, on_closed, h);
    return h;
}

const mp_request *mp_held_take(mp_held *h)
{
    if (h->gone)
        return NULL;
    if (h->conn)
        evhttp_connection_set_closecb(h->conn, NULL, NULL);
    return &h->ri;
}

void mp_held_free(mp_held *h) { free(h); }
