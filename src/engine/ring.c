/* io_uring behind the ring.h interface: setup with fallbacks, provided
 * buffers, batched submit-and-wait, batched reaping, counters. */
#include "engine/ring.h"
#include "engine/tunables.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define RING_BGID 7
/* Completions of our own bookkeeping SQEs (PROVIDE_BUFFERS in the fallback)
 * carry this user_data and never reach the caller. */
#define RING_UD_INTERNAL UINT64_MAX

struct ring_impl {
    struct io_uring uring;
    struct io_uring_buf_ring *br; /* NULL in the PROVIDE_BUFFERS fallback */
    size_t br_bytes;
    char *bufs;                   /* nbufs * buf_bytes, page aligned */
    uint16_t *refs;               /* references per buffer */
    /* Results of operations done synchronously because the kernel lacks
     * the opcode; handed out by ring_reap before the CQ, in order. */
    struct ring_cqe *local;
    unsigned nlocal, local_cap;
};

/* Features switched off through RINGFETCH_RING_DISABLE (a comma-separated
 * list of the names ring_describe prints), so that the fallbacks an older
 * kernel would take are exercised by the tests on this one. */
static unsigned ring_disabled(void)
{
    static const struct { const char *name; unsigned flag; } names[] = {
        { "defer_taskrun", RING_F_DEFER_TASKRUN }, { "buf_ring", RING_F_BUF_RING },
        { "socket_op", RING_F_SOCKET_OP },         { "cancel_fd", RING_F_CANCEL_FD },
        { "registered_ring_fd", RING_F_REG_RING_FD },
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
static int ring_setup(struct ring *r, unsigned sq, unsigned cq, unsigned off)
{
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int ret = -EINVAL;
    for (size_t i = (off & RING_F_DEFER_TASKRUN) ? 1 : 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = cq;
        ret = io_uring_queue_init_params(sq, &r->impl->uring, &p);
        if (ret == 0) {
            if (tries[i] & IORING_SETUP_DEFER_TASKRUN)
                r->features |= RING_F_DEFER_TASKRUN;
            return 0;
        }
        if (ret != -EINVAL)
            return ret;
    }
    return ret;
}

static int ring_probe(struct ring *r, unsigned off)
{
    struct io_uring_probe *p = io_uring_get_probe_ring(&r->impl->uring);
    if (!p)
        return -ENOSYS;
    static const int needed[] = {
        IORING_OP_CONNECT, IORING_OP_SEND, IORING_OP_RECV, IORING_OP_OPENAT,
        IORING_OP_WRITEV, IORING_OP_CLOSE, IORING_OP_RENAMEAT, IORING_OP_UNLINKAT,
        IORING_OP_ASYNC_CANCEL, IORING_OP_PROVIDE_BUFFERS,
    };
    int ret = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (!io_uring_opcode_supported(p, needed[i]))
            ret = -ENOSYS;
    /* OP_SOCKET and cancel-by-fd arrived together in 5.19. */
    if (io_uring_opcode_supported(p, IORING_OP_SOCKET))
        r->features |= (RING_F_SOCKET_OP | RING_F_CANCEL_FD) & ~off;
    io_uring_free_probe(p);
    return ret;
}

static void ring_buf_give(struct ring *r, unsigned bid);

static int ring_bufs_setup(struct ring *r, unsigned off)
{
    struct ring_impl *im = r->impl;
    size_t total = (size_t)r->nbufs * r->buf_bytes;
    im->bufs = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (im->bufs == MAP_FAILED) {
        im->bufs = NULL;
        return -ENOMEM;
    }
    im->refs = calloc(r->nbufs, sizeof *im->refs);
    if (!im->refs)
        return -ENOMEM;

    /* liburing 2.3 has no io_uring_setup_buf_ring: map and register by hand. */
    im->br_bytes = (size_t)r->nbufs * sizeof(struct io_uring_buf);
    void *mem = (off & RING_F_BUF_RING) ? MAP_FAILED
              : mmap(NULL, im->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED) {
        struct io_uring_buf_reg reg;
        memset(&reg, 0, sizeof reg);
        reg.ring_addr = (unsigned long)mem;
        reg.ring_entries = r->nbufs;
        reg.bgid = RING_BGID;
        if (io_uring_register_buf_ring(&im->uring, &reg, 0) == 0) {
            im->br = mem;
            io_uring_buf_ring_init(im->br);
            r->features |= RING_F_BUF_RING;
        } else {
            munmap(mem, im->br_bytes);
        }
    }
    for (unsigned bid = 0; bid < r->nbufs; bid++)
        ring_buf_give(r, bid);
    return 0;
}

int ring_init(struct ring *r, unsigned inflight, unsigned nbufs, unsigned buf_bytes)
{
    memset(r, 0, sizeof *r);
    r->impl = calloc(1, sizeof *r->impl);
    if (!r->impl)
        return -ENOMEM;
    r->nbufs = pow2_at_least(nbufs);
    if (r->nbufs > 32768)
        r->nbufs = 32768; /* buffer ids are 16 bits */
    r->buf_bytes = buf_bytes;

    /* Every op in flight can post a CQE, and a cancel adds one per fd;
     * size the CQ so a full burst never overflows (CQ overflow in tests is
     * a sizing bug, not a load condition). */
    unsigned sq = RF_RING_SQ_ENTRIES;
    unsigned cq = pow2_at_least(2 * inflight + r->nbufs + 2 * sq);
    if (cq > 65536)
        cq = 65536;
    unsigned off = ring_disabled();
    int ret = ring_setup(r, sq, cq, off);
    if (ret < 0) {
        free(r->impl);
        r->impl = NULL;
        return ret;
    }
    ret = ring_probe(r, off);
    if (ret == 0 && !(off & RING_F_REG_RING_FD) && io_uring_register_ring_fd(&r->impl->uring) == 1)
        r->features |= RING_F_REG_RING_FD;
    if (ret == 0)
        ret = ring_bufs_setup(r, off);
    if (ret < 0)
        ring_exit(r);
    return ret;
}

void ring_exit(struct ring *r)
{
    struct ring_impl *im = r->impl;
    if (!im)
        return;
    if (im->br) {
        io_uring_unregister_buf_ring(&im->uring, RING_BGID);
        munmap(im->br, im->br_bytes);
    }
    io_uring_queue_exit(&im->uring);
    if (im->bufs)
        munmap(im->bufs, (size_t)r->nbufs * r->buf_bytes);
    free(im->refs);
    free(im->local);
    free(im);
    r->impl = NULL;
}

void ring_describe(const struct ring *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s",
             r->features & RING_F_DEFER_TASKRUN ? "defer_taskrun " : "coop_taskrun ",
             r->features & RING_F_BUF_RING ? "buf_ring " : "provide_buffers ",
             r->features & RING_F_SOCKET_OP ? "socket_op cancel_fd " : "socket_syscall ",
             r->features & RING_F_REG_RING_FD ? "registered_ring_fd" : "");
}

/* An SQE, flushing the SQ to the kernel (without waiting) when it is full. */
static struct io_uring_sqe *ring_sqe(struct ring *r, uint64_t ud)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->impl->uring);
    if (!sqe) {
        r->enters++;
        io_uring_submit(&r->impl->uring);
        sqe = io_uring_get_sqe(&r->impl->uring);
        if (!sqe)
            return NULL;
    }
    r->sqes++;
    io_uring_sqe_set_data64(sqe, ud);
    return sqe;
}

/* Deliver a result without the kernel (fallbacks), in the next ring_reap. */
static int ring_local_complete(struct ring *r, uint64_t ud, int res)
{
    struct ring_impl *im = r->impl;
    if (im->nlocal == im->local_cap) {
        unsigned cap = im->local_cap ? 2 * im->local_cap : 64;
        struct ring_cqe *n = realloc(im->local, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        im->local = n;
        im->local_cap = cap;
    }
    im->local[im->nlocal++] = (struct ring_cqe){ .ud = ud, .res = res, .flags = 0, .bid = -1 };
    return 0;
}

#define RING_PREP(sqe_var, r, ud)                     \
    struct io_uring_sqe *sqe_var = ring_sqe((r), (ud)); \
    if (!sqe_var)                                     \
        return -EBUSY

int ring_socket(struct ring *r, int domain, int type, uint64_t ud)
{
    if (!(r->features & RING_F_SOCKET_OP)) {
        /* socket(2) never blocks, so doing it inline keeps the loop honest. */
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        return ring_local_complete(r, ud, fd < 0 ? -errno : fd);
    }
    RING_PREP(sqe, r, ud);
    io_uring_prep_socket(sqe, domain, type | SOCK_CLOEXEC, 0, 0);
    return 0;
}

int ring_connect(struct ring *r, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_connect(sqe, fd, sa, len);
    return 0;
}

int ring_send(struct ring *r, int fd, const void *buf, size_t len, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
    return 0;
}

int ring_recv(struct ring *r, int fd, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_recv(sqe, fd, NULL, r->buf_bytes, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = RING_BGID;
    return 0;
}

int ring_reserve(struct ring *r, unsigned n)
{
    if (io_uring_sq_space_left(&r->impl->uring) < n) {
        r->enters++;
        io_uring_submit(&r->impl->uring);
    }
    return io_uring_sq_space_left(&r->impl->uring) < n ? -EBUSY : 0;
}

static void ring_file_flags(struct io_uring_sqe *sqe, unsigned rf)
{
    if (rf & RING_LINK)
        sqe->flags |= IOSQE_IO_LINK;
}

int ring_openat(struct ring *r, const char *path, int flags, mode_t mode, unsigned rf, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_openat(sqe, AT_FDCWD, path, flags, mode);
    ring_file_flags(sqe, rf);
    return 0;
}

int ring_writev(struct ring *r, int fd, const struct iovec *iov, unsigned n, uint64_t off, unsigned rf, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_writev(sqe, fd, iov, n, off);
    ring_file_flags(sqe, rf);
    return 0;
}

int ring_rename(struct ring *r, const char *from, const char *to, unsigned rf, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_renameat(sqe, AT_FDCWD, from, AT_FDCWD, to, 0);
    ring_file_flags(sqe, rf);
    return 0;
}

int ring_unlink(struct ring *r, const char *path, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_unlinkat(sqe, AT_FDCWD, path, 0);
    return 0;
}

int ring_close(struct ring *r, int fd, unsigned rf, uint64_t ud)
{
    RING_PREP(sqe, r, ud);
    io_uring_prep_close(sqe, fd);
    ring_file_flags(sqe, rf);
    return 0;
}

int ring_cancel_fd(struct ring *r, int fd, uint64_t ud)
{
    if (!(r->features & RING_F_CANCEL_FD)) {
        /* Older kernels: shutting the socket down ends its recv/send. */
        shutdown(fd, SHUT_RDWR);
        return ring_local_complete(r, ud, 0);
    }
    RING_PREP(sqe, r, ud);
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    return 0;
}

char *ring_buf(const struct ring *r, unsigned bid)
{
    return r->impl->bufs + (size_t)bid * r->buf_bytes;
}

/* Hand buffer bid back to the kernel for recvs to fill. */
static void ring_buf_give(struct ring *r, unsigned bid)
{
    struct ring_impl *im = r->impl;
    if (im->br) {
        io_uring_buf_ring_add(im->br, ring_buf(r, bid), r->buf_bytes, (unsigned short)bid,
                              io_uring_buf_ring_mask(r->nbufs), 0);
        io_uring_buf_ring_advance(im->br, 1);
    } else {
        struct io_uring_sqe *sqe = ring_sqe(r, RING_UD_INTERNAL);
        if (!sqe)
            return; /* cannot happen after a flush; the buffer is lost, not corrupted */
        io_uring_prep_provide_buffers(sqe, ring_buf(r, bid), (int)r->buf_bytes, 1, RING_BGID, (int)bid);
    }
    r->bufs_free++;
}

void ring_buf_hold(struct ring *r, unsigned bid)
{
    r->impl->refs[bid]++;
}

void ring_buf_release(struct ring *r, unsigned bid)
{
    if (--r->impl->refs[bid] == 0)
        ring_buf_give(r, bid);
}

int ring_wait(struct ring *r, unsigned wait_nr, int64_t timeout_ns)
{
    struct ring_impl *im = r->impl;
    struct io_uring_cqe *cqe;
    if (im->nlocal || io_uring_cq_ready(&im->uring)) {
        if (io_uring_sq_ready(&im->uring)) {
            r->enters++;
            int ret = io_uring_submit(&im->uring);
            return ret < 0 ? ret : 0;
        }
        return 0;
    }
    /* With the CQ empty, liburing makes exactly one io_uring_enter here: it
     * submits everything and waits for wait_nr CQEs or the timeout. */
    struct __kernel_timespec ts;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
    }
    r->enters++;
    int ret = io_uring_submit_and_wait_timeout(&im->uring, &cqe, wait_nr ? wait_nr : 1, timeout_ns >= 0 ? &ts : NULL, NULL);
    if (ret == -ETIME || ret == -EINTR)
        return ret;
    return ret < 0 ? ret : 0;
}

unsigned ring_reap(struct ring *r, struct ring_cqe *out, unsigned max)
{
    struct ring_impl *im = r->impl;
    unsigned n = 0;
    if (im->nlocal) {
        unsigned k = im->nlocal < max ? im->nlocal : max;
        memcpy(out, im->local, k * sizeof *out);
        memmove(im->local, im->local + k, (im->nlocal - k) * sizeof *out);
        im->nlocal -= k;
        n = k;
    }
    unsigned head, seen = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&im->uring, head, cqe) {
        if (n == max)
            break;
        seen++;
        if (cqe->user_data == RING_UD_INTERNAL)
            continue;
        struct ring_cqe *o = &out[n++];
        o->ud = cqe->user_data;
        o->res = cqe->res;
        o->flags = cqe->flags;
        o->bid = -1;
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            /* The buffer id comes with errors too, and must always be given back. */
            o->bid = (int32_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
            im->refs[o->bid] = 1;
            r->bufs_free--;
        }
    }
    io_uring_cq_advance(&im->uring, seen);
    r->cqes += seen;
    return n;
}

bool ring_cq_overflowed(const struct ring *r)
{
    return io_uring_cq_has_overflow(&r->impl->uring) || (*r->impl->uring.cq.koverflow != 0);
}
