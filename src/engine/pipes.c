/* The pipe pool (see pipes.h). */
#include "engine/pipes.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

void pipes_init(struct pipes *p, unsigned max, uint32_t bytes)
{
    *p = (struct pipes){ .max = max, .bytes = bytes };
}

static void pipes_close(struct pipes *p, struct rf_pipe *pp)
{
    /* Nothing is in flight on it: the last reference is gone. */
    close(pp->rd);
    close(pp->wr);
    p->syscalls += 2;
    p->closed++;
    p->live--;
    free(pp);
}

struct rf_pipe *pipes_get(struct pipes *p)
{
    struct rf_pipe *pp = p->free;
    if (pp) {
        p->free = pp->next;
        pp->next = NULL;
        pp->refs = 1;
        return pp;
    }
    if (p->live >= p->max)
        return NULL;
    pp = calloc(1, sizeof *pp);
    if (!pp)
        return NULL;
    int fds[2];
    p->syscalls++;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        free(pp);
        return NULL;
    }
    pp->rd = fds[0];
    pp->wr = fds[1];
    p->live++;
    p->made++;
    /* Smaller than asked is no use: a splice moves at most a pipe's worth,
     * and at the default 64 KiB the buffer way costs less (README). */
    p->syscalls++;
    int got = p->bytes > INT_MAX ? -1 : fcntl(pp->wr, F_SETPIPE_SZ, (int)p->bytes);
    if (got < 0 || (uint32_t)got < p->bytes) {
        /* Refused (over the user's pipe-user-pages-soft): so will the next
         * one be. No more for this run. */
        pp->refs = 0;
        pipes_close(p, pp);
        p->max = p->live;
        return NULL;
    }
    pp->cap = (uint32_t)got;
    pp->refs = 1;
    return pp;
}

void pipes_put(struct pipes *p, struct rf_pipe *pp)
{
    if (--pp->refs > 0)
        return;
    if (pp->fill > 0) {
        pipes_close(p, pp); /* what a failed transfer left in it goes with it */
        return;
    }
    pp->next = p->free;
    p->free = pp;
}

void pipes_free(struct pipes *p)
{
    while (p->free) {
        struct rf_pipe *pp = p->free;
        p->free = pp->next;
        pipes_close(p, pp);
    }
}
