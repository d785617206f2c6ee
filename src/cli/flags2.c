/* flags2 over the engine. See flags2.h. */
#include "cli/runopts.h"
#include "cli/flags2.h"

#include <errno.h>
#include <string.h>

#include "cli/dirs.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/sigstop.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

#define MESSAGE_BYTES 256

struct run {
    const struct flags2_args *a;
    size_t next;                    /* index of the next code to hand out */
    char url[RF_URL_MAX_BYTES];     /* the engine copies both before the next call */
    char path[RF_PATH_MAX_BYTES];
    struct report_counts counts;
    struct progress bar;
};

/* Jobs are produced lazily, one per code; user points at the code itself
 * (the codes live in *a for the whole run). */
static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    if (r->next >= r->a->codes.n)
        return 0;
    const char *cc = r->a->codes.cc[r->next++];
    char lower[3] = {(char)(cc[0] - 'A' + 'a'), (char)(cc[1] - 'A' + 'a'), '\0'};
    /* Lengths were checked when the arguments were parsed. */
    snprintf(r->url, sizeof r->url, "%s/%s/%s.gif", r->a->base_url, lower, lower);
    snprintf(r->path, sizeof r->path, "%s/%s.gif", r->a->dest, lower);
    job->url = r->url;
    job->path = r->path;
    job->user = (void *)cc;
    return 1;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    char msg[MESSAGE_BYTES] = "";

    switch (res->outcome) {
    case RF_OK:
        r->counts.ok++;
        r->counts.bytes += res->bytes;
        break;
    case RF_NOT_FOUND: r->counts.not_found++; break;
    case RF_ERROR: r->counts.errors++; break;
    case RF_CANCELLED: r->counts.cancelled++; break;
    }
    if (r->a->verbose) {
        if (res->outcome == RF_ERROR)
            rf_result_message(res, msg, sizeof msg);
        report_flags2_item(stdout, res->user, res->outcome, msg);
    }
}

static void on_tick(void *ctx, const struct rf_stats *stats)
{
    struct run *r = ctx;
    (void)stats;
    progress_update(&r->bar, report_items(&r->counts) - r->counts.cancelled, progress_now());
}

int flags2_run(const struct flags2_args *a, volatile sig_atomic_t *stop)
{
    struct run r = {.a = a};
    struct rf_options opt;
    struct rf_stats stats;
    int rc;

    rc = dirs_make(a->dest);
    if (rc < 0) {
        fprintf(stderr, "flags2: cannot create folder %s: %s\n", a->dest, strerror(-rc));
        return 1;
    }

    unsigned conns = runopts_window("flags2", flags2_connections(a->max_req, a->codes.n));
    report_flags2_header(stdout, a->label, a->base_url, &a->codes, conns);
    /* The bar goes to stderr: the header must be out before it. */
    fflush(stdout);

    bool bar = !a->verbose && progress_is_terminal(stderr);
    runopts_init(&opt, conns, stop, a->timeout_s, bar, on_tick);
    if (ioopts_apply(&a->io, &opt, "flags2", stderr) < 0)
        return 2;

    double t0 = progress_now();
    progress_start(&r.bar, stderr, bar, a->codes.n, t0);
    memset(&stats, 0, sizeof stats);
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    double t1 = progress_now();
    ioopts_end(&a->io, &opt, &stats, "flags2", stderr);
    progress_finish(&r.bar, report_items(&r.counts) - r.counts.cancelled, t1);
    fflush(stdout);

    bool interrupted = rc == -EINTR || (stop && *stop);
    return flags2_finish(a, &r.counts, rc, t1 - t0, interrupted, &stats);
}

int flags2_finish(const struct flags2_args *a, const struct report_counts *counts, int rc,
                  double elapsed_s, bool interrupted, const struct rf_stats *stats)
{
    if (rc < 0 && rc != -EINTR)
        fprintf(stderr, "flags2: %s failed: %s\n", stats->failed ? stats->failed : "the fetch engine",
                strerror(-rc));
    report_flags2_final(stdout, counts, a->codes.n, elapsed_s, interrupted);
    fflush(stdout);
    if (a->stats)
        report_stats_json(stderr, counts, elapsed_s, stats);
    if (interrupted)
        return SIGSTOP_EXIT_STATUS;
    return rc < 0 || counts->errors ? 1 : 0;
}
