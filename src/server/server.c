/* server: flagserver's io_uring loop. See server.h.
 *
 * A connection's life (the states below; one operation in flight at a time
 * except in LINGER, where a recv is linked to its timeout):
 *
 *   READING --request--> [DELAYING] --> SENDING <--> FILE_READ
 *                                          |  ^
 *                                          |  '-- DRIP_WAIT (drip fault)
 *        .-- keep-alive: back to READING --+
 *        |-- close: LINGER (write side shut; drain until EOF or timeout)
 *        |-- reset fault: RESET_WAIT, then close with SO_LINGER 0 (RST)
 *        '-- stall/hang faults: SILENT (recv only to notice the client leave)
 *
 * Any failed operation ends in DEAD: the socket is closed and the memory
 * freed when the last operation in flight has completed. */
#include "server/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <liburing.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/behave.h"
#include "server/httpreq.h"
#include "server/reply.h"
#include "server/fs_tunables.h"

/* ---- objects and their operations ---------------------------------------- */

enum op_kind {
    OP_ACCEPT = 1,    /* object: listener */
    OP_RECV,          /* object: conn */
    OP_SEND,
    OP_READ,
    OP_TIMER,
    OP_LINK_TIMEOUT,  /* the timeout linked to a lingering recv */
    OP_SIGNAL,        /* object: server */
};
#define OP_MASK 7u

struct listener {
    struct fs_server *srv;
    int fd;
    bool multishot;
    struct fs_behave behave;
    char name[64];
};

enum conn_state {
    CS_READING,
    CS_DELAYING,
    CS_SENDING,
    CS_FILE_READ,
    CS_DRIP_WAIT,
    CS_RESET_WAIT,
    CS_SILENT,
    CS_LINGER,
    CS_DEAD,
};

/* What happens after the last byte of a response. */
enum conn_end {
    END_KEEP,   /* read the next request */
    END_CLOSE,  /* lingering close (FIN) */
    END_RESET,  /* RST after a short wait */
    END_SILENT, /* keep the connection open, say nothing */
};

struct conn {
    struct conn *prev, *next;      /* the server's list of live connections */
    struct listener *l;
    int fd;
    unsigned pending;              /* operations in flight */
    enum conn_state state;

    struct fs_req req;
    char rbuf[FS_RECV_BUF_BYTES];
    size_t rpos, rlen;             /* unparsed received bytes: rbuf[rpos, rlen) */

    /* The response in progress: head[] then the body, of which only the
     * first `limit` bytes in all are sent (faults cut it short). */
    char head[FS_REPLY_MAX_BYTES];
    size_t head_len;
    const unsigned char *body;     /* memory body, or NULL */
    int body_fd;                   /* file body, or -1; owned by the conn */
    uint64_t body_len;
    uint64_t sent, limit;
    unsigned char *fbuf;           /* file body piece: body[fbuf_off, fbuf_off + fbuf_len) */
    uint64_t fbuf_off;
    size_t fbuf_len;
    bool drip;
    enum conn_end end;

    struct iovec iov[2];
    struct msghdr msg;
    struct __kernel_timespec ts;   /* read by the kernel at submission */
};

struct fs_server {
    struct io_uring ring;
    bool ring_ok;
    const struct fs_options *opt;
    const struct fs_content *content;
    FILE *log;
    struct listener listeners[FS_MAX_SITES];
    size_t nlisteners;
    int sig_fd;
    struct signalfd_siginfo siginfo;
    sigset_t old_mask;
    bool stopping;
    struct conn *conns;            /* live connections */
    size_t nconns;
    char features[128];
};

static uint64_t ud_of(void *obj, enum op_kind kind)
{
    assert(((uintptr_t)obj & OP_MASK) == 0);
    return (uint64_t)(uintptr_t)obj | kind;
}

/* An SQE, flushing the SQ to the kernel when it is full. */
static struct io_uring_sqe *get_sqe(struct fs_server *s)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
    if (!sqe) {
        io_uring_submit(&s->ring);
        sqe = io_uring_get_sqe(&s->ring);
    }
    return sqe;
}

static void set_timespec(struct __kernel_timespec *ts, uint32_t ms)
{
    ts->tv_sec = ms / 1000;
    ts->tv_nsec = (long long)(ms % 1000) * 1000000;
}

/* ---- connection operations ------------------------------------------------ */

static void conn_kill(struct conn *c);

/* Each arm_* queues one operation and counts it; on a full SQ that cannot be
 * flushed the connection is killed (it would otherwise wait forever). */
static void conn_arm_recv(struct conn *c, enum conn_state state)
{
    struct io_uring_sqe *sqe = get_sqe(c->l->srv);
    if (!sqe) {
        conn_kill(c);
        return;
    }
    c->rpos = c->rlen = 0;
    io_uring_prep_recv(sqe, c->fd, c->rbuf, sizeof(c->rbuf), 0);
    io_uring_sqe_set_data64(sqe, ud_of(c, OP_RECV));
    c->pending++;
    c->state = state;
}

static void conn_arm_timer(struct conn *c, uint32_t ms, enum conn_state state)
{
    struct io_uring_sqe *sqe = get_sqe(c->l->srv);
    if (!sqe) {
        conn_kill(c);
        return;
    }
    set_timespec(&c->ts, ms);
    io_uring_prep_timeout(sqe, &c->ts, 0, 0);
    io_uring_sqe_set_data64(sqe, ud_of(c, OP_TIMER));
    c->pending++;
    c->state = state;
}

/* recv linked to a timeout: both SQEs must go in the same submission. */
static void conn_arm_linger(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    if (io_uring_sq_space_left(&s->ring) < 2)
        io_uring_submit(&s->ring);
    struct io_uring_sqe *recv = io_uring_get_sqe(&s->ring);
    struct io_uring_sqe *timeout = recv ? io_uring_get_sqe(&s->ring) : NULL;
    if (!timeout) {
        conn_kill(c);
        return;
    }
    c->rpos = c->rlen = 0;
    io_uring_prep_recv(recv, c->fd, c->rbuf, sizeof(c->rbuf), 0);
    io_uring_sqe_set_data64(recv, ud_of(c, OP_RECV));
    recv->flags |= IOSQE_IO_LINK;
    set_timespec(&c->ts, FS_LINGER_MS);
    io_uring_prep_link_timeout(timeout, &c->ts, 0);
    io_uring_sqe_set_data64(timeout, ud_of(c, OP_LINK_TIMEOUT));
    c->pending += 2;
    c->state = CS_LINGER;
}

static void conn_free(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    assert(c->pending == 0);
    if (c->fd >= 0)
        close(c->fd);
    if (c->body_fd >= 0)
        close(c->body_fd);
    free(c->fbuf);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    free(c);
}

/* End the connection now. With operations in flight the socket is shut
 * down so they complete promptly; the last one frees the connection. */
static void conn_kill(struct conn *c)
{
    c->state = CS_DEAD;
    if (c->pending == 0) {
        conn_free(c);
        return;
    }
    shutdown(c->fd, SHUT_RDWR);
}

/* ---- responses ------------------------------------------------------------ */

static void conn_process_input(struct conn *c);

static void response_reset(struct conn *c)
{
    if (c->body_fd >= 0)
        close(c->body_fd);
    c->body_fd = -1;
    c->body = NULL;
    c->head_len = 0;
    c->body_len = c->sent = c->limit = 0;
    /* The file buffer goes with the response: idle keep-alive connections
     * then cost no more than their receive buffer. */
    free(c->fbuf);
    c->fbuf = NULL;
    c->fbuf_off = 0;
    c->fbuf_len = 0;
    c->drip = false;
    c->end = END_KEEP;
}

static void response_done(struct conn *c)
{
    enum conn_end end = c->end;
    response_reset(c);
    switch (end) {
    case END_KEEP:
        fs_req_next(&c->req);
        conn_process_input(c);
        break;
    case END_CLOSE:
        shutdown(c->fd, SHUT_WR);
        conn_arm_linger(c);
        break;
    case END_RESET:
        conn_arm_timer(c, FS_RESET_DELAY_MS, CS_RESET_WAIT);
        break;
    case END_SILENT:
        conn_arm_recv(c, CS_SILENT);
        break;
    }
}

/* Send the next piece of the response, reading the file first when the
 * piece is not in memory yet. Head and body go out in one sendmsg. */
static void response_send_more(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    if (c->sent >= c->limit) {
        response_done(c);
        return;
    }
    uint64_t room = c->limit - c->sent;
    int niov = 0;
    if (c->sent < c->head_len) {
        size_t n = c->head_len - c->sent;
        n = n < room ? n : (size_t)room;
        c->iov[niov++] = (struct iovec){ c->head + c->sent, n };
        room -= n;
    }
    uint64_t at = c->sent > c->head_len ? c->sent - c->head_len : 0; /* next body byte */
    if (room > 0 && at < c->body_len) {
        uint64_t n = c->body_len - at;
        const unsigned char *p;
        if (c->body) {
            p = c->body + at;
        } else if (c->fbuf && at >= c->fbuf_off && at < c->fbuf_off + c->fbuf_len) {
            p = c->fbuf + (at - c->fbuf_off);
            n = c->fbuf_off + c->fbuf_len - at;
        } else {
            /* The piece at `at` is not loaded: read it, then come back. */
            if (!c->fbuf && !(c->fbuf = malloc(FS_FILE_CHUNK_BYTES))) {
                conn_kill(c);
                return;
            }
            struct io_uring_sqe *sqe = get_sqe(s);
            if (!sqe) {
                conn_kill(c);
                return;
            }
            uint64_t len = c->body_len - at < FS_FILE_CHUNK_BYTES ? c->body_len - at : FS_FILE_CHUNK_BYTES;
            c->fbuf_off = at;
            c->fbuf_len = 0;
            io_uring_prep_read(sqe, c->body_fd, c->fbuf, (unsigned)len, at);
            io_uring_sqe_set_data64(sqe, ud_of(c, OP_READ));
            c->pending++;
            c->state = CS_FILE_READ;
            return;
        }
        n = n < room ? n : room;
        c->iov[niov++] = (struct iovec){ (void *)p, (size_t)n };
    }
    if (c->drip) {
        niov = 1;
        c->iov[0].iov_len = 1;
    }
    struct io_uring_sqe *sqe = get_sqe(s);
    if (!sqe) {
        conn_kill(c);
        return;
    }
    memset(&c->msg, 0, sizeof(c->msg));
    c->msg.msg_iov = c->iov;
    c->msg.msg_iovlen = (size_t)niov;
    io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, ud_of(c, OP_SEND));
    c->pending++;
    c->state = CS_SENDING;
}

/* An error page (the request was malformed, or an error was injected). */
static void response_error(struct conn *c, int status, bool keep_alive, bool with_body)
{
    int n = fs_reply_error(c->head, sizeof(c->head), c->l->srv->opt->http10, status, keep_alive, with_body);
    c->head_len = n > 0 ? (size_t)n : 0;
    c->limit = c->head_len;
    c->end = keep_alive ? END_KEEP : END_CLOSE;
}

/* The response a healthy server would give. Returns its status. */
static int response_normal(struct conn *c, const char *path, bool keep_alive)
{
    struct fs_server *s = c->l->srv;
    enum fs_method method = fs_req_method(&c->req);
    if (method == FS_METHOD_OTHER) {
        response_error(c, 405, keep_alive, true);
        return 405;
    }
    struct fs_body body;
    int rc = fs_content_lookup(s->content, path, &body);
    if (rc < 0) {
        int status = rc == -ENOENT ? 404 : rc == -EACCES ? 403 : 500;
        response_error(c, status, keep_alive, method == FS_METHOD_GET);
        return status;
    }
    int n = fs_reply_head(c->head, sizeof(c->head), s->opt->http10, 200, body.content_type,
                          (int64_t)body.len, keep_alive, NULL);
    if (n < 0) {
        if (body.fd >= 0)
            close(body.fd);
        response_error(c, 500, false, true);
        return 500;
    }
    c->head_len = (size_t)n;
    if (method == FS_METHOD_HEAD) {
        if (body.fd >= 0)
            close(body.fd);
    } else {
        c->body = body.data;
        c->body_fd = body.fd;
        c->body_len = body.len;
    }
    c->limit = c->head_len + c->body_len;
    c->end = keep_alive ? END_KEEP : END_CLOSE;
    return 200;
}

/* Turn the healthy response into the fault's. */
static void response_apply_fault(struct conn *c, enum fs_fault fault)
{
    static const char garbage[] = "HTTP/1.1 2OO GARBAGE\r\nX-Flagserver: garbage fault\r\n\r\n";
    static const char badchunk_body[] = "10\r\nflagserver-chunk\r\nnot-a-chunk-size\r\n\r\n";
    uint64_t cut = c->body_len > 0 ? c->head_len + c->body_len / 2 : c->head_len / 2;

    switch (fault) {
    case FS_FAULT_NONE:
    case FS_FAULT_COUNT:
        break;
    case FS_FAULT_RESET:
        c->limit = cut;
        c->end = END_RESET;
        break;
    case FS_FAULT_TRUNCATE:
        c->limit = cut;
        c->end = END_CLOSE;
        break;
    case FS_FAULT_STALL:
        c->limit = c->head_len;
        c->end = END_SILENT;
        break;
    case FS_FAULT_DRIP:
        c->drip = true;
        break;
    case FS_FAULT_GARBAGE:
    case FS_FAULT_BADCHUNK:
    case FS_FAULT_HANG: {
        bool http10 = c->l->srv->opt->http10;
        response_reset(c);
        if (fault == FS_FAULT_GARBAGE) {
            memcpy(c->head, garbage, sizeof(garbage) - 1);
            c->head_len = sizeof(garbage) - 1;
        } else if (fault == FS_FAULT_BADCHUNK) {
            int n = fs_reply_head(c->head, sizeof(c->head) - sizeof(badchunk_body), http10, 200, "image/gif",
                                  -1, false, "Transfer-Encoding: chunked\r\n");
            c->head_len = n > 0 ? (size_t)n : 0;
            memcpy(c->head + c->head_len, badchunk_body, sizeof(badchunk_body) - 1);
            c->head_len += sizeof(badchunk_body) - 1;
        }
        c->limit = c->head_len;
        c->end = fault == FS_FAULT_HANG ? END_SILENT : END_CLOSE;
        break;
    }
    }
}

static void log_request(struct conn *c, const struct fs_decision *d, int status)
{
    struct fs_server *s = c->l->srv;
    if (!s->opt->verbose || !s->log)
        return;
    char extra[64] = "";
    size_t n = 0;
    if (d->delay_ms)
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, " delay=%ums", d->delay_ms);
    if (d->fault)
        snprintf(extra + n, sizeof(extra) - n, " fault=%s", fs_fault_name(d->fault));
    fprintf(s->log, "%s \"%s %s HTTP/1.%d\" %d%s%s\n", c->l->name, fs_req_method_name(&c->req), c->req.url,
            fs_req_minor(&c->req), status, extra, c->end == END_KEEP ? "" : " close");
    fflush(s->log);
}

/* A complete request is in c->req: decide, build the response, start it. */
static void conn_handle_request(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    char path[FS_MAX_URL_BYTES + 1];
    bool keep_alive = fs_req_keep_alive(&c->req) && !s->opt->http10;
    struct fs_decision d = { 0 };
    int status;

    if (fs_req_path(c->req.url, path, sizeof(path)) < 0) {
        /* Malformed targets (and ".." escapes) get no injected behaviour. */
        response_error(c, 400, false, true);
        status = 400;
    } else {
        fs_behave_next(&c->l->behave, path, strlen(path), &d);
        if (d.error_status) {
            response_error(c, d.error_status, false, fs_req_method(&c->req) != FS_METHOD_HEAD);
            status = d.error_status;
        } else {
            status = response_normal(c, path, keep_alive);
        }
        response_apply_fault(c, d.fault);
    }
    log_request(c, &d, status);
    if (d.delay_ms && d.fault != FS_FAULT_HANG)
        conn_arm_timer(c, d.delay_ms, CS_DELAYING);
    else
        response_send_more(c);
}

/* Parse what is buffered; answer a complete request, or read more. */
static void conn_process_input(struct conn *c)
{
    while (c->rpos < c->rlen) {
        size_t used;
        int rc = fs_req_feed(&c->req, c->rbuf + c->rpos, c->rlen - c->rpos, &used);
        c->rpos += used;
        if (rc == FS_REQ_DONE) {
            conn_handle_request(c);
            return;
        }
        if (rc < 0) {
            struct fs_decision none = { 0 };
            response_error(c, -rc, false, true);
            log_request(c, &none, -rc);
            response_send_more(c);
            return;
        }
    }
    conn_arm_recv(c, CS_READING);
}

/* ---- completions ---------------------------------------------------------- */

static void on_conn_cqe(struct conn *c, enum op_kind kind, int res)
{
    assert(c->pending > 0);
    c->pending--;
    if (c->state == CS_DEAD) {
        if (c->pending == 0)
            conn_free(c);
        return;
    }
    switch (kind) {
    case OP_RECV:
        assert(c->state == CS_READING || c->state == CS_SILENT || c->state == CS_LINGER);
        if (res <= 0) {
            conn_kill(c); /* EOF, error, or the linger timed out */
        } else if (c->state == CS_READING) {
            c->rlen = (size_t)res;
            conn_process_input(c);
        } else if (c->state == CS_SILENT) {
            conn_arm_recv(c, CS_SILENT); /* ignore it; wait for the client to leave */
        } else if (c->pending == 0) {
            conn_arm_linger(c); /* drained some; the linked timeout is already back */
        }
        /* else the linked timeout's completion re-arms the linger */
        break;
    case OP_LINK_TIMEOUT:
        assert(c->state == CS_LINGER);
        if (c->pending == 0)
            conn_arm_linger(c); /* its recv drained data and came back first */
        break;
    case OP_SEND:
        assert(c->state == CS_SENDING);
        if (res <= 0) {
            conn_kill(c);
            break;
        }
        c->sent += (uint64_t)res;
        if (c->drip && c->sent < c->limit)
            conn_arm_timer(c, c->l->behave.cfg.drip_interval_ms, CS_DRIP_WAIT);
        else
            response_send_more(c);
        break;
    case OP_READ:
        assert(c->state == CS_FILE_READ);
        if (res <= 0) {
            conn_kill(c); /* a read error, or the file shrank */
            break;
        }
        c->fbuf_len = (size_t)res;
        response_send_more(c);
        break;
    case OP_TIMER:
        assert(c->state == CS_DELAYING || c->state == CS_DRIP_WAIT || c->state == CS_RESET_WAIT);
        if (c->state == CS_RESET_WAIT) {
            /* Linger {on, 0}: close() sends RST instead of FIN. */
            struct linger lg = { .l_onoff = 1, .l_linger = 0 };
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            conn_kill(c);
        } else {
            response_send_more(c); /* after a delay or between dripped bytes */
        }
        break;
    default:
        assert(!"unexpected op on a connection");
    }
}

static void listener_arm(struct listener *l)
{
    struct io_uring_sqe *sqe = get_sqe(l->srv);
    if (!sqe)
        return;
    if (l->multishot)
        io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, ud_of(l, OP_ACCEPT));
}

static void on_accept(struct listener *l, int res, unsigned flags)
{
    struct fs_server *s = l->srv;
    if (res == -EINVAL && l->multishot) {
        l->multishot = false; /* kernel before 5.19 */
        if (s->opt->verbose && s->log)
            fprintf(s->log, "flagserver: %s: no multishot accept, using single-shot\n", l->name);
        listener_arm(l);
        return;
    }
    if (!(flags & IORING_CQE_F_MORE) && !s->stopping)
        listener_arm(l);
    if (res < 0)
        return; /* ECONNABORTED, EMFILE...: the next accept may succeed */
    if (s->stopping || s->nconns >= FS_MAX_CONNS) {
        close(res);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(res);
        return;
    }
    int one = 1;
    /* Heads and bodies leave in one sendmsg; the tail must not wait for
     * the client's delayed ACK. */
    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->l = l;
    c->fd = res;
    c->body_fd = -1;
    fs_req_init(&c->req);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    conn_arm_recv(c, CS_READING);
}

static void signal_arm(struct fs_server *s)
{
    struct io_uring_sqe *sqe = get_sqe(s);
    if (!sqe)
        return;
    io_uring_prep_read(sqe, s->sig_fd, &s->siginfo, sizeof(s->siginfo), 0);
    io_uring_sqe_set_data64(sqe, ud_of(s, OP_SIGNAL));
}

static void dispatch(struct fs_server *s, uint64_t ud, int res, unsigned flags)
{
    void *obj = (void *)(uintptr_t)(ud & ~(uint64_t)OP_MASK);
    enum op_kind kind = (enum op_kind)(ud & OP_MASK);
    switch (kind) {
    case OP_ACCEPT:
        on_accept(obj, res, flags);
        break;
    case OP_SIGNAL:
        if (res == (int)sizeof(s->siginfo))
            s->stopping = true;
        else
            signal_arm(s);
        break;
    default:
        on_conn_cqe(obj, kind, res);
        break;
    }
}

int fs_server_run(struct fs_server *s)
{
    struct { uint64_t ud; int res; unsigned flags; } batch[FS_REAP_BATCH];
    bool warned = false;

    while (!s->stopping) {
        int rc = io_uring_submit_and_wait(&s->ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN)
            return rc;
        /* Take the batch first, then run the handlers: they submit new
         * work and may end connections other CQEs of the batch name. */
        struct io_uring_cqe *cqe;
        unsigned head, n = 0;
        io_uring_for_each_cqe(&s->ring, head, cqe) {
            if (n == FS_REAP_BATCH)
                break;
            batch[n].ud = cqe->user_data;
            batch[n].res = cqe->res;
            batch[n].flags = cqe->flags;
            n++;
        }
        io_uring_cq_advance(&s->ring, n);
        for (unsigned i = 0; i < n; i++)
            dispatch(s, batch[i].ud, batch[i].res, batch[i].flags);
        if (!warned && io_uring_cq_has_overflow(&s->ring)) {
            fprintf(stderr, "flagserver: completion queue overflowed (sizing bug)\n");
            warned = true;
        }
    }
    return 0;
}

/* ---- setup and teardown --------------------------------------------------- */

static int ring_setup(struct fs_server *s)
{
    /* Every connection has at most two operations in flight. */
    static const unsigned tries[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int rc = -EINVAL;
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        struct io_uring_params p = { 0 };
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = 2 * FS_MAX_CONNS + 4 * FS_MAX_SITES + 16;
        rc = io_uring_queue_init_params(FS_RING_SQ_ENTRIES, &s->ring, &p);
        if (rc == 0) {
            snprintf(s->features, sizeof(s->features), "%s",
                     tries[i] & IORING_SETUP_DEFER_TASKRUN ? "defer_taskrun" : "plain_ring");
            break;
        }
        if (rc != -EINVAL)
            return rc;
    }
    if (rc < 0)
        return rc;
    s->ring_ok = true;
    if (io_uring_register_ring_fd(&s->ring) == 1)
        strncat(s->features, " registered_ring_fd", sizeof(s->features) - strlen(s->features) - 1);
    return 0;
}

static int listener_open(struct listener *l, const char *bind_addr, uint16_t port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai;
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(bind_addr, service, &hints, &ai);
    if (rc != 0)
        return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;

    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, FS_LISTEN_BACKLOG) < 0) {
        rc = -errno;
        close(fd);
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    char host[INET6_ADDRSTRLEN];
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        snprintf(l->name, sizeof(l->name), "[%s]:%u", host, ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        snprintf(l->name, sizeof(l->name), "%s:%u", host, ntohs(a->sin_port));
    }
    l->fd = fd;
    l->multishot = true;
    rc = 0;
out:
    freeaddrinfo(ai);
    return rc;
}

int fs_server_start(struct fs_server **out, const struct fs_options *o, const struct fs_content *content,
                    FILE *log, const char **errwhat)
{
    struct fs_server *s = calloc(1, sizeof(*s));
    int rc;
    *errwhat = "memory";
    if (!s)
        return -ENOMEM;
    s->opt = o;
    s->content = content;
    s->log = log;
    s->sig_fd = -1;
    for (size_t i = 0; i < FS_MAX_SITES; i++)
        s->listeners[i].fd = -1;

    *errwhat = "io_uring setup";
    if ((rc = ring_setup(s)) < 0)
        goto fail;

    for (unsigned i = 0; i < o->nsites; i++) {
        struct listener *l = &s->listeners[i];
        l->srv = s;
        *errwhat = "listen";
        if ((rc = listener_open(l, o->bind, o->sites[i].port)) < 0)
            goto fail;
        fs_behave_init(&l->behave, &o->sites[i].behave);
        s->nlisteners++;
        listener_arm(l);
    }

    /* Signals arrive as reads on a signalfd, so the loop sees them as just
     * another completion. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    *errwhat = "signals";
    if (sigprocmask(SIG_BLOCK, &mask, &s->old_mask) < 0 ||
        (s->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
        rc = -errno;
        goto fail;
    }
    signal_arm(s);
    *out = s;
    return 0;
fail:
    fs_server_free(s);
    return rc;
}

size_t fs_server_nlisteners(const struct fs_server *s)
{
    return s->nlisteners;
}

const char *fs_server_listener_name(const struct fs_server *s, size_t i)
{
    return i < s->nlisteners ? s->listeners[i].name : NULL;
}

const char *fs_server_features(const struct fs_server *s)
{
    return s->features;
}

void fs_server_free(struct fs_server *s)
{
    if (!s)
        return;
    /* Tear the ring down first: it cancels whatever is in flight, after
     * which no completion can touch a connection we free below. */
    if (s->ring_ok)
        io_uring_queue_exit(&s->ring);
    while (s->conns) {
        s->conns->pending = 0;
        conn_free(s->conns);
    }
    for (size_t i = 0; i < FS_MAX_SITES; i++) {
        if (s->listeners[i].fd >= 0)
            close(s->listeners[i].fd);
        fs_behave_free(&s->listeners[i].behave);
    }
    if (s->sig_fd >= 0) {
        close(s->sig_fd);
        sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
    }
    free(s);
}
