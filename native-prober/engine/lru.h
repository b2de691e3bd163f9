/* lru.h — an intrusive least-recently-used list, for tables that must stay
 * bounded: the scheduler's idle domains and idle mail hosts.
 *
 * A record embeds an mp_lru_link and enters the list when it becomes
 * forgettable (nothing uses it); entering again later does not move it, so
 * the head is always the record idle the longest. It leaves the list when
 * something uses it again, and the owner frees it when it is the head and
 * either too old or the table is full. No allocation, no callbacks: the
 * owner decides what to free, with mp_lru_container() to get the record. */
#ifndef MP_LRU_H
#define MP_LRU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mp_lru_link {
    struct mp_lru_link *prev, *next;
    int64_t since_ms;  /* when it entered (monotonic ms, clock.h) */
    bool linked;
} mp_lru_link;

typedef struct mp_lru {
    mp_lru_link *head, *tail; /* head: idle the longest */
    size_t count;
} mp_lru;

/* The record that embeds `link` as its member `field`. */
#define mp_lru_container(link, type, field) ((type *)(void *)((char *)(link) - offsetof(type, field)))

/* Appends `e` at the tail with since_ms = now_ms; nothing when it is
 * already in the list (it keeps its place and its time). */
void mp_lru_enter(mp_lru *l, mp_lru_link *e, int64_t now_ms);

/* Takes `e` out of the list; nothing when it is not in it. */
void mp_lru_leave(mp_lru *l, mp_lru_link *e);

/* The record idle the longest, or NULL when the list is empty. */
static inline mp_lru_link *mp_lru_oldest(const mp_lru *l) { return l->head; }

#endif
