/* server: flagserver's event loop on the backend layer. See server.h.
 *
 * A connection's life (the states below). At most one operation is in
 * flight on a connection, plus the cancel that ends it; every wait on the
 * clock is a timer on the heap, not an operation.
 *
 *   READING --request--> [DELAYING] --> SENDING <--> FILE_READ
 *     |                                    |  ^
 *     '-- idle too long: closed            |  '-- DRIP_WAIT (drip fault)
 *        .-- keep-alive: back to READING --+
 *        |-- close: LINGER (write side shut; drain until EOF or a silence)
 *        |-- reset fault: RESET_WAIT, then close with SO_LINGER 0 (RST)
 *        '-- stall/hang faults: SILENT (recv only to notice the client leave)
 *
 * Any failure ends in DEAD: what is in flight on the socket is cancelled,
 * and the socket is closed and the slot freed when the last operation is
 * back. */
#include "server/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/backend.h"
#include "io/timer.h"
#include "io/ud.h"
#include "server/behave.h"
#include "server/fs_tunables.h"
#include "server/httpreq.h"
#include "server/reply.h"

/* ---- objects and their operations ---------------------------------------- */

/* What a completion is about (the kind in its user_data, io/ud.h), and so
 * what its slot index names. */
enum fs_op {
    FS_OP_NONE = 0,
    FS_OP_ACCEPT,  /* index: the listener */
    FS_OP_SIGNAL,  /* index: 0, the server's signalfd */
    FS_OP_RECV,    /* index: the connection's slot */
    FS_OP_SEND,
    FS_OP_READ,    /* a piece of a file body */
    FS_OP_CANCEL,  /* ends what a dying connection has in flight */
};

struct listener {
    struct fs_server *srv;
    uint32_t idx;
    int fd;
    struct fs_behave behave;
    char name[64];
};

enum conn_state {
    CS_FREE,       /* an unused slot */
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
    uint32_t idx;                  /* in the server's slot array */
    uint32_t gen;                  /* changes at every free (io/ud.h) */
    struct conn *next_free;
    struct listener *l;
    int fd;
    unsigned pending;              /* operations in flight */
    bool cancelling;               /* a cancel of the socket's operations is queued */
    enum conn_state state;
    /* The state's one deadline: the delay, drip and reset waits, the
     * linger's silence, or (READING) the idle limit. An idle deadline is
     * left armed through a response and checked against active_ns when it
     * fires, so a request costs no heap operation. */
    struct tmr tmr;
    uint64_t active_ns;            /* when it last began to wait for bytes in READING:
                                      accepted, received some, or finished a response */

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

    /* Read by the kernel until the send completes. */
    struct iovec iov[2];
    struct msghdr msg;
};

struct fs_server {
    struct be *be;
    struct tmr_heap timers;
    uint64_t now;                  /* ns, CLOCK_MONOTONIC, taken after each wait */
    uint64_t idle_ns;              /* 0: idle connections are kept for ever */
    const struct fs_options *opt;
    const struct fs_content *content;
    FILE *log;
    struct listener listeners[FS_MAX_SITES];
    size_t nlisteners;
    int sig_fd;
    bool sig_blocked;
    struct signalfd_siginfo siginfo;
    sigset_t old_mask;
    bool stopping;
    /* FS_MAX_CONNS slots, touched only up to the most used at once (slots
     * in use, then the free list), so the array costs memory only for the
     * connections there were. */
    struct conn *conns;
    uint32_t slots_used;
    struct conn *free_conns;
    size_t nconns;
    char features[160];
};

static uint64_t conn_ud(const struct conn *c, enum fs_op op)
{
    return ud_pack(op, c->gen, c->idx);
}

static uint64_t ms_to_ns(uint32_t ms)
{
    return (uint64_t)ms * 1000000u;
}

/* ---- connection operations ------------------------------------------------ */

static void conn_kill(struct conn *c);
static void conn_on_timer(struct tmr *t, uint64_t now);

/* Queue a recv into rbuf; a connection whose recv cannot be queued is killed
 * (it would otherwise wait for ever). */
static void conn_arm_recv(struct conn *c, enum conn_state state)
{
    c->rpos = c->rlen = 0;
    if (be_recv_into(c->l->srv->be, c->fd, c->rbuf, sizeof(c->rbuf), conn_ud(c, FS_OP_RECV)) < 0) {
        conn_kill(c);
        return;
    }
    c->pending++;
    c->state = state;
}

/* Wait for the next request (or the rest of this one). */
static void conn_arm_read(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    c->active_ns = s->now;
    /* Armed already: an idle deadline from before, which moves when it fires. */
    if (s->idle_ns && !tmr_armed(&c->tmr))
        tmr_arm(&s->timers, &c->tmr, s->now + s->idle_ns);
    conn_arm_recv(c, CS_READING);
}

static void conn_arm_timer(struct conn *c, uint32_t ms, enum conn_state state)
{
    struct fs_server *s = c->l->srv;
    tmr_arm(&s->timers, &c->tmr, s->now + ms_to_ns(ms));
    c->state = state;
}

/* Drain what the client still sends until its EOF or FS_LINGER_MS of silence. */
static void conn_arm_linger(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    tmr_arm(&s->timers, &c->tmr, s->now + ms_to_ns(FS_LINGER_MS));
    conn_arm_recv(c, CS_LINGER);
}

/* The slot goes back to the free list; nothing of its is in flight. */
static void conn_free(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    assert(c->pending == 0);
    tmr_cancel(&s->timers, &c->tmr);
    if (c->fd >= 0)
        close(c->fd);
    if (c->body_fd >= 0)
        close(c->body_fd);
    free(c->fbuf);
    c->fbuf = NULL;
    c->fd = c->body_fd = -1;
    c->state = CS_FREE;
    c->gen = ud_gen_next(c->gen);
    c->next_free = s->free_conns;
    s->free_conns = c;
    s->nconns--;
}

/* End the connection now. Operations in flight on the socket are
 * cancelled; the last completion frees the slot and closes the socket. */
static void conn_kill(struct conn *c)
{
    struct fs_server *s = c->l->srv;
    c->state = CS_DEAD;
    tmr_cancel(&s->timers, &c->tmr);
    if (c->pending == 0) {
        conn_free(c);
        return;
    }
    if (c->cancelling)
        return;
    c->cancelling = true;
    if (be_cancel_fd(s->be, c->fd, conn_ud(c, FS_OP_CANCEL)) == 0)
        c->pending++;
    else
        shutdown(c->fd, SHUT_RDWR); /* no room for the cancel: this ends them too */
}

/* A slot for a new connection on fd, or NULL when FS_MAX_CONNS are open. */
static struct conn *conn_new(struct fs_server *s, struct listener *l, int fd)
{
    struct conn *c = s->free_conns;
    if (c) {
        s->free_conns = c->next_free;
    } else if (s->slots_used < FS_MAX_CONNS) {
        c = &s->conns[s->slots_used];
        c->idx = s->slots_used++;
    } else {
        return NULL;
    }
    c->next_free = NULL;
    c->l = l;
    c->fd = fd;
    c->pending = 0;
    c->cancelling = false;
    tmr_init(&c->tmr, conn_on_timer);
    c->rpos = c->rlen = 0;
    c->head_len = 0;
    c->body = NULL;
    c->body_fd = -1;
    c->body_len = c->sent = c->limit = 0;
    c->fbuf = NULL;
    c->fbuf_off = 0;
    c->fbuf_len = 0;
    c->drip = false;
    c->end = END_KEEP;
    fs_req_init(&c->req);
    s->nconns++;
    return c;
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
            uint64_t len = c->body_len - at < FS_FILE_CHUNK_BYTES ? c->body_len - at : FS_FILE_CHUNK_BYTES;
            c->fbuf_off = at;
            c->fbuf_len = 0;
            if (be_read(s->be, c->body_fd, c->fbuf, (size_t)len, (int64_t)at, conn_ud(c, FS_OP_READ)) < 0) {
                conn_kill(c);
                return;
            }
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
    memset(&c->msg, 0, sizeof(c->msg));
    c->msg.msg_iov = c->iov;
    c->msg.msg_iovlen = (size_t)niov;
    if (be_sendmsg(s->be, c->fd, &c->msg, conn_ud(c, FS_OP_SEND)) < 0) {
        conn_kill(c);
        return;
    }
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
    conn_arm_read(c);
}

/* ---- completions and deadlines -------------------------------------------- */

static void conn_on_timer(struct tmr *t, uint64_t now)
{
    struct conn *c = (struct conn *)((char *)t - offsetof(struct conn, tmr));
    struct fs_server *s = c->l->srv;
    switch (c->state) {
    case CS_READING:
        if (!s->idle_ns)
            break;
        if (now - c->active_ns < s->idle_ns) {
            tmr_arm(&s->timers, &c->tmr, c->active_ns + s->idle_ns);
            break;
        }
        conn_kill(c); /* idle for --idle-timeout: its recv is cancelled, then it is closed */
        break;
    case CS_DELAYING:
    case CS_DRIP_WAIT:
        response_send_more(c); /* after a delay or between dripped bytes */
        break;
    case CS_RESET_WAIT: {
        /* Linger {on, 0}: close() sends RST instead of FIN. */
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        conn_kill(c);
        break;
    }
    case CS_LINGER:
        conn_kill(c); /* the client said nothing for FS_LINGER_MS */
        break;
    default:
        /* An idle deadline left armed while a response went out: it is armed
         * again when the connection goes back to READING. */
        break;
    }
}

static void conn_complete(struct fs_server *s, enum fs_op op, const struct be_cqe *cqe)
{
    uint32_t idx = ud_idx(cqe->ud);
    if (idx >= s->slots_used)
        return;
    struct conn *c = &s->conns[idx];
    /* Slots are reused only once their operations are back, so this would
     * be our own bug; dropping the completion is safer than acting on it. */
    if (c->state == CS_FREE || c->gen != ud_gen(cqe->ud))
        return;
    int res = cqe->res;
    assert(c->pending > 0);
    c->pending--;
    if (c->state == CS_DEAD) {
        if (c->pending == 0)
            conn_free(c);
        return;
    }
    switch (op) {
    case FS_OP_RECV:
        assert(c->state == CS_READING || c->state == CS_SILENT || c->state == CS_LINGER);
        if (res <= 0) {
            conn_kill(c); /* EOF or error */
        } else if (c->state == CS_READING) {
            c->rlen = (size_t)res;
            conn_process_input(c);
        } else if (c->state == CS_SILENT) {
            conn_arm_recv(c, CS_SILENT); /* ignore it; wait for the client to leave */
        } else {
            conn_arm_linger(c); /* drained some; the silence starts again */
        }
        break;
    case FS_OP_SEND:
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
    case FS_OP_READ:
        assert(c->state == CS_FILE_READ);
        if (res <= 0) {
            conn_kill(c); /* a read error, or the file shrank */
            break;
        }
        c->fbuf_len = (size_t)res;
        response_send_more(c);
        break;
    default:
        assert(!"unexpected operation on a live connection");
        break;
    }
}

static void listener_arm(struct listener *l)
{
    /* Nothing queued means no more connections on this listener; the SQ is
     * flushed when full, so it does not happen. */
    be_accept(l->srv->be, l->fd, ud_pack(FS_OP_ACCEPT, 0, l->idx));
}

static void on_accept(struct listener *l, int res, uint32_t flags)
{
    struct fs_server *s = l->srv;
    /* A multishot accept stays armed while BE_CQE_MORE comes with it. */
    if (!(flags & BE_CQE_MORE) && !s->stopping)
        listener_arm(l);
    if (res < 0)
        return; /* ECONNABORTED, EMFILE...: the next accept may succeed */
    struct conn *c = s->stopping ? NULL : conn_new(s, l, res);
    if (!c) {
        close(res);
        return;
    }
    int one = 1;
    /* Heads and bodies leave in one sendmsg; the tail must not wait for
     * the client's delayed ACK. */
    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conn_arm_read(c);
}

static void signal_arm(struct fs_server *s)
{
    be_read(s->be, s->sig_fd, &s->siginfo, sizeof(s->siginfo), -1, ud_pack(FS_OP_SIGNAL, 0, 0));
}

static void fs_dispatch(struct fs_server *s, const struct be_cqe *cqe)
{
    if (cqe->buf)
        lbuf_put(cqe->buf); /* we never ask for lent buffers */
    enum fs_op op = (enum fs_op)ud_kind(cqe->ud);
    switch (op) {
    case FS_OP_ACCEPT:
        if (ud_idx(cqe->ud) < s->nlisteners)
            on_accept(&s->listeners[ud_idx(cqe->ud)], cqe->res, cqe->flags);
        break;
    case FS_OP_SIGNAL:
        if (cqe->res == (int)sizeof(s->siginfo))
            s->stopping = true;
        else
            signal_arm(s);
        break;
    case FS_OP_RECV:
    case FS_OP_SEND:
    case FS_OP_READ:
    case FS_OP_CANCEL:
        conn_complete(s, op, cqe);
        break;
    case FS_OP_NONE:
        break;
    }
}

/* Take a batch off the backend, then dispatch it: handlers submit new work
 * and may end connections that later completions of the batch name (each
 * handler re-checks its slot). */
static void fs_reap(struct fs_server *s)
{
    struct be_cqe batch[FS_REAP_BATCH];
    unsigned n;
    while ((n = be_reap(s->be, batch, FS_REAP_BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++)
            fs_dispatch(s, &batch[i]);
        if (n < FS_REAP_BATCH)
            break;
    }
}

int fs_server_run(struct fs_server *s)
{
    bool warned = false;
    s->now = tmr_now_ns();
    while (!s->stopping) {
        /* The nearest deadline bounds the wait; with none, the next
         * completion (a signal included) wakes us. */
        uint64_t next = tmr_next(&s->timers);
        int64_t timeout = next == UINT64_MAX ? -1 : next > s->now ? (int64_t)(next - s->now) : 0;
        int rc = be_wait(s->be, 1, 0, timeout);
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN)
            return rc;
        s->now = tmr_now_ns();
        fs_reap(s);
        tmr_run(&s->timers, s->now);
        if (!warned && be_overflowed(s->be)) {
            fprintf(stderr, "flagserver: completion queue overflowed (sizing bug)\n");
            warned = true;
        }
    }
    return 0;
}

/* ---- setup and teardown --------------------------------------------------- */

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
    rc = 0;
out:
    freeaddrinfo(ai);
    return rc;
}

/* What the backend uses, and how connections are accepted. */
static void describe_features(struct fs_server *s)
{
    be_describe(s->be, s->features, sizeof(s->features));
    size_t n = strlen(s->features);
    snprintf(s->features + n, sizeof(s->features) - n, "%s%s", n ? " " : "",
             s->be->features & BE_F_MULTISHOT_ACCEPT ? "multishot_accept" : "single_accept");
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
    s->idle_ns = ms_to_ns(o->idle_timeout_ms);
    for (size_t i = 0; i < FS_MAX_SITES; i++)
        s->listeners[i].fd = -1;
    /* One timer per connection: a state has at most one deadline. */
    s->conns = calloc(FS_MAX_CONNS, sizeof(*s->conns));
    if (!s->conns || (rc = tmr_heap_init(&s->timers, FS_MAX_CONNS)) < 0) {
        rc = -ENOMEM;
        goto fail;
    }

    *errwhat = "io_uring setup";
    /* Our own buffers (recv into the connection's rbuf): nothing to lend. */
    struct be_config cfg = {
        .inflight = FS_MAX_CONNS * FS_OPS_PER_CONN + FS_MAX_SITES + 1,
        .nbufs = 0,
        .buf_bytes = 0,
    };
    if ((rc = be_uring_create(&s->be, &cfg)) < 0)
        goto fail;
    describe_features(s);

    for (unsigned i = 0; i < o->nsites; i++) {
        struct listener *l = &s->listeners[i];
        l->srv = s;
        l->idx = i;
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
    sigaddset(&mask, SIGHUP);
    *errwhat = "signals";
    if (sigprocmask(SIG_BLOCK, &mask, &s->old_mask) < 0) {
        rc = -errno;
        goto fail;
    }
    s->sig_blocked = true;
    if ((s->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
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
    /* Tear the backend down first: it cancels and waits for whatever is in
     * flight, after which no kernel write can land in a slot, and every
     * descriptor can be closed. */
    if (s->be)
        be_destroy(s->be);
    for (uint32_t i = 0; s->conns && i < s->slots_used; i++) {
        struct conn *c = &s->conns[i];
        if (c->state == CS_FREE)
            continue;
        c->pending = 0;
        conn_free(c);
    }
    for (size_t i = 0; i < FS_MAX_SITES; i++) {
        if (s->listeners[i].fd >= 0)
            close(s->listeners[i].fd);
        fs_behave_free(&s->listeners[i].behave);
    }
    if (s->sig_fd >= 0)
        close(s->sig_fd);
    if (s->sig_blocked)
        sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
    tmr_heap_free(&s->timers);
    free(s->conns);
    free(s);
}
