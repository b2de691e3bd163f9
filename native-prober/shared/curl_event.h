/* curl_event.h — a libcurl multi handle driven by a libevent loop: the
 * socket and timer callbacks of curl's multi_socket API
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION) as libevent events,
 * written once for every transfer mailprobe runs on its loop (SMTP
 * sessions, webhooks).
 *
 * The owner adds easy handles with curl_multi_add_handle() on
 * mp_curl_event_multi(); each finished transfer is reported through the
 * `done` callback, from the loop. Nothing here blocks. */
#ifndef MP_CURL_EVENT_H
#define MP_CURL_EVENT_H
#include <curl/curl.h>
#include <event2/event.h>

typedef struct mp_curl_event mp_curl_event;

/* Called from the loop for each transfer that finished (CURLMSG_DONE),
 * with its easy handle and result. The callback may remove (and clean up)
 * that easy handle or others, but must not free the mp_curl_event. */
typedef void (*mp_curl_done_cb)(CURL *easy, CURLcode result, void *arg);

/* Creates a multi handle whose sockets and timeout are watched on `base`
 * (borrowed; must outlive it). NULL when out of memory or when libcurl
 * refuses. */
mp_curl_event *mp_curl_event_new(struct event_base *base, mp_curl_done_cb done, void *arg);

/* The multi handle, for curl_multi_add_handle / curl_multi_remove_handle.
 * Owned by the mp_curl_event. */
CURLM *mp_curl_event_multi(mp_curl_event *ce);

/* Cleans up the multi handle and every event it had on the loop. Remove
 * (and clean up) the easy handles first. Never call from inside `done`.
 * NULL is fine. */
void mp_curl_event_free(mp_curl_event *ce);

#endif
