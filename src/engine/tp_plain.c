/* Plain TCP transport (see transport.h): socket -> connect -> a receive
 * armed while open (held while the owner splices a body), one send at a
 * time, cancel then close.
 *
 * Every callback into the owner is the last thing a handler does with the
 * transport: the owner may close it, or even reuse it, from the callback. */
#include "engine/transport.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/ud.h"

static const struct tp_vt tp_plain_vt;

static uint64_t tp_ud(const struct tp *t, enum op_kind k)
{
    return t->ud | (uint64_t)k << 56;
}

void tp_plain_init(struct tp *t, struct tp_set *set, const struct tp_events *ev, void *owner, uint64_t ud)
{
    memset(t, 0, sizeof *t);
    t->vt = &tp_plain_vt;
    t->state = TP_FREE;
    t->fd = -1;
    t->set = set;
    t->ev = ev;
    t->owner = owner;
    t->ud = ud & ~((uint64_t)0xff << 56);
}

/* The stream is over: say so once. */
static void tp_end(struct tp *t, int err)
{
    if (t->state == TP_ENDED || t->state == TP_CLOSING || t->state == TP_FREE)
        return;
    t->state = TP_ENDED;
    t->ev->on_end(t->owner, err, t->opened);
}

static void tp_unstarve(struct tp *t)
{
    if (!t->starved)
        return;
    for (struct tp **p = &t->set->starved; *p; p = &(*p)->next_starved)
        if (*p == t) {
            *p = t->next_starved;
            break;
        }
    t->next_starved = NULL;
    t->starved = false;
}

/* A receive is armed whenever the stream is open and nothing else is
 * taking its bytes: none in flight, none waiting for a buffer, the owner
 * not splicing the body instead. */
static bool tp_wants_recv(const struct tp *t)
{
    return t->state == TP_OPEN && !t->recv_busy && !t->starved && !t->hold_recv && !t->splicing;
}

static void tp_arm_recv(struct tp *t)
{
    if (be_recv(t->set->be, t->fd, tp_ud(t, OP_TP_RECV)) < 0) {
        tp_end(t, -EBUSY);
        return;
    }
    t->ops++;
    t->recv_busy = true;
}

static void tp_arm_send(struct tp *t)
{
    if (be_send(t->set->be, t->fd, t->out + t->out_sent, t->out_len - t->out_sent,
                tp_ud(t, OP_TP_SEND)) < 0) {
        tp_end(t, -EBUSY);
        return;
    }
    t->ops++;
    t->send_busy = true;
}

/* Closing: close the descriptor once nothing is in flight on it, and say
 * the transport is free once that close is back. */
static void tp_settle(struct tp *t)
{
    if (t->state != TP_CLOSING || t->ops > 0)
        return;
    if (t->fd >= 0) {
        int fd = t->fd;
        t->fd = -1; /* the number may be reused by the kernel from now on */
        if (be_close(t->set->be, fd, tp_ud(t, OP_TP_CLOSE)) == 0) {
            t->ops++;
            return;
        }
        close(fd); /* nothing is in flight on it, so a plain close is safe */
    }
    t->state = TP_FREE;
    t->ev->on_closed(t->owner);
}

static void tp_plain_connect(struct tp *t, const struct sockaddr *sa, socklen_t len)
{
    assert(t->state == TP_FREE && t->ops == 0);
    t->sa = sa;
    t->salen = len;
    t->opened = false;
    t->connect_busy = t->send_busy = t->recv_busy = false;
    t->hold_recv = t->splicing = false;
    t->rx_bytes = t->tx_bytes = 0;
    t->state = TP_SOCKET;
    if (be_socket(t->set->be, sa->sa_family, SOCK_STREAM, tp_ud(t, OP_TP_SOCKET)) < 0) {
        tp_end(t, -EBUSY);
        return;
    }
    t->ops++;
}

static void tp_plain_send(struct tp *t, const char *buf, size_t len)
{
    assert(t->state == TP_OPEN && !t->send_busy);
    t->out = buf;
    t->out_len = len;
    t->out_sent = 0;
    tp_arm_send(t);
}

static void tp_cancel_op(struct tp *t, bool busy, enum op_kind k)
{
    if (busy && be_cancel_op(t->set->be, t->fd, tp_ud(t, k), tp_ud(t, OP_TP_CANCEL)) == 0)
        t->ops++;
}

static void tp_plain_close(struct tp *t)
{
    assert(t->state != TP_FREE && t->state != TP_CLOSING);
    tp_unstarve(t);
    t->state = TP_CLOSING;
    /* Never close with ops in flight: cancel them, close when the last is
     * back. Each by its user_data, which io_uring finds in a hash; a cancel
     * by descriptor walks every request in the ring, and at -m 4900 those
     * walks were a third of the client's CPU. */
    if (t->fd >= 0 && t->ops > 0) {
        /* With a descriptor, every op in flight has its flag (the socket op
         * is the only one without, and it is over once fd is set). */
        assert((unsigned)(t->connect_busy + t->send_busy + t->recv_busy + t->splicing) == t->ops);
        tp_cancel_op(t, t->connect_busy, OP_TP_CONNECT);
        tp_cancel_op(t, t->send_busy, OP_TP_SEND);
        tp_cancel_op(t, t->recv_busy, OP_TP_RECV);
        tp_cancel_op(t, t->splicing, OP_TP_SPLICE);
    }
    tp_settle(t);
}

static void tp_on_recv(struct tp *t, const struct be_cqe *cqe)
{
    struct lbuf *buf = cqe->buf;
    t->recv_busy = false;
    if (t->state != TP_OPEN) {
        if (buf)
            lbuf_put(buf);
        tp_settle(t);
        return;
    }
    if (cqe->res == -ENOBUFS) {
        /* Not a dead connection: every buffer is lent out. Re-armed once one is back. */
        t->starved = true;
        t->next_starved = t->set->starved;
        t->set->starved = t;
        return;
    }
    if (cqe->res <= 0) {
        if (buf)
            lbuf_put(buf);
        tp_end(t, cqe->res);
        return;
    }
    t->rx_bytes += (uint64_t)cqe->res;
    t->set->rx_bytes += (uint64_t)cqe->res;
    t->ev->on_data(t->owner, buf, buf->data, (size_t)cqe->res);
    lbuf_put(buf);
    if (tp_wants_recv(t))
        tp_arm_recv(t);
}

void tp_hold_recv(struct tp *t, bool hold)
{
    t->hold_recv = hold;
    if (tp_wants_recv(t))
        tp_arm_recv(t);
}

int tp_splice_in(struct tp *t, int pipe_wr, size_t len)
{
    assert(t->vt == &tp_plain_vt && t->state == TP_OPEN && t->hold_recv && !t->recv_busy && !t->splicing);
    if (be_splice(t->set->be, t->fd, -1, pipe_wr, -1, len, tp_ud(t, OP_TP_SPLICE)) < 0)
        return -EBUSY;
    t->ops++;
    t->splicing = true;
    t->splice_fd = pipe_wr;
    return 0;
}

static void tp_on_spliced(struct tp *t, int res)
{
    t->splicing = false;
    if (t->state != TP_OPEN) {
        tp_settle(t);
        return;
    }
    if (res <= 0) {
        tp_end(t, res); /* 0: the peer's EOF, as a receive of 0 bytes says */
        return;
    }
    t->rx_bytes += (uint64_t)res;
    t->set->rx_bytes += (uint64_t)res;
    t->ev->on_spliced(t->owner, res);
    if (tp_wants_recv(t))
        tp_arm_recv(t);
}

static void tp_plain_complete(struct tp *t, const struct be_cqe *cqe)
{
    assert(t->ops > 0);
    t->ops--;
    int res = cqe->res;
    switch ((enum op_kind)ud_kind(cqe->ud)) {
    case OP_TP_SOCKET:
        if (res >= 0)
            t->fd = res;
        if (t->state != TP_SOCKET)
            break;
        if (res < 0) {
            tp_end(t, res);
            return;
        }
        t->state = TP_CONNECT;
        if (be_connect(t->set->be, t->fd, t->sa, t->salen, tp_ud(t, OP_TP_CONNECT)) < 0) {
            tp_end(t, -EBUSY);
            return;
        }
        t->ops++;
        t->connect_busy = true;
        return;
    case OP_TP_CONNECT:
        t->connect_busy = false;
        if (t->state != TP_CONNECT)
            break;
        if (res < 0) {
            tp_end(t, res);
            return;
        }
        t->state = TP_OPEN;
        t->opened = true;
        tp_arm_recv(t);
        if (t->state == TP_OPEN)
            t->ev->on_open(t->owner);
        return;
    case OP_TP_SEND:
        t->send_busy = false;
        if (t->state != TP_OPEN)
            break;
        if (res < 0) {
            tp_end(t, res);
            return;
        }
        t->tx_bytes += (uint64_t)res;
        t->out_sent += (size_t)res;
        if (t->out_sent < t->out_len) {
            /* A short send is a success: send the rest. */
            tp_arm_send(t);
            return;
        }
        t->ev->on_sent(t->owner);
        return;
    case OP_TP_RECV:
        tp_on_recv(t, cqe);
        return;
    case OP_TP_SPLICE:
        tp_on_spliced(t, res);
        return;
    case OP_TP_CANCEL:
        break;
    case OP_TP_CLOSE:
        if (t->ops == 0) {
            t->state = TP_FREE;
            t->ev->on_closed(t->owner);
        }
        return;
    default:
        break;
    }
    tp_settle(t);
}

void tp_feed_starved(struct tp_set *set)
{
    while (set->starved && set->be->bufs_free > 0) {
        struct tp *t = set->starved;
        set->starved = t->next_starved;
        t->next_starved = NULL;
        t->starved = false;
        if (tp_wants_recv(t))
            tp_arm_recv(t);
    }
}

static const struct tp_vt tp_plain_vt = {
    .name = "tcp",
    .connect = tp_plain_connect,
    .send = tp_plain_send,
    .close = tp_plain_close,
    .complete = tp_plain_complete,
};
