/* The engine: pulls jobs while the window has room, hands each to a
 * connection of its origin, streams bodies into file sinks, and reports
 * one result per job. This file is glue; the pieces are ring (io_uring),
 * pool (origins), conn (a connection's life), sink (a file) and the http
 * layer (url, request, response). */
#include "ringfetch/engine.h"

#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/conn.h"
#include "engine/ops.h"
#include "engine/pool.h"
#include "engine/ring.h"
#include "engine/sink.h"
#include "http/request.h"
#include "ringfetch/url.h"
#include "engine/tunables.h"

enum xfer_state { X_FREE, X_WAIT, X_ACTIVE, X_FINISH };

/* One job in flight: from the pull to its result. */
struct xfer {
    enum xfer_state state;
    uint32_t gen, idx;
    struct engine *eng;
    char *url, *path;        /* owned copies */
    void *user;
    struct url u;
    struct origin *origin;
    struct conn *conn;       /* while ACTIVE */
    struct sink sink;
    bool has_sink;
    bool retried;
    size_t body_max;         /* keep the body in memory up to this size (no path) */
    char *body;              /* that body, NUL-terminated (owned) */
    size_t body_len;
    int status;
    int err;
    const char *detail;
    uint64_t bytes;
    uint64_t start_ns, deadline_ns;
    uint64_t last_rx_ns;     /* last time the server sent anything (or the job got its connection) */
    struct xfer *prev, *next; /* wait queue, or free list (next only) */
};

struct engine {
    const struct rf_options *opt;
    rf_next_job_fn next_job;
    rf_result_fn on_result;
    void *ctx;
    struct rf_stats *st;
    struct ring ring;
    struct pool pool;
    struct conn_set cs;
    struct xfer *xfers;
    unsigned window;         /* most requests in flight (X_WAIT + X_ACTIVE) */
    unsigned nslots;         /* transfer slots: the window, plus as many finishing their file */
    unsigned active;         /* slots in use */
    unsigned requests;       /* of those, requests in flight: never above window */
    uint64_t now;            /* loop time, refreshed after every wait */
    uint64_t idle_ns;        /* idle timeout, 0 = none */
    struct xfer *free_x;
    struct xfer wait;        /* wait-queue head (circular) */
    bool exhausted, stopping;
    int fatal;               /* next_job's error, reported at the end */
    char ua[64];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rf_options_default(struct rf_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->window = RF_DEFAULT_WINDOW;
    opt->connect_timeout_ms = RF_CONNECT_TIMEOUT_MS;
    opt->idle_timeout_ms = RF_IDLE_TIMEOUT_MS;
    opt->request_timeout_ms = RF_REQUEST_TIMEOUT_MS;
    opt->tick_ms = RF_TICK_MS;
}

/* Every state change goes through here, so the two counts stay true. A job
 * counts against the window while its request is in flight (WAIT, ACTIVE);
 * once the response is in, its file can finish (FINISH) while the window
 * already carries the next request: at -m 1 the disk work of one file
 * overlaps the network round trip of the next. */
static void xfer_set_state(struct xfer *x, enum xfer_state to)
{
    struct engine *e = x->eng;
    bool was_req = x->state == X_WAIT || x->state == X_ACTIVE;
    bool is_req = to == X_WAIT || to == X_ACTIVE;
    if (x->state == X_FREE && to != X_FREE)
        e->active++;
    if (to == X_FREE && x->state != X_FREE)
        e->active--;
    e->requests += (unsigned)is_req - (unsigned)was_req;
    if (e->requests > e->st->peak_inflight)
        e->st->peak_inflight = e->requests;
    x->state = to;
}

/* ---- results ---------------------------------------------------------- */

/* A body worth saving. 206 is a 2xx, but we never send Range: a partial body
 * saved under the final name would be exactly the truncated file we promise
 * never to leave. */
static bool status_is_success(int status)
{
    return status >= 200 && status <= 299 && status != 206;
}

static void xfer_wait_append(struct xfer *x)
{
    struct xfer *head = &x->eng->wait;
    x->prev = head->prev;
    x->next = head;
    head->prev->next = x;
    head->prev = x;
}

static void xfer_wait_remove(struct xfer *x)
{
    if (!x->prev)
        return;
    x->prev->next = x->next;
    x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

static void xfer_deliver(struct xfer *x, enum rf_outcome outcome)
{
    struct engine *e = x->eng;
    struct rf_stats *st = e->st;
    struct rf_result res = {
        .user = x->user,
        .url = x->url,
        .path = x->path,
        .outcome = outcome,
        .err = outcome == RF_OK ? 0 : x->err,
        .http_status = x->status,
        .bytes = x->bytes,
        .detail = x->detail,
        .host = x->u.host[0] ? x->u.host : NULL,
        .elapsed_us = (now_ns() - x->start_ns) / 1000,
        .body = x->body,
        .body_len = x->body_len,
    };
    if (outcome == RF_NOT_FOUND && !res.err)
        res.err = RF_E_HTTP_STATUS;
    st->jobs++;
    st->bytes += x->bytes;
    switch (outcome) {
    case RF_OK: st->ok++; break;
    case RF_NOT_FOUND: st->not_found++; break;
    case RF_ERROR: st->errors++; break;
    case RF_CANCELLED: st->cancelled++; break;
    }
    e->on_result(e->ctx, &res);

    xfer_wait_remove(x);
    sink_free(&x->sink);
    free(x->url);
    free(x->path);
    free(x->body);
    x->url = x->path = x->body = NULL;
    xfer_set_state(x, X_FREE);
    x->gen = (x->gen + 1) & OPS_GEN_MASK;
    x->next = e->free_x;
    e->free_x = x;
}

/* The outcome, once nothing of the job is in flight any more (state FINISH;
 * until its file is done, a later file completion calls this again). */
static void xfer_conclude(struct xfer *x)
{
    if (x->has_sink && x->sink.state != SINK_DONE)
        return;
    if (x->eng->stopping && x->err == -ECANCELED) {
        xfer_deliver(x, RF_CANCELLED);
        return;
    }
    /* A final status decides the class, whatever happened to the body after it. */
    if (x->status == 404) {
        xfer_deliver(x, RF_NOT_FOUND);
    } else if (x->status && !status_is_success(x->status)) {
        x->err = RF_E_HTTP_STATUS;
        xfer_deliver(x, RF_ERROR);
    } else if (x->err || (x->has_sink && x->sink.err)) {
        if (!x->err)
            x->err = x->sink.err;
        xfer_deliver(x, RF_ERROR);
    } else {
        xfer_deliver(x, RF_OK);
    }
}

/* End the job with err (0 = response complete): finish its file, then conclude. */
static void xfer_end(struct xfer *x, int err)
{
    if (err && !x->err)
        x->err = err;
    if (x->conn) {
        conn_abort(&x->eng->cs, x->conn);
        x->conn = NULL;
    }
    xfer_wait_remove(x);
    xfer_set_state(x, X_FINISH);
    if (x->has_sink)
        sink_finish(&x->sink, &x->eng->ring, x->err == 0);
    xfer_conclude(x);
}

/* ---- connection callbacks ---------------------------------------------- */

static int xfer_on_headers(void *job, const struct resp *r)
{
    struct xfer *x = job;
    x->status = r->status;
    if (!status_is_success(r->status)) {
        /* The body of an error is read only to keep the connection; a big
         * one is not worth it. */
        if (r->has_content_length && r->content_length > RF_MAX_DISCARD_BODY_BYTES)
            return RF_E_HTTP_STATUS;
        return 0;
    }
    if (!x->path)
        return 0;
    int ret = sink_open(&x->sink, &x->eng->ring, x->path, ops_ud(OP_NONE, x->gen, x->idx));
    if (ret < 0)
        return ret;
    x->has_sink = true;
    return 0;
}

/* A small body the front end wants in memory (metadata, not files). */
static int xfer_keep_body(struct xfer *x, const char *at, size_t len)
{
    if (len > x->body_max - x->body_len)
        return RF_E_TOO_LARGE;
    char *b = realloc(x->body, x->body_len + len + 1);
    if (!b)
        return -ENOMEM;
    memcpy(b + x->body_len, at, len);
    x->body = b;
    x->body_len += len;
    b[x->body_len] = '\0';
    return 0;
}

static int xfer_on_body(void *job, unsigned bid, const char *at, size_t len)
{
    struct xfer *x = job;
    x->bytes += len;
    x->eng->st->rx_body_bytes += len;
    if (x->has_sink)
        return sink_add(&x->sink, &x->eng->ring, bid, at, len);
    if (x->status && !status_is_success(x->status)) {
        if (x->bytes > RF_MAX_DISCARD_BODY_BYTES)
            return RF_E_HTTP_STATUS;
        return 0;
    }
    if (x->body_max)
        return xfer_keep_body(x, at, len);
    return 0;
}

static void xfer_on_buffer_end(void *job)
{
    struct xfer *x = job;
    x->last_rx_ns = x->eng->now;
    if (x->has_sink)
        sink_flush(&x->sink, &x->eng->ring);
}

static void xfer_on_end(void *job, int err, const char *detail, bool retry)
{
    struct xfer *x = job;
    if (detail && !x->detail)
        x->detail = detail;
    struct engine *e = x->eng;
    x->conn = NULL;
    if (retry && !x->retried && !x->has_sink && !e->stopping) {
        /* The server had closed the kept-alive connection: send again on a new one. */
        x->retried = true;
        x->status = 0;
        x->bytes = 0;
        free(x->body);
        x->body = NULL;
        x->body_len = 0;
        xfer_set_state(x, X_WAIT);
        xfer_wait_append(x);
        return;
    }
    xfer_end(x, err);
}

static const struct conn_events xfer_conn_events = {
    .on_headers = xfer_on_headers,
    .on_body = xfer_on_body,
    .on_buffer_end = xfer_on_buffer_end,
    .on_end = xfer_on_end,
};

/* ---- starting jobs ----------------------------------------------------- */

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Take a job from the front end into a free transfer slot. */
static void engine_start_job(struct engine *e, const struct rf_job *job)
{
    uint64_t now = e->now;
    struct xfer *x = e->free_x;
    e->free_x = x->next;
    uint32_t gen = x->gen, idx = x->idx;
    memset(x, 0, sizeof *x);
    x->gen = gen;
    x->idx = idx;
    x->eng = e;
    x->state = X_FREE;
    xfer_set_state(x, X_WAIT);
    x->user = job->user;
    x->body_max = job->path ? 0 : job->body_max;
    x->start_ns = now;
    x->deadline_ns = e->opt->request_timeout_ms ? now + (uint64_t)e->opt->request_timeout_ms * 1000000u
                                                : UINT64_MAX;

    x->url = dupstr(job->url ? job->url : "");
    x->path = job->path ? dupstr(job->path) : NULL;
    if (!x->url || (job->path && !x->path)) {
        xfer_end(x, -ENOMEM);
        return;
    }
    if (strlen(x->url) >= RF_URL_MAX_BYTES || url_parse(x->url, &x->u) < 0) {
        xfer_end(x, RF_E_BAD_URL);
        return;
    }
    int ret = pool_origin(&e->pool, &x->u, &x->origin);
    if (ret < 0) {
        xfer_end(x, ret);
        return;
    }
    if (x->origin->gai_err) {
        x->detail = gai_strerror(x->origin->gai_err);
        xfer_end(x, RF_E_RESOLVE);
        return;
    }
    xfer_wait_append(x);
}

/* Give waiting jobs a connection: an idle one to their origin (not for a
 * retry, which failed on one), else a new one. */
static void engine_assign(struct engine *e)
{
    while (e->wait.next != &e->wait) {
        struct xfer *x = e->wait.next;
        char reqbuf[RF_REQUEST_BUF_BYTES];
        int len = request_build(reqbuf, sizeof reqbuf, &x->u, e->ua);
        char *req = len > 0 ? malloc((size_t)len) : NULL;
        if (!req) {
            xfer_wait_remove(x);
            xfer_end(x, len < 0 ? RF_E_BAD_URL : -ENOMEM);
            continue;
        }
        memcpy(req, reqbuf, (size_t)len);
        struct conn *c = x->retried ? NULL : conn_take_idle(x->origin);
        if (!c && !(c = conn_alloc(&e->cs))) {
            /* Every slot is busy; an idle connection elsewhere can make room. */
            free(req);
            conn_evict_idle(&e->cs);
            return;
        }
        xfer_wait_remove(x);
        xfer_set_state(x, X_ACTIVE);
        x->conn = c;
        x->last_rx_ns = e->now;
        conn_start(&e->cs, c, x->origin, x, req, (size_t)len, e->now);
    }
}

/* ---- completions -------------------------------------------------------- */

static void engine_file_event(struct xfer *x, enum sink_event ev)
{
    if (ev == SINK_EV_FAILED && x->state == X_ACTIVE) {
        /* The disk said no (ENOSPC, EIO...): stop receiving this body. */
        xfer_end(x, x->sink.err);
        return;
    }
    if (ev == SINK_EV_DONE && x->state == X_FINISH)
        xfer_conclude(x);
}

static void engine_dispatch(struct engine *e, const struct ring_cqe *cqe)
{
    enum op_kind kind = ops_kind(cqe->ud);
    switch (kind) {
    case OP_SOCKET: case OP_CONNECT: case OP_SEND: case OP_RECV: case OP_CANCEL: case OP_CLOSE:
        conn_complete(&e->cs, cqe);
        return;
    case OP_FWRITE: {
        struct sink_wop *w = ops_ptr(cqe->ud);
        struct sink *s = sink_of_wop(w);
        struct xfer *x = (struct xfer *)((char *)s - offsetof(struct xfer, sink));
        engine_file_event(x, sink_complete(s, &e->ring, kind, cqe->res, w));
        return;
    }
    case OP_FOPEN: case OP_FCLOSE: case OP_FRENAME: case OP_FUNLINK: {
        uint32_t idx = ops_idx(cqe->ud);
        if (idx >= e->nslots)
            return;
        struct xfer *x = &e->xfers[idx];
        if (x->gen != ops_gen(cqe->ud) || x->state == X_FREE || !x->has_sink)
            return;
        engine_file_event(x, sink_complete(&x->sink, &e->ring, kind, cqe->res, NULL));
        return;
    }
    default:
        return;
    }
}

/* ---- deadlines and stopping ---------------------------------------------- */

static uint64_t engine_expire(struct engine *e, uint64_t now)
{
    uint64_t next = conn_expire(&e->cs, now);
    for (unsigned i = 0; i < e->nslots; i++) {
        struct xfer *x = &e->xfers[i];
        if (x->state != X_WAIT && x->state != X_ACTIVE)
            continue;
        uint64_t deadline = x->deadline_ns;
        if (x->state == X_ACTIVE && e->idle_ns && x->last_rx_ns + e->idle_ns < deadline)
            deadline = x->last_rx_ns + e->idle_ns;
        if (deadline <= now)
            xfer_end(x, RF_E_TIMEOUT);
        else if (deadline < next)
            next = deadline;
    }
    return next;
}

static void engine_stop_all(struct engine *e)
{
    e->stopping = true;
    for (unsigned i = 0; i < e->nslots; i++) {
        struct xfer *x = &e->xfers[i];
        if (x->state == X_WAIT || x->state == X_ACTIVE)
            xfer_end(x, -ECANCELED);
    }
}

/* ---- the loop ------------------------------------------------------------- */

static int engine_setup(struct engine *e)
{
    unsigned nbufs = e->window * RF_RECV_BUFS_PER_JOB;
    if (nbufs < RF_RECV_BUFS_MIN)
        nbufs = RF_RECV_BUFS_MIN;
    if (nbufs > RF_RECV_BUFS_MAX)
        nbufs = RF_RECV_BUFS_MAX;
    int ret = ring_init(&e->ring, e->window * RF_RING_OPS_PER_WINDOW, nbufs, RF_RECV_BUF_BYTES);
    if (ret < 0)
        return ret;
    ring_describe(&e->ring, e->st->features, sizeof e->st->features);
    pool_init(&e->pool);
    /* Twice the window: a slot stays taken while its close drains. */
    ret = conn_set_init(&e->cs, &e->ring, &xfer_conn_events, e->window * RF_CONNS_PER_WINDOW + RF_CONNS_SPARE, e->opt->connect_timeout_ms);
    if (ret < 0)
        return ret;
    e->nslots = RF_JOBS_PER_WINDOW * e->window;
    e->xfers = calloc(e->nslots, sizeof *e->xfers);
    if (!e->xfers)
        return -ENOMEM;
    for (unsigned i = e->nslots; i-- > 0;) {
        e->xfers[i].idx = i;
        e->xfers[i].next = e->free_x;
        e->free_x = &e->xfers[i];
    }
    e->wait.next = e->wait.prev = &e->wait;
    return 0;
}

static void engine_reap(struct engine *e)
{
    struct ring_cqe batch[RF_REAP_BATCH];
    unsigned n;
    /* Take the whole batch off the CQ first, then dispatch: handlers submit
     * new SQEs, and each re-checks its slot's state since an earlier
     * completion in the same batch may have closed it. */
    while ((n = ring_reap(&e->ring, batch, RF_REAP_BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++)
            engine_dispatch(e, &batch[i]);
        if (n < RF_REAP_BATCH)
            break;
    }
    conn_feed_starved(&e->cs);
}

static void engine_copy_counters(struct engine *e)
{
    e->st->enters = e->ring.enters;
    e->st->sqes = e->ring.sqes;
    e->st->cqes = e->ring.cqes;
    e->st->enobufs = e->cs.enobufs;
    e->st->connects = e->cs.connects;
    e->st->reused = e->cs.reused;
}

int rf_engine_run(const struct rf_options *opt, rf_next_job_fn next_job,
                  rf_result_fn on_result, void *ctx, struct rf_stats *stats)
{
    struct engine eng, *e = &eng;
    memset(e, 0, sizeof *e);
    memset(stats, 0, sizeof *stats);
    e->opt = opt;
    e->next_job = next_job;
    e->on_result = on_result;
    e->ctx = ctx;
    e->st = stats;
    e->window = rf_window_fit(opt->window);
    stats->window = e->window;
    snprintf(e->ua, sizeof e->ua, "%s", opt->user_agent ? opt->user_agent : "ringfetch/" RF_VERSION);

    int ret = engine_setup(e);
    if (ret < 0)
        goto out;

    uint64_t tick_ns = (uint64_t)opt->tick_ms * 1000000u;
    uint64_t next_tick = now_ns() + tick_ns;
    e->idle_ns = (uint64_t)opt->idle_timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = e->now = now_ns();
        if (opt->stop && *opt->stop && !e->stopping)
            engine_stop_all(e);
        while (!e->stopping && !e->exhausted && e->free_x && e->requests < e->window) {
            struct rf_job job = { 0 };
            int r = next_job(ctx, &job);
            if (r == RF_JOB_READY) {
                engine_start_job(e, &job);
                continue;
            }
            if (r == RF_JOB_LATER && e->active > 0)
                break; /* asked again next time round, after results came in */
            e->exhausted = true;
            if (r < 0) {
                e->fatal = r;
                engine_stop_all(e);
            }
            break;
        }
        engine_assign(e);
        if (e->active == 0 && (e->exhausted || e->stopping))
            break;

        uint64_t next = engine_expire(e, now);
        if (opt->tick && tick_ns) {
            if (now >= next_tick) {
                engine_copy_counters(e);
                opt->tick(ctx, stats);
                next_tick = now + tick_ns;
            }
            if (next_tick < next)
                next = next_tick;
        }
        /* Never sleep for ever: a second at most, so a missed wake-up costs little. */
        int64_t timeout = 1000000000;
        if (next != UINT64_MAX)
            timeout = next > now ? (int64_t)(next - now) : 0;
        if (timeout > 1000000000)
            timeout = 1000000000;
        /* With many jobs in flight, wait for a batch of completions (for at
         * most RF_BATCH_WAIT_US) instead of the first one: one enter then
         * serves many jobs. With few, the first completion wakes us. */
        unsigned wait_nr = e->requests / RF_BATCH_JOBS_PER_CQE;
        if (wait_nr > RF_BATCH_MAX_CQES)
            wait_nr = RF_BATCH_MAX_CQES;
        if (wait_nr > 1 && timeout > (int64_t)RF_BATCH_WAIT_US * 1000)
            timeout = (int64_t)RF_BATCH_WAIT_US * 1000;
        ret = ring_wait(&e->ring, wait_nr ? wait_nr : 1, timeout);
        if (ret < 0 && ret != -ETIME && ret != -EINTR)
            goto out;
        e->now = now_ns();
        engine_reap(e);
    }

    /* Close idle connections and let every close complete before the ring goes. */
    conn_close_idle(&e->cs);
    for (int spins = 0; e->cs.active > 0 && spins < 1000; spins++) {
        ring_wait(&e->ring, 1, 10000000);
        engine_reap(e);
    }
    ret = e->fatal ? e->fatal : e->stopping ? -EINTR : 0;
out:
    engine_copy_counters(e);
    if (ring_cq_overflowed(&e->ring))
        fprintf(stderr, "ringfetch: internal: CQ overflowed (ring too small)\n");
    conn_set_free(&e->cs);
    pool_free(&e->pool);
    free(e->xfers);
    ring_exit(&e->ring);
    return ret;
}
