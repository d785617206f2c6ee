/* ringfetch over the engine. See ringfetch.h. */
#include "cli/runopts.h"
#include "cli/ringfetch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/closeout.h"
#include "cli/destdirs.h"
#include "cli/lists.h"
#include "cli/nameset.h"
#include "cli/outpath.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/resultlog.h"
#include "cli/runview.h"
#include "cli/shard.h"
#include "cli/sigstop.h"
#include "cli/urllist.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

#define MESSAGE_BYTES (RF_PATH_MAX_BYTES + 512)   /* a message may name a whole output path */

struct run {
    struct runview view;            /* first: the engine's ctx is read as it (runview.h) */
    const struct ringfetch_args *a;
    const struct dlopts *dl;
    struct urllist urls;            /* the arguments, then each list in turn */
    struct lists lists;
    int list_errno;                 /* why reading the current list failed */
    struct nameset names;
    struct outpath_opts naming;
    struct outpath_dest dest;       /* the engine copies its path before the next call */
    struct destdirs dirs;           /* -o's folders, when -x, dir= or --skip-existing need them */
    struct resultlog log;           /* --log-json */
    bool log_reported;              /* its failure was said */
    const struct rf_stats *stats;   /* the engine's, live while it runs */
    /* The engine reads the lists for us (rf_options.inputs): the lists in
     * order, and, when they are all regular files, a second pass beside it
     * that only counts their items, for the total. */
    struct rf_input inputs[2];
    unsigned ninputs;
    struct urllist_counter counter;
    uint64_t args_kept;             /* URL arguments in this run's shard */
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

/* A chunk of the counting pass: the lists' items, for the total. */
static int on_count_data(void *ctx, const char *buf, long len)
{
    struct run *r = ctx;
    if (len > 0) {
        urllist_count(&r->counter, buf, (size_t)len);
        return RF_INPUT_MORE;
    }
    if (len == 0) {
        /* One list counted: its last line, then the next list from line 1. */
        unsigned long n = urllist_count_end(&r->counter);
        int fd = lists_count_next(&r->lists);
        if (fd >= 0) {
            r->inputs[INPUT_COUNT].fd = fd;
            return RF_INPUT_AGAIN;
        }
        runview_set_total(&r->view, r->args_kept + n);
    }
    return RF_INPUT_MORE; /* (a read error: no total, nothing else is lost) */
}

/* Lines on stderr: the bar, or the dots, on the same stream make way first. */
static void print_error(struct run *r, const char *fmt, const char *a, const char *b)
{
    runview_clear(&r->view);
    fputs("ERR ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
}

/* A repeated URL is no error: one line on stderr, not with -q. */
static void print_repeat(struct run *r, const char *where, const char *why)
{
    if (r->a->verbosity == RINGFETCH_QUIET)
        return;
    runview_clear(&r->view);
    fprintf(stderr, "DUP %s: %s\n", where, why);
}

/* ---- the result log --------------------------------------------------------------- */

static void log_entry(struct run *r, const struct resultlog_entry *e)
{
    if (r->log.fd < 0)
        return;
    resultlog_add(&r->log, e, progress_now());
    if (r->log.err && !r->log_reported) {
        runview_clear(&r->view);
        fprintf(stderr, "ringfetch: writing the log %s failed: %s (the run goes on; the log stops "
                "here)\n", r->dl->log_json, strerror(-r->log.err));
        r->log_reported = true;
    }
}

/* An item settled before any request: refused, a repeat, or skipped. */
static void log_settled(struct run *r, const struct urllist_item *it, const char *path,
                        const char *outcome, const char *error)
{
    struct resultlog_entry e = {
        .url = it->url, .path = path && *path ? path : NULL, .outcome = outcome, .error = error,
    };
    log_entry(r, &e);
}

/* ---- jobs ---------------------------------------------------------------------------- */

/* A list that is not a regular file (a pipe, a terminal): its URL lines are
 * not held for the next line (urllist.h). */
static bool is_stream(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
}

static void describe_where(const struct run *r, const struct urllist_item *it, char *where,
                           size_t size)
{
    if (!it->from_list)
        snprintf(where, size, "argument %lu", it->index);
    else if (r->a->nlists == 1)
        snprintf(where, size, "line %lu", it->index);
    else
        snprintf(where, size, "line %lu of %s", it->index, lists_name(&r->lists));
}

/* prepare_folder's answers besides a negative errno. */
enum folder_answer {
    FOLDER_FETCH = 0,  /* the folder is there: fetch the item */
    FOLDER_SKIP = 1,   /* --skip-existing found the item's file */
};

/* The item's folder under -o (made when missing) and, with --skip-existing,
 * whether its file is there already. Returns an enum folder_answer, or
 * -errno with why set. */
static int prepare_folder(struct run *r, const struct urllist_item *it, char *why, size_t why_size)
{
    const struct outpath_dest *d = &r->dest;
    size_t reached;
    if (d->sub_len == 0 && !r->dl->skip_existing)
        return FOLDER_FETCH;
    int fd = destdirs_make(&r->dirs, d->rel, d->sub_len, &reached);
    if (fd < 0) {
        /* Both cut to fit the message (outpath_quote ends a cut with "..."). */
        char q[200], folder[1024];
        size_t upto = (size_t)(d->rel - d->path) + reached;
        outpath_quote(folder, sizeof folder, d->path, upto);
        snprintf(why, why_size, "cannot make folder %s for '%s': %s", folder,
                 outpath_quote_url(q, sizeof q, it->url),
                 fd == -ELOOP ? "it is a symbolic link (not followed)" : strerror(-fd));
        return fd;
    }
    const char *name = d->sub_len ? d->rel + d->sub_len + 1 : d->rel;
    return r->dl->skip_existing && destdirs_file_exists(fd, name) ? FOLDER_SKIP : FOLDER_FETCH;
}

static void settle_skipped(struct run *r, const struct urllist_item *it)
{
    r->view.counts.skipped++;
    if (r->a->verbosity == RINGFETCH_VERBOSE) {
        char url[OUTPATH_URL_QUOTE_BYTES], path[4 * RF_PATH_MAX_BYTES];
        printf("SKIP %s -> %s (the file exists)\n", outpath_quote_url(url, sizeof url, it->url),
               outpath_quote(path, sizeof path, r->dest.path, strlen(r->dest.path)));
        closeout_poll();
    }
    log_settled(r, it, r->dest.path, "skipped", NULL);
    runview_item(&r->view, ',', r->stats);
}

static void settle_error(struct run *r, const struct urllist_item *it, const char *where,
                         const char *why)
{
    report_count(&r->view.counts, RF_ERROR, 0);
    print_error(r, "%s: %s", where, why);
    log_settled(r, it, NULL, "error", why);
    runview_item(&r->view, '!', r->stats);
}

static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    struct urllist_item it;
    char why[MESSAGE_BYTES], where[RF_PATH_MAX_BYTES + 48];
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
            urllist_stream(&r->urls, is_stream(lists_fd(&r->lists)));
            r->inputs[INPUT_LIST].fd = lists_fd(&r->lists);
            return RF_JOB_LATER;
        }
        if (rc < 0)
            r->list_errno = -rc;
        if (rc != URLLIST_ITEM)
            break;
        if (!shard_keeps(&r->dl->shard, it.url, it.url_len))
            continue; /* another run's */
        describe_where(r, &it, where, sizeof where);
        rc = outpath_make(&r->naming, &it, &r->names, &r->dest, why, sizeof why);
        if (rc == OUTPATH_REPEAT) {
            r->view.counts.duplicates++;
            print_repeat(r, where, why);
            log_settled(r, &it, NULL, "duplicate", NULL);
            runview_item(&r->view, ',', r->stats);
            continue;
        }
        if (rc == OUTPATH_FETCH && !r->a->discard) {
            rc = prepare_folder(r, &it, why, sizeof why);
            if (rc == FOLDER_SKIP) {
                settle_skipped(r, &it);
                continue;
            }
        }
        if (rc == OUTPATH_FETCH) { /* (FOLDER_FETCH too) */
            job->url = it.url;
            job->path = r->a->discard ? NULL : r->dest.path;
            job->user = NULL;
            return RF_JOB_READY;
        }
        settle_error(r, &it, where, why);
    }
    return rc < 0 ? rc : RF_JOB_NONE;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    char msg[MESSAGE_BYTES], url[OUTPATH_URL_QUOTE_BYTES];

    report_count_result(&r->view.counts, res);
    bool failed = res->outcome == RF_NOT_FOUND || res->outcome == RF_ERROR;
    if (failed || res->outcome == RF_CANCELLED)
        rf_result_message(res, msg, sizeof msg);
    if (res->outcome == RF_OK && r->a->verbosity == RINGFETCH_VERBOSE) {
        char path[4 * RF_PATH_MAX_BYTES];
        const char *p = res->path ? res->path : "-";
        outpath_quote_url(url, sizeof url, res->url);
        printf("OK %s -> %s (%" PRIu64 " bytes)\n", url, outpath_quote(path, sizeof path, p, strlen(p)),
               res->bytes);
        closeout_poll();
    }
    if (failed) {
        outpath_quote_url(url, sizeof url, res->url);
        print_error(r, "%s: %s", url, msg);
    }
    struct resultlog_entry e = {
        .url = res->url,
        .final_url = res->final_url ? res->final_url : res->url,
        .path = res->path,
        .outcome = report_outcome_name(res->outcome),
        .http_status = res->http_status,
        .bytes = res->bytes,
        .attempts = res->attempts,
        .elapsed_ms = (double)res->elapsed_us / 1000.0,
        .error = res->outcome == RF_OK ? NULL : msg,
        .proxy = res->proxy,
    };
    log_entry(r, &e);
    if (res->outcome != RF_CANCELLED)
        runview_item(&r->view, res->outcome == RF_OK ? '.' : '!', r->stats);
}

/* ---- the run ------------------------------------------------------------------------- */

/* The progress display the options and the terminal call for. */
static void choose_display(const struct ringfetch_args *a, bool *bar, bool *dots)
{
    bool tty = progress_is_terminal(stderr);
    enum dlopts_progress p = a->dl.progress;
    *bar = *dots = false;
    if (a->verbosity != RINGFETCH_NORMAL || p == DLOPTS_PROGRESS_NONE)
        return;
    *bar = p == DLOPTS_PROGRESS_BAR_FORCE ||
           (tty && (p == DLOPTS_PROGRESS_AUTO || p == DLOPTS_PROGRESS_BAR));
    *dots = p == DLOPTS_PROGRESS_DOT || (!tty && p == DLOPTS_PROGRESS_BAR);
}

/* What the run needs besides the engine, set up before any request: the
 * folders' descriptor, the log, the password. Returns 0 or an exit status. */
static int prepare(struct run *r, struct ringfetch_args *a)
{
    if (!a->discard) {
        int rc = destdirs_open(&r->dirs, a->outdir);
        if (rc < 0) {
            fprintf(stderr, "ringfetch: cannot open folder %s: %s\n", a->outdir, strerror(-rc));
            return RUNOPTS_EXIT_USAGE;
        }
    }
    if (a->dl.log_json) {
        int rc = resultlog_open(&r->log, a->dl.log_json);
        if (rc < 0) {
            fprintf(stderr, "ringfetch: cannot write log %s: %s\n", a->dl.log_json, strerror(-rc));
            return RUNOPTS_EXIT_USAGE;
        }
    }
    if (dlopts_ask_password(&a->dl, "ringfetch") < 0)
        return RUNOPTS_EXIT_USAGE;
    return 0;
}

int ringfetch_run(struct ringfetch_args *a, volatile sig_atomic_t *stop)
{
    static struct run r;   /* path buffers, the list's and the log's buffers: off the stack */
    struct rf_options opt;
    struct rf_stats stats;
    size_t bad;
    int rc, status;

    memset(&r, 0, sizeof r);
    r.a = a;
    r.dl = &a->dl;
    r.dirs.root = r.dirs.last_fd = r.log.fd = -1;
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
    /* Opened after the window is fitted: the output folder (and with -x the
     * subfolder in use, two while destdirs_make walks down to it), the
     * result log, the trace. */
    unsigned later = (!a->discard) + 2u * (!a->discard && a->dl.force_dirs) + (a->dl.log_json != NULL) +
                     (a->io.trace != NULL);
    unsigned window = runopts_window("ringfetch", a->window, later, a->verbosity == RINGFETCH_QUIET);
    if (window == 0) {
        status = RUNOPTS_EXIT_USAGE;
        goto close_lists;
    }
    status = a->discard ? 0 : runopts_dest("ringfetch", a->outdir);
    if (status == 0)
        status = prepare(&r, a);
    if (status != 0)
        goto close_all;
    urllist_init(&r.urls, a->urls, a->nurls, a->nlists > 0);
    if (a->nlists)
        urllist_stream(&r.urls, is_stream(lists_fd(&r.lists)));
    nameset_init(&r.names);
    r.naming = (struct outpath_opts){ .dir = a->discard ? NULL : a->outdir,
                                      .force_dirs = a->dl.force_dirs };
    for (size_t i = 0; i < a->nurls; i++)
        r.args_kept += shard_keeps(&a->dl.shard, a->urls[i], strlen(a->urls[i]));
    r.counter.shard = a->dl.shard;

    bool bar, dots;
    choose_display(a, &bar, &dots);
    runopts_init(&opt, window, stop, a->timeout_s, bar, runview_tick);
    runopts_read_timeout(&opt, a->read_timeout_s);
    tlsopts_apply(&a->tls, &opt, "ringfetch", stderr);
    if (ioopts_apply(&a->io, &opt, "ringfetch", stderr) < 0) {
        nameset_free(&r.names);
        status = RUNOPTS_EXIT_USAGE;
        goto close_all;
    }
    opt.rate_per_host = a->rate;
    opt.resume = a->resume;
    opt.dest_dir = a->discard ? NULL : a->outdir; /* (outpath_make's DIR) */
    opt.dns_servers = a->dns_servers;
    opt.http_proxy = popt.http_proxy;
    opt.https_proxy = popt.https_proxy;
    opt.no_proxy = popt.no_proxy;
    opt.resolve = a->resolve;
    opt.nresolve = (unsigned)a->nresolve;
    dlopts_apply(&a->dl, &opt);
    if (a->nlists) {
        r.inputs[INPUT_LIST] = (struct rf_input){ .fd = lists_fd(&r.lists), .on_data = on_list_data };
        r.ninputs = 1;
        if ((bar || dots) && lists_count_fd(&r.lists) >= 0) {
            r.inputs[INPUT_COUNT] = (struct rf_input){ .fd = lists_count_fd(&r.lists),
                                                       .on_data = on_count_data };
            r.ninputs = 2;
        }
        opt.inputs = r.inputs;
        opt.ninputs = r.ninputs;
    }

    double t0 = progress_now();
    /* With a list the total is unknown until its end: the bar counts up. */
    runview_start(&r.view, bar, true, a->nlists ? 0 : r.args_kept, t0);
    if (dots)
        runview_use_dots(&r.view);
    memset(&stats, 0, sizeof stats);
    r.stats = &stats;
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    double t1 = progress_now();
    ioopts_end(&a->io, &opt, &stats, "ringfetch", stderr);
    runview_finish(&r.view, &stats, t1);
    closeout_flush();
    dlopts_wipe(&a->dl);

    bool interrupted = sigstop_stopped(rc, stop);
    if (rc < 0 && !interrupted) {
        if (r.list_errno)
            fprintf(stderr, "ringfetch: reading list %s failed: %s\n", lists_name(&r.lists),
                    strerror(r.list_errno));
        else
            fprintf(stderr, "ringfetch: %s failed: %s\n", stats.failed ? stats.failed : "the fetch engine",
                    strerror(-rc));
    }
    int log_err = resultlog_close(&r.log);
    if (log_err && !r.log_reported)
        fprintf(stderr, "ringfetch: writing the log %s failed: %s\n", a->dl.log_json,
                strerror(-log_err));
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
        status = rc < 0 || r.view.counts.errors || r.view.counts.not_found || log_err ? 1 : 0;
close_all:
    resultlog_close(&r.log);
    destdirs_close(&r.dirs);
close_lists:
    lists_close(&r.lists);
    return status;
}
