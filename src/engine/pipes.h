/* Pipes for splicing a body from its socket into its file (the direct
 * path, see direct in job.h): socket -> pipe -> file, both moves on the
 * ring, no byte through user space.
 *
 * A pipe is shared by whoever has bytes in flight through it: the job that
 * splices a body holds one reference, the connection one while a splice
 * from the socket is in flight, the sink one while it has bytes of the
 * pipe to write. The last reference returns the pipe to the pool if it is
 * empty, or closes it if bytes were left in it (a failed transfer): a pipe
 * handed out is always empty.
 *
 * Pipes cost two descriptors and up to PIPES_BYTES of pinned kernel memory
 * each, so there are never more than the pool's maximum alive at once;
 * past it a body simply goes the buffer way.
 */
#ifndef RF_ENGINE_PIPES_H
#define RF_ENGINE_PIPES_H

#include <stdbool.h>
#include <stdint.h>

struct rf_pipe {
    int rd, wr;
    uint32_t cap;             /* bytes it holds at most (F_GETPIPE_SZ) */
    uint32_t fill;            /* bytes spliced in and not yet out */
    unsigned refs;
    struct rf_pipe *next;     /* on the free list */
};

struct pipes {
    struct rf_pipe *free;
    unsigned live, max;       /* pipes that exist (free or handed out), and the limit */
    uint32_t bytes;           /* the capacity asked for each */
    uint64_t made, closed;    /* for --stats: pipes created and closed */
    uint64_t syscalls;        /* pipe2, fcntl and close calls made (they are not ring ops) */
};

/* At most max pipes of bytes each (0: none, the direct path is off). */
void pipes_init(struct pipes *p, unsigned max, uint32_t bytes);
/* An empty pipe with one reference, or NULL (the limit is reached, or the
 * kernel refused: out of descriptors, or no pipe that big for this user). */
struct rf_pipe *pipes_get(struct pipes *p);
static inline void pipes_hold(struct rf_pipe *pp)
{
    pp->refs++;
}
/* Drop a reference (see the top). */
void pipes_put(struct pipes *p, struct rf_pipe *pp);
/* Close every pipe; only when none is handed out. */
void pipes_free(struct pipes *p);

#endif
