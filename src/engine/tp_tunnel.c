/* The tunnel transport (see tp_tunnel.h for the picture).
 *
 * Every call into the owner is the last thing a handler does with the
 * tunnel, or is followed by a check of its life (tun_alive): the owner
 * may close the tunnel from any event, and reuse it from on_closed. */
#include "engine/tp_tunnel.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "http/status.h"
#include "ringfetch/engine.h"

#define TUN_STR(x) #x
#define TUN_XSTR(x) TUN_STR(x)

static const struct tp_vt tun_vt;
static const struct tp_events tun_tcp_events;

static bool tun_alive(const struct tp_tunnel *t, uint32_t life)
{
    return t->life == life && (t->tp.state == TP_CONNECT || t->tp.state == TP_OPEN);
}

/* The stream is over: say so once, with words when there are some. */
static void tun_end(struct tp_tunnel *t, int err, const char *why)
{
    if (t->tp.state == TP_ENDED || t->tp.state == TP_CLOSING || t->tp.state == TP_FREE)
        return;
    t->phase = TUN_DONE;
    t->tp.state = TP_ENDED;
    t->tp.why = why ? t->why : NULL;
    t->tp.ev->on_end(t->tp.owner, err, t->tp.opened);
}

static void tun_refuse(struct tp_tunnel *t, const char *fmt, const char *words)
{
    snprintf(t->why, sizeof t->why, fmt, words);
    tun_end(t, RF_E_PROXY, t->why);
}

/* ---- the answer to CONNECT ------------------------------------------------ */

/* "HTTP/1.x NNN ..." -> NNN, or -1. */
static int tun_status_code(const char *line, size_t len)
{
    if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' || line[8] != ' ')
        return -1;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        code = code * 10 + (line[i] - '0');
    }
    if (len > 12 && line[12] != ' ')
        return -1;
    return code >= 100 ? code : -1;
}

/* The proxy said no: name the status, in our words when we know it (the
 * proxy's own phrase, printable bytes only, when we do not). */
static void tun_refused(struct tp_tunnel *t, int code)
{
    char words[RF_CONNECT_STATUS_LINE_BYTES + 8];
    const char *reason = http_status_reason(code);
    if (*reason) {
        snprintf(words, sizeof words, "%d %s", code, reason);
    } else {
        size_t n = 0;
        n += (size_t)snprintf(words, sizeof words, "%d", code);
        for (size_t i = 12; i < t->status_len && n + 1 < sizeof words; i++) {
            unsigned char c = (unsigned char)t->status[i];
            words[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        words[n] = '\0';
    }
    tun_refuse(t, "refused CONNECT: %s", words);
}

enum tun_step { TUN_STEP_MORE, TUN_STEP_OPEN, TUN_STEP_FAILED };

/* Read the answer's bytes; *used says how many belonged to it. */
static enum tun_step tun_scan(struct tp_tunnel *t, const char *at, size_t len, size_t *used)
{
    for (size_t i = 0; i < len; i++) {
        char c = at[i];
        if (++t->seen > RF_CONNECT_REPLY_MAX_BYTES) {
            tun_refuse(t, "answered CONNECT with a header section over %s bytes",
                       TUN_XSTR(RF_CONNECT_REPLY_MAX_BYTES));
            return TUN_STEP_FAILED;
        }
        switch (t->scan) {
        case TUN_SCAN_STATUS:
            if (c != '\n') {
                if (t->status_len + 1 < sizeof t->status)
                    t->status[t->status_len++] = c;
                /* Not HTTP from its first bytes: say so now, not 16 KiB later. */
                if (t->status_len <= 5 && memcmp(t->status, "HTTP/", t->status_len) != 0) {
                    tun_refuse(t, "%s", "answered CONNECT with something that is not HTTP");
                    return TUN_STEP_FAILED;
                }
                break;
            }
            if (t->status_len && t->status[t->status_len - 1] == '\r')
                t->status_len--;
            t->status[t->status_len] = '\0';
            if (tun_status_code(t->status, t->status_len) < 0) {
                tun_refuse(t, "%s", "answered CONNECT with something that is not HTTP");
                return TUN_STEP_FAILED;
            }
            t->scan = TUN_SCAN_LINE_START;
            break;
        case TUN_SCAN_LINE:
            if (c == '\n')
                t->scan = TUN_SCAN_LINE_START;
            break;
        case TUN_SCAN_LINE_START:
        case TUN_SCAN_CR_AT_START:
            if (c == '\r' && t->scan == TUN_SCAN_LINE_START) {
                t->scan = TUN_SCAN_CR_AT_START;
                break;
            }
            if (c != '\n') {
                t->scan = TUN_SCAN_LINE;
                break;
            }
            /* The blank line: the end of this header section. */
            int code = tun_status_code(t->status, t->status_len);
            if (code < 200) {
                /* An interim answer: the real one follows. */
                t->scan = TUN_SCAN_STATUS;
                t->status_len = 0;
                break;
            }
            *used = i + 1;
            if (code <= 299)
                return TUN_STEP_OPEN;
            tun_refused(t, code);
            return TUN_STEP_FAILED;
        }
    }
    *used = len;
    return TUN_STEP_MORE;
}

/* ---- the proxy connection's events ------------------------------------------ */

static void tun_tcp_open(void *owner)
{
    struct tp_tunnel *t = owner;
    if (t->tp.state != TP_CONNECT)
        return;
    t->phase = TUN_ASK;
    t->req_busy = true;
    tp_send(t->tcp, t->req, t->req_len);
}

static void tun_tcp_sent(void *owner)
{
    struct tp_tunnel *t = owner;
    if (t->tp.state != TP_CONNECT && t->tp.state != TP_OPEN)
        return;
    if (t->req_busy) {
        t->req_busy = false;
        if (t->pend) {
            /* The owner's first send waited for ours. */
            const char *p = t->pend;
            t->pend = NULL;
            tp_send(t->tcp, p, t->pend_len);
        }
        return;
    }
    t->tp.send_busy = false;
    t->tp.ev->on_sent(t->tp.owner);
}

static void tun_tcp_data(void *owner, struct lbuf *buf, const char *at, size_t len)
{
    struct tp_tunnel *t = owner;
    if (t->phase == TUN_OPEN) {
        if (t->tp.state == TP_OPEN)
            t->tp.ev->on_data(t->tp.owner, buf, at, len);
        return;
    }
    if (t->phase != TUN_ASK || t->tp.state != TP_CONNECT)
        return;
    size_t used = 0;
    enum tun_step step = tun_scan(t, at, len, &used);
    if (step != TUN_STEP_OPEN)
        return;
    uint32_t life = t->life;
    t->phase = TUN_OPEN;
    t->tp.state = TP_OPEN;
    t->tp.opened = true;
    t->tp.ev->on_open(t->tp.owner);
    /* What followed the blank line is the origin's (the buffer is valid
     * for the whole of this call). */
    if (used < len && tun_alive(t, life) && t->tp.state == TP_OPEN)
        t->tp.ev->on_data(t->tp.owner, buf, at + used, len - used);
}

static void tun_tcp_end(void *owner, int err, bool opened)
{
    struct tp_tunnel *t = owner;
    (void)opened;
    if (t->tp.state != TP_CONNECT && t->tp.state != TP_OPEN)
        return;
    if (t->phase == TUN_ASK && err == 0)
        tun_refuse(t, "%s", "closed the connection before answering CONNECT");
    else
        tun_end(t, err, NULL); /* TCP's own failure (to the proxy, or in the tunnel) */
}

static void tun_tcp_closed(void *owner)
{
    struct tp_tunnel *t = owner;
    t->life++;
    t->phase = TUN_IDLE;
    t->req_busy = false;
    t->pend = NULL;
    t->tp.state = TP_FREE;
    t->tp.ev->on_closed(t->tp.owner);
}

static const struct tp_events tun_tcp_events = {
    .on_open = tun_tcp_open,
    .on_data = tun_tcp_data,
    .on_sent = tun_tcp_sent,
    .on_end = tun_tcp_end,
    .on_closed = tun_tcp_closed,
};

/* ---- the owner's calls ------------------------------------------------------------ */

static void tun_connect(struct tp *tp, const struct sockaddr *sa, socklen_t len)
{
    struct tp_tunnel *t = (struct tp_tunnel *)tp;
    assert(t->tp.state == TP_FREE);
    t->tp.state = TP_CONNECT;
    t->tp.opened = false;
    t->tp.send_busy = false;
    t->tp.why = NULL;
    t->phase = TUN_TCP;
    t->req_busy = false;
    t->pend = NULL;
    t->scan = TUN_SCAN_STATUS;
    t->seen = 0;
    t->status_len = 0;
    t->why[0] = '\0';
    if (t->req_err) {
        tun_end(t, t->req_err, NULL);
        return;
    }
    tp_connect(t->tcp, sa, len);
}

static void tun_send(struct tp *tp, const char *buf, size_t len)
{
    struct tp_tunnel *t = (struct tp_tunnel *)tp;
    assert(t->tp.state == TP_OPEN && !t->tp.send_busy);
    t->tp.send_busy = true;
    if (t->req_busy) {
        t->pend = buf;
        t->pend_len = len;
        return;
    }
    tp_send(t->tcp, buf, len);
}

static void tun_close(struct tp *tp)
{
    struct tp_tunnel *t = (struct tp_tunnel *)tp;
    assert(t->tp.state != TP_FREE && t->tp.state != TP_CLOSING);
    t->tp.state = TP_CLOSING;
    t->phase = TUN_DONE;
    t->pend = NULL;
    if (t->tcp->state == TP_FREE)
        tun_tcp_closed(t);
    else if (t->tcp->state != TP_CLOSING)
        tp_close(t->tcp);
}

static void tun_complete(struct tp *tp, const struct be_cqe *cqe)
{
    struct tp_tunnel *t = (struct tp_tunnel *)tp;
    tp_complete(t->tcp, cqe);
}

static const struct tp_vt tun_vt = {
    .name = "tunnel",
    .connect = tun_connect,
    .send = tun_send,
    .close = tun_close,
    .complete = tun_complete,
};

void tp_tunnel_init(struct tp_tunnel *t, struct tp *tcp, const struct proxy *proxy, const char *host,
                    uint16_t port, const char *user_agent, const struct tp_events *ev, void *owner)
{
    assert(t->tp.state == TP_FREE);
    char *req = t->req;
    size_t cap = t->req_cap;
    if (req)
        explicit_bzero(req, t->req_len); /* the last origin's request: credentials in it */
    memset(t, 0, sizeof *t);
    t->tp.vt = &tun_vt;
    t->tp.state = TP_FREE;
    t->tp.fd = -1;
    t->tp.set = tcp->set;
    t->tp.ev = ev;
    t->tp.owner = owner;
    t->tcp = tcp;
    tcp->ev = &tun_tcp_events;
    tcp->owner = t;
    t->proxy = proxy;
    t->phase = TUN_IDLE;
    t->req = req;
    t->req_cap = cap;
    /* The request is the same for every connect of this connection: made
     * once, in a buffer kept with the slot (grown for a longer one). */
    const char *auth = proxy->auth[0] ? proxy->auth : NULL;
    size_t need = strlen(host) + (user_agent ? strlen(user_agent) : 32) + (auth ? strlen(auth) : 0) + 128;
    if (need > t->req_cap) {
        free(t->req);
        t->req_cap = 0;
        t->req = malloc(need);
        if (!t->req) {
            t->req_err = -ENOMEM;
            return;
        }
        t->req_cap = need;
    }
    int n = request_build_connect(t->req, t->req_cap, host, port, user_agent, auth);
    if (n < 0)
        t->req_err = n == -ENOSPC ? -ENOMEM : RF_E_BAD_URL; /* (sized above: never ENOSPC) */
    else
        t->req_len = (size_t)n;
}

void tp_tunnel_free(struct tp_tunnel *t)
{
    if (t->req)
        explicit_bzero(t->req, t->req_len); /* it holds the proxy's credentials */
    free(t->req);
    t->req = NULL;
}
