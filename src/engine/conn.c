/* The connection state machine (see conn.h for the picture). */
#include "engine/conn.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops.h"
#include "ringfetch/engine.h"

static uint64_t conn_ud(const struct conn *c, enum op_kind k)
{
    return ops_ud(k, c->gen, c->idx);
}

static int conn_on_headers(void *ctx, const struct resp *r)
{
    struct conn *c = ctx;
    return c->set->ev->on_headers(c->job, r);
}

static int conn_on_body(void *ctx, const char *at, size_t len)
{
    struct conn *c = ctx;
    return c->set->ev->on_body(c->job, (unsigned)c->cur_bid, at, len);
}

int conn_set_init(struct conn_set *cs, struct ring *r, const struct conn_events *ev,
                  uint32_t n, unsigned connect_timeout_ms)
{
    memset(cs, 0, sizeof *cs);
    cs->conns = calloc(n, sizeof *cs->conns);
    if (!cs->conns)
        return -ENOMEM;
    cs->ring = r;
    cs->ev = ev;
    cs->n = n;
    cs->connect_timeout_ms = connect_timeout_ms;
    for (uint32_t i = n; i-- > 0;) {
        struct conn *c = &cs->conns[i];
        c->idx = i;
        c->fd = -1;
        c->set = cs;
        c->next_starved = cs->free_list;
        cs->free_list = c;
    }
    return 0;
}

void conn_set_free(struct conn_set *cs)
{
    for (uint32_t i = 0; i < cs->n; i++)
        free(cs->conns[i].req);
    free(cs->conns);
    memset(cs, 0, sizeof *cs);
}

struct conn *conn_take_idle(struct origin *o)
{
    struct pool_link *l = pool_idle_pop(o);
    return l ? (struct conn *)((char *)l - offsetof(struct conn, idle_link)) : NULL;
}

struct conn *conn_alloc(struct conn_set *cs)
{
    struct conn *c = cs->free_list;
    if (!c)
        return NULL;
    cs->free_list = c->next_starved;
    c->next_starved = NULL;
    c->gen = (c->gen + 1) & OPS_GEN_MASK;
    c->fd = -1;
    c->ops = 0;
    c->send_busy = c->recv_busy = c->starved = c->reused = c->reconnect = false;
    c->job = NULL;
    cs->active++;
    return c;
}

static void conn_free_slot(struct conn *c)
{
    struct conn_set *cs = c->set;
    assert(c->ops == 0);
    free(c->req);
    c->req = NULL;
    c->state = CONN_FREE;
    c->fd = -1;
    c->gen = (c->gen + 1) & OPS_GEN_MASK;
    c->next_starved = cs->free_list;
    cs->free_list = c;
    cs->active--;
}

static void conn_unstarve(struct conn *c)
{
    if (!c->starved)
        return;
    for (struct conn **p = &c->set->starved; *p; p = &(*p)->next_starved)
        if (*p == c) {
            *p = c->next_starved;
            break;
        }
    c->next_starved = NULL;
    c->starved = false;
}

/* Called whenever an op of a CLOSING connection ends: close the descriptor
 * once nothing is in flight on it, free the slot once that close is done. */
static void conn_settle(struct conn *c)
{
    if (c->state != CONN_CLOSING || c->ops > 0)
        return;
    if (c->fd < 0) {
        conn_free_slot(c);
        return;
    }
    if (ring_close(c->set->ring, c->fd, 0, conn_ud(c, OP_CLOSE)) == 0)
        c->ops++;
    c->fd = -1; /* the number may be reused by the kernel from now on */
    if (c->ops == 0)
        conn_free_slot(c);
}

void conn_abort(struct conn_set *cs, struct conn *c)
{
    c->job = NULL;
    c->reconnect = false;
    if (c->state == CONN_CLOSING || c->state == CONN_FREE)
        return;
    if (c->state == CONN_IDLE && c->idle_link.next)
        pool_idle_remove(c->origin, &c->idle_link);
    conn_unstarve(c);
    free(c->req);
    c->req = NULL;
    c->state = CONN_CLOSING;
    if (c->fd >= 0 && c->ops > 0) {
        /* Never close with ops in flight: cancel them, close when the last one is back. */
        if (ring_cancel_fd(cs->ring, c->fd, conn_ud(c, OP_CANCEL)) == 0)
            c->ops++;
        return;
    }
    conn_settle(c);
}

static void conn_arm_recv(struct conn *c);

/* The job failed on this connection: detach it, close, tell the job. */
static void conn_fail(struct conn *c, int err)
{
    void *job = c->job;
    bool retry = c->reused && c->resp.bytes_fed == 0 &&
                 (err == -ECONNRESET || err == -EPIPE || err == RF_E_EMPTY_REPLY);
    const char *detail = c->resp.state == RESP_FAILED ? c->resp.reason : NULL;
    conn_abort(c->set, c);
    if (job)
        c->set->ev->on_end(job, err, detail, retry);
}

static void conn_end(struct conn *c, bool keep)
{
    void *job = c->job;
    c->job = NULL;
    free(c->req);
    c->req = NULL;
    if (keep) {
        c->state = CONN_IDLE;
        pool_idle_push(c->origin, &c->idle_link);
        /* Watch the idle connection: anything arriving now (the server's
         * close, or bytes nobody asked for) makes it unfit for reuse, and
         * would otherwise be read as the answer to the next request. The
         * same recv then serves that next request. */
        if (!c->recv_busy)
            conn_arm_recv(c);
    } else {
        conn_abort(c->set, c);
    }
    c->set->ev->on_end(job, 0, NULL, false);
}

static void conn_arm_recv(struct conn *c)
{
    if (ring_recv(c->set->ring, c->fd, conn_ud(c, OP_RECV)) < 0) {
        conn_fail(c, -EBUSY);
        return;
    }
    c->ops++;
    c->recv_busy = true;
}

static void conn_arm_send(struct conn *c)
{
    if (ring_send(c->set->ring, c->fd, c->req + c->req_sent, c->req_len - c->req_sent,
                  conn_ud(c, OP_SEND)) < 0) {
        conn_fail(c, -EBUSY);
        return;
    }
    c->ops++;
    c->send_busy = true;
}

/* Send the request and arm the recv in the same batch: one enter for both. */
static void conn_begin_request(struct conn *c)
{
    c->state = CONN_ACTIVE;
    conn_arm_send(c);
    if (c->state == CONN_ACTIVE && !c->recv_busy) /* a reused one is already watching */
        conn_arm_recv(c);
}

static void conn_open_socket(struct conn *c)
{
    struct origin *o = c->origin;
    const struct sockaddr_storage *sa = &o->addrs[(o->pref + c->addr_try) % o->naddrs];
    c->state = CONN_SOCKET;
    if (ring_socket(c->set->ring, sa->ss_family, SOCK_STREAM, conn_ud(c, OP_SOCKET)) < 0) {
        conn_fail(c, -EBUSY);
        return;
    }
    c->ops++;
}

void conn_start(struct conn_set *cs, struct conn *c, struct origin *o, void *job,
                char *req, size_t req_len, uint64_t now_ns)
{
    c->job = job;
    free(c->req);
    c->req = req;
    c->req_len = req_len;
    c->req_sent = 0;
    resp_init(&c->resp, c, conn_on_headers, conn_on_body);
    if (c->state == CONN_IDLE) {
        c->reused = true;
        cs->reused++;
        conn_begin_request(c);
        return;
    }
    assert(c->state == CONN_FREE);
    c->origin = o;
    c->reused = false;
    c->addr_try = 0;
    /* One deadline for the whole connect, whichever addresses it tries. */
    c->connect_deadline_ns = now_ns + (uint64_t)cs->connect_timeout_ms * 1000000u;
    conn_open_socket(c);
}

/* Errors after which the origin's next address is worth a try. */
static bool conn_try_next_addr(const struct conn *c, int err)
{
    if (c->addr_try + 1 >= c->origin->naddrs)
        return false;
    return err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH ||
           err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT || err == -ETIMEDOUT;
}

static void conn_next_addr(struct conn *c)
{
    c->addr_try++;
    c->reconnect = true;
    c->state = CONN_CLOSING;
    conn_settle(c); /* closes fd; the close completion opens the next socket */
}

/* socket or connect failed: the origin's next address, or the job fails. */
static void conn_connect_failed(struct conn *c, int err)
{
    if (conn_try_next_addr(c, err))
        conn_next_addr(c);
    else
        conn_fail(c, err);
}

static void conn_on_recv(struct conn *c, const struct ring_cqe *cqe)
{
    struct ring *r = c->set->ring;
    if (c->state != CONN_ACTIVE || !c->job) {
        if (cqe->bid >= 0)
            ring_buf_release(r, (unsigned)cqe->bid);
        /* An idle connection spoke (or closed, or failed): never reuse it. */
        if (c->state == CONN_IDLE)
            conn_abort(c->set, c);
        return;
    }
    if (cqe->res == -ENOBUFS) {
        /* Not a dead connection: every buffer is lent out. Re-arm when one is back. */
        c->set->enobufs++;
        c->starved = true;
        c->next_starved = c->set->starved;
        c->set->starved = c;
        return;
    }
    if (cqe->res < 0) {
        if (cqe->bid >= 0)
            ring_buf_release(r, (unsigned)cqe->bid);
        conn_fail(c, cqe->res);
        return;
    }
    if (cqe->res == 0) {
        int rc = resp_eof(&c->resp);
        if (rc == RESP_DONE)
            conn_end(c, false);
        else
            conn_fail(c, rc);
        return;
    }
    size_t used = 0;
    c->cur_bid = cqe->bid;
    int rc = resp_feed(&c->resp, ring_buf(r, (unsigned)cqe->bid), (size_t)cqe->res, &used);
    if (c->job)
        c->set->ev->on_buffer_end(c->job);
    ring_buf_release(r, (unsigned)cqe->bid);
    if (rc == RESP_MORE)
        conn_arm_recv(c);
    else if (rc == RESP_DONE)
        /* Bytes after the response would be an unrequested second response:
         * never reuse a connection that sent them. */
        conn_end(c, c->resp.keep_alive && used == (size_t)cqe->res && !c->send_busy);
    else
        conn_fail(c, rc);
}

void conn_complete(struct conn_set *cs, const struct ring_cqe *cqe)
{
    uint32_t idx = ops_idx(cqe->ud);
    if (idx >= cs->n)
        return;
    struct conn *c = &cs->conns[idx];
    if (ops_gen(cqe->ud) != c->gen || c->state == CONN_FREE) {
        /* A completion from an earlier life of the slot: drop it, but give its buffer back. */
        if (cqe->bid >= 0)
            ring_buf_release(cs->ring, (unsigned)cqe->bid);
        return;
    }
    c->ops--;
    int res = cqe->res;
    switch (ops_kind(cqe->ud)) {
    case OP_SOCKET:
        if (res >= 0)
            c->fd = res;
        if (c->state == CONN_CLOSING)
            break;
        if (res < 0) {
            conn_connect_failed(c, res);
            return;
        }
        c->state = CONN_CONNECT;
        {
            struct origin *o = c->origin;
            unsigned ai = (o->pref + c->addr_try) % o->naddrs;
            if (ring_connect(cs->ring, c->fd, (const struct sockaddr *)&o->addrs[ai], o->addrlens[ai],
                             conn_ud(c, OP_CONNECT)) < 0) {
                conn_fail(c, -EBUSY);
                return;
            }
            c->ops++;
            cs->connects++;
        }
        return;
    case OP_CONNECT:
        if (c->state == CONN_CLOSING)
            break;
        if (res < 0) {
            conn_connect_failed(c, res);
            return;
        }
        c->origin->pref = (c->origin->pref + c->addr_try) % c->origin->naddrs;
        c->addr_try = 0;
        conn_begin_request(c);
        return;
    case OP_SEND:
        c->send_busy = false;
        if (c->state != CONN_ACTIVE || !c->job)
            break;
        if (res < 0) {
            conn_fail(c, res);
            return;
        }
        /* A short send is a success: send the rest. */
        c->req_sent += (size_t)res;
        if (c->req_sent < c->req_len)
            conn_arm_send(c);
        return;
    case OP_RECV:
        c->recv_busy = false;
        conn_on_recv(c, cqe);
        break;
    case OP_CANCEL:
        break;
    case OP_CLOSE:
        if (c->reconnect && c->job && c->ops == 0) {
            c->reconnect = false;
            c->fd = -1;
            conn_open_socket(c);
            return;
        }
        if (c->ops == 0) {
            conn_free_slot(c);
            return;
        }
        return;
    default:
        break;
    }
    conn_settle(c);
}

void conn_feed_starved(struct conn_set *cs)
{
    while (cs->starved && cs->ring->bufs_free > 0) {
        struct conn *c = cs->starved;
        cs->starved = c->next_starved;
        c->next_starved = NULL;
        c->starved = false;
        if (c->state == CONN_ACTIVE && c->job)
            conn_arm_recv(c);
    }
}

uint64_t conn_expire(struct conn_set *cs, uint64_t now_ns)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < cs->n; i++) {
        struct conn *c = &cs->conns[i];
        if ((c->state != CONN_SOCKET && c->state != CONN_CONNECT && !(c->state == CONN_CLOSING && c->reconnect)) || !c->job)
            continue;
        if (c->connect_deadline_ns <= now_ns)
            conn_fail(c, RF_E_CONNECT_TIMEOUT);
        else if (c->connect_deadline_ns < next)
            next = c->connect_deadline_ns;
    }
    return next;
}

bool conn_evict_idle(struct conn_set *cs)
{
    for (uint32_t i = 0; i < cs->n; i++)
        if (cs->conns[i].state == CONN_IDLE) {
            conn_abort(cs, &cs->conns[i]);
            return true;
        }
    return false;
}

void conn_close_idle(struct conn_set *cs)
{
    for (uint32_t i = 0; i < cs->n; i++)
        if (cs->conns[i].state == CONN_IDLE)
            conn_abort(cs, &cs->conns[i]);
}
