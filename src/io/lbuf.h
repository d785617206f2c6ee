/* Lent buffers: bytes that belong to someone else (the backend's receive
 * buffers today; a TLS or decoder output buffer later), reference counted
 * so that a body span can go to a file write without a copy.
 *
 * Whoever is handed a struct lbuf with a reference (a receive completion,
 * a transport's on_data) may take more with lbuf_hold() and must drop each
 * with lbuf_put(); the last put gives the buffer back to its owner through
 * release(). The bytes stay valid while any reference is held.
 */
#ifndef RF_IO_LBUF_H
#define RF_IO_LBUF_H

#include <stdint.h>

struct lbuf {
    char *data;
    uint32_t cap;      /* bytes at data */
    uint32_t refs;
    uint32_t id;       /* the owner's index of this buffer */
    void *owner;
    void (*release)(struct lbuf *b); /* called when refs drops to 0 */
};

static inline void lbuf_hold(struct lbuf *b)
{
    b->refs++;
}

static inline void lbuf_put(struct lbuf *b)
{
    if (--b->refs == 0)
        b->release(b);
}

#endif
