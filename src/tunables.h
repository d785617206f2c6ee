/* Every tunable of ringfetch in one place, units in the names.
 * Front ends may override the defaults through struct rf_options; the rest
 * are compile-time sizes chosen for the reasons given beside them. */
#ifndef RF_TUNABLES_H
#define RF_TUNABLES_H

/* In-flight window when the user gives none (flags2's documented default is 5). */
#define RF_DEFAULT_WINDOW            5
/* Upper bound on the window: beyond this the fd limit and the CQ size bite first. */
#define RF_MAX_WINDOW                10000

#define RF_CONNECT_TIMEOUT_MS        10000
#define RF_REQUEST_TIMEOUT_MS        30000
#define RF_TICK_MS                   100

/* One provided recv buffer. 16 KiB holds a typical flag plus headers in one
 * completion; bigger bodies stream through several. */
#define RF_RECV_BUF_BYTES            16384
/* Provided buffers per active job, and the floor/ceiling of the ring (a power of two).
 * Buffers stay lent to the file writes until those complete, so this also
 * bounds how much of a body can wait in memory for a slow disk. */
#define RF_RECV_BUFS_PER_JOB         4
#define RF_RECV_BUFS_MIN             64
#define RF_RECV_BUFS_MAX             4096

/* Response limits: a header section larger than this is an error, not a reason
 * to grow memory without bound. */
#define RF_MAX_HEADER_BYTES          65536
/* A non-2xx body is read (and discarded) to keep the connection for reuse only
 * up to this size; past it the connection is closed instead. */
#define RF_MAX_DISCARD_BODY_BYTES    65536

/* Request buffer per connection: request line + Host + fixed headers. */
#define RF_REQUEST_BUF_BYTES         8192
#define RF_URL_MAX_BYTES             4096
#define RF_PATH_MAX_BYTES            4096

/* SQ entries; the CQ is sized from the window (see ring.c). */
#define RF_RING_SQ_ENTRIES           1024

/* How many CQEs one reap takes before dispatching. */
#define RF_REAP_BATCH                256

#endif
