/* A load run: one thread per -t, each with its own engine (and so its own
 * ring or epoll), its own connections and its own counters and histograms,
 * so nothing is shared on the hot path; the main thread merges them after
 * the threads are joined.
 *
 * Each thread feeds its engine jobs for the URLs in turn (no file, body
 * discarded), as fast as the window allows or, with -R, at its share of
 * the rate on a fixed schedule: job k of thread i is due at
 * t0 + (i + k * threads) / rate. A job handed out late (the window was
 * full) keeps its due time, and its latency is measured from it: the
 * coordinated-omission correction. Its uncorrected latency is measured
 * from when it was really handed to the engine.
 *
 * Results are counted only for jobs that started after the warm-up; jobs
 * still in flight when the time is up are cancelled and not counted.
 */
#ifndef RF_LOAD_RUN_H
#define RF_LOAD_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "load/hist.h"
#include "load/load_args.h"
#include "ringfetch/engine.h"

/* Error kinds, as the report names them. */
enum load_err { LE_CONNECT, LE_READ, LE_WRITE, LE_TIMEOUT, LE_PROTOCOL, LE_OTHER, LE_COUNT };
extern const char *const load_err_names[LE_COUNT];

/* Which kind an rf_result's err is. */
enum load_err load_err_kind(int err);

/* What a run counted (per thread, then merged). */
struct load_counts {
    uint64_t responses;       /* complete HTTP responses (any status) */
    uint64_t status[6];       /* by class: [1] 1xx .. [5] 5xx, [0] anything else */
    uint64_t errors[LE_COUNT];
    uint64_t body_bytes;
    uint64_t rx_bytes;        /* from the network, headers included, after the warm-up */
};

/* Shared, read-only while the threads run. */
struct load_plan {
    const struct load_args *a;
    char **urls;
    size_t nurls;
    unsigned threads;
    uint64_t t0;              /* rf_now_ns() when the run starts */
    uint64_t warm_end;        /* results of jobs started before this are not counted */
    uint64_t deadline;        /* UINT64_MAX: none (-n alone) */
    double interval_ns;       /* -R: ns between two requests in all; 0 = no rate */
    int trace_fd;             /* 0 = none */
    atomic_int *stop_all;     /* Ctrl-C */
};

struct load_slot;

struct load_thread {
    unsigned id;
    pthread_t th;
    const struct load_plan *plan;
    unsigned conns;
    uint64_t quota;           /* -n: counted jobs this thread hands out */
    bool limited;             /* -n was given (a quota of 0 means: none at all) */
    struct rf_options opt;
    struct rf_stats stats;
    volatile sig_atomic_t stop;
    int rc;
    /* the schedule */
    uint64_t k;               /* jobs handed out */
    uint64_t counted_out;     /* of those, counted ones */
    size_t url_next;
    struct load_slot *slots, *free_slots;
    /* results */
    struct load_counts c;
    struct hist lat;          /* corrected when -R, else the only one */
    struct hist lat_u;        /* -R: from the real send */
    uint64_t results;         /* counted results (responses + errors) */
    uint64_t t_done;          /* when the last counted result came, or the time ran out */
    /* Req/Sec samples */
    double *samples;
    size_t nsamples, samples_cap;
    uint64_t next_sample, sample_base;
    uint64_t rx_base;
    bool rx_base_set;
};

/* Start every thread and wait for them. Returns 0, or -errno when a thread
 * could not be started (the others are stopped and joined). Each thread's
 * rc is its rf_engine_run's. */
int load_run(const struct load_plan *plan, struct load_thread *th);

#endif
