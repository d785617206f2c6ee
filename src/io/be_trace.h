/* Trace: every submission and completion of a backend, with the time, in a
 * binary file that scripts/trace-view turns into pictures.
 *
 * be_trace_attach() takes over a backend's operation table in place: each
 * call is forwarded to the real backend and, when it was queued, recorded;
 * each reaped completion is recorded; each wait that made a system call
 * is recorded as its start and its return. The struct be the caller holds stays the same
 * (its counters and free-buffer count are the real backend's), so any
 * backend gets a trace without knowing.
 *
 * Cost: a clock read (vDSO) and a 32-byte store per event, into a
 * preallocated buffer written out in chunks of TRACE_CHUNK_RECS records
 * (io_tunables.h)
 * with one write(2) each (not counted among the backend's system calls);
 * completions reaped together share one clock read.
 *
 * File format (little-endian, what this machine writes): a sequence of
 * chunks, each a struct trace_chunk followed by nrec struct trace_rec.
 * Several backends (ringload's threads) may write to one file opened with
 * O_APPEND: a chunk goes out in one write, so chunks never interleave,
 * and each names its lane. Within a lane, records are in the order they
 * happened and their times never decrease.
 */
#ifndef RF_IO_BE_TRACE_H
#define RF_IO_BE_TRACE_H

#include <stdint.h>

#include "io/backend.h"

#define TRACE_MAGIC "RFTR"
#define TRACE_VERSION 1

struct trace_chunk {
    char magic[4];        /* TRACE_MAGIC */
    uint16_t version;     /* TRACE_VERSION */
    uint16_t lane;        /* which backend (ringload: the thread) */
    uint32_t nrec;        /* records that follow */
    uint16_t rec_bytes;   /* sizeof(struct trace_rec) */
    uint16_t reserved;
    char backend[16];     /* the backend's name, NUL-padded */
};

struct trace_rec {
    uint64_t t_ns;        /* CLOCK_MONOTONIC */
    uint64_t ud;          /* the operation's user_data (ud.h: kind, generation, slot) */
    int32_t res;          /* TR_CQE: the result; TR_WOKE: what the wait returned */
    int32_t fd;           /* TR_SUB: the descriptor (-1 when none) */
    uint8_t type;         /* TR_* */
    uint8_t op;           /* TR_SUB: TOP_*; TR_NOTE: BE_NOTE_* */
    uint16_t flags;       /* TR_CQE: BE_CQE_*; TR_SUB: TR_SUB_INLINE */
    uint32_t arg;         /* TR_SUB: bytes asked (send, recv_into, read, writev: iovecs);
                             TR_WAIT: completions waited for; TR_WOKE: system calls the
                             backend made since the previous TR_WOKE, this wait included;
                             TR_NOTE: its second value */
};

enum trace_type {
    TR_SUB = 1,   /* an operation was queued */
    TR_CQE = 2,   /* a completion was reaped */
    TR_WAIT = 3,  /* a wait entered the kernel (its time: when the call began) */
    TR_WOKE = 4,  /* and returned (recorded only for waits that made a system call) */
    TR_NOTE = 5,  /* be_note: ud holds its first value */
};

/* TR_SUB's flags */
enum {
    TR_SUB_INLINE = 1u << 0, /* the backend made the call at once (be_openat_now...): its result
                             is already there, reaped (TR_CQE) at the next pass */
};

enum trace_op {
    TOP_SOCKET = 1, TOP_CONNECT, TOP_ACCEPT, TOP_SEND, TOP_SENDMSG, TOP_RECV, TOP_RECV_INTO,
    TOP_READ, TOP_OPENAT, TOP_WRITEV, TOP_CLOSE, TOP_COMMIT_CLOSE, TOP_COMMIT_RENAME,
    TOP_LINKAT, TOP_RENAME, TOP_UNLINK, TOP_POLL, TOP_CANCEL_FD, TOP_FSTATX, TOP_FGETXATTR,
    TOP_FSETXATTR, TOP_FTRUNCATE, TOP_FALLOCATE, TOP_SPLICE, TOP_CANCEL_OP,
};

#include "io/io_tunables.h"

/* Trace b into fd (open for writing, O_APPEND when shared), as lane.
 * Returns 0, or -ENOMEM (b is then untouched). */
int be_trace_attach(struct be *b, int fd, unsigned lane);

/* Write out what is buffered. Returns 0, 0 when b is not traced, or the
 * first -errno a write of the trace met (recording stopped there). */
int be_trace_flush(struct be *b);

#endif
