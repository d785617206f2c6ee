/* The io_uring backend (see backend.h): the only code in the repository
 * that calls liburing. Setup with fallbacks, lent receive buffers from a
 * registered buffer ring (or PROVIDE_BUFFERS), batched submit-and-wait,
 * batched reaping, counters.
 *
 * Operations the kernel cannot do here (IORING_OP_SOCKET before 5.19,
 * cancel by fd), and the *_now file calls, are done synchronously and
 * their results queued as local completions, handed out by the next reap
 * before the CQ's.
 */
#include "io/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/io_tunables.h"
#include "io/uring_compat.h"

#define URING_BGID 7
/* Completions of our own bookkeeping SQEs (PROVIDE_BUFFERS in the fallback)
 * carry this user_data (kind 255, see ud.h) and never reach the caller. */
#define URING_UD_INTERNAL UINT64_MAX

struct be_uring {
    struct be b;                   /* first: a struct be * is a struct be_uring * */
    struct io_uring uring;
    struct io_uring_buf_ring *br;  /* NULL in the PROVIDE_BUFFERS fallback */
    size_t br_bytes;
    char *bufs;                    /* nbufs * buf_bytes, page aligned */
    struct lbuf *lbufs;            /* one per buffer; id = buffer id */
    bool dead;                     /* torn down: buffers are no longer given back */
    bool iowq_saved;               /* be_limit_file_workers was answered: iowq_prev is
                                      what it replaced (0: nothing to put back) */
    unsigned iowq_prev;            /* bounded io-wq workers before, put back at the end */
    /* Results of operations done synchronously (the kernel lacks the
     * opcode, or a *_now call); handed out by reap before the CQ, in order. */
    struct be_cqe *local;
    unsigned nlocal, local_cap;
    /* SQEs handed out whose last completion has not been reaped: a wait
     * never asks for more completions than this (see uring_wait). */
    unsigned inflight;
    /* The *_now calls made, for describe_calls. */
    uint64_t now_openat, now_pwritev, now_linkat;
};

static struct be_uring *U(struct be *b)
{
    return (struct be_uring *)b;
}

/* Features switched off through RINGFETCH_RING_DISABLE (a comma-separated
 * list of the names be_describe prints), so that the fallbacks an older
 * kernel would take are exercised by the tests on this one. */
static unsigned uring_disabled(void)
{
    static const struct { const char *name; unsigned flag; } names[] = {
        { "defer_taskrun", BE_F_DEFER_TASKRUN }, { "buf_ring", BE_F_BUF_RING },
        { "socket_op", BE_F_SOCKET_OP },         { "cancel_fd", BE_F_CANCEL_FD },
        { "registered_ring_fd", BE_F_REG_RING_FD },
        { "multishot_accept", BE_F_MULTISHOT_ACCEPT },
        { "splice", BE_F_SPLICE },
        { "min_wait", BE_F_MIN_WAIT },           { "ftruncate_op", BE_F_FTRUNCATE_OP },
    };
    const char *v = getenv("RINGFETCH_RING_DISABLE");
    unsigned off = 0;
    for (size_t i = 0; v && i < sizeof names / sizeof names[0]; i++)
        if (strstr(v, names[i].name))
            off |= names[i].flag;
    return off;
}

static unsigned pow2_at_least(unsigned v)
{
    unsigned p = 1;
    while (p < v && p < (1u << 30))
        p <<= 1;
    return p;
}

/* Try the recommended client setup first, then drop flags the kernel refuses. */
static int uring_setup(struct be_uring *u, unsigned sq, unsigned cq, unsigned off)
{
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int ret = -EINVAL;
    for (size_t i = (off & BE_F_DEFER_TASKRUN) ? 1 : 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = cq;
        ret = io_uring_queue_init_params(sq, &u->uring, &p);
        if (ret == 0) {
            if (tries[i] & IORING_SETUP_DEFER_TASKRUN)
                u->b.features |= BE_F_DEFER_TASKRUN;
            /* The batch window needs EXT_ARG too (5.11), which every 6.12 has. */
            if ((p.features & IORING_FEAT_MIN_TIMEOUT) && (p.features & IORING_FEAT_EXT_ARG))
                u->b.features |= BE_F_MIN_WAIT & ~off;
            return 0;
        }
        if (ret != -EINVAL)
            return ret;
    }
    return ret;
}

static int uring_probe(struct be_uring *u, unsigned off)
{
    struct io_uring_probe *p = io_uring_get_probe_ring(&u->uring);
    if (!p)
        return -ENOSYS;
    static const int needed[] = {
        IORING_OP_CONNECT, IORING_OP_SEND, IORING_OP_RECV, IORING_OP_OPENAT,
        IORING_OP_WRITEV, IORING_OP_CLOSE, IORING_OP_RENAMEAT, IORING_OP_UNLINKAT,
        IORING_OP_ASYNC_CANCEL, IORING_OP_PROVIDE_BUFFERS, IORING_OP_ACCEPT,
        IORING_OP_SENDMSG, IORING_OP_READ, IORING_OP_POLL_ADD, IORING_OP_LINKAT,
        IORING_OP_STATX, IORING_OP_FGETXATTR, IORING_OP_FSETXATTR,
    };
    int ret = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!io_uring_opcode_supported(p, needed[i]))
            ret = -ENOSYS;
    /* OP_SOCKET, cancel-by-fd and multishot accept arrived together in 5.19. */
    if (io_uring_opcode_supported(p, IORING_OP_SOCKET))
        u->b.features |= (BE_F_SOCKET_OP | BE_F_CANCEL_FD | BE_F_MULTISHOT_ACCEPT) & ~off;
    if (io_uring_opcode_supported(p, IORING_OP_SPLICE))
        u->b.features |= BE_F_SPLICE & ~off;
    if (io_uring_opcode_supported(p, IORING_OP_FTRUNCATE))
        u->b.features |= BE_F_FTRUNCATE_OP & ~off;
    io_uring_free_probe(p);
    return ret;
}

static void uring_buf_release(struct lbuf *lb);

static int uring_bufs_setup(struct be_uring *u, unsigned off)
{
    struct be *b = &u->b;
    size_t total = (size_t)b->nbufs * b->buf_bytes;
    u->bufs = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (u->bufs == MAP_FAILED) {
        u->bufs = NULL;
        return -ENOMEM;
    }
    u->lbufs = calloc(b->nbufs, sizeof *u->lbufs);
    if (!u->lbufs)
        return -ENOMEM;

    /* liburing 2.3 has no io_uring_setup_buf_ring: map and register by hand. */
    u->br_bytes = (size_t)b->nbufs * sizeof(struct io_uring_buf);
    void *mem = (off & BE_F_BUF_RING) ? MAP_FAILED
              : mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED) {
        struct io_uring_buf_reg reg;
        memset(&reg, 0, sizeof reg);
        reg.ring_addr = (unsigned long)mem;
        reg.ring_entries = b->nbufs;
        reg.bgid = URING_BGID;
        if (io_uring_register_buf_ring(&u->uring, &reg, 0) == 0) {
            u->br = mem;
            io_uring_buf_ring_init(u->br);
            b->features |= BE_F_BUF_RING;
        } else {
            munmap(mem, u->br_bytes);
        }
    }
    for (unsigned id = 0; id < b->nbufs; id++) {
        struct lbuf *lb = &u->lbufs[id];
        lb->data = u->bufs + (size_t)id * b->buf_bytes;
        lb->cap = b->buf_bytes;
        lb->id = id;
        lb->owner = u;
        lb->release = uring_buf_release;
        uring_buf_release(lb);
    }
    return 0;
}

static const struct be_ops uring_ops;
static void uring_destroy(struct be *b);

int be_uring_create(struct be **out, const struct be_config *cfg)
{
    *out = NULL;
    struct be_uring *u = calloc(1, sizeof *u);
    if (!u)
        return -ENOMEM;
    struct be *b = &u->b;
    b->ops = &uring_ops;
    b->nbufs = pow2_at_least(cfg->nbufs ? cfg->nbufs : 1);
    if (b->nbufs > IO_URING_MAX_BUFS)
        b->nbufs = IO_URING_MAX_BUFS;
    b->buf_bytes = cfg->buf_bytes;

    /* Every op in flight can post a CQE, and a cancel adds one per fd;
     * size the CQ so a full burst never overflows (CQ overflow in tests is
     * a sizing bug, not a load condition). */
    unsigned sq = IO_URING_SQ_ENTRIES;
    unsigned cq = pow2_at_least(2 * cfg->inflight + b->nbufs + 2 * sq);
    if (cq > IO_URING_MAX_CQ_ENTRIES)
        cq = IO_URING_MAX_CQ_ENTRIES;
    unsigned off = uring_disabled();
    int ret = uring_setup(u, sq, cq, off);
    if (ret < 0) {
        free(u);
        return ret;
    }
    ret = uring_probe(u, off);
    if (ret == 0 && !(off & BE_F_REG_RING_FD) && io_uring_register_ring_fd(&u->uring) == 1)
        b->features |= BE_F_REG_RING_FD;
    if (ret == 0 && b->buf_bytes)
        ret = uring_bufs_setup(u, off);
    if (ret < 0) {
        uring_destroy(b);
        return ret;
    }
    *out = b;
    return 0;
}

static void uring_destroy(struct be *b)
{
    struct be_uring *u = U(b);
    u->dead = true;
    /* The limit is the thread's, not the ring's: give the next ring of
     * this thread (a library user's next engine) the kernel's own. */
    if (u->iowq_prev) {
        unsigned v[2] = { u->iowq_prev, 0 };
        io_uring_register_iowq_max_workers(&u->uring, v);
    }
    if (u->br)
        io_uring_unregister_buf_ring(&u->uring, URING_BGID);
    /* Exiting the ring cancels and waits for whatever is in flight, so no
     * kernel write can land in the buffers unmapped below. */
    io_uring_queue_exit(&u->uring);
    if (u->br)
        munmap(u->br, u->br_bytes);
    if (u->bufs)
        munmap(u->bufs, (size_t)b->nbufs * b->buf_bytes);
    free(u->lbufs);
    free(u->local);
    free(u);
}

static void uring_describe(const struct be *b, char *buf, size_t size)
{
    /* A user with no lent buffers (buf_bytes 0: flagserver receives into its
     * own) gets no word for them rather than a misleading "provide_buffers". */
    snprintf(buf, size, "%s%s%s%s%s%s%s%s",
             b->features & BE_F_DEFER_TASKRUN ? "defer_taskrun " : "coop_taskrun ",
             !b->buf_bytes ? "" : b->features & BE_F_BUF_RING ? "buf_ring " : "provide_buffers ",
             b->features & BE_F_SOCKET_OP ? "socket_op " : "socket_syscall ",
             b->features & BE_F_CANCEL_FD ? "cancel_fd " : "cancel_shutdown ",
             b->features & BE_F_REG_RING_FD ? "registered_ring_fd " : "",
             b->features & BE_F_SPLICE ? "splice " : "",
             b->features & BE_F_MIN_WAIT ? "min_wait " : "",
             b->features & BE_F_FTRUNCATE_OP ? "ftruncate_op" : "");
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == ' ')
        buf[n - 1] = '\0';
}

static void uring_describe_calls(const struct be *b, char *buf, size_t size)
{
    /* The *_now file calls by name; everything else but the enters is a
     * fallback done inline (socket(2), shutdown(2)) or the one
     * io_uring_register of be_limit_file_workers. */
    const struct be_uring *u = (const struct be_uring *)b;
    /* (The names the epoll backend gives the same calls.) */
    static const char *const names[] = { "open", "write", "link" };
    const uint64_t now[] = { u->now_openat, u->now_pwritev, u->now_linkat };
    uint64_t other = b->n.syscalls - b->n.enters - now[0] - now[1] - now[2];
    int len = snprintf(buf, size, "io_uring_enter %llu", (unsigned long long)b->n.enters);
    for (size_t i = 0; i < 3; i++)
        if (now[i] && len >= 0 && (size_t)len < size)
            len += snprintf(buf + len, size - (size_t)len, " %s %llu", names[i], (unsigned long long)now[i]);
    if (other && len >= 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, " other %llu", (unsigned long long)other);
}

/* An SQE, flushing the SQ to the kernel (without waiting) when it is full. */
static struct io_uring_sqe *uring_sqe(struct be_uring *u, uint64_t ud)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->uring);
    if (!sqe) {
        u->b.n.enters++;
        u->b.n.syscalls++;
        io_uring_submit(&u->uring);
        sqe = io_uring_get_sqe(&u->uring);
        if (!sqe)
            return NULL;
    }
    u->b.n.sqes++;
    u->inflight++;
    io_uring_sqe_set_data64(sqe, ud);
    return sqe;
}

/* Room for one more local completion. Returns 0 or -EBUSY. */
static int uring_local_reserve(struct be_uring *u)
{
    if (u->nlocal == u->local_cap) {
        unsigned cap = u->local_cap ? 2 * u->local_cap : 64;
        struct be_cqe *n = realloc(u->local, cap * sizeof *n);
        if (!n)
            return -EBUSY;
        u->local = n;
        u->local_cap = cap;
    }
    return 0;
}

/* Deliver a result without the kernel (fallbacks), in the next reap. */
static int uring_local_complete(struct be_uring *u, uint64_t ud, int res)
{
    if (uring_local_reserve(u) < 0)
        return -EBUSY;
    u->local[u->nlocal++] = (struct be_cqe){ .ud = ud, .res = res, .flags = 0, .buf = NULL };
    return 0;
}

#define URING_PREP(sqe_var, b, ud)                          \
    struct io_uring_sqe *sqe_var = uring_sqe(U(b), (ud));   \
    if (!sqe_var)                                           \
        return -EBUSY

static int uring_socket(struct be *b, int domain, int type, uint64_t ud)
{
    if (!(b->features & BE_F_SOCKET_OP)) {
        /* socket(2) never blocks, so doing it inline keeps the loop honest. */
        b->n.syscalls++;
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        return uring_local_complete(U(b), ud, fd < 0 ? -errno : fd);
    }
    URING_PREP(sqe, b, ud);
    io_uring_prep_socket(sqe, domain, type | SOCK_CLOEXEC, 0, 0);
    return 0;
}

static int uring_connect(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_connect(sqe, fd, sa, len);
    return 0;
}

static int uring_accept(struct be *b, int fd, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    if (b->features & BE_F_MULTISHOT_ACCEPT)
        io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
    return 0;
}

static int uring_send(struct be *b, int fd, const void *buf, size_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
    return 0;
}

static int uring_sendmsg(struct be *b, int fd, const struct msghdr *msg, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
    return 0;
}

static int uring_recv(struct be *b, int fd, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_recv(sqe, fd, NULL, b->buf_bytes, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = URING_BGID;
    return 0;
}

static int uring_recv_into(struct be *b, int fd, void *buf, size_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_recv(sqe, fd, buf, len, 0);
    return 0;
}

static int uring_read(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    /* An offset of -1 reads at the file position (IORING_FEAT_RW_CUR_POS),
     * which is what a pipe or terminal needs. */
    io_uring_prep_read(sqe, fd, buf, (unsigned)len, (uint64_t)off);
    return 0;
}

static int uring_openat(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_openat(sqe, dirfd, path, flags, mode);
    return 0;
}

static int uring_writev(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_writev(sqe, fd, iov, n, off);
    return 0;
}

/* The *_now calls (backend.h): synchronous, the result queued as a local
 * completion for the next reap, as the fallbacks' are. The room for it is
 * made first: a call made whose completion could not be queued would leave
 * a descriptor or a name nobody knows of. */
static int uring_openat_now(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    if (uring_local_reserve(U(b)) < 0)
        return -EBUSY;
    b->n.syscalls++;
    U(b)->now_openat++;
    int fd = openat(dirfd, path, flags, mode);
    return uring_local_complete(U(b), ud, fd < 0 ? -errno : fd);
}

static int uring_writev_now(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off,
                            uint64_t ud)
{
    if (uring_local_reserve(U(b)) < 0)
        return -EBUSY;
    b->n.syscalls++;
    U(b)->now_pwritev++;
    ssize_t w = pwritev(fd, iov, (int)n, (off_t)off);
    return uring_local_complete(U(b), ud, w < 0 ? -errno : (int)w);
}

static int uring_linkat_now(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                            const char *newpath, int flags, uint64_t ud)
{
    if (uring_local_reserve(U(b)) < 0)
        return -EBUSY;
    b->n.syscalls++;
    U(b)->now_linkat++;
    int r = linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    return uring_local_complete(U(b), ud, r < 0 ? -errno : 0);
}

static int uring_close(struct be *b, int fd, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_close(sqe, fd);
    return 0;
}

static int uring_commit_rename(struct be *b, int fd, int dirfd, const char *from, const char *to,
                               uint64_t ud_close, uint64_t ud_rename)
{
    struct be_uring *u = U(b);
    /* A link cannot span two submissions: both SQEs or neither. */
    if (io_uring_sq_space_left(&u->uring) < 2) {
        b->n.enters++;
        b->n.syscalls++;
        io_uring_submit(&u->uring);
        if (io_uring_sq_space_left(&u->uring) < 2)
            return -EBUSY;
    }
    struct io_uring_sqe *c = uring_sqe(u, ud_close);
    struct io_uring_sqe *r = uring_sqe(u, ud_rename);
    io_uring_prep_close(c, fd);
    c->flags |= IOSQE_IO_LINK;
    io_uring_prep_renameat(r, dirfd, from, dirfd, to, 0);
    return 0;
}

static int uring_linkat(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                        const char *newpath, int flags, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_linkat(sqe, olddirfd, oldpath, newdirfd, newpath, flags);
    return 0;
}

static int uring_rename(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_renameat(sqe, dirfd, from, dirfd, to, 0);
    return 0;
}

static int uring_unlink(struct be *b, int dirfd, const char *path, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_unlinkat(sqe, dirfd, path, 0);
    return 0;
}

static int uring_poll(struct be *b, int fd, unsigned events, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_poll_add(sqe, fd, events);
    return 0;
}

static int uring_fstatx(struct be *b, int fd, struct statx *stx, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_statx(sqe, fd, "", AT_EMPTY_PATH, STATX_SIZE, stx);
    return 0;
}

static int uring_fgetxattr(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_fgetxattr(sqe, fd, name, value, (unsigned)len);
    return 0;
}

static int uring_fsetxattr(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_fsetxattr(sqe, fd, name, value, 0, (unsigned)len);
    return 0;
}

static int uring_ftruncate(struct be *b, int fd, uint64_t len, uint64_t ud)
{
    if (b->features & BE_F_FTRUNCATE_OP) {
        URING_PREP(sqe, b, ud);
        /* liburing 2.3 has no prep for it: the length goes in off. */
        io_uring_prep_rw(IORING_OP_FTRUNCATE, sqe, fd, NULL, 0, len);
        return 0;
    }
    /* Before 6.9 the call is made here: a metadata update that does not
     * wait on I/O (on a big file a truncation may free many blocks). */
    b->n.syscalls++;
    int ret = ftruncate(fd, (off_t)len);
    return uring_local_complete(U(b), ud, ret < 0 ? -errno : 0);
}

static int uring_fallocate(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud)
{
    URING_PREP(sqe, b, ud);
    io_uring_prep_fallocate(sqe, fd, mode, (off_t)off, (off_t)len);
    return 0;
}

static int uring_splice(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                        uint64_t ud)
{
    if (!(b->features & BE_F_SPLICE))
        return uring_local_complete(U(b), ud, -EOPNOTSUPP);
    URING_PREP(sqe, b, ud);
    io_uring_prep_splice(sqe, fd_in, off_in, fd_out, off_out, (unsigned)len, 0);
    return 0;
}

static int uring_cancel_op(struct be *b, int fd, uint64_t target, uint64_t ud)
{
    (void)fd; /* found by its user_data alone */
    URING_PREP(sqe, b, ud);
    io_uring_prep_cancel64(sqe, target, 0);
    return 0;
}

static int uring_cancel_fd(struct be *b, int fd, uint64_t ud)
{
    if (!(b->features & BE_F_CANCEL_FD)) {
        /* Older kernels: shutting the socket down ends its recv/send. */
        b->n.syscalls++;
        shutdown(fd, SHUT_RDWR);
        return uring_local_complete(U(b), ud, 0);
    }
    URING_PREP(sqe, b, ud);
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    return 0;
}

/* The last reference to a lent buffer is gone: give it back to the kernel. */
static void uring_buf_release(struct lbuf *lb)
{
    struct be_uring *u = lb->owner;
    struct be *b = &u->b;
    if (u->dead)
        return;
    if (u->br) {
        io_uring_buf_ring_add(u->br, lb->data, b->buf_bytes, (unsigned short)lb->id,
                              io_uring_buf_ring_mask(b->nbufs), 0);
        io_uring_buf_ring_advance(u->br, 1);
    } else {
        struct io_uring_sqe *sqe = uring_sqe(u, URING_UD_INTERNAL);
        if (!sqe)
            return; /* cannot happen after a flush; the buffer is lost, not corrupted */
        io_uring_prep_provide_buffers(sqe, lb->data, (int)b->buf_bytes, 1, URING_BGID, (int)lb->id);
    }
    b->bufs_free++;
}

/* A wait's timeout for the kernel (unused when timeout_ns < 0: no limit). */
static struct __kernel_timespec uring_ts(int64_t timeout_ns)
{
    int64_t ns = timeout_ns < 0 ? 0 : timeout_ns;
    return (struct __kernel_timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

/* Submit everything and wait with the kernel keeping the batch window
 * (BE_F_MIN_WAIT): liburing 2.3 cannot pass min_wait_usec, so this makes
 * the one io_uring_enter itself. Publishing the SQ tail is the ring ABI's
 * submission step (the SQ array maps slot i to SQE i since setup, so the
 * tail is all there is to move); the enter then submits tail - head. */
static int uring_enter_min_wait(struct be_uring *u, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{
    struct io_uring *r = &u->uring;
    unsigned tail = r->sq.sqe_tail;
    if (r->sq.sqe_head != tail) {
        r->sq.sqe_head = tail;
        __atomic_store_n(r->sq.ktail, tail, __ATOMIC_RELEASE);
    }
    unsigned to_submit = tail - __atomic_load_n(r->sq.khead, __ATOMIC_ACQUIRE);
    struct __kernel_timespec ts = uring_ts(timeout_ns);
    uint64_t usec = (uint64_t)batch_ns / 1000;
    struct io_uring_getevents_arg arg = {
        .sigmask = 0,
        .sigmask_sz = _NSIG / 8,
        .pad = usec == 0 ? 1 : usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec, /* min_wait_usec */
        .ts = timeout_ns >= 0 ? (uint64_t)(uintptr_t)&ts : 0,
    };
    unsigned flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG;
    int fd = r->ring_fd;
    if (u->b.features & BE_F_REG_RING_FD) {
        flags |= IORING_ENTER_REGISTERED_RING;
        fd = r->enter_ring_fd;
    }
    /* liburing's wrappers give -errno. */
    int ret = io_uring_enter2((unsigned)fd, to_submit, wait_nr, flags, (sigset_t *)&arg, sizeof arg);
    return ret < 0 ? ret : 0;
}

static int uring_wait(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{
    struct be_uring *u = U(b);
    struct io_uring_cqe *cqe;
    if (u->nlocal || io_uring_cq_ready(&u->uring)) {
        if (io_uring_sq_ready(&u->uring)) {
            b->n.enters++;
            b->n.syscalls++;
            /* A failed submit is not reported now: the results waiting
             * (a *_now call's descriptor or name among them) are handed
             * out first, or their owners could not clean up after them.
             * The SQEs stay queued and are tried again by every wait; the
             * first one that finds nothing waiting says the error. */
            (void)io_uring_submit(&u->uring);
        }
        return 0;
    }
    /* More completions than operations in flight never come: asking for
     * them would hold out for the whole batch window every time (a trace
     * of -m 100 over 194 files: 100 sockets, then 100 connects, each wait
     * asking for 200 and sitting out its 1 ms). */
    if (wait_nr > u->inflight)
        wait_nr = u->inflight > 0 ? u->inflight : 1;
    if (wait_nr > 1 && batch_ns > 0) {
        if (b->features & BE_F_MIN_WAIT) {
            b->n.enters++;
            b->n.syscalls++;
            return uring_enter_min_wait(u, wait_nr, batch_ns, timeout_ns);
        }
        /* Without the kernel's batch window, the window is the timeout. */
        if (timeout_ns < 0 || timeout_ns > batch_ns)
            timeout_ns = batch_ns;
    }
    /* With the CQ empty, liburing makes exactly one io_uring_enter here: it
     * submits everything and waits for wait_nr CQEs or the timeout. */
    struct __kernel_timespec ts = uring_ts(timeout_ns);
    b->n.enters++;
    b->n.syscalls++;
    int ret = io_uring_submit_and_wait_timeout(&u->uring, &cqe, wait_nr ? wait_nr : 1,
                                               timeout_ns >= 0 ? &ts : NULL, NULL);
    if (ret == -ETIME || ret == -EINTR)
        return ret;
    return ret < 0 ? ret : 0;
}

static unsigned uring_reap(struct be *b, struct be_cqe *out, unsigned max)
{
    struct be_uring *u = U(b);
    unsigned n = 0;
    if (u->nlocal) {
        unsigned k = u->nlocal < max ? u->nlocal : max;
        memcpy(out, u->local, k * sizeof *out);
        memmove(u->local, u->local + k, (u->nlocal - k) * sizeof *out);
        u->nlocal -= k;
        n = k;
    }
    unsigned head, seen = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&u->uring, head, cqe) {
        if (n == max)
            break;
        seen++;
        if (!(cqe->flags & IORING_CQE_F_MORE) && u->inflight > 0)
            u->inflight--;
        if (cqe->user_data == URING_UD_INTERNAL)
            continue;
        struct be_cqe *o = &out[n++];
        o->ud = cqe->user_data;
        o->res = cqe->res;
        o->flags = (cqe->flags & IORING_CQE_F_MORE) ? BE_CQE_MORE : 0;
        o->buf = NULL;
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            /* The buffer id comes with errors too, and must always be given back. */
            struct lbuf *lb = &u->lbufs[cqe->flags >> IORING_CQE_BUFFER_SHIFT];
            lb->refs = 1;
            b->bufs_free--;
            o->buf = lb;
        }
        if (o->res == -ENOBUFS)
            b->n.enobufs++;
    }
    io_uring_cq_advance(&u->uring, seen);
    b->n.cqes += seen;
    return n;
}

static int uring_limit_file_workers(struct be *b, unsigned n)
{
    /* [0] bounded workers: operations on regular files and block devices,
     * and those on names (openat, linkat, renameat, unlinkat), which take
     * the folder's lock; [1] unbounded ones (sockets, pipes): 0 leaves it as
     * it is. The kernel answers with the limits before; [0] is 0 when this
     * thread has no io-wq yet (kernels that make it at the first
     * submission, not at setup): then the limit waits on the ring, is not
     * undone at the end, and a later call must not take our own limit for
     * the old one (the engine calls this only once requests are out). */
    struct be_uring *u = U(b);
    unsigned v[2] = { n, 0 };
    b->n.syscalls++;
    int ret = io_uring_register_iowq_max_workers(&u->uring, v);
    if (ret < 0)
        return ret;
    if (!u->iowq_saved) {
        u->iowq_saved = true;
        u->iowq_prev = v[0];
    }
    return 0;
}

static bool uring_overflowed(const struct be *b)
{
    const struct be_uring *u = (const struct be_uring *)b;
    return io_uring_cq_has_overflow(&u->uring) || (*u->uring.cq.koverflow != 0);
}

static const struct be_ops uring_ops = {
    .name = "uring",
    .socket = uring_socket,
    .connect = uring_connect,
    .accept = uring_accept,
    .send = uring_send,
    .sendmsg = uring_sendmsg,
    .recv = uring_recv,
    .recv_into = uring_recv_into,
    .read = uring_read,
    .openat = uring_openat,
    .writev = uring_writev,
    .close = uring_close,
    .commit_rename = uring_commit_rename,
    .linkat = uring_linkat,
    .rename = uring_rename,
    .unlink = uring_unlink,
    .poll = uring_poll,
    .fstatx = uring_fstatx,
    .fgetxattr = uring_fgetxattr,
    .fsetxattr = uring_fsetxattr,
    .ftruncate = uring_ftruncate,
    .fallocate = uring_fallocate,
    .splice = uring_splice,
    .cancel_fd = uring_cancel_fd,
    .cancel_op = uring_cancel_op,
    .wait = uring_wait,
    .reap = uring_reap,
    .overflowed = uring_overflowed,
    .describe = uring_describe,
    .destroy = uring_destroy,
    .describe_calls = uring_describe_calls,
    .limit_file_workers = uring_limit_file_workers,
    .openat_now = uring_openat_now,
    .writev_now = uring_writev_now,
    .linkat_now = uring_linkat_now,
};
