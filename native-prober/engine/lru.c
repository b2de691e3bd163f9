/* lru.c — the intrusive least-recently-used list (lru.h). */
#include "lru.h"

void mp_lru_enter(mp_lru *l, mp_lru_link *e, int64_t now_ms)
{
    if (e->linked)
        return;
    e->since_ms = now_ms;
    e->next = NULL;
    e->prev = l->tail;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    e->linked = true;
    l->count++;
}

void mp_lru_leave(mp_lru *l, mp_lru_link *e)
{
    if (!e->linked)
        return;
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = NULL;
    e->linked = false;
    l->count--;
}
