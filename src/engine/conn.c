/* The connection state machine (see conn.h for the picture). */
#include "engine/conn.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "io/ud.h"
#include "ringfetch/engine.h"

#define CONN_OF(ptr, member) ((struct conn *)((char *)(ptr) - offsetof(struct conn, member)))

static void conn_on_open(void *owner);
static void conn_on_data(void *owner, struct lbuf *buf, const char *at, size_t len);
static void conn_on_sent(void *owner);
static void conn_on_end(void *owner, int err, bool opened);
static void conn_on_closed(void *owner);
static void conn_on_spliced(void *owner, int res);
static void conn_connect_expired(struct tmr *t, uint64_t now);

static const struct tp_events conn_tp_events = {
    .on_open = conn_on_open,
    .on_data = conn_on_data,
    .on_sent = conn_on_sent,
    .on_end = conn_on_end,
    .on_closed = conn_on_closed,
    .on_spliced = conn_on_spliced,
};

/* ---- lists ----------------------------------------------------------------- */

static void conn_unidle(struct conn *c)
{
    if (pool_linked(&c->idle_link))
        pool_idle_remove(c->origin, &c->idle_link);
    pool_unlink(&c->lru_link);
}

/* Tell the owner a connection to o may now take a job. */
static void conn_capacity(struct conn *c)
{
    struct conn_set *cs = c->set;
    if (cs->on_capacity && c->origin)
        cs->on_capacity(cs->ctx, c->origin);
}

/* Keep c on its origin's roomy list exactly while it can take another
 * pipelined exchange. */
static void conn_update_roomy(struct conn *c)
{
    bool roomy = c->state == CONN_ACTIVE && c->pipelinable && c->depth < c->set->max_depth;
    if (roomy && !pool_linked(&c->roomy_link)) {
        pool_push_back(&c->origin->roomy, &c->roomy_link);
        conn_capacity(c);
    } else if (!roomy) {
        pool_unlink(&c->roomy_link);
    }
}

/* ---- slots ------------------------------------------------------------------- */

int conn_set_init(struct conn_set *cs, struct be *be, struct tmr_heap *timers, uint32_t n,
                  unsigned connect_timeout_ms, unsigned max_depth,
                  void (*on_capacity)(void *ctx, struct origin *o), void *ctx)
{
    memset(cs, 0, sizeof *cs);
    cs->conns = calloc(n, sizeof *cs->conns);
    if (!cs->conns)
        return -ENOMEM;
    cs->be = be;
    cs->tps.be = be;
    cs->timers = timers;
    cs->n = n;
    cs->connect_timeout_ms = connect_timeout_ms;
    cs->max_depth = max_depth ? max_depth : 1;
    cs->on_capacity = on_capacity;
    cs->ctx = ctx;
    pool_list_init(&cs->lru);
    for (uint32_t i = n; i-- > 0;) {
        struct conn *c = &cs->conns[i];
        c->idx = i;
        c->set = cs;
        tmr_init(&c->connect_tmr, conn_connect_expired);
        c->next_free = cs->free_list;
        cs->free_list = c;
    }
    return 0;
}

void conn_set_free(struct conn_set *cs)
{
    for (uint32_t i = 0; i < cs->n; i++) {
        free(cs->conns[i].out[0].p);
        free(cs->conns[i].out[1].p);
        if (cs->conns[i].tls) {
            tp_tls_free(cs->conns[i].tls);
            free(cs->conns[i].tls);
        }
        if (cs->conns[i].tun) {
            tp_tunnel_free(cs->conns[i].tun);
            free(cs->conns[i].tun);
        }
    }
    free(cs->conns);
    memset(cs, 0, sizeof *cs);
}

struct conn *conn_alloc(struct conn_set *cs)
{
    struct conn *c = cs->free_list;
    if (!c)
        return NULL;
    cs->free_list = c->next_free;
    c->next_free = NULL;
    c->gen = ud_gen_next(c->gen);
    tp_plain_init(&c->tcp, &cs->tps, &conn_tp_events, c, ud_pack(0, c->gen, c->idx));
    c->tp = &c->tcp;
    c->state = CONN_FREE;
    c->origin = NULL;
    c->addr_try = 0;
    c->reconnect = c->served = c->pipelinable = c->tunneled = false;
    c->head = c->tail = c->unsent = c->direct = NULL;
    c->spl_pipe = NULL;
    c->depth = 0;
    c->out[0].len = c->out[1].len = 0;
    c->wire = 0;
    cs->active++;
    return c;
}

static void conn_free_slot(struct conn *c)
{
    struct conn_set *cs = c->set;
    assert(c->tp->state == TP_FREE && c->head == NULL);
    tmr_cancel(cs->timers, &c->connect_tmr);
    pool_unlink(&c->roomy_link);
    bool counted = c->state != CONN_FREE && c->origin;
    c->direct = NULL;
    if (c->spl_pipe) {
        /* Its splice ended with the socket (cancelled, or after the close
         * began): how much it moved is not known, so the pipe goes. */
        c->spl_pipe->fill++;
        pipes_put(cs->pipes, c->spl_pipe);
        c->spl_pipe = NULL;
    }
    c->state = CONN_FREE;
    c->gen = ud_gen_next(c->gen);
    c->next_free = cs->free_list;
    cs->free_list = c;
    cs->active--;
    if (counted) {
        /* One connection fewer to its origin: a capped origin may start a job. */
        c->origin->nconns--;
        conn_capacity(c);
    }
}

struct conn *conn_take_idle(struct origin *o)
{
    struct pool_link *l = pool_idle_pop(o);
    if (!l)
        return NULL;
    struct conn *c = CONN_OF(l, idle_link);
    pool_unlink(&c->lru_link);
    return c;
}

struct conn *conn_take_roomy(struct origin *o)
{
    if (pool_list_empty(&o->roomy))
        return NULL;
    return CONN_OF(o->roomy.next, roomy_link);
}

/* ---- ending exchanges and closing --------------------------------------------- */

/* The time of this pass: what a completion is stamped with. */
static uint64_t conn_now(const struct conn_set *cs)
{
    return cs->now ? *cs->now : tmr_now_ns();
}

static struct xchg *conn_pop(struct conn *c)
{
    struct xchg *x = c->head;
    if (!x)
        return NULL;
    c->head = x->next;
    if (!c->head)
        c->tail = NULL;
    if (c->unsent == x)
        c->unsent = x->next;
    c->depth--;
    x->next = NULL;
    if (c->head && c->head->sent) {
        /* Its answer is due from now; waiting behind x was not its server's silence. */
        c->head->due_ns = conn_now(c->set);
    }
    return x;
}

/* End every exchange still queued: the first with err and detail (and
 * resend_ok as given), the others as never answered. */
static void conn_end_all(struct conn *c, int err, const char *detail, bool head_resend_ok)
{
    bool first = true;
    c->direct = NULL;
    struct xchg *x;
    while ((x = conn_pop(c)) != NULL) {
        xchg_end(x, first ? err : RF_E_EMPTY_REPLY, first ? detail : NULL, first ? head_resend_ok : true);
        first = false;
    }
}

/* Close the connection (its exchanges have been dealt with). */
static void conn_close(struct conn *c)
{
    struct conn_set *cs = c->set;
    assert(c->head == NULL);
    conn_unidle(c);
    pool_unlink(&c->roomy_link);
    tmr_cancel(cs->timers, &c->connect_tmr);
    bool was_closing = c->state == CONN_CLOSING || c->reconnect;
    c->state = CONN_CLOSING;
    c->reconnect = false;
    if (c->tp->state == TP_FREE) {
        conn_free_slot(c);
        return;
    }
    if (!was_closing && c->tp->state != TP_CLOSING)
        tp_close(c->tp);
}

/* The failure that ended the stream, for the exchange being answered:
 * may its request be sent again? Only if the connection had already
 * served a response (so this is how a server's close of an idle
 * keep-alive connection shows) and not one byte of an answer came. */
static bool conn_resend_ok(const struct conn *c, int err)
{
    const struct xchg *x = c->head;
    return x && c->served && x->resp.bytes_fed == 0 &&
           (err == -ECONNRESET || err == -EPIPE || err == RF_E_EMPTY_REPLY);
}

/* ---- sending ------------------------------------------------------------------- */

static int conn_out_append(struct conn_out *o, const char *p, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 512;
        while (cap < o->len + n)
            cap *= 2;
        char *q = realloc(o->p, cap);
        if (!q)
            return -ENOMEM;
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    return 0;
}

/* Put what is queued on the wire, if the stream is open and idle. */
static void conn_flush(struct conn *c)
{
    struct conn_out *next = &c->out[c->wire ^ 1];
    if (c->tp->state != TP_OPEN || c->tp->send_busy || next->len == 0)
        return;
    c->out[c->wire].len = 0;
    c->wire ^= 1;
    tp_send(c->tp, next->p, next->len);
}

static void conn_enqueue(struct conn *c, struct xchg *x)
{
    x->next = NULL;
    x->sent = false;
    if (c->tail)
        c->tail->next = x;
    else
        c->head = x;
    c->tail = x;
    if (!c->unsent)
        c->unsent = x;
    c->depth++;
    if (conn_out_append(&c->out[c->wire ^ 1], x->req, x->req_len) < 0) {
        conn_end_all(c, -ENOMEM, NULL, false);
        conn_close(c);
        return;
    }
    conn_flush(c);
}

/* ---- starting -------------------------------------------------------------------- */

static void conn_open_addr(struct conn *c)
{
    struct origin *o = pool_addr_origin(c->origin);
    unsigned ai = (o->pref + c->addr_try) % o->naddrs;
    c->set->connects++;
    tp_connect(c->tp, (const struct sockaddr *)&o->addrs[ai], o->addrlens[ai]);
}

void conn_connect(struct conn *c, struct origin *o, struct xchg *x, uint64_t now_ns)
{
    assert(c->state == CONN_FREE);
    c->origin = o;
    c->addr_try = 0;
    c->state = CONN_CONNECTING;
    o->nconns++;
    /* One deadline for the whole connect, whichever addresses it tries. */
    tmr_arm(c->set->timers, &c->connect_tmr, now_ns + (uint64_t)c->set->connect_timeout_ms * 1000000u);
    if (o->tls) {
        if (!c->tls)
            c->tls = calloc(1, sizeof *c->tls);
        if (o->route == ORIGIN_TUNNEL && !c->tun)
            c->tun = calloc(1, sizeof *c->tun);
        if (!c->tls || (o->route == ORIGIN_TUNNEL && !c->tun)) {
            conn_enqueue(c, x);
            conn_end_all(c, -ENOMEM, NULL, false);
            conn_close(c);
            return;
        }
        struct tp *under = &c->tcp;
        if (o->route == ORIGIN_TUNNEL) {
            /* TLS to the origin over a tunnel through the proxy: SNI and
             * verification are the origin's, as without a proxy. */
            tp_tunnel_init(c->tun, &c->tcp, o->proxy, o->host, o->port, c->set->user_agent,
                           &conn_tp_events, c);
            under = &c->tun->tp;
            c->tunneled = true;
        }
        tp_tls_init(c->tls, under, c->set->tls, &o->tls_cache, o->host, &conn_tp_events, c);
        c->tp = &c->tls->tp;
    }
    conn_enqueue(c, x);
    if (c->state == CONN_CONNECTING)
        conn_open_addr(c);
}

void conn_push(struct conn *c, struct xchg *x)
{
    if (c->state == CONN_IDLE) {
        conn_unidle(c);
        c->state = CONN_ACTIVE;
    } else {
        c->set->pipelined++;
    }
    assert(c->state == CONN_ACTIVE);
    c->set->reused++;
    conn_enqueue(c, x);
    if (c->state == CONN_ACTIVE)
        conn_update_roomy(c);
}

void conn_drop(struct conn *c, struct xchg *x)
{
    struct xchg **p = &c->head, *prev = NULL;
    while (*p && *p != x) {
        prev = *p;
        p = &(*p)->next;
    }
    if (!*p)
        return;
    *p = x->next;
    if (c->tail == x)
        c->tail = prev;
    if (c->unsent == x)
        c->unsent = x->next;
    c->depth--;
    x->next = NULL;
    c->direct = NULL;
    /* The stream is out of step with the exchanges now: nothing more can
     * be read or sent on it safely. */
    conn_end_all(c, RF_E_EMPTY_REPLY, NULL, true);
    conn_close(c);
}

/* ---- transport events ------------------------------------------------------------- */

static void conn_on_open(void *owner)
{
    struct conn *c = owner;
    struct origin *o = pool_addr_origin(c->origin);
    o->pref = (o->pref + c->addr_try) % o->naddrs;
    c->addr_try = 0;
    tmr_cancel(c->set->timers, &c->connect_tmr);
    c->state = CONN_ACTIVE;
    conn_flush(c);
}

static void conn_on_sent(void *owner)
{
    struct conn *c = owner;
    /* Every exchange whose bytes were in the buffer just sent is on the wire. */
    size_t sent = c->out[c->wire].len;
    c->out[c->wire].len = 0;
    uint64_t now = c->unsent ? conn_now(c->set) : 0;
    while (c->unsent && sent >= c->unsent->req_len) {
        sent -= c->unsent->req_len;
        c->unsent->sent = true;
        c->unsent->due_ns = now; /* at the head or, pipelined, moved on by conn_pop */
        c->unsent = c->unsent->next;
    }
    conn_flush(c);
}

/* Bytes from the server: they answer the oldest exchange, then the next. */
/* The head exchange x is answered (complete): end it, and say whether the
 * connection goes on (false: closed, the response said close). */
static bool conn_answered(struct conn *c, struct xchg *x)
{
    c->served = true;
    bool keep = xchg_keep_alive(x) && x->sent;
    if (keep && x->resp.http_major == 1 && x->resp.http_minor >= 1)
        c->pipelinable = true;
    conn_pop(c);
    xchg_end(x, 0, NULL, false);
    if (!keep) {
        conn_end_all(c, RF_E_EMPTY_REPLY, NULL, true);
        conn_close(c);
        return false;
    }
    return true;
}

/* After answers: idle when none is left, else maybe room for more. */
static void conn_after_answers(struct conn *c)
{
    if (c->state != CONN_ACTIVE)
        return;
    if (!c->head) {
        c->state = CONN_IDLE;
        pool_unlink(&c->roomy_link);
        pool_idle_push(c->origin, &c->idle_link);
        pool_push_front(&c->set->lru, &c->lru_link);
        conn_capacity(c);
    } else {
        conn_update_roomy(c);
    }
}

/* The head's body goes on past this buffer: offer the rest to its owner,
 * to splice (plain TCP only: TLS has no raw bytes to hand out). The
 * receive is held first, so none is armed behind our back. */
static void conn_offer_rest(struct conn *c, struct xchg *x)
{
    uint64_t left;
    if (!c->set->pipes || c->tp != &c->tcp || !x->ev->take_rest || (left = resp_body_left(&x->resp)) == 0)
        return;
    tp_hold_recv(&c->tcp, true);
    c->direct = x; /* so that the owner may splice from take_rest itself */
    if (x->ev->take_rest(x->owner, left))
        return;
    if (c->direct == x)
        c->direct = NULL;
    if (c->state == CONN_ACTIVE && c->head == x)
        tp_hold_recv(&c->tcp, false);
}

/* Bytes from the server: they answer the oldest exchange, then the next. */
static void conn_on_data(void *owner, struct lbuf *buf, const char *at, size_t len)
{
    struct conn *c = owner;
    assert(!c->direct); /* its receive is held while a body is spliced */
    if (c->state != CONN_ACTIVE || !c->head) {
        /* An idle connection spoke (bytes nobody asked for): never reuse it. */
        conn_close(c);
        return;
    }
    while (len > 0) {
        struct xchg *x = c->head;
        if (!x) {
            /* Bytes after the last response would be an unrequested one. */
            conn_close(c);
            return;
        }
        size_t used = 0;
        enum resp_rc rc = xchg_feed(x, buf, at, len, &used);
        if (c->head != x)
            return; /* the owner gave up on x from a callback (conn_drop) */
        if (rc == RESP_MORE) {
            /* The rest of x is still to come; the answers before it made room. */
            conn_offer_rest(c, x);
            if (c->head != x)
                return;
            break;
        }
        if (rc == RESP_ERROR) {
            conn_end_all(c, x->resp.error, x->resp.reason, false);
            conn_close(c);
            return;
        }
        at += used;
        len -= used;
        if (!conn_answered(c, x))
            return;
    }
    conn_after_answers(c);
}

int conn_splice(struct conn *c, struct rf_pipe *p, size_t len)
{
    assert(c->direct && c->direct == c->head && !c->spl_pipe);
    if (tp_splice_in(&c->tcp, p->wr, len) < 0)
        return -EBUSY;
    pipes_hold(p);
    c->spl_pipe = p;
    return 0;
}

/* A splice from the socket moved res > 0 bytes of the head's body. */
static void conn_on_spliced(void *owner, int res)
{
    struct conn *c = owner;
    struct rf_pipe *p = c->spl_pipe;
    struct xchg *x = c->direct;
    c->spl_pipe = NULL;
    p->fill += (uint32_t)res;
    if (!x || x != c->head) {
        pipes_put(c->set->pipes, p);
        return;
    }
    enum resp_rc rc = resp_skip(&x->resp, (uint64_t)res);
    if (rc == RESP_ERROR) {
        /* More than the body had left: none of it is the owner's. */
        pipes_put(c->set->pipes, p);
        conn_end_all(c, x->resp.error, x->resp.reason, false);
        conn_close(c);
        return;
    }
    x->ev->on_spliced(x->owner, (uint32_t)res);
    pipes_put(c->set->pipes, p);
    if (c->head != x)
        return; /* the owner gave up on x (its file failed) */
    if (rc == RESP_MORE)
        return; /* the owner splices the next part */
    c->direct = NULL;
    if (!conn_answered(c, x))
        return;
    tp_hold_recv(&c->tcp, false);
    conn_after_answers(c);
}

/* Errors after which the origin's next address is worth a try. */
static bool conn_try_next_addr(const struct conn *c, int err)
{
    if (c->addr_try + 1 >= pool_addr_origin(c->origin)->naddrs)
        return false;
    return err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH ||
           err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT || err == -ETIMEDOUT;
}

static void conn_on_end(void *owner, int err, bool opened)
{
    struct conn *c = owner;
    if (c->state == CONN_IDLE) {
        /* The server closed (or reset) a kept-alive connection: retire it. */
        conn_close(c);
        return;
    }
    if (c->state == CONN_CLOSING)
        return;
    if (!opened && c->state == CONN_CONNECTING && conn_try_next_addr(c, err)) {
        c->addr_try++;
        c->reconnect = true;
        tp_close(c->tp); /* its on_closed opens the next address */
        return;
    }
    if (err == RF_E_TLS_TRUNCATED && c->head && c->head->resp.bytes_fed == 0)
        err = RF_E_EMPTY_REPLY; /* nothing of an answer: as a plain close would say */
    if (err == 0 && c->head) {
        /* The peer's EOF: the end of a body delimited by the close, or a
         * response cut short. */
        struct xchg *x = c->head;
        if (xchg_eof(x) == RESP_DONE) {
            c->served = true;
            conn_pop(c);
            xchg_end(x, 0, NULL, false);
            conn_end_all(c, RF_E_EMPTY_REPLY, NULL, true);
        } else {
            int e = x->resp.error;
            conn_end_all(c, e, x->resp.reason, conn_resend_ok(c, e));
        }
    } else {
        /* The words are the stream's, or the tunnel's under it (the TLS
         * transport has none of its own before its handshake). */
        const char *why = c->tp->why;
        if (!why && c->tunneled)
            why = c->tun->tp.why;
        conn_end_all(c, err, why, conn_resend_ok(c, err));
    }
    conn_close(c);
}

static void conn_on_closed(void *owner)
{
    struct conn *c = owner;
    if (c->reconnect) {
        c->reconnect = false;
        if (c->head) {
            conn_open_addr(c);
            return;
        }
    }
    if (c->head)
        conn_end_all(c, RF_E_EMPTY_REPLY, NULL, true);
    conn_free_slot(c);
}

static void conn_connect_expired(struct tmr *t, uint64_t now)
{
    struct conn *c = CONN_OF(t, connect_tmr);
    (void)now;
    if (c->state != CONN_CONNECTING)
        return;
    conn_end_all(c, conn_timeout_err(c, RF_E_CONNECT_TIMEOUT), NULL, false);
    if (c->reconnect) {
        /* The transport is closing already; its on_closed frees the slot. */
        c->reconnect = false;
        c->state = CONN_CLOSING;
        return;
    }
    conn_close(c);
}

/* ---- completions and housekeeping ------------------------------------------------------ */

void conn_complete(struct conn_set *cs, const struct be_cqe *cqe)
{
    uint32_t idx = ud_idx(cqe->ud);
    struct conn *c = idx < cs->n ? &cs->conns[idx] : NULL;
    if (!c || ud_gen(cqe->ud) != c->gen || c->state == CONN_FREE) {
        /* A completion from an earlier life of the slot: drop it, but give its buffer back. */
        if (cqe->buf)
            lbuf_put(cqe->buf);
        return;
    }
    tp_complete(c->tp, cqe);
}

void conn_feed_starved(struct conn_set *cs)
{
    tp_feed_starved(&cs->tps);
    if (cs->tls)
        tls_run_ready(cs->tls);
}

int conn_timeout_err(const struct conn *c, int err)
{
    /* TCP is up but the stream is not open yet: the handshake is what
     * hangs, unless a proxy has not answered CONNECT yet. */
    if (c && c->state == CONN_CONNECTING && c->tp != &c->tcp && c->tcp.state == TP_OPEN &&
        (!c->tunneled || c->tun->tp.state == TP_OPEN))
        return RF_E_TLS_TIMEOUT;
    return err;
}

bool conn_evict_idle(struct conn_set *cs)
{
    if (cs->lru.prev == &cs->lru)
        return false;
    conn_close(CONN_OF(cs->lru.prev, lru_link));
    return true;
}

bool conn_retire_idle(struct origin *o)
{
    struct conn *c = conn_take_idle(o);
    if (!c)
        return false;
    conn_close(c);
    return true;
}

void conn_close_idle(struct conn_set *cs)
{
    while (conn_evict_idle(cs))
        ;
}
