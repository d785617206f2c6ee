/* One HTTP/1.1 exchange (see exchange.h). */
#include "engine/exchange.h"

#include <stdlib.h>
#include <string.h>

static int xchg_on_headers(void *ctx, const struct resp *r)
{
    struct xchg *x = ctx;
    return x->ev->on_headers(x->owner, r);
}

static int xchg_on_body(void *ctx, const char *at, size_t len)
{
    struct xchg *x = ctx;
    return x->ev->on_body(x->owner, x->cur, at, len);
}

void xchg_init(struct xchg *x, void *owner, const struct xchg_events *ev, char *req, size_t req_len)
{
    x->req = req;
    x->req_len = req_len;
    x->sent = false;
    x->due_ns = 0;
    x->next = NULL;
    x->owner = owner;
    x->ev = ev;
    x->cur = NULL;
    resp_init(&x->resp, x, xchg_on_headers, xchg_on_body);
}

void xchg_free(struct xchg *x)
{
    resp_free(&x->resp);
    free(x->req);
    x->req = NULL;
    x->owner = NULL;
}

enum resp_rc xchg_feed(struct xchg *x, struct lbuf *buf, const char *at, size_t len, size_t *used)
{
    x->cur = buf;
    enum resp_rc rc = resp_feed(&x->resp, at, len, used);
    x->cur = NULL;
    x->ev->on_buffer_end(x->owner);
    return rc;
}

enum resp_rc xchg_eof(struct xchg *x)
{
    return resp_eof(&x->resp);
}

void xchg_end(struct xchg *x, int err, const char *detail, bool resend_ok)
{
    const struct xchg_events *ev = x->ev;
    void *owner = x->owner;
    x->next = NULL;
    ev->on_end(owner, err, detail, resend_ok);
}
