/* A connection to one origin: a transport (the byte stream: plain TCP, or
 * TLS over it for https, with a CONNECT tunnel between the two when the
 * origin is reached through a proxy: see tp_tunnel.h) and a FIFO of HTTP exchanges (one in flight today;
 * more with pipelining).
 *
 *   FREE ──> CONNECTING ──> ACTIVE <──> IDLE      (keep-alive)
 *                │             │          │
 *                └─────────────┴──────────┴──> CLOSING ──> FREE
 *
 * CONNECTING may go round several times: a refused or unreachable address
 * closes the transport and tries the origin's next one, all under one
 * connect deadline (a TLS failure does not: the next address would show
 * the same certificate). For https it includes the TLS handshake. ACTIVE has at least one exchange: requests are sent in
 * order, received bytes go to the oldest exchange's parser, and when its
 * response is complete the next one takes the bytes that follow. With no
 * exchange left the connection goes IDLE if every response said
 * keep-alive; an idle connection is still watched (the transport keeps a
 * receive armed), and whatever arrives on it (a close, unrequested bytes)
 * closes it.
 *
 * Pipelining (max_depth > 1): an ACTIVE connection takes more exchanges
 * while it has fewer than max_depth, but only once it has answered one
 * with a persistent HTTP/1.1 response (a server that closes after each
 * answer, or speaks 1.0, would lose every request queued behind the
 * first). Such connections are on their origin's "roomy" list. When a
 * connection fails or a response says close, the exchanges behind it
 * that got no answer end with resend_ok: they were never answered.
 *
 * The owner hears, through on_capacity, whenever a connection to an origin
 * may now take a job (it went idle, gained room, or closed and so no
 * longer counts against a per-host cap).
 *
 * A connection never decides a job's fate: each exchange is ended exactly
 * once through xchg_end (complete, or failed with the cause) and detached.
 * The memory of a FREE slot is never freed during a run, so a completion
 * for it is checked against the slot's generation and dropped when stale.
 */
#ifndef RF_ENGINE_CONN_H
#define RF_ENGINE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/exchange.h"
#include "engine/pipes.h"
#include "engine/pool.h"
#include "engine/tp_tls.h"
#include "engine/tp_tunnel.h"
#include "engine/transport.h"
#include "io/backend.h"
#include "io/timer.h"

enum conn_state { CONN_FREE, CONN_CONNECTING, CONN_ACTIVE, CONN_IDLE, CONN_CLOSING };

/* Outgoing request bytes: one buffer on the wire, one filling behind it. */
struct conn_out {
    char *p;
    size_t len, cap;
};

struct conn {
    enum conn_state state;
    uint32_t gen, idx;
    struct tp tcp;             /* the socket */
    struct tp *tp;             /* the stream the exchanges use: &tcp, or &tls->tp */
    struct tp_tls *tls;        /* https: the TLS transport over tcp (made on first use,
                                  kept with the slot for the run) */
    struct tp_tunnel *tun;     /* https through a proxy: the CONNECT tunnel between tcp and
                                  tls (made on first use, kept with the slot) */
    bool tunneled;             /* this connection goes through tun */
    struct origin *origin;
    unsigned addr_try;         /* addresses of the origin tried for this connect */
    bool reconnect;            /* closing only to try the origin's next address */
    bool served;               /* a response has completed on it */
    bool pipelinable;          /* its first response was persistent HTTP/1.1 */
    struct xchg *head, *tail;  /* exchanges, oldest (being answered) first */
    unsigned depth;            /* how many */
    struct xchg *unsent;       /* first exchange whose request is not on the wire yet */
    struct xchg *direct;       /* the head, while its owner splices its body (take_rest) */
    struct rf_pipe *spl_pipe;  /* the pipe of the splice in flight from the socket (a reference) */
    struct conn_out out[2];    /* out[wire] is being sent */
    unsigned wire;
    struct tmr connect_tmr;
    struct pool_link idle_link; /* the origin's idle list */
    struct pool_link lru_link;  /* every idle connection, oldest last */
    struct pool_link roomy_link; /* its origin's list of active connections with room */
    struct conn *next_free;
    struct conn_set *set;
};

struct conn_set {
    struct be *be;
    struct tp_set tps;
    struct tls_env *tls;       /* the run's TLS context (https origins only) */
    struct tmr_heap *timers;
    struct conn *conns;
    uint32_t n;
    struct conn *free_list;
    struct pool_link lru;      /* idle connections, most recently used first */
    uint32_t active;           /* slots not FREE */
    unsigned connect_timeout_ms;
    unsigned max_depth;        /* exchanges a connection may carry at once (pipelining) */
    const char *user_agent;    /* for CONNECT requests (NULL: ringfetch's) */
    struct pipes *pipes;       /* the direct path's pipes; NULL: bodies are never spliced */
    void (*on_capacity)(void *ctx, struct origin *o);
    void *ctx;
    const uint64_t *now;       /* the owner's clock of this pass (ns), kept current as it
                                  reaps; NULL: read the clock (tests) */
    uint64_t connects, reused, pipelined;
};

/* n slots; the timers heap must have room for n more timers. max_depth
 * (>= 1) is the pipelining depth; on_capacity (may be NULL) is told when a
 * connection to an origin may take a job. */
int conn_set_init(struct conn_set *cs, struct be *be, struct tmr_heap *timers, uint32_t n,
                  unsigned connect_timeout_ms, unsigned max_depth,
                  void (*on_capacity)(void *ctx, struct origin *o), void *ctx);
void conn_set_free(struct conn_set *cs);

/* A free slot (FREE, to be started with conn_connect), or NULL. */
struct conn *conn_alloc(struct conn_set *cs);
/* An idle connection to o, taken off the idle lists, or NULL. */
struct conn *conn_take_idle(struct origin *o);
/* An active connection to o with room for another pipelined exchange, or NULL. */
struct conn *conn_take_roomy(struct origin *o);
/* Open a new connection to o (a slot from conn_alloc) carrying x. */
void conn_connect(struct conn *c, struct origin *o, struct xchg *x, uint64_t now_ns);
/* Queue x on an open connection (one from conn_take_idle or conn_take_roomy). */
void conn_push(struct conn *c, struct xchg *x);
/* The owner of x gives up on it (deadline, disk failure, stop): x is
 * detached without a callback; the connection closes (its stream is out of
 * step now), ending any other exchange on it with resend_ok. */
void conn_drop(struct conn *c, struct xchg *x);
/* The owner of c's head exchange, which took the rest of its body
 * (take_rest): splice up to len more bytes of it from the socket into p
 * (on_spliced follows, or the exchange ends). Returns 0 or -EBUSY. */
int conn_splice(struct conn *c, struct rf_pipe *p, size_t len);
/* A completion for one of the connections' ops (OP_TP_* kinds). */
void conn_complete(struct conn_set *cs, const struct be_cqe *cqe);
/* Re-arm receives that found no buffer, and pump TLS connections that can
 * go on (a plaintext buffer came back, a handshake gate opened). */
void conn_feed_starved(struct conn_set *cs);
/* The error a deadline that passed now means for an exchange on c (NULL:
 * none): RF_E_TLS_TIMEOUT during a TLS handshake, else err (waiting for a
 * proxy's answer to CONNECT is still connecting). */
int conn_timeout_err(const struct conn *c, int err);
/* Close the least recently used idle connection to free a slot; false if none. */
bool conn_evict_idle(struct conn_set *cs);
/* Close one idle connection to o (a resend needs a new connection and the
 * per-host cap is reached); false if o has none. */
bool conn_retire_idle(struct origin *o);
/* Close every idle connection (end of run). */
void conn_close_idle(struct conn_set *cs);

#endif
