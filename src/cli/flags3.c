/* flags3 over the engine. See flags3.h.
 *
 * Chaining: a code's flag can only be asked for once its metadata is in.
 * next_job hands out waiting flags before new codes; when every code has
 * started and no flag is waiting yet but metadata is still in flight, it
 * answers RF_JOB_LATER, and the engine asks again after the next result. */
#include "cli/flags3.h"
#include "cli/flags2.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/closeout.h"
#include "cli/flagmeta.h"
#include "cli/outpath.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/runopts.h"
#include "cli/runview.h"
#include "cli/sigstop.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"
#include "cli/cli_tunables.h"

#define MESSAGE_BYTES (RF_PATH_MAX_BYTES + 512)   /* a message may name a whole output path */
#define QUOTE_BYTES 120   /* a country name shown in a message is cut past this */

enum stage { STAGE_METADATA, STAGE_FLAG };

/* One code from its metadata request to its flag's result. */
struct item {
    const char *cc;                      /* upper case; lives in *a for the run */
    enum stage stage;
    char name[FLAGMETA_NAME_MAX + 1];    /* the flag's file name, once known */
    struct item *next_free;
};

struct run {
    struct runview view;                 /* first: the engine's ctx is read as it (runview.h) */
    const struct flags2_args *a;
    size_t next_code;                    /* index of the next code to start */
    /* A code holds an item from its metadata request to its flag's result:
     * held by the engine or waiting in `ready`. Both together never exceed
     * the engine's job slots, RF_JOBS_PER_WINDOW * window (a metadata result
     * frees its slot as its item enters `ready`), so that many items are
     * enough and memory is O(window). */
    struct item *items, *free_items;
    struct item **ready;                 /* ring buffer: metadata done, flag not started */
    size_t ready_cap, ready_head, ready_count;
    size_t meta_inflight;                /* metadata requests handed out, result not in */
    char url[RF_URL_MAX_BYTES];          /* the engine copies both before the next call */
    char path[RF_PATH_MAX_BYTES];
};

static void lower2(char out[3], const char *cc)
{
    out[0] = (char)(cc[0] - 'A' + 'a');
    out[1] = (char)(cc[1] - 'A' + 'a');
    out[2] = '\0';
}

/* Flags first: a code whose metadata is in gets its flag before a new code
 * starts, so the codes in progress never exceed the engine's job slots. */
static int next_job(void *ctx, struct rf_job *job)
{
    struct run *r = ctx;
    char lower[3];
    struct item *it;

    if (r->ready_count) {
        it = r->ready[r->ready_head];
        r->ready_head = (r->ready_head + 1) % r->ready_cap;
        r->ready_count--;
        lower2(lower, it->cc);
        /* Both fit: the URL's length was checked with the arguments, the
         * path's when the name was made. */
        snprintf(r->url, sizeof r->url, "%s/%s/%s.gif", r->a->base_url, lower, lower);
        snprintf(r->path, sizeof r->path, "%s/%s", r->a->dest, it->name);
        it->stage = STAGE_FLAG;
        job->url = r->url;
        job->path = r->path;
        job->user = it;
        return RF_JOB_READY;
    }
    if (r->next_code >= r->a->codes.n)
        return r->meta_inflight ? RF_JOB_LATER : RF_JOB_NONE;
    it = r->free_items;
    if (!it)
        return -ENOBUFS;   /* cannot happen: see struct run */
    r->free_items = it->next_free;
    it->cc = r->a->codes.cc[r->next_code++];
    it->stage = STAGE_METADATA;
    it->name[0] = '\0';
    r->meta_inflight++;
    lower2(lower, it->cc);
    snprintf(r->url, sizeof r->url, "%s/%s/metadata.json", r->a->base_url, lower);
    job->url = r->url;
    job->path = NULL;
    job->body_max = RF_FLAGS3_METADATA_MAX_BYTES;
    job->user = it;
    return RF_JOB_READY;
}

/* The item's chain is over: count it once, say so with -v, free it. */
static void settle(struct run *r, struct item *it, enum rf_outcome outcome, uint64_t bytes,
                   const char *msg)
{
    report_count(&r->view.counts, outcome, bytes);
    if (r->a->verbose) {
        report_flags2_item(stdout, it->cc, outcome, msg);
        closeout_poll();
    }
    it->next_free = r->free_items;
    r->free_items = it;
}

/* The flag's file name from a metadata body, or a message saying why not. */
static int name_from_metadata(struct run *r, struct item *it, const struct rf_result *res,
                              char *msg, size_t size)
{
    char country[FLAGMETA_NAME_MAX + 1], q[QUOTE_BYTES];
    size_t len = 0;
    int n = flagmeta_country(res->body, res->body_len, country, sizeof country, &len);
    switch (n) {
    case 0: break;
    case -ENOENT: snprintf(msg, size, "metadata: no \"country\""); return n;
    case -EINVAL: snprintf(msg, size, "metadata: \"country\" is not a string"); return n;
    case -ENAMETOOLONG:
        snprintf(msg, size, "metadata: country name too long for a file name");
        return n;
    case -ENOMEM: snprintf(msg, size, "metadata: out of memory"); return n;
    default: snprintf(msg, size, "metadata: invalid JSON"); return n;
    }
    n = flagmeta_file_name(country, len, it->cc, it->name, sizeof it->name);
    if (n < 0) {
        outpath_quote(q, sizeof q, country, len);
        const char *why = n == -ENODATA ? "empty"
                          : n == -EILSEQ ? "not valid UTF-8"
                          : n == -EINVAL ? "not a safe file name ('/', '\\', control "
                                           "character, '.' or '..')"
                                         : "too long for a file name";
        snprintf(msg, size, "metadata: country name '%s' is %s", q, why);
        return n;
    }
    if (strlen(r->a->dest) + 1 + (size_t)n >= sizeof r->path) {
        snprintf(msg, size, "output path too long for '%s'", outpath_quote(q, sizeof q, it->name, strlen(it->name)));
        return -ENAMETOOLONG;
    }
    return 0;
}

static void on_result(void *ctx, const struct rf_result *res)
{
    struct run *r = ctx;
    struct item *it = res->user;
    char msg[MESSAGE_BYTES] = "", why[MESSAGE_BYTES / 2];

    if (it->stage == STAGE_METADATA) {
        r->meta_inflight--;
        if (res->outcome == RF_OK) {
            if (name_from_metadata(r, it, res, msg, sizeof msg) < 0) {
                settle(r, it, RF_ERROR, 0, msg);
                return;
            }
            /* Not counted yet: the flag is the rest of this item. */
            r->ready[(r->ready_head + r->ready_count) % r->ready_cap] = it;
            r->ready_count++;
            return;
        }
        if (res->outcome == RF_ERROR && res->err == RF_E_TOO_LARGE && res->http_status)
            snprintf(msg, sizeof msg, "metadata: larger than %d bytes",
                     RF_FLAGS3_METADATA_MAX_BYTES);
        else if (res->outcome == RF_ERROR)
            snprintf(msg, sizeof msg, "metadata: %s", rf_result_message(res, why, sizeof why));
        settle(r, it, res->outcome, 0, msg);
        return;
    }
    if (res->outcome == RF_ERROR)
        rf_result_message(res, msg, sizeof msg);
    settle(r, it, res->outcome, res->bytes, msg);
}

static int run_alloc(struct run *r, unsigned window)
{
    r->items = calloc(window, sizeof *r->items);
    r->ready = calloc(window, sizeof *r->ready);
    if (!r->items || !r->ready)
        return -ENOMEM;
    r->ready_cap = window;
    for (unsigned i = window; i-- > 0;) {
        r->items[i].next_free = r->free_items;
        r->free_items = &r->items[i];
    }
    return 0;
}

int flags3_run(const struct flags2_args *a, volatile sig_atomic_t *stop)
{
    static struct run r;   /* two URL/path-sized buffers: off the stack */
    struct rf_options opt;
    struct rf_stats stats;
    int rc;

    memset(&r, 0, sizeof r);
    r.a = a;
    unsigned conns = runopts_window("flags2", flags2_connections(a->max_req, a->codes.n),
                                    a->io.trace != NULL, false);
    if (conns == 0)
        return RUNOPTS_EXIT_USAGE;
    rc = runopts_dest("flags2", a->dest);
    if (rc != 0)
        return rc;
    /* The engine holds up to RF_JOBS_PER_WINDOW jobs per unit of window. */
    if (run_alloc(&r, RF_JOBS_PER_WINDOW * conns) < 0) {
        fprintf(stderr, "flags2: out of memory\n");
        rc = 1;
        goto out;
    }
    report_flags2_header(stdout, a->label, a->base_url, &a->codes, conns);
    closeout_flush();   /* the bar goes to stderr: the header must be out before it */

    bool bar = !a->verbose && progress_is_terminal(stderr);
    runopts_init(&opt, conns, stop, a->timeout_s, bar, runview_tick);
    opt.dest_dir = a->dest;
    tlsopts_apply(&a->tls, &opt, "flags2", stderr);
    if (ioopts_apply(&a->io, &opt, "flags2", stderr) < 0) {
        rc = 2;
        goto out;
    }

    double t0 = progress_now();
    runview_start(&r.view, bar, false, a->codes.n, t0);
    memset(&stats, 0, sizeof stats);
    rc = rf_engine_run(&opt, next_job, on_result, &r, &stats);
    ioopts_end(&a->io, &opt, &stats, "flags2", stderr);
    bool interrupted = sigstop_stopped(rc, stop);
    /* Flags the engine never got to start: cancelled with Ctrl-C, errors when
     * the engine failed. Every code is still counted once. */
    while (r.ready_count) {
        struct item *it = r.ready[r.ready_head];
        r.ready_head = (r.ready_head + 1) % r.ready_cap;
        r.ready_count--;
        settle(&r, it, interrupted ? RF_CANCELLED : RF_ERROR, 0,
               "flag not fetched: the engine stopped");
    }
    double t1 = progress_now();
    runview_finish(&r.view, &stats, t1);
    closeout_flush();

    rc = flags2_finish(a, &r.view.counts, rc, t1 - t0, stop, &stats);
out:
    free(r.items);
    free(r.ready);
    return rc;
}
