/* ringfetch engine: the one header a front end includes.
 *
 * Jobs in (URL + destination path), one result per job out. The engine owns
 * one io_uring and runs every network and file operation on it; it knows
 * nothing about flags, progress bars or output formats.
 *
 *   struct rf_options opt;
 *   rf_options_default(&opt);
 *   opt.window = 100;
 *   rf_engine_run(&opt, next_job, on_result, ctx, &stats);
 *
 * Memory is O(window): jobs are pulled from next_job() only when a slot in
 * the in-flight window is free, so a list of millions of URLs is fine.
 * At most `window` requests are in flight; a job whose response is in may
 * still be finishing its file, or waiting to be retried, so up to
 * RF_JOBS_PER_WINDOW * window jobs can be between next_job() and their
 * result at once.
 */
#ifndef RINGFETCH_ENGINE_H
#define RINGFETCH_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringfetch/limits.h"

/* One unit of work. The engine copies url and path before next_job returns
 * control to the loop, so the front end may reuse its buffers. */
struct rf_job {
    const char *url;  /* absolute http:// or https:// URL */
    const char *path; /* destination file; NULL: no file (see body_max) */
    size_t body_max;  /* with path NULL: keep up to this many body bytes in memory and
                         hand them over in rf_result.body (a larger body is an error,
                         RF_E_TOO_LARGE); 0 = discard the body */
    void *user;       /* handed back untouched in the result */
    uint64_t wake_ns; /* with RF_JOB_LATER: ask again at this time too (rf_now_ns()'s
                         clock), even if nothing else happens; 0 = no such time */
};

enum rf_outcome {
    RF_OK = 0,        /* 2xx, body complete, file renamed to its final name */
    RF_NOT_FOUND = 1, /* HTTP 404 */
    RF_ERROR = 2,     /* anything else; err says what */
    RF_CANCELLED = 3, /* the run was stopped (rf_options.stop) before this job ended */
};

/* Engine-specific error codes, negative and outside the errno range. The
 * other negative values in rf_result.err are -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET, -ENOSPC, ...). */
enum rf_err {
    RF_E_HTTP_STATUS = -4001, /* non-2xx, non-404 status: see http_status */
    RF_E_RESOLVE = -4002,     /* host name could not be resolved: detail holds gai_strerror() */
    RF_E_PROTOCOL = -4003,    /* invalid response: detail holds the parser's reason */
    RF_E_TRUNCATED = -4004,   /* connection closed before the body was complete */
    RF_E_BAD_URL = -4005,     /* the URL could not be parsed or is not http:// */
    RF_E_TOO_LARGE = -4006,   /* response headers over RF_MAX_HEADER_BYTES (http_status
                                 0), or a body over rf_job.body_max (http_status set) */
    RF_E_CONNECT_TIMEOUT = -4007, /* no connection within connect_timeout_ms */
    RF_E_TIMEOUT = -4008,     /* request_timeout_ms passed, or idle_timeout_ms without a byte */
    RF_E_EMPTY_REPLY = -4009, /* server closed the connection without sending anything */
    RF_E_CODING = -4010,      /* a transfer coding we did not ask for (gzip...): detail names it */
    /* https:// (detail holds the words: OpenSSL's reason, the certificate's names) */
    RF_E_TLS_CERT = -4011,    /* the certificate chain failed verification: detail says why */
    RF_E_TLS_HOST = -4012,    /* the certificate is for other names: detail lists them */
    RF_E_TLS_HANDSHAKE = -4013, /* the handshake failed (plain HTTP on an https URL...) */
    RF_E_TLS_ALERT = -4014,   /* the server sent a fatal alert: detail names it */
    RF_E_TLS = -4015,         /* a TLS failure after the handshake (bad record...) */
    RF_E_TLS_TIMEOUT = -4016, /* a deadline passed during the TLS handshake */
    RF_E_TLS_TRUNCATED = -4017, /* TCP closed without the server's close_notify mid-response */
    RF_E_TLS_SETUP = -4018,   /* the TLS context could not be made (--cacert unreadable...) */
    RF_E_REDIRECT = -4019,    /* a redirect that was not followed: detail says why (too many,
                                 a loop, another scheme, https to http, a bad Location) */
    RF_E_RESUME = -4020,      /* (resume) the answer does not continue the part (a range that
                                 does not start at its end): the engine starts over */
    RF_E_PART = -4021,        /* (resume) NAME.part cannot be used: detail says why (a link,
                                 not a regular file) */
    RF_E_PROXY = -4022,       /* the proxy would not open a tunnel (its answer to CONNECT was
                                 not 2xx, or not HTTP, or it closed): detail says which, and
                                 rf_result.proxy names the proxy */
    RF_E_DEST_LINK = -4023,   /* a folder of the path below rf_options.dest_dir is a symbolic
                                 link (not followed: it may have been swapped in after the
                                 front end made the folder), or leads out of dest_dir */
};

struct rf_result {
    void *user;
    const char *url;         /* valid only during the callback */
    const char *path;        /* valid only during the callback; may be NULL */
    enum rf_outcome outcome;
    int err;                 /* 0 when ok, else -errno or enum rf_err */
    int http_status;         /* 0 when no status line was received */
    uint64_t bytes;          /* body bytes received (and written) */
    const char *detail;      /* static or engine-owned text qualifying err; may be NULL */
    const char *host;        /* host part of the URL, for messages; may be NULL */
    uint64_t elapsed_us;     /* from the job's start to its result */
    const char *body;        /* with rf_job.body_max: the body (valid only during the
                                callback; NUL-terminated for convenience); NULL when
                                there was none or no body_max was asked for */
    size_t body_len;
    const char *final_url;   /* the URL last requested (after redirects); valid only
                                during the callback; equals url when none was followed */
    unsigned attempts;       /* tries of this job: 1, plus its retries */
    unsigned redirects;      /* redirects followed */
    uint64_t resumed_from;   /* (resume) the body was appended to a part of this size */
    const char *proxy;       /* the proxy the last request went through ("http://host:port",
                                never its credentials), or NULL: direct. Static for the run */
};

struct rf_stats {
    uint64_t jobs;           /* results delivered */
    uint64_t ok, not_found, errors, cancelled;
    uint64_t bytes;          /* body bytes of all jobs */
    uint64_t rx_body_bytes;  /* body bytes received so far, counted as they arrive
                                (jobs still in flight included): for progress */
    uint64_t enters;         /* system calls that submit or wait (io_uring_enter, epoll_wait) */
    uint64_t syscalls;       /* every system call the backend made for I/O, enters included */
    const char *backend;     /* the backend's name: "uring" or "epoll" (static) */
    char calls[256];         /* the backend's system calls by name: "epoll_wait 12 send 40 ..." */
    uint64_t net_rx_bytes;   /* bytes received from the network, headers included */
    int trace_err;           /* 0, or the -errno that stopped writing the trace (rf_options.trace_fd) */
    uint64_t sqes;           /* SQEs submitted */
    uint64_t cqes;           /* CQEs reaped */
    uint64_t enobufs;        /* recvs that found the buffer ring empty */
    uint64_t connects;       /* connections opened */
    uint64_t reused;         /* requests sent on a kept-alive connection */
    uint64_t pipelined;      /* of those, sent behind another request still unanswered */
    uint64_t retries;        /* tries after a transient failure */
    uint64_t retries_waiting; /* jobs waiting for their retry right now, holding no
                                 connection (live, for progress displays) */
    uint64_t redirects;      /* redirects followed */
    uint64_t dns_lookups;    /* host names looked up (literals and --resolve excluded) */
    uint32_t peak_inflight;  /* most jobs in flight at once */
    uint32_t window;         /* the window actually used */
    char features[128];      /* backend features in use, e.g. "defer_taskrun buf_ring socket_op" */
    uint64_t files_tmpfile;  /* files created as unnamed O_TMPFILE inodes, then linked */
    uint64_t files_named;    /* files created under a temporary name, then renamed */
    uint64_t tls_handshakes; /* TLS handshakes completed (resumed ones included) */
    uint64_t tls_resumed;    /* of those, resuming a session */
    uint64_t tls_bytes_in;   /* ciphertext received on https connections */
    uint64_t tls_bytes_out;  /* ciphertext sent */
    uint64_t direct_bodies;  /* bodies spliced socket -> pipe -> file (the direct path) */
    uint64_t spliced_bytes;  /* body bytes that went that way, never through user space */
    uint64_t preallocated;   /* files preallocated with fallocate (their length was known) */
    uint32_t file_workers;   /* the kernel's workers for file operations, limited to this
                                many at once for a disk file system; 0: not limited */
    uint64_t inline_file_ops; /* file opens, writes and links made at once by the loop, not
                                 through the ring (small files in memory: tmpfs) */
    const char *failed;      /* when the run could not start or go on: what failed
                                ("io_uring setup", "memory", "the I/O backend"); else NULL */
};

/* next_job's answers besides a negative errno (which aborts the run). */
enum rf_next {
    RF_JOB_NONE = 0,  /* the list is exhausted: no job, ever again */
    RF_JOB_READY = 1, /* *job was filled in */
    RF_JOB_LATER = 2, /* nothing now; ask again after the next result or input
                         chunk (a job that depends on another's result, e.g.
                         flags3's flag after its metadata; a list line still on
                         its way). Paused inputs are read again. With nothing in
                         flight and no input left open it means RF_JOB_NONE. */
};

/* on_data's answers. */
enum rf_input_answer {
    RF_INPUT_MORE = 0,  /* read the next chunk at once */
    RF_INPUT_PAUSE = 1, /* enough buffered: read again when next_job says RF_JOB_LATER.
                           After the end (len 0) it means the input is not over: the
                           front end will point fd at its next source (the next list)
                           before it next says RF_JOB_LATER */
    RF_INPUT_AGAIN = 2, /* after the end (len 0): fd already points at the next source;
                           read on at once */
};

/* A stream the engine reads for the front end through the same backend as
 * everything else (a URL list on a pipe, a terminal or a file), so that a
 * slow source never blocks the transfers in flight. Read from the fd's
 * current position; the engine never closes it, and reads fd anew before
 * every read (see RF_INPUT_AGAIN). */
struct rf_input {
    int fd;
    /* A chunk (len > 0), the end (len == 0), or a failure (len = -errno),
     * after which the input is over. buf is valid during the call only.
     * Returns an enum rf_input_answer. */
    int (*on_data)(void *ctx, const char *buf, long len);
};

/* Produce the next job into *job; returns an enum rf_next or a negative errno. */
typedef int (*rf_next_job_fn)(void *ctx, struct rf_job *job);
/* Called once per job, in completion order. */
typedef void (*rf_result_fn)(void *ctx, const struct rf_result *res);
/* Is this a usable --resolve entry ("HOST:PORT:ADDR", ADDR IPv4 or [IPv6])? */
bool rf_resolve_entry_ok(const char *entry);

/* Is value a usable proxy (rf_options.http_proxy)? 0, or -EINVAL with words in why:
 * the value as it may be shown (its password hidden) and the reason. */
int rf_proxy_check(const char *value, char *why, size_t size);
/* Is list a usable no_proxy list? 0, or -EINVAL with the bad entry and why. */
int rf_no_proxy_check(const char *list, char *why, size_t size);

/* CLOCK_MONOTONIC in ns: the clock of rf_job.wake_ns. */
uint64_t rf_now_ns(void);

/* The I/O backend a run uses (rf_options.backend). */
enum rf_backend {
    RF_BACKEND_URING = 0, /* io_uring: the default */
    RF_BACKEND_EPOLL = 1, /* epoll and non-blocking sockets, files by plain calls: for A/B runs */
};
/* "uring"/"epoll" -> the backend; -EINVAL for any other name. */
int rf_backend_from_name(const char *name);
const char *rf_backend_name(enum rf_backend b);

/* Called every tick_ms while the loop runs (progress bars). */
typedef void (*rf_tick_fn)(void *ctx, const struct rf_stats *stats);

struct rf_options {
    unsigned window;              /* most jobs in flight at once (>= 1) */
    unsigned connect_timeout_ms;  /* per connection attempt */
    unsigned idle_timeout_ms;     /* a try whose server sends nothing for this long (from its
                                     request on the wire, or from the answer before it
                                     when pipelined) fails ("timed out: nothing received
                                     for N s"), a transient failure; 0 = none. This, not the
                                     whole-request deadline, is what stops a silent server by
                                     default, so a slow but steady 1 GB download is never cut
                                     off. */
    unsigned request_timeout_ms;  /* per job, from start to result; 0 = none (the default) */
    unsigned tick_ms;             /* 0 = no ticks */
    rf_tick_fn tick;
    volatile sig_atomic_t *stop;  /* when it becomes non-zero the run ends: jobs in flight are
                                     cancelled (RF_CANCELLED), no further jobs are pulled */
    const char *user_agent;       /* NULL = "ringfetch/VERSION" */
    const char *const *headers;   /* "Name: value" added to every request; a name the engine
                                     sets (Host, User-Agent, Accept, Authorization) replaces
                                     its own, "Name:" alone removes it (curl's -H) */
    unsigned nheaders;
    const char *credentials;      /* "user:password" sent as Basic authorization to URLs
                                     without a userinfo of their own; NULL = none */
    const struct rf_input *inputs; /* read while the run goes (see struct rf_input) */
    unsigned ninputs;
    unsigned pipeline;            /* HTTP/1.1 pipelining: requests in flight per connection
                                     (0 or 1 = none). Only on a connection whose first answer
                                     was persistent HTTP/1.1; requests a failed connection left
                                     unanswered are sent again on a new one. */
    unsigned max_per_host;        /* connections per origin at once; 0 = no cap but the window.
                                     Origins take turns, so a capped or busy host never holds
                                     up the others. */
    bool no_resend;               /* count a request that a failed connection left unanswered
                                     as an error instead of sending it again (load generators) */
    unsigned retries;             /* a transient failure (connect refused/reset/timed out, an
                                     empty reply, a truncated body, silence past
                                     idle_timeout_ms, a hung TLS handshake, 408/429/500/502/
                                     503/504) is tried again up to this many times; 0 = never
                                     (default). request_timeout_ms ends a job, retries left
                                     or not. */
    unsigned retry_delay_ms;      /* the first wait before a retry; it doubles each time, with
                                     jitter, and Retry-After replaces it */
    unsigned retry_max_delay_ms;  /* no wait longer than this */
    unsigned max_redirects;       /* 301/302/303/307/308 followed up to this many hops; 0 =
                                     a redirect is an HTTP error like any other (default) */
    bool allow_downgrade;         /* follow a redirect from https to http */
    bool resume;                  /* -c: bodies go to NAME.part, kept across runs; a part that
                                     holds bytes and the validator it was started with is
                                     continued with Range + If-Range (a 206 at its end
                                     appends, a 200 starts over, anything else starts over) */
    double rate_per_host;         /* requests per second started to one origin at most (its
                                     starts spaced 1/rate apart); 0 = no limit */
    const char *dns_servers;      /* "ADDR[:PORT],..." to ask instead of /etc/resolv.conf's */
    const char *const *resolve;   /* "HOST:PORT:ADDR" answers that skip the lookup (curl's
                                     --resolve); check each with rf_resolve_entry_ok */
    unsigned nresolve;
    /* https://: certificates are verified against the system's trust store
     * (Debian's ca-certificates) unless told otherwise (curl's options). */
    const char *tls_cafile;       /* --cacert: PEM file of the CAs to trust instead */
    const char *tls_capath;       /* --capath: hashed directory of CAs to trust instead */
    bool tls_insecure;            /* -k: check neither the chain nor the host name */
    /* Proxies, as curl reads them ("[http://][user:password@]host[:port]", port 1080 when
     * none is written; check each with rf_proxy_check). The front end chooses between its
     * options and the environment; the engine reads no variable itself. http:// URLs go to
     * the proxy in absolute form, https:// ones through a CONNECT tunnel (TLS to the origin,
     * whose certificate is verified as without a proxy). NULL or "" = direct. */
    const char *http_proxy;
    const char *https_proxy;
    const char *no_proxy;         /* hosts that go direct whatever the above say: curl's no_proxy
                                     list (check it with rf_no_proxy_check); NULL = none */
    enum rf_backend backend;      /* RF_BACKEND_URING unless asked */
    unsigned batch_wait_us;       /* with many jobs in flight, one wait holds out this long
                                     at most for a batch of completions (fewer system calls,
                                     each reaped up to this late); rf_options_default sets
                                     the engine's RF_BATCH_WAIT_US. 0 = every wait returns
                                     at the first completion */
    int trace_fd;                 /* > 0: record every submission and completion into this
                                     file (see src/io/be_trace.h; scripts/trace-view reads it),
                                     which the front end opened for writing (O_APPEND when
                                     several runs share it); 0 = no trace */
    unsigned trace_lane;          /* the lane this run's records carry (ringload: its thread) */
    unsigned recv_buffers;        /* receive buffers lent to the backend (RF_RECV_BUF_BYTES each);
                                     0 = the engine's choice (RF_RECV_BUFS_PER_JOB per unit of
                                     window). A buffer is only held while its bytes are handled
                                     (or written to a file), so a load generator that discards
                                     bodies needs far fewer, and each one the ring cycles
                                     through costs resident memory once touched. */
    const char *dest_dir;         /* the output folder every job's path lies under (path =
                                     dest_dir "/" REL; a path that is not is an error), taken as
                                     the user gave it (it may be a link); REL's folders are
                                     opened beneath it, never through a symbolic link
                                     (RF_E_DEST_LINK). NULL: each file's own folder is taken as
                                     given. Must stay valid for the run. */
    bool window_fitted;           /* the front end fitted the window to the open-file limit
                                     itself (a load generator: a socket per request, no
                                     files), so the engine does not cap it by rf_window_fit
                                     (nor grow the descriptor table: the front end calls
                                     rf_fd_table_reserve, before its threads) */
};

void rf_options_default(struct rf_options *opt);

/* Run every job to completion. Returns 0 when the job list was exhausted and
 * every result delivered, -EINTR when stopped through opt->stop, or another
 * negative errno when the engine could not start (backend setup, memory), the
 * I/O backend failed (stats->failed says which) or next_job failed; stats is
 * filled in every case. Every job pulled gets exactly one result, whatever
 * happens. */
int rf_engine_run(const struct rf_options *opt, rf_next_job_fn next_job,
                  rf_result_fn on_result, void *ctx, struct rf_stats *stats);

/* The window a run can really have: each job may hold a socket and a file,
 * so the open-file limit caps it at the largest window whose descriptors
 * (rf_window_fds) fit. Raises the soft limit towards the hard one when that
 * helps, and grows the descriptor table to hold them (rf_fd_table_reserve).
 * later_fds: descriptors the caller will still open for the run
 * after this call (a log, a trace, an output folder); what it holds now is
 * counted. Never below 1, but when the limit is below rf_window_fds(1, ...)
 * even that window may run out of descriptors: front ends check and refuse.
 * rf_engine_run applies the same cap (and reports it in stats->window);
 * front ends call this first to tell the user, since a concurrency knob
 * must never change silently. */
unsigned rf_window_fit(unsigned want, unsigned later_fds);

/* Descriptors a run with this window may hold at once: those the process
 * holds now, later_fds, the backend's, the output folders' the sinks keep,
 * the resolver's and one a library opens in passing (src/engine/tunables.h), and RF_FDS_PER_WINDOW per unit
 * of window. */
unsigned long rf_window_fds(unsigned window, unsigned later_fds);

/* Grow this process's descriptor table now to hold n descriptors (at most
 * the soft limit and RF_FDS_TABLE_MAX), before threads or io_uring's workers
 * share it: the kernel grows a shared table only after an RCU grace period
 * (milliseconds), and opens wait behind it (perf of -m 100 over 194 small
 * files: io-wq openats asleep in expand_files, a run 27 ms instead of 14).
 * rf_window_fit does it for the window it fits (so rf_engine_run does); a
 * front end that fits its own window (rf_options.window_fitted, engines in
 * threads) calls it first, for all of them. 0 or a negative errno. */
int rf_fd_table_reserve(unsigned long n);

/* Descriptors the soft limit leaves beyond rf_window_fds(window, 0)
 * (ULONG_MAX without a limit). Once the backend is up it is counted among
 * those held and once more as the backend's: one of slack. */
unsigned long rf_window_spare_fds(unsigned window);

/* Words for a result, for the CLI edge: "HTTP error 503 - Service Unavailable",
 * "timed out", "Connection refused", "could not resolve host flupy.org", ...
 * Writes at most size bytes (NUL included) and returns buf. */
char *rf_result_message(const struct rf_result *res, char *buf, size_t size);

/* The reason phrase we use for a status code ("Not Found"); "" if unknown. */
const char *rf_status_reason(int status);

#define RF_VERSION "0.1.0"

/* Jobs pulled but not yet reported, per unit of window (see the top): one
 * with its request in flight, one finishing its file, and one waiting for
 * a retry, which holds no window slot (so other jobs flow meanwhile). */
#define RF_JOBS_PER_WINDOW 3

#endif
