/* The engine's limits and defaults that front ends need to know (help
 * texts, argument checks, buffer sizes). Units are in the names. */
#ifndef RINGFETCH_LIMITS_H
#define RINGFETCH_LIMITS_H

/* In-flight window when the front end gives none (flags2's documented default is 5). */
#define RF_DEFAULT_WINDOW            5
/* Upper bound on the window: beyond this the fd limit and the CQ size bite first. */
#define RF_MAX_WINDOW                10000

/* Deepest HTTP/1.1 pipeline a front end may ask for (rf_options.pipeline):
 * past a few dozen, a connection's send buffer and the server's own limit
 * (nginx answers 100 requests a connection by default) bite first. */
#define RF_MAX_PIPELINE              256

/* Default deadlines (rf_options). A connect that takes longer than this is
 * not going to succeed on any network we serve. */
#define RF_CONNECT_TIMEOUT_MS        10000
/* A server that sends nothing for this long fails the try (retried when
 * retries are on): this, not a whole-request deadline, is what stops a
 * silent server by default. */
#define RF_IDLE_TIMEOUT_MS           30000
/* No whole-request deadline by default: a big file on a slow link is not an error. */
#define RF_REQUEST_TIMEOUT_MS        0
/* Progress callbacks: ten a second is smooth for a bar and costs nothing. */
#define RF_TICK_MS                   100

/* Retries (rf_options.retries, off unless a front end asks): the first wait,
 * doubled for each retry after it (with jitter), and the longest wait, a
 * server's Retry-After included. curl's --retry starts at 1 s too; a minute
 * is as long as a user waits without wondering whether the run is stuck. */
#define RF_RETRY_DELAY_MS            1000
#define RF_RETRY_MAX_DELAY_MS        60000

/* Longest URL and destination path a job may carry (bytes, NUL included). */
#define RF_URL_MAX_BYTES             4096
#define RF_PATH_MAX_BYTES            4096

#endif
