/* The epoll backend (see backend.h): the same completions as be_uring.c,
 * made from readiness events and plain system calls, so that one client
 * binary can be run on io_uring and on epoll and compared.
 *
 * Sockets the backend creates (be_socket, be_accept) are non-blocking and
 * registered once, edge-triggered, for input, output and the peer's
 * close: readiness is then kept here as two flags per descriptor (rd, wr)
 * and an operation is tried as soon as its side is ready, at submission or
 * after the epoll_wait that reported the edge. A try that meets EAGAIN
 * clears the flag and waits for the next edge. A receive that fills less
 * than its buffer also clears rd without a second call to see EAGAIN:
 * every arrival of data on a stream socket posts a new edge, so nothing is
 * missed, and the peer's FIN, which posts no further data, is remembered
 * from the EPOLLRDHUP it comes with (then rd stays set). nginx reads the
 * same way.
 *
 * Descriptors the backend did not create (a URL list on a pipe or a
 * terminal) may be blocking and shared with other processes: they are
 * watched one-shot and level-triggered, and read once per event, so a read
 * never blocks. Regular files (epoll_ctl says EPERM) and every file
 * operation (open, write, close, rename, link, unlink) are synchronous
 * calls. Their results, like those of ready sockets, wait in a completion
 * queue for the next be_reap, in order.
 *
 * Every system call made for I/O is counted, by name (describe_calls), so
 * an A/B against io_uring compares what each really costs.
 */
#include "io/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "io/io_tunables.h"

/* The system calls we count, by name. */
enum ep_call {
    EPC_EPOLL_WAIT, EPC_EPOLL_CTL, EPC_SOCKET, EPC_CONNECT, EPC_GETSOCKOPT, EPC_ACCEPT,
    EPC_SEND, EPC_SENDMSG, EPC_RECV, EPC_READ, EPC_OPEN, EPC_WRITE, EPC_CLOSE,
    EPC_RENAME, EPC_LINK, EPC_UNLINK, EPC_STATX, EPC_FGETXATTR, EPC_FSETXATTR, EPC_FTRUNCATE,
    EPC_FALLOCATE, EPC_COUNT
};
static const char *const ep_call_names[EPC_COUNT] = {
    "epoll_wait", "epoll_ctl", "socket", "connect", "getsockopt", "accept",
    "send", "sendmsg", "recv", "read", "open", "write", "close",
    "rename", "link", "unlink", "statx", "fgetxattr", "fsetxattr", "ftruncate", "fallocate",
};

/* Operations that wait for readiness. */
enum ep_code { EP_CONNECT, EP_ACCEPT, EP_SEND, EP_SENDMSG, EP_RECV, EP_RECV_INTO, EP_READ, EP_POLL };

struct ep_op {
    struct ep_op *next;
    uint64_t ud;
    enum ep_code code;
    void *buf;
    size_t len;
    const struct msghdr *msg;
    unsigned events;           /* EP_POLL: what was asked */
};

enum ep_kind {
    EPK_NONE,    /* not seen yet */
    EPK_SOCK,    /* ours: non-blocking, registered edge-triggered once */
    EPK_ONESHOT, /* not ours: one-shot level-triggered, one try per event */
    EPK_FILE,    /* not pollable: synchronous calls */
};

struct ep_fd {
    enum ep_kind kind;
    bool registered;
    bool rd, wr;               /* EPK_SOCK: the side is ready (until EAGAIN) */
    bool hup;                  /* the peer closed or the socket failed: reads end at once */
    struct ep_op *rq, *rq_tail; /* input side: recv, read, accept, poll for POLLIN */
    struct ep_op *wq, *wq_tail; /* output side: connect, send, poll for POLLOUT */
};

#define EP_OPS_PER_SLAB 256
struct ep_slab {
    struct ep_slab *next;
    struct ep_op ops[EP_OPS_PER_SLAB];
};

struct be_epoll {
    struct be b;               /* first: a struct be * is a struct be_epoll * */
    int epfd;
    struct ep_fd *fds;
    unsigned nfds;
    struct ep_op *free_ops;
    struct ep_slab *slabs;
    /* Completions waiting for be_reap: a ring. Every operation reserves its
     * slot when it is queued (pending counts both), so pushing never fails. */
    struct be_cqe *cq;
    unsigned cq_head, cq_count, cq_cap;
    unsigned pending;          /* operations in flight + completions not reaped */
    char *bufs;
    struct lbuf *lbufs;
    uint32_t *free_ids;        /* ids of lent buffers that are back */
    bool dead;
    bool no_pwait2;            /* the kernel lacks epoll_pwait2: ms timeouts */
    uint64_t calls[EPC_COUNT];
    struct epoll_event events[IO_EPOLL_EVENTS];
};

static struct be_epoll *E(struct be *b)
{
    return (struct be_epoll *)b;
}

static void ep_count(struct be_epoll *u, enum ep_call c)
{
    u->calls[c]++;
    u->b.n.syscalls++;
}

/* ---- completions ------------------------------------------------------------------ */

/* Reserve room for n more completions. -EBUSY when memory is short. */
static int ep_reserve(struct be_epoll *u, unsigned n)
{
    if (u->pending + n > u->cq_cap) {
        unsigned cap = u->cq_cap ? u->cq_cap : 64;
        while (cap < u->pending + n)
            cap *= 2;
        struct be_cqe *q = malloc((size_t)cap * sizeof *q);
        if (!q)
            return -EBUSY;
        for (unsigned i = 0; i < u->cq_count; i++)
            q[i] = u->cq[(u->cq_head + i) % u->cq_cap];
        free(u->cq);
        u->cq = q;
        u->cq_cap = cap;
        u->cq_head = 0;
    }
    u->pending += n;
    u->b.n.sqes += n;
    return 0;
}

static void ep_push(struct be_epoll *u, uint64_t ud, int res, uint32_t flags, struct lbuf *buf)
{
    struct be_cqe *c = &u->cq[(u->cq_head + u->cq_count) % u->cq_cap];
    c->ud = ud;
    c->res = res;
    c->flags = flags;
    c->buf = buf;
    u->cq_count++;
    if (res == -ENOBUFS)
        u->b.n.enobufs++;
}

/* A synchronous operation: reserve, do, complete. */
static int ep_done_now(struct be_epoll *u, uint64_t ud, int res)
{
    ep_push(u, ud, res, 0, NULL);
    return 0;
}

/* ---- descriptors and operations ----------------------------------------------------- */

static struct ep_fd *ep_fd(struct be_epoll *u, int fd)
{
    if (fd < 0)
        return NULL;
    if ((unsigned)fd >= u->nfds) {
        unsigned n = u->nfds ? u->nfds : IO_EPOLL_FDS_INITIAL;
        while (n <= (unsigned)fd)
            n *= 2;
        struct ep_fd *t = realloc(u->fds, (size_t)n * sizeof *t);
        if (!t)
            return NULL;
        memset(t + u->nfds, 0, (size_t)(n - u->nfds) * sizeof *t);
        u->fds = t;
        u->nfds = n;
    }
    return &u->fds[fd];
}

static struct ep_op *ep_op_new(struct be_epoll *u)
{
    if (!u->free_ops) {
        struct ep_slab *s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        s->next = u->slabs;
        u->slabs = s;
        for (unsigned i = 0; i < EP_OPS_PER_SLAB; i++) {
            s->ops[i].next = u->free_ops;
            u->free_ops = &s->ops[i];
        }
    }
    struct ep_op *op = u->free_ops;
    u->free_ops = op->next;
    memset(op, 0, sizeof *op);
    return op;
}

static void ep_op_free(struct be_epoll *u, struct ep_op *op)
{
    op->next = u->free_ops;
    u->free_ops = op;
}

static bool ep_is_input(const struct ep_op *op)
{
    switch (op->code) {
    case EP_ACCEPT: case EP_RECV: case EP_RECV_INTO: case EP_READ: return true;
    case EP_POLL: return (op->events & POLLIN) != 0;
    default: return false;
    }
}

/* Fresh state for a descriptor number the backend just got (socket, accept, open). */
static void ep_fd_reset(struct ep_fd *f, enum ep_kind kind)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
}

/* Register a socket of ours, edge-triggered, for good. */
static int ep_register_et(struct be_epoll *u, int fd, struct ep_fd *f)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.fd = fd };
    ep_count(u, EPC_EPOLL_CTL);
    if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return -errno;
    f->registered = true;
    return 0;
}

/* A descriptor that is not ours: watch it one-shot for what its queued
 * operations wait for. EPERM means a regular file (not pollable). */
static int ep_arm_oneshot(struct be_epoll *u, int fd, struct ep_fd *f)
{
    unsigned want = (f->rq ? EPOLLIN : 0) | (f->wq ? EPOLLOUT : 0);
    if (!want)
        return 0;
    struct epoll_event ev = { .events = want | EPOLLONESHOT, .data.fd = fd };
    ep_count(u, EPC_EPOLL_CTL);
    if (epoll_ctl(u->epfd, f->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
        return -errno;
    f->registered = true;
    return 0;
}

/* ---- lent buffers ------------------------------------------------------------------- */

static void ep_buf_release(struct lbuf *lb)
{
    struct be_epoll *u = lb->owner;
    if (u->dead)
        return;
    u->free_ids[u->b.bufs_free++] = lb->id;
}

static struct lbuf *ep_buf_take(struct be_epoll *u)
{
    if (u->b.bufs_free == 0)
        return NULL;
    struct lbuf *lb = &u->lbufs[u->free_ids[--u->b.bufs_free]];
    lb->refs = 1;
    return lb;
}

static void ep_buf_give_back(struct be_epoll *u, struct lbuf *lb)
{
    u->free_ids[u->b.bufs_free++] = lb->id;
}

/* ---- trying an operation ------------------------------------------------------------- */

enum ep_try { EP_TRY_DONE, EP_TRY_AGAIN };

/* The input side is drained (EAGAIN, or a short read with no FIN seen). */
static void ep_not_readable(struct ep_fd *f)
{
    if (!f->hup)
        f->rd = false;
}

static enum ep_try ep_try_recv(struct be_epoll *u, int fd, struct ep_fd *f, struct ep_op *op)
{
    struct lbuf *lb = NULL;
    void *into = op->buf;
    size_t len = op->len;
    if (op->code == EP_RECV) {
        /* As with a buffer ring: a buffer is taken only when there is data
         * to put in it, and none left is -ENOBUFS, not a dead connection. */
        lb = ep_buf_take(u);
        if (!lb) {
            ep_push(u, op->ud, -ENOBUFS, 0, NULL);
            return EP_TRY_DONE;
        }
        into = lb->data;
        len = u->b.buf_bytes;
    }
    ssize_t n;
    if (op->code == EP_READ) {
        ep_count(u, EPC_READ);
        n = read(fd, into, len);
    } else {
        ep_count(u, EPC_RECV);
        n = recv(fd, into, len, MSG_DONTWAIT);
    }
    int err = n < 0 ? errno : 0;
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
        if (lb)
            ep_buf_give_back(u, lb);
        ep_not_readable(f);
        return EP_TRY_AGAIN;
    }
    if (n <= 0 && lb) {
        ep_buf_give_back(u, lb);
        lb = NULL;
    }
    if (n > 0 && (size_t)n < len)
        ep_not_readable(f);
    ep_push(u, op->ud, n < 0 ? -err : (int)n, 0, lb);
    return EP_TRY_DONE;
}

static enum ep_try ep_try_send(struct be_epoll *u, struct ep_fd *f, int fd, struct ep_op *op)
{
    if (op->code == EP_SENDMSG) {
        ep_count(u, EPC_SENDMSG);
        ssize_t n = sendmsg(fd, op->msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            f->wr = false;
            return EP_TRY_AGAIN;
        }
        ep_push(u, op->ud, n < 0 ? -errno : (int)n, 0, NULL);
        return EP_TRY_DONE;
    }
    /* Write until everything is out or the socket buffer is full: a short
     * send is still a success, and the caller sends the rest. */
    size_t done = 0;
    int err = 0;
    while (done < op->len) {
        ep_count(u, EPC_SEND);
        ssize_t n = send(fd, (const char *)op->buf + done, op->len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            err = errno;
            break;
        }
        done += (size_t)n;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
        f->wr = false;
        if (done == 0)
            return EP_TRY_AGAIN;
        err = 0;
    }
    ep_push(u, op->ud, done > 0 || err == 0 ? (int)done : -err, 0, NULL);
    return EP_TRY_DONE;
}

static enum ep_try ep_try_accept(struct be_epoll *u, int fd, struct ep_fd *f, struct ep_op *op)
{
    bool multi = (u->b.features & BE_F_MULTISHOT_ACCEPT) != 0;
    for (;;) {
        /* The op's own slot carries the last completion; each one before it
         * needs one more. */
        if (multi && ep_reserve(u, 1) < 0)
            return EP_TRY_AGAIN;
        ep_count(u, EPC_ACCEPT);
        int nfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int err = errno;
        if (nfd < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
            if (multi) {
                u->pending--;
                u->b.n.sqes--;
            }
            ep_not_readable(f);
            return EP_TRY_AGAIN;
        }
        if (nfd >= 0) {
            struct ep_fd *nf = ep_fd(u, nfd);
            if (nf)
                ep_fd_reset(nf, EPK_SOCK);
        }
        if (!multi || nfd < 0) {
            if (multi) {
                u->pending--;
                u->b.n.sqes--;
            }
            ep_push(u, op->ud, nfd < 0 ? -err : nfd, 0, NULL);
            return EP_TRY_DONE;
        }
        ep_push(u, op->ud, nfd, BE_CQE_MORE, NULL);
    }
}

static enum ep_try ep_try_connect(struct be_epoll *u, int fd, struct ep_op *op)
{
    int soerr = 0;
    socklen_t len = sizeof soerr;
    ep_count(u, EPC_GETSOCKOPT);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    ep_push(u, op->ud, -soerr, 0, NULL);
    return EP_TRY_DONE;
}

static unsigned ep_revents(const struct ep_fd *f)
{
    return (f->rd ? POLLIN : 0) | (f->wr ? POLLOUT : 0) | (f->hup ? POLLHUP : 0);
}

static enum ep_try ep_try(struct be_epoll *u, int fd, struct ep_fd *f, struct ep_op *op)
{
    switch (op->code) {
    case EP_CONNECT: return ep_try_connect(u, fd, op);
    case EP_ACCEPT: return ep_try_accept(u, fd, f, op);
    case EP_SEND: case EP_SENDMSG: return ep_try_send(u, f, fd, op);
    case EP_RECV: case EP_RECV_INTO: case EP_READ: return ep_try_recv(u, fd, f, op);
    case EP_POLL: {
        unsigned rev = ep_revents(f) & (op->events | POLLHUP);
        if (!rev)
            return EP_TRY_AGAIN;
        ep_push(u, op->ud, (int)rev, 0, NULL);
        return EP_TRY_DONE;
    }
    }
    return EP_TRY_AGAIN;
}

/* Run the operations queued on one side while it is ready. once: one try
 * at most (a descriptor that may block). */
static void ep_run_side(struct be_epoll *u, int fd, struct ep_fd *f, bool input, bool once)
{
    struct ep_op **head = input ? &f->rq : &f->wq, **tail = input ? &f->rq_tail : &f->wq_tail;
    while (*head && (input ? f->rd : f->wr)) {
        struct ep_op *op = *head;
        if (ep_try(u, fd, f, op) == EP_TRY_AGAIN)
            return;
        *head = op->next;
        if (!*head)
            *tail = NULL;
        ep_op_free(u, op);
        if (once)
            return;
    }
}

static void ep_run(struct be_epoll *u, int fd, struct ep_fd *f)
{
    if (f->kind == EPK_ONESHOT) {
        ep_run_side(u, fd, f, true, true);
        ep_run_side(u, fd, f, false, true);
        /* Readiness of a descriptor that is not ours is never assumed to last. */
        f->rd = f->wr = false;
        if (f->rq || f->wq)
            ep_arm_oneshot(u, fd, f);
        return;
    }
    ep_run_side(u, fd, f, true, false);
    ep_run_side(u, fd, f, false, false);
}

/* Queue op on fd and try it if its side is ready. The completion slot is
 * reserved by the caller. */
static void ep_enqueue(struct be_epoll *u, int fd, struct ep_fd *f, struct ep_op *op)
{
    bool input = ep_is_input(op);
    struct ep_op **head = input ? &f->rq : &f->wq, **tail = input ? &f->rq_tail : &f->wq_tail;
    op->next = NULL;
    if (*tail)
        (*tail)->next = op;
    else
        *head = op;
    *tail = op;
    if (f->kind == EPK_ONESHOT) {
        if (ep_arm_oneshot(u, fd, f) < 0) {
            /* Cannot be watched: end it here rather than never. */
            *head = op->next;
            if (!*head)
                *tail = NULL;
            ep_push(u, op->ud, -EBADF, 0, NULL);
            ep_op_free(u, op);
        }
        return;
    }
    if (*head == op)
        ep_run_side(u, fd, f, input, false);
}

/* The common start of a readiness operation: the descriptor's state, a
 * completion slot and an op. NULL with *err when it cannot be queued. */
static struct ep_op *ep_begin(struct be_epoll *u, int fd, uint64_t ud, enum ep_code code,
                              struct ep_fd **fp, int *err)
{
    struct ep_fd *f = ep_fd(u, fd);
    struct ep_op *op = f ? ep_op_new(u) : NULL;
    if (!op || ep_reserve(u, 1) < 0) {
        if (op)
            ep_op_free(u, op);
        *err = -EBUSY;
        return NULL;
    }
    op->ud = ud;
    op->code = code;
    *fp = f;
    return op;
}

/* First sight of a descriptor the backend did not create. */
static void ep_adopt(struct be_epoll *u, int fd, struct ep_fd *f)
{
    (void)u;
    (void)fd;
    if (f->kind == EPK_NONE)
        ep_fd_reset(f, EPK_ONESHOT);
}

/* ---- the operations ---------------------------------------------------------------- */

static int ep_socket(struct be *b, int domain, int type, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_SOCKET);
    int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        struct ep_fd *f = ep_fd(u, fd);
        if (!f) {
            ep_count(u, EPC_CLOSE);
            close(fd);
            return ep_done_now(u, ud, -ENOMEM);
        }
        ep_fd_reset(f, EPK_SOCK);
    }
    return ep_done_now(u, ud, fd < 0 ? -errno : fd);
}

static int ep_connect(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{
    struct be_epoll *u = E(b);
    struct ep_fd *f;
    int err;
    struct ep_op *op = ep_begin(u, fd, ud, EP_CONNECT, &f, &err);
    if (!op)
        return err;
    ep_count(u, EPC_CONNECT);
    int r = connect(fd, sa, len);
    err = r < 0 ? errno : 0;
    if (r < 0 && err != EINPROGRESS) {
        ep_op_free(u, op);
        return ep_done_now(u, ud, -err);
    }
    if (f->kind != EPK_SOCK)
        ep_fd_reset(f, EPK_SOCK);
    /* Registered after connect: the registration reports the state the
     * socket is in then, so a connect that completes in between is seen. */
    if (!f->registered && (err = ep_register_et(u, fd, f)) < 0) {
        ep_op_free(u, op);
        return ep_done_now(u, ud, err);
    }
    if (r == 0) {
        f->wr = true;
        ep_op_free(u, op);
        return ep_done_now(u, ud, 0);
    }
    f->wr = false;
    ep_enqueue(u, fd, f, op);
    return 0;
}

/* A socket of ours used for the first time without be_connect (accepted). */
static int ep_ensure_sock(struct be_epoll *u, int fd, struct ep_fd *f)
{
    if (f->kind == EPK_NONE)
        ep_adopt(u, fd, f);
    if (f->kind == EPK_SOCK && !f->registered) {
        int err = ep_register_et(u, fd, f);
        if (err < 0)
            return err;
        /* The registration's first event tells whether there is input; output
         * of a fresh connection has room. */
        f->wr = true;
    }
    return 0;
}

static int ep_sock_op(struct be *b, int fd, uint64_t ud, enum ep_code code, void *buf, size_t len,
                      const struct msghdr *msg, unsigned events)
{
    struct be_epoll *u = E(b);
    struct ep_fd *f;
    int err;
    struct ep_op *op = ep_begin(u, fd, ud, code, &f, &err);
    if (!op)
        return err;
    op->buf = buf;
    op->len = len;
    op->msg = msg;
    op->events = events;
    if ((err = ep_ensure_sock(u, fd, f)) < 0) {
        ep_op_free(u, op);
        return ep_done_now(u, ud, err);
    }
    ep_enqueue(u, fd, f, op);
    return 0;
}

static int ep_accept(struct be *b, int fd, uint64_t ud)
{
    struct ep_fd *f = ep_fd(E(b), fd);
    if (f && f->kind == EPK_NONE)
        ep_fd_reset(f, EPK_SOCK); /* a listening socket: non-blocking is the caller's to set */
    return ep_sock_op(b, fd, ud, EP_ACCEPT, NULL, 0, NULL, 0);
}

static int ep_send(struct be *b, int fd, const void *buf, size_t len, uint64_t ud)
{
    return ep_sock_op(b, fd, ud, EP_SEND, (void *)buf, len, NULL, 0);
}

static int ep_sendmsg(struct be *b, int fd, const struct msghdr *msg, uint64_t ud)
{
    return ep_sock_op(b, fd, ud, EP_SENDMSG, NULL, 0, msg, 0);
}

static int ep_recv(struct be *b, int fd, uint64_t ud)
{
    return ep_sock_op(b, fd, ud, EP_RECV, NULL, 0, NULL, 0);
}

static int ep_recv_into(struct be *b, int fd, void *buf, size_t len, uint64_t ud)
{
    return ep_sock_op(b, fd, ud, EP_RECV_INTO, buf, len, NULL, 0);
}

static int ep_poll(struct be *b, int fd, unsigned events, uint64_t ud)
{
    return ep_sock_op(b, fd, ud, EP_POLL, NULL, 0, NULL, events);
}

static int ep_read(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud)
{
    struct be_epoll *u = E(b);
    struct ep_fd *f = ep_fd(u, fd);
    if (!f)
        return -EBUSY;
    if (f->kind == EPK_NONE) {
        /* Pollable (a pipe, a terminal, a socket) or a regular file? epoll
         * says EPERM for what it cannot watch. */
        struct epoll_event ev = { .events = 0, .data.fd = fd };
        ep_count(u, EPC_EPOLL_CTL);
        if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
            ep_fd_reset(f, EPK_ONESHOT);
            f->registered = true;
        } else {
            ep_fd_reset(f, errno == EEXIST ? EPK_ONESHOT : EPK_FILE);
            f->registered = errno == EEXIST;
        }
    }
    if (f->kind != EPK_FILE)
        return ep_sock_op(b, fd, ud, EP_READ, buf, len, NULL, 0);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_READ);
    ssize_t n = off < 0 ? read(fd, buf, len) : pread(fd, buf, len, off);
    return ep_done_now(u, ud, n < 0 ? -errno : (int)n);
}

static int ep_openat(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_OPEN);
    int fd = openat(dirfd, path, flags, mode);
    if (fd >= 0) {
        struct ep_fd *f = ep_fd(u, fd);
        if (f)
            ep_fd_reset(f, EPK_FILE);
    }
    return ep_done_now(u, ud, fd < 0 ? -errno : fd);
}

static int ep_writev(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_WRITE);
    ssize_t w = pwritev(fd, iov, (int)n, (off_t)off);
    return ep_done_now(u, ud, w < 0 ? -errno : (int)w);
}

/* Whatever is still queued on fd ends with res (-ECANCELED); returns how many. */
static int ep_cancel_all(struct be_epoll *u, struct ep_fd *f, int res)
{
    int n = 0;
    struct ep_op **qs[2] = { &f->rq, &f->wq };
    for (int i = 0; i < 2; i++) {
        struct ep_op *op = *qs[i];
        while (op) {
            struct ep_op *next = op->next;
            ep_push(u, op->ud, res, 0, NULL);
            ep_op_free(u, op);
            op = next;
            n++;
        }
    }
    f->rq = f->rq_tail = f->wq = f->wq_tail = NULL;
    return n;
}

/* The op on fd with user_data target, if still queued, ends with res;
 * returns whether it was there. */
static bool ep_cancel_one(struct be_epoll *u, struct ep_fd *f, uint64_t target, int res)
{
    struct ep_op **heads[2] = { &f->rq, &f->wq }, **tails[2] = { &f->rq_tail, &f->wq_tail };
    for (int i = 0; i < 2; i++) {
        struct ep_op *prev = NULL;
        for (struct ep_op **pp = heads[i]; *pp; prev = *pp, pp = &(*pp)->next) {
            struct ep_op *op = *pp;
            if (op->ud != target)
                continue;
            *pp = op->next;
            if (*tails[i] == op)
                *tails[i] = prev;
            ep_push(u, op->ud, res, 0, NULL);
            ep_op_free(u, op);
            return true;
        }
    }
    return false;
}

static int ep_close_now(struct be_epoll *u, int fd)
{
    struct ep_fd *f = ep_fd(u, fd);
    if (f) {
        /* The contract says nothing is in flight; if something is, end it. */
        ep_cancel_all(u, f, -EBADF);
        ep_fd_reset(f, EPK_NONE);
    }
    ep_count(u, EPC_CLOSE);
    /* The registration goes with the descriptor's last reference. */
    return close(fd) < 0 ? -errno : 0;
}

static int ep_close(struct be *b, int fd, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    return ep_done_now(u, ud, ep_close_now(u, fd));
}

static int ep_commit_rename(struct be *b, int fd, int dirfd, const char *from, const char *to,
                            uint64_t ud_close, uint64_t ud_rename)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 2) < 0)
        return -EBUSY;
    int res = ep_close_now(u, fd);
    ep_push(u, ud_close, res, 0, NULL);
    if (res < 0)
        return ep_done_now(u, ud_rename, -ECANCELED);
    ep_count(u, EPC_RENAME);
    return ep_done_now(u, ud_rename, renameat(dirfd, from, dirfd, to) < 0 ? -errno : 0);
}

static int ep_linkat(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                     const char *newpath, int flags, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_LINK);
    return ep_done_now(u, ud, linkat(olddirfd, oldpath, newdirfd, newpath, flags) < 0 ? -errno : 0);
}

static int ep_rename(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_RENAME);
    return ep_done_now(u, ud, renameat(dirfd, from, dirfd, to) < 0 ? -errno : 0);
}

static int ep_unlink(struct be *b, int dirfd, const char *path, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_UNLINK);
    return ep_done_now(u, ud, unlinkat(dirfd, path, 0) < 0 ? -errno : 0);
}

/* File metadata: synchronous, as every file operation here (files are
 * always "ready" to epoll). */
static int ep_fstatx(struct be *b, int fd, struct statx *stx, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_STATX);
    return ep_done_now(u, ud, statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, stx) < 0 ? -errno : 0);
}

static int ep_fgetxattr(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_FGETXATTR);
    ssize_t n = fgetxattr(fd, name, value, len);
    return ep_done_now(u, ud, n < 0 ? -errno : (int)n);
}

static int ep_fsetxattr(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_FSETXATTR);
    return ep_done_now(u, ud, fsetxattr(fd, name, value, len, 0) < 0 ? -errno : 0);
}

static int ep_ftruncate(struct be *b, int fd, uint64_t len, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_FTRUNCATE);
    return ep_done_now(u, ud, ftruncate(fd, (off_t)len) < 0 ? -errno : 0);
}

static int ep_fallocate(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    ep_count(u, EPC_FALLOCATE);
    return ep_done_now(u, ud, fallocate(fd, mode, (off_t)off, (off_t)len) < 0 ? -errno : 0);
}

/* No splice here (BE_F_SPLICE is not set): readiness plus a synchronous
 * splice would block on the file side; the engine reads into buffers. */
static int ep_splice(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                     uint64_t ud)
{
    (void)fd_in, (void)off_in, (void)fd_out, (void)off_out, (void)len;
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    return ep_done_now(u, ud, -EOPNOTSUPP);
}

static int ep_cancel_fd(struct be *b, int fd, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    struct ep_fd *f = ep_fd(u, fd);
    int n = f ? ep_cancel_all(u, f, -ECANCELED) : 0;
    /* As io_uring's cancel-all answers: how many, or -ENOENT for none. */
    return ep_done_now(u, ud, n > 0 ? n : -ENOENT);
}

static int ep_cancel_op(struct be *b, int fd, uint64_t target, uint64_t ud)
{
    struct be_epoll *u = E(b);
    if (ep_reserve(u, 1) < 0)
        return -EBUSY;
    struct ep_fd *f = ep_fd(u, fd);
    return ep_done_now(u, ud, f && ep_cancel_one(u, f, target, -ECANCELED) ? 0 : -ENOENT);
}

/* ---- waiting and reaping ---------------------------------------------------------- */

static int ep_epoll_wait(struct be_epoll *u, int64_t timeout_ns)
{
    ep_count(u, EPC_EPOLL_WAIT);
    u->b.n.enters++;
    if (!u->no_pwait2) {
        struct timespec ts;
        if (timeout_ns >= 0) {
            ts.tv_sec = timeout_ns / 1000000000;
            ts.tv_nsec = timeout_ns % 1000000000;
        }
        int n = epoll_pwait2(u->epfd, u->events, IO_EPOLL_EVENTS, timeout_ns >= 0 ? &ts : NULL, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        u->no_pwait2 = true;
    }
    /* Milliseconds, rounded up: rounding down would spin until a timer is due. */
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    return epoll_wait(u->epfd, u->events, IO_EPOLL_EVENTS, ms);
}

static int ep_wait(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{
    struct be_epoll *u = E(b);
    /* epoll_wait returns with the first ready socket: there is no batch to wait for. */
    (void)wait_nr;
    (void)batch_ns;
    if (u->cq_count)
        return 0;
    int n = ep_epoll_wait(u, timeout_ns);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; i++) {
        int fd = u->events[i].data.fd;
        unsigned ev = u->events[i].events;
        struct ep_fd *f = (unsigned)fd < u->nfds ? &u->fds[fd] : NULL;
        if (!f || f->kind == EPK_NONE || f->kind == EPK_FILE)
            continue;
        if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            f->hup = true;
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            f->rd = true;
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            f->wr = true;
        ep_run(u, fd, f);
    }
    return n == 0 && timeout_ns >= 0 ? -ETIME : 0;
}

static unsigned ep_reap(struct be *b, struct be_cqe *out, unsigned max)
{
    struct be_epoll *u = E(b);
    unsigned n = 0;
    while (n < max && u->cq_count) {
        out[n++] = u->cq[u->cq_head];
        u->cq_head = (u->cq_head + 1) % u->cq_cap;
        u->cq_count--;
    }
    u->pending -= n;
    b->n.cqes += n;
    return n;
}

static bool ep_overflowed(const struct be *b)
{
    (void)b;
    return false; /* the queue grows before an operation is accepted */
}

static void ep_describe(const struct be *b, char *buf, size_t size)
{
    const struct be_epoll *u = (const struct be_epoll *)b;
    snprintf(buf, size, "epoll_et %s", u->no_pwait2 ? "epoll_wait_ms" : "epoll_pwait2");
}

static void ep_describe_calls(const struct be *b, char *buf, size_t size)
{
    const struct be_epoll *u = (const struct be_epoll *)b;
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < EPC_COUNT && at < size; i++) {
        if (!u->calls[i])
            continue;
        int w = snprintf(buf + at, size - at, "%s%s %llu", at ? " " : "", ep_call_names[i],
                         (unsigned long long)u->calls[i]);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

static void ep_destroy(struct be *b)
{
    struct be_epoll *u = E(b);
    u->dead = true;
    if (u->epfd >= 0)
        close(u->epfd);
    if (u->bufs)
        munmap(u->bufs, (size_t)b->nbufs * b->buf_bytes);
    while (u->slabs) {
        struct ep_slab *s = u->slabs;
        u->slabs = s->next;
        free(s);
    }
    free(u->lbufs);
    free(u->free_ids);
    free(u->fds);
    free(u->cq);
    free(u);
}

static const struct be_ops epoll_ops = {
    .name = "epoll",
    .socket = ep_socket,
    .connect = ep_connect,
    .accept = ep_accept,
    .send = ep_send,
    .sendmsg = ep_sendmsg,
    .recv = ep_recv,
    .recv_into = ep_recv_into,
    .read = ep_read,
    .openat = ep_openat,
    .writev = ep_writev,
    .close = ep_close,
    .commit_rename = ep_commit_rename,
    .linkat = ep_linkat,
    .rename = ep_rename,
    .unlink = ep_unlink,
    .poll = ep_poll,
    .fstatx = ep_fstatx,
    .fgetxattr = ep_fgetxattr,
    .fsetxattr = ep_fsetxattr,
    .ftruncate = ep_ftruncate,
    .fallocate = ep_fallocate,
    .splice = ep_splice,
    .cancel_fd = ep_cancel_fd,
    .cancel_op = ep_cancel_op,
    .wait = ep_wait,
    .reap = ep_reap,
    .overflowed = ep_overflowed,
    .describe = ep_describe,
    .destroy = ep_destroy,
    .describe_calls = ep_describe_calls,
};

int be_epoll_create(struct be **out, const struct be_config *cfg)
{
    *out = NULL;
    struct be_epoll *u = calloc(1, sizeof *u);
    if (!u)
        return -ENOMEM;
    struct be *b = &u->b;
    b->ops = &epoll_ops;
    b->features = BE_F_MULTISHOT_ACCEPT;
    b->buf_bytes = cfg->buf_bytes;
    b->nbufs = cfg->buf_bytes ? (cfg->nbufs ? cfg->nbufs : 1) : 0;
    u->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (u->epfd < 0) {
        int err = -errno;
        free(u);
        return err;
    }
    int ret = ep_reserve(u, cfg->inflight ? cfg->inflight : 64);
    u->pending = 0;
    b->n.sqes = 0;
    if (ret == 0 && b->nbufs) {
        size_t total = (size_t)b->nbufs * b->buf_bytes;
        u->bufs = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (u->bufs == MAP_FAILED)
            u->bufs = NULL;
        u->lbufs = calloc(b->nbufs, sizeof *u->lbufs);
        u->free_ids = calloc(b->nbufs, sizeof *u->free_ids);
        if (!u->bufs || !u->lbufs || !u->free_ids)
            ret = -ENOMEM;
    }
    if (ret < 0) {
        ep_destroy(b);
        return -ENOMEM;
    }
    for (unsigned id = 0; id < b->nbufs; id++) {
        struct lbuf *lb = &u->lbufs[id];
        lb->data = u->bufs + (size_t)id * b->buf_bytes;
        lb->cap = b->buf_bytes;
        lb->id = id;
        lb->owner = u;
        lb->release = ep_buf_release;
        u->free_ids[b->bufs_free++] = id;
    }
    *out = b;
    return 0;
}
