/* The backend: the table of operations everything above it submits I/O
 * through, and the completions it hands back. The client engine and
 * flagserver both sit on it; io_uring (be_uring.c) is the first
 * implementation, and one built on readiness events plus synchronous file
 * calls can deliver the same completions.
 *
 * Every operation is tagged with a 64-bit user_data (packed by ud.h) that
 * comes back unchanged in a struct be_cqe. An operation only prepares
 * work: nothing is guaranteed to reach the kernel before be_wait(). Each
 * call returns 0, or -EBUSY when it could not be queued at all (then no
 * completion will come); everything else, success or failure, arrives as
 * a completion with its result (>= 0 or -errno).
 *
 * Ownership: pointers handed to an operation (buffers, paths, sockaddrs,
 * msghdrs) must stay valid until its completion has been reaped. A
 * descriptor must not be closed while an operation on it is in flight:
 * cancel first (be_cancel_fd), close when the last completion is back.
 *
 * Nothing of io_uring shows above this file: no SQE, no CQE flag, no
 * buffer id, no link bit. Receive buffers are lent as struct lbuf
 * (lbuf.h); the one compound operation (be_commit_rename: close, then
 * rename only if the close succeeded) is the backend's to order.
 */
#ifndef RF_IO_BACKEND_H
#define RF_IO_BACKEND_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "io/lbuf.h"

struct iovec;
struct msghdr;
struct statx;

/* A completion. */
struct be_cqe {
    uint64_t ud;       /* the user_data given at submission */
    int32_t res;       /* result: >= 0, or -errno */
    uint32_t flags;    /* BE_CQE_* */
    struct lbuf *buf;  /* be_recv: the lent buffer holding res bytes; the reaper
                          owns one reference (lbuf_put when done). NULL otherwise. */
};

/* be_cqe.flags */
enum {
    BE_CQE_MORE = 1u << 0, /* a multishot operation (be_accept) stays armed */
};

/* Features in use (struct be.features), named by be_describe(). */
enum {
    BE_F_DEFER_TASKRUN = 1u << 0, /* io_uring: SINGLE_ISSUER|DEFER_TASKRUN ring */
    BE_F_BUF_RING = 1u << 1,      /* io_uring: registered buffer ring (else PROVIDE_BUFFERS) */
    BE_F_SOCKET_OP = 1u << 2,     /* io_uring: IORING_OP_SOCKET (else socket(2), which never blocks) */
    BE_F_REG_RING_FD = 1u << 3,   /* io_uring: ring fd registered, cheaper enters */
    BE_F_CANCEL_FD = 1u << 4,     /* io_uring: cancel by fd (else shutdown(2)) */
    BE_F_MULTISHOT_ACCEPT = 1u << 5, /* one accept op serves every connection */
    BE_F_SPLICE = 1u << 6,        /* be_splice works (io_uring: IORING_OP_SPLICE, 5.7) */
    BE_F_MIN_WAIT = 1u << 7,      /* io_uring: the batch window is kept by the kernel (min_wait, 6.12) */
    BE_F_FTRUNCATE_OP = 1u << 8,  /* io_uring: IORING_OP_FTRUNCATE (6.9), else ftruncate(2) inline */
};

/* Counters every backend keeps. */
struct be_counters {
    uint64_t enters;   /* system calls that submit or wait (io_uring_enter, epoll_wait) */
    uint64_t syscalls; /* every system call the backend made for I/O, enters included */
    uint64_t sqes;     /* operations submitted */
    uint64_t cqes;     /* completions reaped, internal ones included */
    uint64_t enobufs;  /* receives that found no buffer to lend */
};

/* How big to make things. */
struct be_config {
    unsigned inflight;  /* operations that may be in flight at once (sizes the CQ) */
    unsigned nbufs;     /* receive buffers to lend (rounded up to a power of two) */
    unsigned buf_bytes; /* size of one */
};

struct be;
struct be_ops;

struct be {
    const struct be_ops *ops;
    void *wrap;           /* private to a wrapper that took over ops (be_trace.h), else NULL */
    unsigned features;    /* BE_F_* */
    unsigned buf_bytes;   /* size of one lent receive buffer */
    unsigned nbufs;       /* lent receive buffers in all */
    unsigned bufs_free;   /* of those, how many a receive may currently fill */
    struct be_counters n;
};

struct be_ops {
    const char *name;
    int (*socket)(struct be *b, int domain, int type, uint64_t ud);
    int (*connect)(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud);
    int (*accept)(struct be *b, int fd, uint64_t ud);
    int (*send)(struct be *b, int fd, const void *buf, size_t len, uint64_t ud);
    int (*sendmsg)(struct be *b, int fd, const struct msghdr *msg, uint64_t ud);
    int (*recv)(struct be *b, int fd, uint64_t ud);
    int (*recv_into)(struct be *b, int fd, void *buf, size_t len, uint64_t ud);
    int (*read)(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud);
    int (*openat)(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud);
    int (*writev)(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud);
    int (*close)(struct be *b, int fd, uint64_t ud);
    int (*commit_rename)(struct be *b, int fd, int dirfd, const char *from, const char *to,
                         uint64_t ud_close, uint64_t ud_rename);
    int (*linkat)(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, int flags, uint64_t ud);
    int (*rename)(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud);
    int (*unlink)(struct be *b, int dirfd, const char *path, uint64_t ud);
    int (*poll)(struct be *b, int fd, unsigned events, uint64_t ud);
    int (*fstatx)(struct be *b, int fd, struct statx *stx, uint64_t ud);
    int (*fgetxattr)(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud);
    int (*fsetxattr)(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud);
    int (*ftruncate)(struct be *b, int fd, uint64_t len, uint64_t ud);
    int (*fallocate)(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud);
    int (*splice)(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                  uint64_t ud);
    int (*cancel_fd)(struct be *b, int fd, uint64_t ud);
    int (*cancel_op)(struct be *b, int fd, uint64_t target, uint64_t ud);
    int (*wait)(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns);
    unsigned (*reap)(struct be *b, struct be_cqe *out, unsigned max);
    bool (*overflowed)(const struct be *b);
    void (*describe)(const struct be *b, char *buf, size_t size);
    void (*destroy)(struct be *b);
    /* Optional (NULL: none). */
    /* The system calls made so far, by name ("epoll_wait 12 send 40 ..."). */
    void (*describe_calls)(const struct be *b, char *buf, size_t size);
    /* Something the caller wants in a trace (BE_NOTE_*): no I/O, no completion. */
    void (*note)(struct be *b, unsigned what, uint32_t a, uint32_t b2);
    /* At most n kernel workers at once for operations that may block on a
     * file (be_limit_file_workers). */
    int (*limit_file_workers)(struct be *b, unsigned n);
    /* openat, writev and linkat made at once by the calling thread, their
     * results delivered like any other (be_openat_now...). */
    int (*openat_now)(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud);
    int (*writev_now)(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud);
    int (*linkat_now)(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                      const char *newpath, int flags, uint64_t ud);
};

/* be_note's kinds: what a trace records besides operations. */
enum {
    BE_NOTE_ASSIGN = 1, /* a: connection slot, b: job slot (the job's request goes on it) */
    BE_NOTE_RESULT = 2, /* a: job slot, b: HTTP status (0: none), the job's result is out */
};

/* Which backend (be_create). */
enum be_kind {
    BE_KIND_URING = 0,
    BE_KIND_EPOLL = 1,
};

/* The io_uring backend. Probes the kernel and falls back where a feature
 * is missing; RINGFETCH_RING_DISABLE=name,... switches features off (the
 * names be_describe prints) so the tests can force every fallback.
 * Returns 0 and *out, or -errno (-ENOSYS when the kernel lacks an
 * operation we cannot do without, -ENOMEM, or what io_uring_setup said).
 * On failure nothing is left allocated. */
int be_uring_create(struct be **out, const struct be_config *cfg);

/* The epoll backend (be_epoll.c): non-blocking sockets, one edge-triggered
 * epoll registration per socket, completions made from readiness events;
 * file operations are plain synchronous calls whose results wait in the
 * completion queue for the next reap. wait_nr is ignored (epoll_wait
 * returns on the first event). Every system call is counted. Returns 0 and
 * *out, or -errno (-ENOMEM, or what epoll_create1 said). */
int be_epoll_create(struct be **out, const struct be_config *cfg);

/* A backend of the given kind. Returns 0 and *out, or -errno (-EINVAL for
 * an unknown kind). */
int be_create(enum be_kind kind, struct be **out, const struct be_config *cfg);

/* The operations, as calls (see the top for the contract). */

/* socket(domain, type | SOCK_CLOEXEC): the completion's res is the fd. */
static inline int be_socket(struct be *b, int domain, int type, uint64_t ud)
{ return b->ops->socket(b, domain, type, ud); }
static inline int be_connect(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{ return b->ops->connect(b, fd, sa, len, ud); }
/* Accept on a listening socket, multishot where the kernel can: every
 * completion carrying BE_CQE_MORE means the op stays armed; one without it
 * ends the op (re-arm to go on). res is the new fd (SOCK_CLOEXEC). */
static inline int be_accept(struct be *b, int fd, uint64_t ud)
{ return b->ops->accept(b, fd, ud); }
/* send/sendmsg with MSG_NOSIGNAL; a short send is a success (res bytes). */
static inline int be_send(struct be *b, int fd, const void *buf, size_t len, uint64_t ud)
{ return b->ops->send(b, fd, buf, len, ud); }
static inline int be_sendmsg(struct be *b, int fd, const struct msghdr *msg, uint64_t ud)
{ return b->ops->sendmsg(b, fd, msg, ud); }
/* Receive into a buffer the backend lends (be_cqe.buf). -ENOBUFS means
 * every buffer is lent out: the connection is fine, re-arm once one is
 * back (bufs_free > 0). res 0 is the peer's EOF. */
static inline int be_recv(struct be *b, int fd, uint64_t ud)
{ return b->ops->recv(b, fd, ud); }
/* Receive into the caller's buffer. */
static inline int be_recv_into(struct be *b, int fd, void *buf, size_t len, uint64_t ud)
{ return b->ops->recv_into(b, fd, buf, len, ud); }
/* Read from a file, pipe or terminal: at off, or at the current position
 * when off is -1. res 0 is the end of the file. */
static inline int be_read(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud)
{ return b->ops->read(b, fd, buf, len, off, ud); }
static inline int be_openat(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{ return b->ops->openat(b, dirfd, path, flags, mode, ud); }
/* Write at an explicit offset; a short write is a success (res bytes). */
static inline int be_writev(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{ return b->ops->writev(b, fd, iov, n, off, ud); }
static inline int be_close(struct be *b, int fd, uint64_t ud)
{ return b->ops->close(b, fd, ud); }
/* Close fd, then rename from -> to (both relative to dirfd, AT_FDCWD for
 * the working directory) only if the close succeeded (a failed close may
 * mean lost write-back: no final name for that file). Two completions:
 * ud_close, then ud_rename (-ECANCELED when the close failed). Both or
 * neither are queued. */
static inline int be_commit_rename(struct be *b, int fd, int dirfd, const char *from, const char *to,
                                   uint64_t ud_close, uint64_t ud_rename)
{ return b->ops->commit_rename(b, fd, dirfd, from, to, ud_close, ud_rename); }
/* linkat(2). (No "link, then close if it worked" pair: io_uring does not
 * end a link chain when a linkat fails — measured on 6.18, the close ran
 * after -EEXIST — so a caller that must keep the descriptor on failure
 * waits for the link's result.) */
static inline int be_linkat(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                            const char *newpath, int flags, uint64_t ud)
{ return b->ops->linkat(b, olddirfd, oldpath, newdirfd, newpath, flags, ud); }
/* renameat(dirfd, from, dirfd, to) and unlinkat(dirfd, path, 0): names in
 * one folder, by its descriptor, so that no folder on the way is looked up
 * again (the file sink never follows a link planted there meanwhile). */
static inline int be_rename(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud)
{ return b->ops->rename(b, dirfd, from, to, ud); }
static inline int be_unlink(struct be *b, int dirfd, const char *path, uint64_t ud)
{ return b->ops->unlink(b, dirfd, path, ud); }
/* One-shot readiness: res is the poll(2) revents mask (POLLIN, POLLOUT...). */
static inline int be_poll(struct be *b, int fd, unsigned events, uint64_t ud)
{ return b->ops->poll(b, fd, events, ud); }
/* statx(2) of an open file (AT_EMPTY_PATH): stx is filled when res is 0. */
static inline int be_fstatx(struct be *b, int fd, struct statx *stx, uint64_t ud)
{ return b->ops->fstatx(b, fd, stx, ud); }
/* Extended attributes of an open file: res is the value's length (get) or 0. */
static inline int be_fgetxattr(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud)
{ return b->ops->fgetxattr(b, fd, name, value, len, ud); }
static inline int be_fsetxattr(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud)
{ return b->ops->fsetxattr(b, fd, name, value, len, ud); }
/* ftruncate(2). */
static inline int be_ftruncate(struct be *b, int fd, uint64_t len, uint64_t ud)
{ return b->ops->ftruncate(b, fd, len, ud); }
/* fallocate(2): mode as the call's (FALLOC_FL_KEEP_SIZE...). */
static inline int be_fallocate(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud)
{ return b->ops->fallocate(b, fd, mode, off, len, ud); }
/* splice(2) of up to len bytes from fd_in to fd_out, one of them a pipe;
 * an offset of -1 means the descriptor's own position (pipes, sockets).
 * Only where the backend says BE_F_SPLICE; else it completes -EOPNOTSUPP.
 * res is the bytes moved (0: fd_in is at its end), which may be fewer than
 * len: a socket gives what it holds. */
static inline int be_splice(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                            uint64_t ud)
{ return b->ops->splice(b, fd_in, off_in, fd_out, off_out, len, ud); }
/* Cancel every operation in flight on fd: each ends with -ECANCELED (or
 * its own result if it raced); the cancel itself completes with ud. */
static inline int be_cancel_fd(struct be *b, int fd, uint64_t ud)
{ return b->ops->cancel_fd(b, fd, ud); }
/* Cancel the one operation on fd submitted with user_data target: it ends
 * with -ECANCELED (or its own result if it raced); the cancel completes with
 * ud (0; -ENOENT when the operation was no longer there; -EALREADY when it
 * is running and ends by itself, as a splice in an io-wq worker does when
 * its socket is closed or shut down). Prefer it to
 * be_cancel_fd when the caller knows what it has in flight: io_uring finds
 * the operation by its user_data in a hash, where a cancel by descriptor
 * walks every request in the ring (at -m 4900 that walk was a third of the
 * client's CPU). */
static inline int be_cancel_op(struct be *b, int fd, uint64_t target, uint64_t ud)
{ return b->ops->cancel_op(b, fd, target, ud); }

/* Submit what was queued and wait until wait_nr completions are ready or
 * timeout_ns passed (< 0: no limit); does not wait when completions are
 * already there. One system call at most. With wait_nr > 1, batch_ns (> 0)
 * is the batch window: once it has passed, one completion is enough. With
 * BE_F_MIN_WAIT the kernel keeps that window and then goes on waiting for
 * the first completion until timeout_ns; without it the wait simply ends at
 * batch_ns (-ETIME, maybe with nothing to reap) and the caller may wait
 * again. Returns 0, -ETIME (the timeout passed; what did complete is there
 * to reap), -EINTR (a signal), or another -errno: the backend failed and
 * the caller must give up on it. */
static inline int be_wait(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{ return b->ops->wait(b, wait_nr, batch_ns, timeout_ns); }
/* Take up to max completions into out, oldest first. Returns how many. */
static inline unsigned be_reap(struct be *b, struct be_cqe *out, unsigned max)
{ return b->ops->reap(b, out, max); }
/* True if completions were ever dropped or delayed for lack of room (a sizing bug). */
static inline bool be_overflowed(const struct be *b)
{ return b->ops->overflowed(b); }
/* Space-separated names of the features in use, for --stats. */
static inline void be_describe(const struct be *b, char *buf, size_t size)
{ b->ops->describe(b, buf, size); }
/* The system calls made so far, by name, for --stats. */
void be_describe_calls(const struct be *b, char *buf, size_t size);
/* A trace note (BE_NOTE_*); nothing happens unless a trace is on. */
static inline void be_note(struct be *b, unsigned what, uint32_t a, uint32_t b2)
{
    if (b->ops->note)
        b->ops->note(b, what, a, b2);
}
/* From now on, at most n (> 0) operations that may block on a file (open,
 * link, write, splice into a file...) run at once in the kernel's workers;
 * the rest wait in the kernel's queue, in order. io_uring: its bounded
 * io-wq workers (io_uring_register_iowq_max_workers, 5.15), which belong to
 * the calling thread and so serve all its rings; be_destroy, on the same
 * thread, puts the previous limit back (two backends of one thread that
 * both set it must end in the reverse order). Sockets and pipes keep their
 * own workers. Returns
 * 0, -EOPNOTSUPP where there are no such workers (epoll does file calls
 * inline), or the kernel's -errno. */
static inline int be_limit_file_workers(struct be *b, unsigned n)
{
    return b->ops->limit_file_workers ? b->ops->limit_file_workers(b, n) : -EOPNOTSUPP;
}
/* openat, writev and linkat made at once, by the calling thread, instead of
 * being queued: for files in memory (tmpfs), where io_uring hands each of
 * these to a worker thread anyway (no non-blocking create or link, no
 * non-blocking buffered write there) and the handing over costs more than
 * the call. The result still arrives as a completion in the next reap,
 * like a queued operation's, so the caller's state machine is the same.
 * A backend without them (be_has_now false: epoll, whose file calls are
 * synchronous already) queues the operation as usual. Each returns 0 (the
 * call was made; its result comes in the next reap) or -EBUSY (nothing
 * was done: no room to deliver the result). */
static inline bool be_has_now(const struct be *b)
{ return b->ops->openat_now && b->ops->writev_now && b->ops->linkat_now; }
static inline int be_openat_now(struct be *b, int dirfd, const char *path, int flags, mode_t mode,
                                uint64_t ud)
{
    return b->ops->openat_now ? b->ops->openat_now(b, dirfd, path, flags, mode, ud)
                              : b->ops->openat(b, dirfd, path, flags, mode, ud);
}
static inline int be_writev_now(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off,
                                uint64_t ud)
{
    return b->ops->writev_now ? b->ops->writev_now(b, fd, iov, n, off, ud)
                              : b->ops->writev(b, fd, iov, n, off, ud);
}
static inline int be_linkat_now(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                                const char *newpath, int flags, uint64_t ud)
{
    return b->ops->linkat_now ? b->ops->linkat_now(b, olddirfd, oldpath, newdirfd, newpath, flags, ud)
                              : b->ops->linkat(b, olddirfd, oldpath, newdirfd, newpath, flags, ud);
}
/* Tear down: every operation still in flight is cancelled and waited for
 * (no completion is delivered), lent buffers are freed. */
static inline void be_destroy(struct be *b)
{ b->ops->destroy(b); }

#endif
