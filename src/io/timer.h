/* Timers: one min-heap of deadlines for everything that waits on a clock
 * (connect, silence and whole-request deadlines, retry backoff, rate
 * pacing, a server's delays and lingers). The loop asks tmr_next() for the
 * nearest deadline, uses it as its wait's timeout, and calls tmr_run()
 * after every wait: arming, moving and cancelling are O(log n), and a loop
 * pass costs nothing for timers that are not due, however many there are.
 *
 * A struct tmr is embedded in its owner (a connection, a job) and found
 * back with containerof in the callback. Capacity is reserved up front
 * (every owner lives in a fixed slot array, so the count of timers is
 * known): arming never allocates and never fails.
 *
 * Deadlines that move often (silence: every received buffer pushes it
 * back) are best left armed at their first value and re-armed from the
 * callback when it finds the deadline has moved: one heap operation per
 * deadline instead of one per buffer.
 */
#ifndef RF_IO_TIMER_H
#define RF_IO_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct tmr;
typedef void (*tmr_fn)(struct tmr *t, uint64_t now_ns);

struct tmr {
    uint64_t at;   /* deadline, ns of CLOCK_MONOTONIC */
    uint32_t pos;  /* private: 1 + index in the heap, 0 when not armed */
    tmr_fn fire;
};

struct tmr_heap {
    struct tmr **h;
    uint32_t n, cap;
};

/* Room for cap timers armed at once. Returns 0 or -ENOMEM. */
int tmr_heap_init(struct tmr_heap *h, uint32_t cap);
void tmr_heap_free(struct tmr_heap *h);

/* Prepare t (not armed); fire is called when it expires. */
static inline void tmr_init(struct tmr *t, tmr_fn fire)
{
    t->at = 0;
    t->pos = 0;
    t->fire = fire;
}
static inline bool tmr_armed(const struct tmr *t)
{
    return t->pos != 0;
}

/* Arm t for at, or move it there if it is armed already. */
void tmr_arm(struct tmr_heap *h, struct tmr *t, uint64_t at);
/* Disarm t; nothing happens if it is not armed. */
void tmr_cancel(struct tmr_heap *h, struct tmr *t);
/* The nearest deadline, UINT64_MAX when nothing is armed. */
static inline uint64_t tmr_next(const struct tmr_heap *h)
{
    return h->n ? h->h[0]->at : UINT64_MAX;
}
/* Fire every timer due at now (each is disarmed before its callback, which
 * may arm it again or arm and cancel others). Returns how many fired. */
unsigned tmr_run(struct tmr_heap *h, uint64_t now);

/* Now, in ns of CLOCK_MONOTONIC. */
uint64_t tmr_now_ns(void);

#endif
