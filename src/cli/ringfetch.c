/* ringfetch over the engine. See ringfetch.h. */
#include "cli/runopts.h"
#include "cli/ringfetch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/closeout.h"
#include "cli/lists.h"
#include "cli/nameset.h"
#include "cli/outpath.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/runview.h"
#include "cli/sigstop.h"
#include "cli/urllist.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

#define MESSAGE_BYTES (RF_PATH_MAX_BYTES + 512)   /* a message may name a whole output path */

struct run {
    struct runview view;            /* first: the engine's ctx is read as it (runview.h) */
    const struct ringfetch_args *a;
    struct urllist urls;            /* the arguments, then each list in turn */
    struct lists lists;
    int list_errno;                 /* why reading the current list failed */
    struct nameset names;
    char path[RF_PATH_MAX_BYTES];   /* the engine copies it before the next call */
    /* The engine reads the lists for us (rf_options.inputs): the lists in
     * order, and, when they are all regular files, a second pass beside it
     * that only counts their URLs, for the bar's total. */
    struct rf_input inputs[2];
    unsigned ninputs;
    struct urllist_counter counter;
    bool counting_done;
};

enum { INPUT_LIST, INPUT_COUNT };

/* A chunk of the list being read (or its end, or a read error). */
static int on_list_data(void *ctx, const char *buf, long len)
{
    struct run *r = ctx;
    bool full = urllist_feed(&r->urls, buf, len);
    if (len < 0)
        r->list_errno = (int)-len;
    /* At the end of a list that another follows, the input is paused, not
     * over: once this list's last line is taken, next_job points it at the
     * next list and says RF_JOB_LATER, which reads on. */
    if (len == 0 && r->lists.cur + 1 < r->lists.n)
        return RF_INPUT_PAUSE;
    return full ? RF_INPUT_PAUSE : RF_INPUT_MORE;
}

/* A chunk of the counting pass: the lists' URLs, for the total. */
static int on_count_data(void *ctx, const char *buf, long len)
{
    struct run *r = ctx;
    if (len > 0) {
        urllist_count(&r->counter, buf, (size_t)len);
        return RF_INPUT_MORE;
    }
    if (len == 0) {
        /* One list counted: its last line, then the next list from a fresh line. */
        unsigned long n = urllist_counted(&r->counter);
        r->counter = (struct urllist_counter){ .urls = n };
        int fd = lists_count_next(&r->lists);
        if (fd >= 0) {
            r->inputs[INPUT_COUNT].fd = fd;
            return RF_INPUT_AGAIN;
        }
        r->counting_done = true;
        progress_set_total(&r->view.bar, r->a->nurls + n);
    }
    return RF_INPUT_MORE; /* (a read error: no total, nothing else is lost) */
}

/* An error line on stderr; the bar, on the same stream, is blanked first and
 * comes back at the next tick. */
static void print_error(struct run *r, const char *fmt, const char *a, const char *b)
{
    progress_clear(&r->view.bar);
    fputs("ERR ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

/* A repeated URL is no error: one line on stderr, not with -q. */
static void print_repeat(struct run *r, const char *where, const char *why)
{
    if (r->a->verbosity == RINGFETCH_QUIET)
        return;
    progress_clear(&r->view.bar);
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
    for (;;) {
        rc = urllist_next(&r->urls, &it);
        if (rc == URLLIST_MORE)
            return RF_JOB_LATER; /* the engine reads on, and asks again */
        if (rc == URLLIST_END && r->urls.has_list && lists_next(&r->lists) >= 0) {
            /* The next list: the engine reads it through the same input. */
            urllist_next_list(&r->urls);
            r->inputs[INPUT_LIST].fd = lists_fd(&r->lists);
            return RF_JOB_LATER;
        }
        if (rc < 0)
            r->list_errno = -rc;
        if (rc != URLLIST_ITEM)
            break;
        rc = outpath_make(r->a->discard ? NULL : r->a->outdir, &it, &r->names, r->path,
                          sizeof r->path, why, sizeof why);
        if (rc == OUTPATH_FETCH) {
            job->url = it.url;
            job->path = r->a->discard ? NULL : r->path;
            job->user = NULL;
            return RF_JOB_READY;
        }
        char where[RF_PATH_MAX_BYTES + 48];
        if (!it.from_list)
            snprintf(where, sizeof where, "argument %lu", it.index);
        else if (r->a->nlists == 1)
            snprintf(where, sizeof where, "line %lu", it.index);
        else
            snprintf(where, sizeof where, "line %lu of %s", it.index, lists_name(&r->lists));
        if (rc == OUTPATH_REPEAT) {
            r->view.counts.duplicates++;
            print_repeat(r, where, why);
            continue;
        }
        report_count(&r->view.counts, RF_ERROR, 0);
        print_error(r, "%s: %s", where, why);
    }
    return rc < 0 ? rc : RF_JOB_NONE;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    char msg[MESSAGE_BYTES], url[OUTPATH_URL_QUOTE_BYTES];

    outpath_quote_url(url, sizeof url, res->url);
    report_count(&r->view.counts, res->outcome, res->bytes);
    if (res->outcome == RF_OK && r->a->verbosity == RINGFETCH_VERBOSE) {
        char path[4 * RF_PATH_MAX_BYTES];
        const char *p = res->path ? res->path : "-";
        printf("OK %s -> %s (%" PRIu64 " bytes)\n", url, outpath_quote(path, sizeof path, p, strlen(p)),
               res->bytes);
        closeout_poll();
    }
    if (res->outcome == RF_NOT_FOUND || res->outcome == RF_ERROR)
        print_error(r, "%s: %s", url, rf_result_message(res, msg, sizeof msg));
}

int ringfetch_run(const struct ringfetch_args *a, volatile sig_atomic_t *stop)
{
    static struct run r;   /* a path buffer and the list's buffers (140 KiB): off the stack */
    struct rf_options opt;
    struct rf_stats stats;
    size_t bad;
    int rc, status;

    memset(&r, 0, sizeof r);
    r.a = a;
    /* The proxies first: a variable that cannot be used stops the run before
     * anything is opened. (opt is filled in for real below.) */
    struct rf_options popt;
    if (proxyopts_apply(&a->proxy, &popt, "ringfetch", stderr, getenv) < 0)
        return RUNOPTS_EXIT_USAGE;
    rc = lists_open(&r.lists, a->lists, a->nlists, &bad);
    if (rc < 0) {
        fprintf(stderr, "ringfetch: cannot read list %s: %s\n", a->lists[bad], strerror(-rc));
        return RUNOPTS_EXIT_USAGE;
    }
    unsigned window = runopts_window("ringfetch", a->window, a->verbosity == RINGFETCH_QUIET);
    if (window == 0) {
        status = RUNOPTS_EXIT_USAGE;
        goto close_lists;
    }
    status = a->discard ? 0 : runopts_dest("ringfetch", a->outdir);
    if (status != 0)
        goto close_lists;
    urllist_init(&r.urls, a->urls, a->nurls, a->nlists > 0);
    nameset_init(&r.names);

    bool bar = a->verbosity == RINGFETCH_NORMAL && progress_is_terminal(stderr);
    runopts_init(&opt, window, stop, a->timeout_s, bar, runview_tick);
    tlsopts_apply(&a->tls, &opt, "ringfetch", stderr);
    opt.pipeline = a->pipeline;
    if (a->pipeline > 1) /* the window rides on fewer connections: D requests each */
        opt.max_per_host = (opt.window + a->pipeline - 1) / a->pipeline;
    if (ioopts_apply(&a->io, &opt, "ringfetch", stderr) < 0) {
        nameset_free(&r.names);
        status = 2;
        goto close_lists;
    }
    opt.rate_per_host = a->rate;
    opt.resume = a->resume;
    opt.retries = a->retries;
    opt.retry_delay_ms = (unsigned)(a->retry_delay_s * 1000 + 0.5);
    opt.dns_servers = a->dns_servers;
    opt.http_proxy = popt.http_proxy;
    opt.https_proxy = popt.https_proxy;
    opt.no_proxy = popt.no_proxy;
    opt.resolve = a->resolve;
    opt.nresolve = (unsigned)a->nresolve;
    if (a->nlists) {
        r.inputs[INPUT_LIST] = (struct rf_input){ .fd = lists_fd(&r.lists), .on_data = on_list_data };
        r.ninputs = 1;
        if (bar && lists_count_fd(&r.lists) >= 0) {
            r.inputs[INPUT_COUNT] = (struct rf_input){ .fd = lists_count_fd(&r.lists),
                                                       .on_data = on_count_data };
            r.ninputs = 2;
        }
        opt.inputs = r.inputs;
        opt.ninputs = r.ninputs;
    }

    double t0 = progress_now();
    /* With a list the total is unknown until its end: the bar counts up. */
    runview_start(&r.view, bar, true, a->nlists ? 0 : a->nurls, t0);
    memset(&stats, 0, sizeof stats);
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    double t1 = progress_now();
    ioopts_end(&a->io, &opt, &stats, "ringfetch", stderr);
    runview_finish(&r.view, &stats, t1);
    closeout_flush();

    bool interrupted = sigstop_stopped(rc, stop);
    if (rc < 0 && !interrupted) {
        if (r.list_errno)
            fprintf(stderr, "ringfetch: reading list %s failed: %s\n", lists_name(&r.lists),
                    strerror(r.list_errno));
        else
            fprintf(stderr, "ringfetch: %s failed: %s\n", stats.failed ? stats.failed : "the fetch engine",
                    strerror(-rc));
    }
    if (a->verbosity != RINGFETCH_QUIET)
        report_summary(stderr, &r.view.counts, t1 - t0);
    if (a->stats) {
        report_stats_json(stdout, &r.view.counts, t1 - t0, &stats);
        closeout_flush();
    }
    nameset_free(&r.names);

    if (interrupted)
        status = sigstop_exit_status(stop);
    else
        status = rc < 0 || r.view.counts.errors || r.view.counts.not_found ? 1 : 0;
close_lists:
    lists_close(&r.lists);
    return status;
}
