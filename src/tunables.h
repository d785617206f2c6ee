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
#define RF_IDLE_TIMEOUT_MS           30000
/* No whole-request deadline by default: a big file on a slow link is not an error. */
#define RF_REQUEST_TIMEOUT_MS        0
#define RF_TICK_MS                   100

/* One provided recv buffer. 64 KiB holds any flag plus headers in one
 * completion, and a big body streams through in 64 KiB recvs and writes:
 * with 16 KiB, a 64 MiB file took ~4,100 enters and 1.5x curl's CPU. Only
 * the pages a recv fills are ever touched, so small files cost no more. */
#define RF_RECV_BUF_BYTES            65536
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

/* Largest request we build (request line + Host + fixed headers); each
 * connection keeps a malloc'd copy of just the bytes it sends. */
#define RF_REQUEST_BUF_BYTES         8192
#define RF_URL_MAX_BYTES             4096
#define RF_PATH_MAX_BYTES            4096

/* SQ entries; the CQ is sized from the window (see ring.c). */
#define RF_RING_SQ_ENTRIES           1024

/* Batching the wait: with N jobs in flight, one io_uring_enter waits for
 * N / RF_BATCH_JOBS_PER_CQE completions (at most RF_BATCH_MAX_CQES), but no
 * longer than RF_BATCH_WAIT_US. Measured on 10,000 x 8 KiB at -m 100: enters
 * per file 0.76 with a wait for one CQE, 0.09 with 50..64, same files/s. */
#define RF_BATCH_JOBS_PER_CQE        2
#define RF_BATCH_MAX_CQES            64
#define RF_BATCH_WAIT_US             1000

/* How many CQEs one reap takes before dispatching. */
#define RF_REAP_BATCH                256

/* ---- flagserver (src/server/) ---- */
/* A request (line + headers + any body) larger than this is refused with 431
 * and the connection closed: a test server has no use for big requests. */
#define FS_MAX_REQUEST_BYTES         8192
/* Longest request target kept; longer ones get 414. */
#define FS_MAX_URL_BYTES             2048
/* Per-connection receive buffer; requests stream through it. */
#define FS_RECV_BUF_BYTES            4096
/* File bodies (--root) are read and sent in pieces of this size. */
#define FS_FILE_CHUNK_BYTES          65536
/* Connections beyond this are accepted and closed at once; it sizes the CQ. */
#define FS_MAX_CONNS                 8192
#define FS_LISTEN_BACKLOG            4096
#define FS_RING_SQ_ENTRIES           1024
#define FS_REAP_BATCH                256
/* After a response that ends the connection we stop writing and drain what
 * the client still sends (so close() does not turn into a RST that could
 * destroy the response in flight), for at most this long. */
#define FS_LINGER_MS                 1000
/* The `drip` fault's default interval between bytes. */
#define FS_DRIP_INTERVAL_MS          100
/* The `reset` fault waits this long after its partial body before the RST, so
 * the bytes reach the client first. */
#define FS_RESET_DELAY_MS            20

/* flags3: the largest metadata.json kept in memory (real ones are ~80 bytes);
 * a bigger body makes the item an error instead of growing without bound. */
#define RF_FLAGS3_METADATA_MAX_BYTES 4096

#endif
