/* Transport: one connection's byte stream, behind a small interface so
 * that TLS can wrap plain TCP without the layers above noticing. The
 * owner calls tp_connect/tp_send/tp_close/tp_complete, which go through
 * the transport's table (struct tp_vt); plain TCP (tp_plain.c) is the
 * first implementation, and TLS (tp_tls.h) wraps a plain transport, takes
 * its events, and gives the owner the plaintext.
 *
 *   tp_connect ──> [socket] ──> [connect] ──> on_open ──> tp_send / on_data ...
 *        any failure, or the peer's EOF ──> on_end(err)
 *   tp_close ──> [cancel what is in flight] ──> [close] ──> on_closed
 *
 * While open, a receive is always armed: whatever the peer sends, and its
 * EOF, are reported at once (an idle keep-alive connection is watched
 * this way, so a server's close or unrequested bytes are seen when they
 * happen, not taken for the next answer). Bytes arrive in lent buffers:
 * on_data's buffer is valid during the call, and whoever wants the bytes
 * longer takes a reference (lbuf_hold).
 *
 * One send at a time: tp_send's bytes must stay valid until on_sent, and a
 * short send is finished by the transport. The descriptor is closed only
 * once no operation on it is in flight; on_closed says so, after which
 * the struct may be reused (tp_connect again) or freed.
 *
 * Completions of a transport's operations carry the owner's user_data
 * (ud_pack(kind, gen, idx) with the OP_TP_* kinds of opkind.h); the owner
 * hands them to tp_complete().
 */
#ifndef RF_ENGINE_TRANSPORT_H
#define RF_ENGINE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/opkind.h"
#include "io/backend.h"

/* What the transport tells its owner. */
struct tp_events {
    void (*on_open)(void *owner);
    void (*on_data)(void *owner, struct lbuf *buf, const char *at, size_t len);
    /* Everything handed to tp_send has been sent. */
    void (*on_sent)(void *owner);
    /* The stream is over: err 0 is the peer's orderly EOF, else -errno or
     * an enum rf_err (struct tp.why may hold words for it). opened tells
     * whether on_open ever came (a failure before it is a failed connect).
     * Nothing more arrives; call tp_close. */
    void (*on_end)(void *owner, int err, bool opened);
    /* Closed, nothing in flight: the struct is free. */
    void (*on_closed)(void *owner);
    /* tp_splice_in moved res > 0 bytes into the pipe (0 or a failure comes
     * as on_end). Only owners that splice set it. */
    void (*on_spliced)(void *owner, int res);
};

enum tp_state {
    TP_FREE,     /* no descriptor */
    TP_SOCKET,   /* socket op in flight */
    TP_CONNECT,  /* connect op in flight */
    TP_OPEN,
    TP_ENDED,    /* on_end said so; waiting for tp_close */
    TP_CLOSING,  /* cancel and close in flight */
};

/* Shared by every transport of one backend: receives waiting for a buffer. */
struct tp_set {
    struct be *be;
    struct tp *starved;
    uint64_t rx_bytes;         /* received by every transport of the set (rf_stats.net_rx_bytes) */
};

struct tp;
struct tp_vt {
    const char *name;
    void (*connect)(struct tp *t, const struct sockaddr *sa, socklen_t len);
    void (*send)(struct tp *t, const char *buf, size_t len);
    void (*close)(struct tp *t);
    void (*complete)(struct tp *t, const struct be_cqe *cqe);
};

/* Plain TCP's state; a wrapping transport uses vt, state, send_busy,
 * opened, ev, owner and why of its own struct tp, and drives a plain one
 * for the socket. */
struct tp {
    const struct tp_vt *vt;
    enum tp_state state;
    int fd;
    unsigned ops;              /* operations in flight */
    bool connect_busy, send_busy, recv_busy;
    bool starved;              /* the receive found no buffer; re-armed by tp_feed_starved */
    bool hold_recv;            /* the owner takes the bytes by splicing: no receive armed */
    bool splicing;             /* a splice from the socket is in flight */
    int splice_fd;             /* its pipe (the output: what io_uring files the op under) */
    bool opened;
    struct tp *next_starved;
    const struct sockaddr *sa; /* where tp_connect goes */
    socklen_t salen;
    const char *out;           /* the bytes being sent */
    size_t out_len, out_sent;
    uint64_t ud;               /* ud_pack(0, gen, idx) of the owner; kinds are added */
    struct tp_set *set;
    const struct tp_events *ev;
    void *owner;
    uint64_t rx_bytes, tx_bytes; /* counted for --stats and the trace */
    const char *why;           /* at on_end: words qualifying err (TLS: the certificate's
                                  names, OpenSSL's reason), valid until tp_close; or NULL */
};

/* A plain TCP transport, TP_FREE. */
void tp_plain_init(struct tp *t, struct tp_set *set, const struct tp_events *ev, void *owner, uint64_t ud);
/* Re-arm receives that found no buffer, while buffers are free. */
void tp_feed_starved(struct tp_set *set);

/* Open a stream to sa, which must stay valid until on_open or on_end (the
 * origin's address table). From TP_FREE only. */
static inline void tp_connect(struct tp *t, const struct sockaddr *sa, socklen_t len)
{ t->vt->connect(t, sa, len); }
/* Send len bytes (open, and no send busy). */
static inline void tp_send(struct tp *t, const char *buf, size_t len)
{ t->vt->send(t, buf, len); }
/* Close: cancel what is in flight, close the descriptor when it is back,
 * then on_closed. Any state but TP_FREE and TP_CLOSING. */
static inline void tp_close(struct tp *t)
{ t->vt->close(t); }
/* Plain TCP only (not through tp_vt: TLS cannot hand out raw bytes).
 * From inside on_data: hold (true) the receive that is otherwise re-armed
 * after every buffer, so the bytes that follow can be spliced; release
 * (false) to go back to receiving. */
void tp_hold_recv(struct tp *t, bool hold);
/* Plain TCP, open, receive held, no splice in flight: splice up to len
 * bytes from the socket into pipe_wr. on_spliced(res) follows, or on_end
 * for the peer's EOF or a failure. Returns 0 or -EBUSY (nothing queued). */
int tp_splice_in(struct tp *t, int pipe_wr, size_t len);
/* A completion for one of this transport's ops (ud_kind is an OP_TP_*). */
static inline void tp_complete(struct tp *t, const struct be_cqe *cqe)
{ t->vt->complete(t, cqe); }

#endif
