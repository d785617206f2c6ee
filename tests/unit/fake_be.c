/* The fake backend (see fake_be.h). */
#include "fake_be.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static struct fake_be *F(struct be *b)
{
    return (struct fake_be *)b;
}

static struct fake_rec *rec(struct be *b, enum fake_op op, uint64_t ud, int fd)
{
    struct fake_be *f = F(b);
    if (f->nops == FAKE_MAX_OPS)
        return NULL;
    struct fake_rec *r = &f->ops[f->nops++];
    memset(r, 0, sizeof *r);
    r->op = op;
    r->ud = ud;
    r->fd = fd;
    b->n.sqes++;
    return r;
}

#define REC(op, ud, fd)                              \
    struct fake_rec *r = rec(b, (op), (ud), (fd));   \
    if (!r)                                          \
        return -EBUSY

static int fk_socket(struct be *b, int domain, int type, uint64_t ud)
{
    (void)domain;
    (void)type;
    REC(FAKE_SOCKET, ud, -1);
    return 0;
}

static int fk_connect(struct be *b, int fd, const struct sockaddr *sa, socklen_t len, uint64_t ud)
{
    struct fake_be *f = F(b);
    REC(FAKE_CONNECT, ud, fd);
    struct fake_log *l = f->log;
    if (l && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in) && l->nconnects < FAKE_MAX_CONNECTS)
        memcpy(&l->connects[l->nconnects++], sa, sizeof(struct sockaddr_in));
    return 0;
}

static int fk_accept(struct be *b, int fd, uint64_t ud)
{
    REC(FAKE_ACCEPT, ud, fd);
    return 0;
}

static int fk_send(struct be *b, int fd, const void *buf, size_t len, uint64_t ud)
{
    REC(FAKE_SEND, ud, fd);
    r->buf = buf;
    r->len = len;
    return 0;
}

static int fk_sendmsg(struct be *b, int fd, const struct msghdr *msg, uint64_t ud)
{
    REC(FAKE_SENDMSG, ud, fd);
    size_t n = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++)
        n += msg->msg_iov[i].iov_len;
    r->len = n;
    return 0;
}

static int fk_recv(struct be *b, int fd, uint64_t ud)
{
    REC(FAKE_RECV, ud, fd);
    r->len = b->buf_bytes;
    return 0;
}

static int fk_recv_into(struct be *b, int fd, void *buf, size_t len, uint64_t ud)
{
    REC(FAKE_RECV_INTO, ud, fd);
    r->buf = buf;
    r->len = len;
    return 0;
}

static int fk_read(struct be *b, int fd, void *buf, size_t len, int64_t off, uint64_t ud)
{
    (void)off;
    REC(FAKE_READ, ud, fd);
    r->buf = buf;
    r->len = len;
    return 0;
}

static int fk_openat(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    (void)mode;
    REC(FAKE_OPENAT, ud, -1);
    r->fd2 = dirfd;
    snprintf(r->path, sizeof r->path, "%s", path);
    r->flags = flags;
    return 0;
}

static int fk_writev(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off, uint64_t ud)
{
    REC(FAKE_WRITEV, ud, fd);
    r->off = off;
    size_t len = 0;
    for (unsigned i = 0; i < n; i++)
        len += iov[i].iov_len;
    r->len = len;
    r->buf = iov;
    return 0;
}

static int fk_close(struct be *b, int fd, uint64_t ud)
{
    REC(FAKE_CLOSE, ud, fd);
    return 0;
}

static int fk_commit_rename(struct be *b, int fd, int dirfd, const char *from, const char *to,
                            uint64_t ud_close, uint64_t ud_rename)
{
    if (F(b)->nops + 2 > FAKE_MAX_OPS)
        return -EBUSY;
    fk_close(b, fd, ud_close);
    struct fake_rec *r = rec(b, FAKE_RENAME, ud_rename, -1);
    r->fd2 = dirfd;
    snprintf(r->path, sizeof r->path, "%s", from);
    snprintf(r->path2, sizeof r->path2, "%s", to);
    r->flags = 1; /* linked after the close */
    return 0;
}

static int fk_linkat(struct be *b, int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                     int flags, uint64_t ud)
{
    REC(FAKE_LINKAT, ud, olddirfd); /* linking by descriptor: the inode's fd */
    r->fd2 = newdirfd;
    snprintf(r->path, sizeof r->path, "%s", oldpath);
    snprintf(r->path2, sizeof r->path2, "%s", newpath);
    r->flags = flags;
    return 0;
}

static int fk_rename(struct be *b, int dirfd, const char *from, const char *to, uint64_t ud)
{
    REC(FAKE_RENAME, ud, -1);
    r->fd2 = dirfd;
    snprintf(r->path, sizeof r->path, "%s", from);
    snprintf(r->path2, sizeof r->path2, "%s", to);
    return 0;
}

static int fk_unlink(struct be *b, int dirfd, const char *path, uint64_t ud)
{
    REC(FAKE_UNLINK, ud, -1);
    r->fd2 = dirfd;
    snprintf(r->path, sizeof r->path, "%s", path);
    return 0;
}

static int fk_poll(struct be *b, int fd, unsigned events, uint64_t ud)
{
    REC(FAKE_POLL, ud, fd);
    r->flags = (int)events;
    return 0;
}

static int fk_fstatx(struct be *b, int fd, struct statx *stx, uint64_t ud)
{
    REC(FAKE_FSTATX, ud, fd);
    r->buf = stx;
    return 0;
}

static int fk_fgetxattr(struct be *b, int fd, const char *name, void *value, size_t len, uint64_t ud)
{
    REC(FAKE_FGETXATTR, ud, fd);
    snprintf(r->path, sizeof r->path, "%s", name);
    r->buf = value;
    r->len = len;
    return 0;
}

static int fk_fsetxattr(struct be *b, int fd, const char *name, const void *value, size_t len, uint64_t ud)
{
    REC(FAKE_FSETXATTR, ud, fd);
    snprintf(r->path, sizeof r->path, "%s", name);
    snprintf(r->path2, sizeof r->path2, "%.*s", (int)len, (const char *)value);
    r->len = len;
    return 0;
}

static int fk_ftruncate(struct be *b, int fd, uint64_t len, uint64_t ud)
{
    REC(FAKE_FTRUNCATE, ud, fd);
    r->len = len;
    return 0;
}

static int fk_fallocate(struct be *b, int fd, int mode, uint64_t off, uint64_t len, uint64_t ud)
{
    (void)mode;
    REC(FAKE_FALLOCATE, ud, fd);
    r->off = off;
    r->len = len;
    return 0;
}

/* fd: the input; r->fd2 the output, r->off its offset (-1: none). */
static int fk_splice(struct be *b, int fd_in, int64_t off_in, int fd_out, int64_t off_out, size_t len,
                     uint64_t ud)
{
    (void)off_in;
    REC(FAKE_SPLICE, ud, fd_in);
    r->fd2 = fd_out;
    r->off = (uint64_t)off_out;
    r->len = len;
    return 0;
}

static int fk_cancel_fd(struct be *b, int fd, uint64_t ud)
{
    REC(FAKE_CANCEL_FD, ud, fd);
    return 0;
}

static int fk_cancel_op(struct be *b, int fd, uint64_t target, uint64_t ud)
{
    REC(FAKE_CANCEL_OP, ud, fd);
    r->off = target;
    return 0;
}

static void fk_release(struct lbuf *lb)
{
    struct fake_be *f = lb->owner;
    f->b.bufs_free++;
    f->bufs_held--;
}

static struct lbuf *fk_lend(struct fake_be *f)
{
    for (unsigned i = 0; i < f->b.nbufs; i++)
        if (f->lbufs[i].refs == 0) {
            f->lbufs[i].refs = 1;
            f->b.bufs_free--;
            f->bufs_held++;
            return &f->lbufs[i];
        }
    return NULL;
}

struct be_cqe fake_cqe(const struct fake_rec *r, int res)
{
    return (struct be_cqe){ .ud = r->ud, .res = res, .flags = 0, .buf = NULL };
}

struct be_cqe fake_cqe_recv(struct fake_be *f, const struct fake_rec *r, const char *data, size_t len)
{
    struct be_cqe c = fake_cqe(r, (int)len);
    if (len == 0)
        return c;
    struct lbuf *lb = fk_lend(f);
    if (!lb) {
        c.res = -ENOBUFS;
        return c;
    }
    memcpy(lb->data, data, len);
    c.buf = lb;
    return c;
}

void fake_post(struct fake_be *f, struct be_cqe cqe)
{
    if (f->ncq < FAKE_MAX_OPS)
        f->cq[f->ncq++] = cqe;
}

struct fake_rec *fake_take(struct fake_be *f, enum fake_op op)
{
    for (unsigned i = 0; i < f->nops; i++)
        if (f->ops[i].op == op && !f->ops[i].taken) {
            f->ops[i].taken = true;
            return &f->ops[i];
        }
    return NULL;
}

unsigned fake_pending(const struct fake_be *f, enum fake_op op)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->nops; i++)
        n += f->ops[i].op == op && !f->ops[i].taken;
    return n;
}

/* Auto mode: answer everything not taken yet like a healthy world would.
 * A recv is answered (with the canned reply) only once a request was sent
 * on its descriptor; otherwise it stays in flight, as on an idle
 * connection. A cancel ends whatever is in flight on its descriptor. */
static void fk_autopilot(struct fake_be *f)
{
    for (unsigned i = 0; i < f->nops; i++) {
        struct fake_rec *r = &f->ops[i];
        if (r->taken)
            continue;
        if (r->op == FAKE_READ) {
            if (!f->input_script || r->fd != f->input_fd)
                continue;
            long n = f->input_script[f->input_pos];
            if (n > 0 && (size_t)n > r->len)
                n = (long)r->len;
            memset((void *)r->buf, 'x', n > 0 ? (size_t)n : 0);
            r->taken = true;
            fake_post(f, fake_cqe(r, (int)n));
            if (n == 0)
                f->input_script = NULL;
            else
                f->input_pos++;
            continue;
        }
        if (r->op == FAKE_RECV) {
            if (r->fd < 0 || r->fd >= FAKE_MAX_FDS || f->owed[r->fd] == 0)
                continue;
            f->owed[r->fd]--;
        }
        r->taken = true;
        if (f->fail_res[r->op]) {
            fake_post(f, fake_cqe(r, f->fail_res[r->op]));
            continue;
        }
        switch (r->op) {
        case FAKE_SOCKET:
        case FAKE_OPENAT:
            fake_post(f, fake_cqe(r, f->next_fd++));
            break;
        case FAKE_SEND:
            /* One answer owed per request in the bytes sent (pipelined ones too). */
            if (r->fd >= 0 && r->fd < FAKE_MAX_FDS)
                for (size_t k = 0; k + 4 <= r->len; k++)
                    f->owed[r->fd] += memcmp((const char *)r->buf + k, "GET ", 4) == 0;
            if (f->log && r->len <= FAKE_SENT_LOG_BYTES - f->log->sent_len) {
                memcpy(f->log->sent + f->log->sent_len, r->buf, r->len);
                f->log->sent_len += r->len;
                f->log->sent[f->log->sent_len] = '\0';
            }
            fake_post(f, fake_cqe(r, (int)r->len));
            break;
        case FAKE_WRITEV:
            fake_post(f, fake_cqe(r, (int)r->len));
            break;
        case FAKE_RECV: {
            const char *rep = f->reply ? f->reply : "";
            if (f->nreplies) {
                rep = f->replies[f->reply_pos < f->nreplies ? f->reply_pos : f->nreplies - 1];
                f->reply_pos++;
            }
            fake_post(f, fake_cqe_recv(f, r, rep, strlen(rep)));
            break;
        }
        case FAKE_CANCEL_FD:
            for (unsigned j = 0; j < f->nops; j++)
                if (!f->ops[j].taken && f->ops[j].fd == r->fd && f->ops[j].op != FAKE_CANCEL_FD) {
                    f->ops[j].taken = true;
                    fake_post(f, fake_cqe(&f->ops[j], -ECANCELED));
                }
            fake_post(f, fake_cqe(r, 0));
            break;
        case FAKE_CANCEL_OP: {
            int res = -ENOENT;
            for (unsigned j = 0; j < f->nops; j++)
                if (!f->ops[j].taken && f->ops[j].ud == r->off && f->ops[j].op != FAKE_CANCEL_OP) {
                    f->ops[j].taken = true;
                    fake_post(f, fake_cqe(&f->ops[j], -ECANCELED));
                    res = 0;
                    break;
                }
            fake_post(f, fake_cqe(r, res));
            break;
        }
        case FAKE_CONNECT:
        case FAKE_CLOSE:
        case FAKE_LINKAT:
        case FAKE_RENAME:
        case FAKE_UNLINK:
            fake_post(f, fake_cqe(r, 0));
            break;
        default:
            r->taken = false;
            break;
        }
    }
    /* Compact: forget what was answered so the log never fills. */
    unsigned w = 0;
    for (unsigned i = 0; i < f->nops; i++)
        if (!f->ops[i].taken)
            f->ops[w++] = f->ops[i];
    f->nops = w;
}

static int fk_wait(struct be *b, unsigned wait_nr, int64_t batch_ns, int64_t timeout_ns)
{
    struct fake_be *f = F(b);
    struct fake_waits *w = f->waits_seen;
    if (w && wait_nr > w->max_nr)
        w->max_nr = wait_nr;
    if (w && batch_ns > w->max_batch_ns)
        w->max_batch_ns = batch_ns;
    b->n.enters++;
    f->waits++;
    if (f->wait_fail_after && f->waits >= f->wait_fail_after)
        return f->wait_fail_err;
    if (f->autopilot)
        fk_autopilot(f);
    if (f->ncq)
        return 0;
    /* Nothing to deliver: sleep out the timeout (capped), as a kernel would. */
    if (timeout_ns > 0) {
        int64_t ns = timeout_ns < 100000000 ? timeout_ns : 100000000;
        struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };
        nanosleep(&ts, NULL);
    }
    return -ETIME;
}

static unsigned fk_reap(struct be *b, struct be_cqe *out, unsigned max)
{
    struct fake_be *f = F(b);
    unsigned n = f->ncq < max ? f->ncq : max;
    memcpy(out, f->cq, n * sizeof *out);
    memmove(f->cq, f->cq + n, (f->ncq - n) * sizeof *out);
    f->ncq -= n;
    b->n.cqes += n;
    return n;
}

static bool fk_overflowed(const struct be *b)
{
    (void)b;
    return false;
}

static void fk_describe(const struct be *b, char *buf, size_t size)
{
    (void)b;
    snprintf(buf, size, "fake");
}

static void fk_destroy(struct be *b)
{
    struct fake_be *f = F(b);
    free(f->lbufs);
    free(f->mem);
    free(f);
}

static const struct be_ops fake_ops = {
    .name = "fake",
    .socket = fk_socket,
    .connect = fk_connect,
    .accept = fk_accept,
    .send = fk_send,
    .sendmsg = fk_sendmsg,
    .recv = fk_recv,
    .recv_into = fk_recv_into,
    .read = fk_read,
    .openat = fk_openat,
    .writev = fk_writev,
    .close = fk_close,
    .commit_rename = fk_commit_rename,
    .linkat = fk_linkat,
    .rename = fk_rename,
    .unlink = fk_unlink,
    .poll = fk_poll,
    .fstatx = fk_fstatx,
    .fgetxattr = fk_fgetxattr,
    .fsetxattr = fk_fsetxattr,
    .ftruncate = fk_ftruncate,
    .fallocate = fk_fallocate,
    .splice = fk_splice,
    .cancel_fd = fk_cancel_fd,
    .cancel_op = fk_cancel_op,
    .wait = fk_wait,
    .reap = fk_reap,
    .overflowed = fk_overflowed,
    .describe = fk_describe,
    .destroy = fk_destroy,
};

struct fake_be *fake_be_new(unsigned nbufs, unsigned buf_bytes)
{
    struct fake_be *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->b.ops = &fake_ops;
    f->b.nbufs = nbufs;
    f->b.buf_bytes = buf_bytes;
    f->b.bufs_free = nbufs;
    f->next_fd = 100;
    f->lbufs = calloc(nbufs ? nbufs : 1, sizeof *f->lbufs);
    f->mem = calloc(nbufs ? nbufs : 1, buf_bytes ? buf_bytes : 1);
    for (unsigned i = 0; i < nbufs; i++) {
        f->lbufs[i].data = f->mem + (size_t)i * buf_bytes;
        f->lbufs[i].cap = buf_bytes;
        f->lbufs[i].id = i;
        f->lbufs[i].owner = f;
        f->lbufs[i].release = fk_release;
    }
    return f;
}
