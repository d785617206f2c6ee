/* The timer heap (see timer.h): a binary min-heap of pointers, each timer
 * knowing its own position so that moving or cancelling it is O(log n). */
#include "io/timer.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

int tmr_heap_init(struct tmr_heap *h, uint32_t cap)
{
    h->n = 0;
    h->cap = cap;
    h->h = calloc(cap ? cap : 1, sizeof *h->h);
    return h->h ? 0 : -ENOMEM;
}

void tmr_heap_free(struct tmr_heap *h)
{
    for (uint32_t i = 0; i < h->n; i++)
        h->h[i]->pos = 0;
    free(h->h);
    h->h = NULL;
    h->n = h->cap = 0;
}

static void tmr_place(struct tmr_heap *h, uint32_t i, struct tmr *t)
{
    h->h[i] = t;
    t->pos = i + 1;
}

static void tmr_up(struct tmr_heap *h, uint32_t i)
{
    struct tmr *t = h->h[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->h[parent]->at <= t->at)
            break;
        tmr_place(h, i, h->h[parent]);
        i = parent;
    }
    tmr_place(h, i, t);
}

static void tmr_down(struct tmr_heap *h, uint32_t i)
{
    struct tmr *t = h->h[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->h[c + 1]->at < h->h[c]->at)
            c++;
        if (t->at <= h->h[c]->at)
            break;
        tmr_place(h, i, h->h[c]);
        i = c;
    }
    tmr_place(h, i, t);
}

void tmr_arm(struct tmr_heap *h, struct tmr *t, uint64_t at)
{
    if (t->pos) {
        uint64_t old = t->at;
        t->at = at;
        if (at < old)
            tmr_up(h, t->pos - 1);
        else
            tmr_down(h, t->pos - 1);
        return;
    }
    /* Capacity is reserved for every timer that can exist (timer.h). */
    assert(h->n < h->cap);
    t->at = at;
    h->h[h->n] = t;
    t->pos = ++h->n;
    tmr_up(h, h->n - 1);
}

void tmr_cancel(struct tmr_heap *h, struct tmr *t)
{
    if (!t->pos)
        return;
    uint32_t i = t->pos - 1;
    t->pos = 0;
    struct tmr *last = h->h[--h->n];
    if (i == h->n)
        return;
    tmr_place(h, i, last);
    if (i > 0 && h->h[(i - 1) / 2]->at > last->at)
        tmr_up(h, i);
    else
        tmr_down(h, i);
}

unsigned tmr_run(struct tmr_heap *h, uint64_t now)
{
    unsigned fired = 0;
    while (h->n && h->h[0]->at <= now) {
        struct tmr *t = h->h[0];
        tmr_cancel(h, t);
        t->fire(t, now);
        fired++;
    }
    return fired;
}

uint64_t tmr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
