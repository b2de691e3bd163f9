/* probe.c — the intrusive probe lists (probe.h). */
#include "probe.h"

#include "clock.h"

void mp_probe_list_push(mp_probe_list *l, mp_probe *p)
{
    p->list = l;
    p->next = NULL;
    p->prev = l->tail;
    if (l->tail)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    l->count++;
}

void mp_probe_list_push_front(mp_probe_list *l, mp_probe *p)
{
    p->list = l;
    p->prev = NULL;
    p->next = l->head;
    if (l->head)
        l->head->prev = p;
    else
        l->tail = p;
    l->head = p;
    l->count++;
}

void mp_probe_list_unlink(mp_probe *p)
{
    mp_probe_list *l = p->list;
    if (!l)
        return;
    if (p->prev)
        p->prev->next = p->next;
    else
        l->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        l->tail = p->prev;
    l->count--;
    p->list = NULL;
    p->prev = p->next = NULL;
}

void mp_probe_arm_deadline(mp_probe *p, int64_t ms)
{
    struct timeval tv = mp_timeval_ms(ms);
    p->deadline_at_ms = mp_now_monotonic_ms() + ms;
    evtimer_add(p->deadline, &tv);
}

mp_probe *mp_probe_list_pop(mp_probe_list *l)
{
    mp_probe *p = l->head;
    if (p)
        mp_probe_list_unlink(p);
    return p;
}
