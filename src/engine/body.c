/* The body consumers (see job.h): one small table each, chosen when a
 * response's headers are in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/job.h"
#include "engine/tunables.h"
#include "io/ud.h"

/* ---- file: a 2xx body into the job's file, through its sink ------------------ */

/* "bytes START-END/TOTAL" -> START, or UINT64_MAX. */
static uint64_t content_range_start(const struct resp *r)
{
    size_t n;
    const char *v = resp_header(r, RESP_H_CONTENT_RANGE, &n, NULL);
    if (!v || n < 7 || strncmp(v, "bytes ", 6) != 0)
        return UINT64_MAX;
    uint64_t start = 0;
    size_t i = 6;
    if (i >= n || v[i] < '0' || v[i] > '9')
        return UINT64_MAX;
    for (; i < n && v[i] >= '0' && v[i] <= '9' && start < UINT64_MAX / 10; i++)
        start = start * 10 + (uint64_t)(v[i] - '0');
    return i < n && v[i] == '-' ? start : UINT64_MAX;
}

/* A big body of known length: its blocks are asked for at once. */
static void file_reserve(struct xfer *x, const struct resp *r)
{
    if (r->has_content_length && !r->chunked && r->content_length >= RF_PREALLOC_MIN_BYTES)
        sink_reserve(&x->sink, r->content_length);
}

static int file_begin(struct xfer *x, const struct resp *r)
{
    if (x->has_sink && x->sink.way == SINK_WAY_PART) {
        /* Resume: the part is open; the answer says where the body goes. */
        size_t n;
        const char *v = resp_header(r, RESP_H_ETAG, &n, NULL);
        if (!v)
            v = resp_header(r, RESP_H_LAST_MODIFIED, &n, NULL);
        if (r->status == 206)
            x->resumed_from = x->sink.part_size;
        int ret = sink_part_begin(&x->sink, r->status, content_range_start(r), v ? v : "", v ? n : 0);
        if (ret == 0)
            file_reserve(x, r);
        return ret;
    }
    /* A small body over plain HTTP may have its file calls made at once
     * (RF_NOW_MAX_BODY_BYTES: why not a larger one, nor one the loop
     * decrypts), while other requests are in flight on their connections
     * (RF_NOW_MIN_IN_FLIGHT: alone, the loop would wait on the calls). */
    struct engine *e = x->eng;
    unsigned in_flight = e->requests < e->cs.active ? e->requests : e->cs.active;
    bool small = !x->u.tls && r->has_content_length && !r->chunked &&
                 r->content_length <= RF_NOW_MAX_BODY_BYTES && in_flight >= RF_NOW_MIN_IN_FLIGHT;
    int ret = (small ? sink_open_small : sink_open)(&x->sink, &x->eng->sinks, x->path,
                                                    ud_pack(0, x->gen, x->idx));
    if (ret < 0)
        return ret;
    x->has_sink = true;
    file_reserve(x, r);
    return 0;
}

static int file_data(struct xfer *x, struct lbuf *buf, const char *at, size_t len)
{
    return sink_add(&x->sink, buf, at, len);
}

static void file_flush(struct xfer *x)
{
    sink_flush(&x->sink);
}

static void file_finish(struct xfer *x, bool keep)
{
    sink_finish(&x->sink, keep);
}

static bool file_settled(const struct xfer *x)
{
    return x->sink.state == SINK_DONE;
}

static void file_abandon(struct xfer *x)
{
    sink_abandon(&x->sink);
}

const struct body_vt body_file = {
    .name = "file",
    .begin = file_begin,
    .data = file_data,
    .flush = file_flush,
    .finish = file_finish,
    .settled = file_settled,
    .abandon = file_abandon,
};

/* ---- memory: a small body the front end wants back (metadata, not files) ---- */

static int memory_data(struct xfer *x, struct lbuf *buf, const char *at, size_t len)
{
    (void)buf;
    if (len > x->body_max - x->body_len)
        return RF_E_TOO_LARGE;
    char *b = realloc(x->body, x->body_len + len + 1);
    if (!b)
        return -ENOMEM;
    memcpy(b + x->body_len, at, len);
    x->body = b;
    x->body_len += len;
    b[x->body_len] = '\0';
    return 0;
}

/* ---- discard: count the bytes, keep nothing ---------------------------------- */

static int none_begin(struct xfer *x, const struct resp *r)
{
    (void)x;
    (void)r;
    return 0;
}

static int discard_data(struct xfer *x, struct lbuf *buf, const char *at, size_t len)
{
    (void)x;
    (void)buf;
    (void)at;
    (void)len;
    return 0;
}

static void none_flush(struct xfer *x)
{
    (void)x;
}

static void none_finish(struct xfer *x, bool keep)
{
    (void)x;
    (void)keep;
}

static bool none_settled(const struct xfer *x)
{
    (void)x;
    return true;
}

const struct body_vt body_memory = {
    .name = "memory",
    .begin = none_begin,
    .data = memory_data,
    .flush = none_flush,
    .finish = none_finish,
    .settled = none_settled,
    .abandon = none_flush,
};

const struct body_vt body_discard = {
    .name = "discard",
    .begin = none_begin,
    .data = discard_data,
    .flush = none_flush,
    .finish = none_finish,
    .settled = none_settled,
    .abandon = none_flush,
};

/* ---- error: the body of a non-2xx answer, read only to keep the connection ---- */

static int error_begin(struct xfer *x, const struct resp *r)
{
    (void)x;
    /* A big one is not worth the connection. */
    if (r->has_content_length && r->content_length > RF_MAX_DISCARD_BODY_BYTES)
        return RF_E_HTTP_STATUS;
    return 0;
}

static int error_data(struct xfer *x, struct lbuf *buf, const char *at, size_t len)
{
    (void)buf;
    (void)at;
    (void)len;
    return x->bytes > RF_MAX_DISCARD_BODY_BYTES ? RF_E_HTTP_STATUS : 0;
}

const struct body_vt body_error = {
    .name = "error",
    .begin = error_begin,
    .data = error_data,
    .flush = none_flush,
    .finish = none_finish,
    .settled = none_settled,
    .abandon = none_flush,
};

const struct body_vt *body_choose(const struct xfer *x, int status)
{
    if (x->ranged && status == 206)
        return &body_file; /* the rest of a part, as asked */
    if (!policy_status_is_success(status))
        return &body_error;
    if (x->path)
        return &body_file;
    if (x->body_max)
        return &body_memory;
    return &body_discard;
}
