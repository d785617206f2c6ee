/* The engine: pulls jobs while the window has room, puts each job's
 * exchange on a connection of its origin, hands the response's body to a
 * consumer, asks the policy what to do when the exchange ends, and reports
 * one result per job. The pieces: io/ (backend, timers), transport and
 * conn (connections), exchange (HTTP), sink and body (where bodies go),
 * policy (what next), pool (origins), input (the front end's list). */
#include "ringfetch/engine.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/job.h"
#include "engine/opkind.h"
#include "engine/tunables.h"
#include "http/request.h"
#include "io/be_trace.h"
#include "io/ud.h"
#include "util/mix64.h"

#define XFER_OF(ptr, member) ((struct xfer *)((char *)(ptr) - offsetof(struct xfer, member)))

bool rf_resolve_entry_ok(const char *entry)
{
    return resolve_override_check(entry) == 0;
}

uint64_t rf_now_ns(void)
{
    return tmr_now_ns();
}

int rf_backend_from_name(const char *name)
{
    if (strcmp(name, "uring") == 0)
        return RF_BACKEND_URING;
    if (strcmp(name, "epoll") == 0)
        return RF_BACKEND_EPOLL;
    return -EINVAL;
}

const char *rf_backend_name(enum rf_backend b)
{
    return b == RF_BACKEND_EPOLL ? "epoll" : "uring";
}

void rf_options_default(struct rf_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->window = RF_DEFAULT_WINDOW;
    opt->connect_timeout_ms = RF_CONNECT_TIMEOUT_MS;
    opt->idle_timeout_ms = RF_IDLE_TIMEOUT_MS;
    opt->request_timeout_ms = RF_REQUEST_TIMEOUT_MS;
    opt->tick_ms = RF_TICK_MS;
    opt->retry_delay_ms = RF_RETRY_DELAY_MS;
    opt->retry_max_delay_ms = RF_RETRY_MAX_DELAY_MS;
    opt->batch_wait_us = RF_BATCH_WAIT_US;
}

/* Every state change goes through here, so the counts stay true. A job
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
    /* Retries waiting, live, for progress displays. */
    e->st->retries_waiting += (uint64_t)(to == X_SLEEP) - (uint64_t)(x->state == X_SLEEP);
    x->state = to;
}

#define ORIGIN_OF(ptr) ((struct origin *)((char *)(ptr) - offsetof(struct origin, ready_link)))

/* o has jobs waiting and may be able to start one: give it a turn. */
static void engine_ready(struct engine *e, struct origin *o)
{
    if (o->nwaiting && o->state == ORIGIN_SETTLED && !pool_linked(&o->ready_link))
        pool_push_back(&e->ready, &o->ready_link);
}

/* conn.c: a connection to o went idle, gained room or closed. */
static void engine_on_capacity(void *ctx, struct origin *o)
{
    engine_ready(ctx, o);
}

static void xfer_wait_append(struct xfer *x)
{
    pool_push_back(&x->origin->waiting, &x->wait_link);
    x->origin->nwaiting++;
    engine_ready(x->eng, x->origin);
}

static void xfer_wait_remove(struct xfer *x)
{
    if (!pool_linked(&x->wait_link))
        return;
    pool_unlink(&x->wait_link);
    x->origin->nwaiting--;
}

/* The part a resumed job writes into: NAME.part, or, when that would be
 * longer than a name may be, a name made from NAME's hash. */
static char *xfer_part_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir = (size_t)(base - path), n = strlen(path);
    char *p = malloc(n + 32);
    if (!p)
        return NULL;
    if (strlen(base) + sizeof ".part" - 1 <= URL_NAME_MAX)
        snprintf(p, n + 32, "%s.part", path);
    else
        snprintf(p, n + 32, "%.*s.rf-%016llx.part", (int)dir, path,
                 (unsigned long long)policy_url_hash(base));
    return p;
}

static void engine_file_event(struct xfer *x, enum sink_event ev);
static void xfer_direct_release(struct xfer *x);
static void xfer_deliver_verdict(struct xfer *x);

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Into its origin's queue; with -c (resume), its part is prepared first
 * (opened, sized, its validator read): the request then asks for the rest. */
static void xfer_enqueue(struct xfer *x)
{
    struct engine *e = x->eng;
    if (!e->opt->resume || !x->path || x->has_sink) {
        xfer_wait_append(x);
        return;
    }
    char *part = xfer_part_name(x->path);
    int ret = part ? sink_open_part(&x->sink, &e->sinks, x->path, part, x->restart_full, ud_pack(0, x->gen, x->idx))
                   : -ENOMEM;
    free(part);
    if (ret < 0) {
        x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR, .err = ret };
        xfer_set_state(x, X_FINISH);
        xfer_deliver_verdict(x);
        return;
    }
    x->has_sink = true;
    x->prepping = true;
}

/* ---- results ------------------------------------------------------------- */

static void xfer_deliver(struct xfer *x, enum rf_outcome outcome, int err)
{
    struct engine *e = x->eng;
    struct rf_stats *st = e->st;
    struct rf_result res = {
        .user = x->user,
        .url = x->url,
        .path = x->path,
        .outcome = outcome,
        .err = outcome == RF_OK ? 0 : err,
        .http_status = x->status,
        .bytes = x->bytes,
        .detail = x->detail,
        .host = x->u.host[0] ? x->u.host : NULL,
        .elapsed_us = (tmr_now_ns() - x->start_ns) / 1000,
        .body = x->body,
        .body_len = x->body_len,
        .final_url = x->cur_url ? x->cur_url : x->url,
        .attempts = x->retries + 1,
        .redirects = x->redirects,
        .resumed_from = x->resumed_from,
        .proxy = x->origin && x->origin->proxy ? x->origin->proxy->name : NULL,
    };
    if (e->be) /* gone when the backend failed (engine_fail_all) */
        be_note(e->be, BE_NOTE_RESULT, x->idx, (uint32_t)x->status);
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
    tmr_cancel(&e->timers, &x->deadline_tmr);
    tmr_cancel(&e->timers, &x->idle_tmr);
    tmr_cancel(&e->timers, &x->retry_tmr);
    xchg_free(&x->xchg);
    xfer_direct_release(x);
    if (x->has_sink)
        sink_free(&x->sink);
    free(x->req);
    x->req = NULL;
    if (x->cur_url != x->url)
        free(x->cur_url);
    free(x->url);
    free(x->path);
    free(x->body);
    free(x->visited);
    free(x->follow_url);
    x->url = x->cur_url = x->path = x->body = x->follow_url = NULL;
    x->visited = NULL;
    xfer_set_state(x, X_FREE);
    x->gen = ud_gen_next(x->gen);
    x->next_free = e->free_x;
    e->free_x = x;
}

/* A new attempt of the same job (a retry, or a redirect's next URL): what
 * the last one found is forgotten. */
static void xfer_reset_attempt(struct xfer *x)
{
    x->ranged = false;
    x->status = 0;
    x->err = 0;
    x->detail = NULL;
    x->cons = NULL;
    x->bytes = 0;
    x->sends = 0;
    free(x->req);
    x->req = NULL;
    xfer_direct_release(x);
    if (x->has_sink)
        sink_free(&x->sink);
    x->has_sink = false;
    free(x->body);
    x->body = NULL;
    x->body_len = 0;
}

/* An https URL needs the TLS context: made once, for the first https job
 * (or redirect), so an http-only run never loads the trust store. 0, or
 * the error that made it fail (words in e->tls_why). */
static int engine_tls_ready(struct engine *e, const struct url *u)
{
    if (!u->tls)
        return 0;
    if (!e->tls_tried) {
        e->tls_tried = true;
        e->tls_err = tls_env_init(&e->tls, e->opt->tls_cafile, e->opt->tls_capath, e->opt->tls_insecure,
                                  e->tls_why, sizeof e->tls_why);
    }
    return e->tls_err;
}

/* The origin a request for u goes to (direct, or through the proxy
 * proxy_for chooses: pool.h), its name resolution started: a tunnel's is
 * its proxy's, resolved once for all of them. */
static int engine_origin(struct engine *e, const struct url *u, struct origin **out)
{
    int ret = pool_origin_via(&e->pool, u, proxy_for(&e->proxies, u), out);
    if (ret < 0)
        return ret;
    struct origin *r = pool_addr_origin(*out);
    if (r->state == ORIGIN_NEW)
        resolver_start(&e->resolver, r);
    pool_tunnel_sync(*out);
    return 0;
}

/* Point the job at a redirect's URL (x->follow_url, taken over): parse it,
 * find (or make) its origin, remember it for loop detection. Returns 0 or
 * an error for the job. */
static int xfer_follow(struct xfer *x)
{
    struct engine *e = x->eng;
    if (!x->visited) {
        x->visited = calloc(e->policy.max_redirects + 1, sizeof *x->visited);
        if (!x->visited)
            return -ENOMEM;
        x->visited[0] = policy_url_hash(x->url);
    }
    char *copy = x->follow_url;
    x->follow_url = NULL;
    if (x->cur_url != x->url)
        free(x->cur_url);
    x->cur_url = copy;
    x->redirects++;
    e->st->redirects++;
    x->visited[x->redirects] = policy_url_hash(copy);
    memset(&x->u, 0, sizeof x->u);
    if (url_parse(x->cur_url, &x->u) < 0) {
        x->detail = "a Location that is not a usable URL";
        return RF_E_REDIRECT;
    }
    /* The user's credentials are for the origin they named (scheme, host,
     * port): a redirect elsewhere does not take them along, as curl since
     * 7.83. (Compared by URL: through a proxy, origins share one object.) */
    struct url home;
    x->foreign = url_parse(x->url, &home) < 0 || home.tls != x->u.tls || home.port != x->u.port ||
                 strcmp(home.host, x->u.host) != 0;
    int ret = engine_tls_ready(e, &x->u);
    if (ret < 0) {
        x->detail = e->tls_why;
        return ret;
    }
    ret = engine_origin(e, &x->u, &x->origin);
    if (ret < 0)
        return ret;
    if (x->origin->state == ORIGIN_SETTLED && x->origin->gai_err) {
        x->detail = x->origin->resolve_error;
        return RF_E_RESOLVE;
    }
    return 0;
}

static void xfer_deliver_verdict(struct xfer *x)
{
    enum rf_outcome outcome = x->verdict.outcome;
    int err = x->verdict.err;
    if (err == RF_E_HTTP_STATUS || err == RF_E_REDIRECT)
        x->detail = x->verdict.detail; /* the status says it; the parser's words would not */
    else if (x->verdict.detail && !x->detail)
        x->detail = x->verdict.detail;
    if (outcome == RF_OK && x->has_sink && x->sink.err) {
        outcome = RF_ERROR;
        err = x->sink.err;
    }
    xfer_deliver(x, outcome, err);
}

/* The body consumer is done with everything: do what the policy said (a
 * failed file turns an ok into an error). */
static void xfer_conclude(struct xfer *x)
{
    struct engine *e = x->eng;
    if (x->cons && !x->cons->settled(x))
        return;
    if (x->has_sink && x->sink.state != SINK_DONE)
        return; /* a part opened for a resume, still closing */
    if (x->deadline_hit && x->verdict.action != POLICY_DELIVER) {
        /* The whole-request limit passed while the file settled: that, not
         * the last try's trouble, is what ends the job. */
        x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR, .err = RF_E_TIMEOUT };
        x->detail = NULL;
    }
    switch (x->verdict.action) {
    case POLICY_RESTART:
        /* The answer did not continue the part: start it over, at once. */
        xfer_reset_attempt(x);
        x->restart_full = true;
        xfer_set_state(x, X_WAIT);
        xfer_enqueue(x);
        return;
    case POLICY_RETRY:
        xfer_reset_attempt(x);
        x->retries++;
        e->st->retries++;
        xfer_set_state(x, X_SLEEP);
        tmr_arm(&e->timers, &x->retry_tmr, e->now + x->verdict.delay_ns);
        return;
    case POLICY_FOLLOW: {
        xfer_reset_attempt(x);
        int ret = xfer_follow(x);
        if (ret < 0) {
            x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR, .err = ret };
            xfer_deliver_verdict(x);
            return;
        }
        xfer_set_state(x, X_WAIT);
        xfer_enqueue(x);
        return;
    }
    case POLICY_DELIVER:
    case POLICY_RESEND:
        break;
    }
    xfer_deliver_verdict(x);
}

/* The exchange is over (err 0: the response is complete), and detached
 * from its connection: ask the policy what next. */
static void xfer_exchange_over(struct xfer *x, int err, bool resend_ok)
{
    struct engine *e = x->eng;
    x->conn = NULL;
    if (err && !x->err)
        x->err = err;
    tmr_cancel(&e->timers, &x->idle_tmr);
    struct policy_facts f = {
        .status = x->status,
        .err = x->err,
        .resend_ok = resend_ok,
        .sends = x->sends,
        .kept = x->cons != NULL && x->cons != &body_error,
        .stopping = e->stopping,
        .retries_done = x->retries,
        .redirects_done = x->redirects,
        .ranged = x->ranged,
        .restarted = x->restart_full,
        /* Due counts as passed: the connect limit, capped at it, may speak first. */
        .deadline = x->deadline_hit || (tmr_armed(&x->deadline_tmr) && x->deadline_tmr.at <= e->now),
        .url = x->cur_url ? x->cur_url : "",
        .visited = x->visited,
        .nvisited = x->visited ? x->redirects + 1 : 0,
    };
    if (x->status && (policy_status_is_redirect(x->status) || !policy_status_is_success(x->status))) {
        bool too_long;
        f.location = resp_header(&x->xchg.resp, RESP_H_LOCATION, &f.location_len, &too_long);
        f.location_too_long = too_long;
        f.retry_after = resp_header(&x->xchg.resp, RESP_H_RETRY_AFTER, &f.retry_after_len, NULL);
        f.now_wall_s = (int64_t)time(NULL);
    }
    uint64_t first;
    if (!x->visited && e->policy.max_redirects && policy_status_is_redirect(x->status)) {
        /* Only the first URL so far: loop detection needs it too. */
        first = policy_url_hash(f.url);
        f.visited = &first;
        f.nvisited = 1;
    }
    /* splitmix64: the jitter need not be strong, only spread out. */
    e->rand_state += MIX64_GOLDEN;
    f.random = mix64(e->rand_state);
    struct policy_verdict *v = &e->decided;
    policy_decide(&e->policy, &f, v);
    if (f.deadline && v->err == RF_E_TIMEOUT && x->err != RF_E_TIMEOUT)
        x->detail = NULL; /* the limit ends it, not this try's trouble: no words of that */
    x->verdict = (struct xfer_verdict){
        .action = v->action, .outcome = v->outcome, .err = v->err, .detail = v->detail, .delay_ns = v->delay_ns
    };
    if (v->action == POLICY_FOLLOW && !(x->follow_url = dupstr(v->next_url)))
        x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR, .err = -ENOMEM };
    if (x->verdict.action == POLICY_RESEND) {
        /* The server had closed the kept-alive connection: send again on a new one. */
        x->status = 0;
        x->err = 0;
        x->detail = NULL;
        x->cons = NULL;
        x->bytes = 0;
        xfer_set_state(x, X_WAIT);
        xfer_wait_append(x);
        return;
    }
    xfer_wait_remove(x);
    /* Ended (deadline, stop) while its part was still being opened: this
     * verdict stands, and the part's closing concludes it, not its outcome. */
    x->prepping = false;
    xfer_set_state(x, X_FINISH);
    if (x->cons)
        x->cons->finish(x, x->verdict.action == POLICY_DELIVER && x->verdict.outcome == RF_OK);
    if (x->has_sink && x->cons != &body_file)
        sink_finish(&x->sink, false); /* a part prepared for a body that did not come */
    xfer_conclude(x);
}

/* The engine ends the job (deadline, stop, a failed file, a bad URL): take
 * its exchange off its connection first. */
static void xfer_end(struct xfer *x, int err)
{
    if (x->conn) {
        struct conn *c = x->conn;
        x->conn = NULL;
        conn_drop(c, &x->xchg);
    }
    xfer_exchange_over(x, err, false);
}

/* ---- the exchange's events ------------------------------------------------ */

static int xfer_on_headers(void *owner, const struct resp *r)
{
    struct xfer *x = owner;
    x->status = r->status;
    x->cons = body_choose(x, r->status);
    return x->cons->begin(x, r);
}

static int xfer_on_body(void *owner, struct lbuf *buf, const char *at, size_t len)
{
    struct xfer *x = owner;
    x->bytes += len;
    x->eng->st->rx_body_bytes += len;
    return x->cons->data(x, buf, at, len);
}

static void xfer_on_buffer_end(void *owner)
{
    struct xfer *x = owner;
    x->last_rx_ns = x->eng->now;
    if (x->cons)
        x->cons->flush(x);
}

static void xfer_on_end(void *owner, int err, const char *detail, bool resend_ok)
{
    struct xfer *x = owner;
    if (detail && !x->detail) {
        /* Copied: the coding's name lives in the parser, which the next
         * exchange reuses, and a transport's words in its connection. */
        snprintf(x->detail_buf, sizeof x->detail_buf, "%s",
                 err == RF_E_CODING ? x->xchg.resp.bad_coding : detail);
        x->detail = x->detail_buf;
    }
    xfer_direct_release(x); /* nothing more comes in; the sink holds the pipe for what is in it */
    xfer_exchange_over(x, err, resend_ok);
}

/* ---- the direct path: socket -> pipe -> file (pipes.h) ---------------------- */

/* Splice the next part of the body from the socket, if the pipe has room
 * for a worthwhile part (or the whole rest): the sink's splices out of
 * the pipe make the room, one at a time. */
static void xfer_direct_pump(struct xfer *x)
{
    struct rf_pipe *p = x->dpipe;
    if (!p || x->din_busy || x->dleft == 0 || x->state != X_ACTIVE || !x->conn || x->conn->direct != &x->xchg)
        return;
    uint64_t room = p->cap > p->fill ? p->cap - p->fill : 0;
    uint64_t want = x->dleft < p->cap / RF_DIRECT_ROOM_PARTS ? x->dleft : p->cap / RF_DIRECT_ROOM_PARTS;
    if (room < want)
        return;
    size_t len = (size_t)(x->dleft < room ? x->dleft : room);
    if (conn_splice(x->conn, p, len) < 0) {
        xfer_end(x, -EBUSY);
        return;
    }
    x->din_busy = true;
}

/* The connection offers the rest of a body (left bytes) to splice: taken
 * for a file big enough to be worth a pipe, while one is free. */
static bool xfer_take_rest(void *owner, uint64_t left)
{
    struct xfer *x = owner;
    struct engine *e = x->eng;
    if (x->cons != &body_file || !x->has_sink || x->sink.err || left < RF_DIRECT_MIN_BYTES || x->dpipe)
        return false;
    struct rf_pipe *p = pipes_get(&e->pipes);
    if (!p)
        return false;
    x->dpipe = p;
    x->dleft = left;
    x->din_busy = false;
    e->direct_bodies++;
    xfer_direct_pump(x);
    return true;
}

static void xfer_on_spliced(void *owner, uint32_t n)
{
    struct xfer *x = owner;
    struct engine *e = x->eng;
    x->din_busy = false;
    x->dleft -= n;
    x->bytes += n;
    e->st->rx_body_bytes += n;
    x->last_rx_ns = e->now;
    int ret = sink_splice(&x->sink, x->dpipe, n);
    if (ret < 0) {
        xfer_end(x, ret);
        return;
    }
    xfer_direct_pump(x);
}

static void xfer_direct_release(struct xfer *x)
{
    if (x->dpipe) {
        pipes_put(&x->eng->pipes, x->dpipe);
        x->dpipe = NULL;
    }
    x->dleft = 0;
    x->din_busy = false;
}

static const struct xchg_events xfer_xchg_events = {
    .on_headers = xfer_on_headers,
    .on_body = xfer_on_body,
    .on_buffer_end = xfer_on_buffer_end,
    .on_end = xfer_on_end,
    .take_rest = xfer_take_rest,
    .on_spliced = xfer_on_spliced,
};

/* ---- deadlines -------------------------------------------------------------- */

static void xfer_deadline_expired(struct tmr *t, uint64_t now)
{
    struct xfer *x = XFER_OF(t, deadline_tmr);
    if (x->state == X_SLEEP) {
        /* The whole-request limit covers the waits between tries too. */
        tmr_cancel(&x->eng->timers, &x->retry_tmr);
        x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR,
                                              .err = RF_E_TIMEOUT };
        xfer_deliver_verdict(x);
        return;
    }
    if (x->state == X_WAIT || x->state == X_ACTIVE) {
        x->deadline_hit = true;
        /* The connect limit (which --timeout caps) falls due in this same
         * pass: its words, whichever of the two timers runs first. */
        struct conn *c = x->conn;
        bool connect_due = c && c->state == CONN_CONNECTING && tmr_armed(&c->connect_tmr) &&
                           c->connect_tmr.at <= now;
        xfer_end(x, connect_due ? conn_timeout_err(c, RF_E_CONNECT_TIMEOUT) : RF_E_TIMEOUT);
        return;
    }
    if (x->state == X_FINISH) {
        /* A further try waits for the file to settle: xfer_conclude sees
         * this and delivers the timeout instead. */
        x->deadline_hit = true;
    }
}

/* Silence: armed at the first deadline and moved only when it fires, so a
 * received buffer costs a store, not a heap operation. */
static void xfer_idle_expired(struct tmr *t, uint64_t now)
{
    struct xfer *x = XFER_OF(t, idle_tmr);
    struct engine *e = x->eng;
    if (x->state != X_ACTIVE)
        return;
    if (x->conn && (x->conn->head != &x->xchg || x->conn->state == CONN_CONNECTING)) {
        /* Pipelined behind another answer: its silence is that one's. Still
         * connecting (TCP, a proxy's CONNECT, the TLS handshake): the
         * connect limit decides, with its own words. */
        x->last_rx_ns = now;
    }
    /* The silence counts from when the answer became due at the earliest. */
    uint64_t from = x->last_rx_ns > x->xchg.due_ns ? x->last_rx_ns : x->xchg.due_ns;
    uint64_t due = from + e->idle_ns;
    if (due > now) {
        tmr_arm(&e->timers, &x->idle_tmr, due);
        return;
    }
    if (tmr_armed(&x->deadline_tmr) && x->deadline_tmr.at <= now) {
        /* Both limits passed in this pass (--timeout caps the silence
         * limit, so they often fall due together): the whole-request
         * limit is the one that speaks, and it is never retried. */
        tmr_cancel(&e->timers, &x->deadline_tmr);
        xfer_deadline_expired(&x->deadline_tmr, now);
        return;
    }
    /* Silence fails this try; the policy retries it like a reset (as curl's
     * --retry and wget's --tries take a read timeout). */
    if (!x->detail) {
        snprintf(x->detail_buf, sizeof x->detail_buf, "nothing received for %.10g s",
                 (double)e->idle_ns / 1e9);
        x->detail = x->detail_buf;
    }
    xfer_end(x, RF_E_TIMEOUT);
}

/* A retry's wait is over: back to its origin's queue. */
static void xfer_retry_due(struct tmr *t, uint64_t now)
{
    struct xfer *x = XFER_OF(t, retry_tmr);
    (void)now;
    if (x->state != X_SLEEP)
        return;
    xfer_set_state(x, X_WAIT);
    xfer_enqueue(x);
}

/* ---- starting jobs -------------------------------------------------------------- */

/* A job that cannot start: it still gets its one result. */
static void xfer_refuse(struct xfer *x, int err, const char *detail)
{
    x->detail = detail;
    xfer_exchange_over(x, err, false);
}

/* ---- parked jobs -------------------------------------------------------------- */

/* A job waiting for its host's name to resolve, or behind a capped host's
 * backlog, is parked: a small record on its origin instead of a job slot,
 * and not counted against the window. So a host whose name server never
 * answers, or that is slow and capped, holds up no other host: the engine
 * reads on down the list (at most RF_MAX_PARKED_JOBS records in all). */
struct parked {
    struct parked *next;
    void *user;
    size_t body_max;
    uint64_t start_ns;
    char *url;                /* owned: handed on to the job's slot */
    char *path;               /* inside the same allocation, or NULL */
    char path_buf[];
};

/* url: the job's copy of its URL, taken over when a record is made. */
static struct parked *parked_make(const struct rf_job *job, char *url, uint64_t now)
{
    size_t pl = job->path ? strlen(job->path) + 1 : 0;
    struct parked *p = malloc(sizeof *p + pl);
    if (!p)
        return NULL;
    p->next = NULL;
    p->user = job->user;
    p->body_max = job->path ? 0 : job->body_max;
    p->start_ns = now;
    p->url = url;
    p->path = job->path ? memcpy(p->path_buf, job->path, pl) : NULL;
    return p;
}

static void engine_park(struct engine *e, struct origin *o, struct parked *p)
{
    if (o->parked_tail)
        o->parked_tail->next = p;
    else
        o->parked = p;
    o->parked_tail = p;
    o->nparked++;
    e->nparked++;
    if (!pool_linked(&o->parked_link))
        pool_push_back(&e->parked_origins, &o->parked_link);
}

static struct parked *engine_unpark(struct engine *e, struct origin *o)
{
    struct parked *p = o->parked;
    o->parked = p->next;
    if (!o->parked) {
        o->parked_tail = NULL;
        pool_unlink(&o->parked_link);
    }
    o->nparked--;
    e->nparked--;
    return p;
}

/* One result for a job that never got a slot (its host failed, or the run
 * was stopped): the front end sees it like any other. */
static void parked_deliver(struct engine *e, struct parked *p, enum rf_outcome outcome, int err,
                           const char *detail, const struct origin *o)
{
    struct rf_result res = {
        .user = p->user,
        .url = p->url,
        .path = p->path,
        .outcome = outcome,
        .err = err,
        .detail = detail,
        .host = o->route == ORIGIN_FORWARD ? NULL : o->host, /* (a proxy's: not the job's) */
        .proxy = o->proxy ? o->proxy->name : NULL,
        .elapsed_us = (tmr_now_ns() - p->start_ns) / 1000,
        .final_url = p->url,
        .attempts = 1,
    };
    struct rf_stats *st = e->st;
    st->jobs++;
    st->errors += outcome == RF_ERROR;
    st->cancelled += outcome == RF_CANCELLED;
    e->on_result(e->ctx, &res);
    free(p->url);
    free(p);
}

/* Must a new job for o park instead of taking a slot? While o's name is
 * being looked up, when o already has parked jobs (order is kept), and
 * when o is capped and already has twice its cap waiting. */
static bool engine_must_park(const struct engine *e, const struct origin *o)
{
    if (o->state != ORIGIN_SETTLED)
        return true;
    if (o->gai_err)
        return false;
    if (o->nparked)
        return true;
    unsigned cap = e->opt->max_per_host;
    return cap && o->nwaiting >= 2 * cap;
}

static bool engine_slot_free(const struct engine *e)
{
    return e->free_x || e->nfresh < e->nslots;
}

/* A slot given back, or else one never used (see nfresh). */
static struct xfer *engine_take_slot(struct engine *e)
{
    struct xfer *x = e->free_x;
    if (x) {
        e->free_x = x->next_free;
        return x;
    }
    x = &e->xfers[e->nfresh];
    x->idx = e->nfresh++;
    return x;
}

/* Take a job (a new one, or a parked one) into a free slot. url: the job's
 * own copy, taken over (NULL: it could not be made); parsed and o: url
 * parsed already and its origin found, or NULL: both are done here. */
static void engine_start_slot(struct engine *e, char *url, const struct url *parsed, struct origin *o,
                              const char *path, size_t body_max, void *user, uint64_t start_ns)
{
    struct xfer *x = engine_take_slot(e);
    uint32_t gen = x->gen, idx = x->idx;
    memset(x, 0, sizeof *x);
    x->gen = gen;
    x->idx = idx;
    x->eng = e;
    x->state = X_FREE;
    tmr_init(&x->deadline_tmr, xfer_deadline_expired);
    tmr_init(&x->idle_tmr, xfer_idle_expired);
    tmr_init(&x->retry_tmr, xfer_retry_due);
    xfer_set_state(x, X_WAIT);
    x->user = user;
    x->body_max = path ? 0 : body_max;
    x->start_ns = start_ns;
    if (e->opt->request_timeout_ms) {
        uint64_t due = start_ns + (uint64_t)e->opt->request_timeout_ms * 1000000u;
        tmr_arm(&e->timers, &x->deadline_tmr, due > e->now ? due : e->now);
    }

    x->url = url;
    x->path = path ? dupstr(path) : NULL;
    if (!x->url || (path && !x->path)) {
        xfer_refuse(x, -ENOMEM, NULL);
        return;
    }
    x->cur_url = x->url;
    if (parsed) {
        x->u = *parsed; /* (its pointers are into url, now x->url) */
        x->origin = o;
    } else {
        if (strlen(x->url) >= RF_URL_MAX_BYTES || url_parse(x->url, &x->u) < 0) {
            xfer_refuse(x, RF_E_BAD_URL, NULL);
            return;
        }
        int ret = engine_origin(e, &x->u, &x->origin);
        if (ret < 0) {
            xfer_refuse(x, ret, NULL);
            return;
        }
    }
    int ret;
    if (x->origin->state == ORIGIN_SETTLED && x->origin->gai_err) {
        xfer_refuse(x, RF_E_RESOLVE, x->origin->resolve_error);
        return;
    }
    if ((ret = engine_tls_ready(e, &x->u)) < 0) {
        xfer_refuse(x, ret, e->tls_why);
        return;
    }
    xfer_enqueue(x); /* (ready once its origin has settled) */
}

/* A job from the front end: into a slot, or parked on its origin. */
static void engine_start_job(struct engine *e, const struct rf_job *job)
{
    /* The job's own copy of its URL, parsed once: it goes on to the slot
     * (or the parked record) with the parse pointing into it. */
    char *url = dupstr(job->url ? job->url : "");
    struct url u;
    struct origin *o = NULL;
    if (url && strlen(url) < RF_URL_MAX_BYTES && url_parse(url, &u) == 0 && engine_origin(e, &u, &o) == 0) {
        struct parked *p;
        if (engine_must_park(e, o) && (p = parked_make(job, url, e->now)) != NULL) {
            engine_park(e, o, p);
            return;
        }
        engine_start_slot(e, url, &u, o, job->path, job->body_max, job->user, e->now);
        return;
    }
    /* (engine_start_slot says why it cannot start) */
    engine_start_slot(e, url, NULL, NULL, job->path, job->body_max, job->user, e->now);
}

/* Parked jobs whose origin can take them now move into free slots; those
 * of an origin that failed to resolve, or that waited past the whole-request
 * limit, get their result at once. */
static void engine_promote(struct engine *e)
{
    struct pool_link *l = e->parked_origins.next;
    while (l != &e->parked_origins) {
        struct origin *o = (struct origin *)((char *)l - offsetof(struct origin, parked_link));
        l = l->next; /* o may leave the list below */
        if (o->state != ORIGIN_SETTLED)
            continue;
        uint64_t limit = (uint64_t)e->opt->request_timeout_ms * 1000000u;
        while (o->parked) {
            struct parked *p = o->parked;
            if (o->gai_err) {
                engine_unpark(e, o);
                parked_deliver(e, p, RF_ERROR, RF_E_RESOLVE, o->resolve_error, o);
                continue;
            }
            if (limit && e->now - p->start_ns >= limit) {
                engine_unpark(e, o);
                parked_deliver(e, p, RF_ERROR, RF_E_TIMEOUT,
                               "before it could start (waiting for its host's name, a place in the "
                               "window or under the per-host cap)",
                               o);
                continue;
            }
            unsigned cap = e->opt->max_per_host;
            if (!engine_slot_free(e) || e->requests >= e->window || (cap && o->nwaiting >= 2 * cap))
                break;
            engine_unpark(e, o);
            engine_start_slot(e, p->url, NULL, NULL, p->path, p->body_max, p->user, p->start_ns);
            free(p); /* (its url went to the slot) */
        }
    }
}

/* resolve.c: o's name has settled; its jobs may go (or fail). */
static void engine_on_resolved(void *ctx, struct origin *o)
{
    struct engine *e = ctx;
    /* A proxy's name: the tunnels through it settle with it. */
    for (struct origin *t = o->tunnels; t; t = t->next_tunnel)
        if (t->state != ORIGIN_SETTLED) {
            pool_tunnel_sync(t);
            engine_on_resolved(e, t);
        }
    if (!o->gai_err) {
        engine_ready(e, o);
        return;
    }
    /* Jobs already in slots (a redirect to this host) fail here; parked
     * ones in engine_promote. */
    while (o->nwaiting) {
        struct xfer *x = XFER_OF(o->waiting.next, wait_link);
        xfer_wait_remove(x);
        xfer_refuse(x, RF_E_RESOLVE, o->resolve_error);
    }
}

/* --rate: o waits (off the round) until its next start; one timer for all. */
static void engine_pace(struct engine *e, struct origin *o)
{
    if (!pool_linked(&o->paced_link))
        pool_push_back(&e->paced, &o->paced_link);
    if (!tmr_armed(&e->pace_tmr) || o->next_start_ns < e->pace_tmr.at)
        tmr_arm(&e->timers, &e->pace_tmr, o->next_start_ns);
}

static void engine_on_pace(struct tmr *t, uint64_t now)
{
    struct engine *e = (struct engine *)((char *)t - offsetof(struct engine, pace_tmr));
    uint64_t next = UINT64_MAX;
    struct pool_link *l = e->paced.next;
    while (l != &e->paced) {
        struct origin *o = (struct origin *)((char *)l - offsetof(struct origin, paced_link));
        l = l->next;
        if (o->next_start_ns <= now) {
            pool_unlink(&o->paced_link);
            engine_ready(e, o);
        } else if (o->next_start_ns < next) {
            next = o->next_start_ns;
        }
    }
    if (next != UINT64_MAX)
        tmr_arm(&e->timers, &e->pace_tmr, next);
}

/* A connection for x: an idle one to its origin, or one with room for a
 * pipelined request (neither for a resend, which failed on a reused one),
 * or a new one if the per-host cap and the free slots allow. NULL with
 * *capped set when the origin must wait for one of its connections. */
static struct conn *engine_conn_for(struct engine *e, struct xfer *x, bool *fresh, bool *capped)
{
    struct origin *o = x->origin;
    struct conn *c = NULL;
    *fresh = *capped = false;
    if (!x->sends && (c = conn_take_idle(o)) != NULL)
        return c;
    if (!x->sends && e->pipeline > 1 && (c = conn_take_roomy(o)) != NULL)
        return c;
    if (e->opt->max_per_host && o->nconns >= e->opt->max_per_host) {
        /* A resend may not go on a reused connection: make room for a new
         * one by closing an idle one, or it would wait for ever. */
        if (x->sends)
            conn_retire_idle(o);
        *capped = true;
        return NULL;
    }
    if ((c = conn_alloc(&e->cs)) != NULL)
        *fresh = true;
    return c;
}

/* Give waiting jobs a connection, one job per origin per turn, origins in
 * a round: a host with many jobs, or one held by its cap, never keeps the
 * others waiting. */
static void engine_assign(struct engine *e)
{
    while (!pool_list_empty(&e->ready)) {
        struct origin *o = ORIGIN_OF(e->ready.next);
        pool_unlink(&o->ready_link);
        if (o->nwaiting == 0)
            continue;
        struct xfer *x = XFER_OF(o->waiting.next, wait_link);
        if (!x->req) {
            char reqbuf[RF_REQUEST_BUF_BYTES];
            struct request_extra ex = e->req_extra;
            ex.foreign = x->foreign;
            if (o->route == ORIGIN_FORWARD) {
                ex.absolute_form = true;
                ex.proxy_auth = o->proxy->auth[0] ? o->proxy->auth : NULL;
            }
            if (x->ranged) {
                ex.range = true;
                ex.range_start = x->sink.part_size;
                ex.if_range = x->sink.validator;
            }
            int len = request_build(reqbuf, sizeof reqbuf, &x->u, &ex);
            if (len > 0 && (x->req = malloc((size_t)len)) != NULL) {
                memcpy(x->req, reqbuf, (size_t)len);
                x->req_len = (size_t)len;
            } else {
                xfer_wait_remove(x);
                engine_ready(e, o);
                xfer_refuse(x, len == -ENOSPC ? RF_E_TOO_LARGE : len < 0 ? RF_E_BAD_URL : -ENOMEM,
                            len == -ENOSPC ? "request larger than RF_REQUEST_BUF_BYTES" : NULL);
                continue;
            }
        }
        if (e->pace_ns && o->next_start_ns > e->now) {
            /* --rate: this origin's next start is later; the others go on. */
            engine_pace(e, o);
            continue;
        }
        bool fresh, capped;
        struct conn *c = engine_conn_for(e, x, &fresh, &capped);
        if (!c) {
            if (capped)
                continue; /* its turn comes back when one of its connections frees up */
            /* Every slot is busy; an idle connection elsewhere can make room. */
            pool_push_front(&e->ready, &o->ready_link);
            conn_evict_idle(&e->cs);
            return;
        }
        xfer_wait_remove(x);
        if (e->pace_ns)
            o->next_start_ns = (o->next_start_ns > e->now ? o->next_start_ns : e->now) + e->pace_ns;
        engine_ready(e, o); /* to the back of the round, if it has more */
        xfer_set_state(x, X_ACTIVE);
        xchg_free(&x->xchg);
        xchg_init(&x->xchg, x, &xfer_xchg_events, x->req, x->req_len);
        unsigned want = 0;
        if (e->policy.max_redirects || e->policy.retries)
            want |= 1u << RESP_H_LOCATION | 1u << RESP_H_RETRY_AFTER;
        if (e->opt->resume)
            want |= 1u << RESP_H_ETAG | 1u << RESP_H_LAST_MODIFIED | 1u << RESP_H_CONTENT_RANGE;
        resp_want(&x->xchg.resp, want);
        x->req = NULL;
        x->conn = c;
        x->sends++;
        be_note(e->be, BE_NOTE_ASSIGN, c->idx, x->idx);
        x->last_rx_ns = e->now;
        if (e->idle_ns)
            tmr_arm(&e->timers, &x->idle_tmr, e->now + e->idle_ns);
        /* Either call may end the exchange before it returns (nothing could be
         * queued): x is not touched after it. */
        if (fresh)
            conn_connect(c, o, &x->xchg, e->now);
        else
            conn_push(c, &x->xchg);
    }
}

/* ---- completions --------------------------------------------------------------- */

static void engine_file_event(struct xfer *x, enum sink_event ev)
{
    if (x->dpipe && ev == SINK_EV_BUSY)
        xfer_direct_pump(x); /* a splice into the file made room in the pipe */
    if (x->prepping && (ev == SINK_EV_READY || ev == SINK_EV_FAILED || ev == SINK_EV_DONE)) {
        x->prepping = false;
        if (ev == SINK_EV_READY) {
            x->ranged = x->sink.part_size > 0 && x->sink.validator[0];
            xfer_wait_append(x);
            return;
        }
        /* The part cannot be used (a link, not a regular file, no room). */
        x->err = x->sink.err;
        if (x->err == RF_E_PART)
            x->detail = "it is a link or not a regular file";
        x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_ERROR, .err = x->err };
        xfer_set_state(x, X_FINISH);
        if (x->sink.state != SINK_DONE)
            sink_finish(&x->sink, false);
        xfer_conclude(x);
        return;
    }
    if (ev == SINK_EV_FAILED && x->state == X_ACTIVE) {
        /* The disk said no (ENOSPC, EIO...): stop receiving this body. */
        xfer_end(x, x->sink.err);
        return;
    }
    if (ev == SINK_EV_DONE && x->state == X_FINISH)
        xfer_conclude(x);
}

static void engine_dispatch(struct engine *e, const struct be_cqe *cqe)
{
    unsigned kind = ud_kind(cqe->ud);
    switch ((enum op_kind)kind) {
    case OP_TP_SOCKET: case OP_TP_CONNECT: case OP_TP_SEND: case OP_TP_RECV:
    case OP_TP_CANCEL: case OP_TP_CLOSE: case OP_TP_SPLICE:
        conn_complete(&e->cs, cqe);
        return;
    case OP_F_WRITE: {
        struct sink *s;
        enum sink_event ev = sink_complete_write(&e->sinks, cqe, &s);
        if (s)
            engine_file_event(XFER_OF(s, sink), ev);
        return;
    }
    case OP_F_OPEN: case OP_F_LINK: case OP_F_CLOSE: case OP_F_RENAME: case OP_F_UNLINK:
    case OP_F_STAT: case OP_F_XATTR: case OP_F_TRUNCATE: case OP_F_SETXATTR: case OP_F_SPLICE:
    case OP_F_ALLOC: {
        uint32_t idx = ud_idx(cqe->ud);
        if (idx >= e->nfresh)
            return;
        struct xfer *x = &e->xfers[idx];
        if (x->gen != ud_gen(cqe->ud) || x->state == X_FREE || !x->has_sink)
            return;
        engine_file_event(x, sink_complete(&x->sink, kind, cqe->res));
        return;
    }
    case OP_IN_READ: case OP_IN_CANCEL:
        engine_input_complete(e, cqe);
        return;
    case OP_DNS_POLL: case OP_DNS_CANCEL:
        resolver_complete(&e->resolver, cqe);
        return;
    default:
        if (cqe->buf)
            lbuf_put(cqe->buf);
        return;
    }
}

static void engine_reap(struct engine *e)
{
    struct be_cqe batch[RF_REAP_BATCH];
    unsigned n;
    /* Take the whole batch off the CQ first, then dispatch: handlers submit
     * new operations, and each re-checks its slot's state since an earlier
     * completion in the same batch may have closed it. */
    while ((n = be_reap(e->be, batch, RF_REAP_BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++)
            engine_dispatch(e, &batch[i]);
        if (n < RF_REAP_BATCH)
            break;
    }
    conn_feed_starved(&e->cs);
}

/* ---- stopping and failing ---------------------------------------------------------- */

static void engine_stop_all(struct engine *e)
{
    e->stopping = true;
    engine_inputs_stop(e);
    while (!pool_list_empty(&e->parked_origins)) {
        struct origin *o = (struct origin *)((char *)e->parked_origins.next - offsetof(struct origin, parked_link));
        while (o->parked)
            parked_deliver(e, engine_unpark(e, o), RF_CANCELLED, -ECANCELED, NULL, o);
    }
    for (unsigned i = 0; i < e->nfresh; i++) {
        struct xfer *x = &e->xfers[i];
        if (x->state == X_WAIT || x->state == X_ACTIVE)
            xfer_end(x, -ECANCELED);
        else if (x->state == X_SLEEP) {
            x->verdict = (struct xfer_verdict){ .action = POLICY_DELIVER, .outcome = RF_CANCELLED,
                                                  .err = -ECANCELED };
            xfer_deliver_verdict(x);
        }
    }
}

/* The backend failed: nothing more can be submitted or will complete. Free
 * what the jobs hold, tear the backend down (the kernel lets go of every
 * buffer and descriptor then), close what is left synchronously, and give
 * every job its one result. */
static void engine_fail_all(struct engine *e, int err)
{
    e->dead = true;
    e->st->failed = "the I/O backend";
    for (unsigned i = 0; i < e->nfresh; i++) {
        struct xfer *x = &e->xfers[i];
        if (x->state != X_FREE && x->cons)
            x->cons->abandon(x);
    }
    /* TLS connections hold received buffers until OpenSSL has read them. */
    for (uint32_t i = 0; i < e->cs.n; i++)
        if (e->cs.conns[i].tls)
            tp_tls_abandon(e->cs.conns[i].tls);
    be_destroy(e->be);
    e->be = NULL;
    for (uint32_t i = 0; i < e->cs.n; i++) {
        struct conn *c = &e->cs.conns[i];
        if (c->state != CONN_FREE && c->tcp.fd >= 0)
            close(c->tcp.fd);
    }
    for (unsigned i = 0; i < e->nfresh; i++) {
        struct xfer *x = &e->xfers[i];
        if (x->state == X_FREE)
            continue;
        x->conn = NULL;
        x->err = err;
        x->detail = "the I/O backend failed";
        xfer_wait_remove(x);
        xfer_deliver(x, RF_ERROR, err);
    }
    while (!pool_list_empty(&e->parked_origins)) {
        struct origin *o = (struct origin *)((char *)e->parked_origins.next - offsetof(struct origin, parked_link));
        while (o->parked)
            parked_deliver(e, engine_unpark(e, o), RF_ERROR, err, "the I/O backend failed", o);
    }
}

/* ---- setup and the loop ------------------------------------------------------------- */

static void engine_on_tick(struct tmr *t, uint64_t now)
{
    struct engine *e = (struct engine *)((char *)t - offsetof(struct engine, tick_tmr));
    struct rf_stats *st = e->st;
    st->enters = e->be->n.enters;
    st->syscalls = e->be->n.syscalls;
    st->sqes = e->be->n.sqes;
    st->cqes = e->be->n.cqes;
    st->enobufs = e->be->n.enobufs;
    st->connects = e->cs.connects;
    st->reused = e->cs.reused;
    st->net_rx_bytes = e->cs.tps.rx_bytes;
    e->opt->tick(e->ctx, st);
    tmr_arm(&e->timers, &e->tick_tmr, now + (uint64_t)e->opt->tick_ms * 1000000u);
}

/* next_job asked to be asked again at a time: the loop does that on every
 * pass, so the timer only has to end the wait. */
static void engine_on_wake(struct tmr *t, uint64_t now)
{
    (void)t;
    (void)now;
}

/* The direct path (pipes.h): where the backend can splice, with as many
 * pipes as the descriptors left over by the window and the spare
 * connection slots allow (two each; a pipe must never take the descriptor
 * a socket or a file needed). */
static void engine_direct_setup(struct engine *e, unsigned long spare)
{
    unsigned max = 0;
    if (e->be->features & BE_F_SPLICE)
        max = spare / 2 < RF_DIRECT_MAX_PIPES ? (unsigned)(spare / 2) : RF_DIRECT_MAX_PIPES;
    pipes_init(&e->pipes, max, RF_DIRECT_PIPE_BYTES);
    e->cs.pipes = max ? &e->pipes : NULL;
    e->sinks.pipes = &e->pipes;
}

static int engine_setup(struct engine *e)
{
    e->nslots = RF_JOBS_PER_WINDOW * e->window;
    /* Each connection slot may hold a socket: the spare ones only where the
     * open-file limit leaves room (a load generator fits its own). */
    unsigned long spare = e->opt->window_fitted ? ULONG_MAX : rf_window_spare_fds(e->window);
    unsigned conns_spare = spare < RF_CONNS_SPARE ? (unsigned)spare : RF_CONNS_SPARE;
    spare = spare == ULONG_MAX ? spare : spare - conns_spare;
    uint32_t nconns = e->window * RF_CONNS_PER_WINDOW + conns_spare;
    /* A timer per connection, three per job, the tick, the wake, the pacing and the resolver's. */
    int ret = tmr_heap_init(&e->timers, nconns + 3 * e->nslots + 4);
    if (ret < 0)
        return ret;
    pool_init(&e->pool);
    if ((ret = sink_env_init(&e->sinks, e->be, e->opt->dest_dir)) < 0)
        return ret;
    if ((ret = conn_set_init(&e->cs, e->be, &e->timers, nconns, e->opt->connect_timeout_ms, e->pipeline,
                             engine_on_capacity, e)) < 0)
        return ret;
    e->cs.tls = &e->tls;
    e->cs.user_agent = e->opt->user_agent;
    e->cs.now = &e->now; /* stamps from the pass's clock, no clock read per answer */
    engine_direct_setup(e, e->opt->window_fitted ? rf_window_spare_fds(e->window) : spare);
    int which;
    if (proxy_conf_init(&e->proxies, e->opt->http_proxy, e->opt->https_proxy, e->opt->no_proxy,
                        &which) != PROXY_OK) {
        /* The front end checks them (rf_proxy_check): this is its mistake. */
        e->st->failed = "the proxy settings";
        return -EINVAL;
    }
    if ((ret = engine_inputs_init(e)) < 0)
        return ret;
    /* A lookup is bounded by the whole-request limit too: each of the
     * tries gets its share of it. */
    unsigned dns_ms = RF_DNS_TIMEOUT_MS;
    if (e->opt->request_timeout_ms && e->opt->request_timeout_ms / (2 * RF_DNS_TRIES) < dns_ms)
        dns_ms = e->opt->request_timeout_ms / (2 * RF_DNS_TRIES) + 1;
    e->rcfg = (struct resolve_config){
        .servers = e->opt->dns_servers,
        .overrides = e->opt->resolve,
        .noverrides = e->opt->nresolve,
        .timeout_ms = dns_ms,
        .tries = RF_DNS_TRIES,
    };
    if ((ret = resolver_init(&e->resolver, e->be, &e->timers, &e->rcfg, engine_on_resolved, e)) < 0) {
        e->st->failed = "the resolver (--dns-servers)";
        return ret;
    }
    e->xfers = calloc(e->nslots, sizeof *e->xfers);
    if (!e->xfers)
        return -ENOMEM;
    pool_list_init(&e->ready);
    pool_list_init(&e->parked_origins);
    pool_list_init(&e->paced);
    tmr_init(&e->pace_tmr, engine_on_pace);
    if (e->opt->rate_per_host > 0)
        e->pace_ns = (uint64_t)(1e9 / e->opt->rate_per_host);
    tmr_init(&e->tick_tmr, engine_on_tick);
    tmr_init(&e->wake_tmr, engine_on_wake);
    return 0;
}

static void engine_copy_counters(struct engine *e)
{
    struct rf_stats *st = e->st;
    st->net_rx_bytes = e->cs.tps.rx_bytes;
    st->connects = e->cs.connects;
    st->reused = e->cs.reused;
    st->pipelined = e->cs.pipelined;
    st->tls_handshakes = e->tls.handshakes;
    st->tls_resumed = e->tls.resumed;
    st->tls_bytes_in = e->tls.bytes_in;
    st->tls_bytes_out = e->tls.bytes_out;
    st->files_tmpfile = e->sinks.created_tmpfile;
    st->dns_lookups = e->resolver.lookups;
    st->files_named = e->sinks.created_named;
    st->direct_bodies = e->direct_bodies;
    st->spliced_bytes = e->sinks.spliced_bytes;
    st->preallocated = e->sinks.reserved;
    st->file_workers = e->sinks.file_workers;
    st->inline_file_ops = e->sinks.now_ops;
    if (!e->be)
        return;
    st->enters = e->be->n.enters;
    st->syscalls = e->be->n.syscalls;
    st->sqes = e->be->n.sqes;
    st->cqes = e->be->n.cqes;
    st->enobufs = e->be->n.enobufs;
    st->backend = e->be->ops->name;
    be_describe_calls(e->be, st->calls, sizeof st->calls);
}

/* Pull jobs while the window has room. */
static void engine_pull(struct engine *e)
{
    while (!e->stopping && !e->exhausted && engine_slot_free(e) && e->requests < e->window &&
           e->nparked < RF_MAX_PARKED_JOBS) {
        struct rf_job job = { 0 };
        int r = e->next_job(e->ctx, &job);
        if (r == RF_JOB_READY) {
            engine_start_job(e, &job);
            continue;
        }
        if (r == RF_JOB_LATER) {
            /* The front end ran dry: whatever input it paused is wanted now. */
            engine_inputs_arm(e, true);
            if (job.wake_ns) {
                tmr_arm(&e->timers, &e->wake_tmr, job.wake_ns);
                break; /* asked again at that time, or sooner */
            }
            if (e->active > 0 || e->inputs_busy > 0)
                break; /* asked again after the next result or input */
        }
        e->exhausted = true;
        if (r < 0) {
            e->fatal = r;
            engine_stop_all(e);
        }
        break;
    }
}

/* How long to wait, for how many completions, and how long to hold out
 * for all of them (*batch_ns, see be_wait). */
static int64_t engine_wait_plan(struct engine *e, unsigned *wait_nr, int64_t *batch_ns)
{
    uint64_t next = tmr_next(&e->timers);
    /* Never sleep for ever: a second at most, so a missed wake-up costs little. */
    int64_t timeout = 1000000000;
    if (next != UINT64_MAX)
        timeout = next > e->now ? (int64_t)(next - e->now) : 0;
    if (timeout > 1000000000)
        timeout = 1000000000;
    /* With many jobs in flight, wait for a batch of completions (for at
     * most opt->batch_wait_us) instead of the first one: one enter then
     * serves many jobs. With few, the first completion wakes us. */
    /* Completions come per connection, not per request: a pipelined
     * connection brings many answers back in one receive. */
    unsigned busy = e->requests < e->cs.active ? e->requests : e->cs.active;
    unsigned n = busy >= RF_BATCH_STREAM_JOBS ? busy * RF_BATCH_CQES_PER_JOB : busy / RF_BATCH_JOBS_PER_CQE;
    if (n > RF_BATCH_MAX_CQES)
        n = RF_BATCH_MAX_CQES;
    /* A batch window that brought nothing back means completions are not
     * streaming in (a slow server): wait for the first one, however long,
     * instead of waking every batch window for nothing (a trace of
     * flags2 -m 5 against a 0.5 s server showed 1,960 enters for 20 flags).
     * A kernel with min_wait (BE_F_MIN_WAIT) does this within the one
     * enter; this is the fallback's way. */
    if (e->quiet || e->opt->batch_wait_us == 0)
        n = 1;
    *batch_ns = n > 1 ? (int64_t)e->opt->batch_wait_us * 1000 : 0;
    *wait_nr = n ? n : 1;
    return timeout;
}

int engine_run_with(struct be *be, unsigned window, const struct rf_options *opt, rf_next_job_fn next_job,
                    rf_result_fn on_result, void *ctx, struct rf_stats *stats)
{
    struct engine eng, *e = &eng;
    memset(e, 0, sizeof *e);
    memset(stats, 0, sizeof *stats);
    stats->window = window;
    e->opt = opt;
    e->next_job = next_job;
    e->on_result = on_result;
    e->ctx = ctx;
    e->st = stats;
    e->be = be;
    e->window = stats->window;
    e->pipeline = opt->pipeline > 1 ? opt->pipeline : 1;
    e->policy = (struct policy_config){
        .retries = opt->retries,
        .retry_delay_ns = (uint64_t)opt->retry_delay_ms * 1000000u,
        .retry_max_delay_ns = (uint64_t)opt->retry_max_delay_ms * 1000000u,
        .max_redirects = opt->max_redirects,
        .allow_downgrade = opt->allow_downgrade,
        .no_resend = opt->no_resend,
    };
    e->rand_state = tmr_now_ns() ^ (uint64_t)getpid() << 32;
    e->req_extra = (struct request_extra){
        .user_agent = opt->user_agent,
        .headers = opt->headers,
        .nheaders = opt->nheaders,
        .credentials = opt->credentials,
    };
    be_describe(be, stats->features, sizeof stats->features);

    int ret = engine_setup(e);
    if (ret < 0) {
        if (!stats->failed) /* (what failed says so itself) */
            stats->failed = "memory";
        goto out;
    }
    e->idle_ns = (uint64_t)opt->idle_timeout_ms * 1000000u;
    e->now = tmr_now_ns();
    if (opt->tick && opt->tick_ms)
        tmr_arm(&e->timers, &e->tick_tmr, e->now + (uint64_t)opt->tick_ms * 1000000u);
    engine_inputs_arm(e, false);
    for (;;) {
        e->now = tmr_now_ns();
        if (opt->stop && *opt->stop && !e->stopping)
            engine_stop_all(e);
        /* What became ready outside a reap (a TLS buffer back, a gate open) goes on. */
        conn_feed_starved(&e->cs);
        engine_promote(e);
        engine_pull(e);
        engine_assign(e);
        if (e->active == 0 && e->inputs_busy == 0 && e->nparked == 0 && (e->exhausted || e->stopping))
            break;

        unsigned wait_nr;
        int64_t batch_ns;
        int64_t timeout = engine_wait_plan(e, &wait_nr, &batch_ns);
        ret = be_wait(e->be, wait_nr, batch_ns, timeout);
        if (ret < 0 && ret != -ETIME && ret != -EINTR) {
            engine_fail_all(e, ret);
            goto out;
        }
        e->now = tmr_now_ns();
        uint64_t cqes = e->be->n.cqes;
        engine_reap(e);
        e->quiet = wait_nr > 1 && ret == -ETIME && e->be->n.cqes == cqes;
        tmr_run(&e->timers, e->now);
    }

    /* Close idle connections and let every close complete before the backend goes. */
    conn_close_idle(&e->cs);
    resolver_shutdown(&e->resolver);
    for (int spins = 0; (e->cs.active > 0 || e->inputs_busy > 0 || resolver_busy(&e->resolver)) && spins < 1000;
         spins++) {
        be_wait(e->be, 1, 0, 10000000);
        engine_reap(e);
    }
    ret = e->fatal ? e->fatal : e->stopping ? -EINTR : 0;
out:
    engine_copy_counters(e);
    if (e->be)
        stats->trace_err = be_trace_flush(e->be);
    if (e->be && be_overflowed(e->be))
        fprintf(stderr, "ringfetch: internal: completion queue overflowed (sized too small)\n");
    conn_set_free(&e->cs);
    resolver_free(&e->resolver);
    pool_free(&e->pool);
    tls_env_free(&e->tls);
    engine_inputs_free(e);
    if (e->be)
        be_destroy(e->be);
    sink_env_free(&e->sinks);
    tmr_heap_free(&e->timers);
    pipes_free(&e->pipes);
    free(e->xfers);
    return ret;
}

int rf_engine_run(const struct rf_options *opt, rf_next_job_fn next_job,
                  rf_result_fn on_result, void *ctx, struct rf_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    unsigned window = opt->window_fitted ? opt->window : rf_window_fit(opt->window, 0);
    if (window < 1)
        window = 1;
    if (window > RF_MAX_WINDOW)
        window = RF_MAX_WINDOW;
    stats->window = window;
    unsigned nbufs = window * RF_RECV_BUFS_PER_JOB;
    if (nbufs < RF_RECV_BUFS_MIN)
        nbufs = RF_RECV_BUFS_MIN;
    if (nbufs > RF_RECV_BUFS_MAX)
        nbufs = RF_RECV_BUFS_MAX;
    if (opt->recv_buffers)
        nbufs = opt->recv_buffers < RF_RECV_BUFS_MAX ? opt->recv_buffers : RF_RECV_BUFS_MAX;
    struct be_config cfg = {
        .inflight = window * RF_RING_OPS_PER_WINDOW,
        .nbufs = nbufs,
        .buf_bytes = RF_RECV_BUF_BYTES,
    };
    struct be *be;
    enum be_kind kind = opt->backend == RF_BACKEND_EPOLL ? BE_KIND_EPOLL : BE_KIND_URING;
    int ret = be_create(kind, &be, &cfg);
    if (ret < 0) {
        stats->failed = kind == BE_KIND_EPOLL ? "epoll setup" : "io_uring setup";
        return ret;
    }
    if (opt->trace_fd > 0 && (ret = be_trace_attach(be, opt->trace_fd, opt->trace_lane)) < 0) {
        be_destroy(be);
        stats->failed = "memory";
        return ret;
    }
    return engine_run_with(be, window, opt, next_job, on_result, ctx, stats);
}
