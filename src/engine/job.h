/* The engine's insides, shared by engine.c (the loop, the window, the
 * jobs' lives), body.c (the body consumers) and input.c (the front end's
 * inputs). Front ends never see this: they have include/ringfetch/engine.h.
 *
 * A job (struct xfer) goes
 *
 *   FREE -> WAIT -> ACTIVE -> FINISH -> FREE (its result delivered)
 *            ^ ^      |         |
 *            | +------+         +--> SLEEP --+   retry after a delay
 *            |   resend         +------------+-> WAIT: follow a redirect
 *            +-------------------------------+
 *
 * WAIT: pulled, waiting for a connection on its origin's queue; origins
 * with waiting jobs take turns (a round), one job each, so a host with a
 * long queue or a per-host cap never holds up the others. ACTIVE: its
 * exchange is on a
 * connection. FINISH: the exchange is over and its body consumer is
 * finishing (a file being put in place or removed); the job no longer
 * counts against the window. SLEEP: waiting for a retry's time, holding no
 * connection and no window slot. One result per job, always.
 */
#ifndef RF_ENGINE_JOB_H
#define RF_ENGINE_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/conn.h"
#include "engine/exchange.h"
#include "engine/policy.h"
#include "engine/pool.h"
#include "engine/resolve.h"
#include "engine/sink.h"
#include "http/proxy.h"
#include "http/request.h"
#include "io/backend.h"
#include "io/timer.h"
#include "ringfetch/engine.h"
#include "ringfetch/url.h"

enum xfer_state { X_FREE, X_WAIT, X_ACTIVE, X_FINISH, X_SLEEP };

struct xfer;

/* What takes a response's body: one small table per kind of consumer. */
struct body_vt {
    const char *name;
    /* The headers of a response whose body this consumer takes: 0 or a negative error. */
    int (*begin)(struct xfer *x, const struct resp *r);
    /* A body span in buf (take a reference to keep it): 0 or a negative error. */
    int (*data)(struct xfer *x, struct lbuf *buf, const char *at, size_t len);
    /* The last span of a received buffer was handed over. */
    void (*flush)(struct xfer *x);
    /* The body is over: keep it (complete, and delivered as ok) or drop it. */
    void (*finish)(struct xfer *x, bool keep);
    /* Nothing of the body is in flight any more. */
    bool (*settled)(const struct xfer *x);
    /* The run cannot go on: release everything now, synchronously. */
    void (*abandon)(struct xfer *x);
};

/* The consumers (body.c), chosen from the job and the response's status. */
extern const struct body_vt body_file;    /* a 2xx body into the job's file */
extern const struct body_vt body_memory;  /* a 2xx body kept in memory (rf_job.body_max) */
extern const struct body_vt body_discard; /* a 2xx body nobody wants (--discard) */
extern const struct body_vt body_error;   /* a non-2xx body: read to keep the connection, if small */
/* The consumer for a response with this status. */
const struct body_vt *body_choose(const struct xfer *x, int status);

struct engine;

/* What the policy said at the end of an exchange, kept until the body has
 * settled: struct policy_verdict without its next_url (RF_URL_MAX_BYTES),
 * which every slot of the window would otherwise carry and clear per job
 * (4 KiB of a 6 KiB slot: 40 MiB at -c 10000). A redirect's URL is kept
 * in the job's follow_url instead, for as long as it is needed. */
struct xfer_verdict {
    enum policy_action action;
    enum rf_outcome outcome; /* with POLICY_DELIVER */
    int err;
    const char *detail;
    uint64_t delay_ns;       /* with POLICY_RETRY */
};

struct xfer {
    enum xfer_state state;
    uint32_t gen, idx;
    struct engine *eng;
    char *url, *path;         /* owned copies: the URL as given, the destination */
    char *cur_url;            /* the URL requested now (after redirects); == url until one */
    bool foreign;             /* cur_url's origin is not url's: no user credentials there */
    void *user;
    struct url u;
    struct origin *origin;
    struct conn *conn;        /* while ACTIVE */
    struct xchg xchg;         /* the exchange in progress */
    const struct body_vt *cons; /* the current response's body consumer, or NULL */
    struct sink sink;         /* body_file's */
    bool has_sink;
    size_t body_max;          /* body_memory's limit */
    char *body;               /* body_memory's bytes, NUL-terminated (owned) */
    size_t body_len;
    int status;
    int err;
    const char *detail;       /* static words, or detail_buf */
    char detail_buf[160];
    struct xfer_verdict verdict; /* what the policy said at the end of the exchange */
    char *follow_url;         /* with POLICY_FOLLOW: where to, until followed (owned) */
    uint64_t bytes;
    unsigned sends;           /* how many times this attempt's request went out */
    unsigned retries;         /* retries so far */
    unsigned redirects;       /* redirects followed so far */
    uint64_t *visited;        /* policy_url_hash of each URL requested (redirects only) */
    bool prepping;            /* (resume) its part is being opened before the request */
    bool ranged;              /* (resume) this attempt asks for the rest of the part */
    bool restart_full;        /* (resume) the part was started over once */
    bool deadline_hit;        /* the whole-request limit passed: no further try of any kind */
    struct rf_pipe *dpipe;    /* direct path: the pipe its body is spliced through (a reference) */
    uint64_t dleft;           /* direct path: body bytes still in the socket */
    bool din_busy;            /* direct path: a splice from the socket is in flight */
    uint64_t resumed_from;    /* (resume) the body was appended from this offset */
    uint64_t start_ns;
    uint64_t last_rx_ns;      /* last time the server sent anything (or the job got its connection) */
    struct tmr deadline_tmr;  /* the whole-request deadline */
    struct tmr idle_tmr;      /* silence: re-armed lazily from last_rx_ns */
    struct tmr retry_tmr;     /* SLEEP's end */
    char *req;                /* request bytes built for the next send, or NULL */
    size_t req_len;
    struct pool_link wait_link; /* its origin's queue of jobs waiting for a connection */
    struct xfer *next_free;
};

/* One input of the front end (rf_options.inputs), read through the backend. */
struct engine_input {
    const struct rf_input *in;
    char *buf;
    uint32_t gen;
    bool busy;     /* a read is in flight */
    bool paused;   /* on_data said RF_INPUT_PAUSE */
    bool over;     /* the end, an error, or the run is stopping */
};

struct engine {
    const struct rf_options *opt;
    rf_next_job_fn next_job;
    rf_result_fn on_result;
    void *ctx;
    struct rf_stats *st;
    struct be *be;
    struct tmr_heap timers;
    struct pool pool;
    struct conn_set cs;
    struct tls_env tls;       /* made when the first https job arrives */
    bool tls_tried;
    int tls_err;              /* RF_E_TLS_SETUP when it could not be made */
    char tls_why[192];
    struct sink_env sinks;
    struct xfer *xfers;
    unsigned window;          /* most requests in flight (X_WAIT + X_ACTIVE) */
    unsigned pipeline;        /* exchanges per connection at once (1: no pipelining) */
    unsigned nslots;          /* job slots: the window, plus as many finishing their file */
    unsigned active;          /* slots in use */
    unsigned requests;        /* of those, requests in flight: never above window */
    uint64_t now;             /* loop time, refreshed after every wait */
    uint64_t idle_ns;         /* silence limit, 0 = none */
    struct xfer *free_x;      /* slots given back, most recent first */
    unsigned nfresh;          /* slots ever handed out (xfers[0..nfresh)); those above are
                                 untouched calloc'd pages, so the memory a run holds follows
                                 the slots it used, not its window (-c 10000: 38 MB) */
    struct pool_link ready;   /* origins with waiting jobs that may start one, in turn */
    struct pool_link parked_origins; /* origins with parked jobs */
    struct pool_link paced;   /* origins waiting for their next start (--rate) */
    struct tmr pace_tmr;      /* the earliest of those starts */
    uint64_t pace_ns;         /* 1 s / rate_per_host, 0 = no pacing */
    unsigned long nparked;    /* parked jobs in all */
    struct resolver resolver;
    struct resolve_config rcfg;
    struct tmr wake_tmr;      /* next_job's RF_JOB_LATER with a wake time */
    struct policy_config policy;
    struct policy_verdict decided; /* policy_decide's answer, copied into the job at once */
    uint64_t rand_state;      /* for retry jitter (splitmix64) */
    struct engine_input *inputs;
    unsigned ninputs;
    unsigned inputs_busy;     /* reads in flight */
    struct tmr tick_tmr;
    bool exhausted, stopping, dead;
    bool quiet;               /* the last batch wait timed out with nothing: wait for one */
    int fatal;                /* next_job's error, reported at the end */
    struct request_extra req_extra; /* what every request carries besides its URL */
    struct proxy_conf proxies; /* rf_options' proxies, parsed (origins point into it) */
    struct pipes pipes;       /* the direct path's (max 0: off) */
    uint64_t direct_bodies;   /* bodies that took it, for --stats */
};

/* input.c */
int engine_inputs_init(struct engine *e);
void engine_inputs_free(struct engine *e);
/* Arm a read on every input that is neither over nor busy (and, unless
 * resume is set, not paused). */
void engine_inputs_arm(struct engine *e, bool resume);
/* An input read completed. */
void engine_input_complete(struct engine *e, const struct be_cqe *cqe);
/* Stop reading: cancel reads in flight. */
void engine_inputs_stop(struct engine *e);
/* An input is still worth waiting for (open, not over). */
bool engine_inputs_open(const struct engine *e);

/* Run with a backend made by the caller (the unit tests' fake one) and a
 * window already fitted; takes ownership of be. rf_engine_run is this with
 * the io_uring backend. */
int engine_run_with(struct be *be, unsigned window, const struct rf_options *opt, rf_next_job_fn next_job,
                    rf_result_fn on_result, void *ctx, struct rf_stats *stats);

#endif
