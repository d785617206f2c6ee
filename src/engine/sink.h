/* One output file: NAME.part is opened, body spans are written at explicit
 * offsets as they arrive, and at the end the file is closed and renamed to
 * NAME (complete and valid) or closed and unlinked (anything else). A final
 * name is never a truncated file.
 *
 * Body spans point into provided recv buffers; the sink takes a reference
 * on a buffer for as long as a write of it is queued or in flight (spans of
 * one buffer go out as one writev), so no body byte is copied.
 *
 * Ownership: the sink's descriptor is closed only through the ring, and
 * only after every write on it has completed.
 */
#ifndef RF_SINK_H
#define RF_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ring.h"

enum sink_state { SINK_IDLE, SINK_OPENING, SINK_OPEN, SINK_FINISHING, SINK_DONE };

/* sink_complete results */
enum sink_event {
    SINK_EV_BUSY = 0,   /* nothing for the owner to do */
    SINK_EV_FAILED = 1, /* a file op failed just now (s->err); stop feeding, then sink_finish */
    SINK_EV_DONE = 2,   /* all ops ended; s->err is the outcome (0 = renamed into place) */
};

struct sink_wop;

struct sink {
    enum sink_state state;
    int fd;
    int err;                 /* first error, -errno */
    unsigned ops;            /* file ops in flight */
    bool finishing;          /* sink_finish was called */
    bool keep;               /* at finish: rename (true) or unlink (false) */
    uint64_t off;            /* bytes accepted so far: the next span's offset */
    uint64_t tag;            /* user_data for open/close/rename/unlink, minus the kind */
    char *path;              /* final name (owned) */
    char *part;              /* temporary name (owned) */
    struct sink_wop *cur;    /* collecting spans of the current recv buffer */
    struct sink_wop *queued; /* waiting for the open to complete (FIFO) */
    struct sink_wop **queued_tail;
};

/* Start writing path (via path.part). tag is ops_ud(0, gen, idx) of the owner. */
int sink_open(struct sink *s, struct ring *r, const char *path, uint64_t tag);
/* Append a body span lying in recv buffer bid. Returns 0 or s->err. */
int sink_add(struct sink *s, struct ring *r, unsigned bid, const char *at, size_t len);
/* The current recv buffer is done: submit what was collected from it. */
void sink_flush(struct sink *s, struct ring *r);
/* The body is over: keep (complete and valid) or discard. Safe on a sink
 * that was never opened. */
void sink_finish(struct sink *s, struct ring *r, bool keep);
/* A completion for this sink (kind from ops.h; wop for writes). */
enum sink_event sink_complete(struct sink *s, struct ring *r, int kind, int res, struct sink_wop *wop);
/* The sink owning a write record (for dispatching OP_FWRITE). */
struct sink *sink_of_wop(const struct sink_wop *wop);
/* Release memory; only when state is IDLE or DONE. */
void sink_free(struct sink *s);

#endif
