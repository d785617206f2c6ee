/* The backends' compile-time sizes, units in the names. */
#ifndef RF_IO_TUNABLES_H
#define RF_IO_TUNABLES_H

/* SQ entries: an SQ that fills is flushed without waiting, so this only
 * bounds how much one flush submits; 1024 covers a window of 100 jobs'
 * whole burst in one enter. */
#define IO_URING_SQ_ENTRIES          1024
/* The kernel's CQ limit is far higher; past this a window is better served
 * by batching than by a bigger CQ. */
#define IO_URING_MAX_CQ_ENTRIES      65536
/* Buffer ids are 16 bits. */
#define IO_URING_MAX_BUFS            32768

/* epoll backend: events taken per epoll_wait. One call serves this many
 * ready sockets; more ready ones are reported by the next call. */
#define IO_EPOLL_EVENTS              512
/* Initial size of its descriptor table (grown by doubling as fds appear). */
#define IO_EPOLL_FDS_INITIAL         1024

/* Trace records kept in memory before one write (be_trace.c): 32 bytes
 * each, so 2 MiB a chunk; big enough that the write is rare (one per
 * ~10,000 requests of ringload), small enough to be nothing next to the
 * receive buffers. */
#define TRACE_CHUNK_RECS             65536

#endif
