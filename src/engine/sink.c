/* The file sink: open NAME.part, write at offsets, close+rename or close+unlink. */
#include "engine/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "engine/ops.h"

/* Spans of one buffer per writev; more (tiny chunks) start another record. */
#define SINK_IOV_MAX 8

struct sink_wop {
    struct sink *sink;
    struct sink_wop *next;
    unsigned bid;
    unsigned niov, first; /* iov[first..niov) still to write */
    uint64_t off;         /* file offset of iov[first] */
    struct iovec iov[SINK_IOV_MAX];
};

static uint64_t sink_ud(const struct sink *s, enum op_kind k)
{
    return (uint64_t)k << 56 | s->tag;
}

struct sink *sink_of_wop(const struct sink_wop *wop)
{
    return wop->sink;
}

int sink_open(struct sink *s, struct ring *r, const char *path, uint64_t tag)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->tag = tag & ((1ull << 56) - 1);
    s->queued_tail = &s->queued;
    size_t n = strlen(path);
    s->path = malloc(n + 1);
    s->part = malloc(n + sizeof ".part");
    if (!s->path || !s->part) {
        sink_free(s);
        return -ENOMEM;
    }
    memcpy(s->path, path, n + 1);
    memcpy(s->part, path, n);
    memcpy(s->part + n, ".part", sizeof ".part");
    int ret = ring_openat(r, s->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644, sink_ud(s, OP_FOPEN));
    if (ret < 0) {
        sink_free(s);
        return ret;
    }
    s->ops++;
    s->state = SINK_OPENING;
    return 0;
}

static void sink_wop_drop(struct sink_wop *w, struct ring *r)
{
    ring_buf_release(r, w->bid);
    free(w);
}

static void sink_submit(struct sink *s, struct ring *r, struct sink_wop *w)
{
    int ret = ring_writev(r, s->fd, w->iov + w->first, w->niov - w->first, w->off, ops_ud_ptr(OP_FWRITE, w));
    if (ret < 0) {
        if (!s->err)
            s->err = ret;
        sink_wop_drop(w, r);
        return;
    }
    s->ops++;
}

int sink_add(struct sink *s, struct ring *r, unsigned bid, const char *at, size_t len)
{
    if (s->err)
        return s->err;
    struct sink_wop *w = s->cur;
    if (w && (w->bid != bid || w->niov == SINK_IOV_MAX)) {
        sink_flush(s, r);
        w = NULL;
    }
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w)
            return s->err = -ENOMEM;
        w->sink = s;
        w->bid = bid;
        w->off = s->off;
        ring_buf_hold(r, bid);
        s->cur = w;
    }
    w->iov[w->niov].iov_base = (void *)at;
    w->iov[w->niov].iov_len = len;
    w->niov++;
    s->off += len;
    return 0;
}

void sink_flush(struct sink *s, struct ring *r)
{
    struct sink_wop *w = s->cur;
    if (!w)
        return;
    s->cur = NULL;
    if (s->err) {
        sink_wop_drop(w, r);
    } else if (s->state == SINK_OPEN) {
        sink_submit(s, r, w);
    } else {
        w->next = NULL;
        *s->queued_tail = w;
        s->queued_tail = &w->next;
    }
}

static void sink_drop_queued(struct sink *s, struct ring *r)
{
    while (s->queued) {
        struct sink_wop *w = s->queued;
        s->queued = w->next;
        sink_wop_drop(w, r);
    }
    s->queued_tail = &s->queued;
}

/* Move towards DONE: once the body is over and no write is left, close the
 * file and either rename or unlink it. */
static void sink_progress(struct sink *s, struct ring *r)
{
    if (!s->finishing || s->state == SINK_FINISHING || s->state == SINK_DONE)
        return;
    if (s->state == SINK_IDLE) {
        s->state = SINK_DONE;
        return;
    }
    if (s->state != SINK_OPEN || s->ops > 0 || s->queued)
        return;
    s->state = SINK_FINISHING;
    if (s->keep && !s->err) {
        /* Close first, then rename: a failed close (lost write-back) must not
         * leave a final name behind. */
        if (ring_close_then_rename(r, s->fd, sink_ud(s, OP_FCLOSE), s->part, s->path,
                                   sink_ud(s, OP_FRENAME)) == 0) {
            s->ops += 2;
            return;
        }
        s->err = -EBUSY;
    }
    if (ring_close(r, s->fd, sink_ud(s, OP_FCLOSE)) == 0)
        s->ops++;
    if (ring_unlink(r, s->part, sink_ud(s, OP_FUNLINK)) == 0)
        s->ops++;
    if (s->ops == 0)
        s->state = SINK_DONE;
}

void sink_finish(struct sink *s, struct ring *r, bool keep)
{
    sink_flush(s, r);
    s->finishing = true;
    s->keep = keep;
    if (!keep || s->err)
        sink_drop_queued(s, r);
    sink_progress(s, r);
}

static enum sink_event sink_fail(struct sink *s, int err)
{
    if (s->err)
        return SINK_EV_BUSY;
    s->err = err;
    return SINK_EV_FAILED;
}

enum sink_event sink_complete(struct sink *s, struct ring *r, int kind, int res, struct sink_wop *w)
{
    enum sink_event ev = SINK_EV_BUSY;
    s->ops--;
    switch (kind) {
    case OP_FOPEN:
        if (res < 0) {
            ev = sink_fail(s, res);
            s->state = SINK_IDLE; /* nothing was created, nothing to close or unlink */
            sink_drop_queued(s, r);
        } else {
            s->fd = res;
            s->state = SINK_OPEN;
            while (s->queued && !s->err) {
                struct sink_wop *q = s->queued;
                s->queued = q->next;
                sink_submit(s, r, q);
            }
            sink_drop_queued(s, r);
        }
        break;
    case OP_FWRITE:
        if (res <= 0) {
            /* 0 bytes for a non-empty write would otherwise loop for ever. */
            ev = sink_fail(s, res < 0 ? res : -EIO);
            sink_wop_drop(w, r);
            break;
        }
        /* A short write is a success: resubmit the rest at its offset. */
        w->off += (uint64_t)res;
        while (w->first < w->niov && (size_t)res >= w->iov[w->first].iov_len) {
            res -= (int)w->iov[w->first].iov_len;
            w->first++;
        }
        if (w->first < w->niov && !s->err) {
            w->iov[w->first].iov_base = (char *)w->iov[w->first].iov_base + res;
            w->iov[w->first].iov_len -= (size_t)res;
            sink_submit(s, r, w);
        } else {
            sink_wop_drop(w, r);
        }
        break;
    case OP_FCLOSE:
        if (res < 0 && !s->err)
            s->err = res;
        break;
    case OP_FRENAME:
        if (res < 0) {
            /* -ECANCELED means the close failed (its error is kept); either
             * way the temporary file must go. */
            if (!s->err)
                s->err = res;
            if (ring_unlink(r, s->part, sink_ud(s, OP_FUNLINK)) == 0)
                s->ops++;
        }
        break;
    case OP_FUNLINK:
        break; /* best effort: the .part may already be gone */
    default:
        break;
    }
    if (s->state == SINK_FINISHING && s->ops == 0)
        s->state = SINK_DONE;
    else
        sink_progress(s, r);
    if (s->state == SINK_DONE)
        return SINK_EV_DONE;
    return ev;
}

void sink_free(struct sink *s)
{
    free(s->path);
    free(s->part);
    s->path = s->part = NULL;
}
