/* The file sink (see sink.h): open, write at offsets, then rename or unlink. */
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
#define SINK_OPEN_FLAGS (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)

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

/* ---- write records ------------------------------------------------------- */

static void sink_wop_drop(struct sink_wop *w, struct ring *r)
{
    ring_buf_release(r, w->bid);
    free(w);
}

static void sink_enqueue(struct sink *s, struct sink_wop *w)
{
    w->next = NULL;
    *s->queued_tail = w;
    s->queued_tail = &w->next;
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

static int sink_submit(struct sink *s, struct ring *r, struct sink_wop *w)
{
    int ret = ring_writev(r, s->fd, w->iov + w->first, w->niov - w->first, w->off, 0,
                          ops_ud_ptr(OP_FWRITE, w));
    if (ret < 0)
        return ret;
    s->ops++;
    return 0;
}

static void sink_submit_queued(struct sink *s, struct ring *r)
{
    while (s->queued && !s->err) {
        struct sink_wop *w = s->queued;
        s->queued = w->next;
        if (!s->queued)
            s->queued_tail = &s->queued;
        if (sink_submit(s, r, w) < 0) {
            s->err = -EBUSY;
            sink_wop_drop(w, r);
        }
    }
    sink_drop_queued(s, r);
}

/* ---- opening ------------------------------------------------------------- */

static int sink_submit_open(struct sink *s, struct ring *r)
{
    int ret = ring_openat(r, s->part, SINK_OPEN_FLAGS, 0644, 0, sink_ud(s, OP_FOPEN));
    if (ret < 0)
        return ret;
    s->ops++;
    s->state = SINK_OPENING;
    return 0;
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
    int ret = sink_submit_open(s, r);
    if (ret < 0)
        sink_free(s);
    return ret;
}

/* ---- spans ----------------------------------------------------------------- */

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
    if (s->err)
        sink_wop_drop(w, r);
    else if (s->state != SINK_OPEN)
        sink_enqueue(s, w); /* until the open completes */
    else if (sink_submit(s, r, w) < 0) {
        s->err = -EBUSY;
        sink_wop_drop(w, r);
    }
}

/* ---- finishing --------------------------------------------------------------- */

/* Nothing is in flight (state FINISHING): done, or clean up. */
static void sink_settle(struct sink *s, struct ring *r)
{
    if (s->renamed) {
        s->state = SINK_DONE;
        return;
    }
    /* Failure or discard: close what is open, remove what was created. */
    sink_drop_queued(s, r);
    s->state = SINK_FINISHING;
    if (s->opened && ring_close(r, s->fd, 0, sink_ud(s, OP_FCLOSE)) == 0)
        s->ops++;
    s->opened = false;
    if (s->created && ring_unlink(r, s->part, sink_ud(s, OP_FUNLINK)) == 0)
        s->ops++;
    s->created = false;
    if (s->ops == 0)
        s->state = SINK_DONE;
}

/* Once the body is over and no write is left, close and rename. */
static void sink_progress(struct sink *s, struct ring *r)
{
    if (!s->finishing)
        return;
    if (s->state == SINK_IDLE) {
        s->state = SINK_DONE;
        return;
    }
    if (s->state != SINK_OPEN || s->ops > 0 || s->queued)
        return;
    s->state = SINK_FINISHING;
    if (s->keep && !s->err && ring_reserve(r, 2) == 0) {
        /* Close first, then rename: a failed close (lost write-back) must not
         * leave a final name behind. */
        ring_close(r, s->fd, RING_LINK, sink_ud(s, OP_FCLOSE));
        ring_rename(r, s->part, s->path, 0, sink_ud(s, OP_FRENAME));
        s->ops += 2;
        return;
    }
    if (!s->err && s->keep)
        s->err = -EBUSY;
    sink_settle(s, r);
}

void sink_finish(struct sink *s, struct ring *r, bool keep)
{
    sink_flush(s, r);
    s->finishing = true;
    s->keep = keep && !s->err;
    if (!s->keep)
        sink_drop_queued(s, r);
    sink_progress(s, r);
}

/* ---- completions --------------------------------------------------------------- */

static enum sink_event sink_fail(struct sink *s, int err)
{
    if (s->err)
        return SINK_EV_BUSY;
    s->err = err;
    return SINK_EV_FAILED;
}

static enum sink_event sink_on_write(struct sink *s, struct ring *r, int res, struct sink_wop *w)
{
    if (res <= 0) {
        /* 0 bytes for a non-empty write would otherwise loop for ever. */
        sink_wop_drop(w, r);
        return sink_fail(s, res < 0 ? res : -EIO);
    }
    /* A short write is a success: the rest goes again at its offset. */
    w->off += (uint64_t)res;
    size_t left = (size_t)res;
    while (w->first < w->niov && left >= w->iov[w->first].iov_len)
        left -= w->iov[w->first++].iov_len;
    if (w->first == w->niov || s->err) {
        sink_wop_drop(w, r);
        return SINK_EV_BUSY;
    }
    w->iov[w->first].iov_base = (char *)w->iov[w->first].iov_base + left;
    w->iov[w->first].iov_len -= left;
    if (sink_submit(s, r, w) < 0) {
        sink_wop_drop(w, r);
        return sink_fail(s, -EBUSY);
    }
    return SINK_EV_BUSY;
}

enum sink_event sink_complete(struct sink *s, struct ring *r, int kind, int res, struct sink_wop *w)
{
    enum sink_event ev = SINK_EV_BUSY;
    s->ops--;
    switch (kind) {
    case OP_FOPEN:
        if (res < 0) {
            ev = sink_fail(s, res);
            s->state = SINK_IDLE; /* nothing was created */
            sink_drop_queued(s, r);
            break;
        }
        s->opened = s->created = true;
        s->fd = res;
        s->state = SINK_OPEN;
        sink_submit_queued(s, r);
        break;
    case OP_FWRITE:
        ev = sink_on_write(s, r, res, w);
        break;
    case OP_FCLOSE:
        s->opened = false; /* the descriptor is gone even when close reports an error */
        if (res < 0)
            ev = sink_fail(s, res);
        break;
    case OP_FRENAME:
        if (res == 0) {
            s->renamed = true;
            s->created = false;
        } else if (res != -ECANCELED) {
            ev = sink_fail(s, res);
        }
        break;
    case OP_FUNLINK:
        break; /* best effort: nothing more can be done about a .part that stays */
    default:
        break;
    }
    if (s->ops == 0 && s->state == SINK_FINISHING)
        sink_settle(s, r);
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
