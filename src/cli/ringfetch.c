/* ringfetch over the engine. See ringfetch.h. */
#include "cli/runopts.h"
#include "cli/ringfetch.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli/dirs.h"
#include "cli/nameset.h"
#include "cli/outpath.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/sigstop.h"
#include "cli/urllist.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

#define MESSAGE_BYTES 512

struct run {
    const struct ringfetch_args *a;
    struct urllist urls;
    struct nameset names;
    char path[RF_PATH_MAX_BYTES];   /* the engine copies it before the next call */
    struct report_counts counts;
    struct progress bar;
};

/* An error line on stderr; the bar, on the same stream, is blanked first and
 * comes back at the next tick. */
static void print_error(struct run *r, const char *fmt, const char *a, const char *b)
{
    progress_clear(&r->bar);
    fputs("ERR ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

/* A repeated URL is no error: one line on stderr, not with -q. */
static void print_repeat(struct run *r, const char *where, const char *why)
{
    if (r->a->verbosity == RINGFETCH_QUIET)
        return;
    progress_clear(&r->bar);
    fprintf(stderr, "DUP %s: %s\n", where, why);
}

static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    struct urllist_item it;
    char why[MESSAGE_BYTES];
    int rc;

    /* Items that cannot be fetched are settled here and the loop goes on to
     * the next line: the engine only ever sees fetchable jobs. */
    while ((rc = urllist_next(&r->urls, &it)) == URLLIST_ITEM) {
        rc = outpath_make(r->a->discard ? NULL : r->a->outdir, &it, &r->names, r->path,
                          sizeof r->path, why, sizeof why);
        if (rc == OUTPATH_FETCH) {
            job->url = it.url;
            job->path = r->a->discard ? NULL : r->path;
            job->user = NULL;
            return RF_JOB_READY;
        }
        char where[48];
        snprintf(where, sizeof where, "%s %lu", it.from_list ? "line" : "argument", it.index);
        if (rc == OUTPATH_REPEAT) {
            r->counts.duplicates++;
            print_repeat(r, where, why);
            continue;
        }
        r->counts.errors++;
        print_error(r, "%s: %s", where, why);
    }
    return rc < 0 ? rc : RF_JOB_NONE;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    char msg[MESSAGE_BYTES], url[OUTPATH_URL_QUOTE_BYTES];

    outpath_quote_url(url, sizeof url, res->url);
    switch (res->outcome) {
    case RF_OK:
        r->counts.ok++;
        r->counts.bytes += res->bytes;
        if (r->a->verbosity == RINGFETCH_VERBOSE) {
            char path[4 * RF_PATH_MAX_BYTES];
            const char *p = res->path ? res->path : "-";
            printf("OK %s -> %s (%" PRIu64 " bytes)\n", url,
                   outpath_quote(path, sizeof path, p, strlen(p)), res->bytes);
        }
        return;
    case RF_NOT_FOUND:
        r->counts.not_found++;
        break;
    case RF_ERROR:
        r->counts.errors++;
        break;
    case RF_CANCELLED:
        r->counts.cancelled++;
        return;
    }
    print_error(r, "%s: %s", url, rf_result_message(res, msg, sizeof msg));
}

static void on_tick(void *ctx, const struct rf_stats *stats)
{
    struct run *r = ctx;
    (void)stats;
    progress_update(&r->bar, report_items(&r->counts) - r->counts.cancelled + r->counts.duplicates,
                    progress_now());
}

int ringfetch_run(const struct ringfetch_args *a, volatile sig_atomic_t *stop)
{
    static struct run r;   /* two path-sized buffers and the line buffer: off the stack */
    struct rf_options opt;
    struct rf_stats stats;
    FILE *list = NULL;
    int rc, status;

    memset(&r, 0, sizeof r);
    r.a = a;
    if (a->list) {
        list = strcmp(a->list, "-") == 0 ? stdin : fopen(a->list, "r");
        if (!list) {
            fprintf(stderr, "ringfetch: cannot open %s: %s\n", a->list, strerror(errno));
            return 2;
        }
    }
    rc = a->discard ? 0 : dirs_make(a->outdir);
    if (rc < 0) {
        fprintf(stderr, "ringfetch: cannot create folder %s: %s\n", a->outdir, strerror(-rc));
        status = 1;
        goto close_list;
    }
    urllist_init(&r.urls, a->urls, a->nurls, list);
    nameset_init(&r.names);

    bool bar = a->verbosity == RINGFETCH_NORMAL && progress_is_terminal(stderr);
    runopts_init(&opt, runopts_window("ringfetch", a->window), stop, a->timeout_s, bar, on_tick);
    opt.pipeline = a->pipeline;
    if (a->pipeline > 1) /* the window rides on fewer connections: D requests each */
        opt.max_per_host = (opt.window + a->pipeline - 1) / a->pipeline;
    if (ioopts_apply(&a->io, &opt, "ringfetch", stderr) < 0) {
        nameset_free(&r.names);
        status = 2;
        goto close_list;
    }

    double t0 = progress_now();
    /* With a list the total is unknown until its end: the bar counts up. */
    progress_start(&r.bar, stderr, bar, a->list ? 0 : a->nurls, t0);
    memset(&stats, 0, sizeof stats);
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    double t1 = progress_now();
    ioopts_end(&a->io, &opt, &stats, "ringfetch", stderr);
    progress_finish(&r.bar, report_items(&r.counts) - r.counts.cancelled + r.counts.duplicates, t1);
    fflush(stdout);

    bool interrupted = rc == -EINTR || (stop && *stop);
    if (rc < 0 && rc != -EINTR) {
        if (rc == -EIO && list && ferror(list))
            fprintf(stderr, "ringfetch: reading %s failed\n", a->list);
        else
            fprintf(stderr, "ringfetch: %s failed: %s\n", stats.failed ? stats.failed : "the fetch engine",
                    strerror(-rc));
    }
    if (a->verbosity != RINGFETCH_QUIET)
        report_summary(stderr, &r.counts, t1 - t0);
    if (a->stats) {
        report_stats_json(stdout, &r.counts, t1 - t0, &stats);
        fflush(stdout);
    }
    nameset_free(&r.names);

    if (interrupted)
        status = SIGSTOP_EXIT_STATUS;
    else
        status = rc < 0 || r.counts.errors || r.counts.not_found ? 1 : 0;
close_list:
    if (list && list != stdin)
        fclose(list);
    return status;
}
