/* ringload's compile-time values, units in the names, each with its reason. */
#ifndef RF_LOAD_TUNABLES_H
#define RF_LOAD_TUNABLES_H

/* wrk's defaults, so that a wrk command line means the same here. */
#define LOAD_DEFAULT_CONNS           10
#define LOAD_DEFAULT_THREADS         2
#define LOAD_DEFAULT_DURATION_S      10.0
/* wrk records a timeout for a response not in within 2 s. */
#define LOAD_DEFAULT_TIMEOUT_S       2.0

/* Each thread's tick: how late a run may stop after -d (the issue allows
 * 100 ms) and the base of the rate samples. 100 wake-ups a second cost
 * nothing next to the requests. */
#define LOAD_TICK_MS                 10
/* Requests per second are sampled per thread this often (wrk's
 * RECORD_INTERVAL_MS), for the Req/Sec row. */
#define LOAD_SAMPLE_MS               100

/* Descriptors besides the connections: stdio, the ring or epoll, a trace,
 * the list, libraries, and sockets that linger while they close. */
#define LOAD_FDS_RESERVED            64

/* Receive buffers per thread (64 KiB each, rf_options.recv_buffers): bodies
 * are discarded, so a buffer is back as soon as its completion is handled;
 * 256 cover a whole reap batch. The engine's default for a window of 10,000
 * (4,096 buffers, cycled through by the ring) put 48 MiB of touched buffer
 * pages into ringload -c 10000. */
#define LOAD_RECV_BUFFERS            256

/* How long one wait holds out for a batch of completions (--batch-us,
 * rf_options.batch_wait_us). A response is reaped, and its latency taken,
 * up to this late, and the next request on its connection leaves that much
 * later. The downloader's 1 ms (RF_BATCH_WAIT_US) put ringload at 0.80x
 * wrk's requests/s against nginx at -c 100 (p50 2.07 ms against 1.93);
 * 250 us gave 1.09x at 0.77x wrk's CPU per request, 100 us 0.95x at 0.88x,
 * and 0 (a wake-up per completion) 1.05x at 1.01x (7 interleaved rounds,
 * medians of per-round ratios). */
#define LOAD_BATCH_WAIT_US           250
#define LOAD_BATCH_WAIT_MAX_US       1000000

#define LOAD_MAX_THREADS             256
#define LOAD_MAX_CONNS               1000000
/* -H lines, all together. */
#define LOAD_HEADERS_MAX_BYTES       8192
/* -H options at most (a request carries them all, within the engine's 8 KiB). */
#define LOAD_HEADERS_MAX             64
/* -i: URLs kept from a list (each is a job's URL in turn). */
#define LOAD_MAX_URLS                100000

#endif
