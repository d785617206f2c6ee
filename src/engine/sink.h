/* One output file: NAME.part is opened, body spans are written at explicit
 * offsets, and at the end the file is closed and renamed to NAME (complete
 * and valid) or closed and unlinked (anything else). A final name is never
 * a truncated file.
 *
 * The file opens when the response's headers say 2xx, and spans are written
 * as they arrive (queued until the open completes), so a 1 GB body never
 * sits in memory. The close and the rename go out linked, in one submission.
 *
 * Body spans point into provided recv buffers; the sink holds a reference on
 * a buffer while a write of it is queued or in flight (one writev per
 * buffer), so no body byte is copied.
 *
 * Ownership: the file is closed only through the ring, and only after every
 * write on it has completed; the owner keeps the sink until sink_complete
 * says SINK_EV_DONE.
 */
#ifndef RF_SINK_H
#define RF_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ring.h"

enum sink_state {
    SINK_IDLE,      /* nothing open */
    SINK_OPENING,   /* open in flight, spans queue up */
    SINK_OPEN,      /* writing */
    SINK_FINISHING, /* close/rename/unlink in flight */
    SINK_DONE,
};

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
    bool opened;             /* the file is open */
    bool created;            /* NAME.part exists */
    bool renamed;            /* NAME is in place */
    bool finishing;          /* sink_finish was called */
    bool keep;               /* at finish: rename (true) or unlink (false) */
    int err;                 /* first error, -errno */
    unsigned ops;            /* file ops in flight */
    uint64_t off;            /* bytes accepted so far: the next span's offset */
    uint64_t tag;            /* user_data for open/close/rename/unlink, minus the kind */
    char *path;              /* final name (owned) */
    char *part;              /* temporary name (owned) */
    struct sink_wop *cur;    /* collecting spans of the current recv buffer */
    struct sink_wop *queued; /* not yet submitted (FIFO) */
    struct sink_wop **queued_tail;
};

/* Start a file at path (via path.part). tag is ops_ud(0, gen, idx) of the owner. */
int sink_open(struct sink *s, struct ring *r, const char *path, uint64_t tag);
/* Append a body span lying in recv buffer bid. Returns 0 or s->err. */
int sink_add(struct sink *s, struct ring *r, unsigned bid, const char *at, size_t len);
/* The current recv buffer is done: submit (or queue) what was collected from it. */
void sink_flush(struct sink *s, struct ring *r);
/* The body is over: keep (complete and valid) or discard. Call once. */
void sink_finish(struct sink *s, struct ring *r, bool keep);
/* A completion for this sink (kind from ops.h; wop for writes). */
enum sink_event sink_complete(struct sink *s, struct ring *r, int kind, int res, struct sink_wop *wop);
/* The sink owning a write record (for dispatching OP_FWRITE). */
struct sink *sink_of_wop(const struct sink_wop *wop);
/* Release memory; only when state is IDLE or DONE. */
void sink_free(struct sink *s);

#endif
