/* A fake backend for the state-machine tests: it implements the backend
 * table (src/io/backend.h) without a kernel. Every operation submitted is
 * recorded; the test picks them up (fake_take) and completes them with
 * whatever result, in whatever order, it wants to try (fake_cqe_* build
 * the completion; the test hands it to the module under test, or queues
 * it for be_reap with fake_post).
 *
 * An "auto" mode answers by itself, as a healthy kernel and server would,
 * for whole-engine runs: sockets and files get descriptor numbers, sends
 * and writes complete in full, each recv gets the canned response.
 */
#ifndef RF_TEST_FAKE_BE_H
#define RF_TEST_FAKE_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "io/backend.h"

enum fake_op {
    FAKE_SOCKET, FAKE_CONNECT, FAKE_ACCEPT, FAKE_SEND, FAKE_SENDMSG, FAKE_RECV, FAKE_RECV_INTO,
    FAKE_READ, FAKE_OPENAT, FAKE_WRITEV, FAKE_CLOSE, FAKE_LINKAT, FAKE_RENAME, FAKE_UNLINK,
    FAKE_POLL, FAKE_CANCEL_FD, FAKE_FSTATX, FAKE_FGETXATTR, FAKE_FSETXATTR, FAKE_FTRUNCATE,
    FAKE_FALLOCATE, FAKE_SPLICE, FAKE_CANCEL_OP,
    FAKE_OP_KINDS /* how many there are: keep it last */
};

#define FAKE_MAX_OPS 4096
#define FAKE_PATH_MAX 256
#define FAKE_MAX_FDS 4096
#define FAKE_MAX_CONNECTS 64
#define FAKE_SENT_LOG_BYTES 8192

struct fake_rec {
    enum fake_op op;
    uint64_t ud;
    int fd;
    int flags;
    int fd2;               /* splice: the output descriptor; openat, linkat (the new name's),
                              rename, unlink: the folder's descriptor the path is under */
    uint64_t off;          /* writev, splice: the output's offset; fallocate: where; cancel_op: the
                              target's ud */
    size_t len;            /* send/recv_into/read/writev/splice/fallocate: bytes asked */
    const void *buf;       /* send: the bytes; recv_into/read: where to put them */
    char path[FAKE_PATH_MAX], path2[FAKE_PATH_MAX];
    bool taken;            /* fake_take returned it */
};

/* What went where, for the tests that check it: every IPv4 connect's
 * address, and (auto mode) the bytes of every send, in order, as far as
 * they fit. The test owns it: it outlives the backend, which an engine run
 * destroys. */
struct fake_log {
    struct sockaddr_in connects[FAKE_MAX_CONNECTS];
    unsigned nconnects;
    char sent[FAKE_SENT_LOG_BYTES + 1]; /* NUL-terminated */
    size_t sent_len;
};

struct fake_waits {
    unsigned max_nr;       /* the most completions one be_wait asked for */
    int64_t max_batch_ns;  /* the longest batch window one be_wait was given */
};

struct fake_be {
    struct be b;
    struct fake_rec ops[FAKE_MAX_OPS];
    unsigned nops;
    struct be_cqe cq[FAKE_MAX_OPS];
    unsigned ncq;
    struct lbuf *lbufs;
    char *mem;
    int next_fd;
    /* auto mode */
    bool autopilot;
    const char *reply;     /* what every recv gets, once per request sent */
    const char *const *replies; /* or these, one after another (the last repeats) */
    unsigned nreplies, reply_pos;
    int wait_fail_after;   /* be_wait fails with wait_fail_err after this many calls (0: never) */
    int wait_fail_err;
    int waits;
    struct fake_waits *waits_seen; /* or NULL: what the waits asked for, kept where it
                                      outlives the fake (engine_run_with destroys it) */
    unsigned bufs_held;    /* lent buffers not given back */
    const long *input_script; /* auto mode: what successive reads of input_fd return
                                 (bytes of 'x', 0 = end), then they stay in flight */
    int input_fd;
    unsigned input_pos;
    unsigned owed[FAKE_MAX_FDS]; /* auto mode: requests sent and not answered, per fd */
    struct fake_log *log;  /* or NULL: see struct fake_log */
    int fail_res[FAKE_OP_KINDS];   /* auto mode: nonzero (a negative errno) completes every
                                      operation of that kind with it: a failing socket,
                                      send, openat, ... */
};

/* A fake backend with nbufs lent buffers of buf_bytes each. */
struct fake_be *fake_be_new(unsigned nbufs, unsigned buf_bytes);
/* (be_destroy frees it.) */

/* The oldest operation of kind op not taken yet, or NULL; marks it taken. */
struct fake_rec *fake_take(struct fake_be *f, enum fake_op op);
/* How many operations of kind op were submitted but not taken yet. */
unsigned fake_pending(const struct fake_be *f, enum fake_op op);

/* Completions. */
struct be_cqe fake_cqe(const struct fake_rec *r, int res);
/* A recv completion carrying len bytes of data in a lent buffer (len 0: EOF,
 * no buffer); the test must hand it to the module, which puts the buffer. */
struct be_cqe fake_cqe_recv(struct fake_be *f, const struct fake_rec *r, const char *data, size_t len);
/* Queue a completion for be_reap. */
void fake_post(struct fake_be *f, struct be_cqe cqe);

#endif
