/* flags2 over the engine. See flags2.h. */
#include "cli/runopts.h"
#include "cli/flags2.h"

#include <errno.h>
#include <string.h>

#include "cli/closeout.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/runview.h"
#include "cli/sigstop.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

#define MESSAGE_BYTES (RF_PATH_MAX_BYTES + 512)   /* a message may name a whole output path */

struct run {
    struct runview view;            /* first: the engine's ctx is read as it (runview.h) */
    const struct flags2_args *a;
    size_t next;                    /* index of the next code to hand out */
    char url[RF_URL_MAX_BYTES];     /* the engine copies both before the next call */
    char path[RF_PATH_MAX_BYTES];
};

/* Jobs are produced lazily, one per code; user points at the code itself
 * (the codes live in *a for the whole run). */
static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    if (r->next >= r->a->codes.n)
        return RF_JOB_NONE;
    const char *cc = r->a->codes.cc[r->next++];
    char lower[3] = {(char)(cc[0] - 'A' + 'a'), (char)(cc[1] - 'A' + 'a'), '\0'};
    /* Lengths were checked when the arguments were parsed. */
    snprintf(r->url, sizeof r->url, "%s/%s/%s.gif", r->a->base_url, lower, lower);
    snprintf(r->path, sizeof r->path, "%s/%s.gif", r->a->dest, lower);
    job->url = r->url;
    job->path = r->path;
    job->user = (void *)cc;
    return RF_JOB_READY;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    char msg[MESSAGE_BYTES] = "";

    report_count(&r->view.counts, res->outcome, res->bytes);
    if (r->a->verbose) {
        if (res->outcome == RF_ERROR)
            rf_result_message(res, msg, sizeof msg);
        report_flags2_item(stdout, res->user, res->outcome, msg);
        closeout_poll();
    }
}

int flags2_run(const struct flags2_args *a, volatile sig_atomic_t *stop)
{
    struct run r = {.a = a};
    struct rf_options opt;
    struct rf_stats stats;
    int rc;

    unsigned conns = runopts_window("flags2", flags2_connections(a->max_req, a->codes.n),
                                    a->io.trace != NULL, false);
    if (conns == 0)
        return RUNOPTS_EXIT_USAGE;
    rc = runopts_dest("flags2", a->dest);
    if (rc != 0)
        return rc;

    report_flags2_header(stdout, a->label, a->base_url, &a->codes, conns);
    /* The bar goes to stderr: the header must be out before it. */
    closeout_flush();

    bool bar = !a->verbose && progress_is_terminal(stderr);
    runopts_init(&opt, conns, stop, a->timeout_s, bar, runview_tick);
    opt.dest_dir = a->dest;
    tlsopts_apply(&a->tls, &opt, "flags2", stderr);
    if (ioopts_apply(&a->io, &opt, "flags2", stderr) < 0)
        return 2;

    double t0 = progress_now();
    runview_start(&r.view, bar, false, a->codes.n, t0);
    memset(&stats, 0, sizeof stats);
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    double t1 = progress_now();
    ioopts_end(&a->io, &opt, &stats, "flags2", stderr);
    runview_finish(&r.view, &stats, t1);
    closeout_flush();

    return flags2_finish(a, &r.view.counts, rc, t1 - t0, stop, &stats);
}

int flags2_finish(const struct flags2_args *a, const struct report_counts *counts, int rc,
                  double elapsed_s, const volatile sig_atomic_t *stop,
                  const struct rf_stats *stats)
{
    bool interrupted = sigstop_stopped(rc, stop);

    if (rc < 0 && rc != -EINTR)
        fprintf(stderr, "flags2: %s failed: %s\n", stats->failed ? stats->failed : "the fetch engine",
                strerror(-rc));
    report_flags2_final(stdout, counts, a->codes.n, elapsed_s, interrupted);
    closeout_flush();
    if (a->stats)
        report_stats_json(stderr, counts, elapsed_s, stats);
    if (interrupted)
        return sigstop_exit_status(stop);
    return rc < 0 || counts->errors ? 1 : 0;
}
