/* The trace wrapper (see be_trace.h). */
#include "io/be_trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct be_trace {
    const struct be_ops *inner;   /* the real backend's table */
    struct be_ops ops;            /* ours: the inner one with the traced calls replaced */
    int fd;
    unsigned lane;
    int err;                      /* first failed write: recording stops */
    uint64_t syscalls_seen;       /* inner counter at the previous TR_WOKE */
    uint32_t n;
    struct trace_rec recs[TRACE_CHUNK_RECS];
};

static struct be_trace *T(const struct be *b)
{
    return b->wrap;
}

static uint64_t tr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int tr_write_chunk(struct be_trace *t, const char *name)
{
    if (t->n == 0 || t->err)
        return t->err;
    struct trace_chunk h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, TRACE_MAGIC, 4);
    h.version = TRACE_VERSION;
    h.lane = (uint16_t)t->lane;
    h.nrec = t->n;
    h.rec_bytes = sizeof(struct trace_rec);
    strncpy(h.backend, name, sizeof h.backend - 1);
    struct iovec iov[2] = {
        { .iov_base = &h, .iov_len = sizeof h },
        { .iov_base = t->recs, .iov_len = (size_t)t->n * sizeof t->recs[0] },
    };
    /* One writev per chunk, so that lanes sharing an O_APPEND file never
     * interleave inside a chunk; a short write (a full disk) ends the trace. */
    size_t want = iov[0].iov_len + iov[1].iov_len;
    ssize_t w = writev(t->fd, iov, 2);
    if (w < 0)
        t->err = -errno;
    else if ((size_t)w != want)
        t->err = -ENOSPC;
    t->n = 0;
    return t->err;
}

static struct trace_rec *tr_rec(struct be *b, struct be_trace *t)
{
    if (t->n == TRACE_CHUNK_RECS)
        tr_write_chunk(t, t->inner->name);
    (void)b;
    return &t->recs[t->n++];
}

static void tr_sub_flags(struct be *b, uint64_t t_ns, enum trace_op op, uint64_t ud, int fd, size_t arg,
                         uint16_t flags)
{
    struct be_trace *t = T(b);
    if (t->err)
        return;
    struct trace_rec *r = tr_rec(b, t);
    *r = (struct trace_rec){ .t_ns = t_ns, .ud = ud, .res = 0, .fd = fd, .type = TR_SUB,
                             .op = (uint8_t)op, .flags = flags,
                             .arg = arg > UINT32_MAX ? UINT32_MAX : (uint32_t)arg };
}

static void tr_sub(struct be *b, uint64_t t_ns, enum trace_op op, uint64_t ud, int fd, size_t arg)
{
    tr_sub_flags(b, t_ns, op, ud, fd, arg, 0);
}

/* A traced call: time it, forward it, record it when it was queued. */
#define TRACED(b, op, ud, fd, arg, call)          \
    do {                                          \
        uint64_t t0_ = tr_now();                  \
        int rc_ = (call);                         \
        if (rc_ == 0)                             \
            tr_sub((b), t0_, (op), (ud), (fd), (arg)); \
        return rc_;                               \
    } while (0)

/* The same for a call the backend makes at once (TR_SUB_INLINE). */
#define TRACED_NOW(b, op, ud, fd, arg, call)                                \
    do {                                                                    \
        uint64_t t0_ = tr_now();                                            \
        int rc_ = (call);                                                   \
        if (rc_ == 0)                                                       \
            tr_sub_flags((b), t0_, (op), (ud), (fd), (arg), TR_SUB_INLINE); \
        return rc_;                                                         \
    } while (0)

static int tr_socket(struct be *b, int domain, int type, uint64_t ud)
{
    TRACED(b, TOP_SOCKET, ud, -1, 0, T(b)->inner->socket(b, domain, type, ud));
}
static int tr_connect(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{
    TRACED(b, TOP_CONNECT, ud, fd, 0, T(b)->inner->connect(b, fd, sa, len, ud));
}
static int tr_accept(struct be *b, int fd, uint64_t ud)
{
    TRACED(b, TOP_ACCEPT, ud, fd, 0, T(b)->inner->accept(b, fd, ud));
}
static int tr_send(struct be *b, int fd, const void *buf, size_t len, uint64_t ud)
{
    TRACED(b, TOP_SEND, ud, fd, len, T(b)->inner->send(b, fd, buf, len, ud));
}
static int tr_sendmsg(struct be *b, int fd, const struct msghdr *msg, uint64_t ud)
{
    TRACED(b, TOP_SENDMSG, ud, fd, 0, T(b)->inner->sendmsg(b, fd, msg, ud));
}
static int tr_recv(struct be *b, int fd, uint64_t ud)
{
    TRACED(b, TOP_RECV, ud, fd, b->buf_bytes, T(b)->inner->recv(b, fd, ud));
}
static int tr_recv_into(struct be *b, int fd, void *buf, size_t len, uint64_t ud)
{
    TRACED(b, TOP_RECV_INTO, ud, fd, len, T(b)->inner->recv_into(b, fd, buf, len, ud));
}
static int tr_read(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud)
{
    TRACED(b, TOP_READ, ud, fd, len, T(b)->inner->read(b, fd, buf, len, off, ud));
}
static int tr_openat(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    TRACED(b, TOP_OPENAT, ud, -1, 0, T(b)->inner->openat(b, dirfd, path, flags, mode, ud));
}
static size_t tr_iov_bytes(const struct iovec *iov, unsigned n)
{
    size_t bytes = 0;
    for (unsigned i = 0; i < n; i++)
        bytes += iov[i].iov_len;
    return bytes;
}
static int tr_writev(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{
    TRACED(b, TOP_WRITEV, ud, fd, tr_iov_bytes(iov, n), T(b)->inner->writev(b, fd, iov, n, off, ud));
}
static int tr_close(struct be *b, int fd, uint64_t ud)
{
    TRACED(b, TOP_CLOSE, ud, fd, 0, T(b)->inner->close(b, fd, ud));
}
static int tr_commit_rename(struct be *b, int fd, int dirfd, const char *from, const char *to,
                            uint64_t ud_close, uint64_t ud_rename)
{
    uint64_t t0 = tr_now();
    int rc = T(b)->inner->commit_rename(b, fd, dirfd, from, to, ud_close, ud_rename);
    if (rc == 0) {
        tr_sub(b, t0, TOP_COMMIT_CLOSE, ud_close, fd, 0);
        tr_sub(b, t0, TOP_COMMIT_RENAME, ud_rename, -1, 0);
    }
    return rc;
}
static int tr_linkat(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                     const char *newpath, int flags, uint64_t ud)
{
    TRACED(b, TOP_LINKAT, ud, -1, 0, T(b)->inner->linkat(b, olddirfd, oldpath, newdirfd, newpath, flags, ud));
}
/* The *_now calls are recorded as the queued ones are, flagged: a
 * submission now (TR_SUB_INLINE), its completion when it is reaped. */
static int tr_openat_now(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    TRACED_NOW(b, TOP_OPENAT, ud, -1, 0, T(b)->inner->openat_now(b, dirfd, path, flags, mode, ud));
}
static int tr_writev_now(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{
    TRACED_NOW(b, TOP_WRITEV, ud, fd, tr_iov_bytes(iov, n), T(b)->inner->writev_now(b, fd, iov, n, off, ud));
}
static int tr_linkat_now(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                         const char *newpath, int flags, uint64_t ud)
{
    TRACED_NOW(b, TOP_LINKAT, ud, -1, 0,
               T(b)->inner->linkat_now(b, olddirfd, oldpath, newdirfd, newpath, flags, ud));
}
static int tr_rename(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud)
{
    TRACED(b, TOP_RENAME, ud, -1, 0, T(b)->inner->rename(b, dirfd, from, to, ud));
}
static int tr_unlink(struct be *b, int dirfd, const char *path, uint64_t ud)
{
    TRACED(b, TOP_UNLINK, ud, -1, 0, T(b)->inner->unlink(b, dirfd, path, ud));
}
static int tr_poll(struct be *b, int fd, unsigned events, uint64_t ud)
{
    TRACED(b, TOP_POLL, ud, fd, events, T(b)->inner->poll(b, fd, events, ud));
}
static int tr_cancel_fd(struct be *b, int fd, uint64_t ud)
{
    TRACED(b, TOP_CANCEL_FD, ud, fd, 0, T(b)->inner->cancel_fd(b, fd, ud));
}

static int tr_cancel_op(struct be *b, int fd, uint64_t target, uint64_t ud)
{
    TRACED(b, TOP_CANCEL_OP, ud, fd, 0, T(b)->inner->cancel_op(b, fd, target, ud));
}

static int tr_fstatx(struct be *b, int fd, struct statx *stx, uint64_t ud)
{
    TRACED(b, TOP_FSTATX, ud, fd, 0, T(b)->inner->fstatx(b, fd, stx, ud));
}
static int tr_fgetxattr(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud)
{
    TRACED(b, TOP_FGETXATTR, ud, fd, len, T(b)->inner->fgetxattr(b, fd, name, value, len, ud));
}
static int tr_fsetxattr(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud)
{
    TRACED(b, TOP_FSETXATTR, ud, fd, len, T(b)->inner->fsetxattr(b, fd, name, value, len, ud));
}
static int tr_ftruncate(struct be *b, int fd, uint64_t len, uint64_t ud)
{
    TRACED(b, TOP_FTRUNCATE, ud, fd, len, T(b)->inner->ftruncate(b, fd, len, ud));
}

static int tr_fallocate(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud)
{
    TRACED(b, TOP_FALLOCATE, ud, fd, len, T(b)->inner->fallocate(b, fd, mode, off, len, ud));
}
/* Traced under its input descriptor (the socket or the pipe it reads). */
static int tr_splice(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                     uint64_t ud)
{
    TRACED(b, TOP_SPLICE, ud, fd_in, len, T(b)->inner->splice(b, fd_in, off_in, fd_out, off_out, len, ud));
}

/* A wait is recorded only when it entered the kernel (a backend with
 * completions already queued returns without a system call): each
 * TR_WAIT/TR_WOKE pair is one io_uring_enter or epoll_wait. */
static int tr_wait(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{
    struct be_trace *t = T(b);
    uint64_t t0 = tr_now(), enters = b->n.enters;
    int rc = t->inner->wait(b, wait_nr, batch_ns, timeout_ns);
    if (!t->err && b->n.enters != enters) {
        uint64_t calls = b->n.syscalls - t->syscalls_seen;
        t->syscalls_seen = b->n.syscalls;
        *tr_rec(b, t) = (struct trace_rec){ .t_ns = t0, .fd = -1, .type = TR_WAIT, .arg = wait_nr,
                                            .res = timeout_ns < 0 ? -1 :
                                                   timeout_ns / 1000 > INT32_MAX ? INT32_MAX :
                                                   (int32_t)(timeout_ns / 1000) };
        *tr_rec(b, t) = (struct trace_rec){ .t_ns = tr_now(), .fd = -1, .type = TR_WOKE, .res = rc,
                                            .arg = calls > UINT32_MAX ? UINT32_MAX : (uint32_t)calls };
    }
    return rc;
}

static unsigned tr_reap(struct be *b, struct be_cqe *out, unsigned max)
{
    struct be_trace *t = T(b);
    unsigned n = t->inner->reap(b, out, max);
    if (n == 0 || t->err)
        return n;
    uint64_t now = tr_now();
    for (unsigned i = 0; i < n; i++)
        *tr_rec(b, t) = (struct trace_rec){ .t_ns = now, .ud = out[i].ud, .res = out[i].res, .fd = -1,
                                            .type = TR_CQE, .flags = (uint16_t)out[i].flags };
    return n;
}

static void tr_note(struct be *b, unsigned what, uint32_t a, uint32_t b2)
{
    struct be_trace *t = T(b);
    if (t->err)
        return;
    *tr_rec(b, t) = (struct trace_rec){ .t_ns = tr_now(), .ud = a, .fd = -1, .type = TR_NOTE,
                                        .op = (uint8_t)what, .arg = b2 };
}

static void tr_destroy(struct be *b)
{
    struct be_trace *t = T(b);
    tr_write_chunk(t, t->inner->name);
    b->ops = t->inner;
    b->wrap = NULL;
    free(t);
    be_destroy(b);
}

int be_trace_attach(struct be *b, int fd, unsigned lane)
{
    struct be_trace *t = malloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    t->inner = b->ops;
    t->ops = *b->ops;
    t->ops.socket = tr_socket;
    t->ops.connect = tr_connect;
    t->ops.accept = tr_accept;
    t->ops.send = tr_send;
    t->ops.sendmsg = tr_sendmsg;
    t->ops.recv = tr_recv;
    t->ops.recv_into = tr_recv_into;
    t->ops.read = tr_read;
    t->ops.openat = tr_openat;
    t->ops.writev = tr_writev;
    t->ops.close = tr_close;
    t->ops.commit_rename = tr_commit_rename;
    t->ops.linkat = tr_linkat;
    t->ops.rename = tr_rename;
    t->ops.unlink = tr_unlink;
    /* (Only where the backend has them: be_has_now tells the caller.) */
    t->ops.openat_now = b->ops->openat_now ? tr_openat_now : NULL;
    t->ops.writev_now = b->ops->writev_now ? tr_writev_now : NULL;
    t->ops.linkat_now = b->ops->linkat_now ? tr_linkat_now : NULL;
    t->ops.poll = tr_poll;
    t->ops.cancel_fd = tr_cancel_fd;
    t->ops.cancel_op = tr_cancel_op;
    t->ops.fstatx = tr_fstatx;
    t->ops.fgetxattr = tr_fgetxattr;
    t->ops.fsetxattr = tr_fsetxattr;
    t->ops.ftruncate = tr_ftruncate;
    t->ops.fallocate = tr_fallocate;
    t->ops.splice = tr_splice;
    t->ops.wait = tr_wait;
    t->ops.reap = tr_reap;
    t->ops.note = tr_note;
    t->ops.destroy = tr_destroy;
    t->fd = fd;
    t->lane = lane;
    t->err = 0;
    t->n = 0;
    t->syscalls_seen = b->n.syscalls;
    b->wrap = t;
    b->ops = &t->ops;
    return 0;
}

int be_trace_flush(struct be *b)
{
    if (!b || b->ops->destroy != tr_destroy)
        return 0;
    struct be_trace *t = T(b);
    return tr_write_chunk(t, t->inner->name);
}
