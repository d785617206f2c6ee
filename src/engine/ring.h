/* The ring: the one submission interface the engine talks through.
 *
 * Every operation the engine needs is one call here, tagged with a 64-bit
 * user_data that comes back unchanged in a struct ring_cqe. Nothing above
 * this file touches liburing, so an epoll backend can later implement the
 * same calls. Calls prepare SQEs; nothing reaches the kernel until
 * ring_wait() (or an SQ that filled up, which is flushed without waiting).
 *
 * Pointers handed to an operation (buffers, paths, sockaddrs) must stay
 * valid until its completion has been reaped.
 */
#ifndef RF_RING_H
#define RF_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct ring_cqe {
    uint64_t ud;    /* the user_data given at submission */
    int32_t res;    /* result: >= 0, or -errno */
    uint32_t flags; /* RING_CQE_* */
    int32_t bid;    /* provided buffer id holding the data (recv), or -1 */
};

/* Features found at start (ring.features). */
enum {
    RING_F_DEFER_TASKRUN = 1u << 0, /* SINGLE_ISSUER|DEFER_TASKRUN ring */
    RING_F_BUF_RING = 1u << 1,      /* registered buffer ring (else PROVIDE_BUFFERS) */
    RING_F_SOCKET_OP = 1u << 2,     /* IORING_OP_SOCKET (else socket(2), which never blocks) */
    RING_F_REG_RING_FD = 1u << 3,   /* ring fd registered: cheaper io_uring_enter */
    RING_F_CANCEL_FD = 1u << 4,     /* ASYNC_CANCEL by fd (5.19+) */
};

struct ring_impl; /* liburing state, private to ring.c */

struct ring {
    struct ring_impl *impl;
    unsigned features;
    unsigned buf_bytes;   /* size of one provided recv buffer */
    unsigned nbufs;       /* provided recv buffers in all */
    unsigned bufs_free;   /* of those, how many the kernel may currently fill */
    uint64_t enters;      /* io_uring_enter calls made */
    uint64_t sqes;        /* SQEs prepared (and so submitted) */
    uint64_t cqes;        /* CQEs reaped, our own and internal ones */
};

/* Set up a ring for about `inflight` concurrent operations with nbufs recv
 * buffers of buf_bytes each (nbufs: power of two). Probes the kernel and
 * falls back where a feature is missing. Returns 0 or -errno (-ENOSYS when
 * the kernel lacks an operation we cannot do without). */
int ring_init(struct ring *r, unsigned inflight, unsigned nbufs, unsigned buf_bytes);
void ring_exit(struct ring *r);
/* Space-separated names of the features in use, for --stats. */
void ring_describe(const struct ring *r, char *buf, size_t size);

/* Operations. Each returns 0, or -EBUSY when no SQE could be had even
 * after flushing the SQ to the kernel.
 *
 * File operations take RING_* flags: RING_LINK makes the next operation
 * run only if this one succeeds (the rest of the chain completes with
 * -ECANCELED). Call ring_reserve() for the whole chain first: a link cannot
 * span two submissions.
 *
 * (Measured and dropped: opening into direct descriptors so that a small
 * file's open -> write -> close -> rename could go out as one chain. The
 * io-wq worker that runs the open must take the ring's lock to install the
 * descriptor, and that contention cost 17% more CPU per file at -m 100 than
 * plain descriptors, for no gain in files/s or enters per file.) */
enum { RING_LINK = 1u << 0 };

int ring_reserve(struct ring *r, unsigned n);
int ring_socket(struct ring *r, int domain, int type, uint64_t ud);
int ring_connect(struct ring *r, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud);
int ring_send(struct ring *r, int fd, const void *buf, size_t len, uint64_t ud);
/* Receive into a provided buffer; the completion's bid names it and the
 * reaper then owns one reference to it (see ring_buf_*). */
int ring_recv(struct ring *r, int fd, uint64_t ud);
int ring_openat(struct ring *r, const char *path, int flags, mode_t mode, unsigned rf, uint64_t ud);
int ring_writev(struct ring *r, int fd, const struct iovec *iov, unsigned n, uint64_t off, unsigned rf, uint64_t ud);
int ring_close(struct ring *r, int fd, unsigned rf, uint64_t ud);
int ring_rename(struct ring *r, const char *from, const char *to, unsigned rf, uint64_t ud);
int ring_unlink(struct ring *r, const char *path, uint64_t ud);
/* Cancel every operation in flight on fd; each ends with -ECANCELED (or its
 * own result if it raced), and the cancel itself completes with ud. */
int ring_cancel_fd(struct ring *r, int fd, uint64_t ud);

/* Provided buffers are reference counted so that a buffer can be lent to
 * file writes after the recv that filled it: it goes back to the kernel
 * when the last reference is released. A recv completion carries one
 * reference. */
char *ring_buf(const struct ring *r, unsigned bid);
void ring_buf_hold(struct ring *r, unsigned bid);
void ring_buf_release(struct ring *r, unsigned bid);

/* Submit what was prepared and wait until wait_nr completions are ready
 * or timeout_ns passed (< 0: no limit); on the timeout, whatever did
 * complete is there to reap. Does not wait when completions are already
 * waiting. One io_uring_enter at most.
 * Returns 0, -ETIME, -EINTR (a signal arrived) or another -errno. */
int ring_wait(struct ring *r, unsigned wait_nr, int64_t timeout_ns);

/* Take up to max completions into out (oldest first) and release them
 * from the CQ. Returns how many. */
unsigned ring_reap(struct ring *r, struct ring_cqe *out, unsigned max);

/* True if the kernel ever had to overflow the CQ (a sizing bug). */
bool ring_cq_overflowed(const struct ring *r);

#endif
