/* held.h — a request held while the store answers it (the store is
 * asynchronous: store.h). Its connection is watched, so a client that
 * leaves meanwhile is noticed, and its request is never answered after
 * libevent freed it. */
#ifndef MP_HELD_H
#define MP_HELD_H
#include "http_request.h"

typedef struct mp_held mp_held;

/* Holds `ri` (copied). NULL when out of memory: the caller answers 500. */
mp_held *mp_held_new(const mp_request *ri);

/* Ends the watch: the request to answer, or NULL when the client left
 * (then there is nothing to answer). The caller frees `h` afterwards. */
const mp_request *mp_held_take(mp_held *h);

/* Frees the hold (after mp_held_take). NULL is fine. */
void mp_held_free(mp_held *h);

#endif
