/* Exchange: one HTTP/1.1 request and its response, apart from the
 * connection that carries it. It holds the request bytes and the response
 * parser, and passes what the parser finds to its owner (a job); a
 * connection keeps a FIFO of exchanges (one today; several with
 * pipelining) and feeds received bytes to the oldest.
 *
 * The owner is told, in order: on_headers once the final header section
 * is in (it chooses what takes the body, or refuses), on_body for each
 * body span (pointing into a lent buffer: take a reference to keep it),
 * on_buffer_end after the last span of each received buffer, and on_end
 * exactly once, after which the exchange is detached from its connection
 * and may be reused.
 */
#ifndef RF_ENGINE_EXCHANGE_H
#define RF_ENGINE_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/response.h"
#include "io/lbuf.h"

struct xchg_events {
    /* 0 to go on, or a negative error to fail the exchange with it. */
    int (*on_headers)(void *owner, const struct resp *r);
    int (*on_body)(void *owner, struct lbuf *buf, const char *at, size_t len);
    void (*on_buffer_end)(void *owner);
    /* The exchange is over: err 0 (the response is complete) or negative
     * (-errno or enum rf_err). detail: static words qualifying err, or
     * NULL. resend_ok: the request may be sent again on a new connection
     * because no byte of an answer to it was ever seen and the failure is
     * how a server's close of a connection it had already answered on
     * shows (a kept-alive connection closed while idle, or a pipelined
     * request left unanswered). */
    void (*on_end)(void *owner, int err, const char *detail, bool resend_ok);
    /* Optional (the direct path, pipes.h). After a buffer, with left > 0
     * bytes of a Content-Length body still to come on a plain connection:
     * will the owner take them by splicing (conn_splice), instead of
     * receiving them? */
    bool (*take_rest)(void *owner, uint64_t left);
    /* n > 0 more body bytes were spliced into the pipe given to conn_splice. */
    void (*on_spliced)(void *owner, uint32_t n);
};

struct xchg {
    struct resp resp;
    char *req;                 /* request bytes (owned) */
    size_t req_len;
    bool sent;                 /* every request byte went out */
    uint64_t due_ns;           /* when its answer became due (CLOCK_MONOTONIC ns): on the wire
                                  and at the head of the FIFO. Silence counts from it. */
    struct xchg *next;         /* the connection's FIFO */
    void *owner;
    const struct xchg_events *ev;
    struct lbuf *cur;          /* private: the buffer being fed */
};

/* Prepare x for a new exchange; takes ownership of req (malloc'd). */
void xchg_init(struct xchg *x, void *owner, const struct xchg_events *ev, char *req, size_t req_len);
/* Release what x owns. */
void xchg_free(struct xchg *x);
/* Feed received bytes from buf (see resp_feed for the results and *used);
 * on_buffer_end follows the last span. */
enum resp_rc xchg_feed(struct xchg *x, struct lbuf *buf, const char *at, size_t len, size_t *used);
/* The connection's EOF (see resp_eof). */
enum resp_rc xchg_eof(struct xchg *x);
/* Tell the owner the exchange ended (once). */
void xchg_end(struct xchg *x, int err, const char *detail, bool resend_ok);
/* At RESP_DONE: may the connection carry another exchange? */
static inline bool xchg_keep_alive(const struct xchg *x)
{
    return x->resp.keep_alive;
}

#endif
