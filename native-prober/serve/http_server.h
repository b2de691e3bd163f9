/* http_server.h — the HTTP face of `mailprobe serve`: libevent's evhttp on
 * the prober's own event loop. The server listens, and its dispatcher does
 * what every request needs before a route (routes.h) sees it: CORS headers
 * and preflights, API-key checks (401 with WWW-Authenticate), rate limits
 * (429 with Retry-After), path → route, method → 405 with Allow. A clean
 * stop drains: no new connections, held requests answered, then stop.
 * Replies and their JSON errors: http_request.h. */
#ifndef MP_HTTP_SERVER_H
#define MP_HTTP_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include "server.h"

/* Creates the evhttp server on s->base and binds s->cfg->listen. false +
 * message when the address cannot be bound. */
bool mp_http_server_start(mp_server *s, char *err, size_t errlen);

/* The first half of a clean stop: closes the listening socket, ends open
 * streams and answers waiting single verifies 503 (with Retry-After and
 * Connection: close). `drained(arg)` runs from the loop once those last
 * replies are written — at once when there are none. A client that stops
 * reading may keep a reply from ever finishing, so the caller also sets a
 * deadline, then calls mp_http_server_stop(). */
void mp_http_server_drain(mp_server *s, void (*drained)(void *arg), void *arg);

/* Stops accepting, ends open streams and frees the evhttp server. Pending
 * single verifies are answered 503 (without waiting for the reply to be
 * written: use mp_http_server_drain first for that). */
void mp_http_server_stop(mp_server *s);

#endif
