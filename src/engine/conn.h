/* One connection's life, as an explicit state machine:
 *
 *   FREE -> SOCKET -> CONNECT -> ACTIVE -> IDLE -> ACTIVE ... (keep-alive)
 *                        |          |        |
 *                        +----------+--------+--> CLOSING -> FREE
 *
 * ACTIVE carries one job: its request is sent while a recv is already
 * armed, received bytes go through the response parser, and body spans go
 * to the owner's callbacks. IDLE keeps a recv armed as a watch: whatever
 * arrives on an idle connection (a close, or bytes nobody asked for) ends
 * it, so such bytes can never be taken for the next request's answer. A connection is only closed (through the ring)
 * once no op of it is in flight; ops counts them, and each completion is
 * checked against the slot's generation.
 *
 * A connection never decides a job's fate on its own: it reports the end
 * of the response (or the error) through conn_events.on_end and detaches.
 */
#ifndef RF_CONN_H
#define RF_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pool.h"
#include "engine/ring.h"
#include "http/response.h"

enum conn_state { CONN_FREE, CONN_SOCKET, CONN_CONNECT, CONN_ACTIVE, CONN_IDLE, CONN_CLOSING };

/* Callbacks into the job that owns the connection's current response. */
struct conn_events {
    int (*on_headers)(void *job, const struct resp *r);
    int (*on_body)(void *job, unsigned bid, const char *at, size_t len);
    /* Every span of one recv buffer has been delivered. */
    void (*on_buffer_end)(void *job);
    /* The response ended: err 0 (complete) or negative. retry: the request
     * failed on a reused connection before any byte came back, which is how
     * a server's close of an idle keep-alive connection shows; the job may
     * be sent again on a new connection. detail: static words qualifying
     * err (the parser's reason), or NULL. The connection is detached. */
    void (*on_end)(void *job, int err, const char *detail, bool retry);
};

struct conn {
    enum conn_state state;
    uint32_t gen;
    uint32_t idx;
    int fd;
    unsigned ops;              /* ops in flight */
    bool send_busy, recv_busy; /* which of them */
    bool starved;              /* recv found no buffer; re-armed when one is back */
    bool reused;               /* the current request is not the first on this connection */
    unsigned addr_try;         /* addresses of the origin tried for this connect */
    struct origin *origin;
    struct pool_link idle_link;
    struct conn *next_starved;
    uint64_t connect_deadline_ns;
    void *job;                 /* current job, NULL when none */
    int cur_bid;               /* buffer being fed, for on_body */
    char *req;                 /* request bytes (owned) */
    size_t req_len, req_sent;
    bool reconnect;            /* closing only to try the origin's next address */
    struct conn_set *set;
    struct resp resp;
};

struct conn_set {
    struct ring *ring;
    const struct conn_events *ev;
    struct conn *conns;
    uint32_t n;
    struct conn *free_list;    /* through next_starved, reused as a free link */
    struct conn *starved;      /* waiting for a recv buffer */
    uint32_t active;           /* conns not FREE */
    unsigned connect_timeout_ms;
    uint64_t connects, reused, enobufs;
};

int conn_set_init(struct conn_set *cs, struct ring *r, const struct conn_events *ev,
                  uint32_t n, unsigned connect_timeout_ms);
void conn_set_free(struct conn_set *cs);

/* A free connection slot, or NULL when all are in use. */
struct conn *conn_alloc(struct conn_set *cs);
/* An idle connection to o, taken off its idle list, or NULL. */
struct conn *conn_take_idle(struct origin *o);
/* Start job on c: a new connection (from conn_alloc) connects to o first;
 * an idle one (from conn_take_idle) sends at once. Takes ownership of req (malloc'd). */
void conn_start(struct conn_set *cs, struct conn *c, struct origin *o, void *job,
                char *req, size_t req_len, uint64_t now_ns);
/* Close c without telling its job anything (the caller has dealt with it). */
void conn_abort(struct conn_set *cs, struct conn *c);
/* A completion for a connection op. */
void conn_complete(struct conn_set *cs, const struct ring_cqe *cqe);
/* Re-arm connections whose recv found the buffer ring empty. */
void conn_feed_starved(struct conn_set *cs);
/* Fail connects whose deadline passed; returns the nearest connect
 * deadline still pending (UINT64_MAX when none). */
uint64_t conn_expire(struct conn_set *cs, uint64_t now_ns);
/* Close one idle connection (any origin) to free a slot; false if none. */
bool conn_evict_idle(struct conn_set *cs);
/* Close every idle connection (end of run). */
void conn_close_idle(struct conn_set *cs);

#endif
