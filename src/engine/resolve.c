/* c-ares on the backend (see resolve.h). */
#include "engine/resolve.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine/opkind.h"
#include "io/ud.h"

#define RESOLVER_OF(t) ((struct resolver *)((char *)(t) - offsetof(struct resolver, tmr)))

static ares_channel CH(const struct resolver *r)
{
    return (ares_channel)r->channel;
}

/* ---- sockets: c-ares opens and closes them through these ------------------ */

static struct resolve_sock *sock_find(struct resolver *r, int fd)
{
    for (unsigned i = 0; i < RESOLVE_MAX_SOCKS; i++)
        if (r->socks[i].fd == fd && !r->socks[i].closing)
            return &r->socks[i];
    return NULL;
}

/* Non-blocking: c-ares reads a socket until EAGAIN and leaves the mode of
 * sockets made by these functions alone (ares_set_socket_functions(3)). A
 * blocking one stalls the whole loop in recvfrom as soon as an answer comes
 * in while another query on the same socket is still unanswered. */
static ares_socket_t rs_socket(int domain, int type, int protocol, void *ud)
{
    (void)ud;
    return socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
}

/* Never close a descriptor with a poll in flight: cancel, close when it is back. */
static int rs_close(ares_socket_t fd, void *ud)
{
    struct resolver *r = ud;
    struct resolve_sock *s = sock_find(r, fd);
    if (s && s->busy) {
        s->closing = true;
        s->want_read = s->want_write = false;
        be_cancel_fd(r->be, fd, ud_pack(OP_DNS_CANCEL, s->gen, (uint32_t)(s - r->socks)));
        return 0;
    }
    if (s)
        s->fd = -1;
    return close(fd);
}

static int rs_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *ud)
{
    (void)ud;
    return connect(fd, sa, len);
}

static ares_ssize_t rs_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
                                ares_socklen_t *fromlen, void *ud)
{
    (void)ud;
    return recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t rs_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *ud)
{
    (void)ud;
    return writev(fd, iov, n);
}

static const struct ares_socket_functions resolve_socket_functions = {
    rs_socket, rs_close, rs_connect, rs_recvfrom, rs_sendv,
};

/* Arm a one-shot poll for what c-ares wants on s. */
static void sock_arm(struct resolver *r, struct resolve_sock *s)
{
    if (s->busy || s->closing || (!s->want_read && !s->want_write))
        return;
    unsigned events = (s->want_read ? POLLIN : 0) | (s->want_write ? POLLOUT : 0);
    s->gen = ud_gen_next(s->gen);
    if (be_poll(r->be, s->fd, events, ud_pack(OP_DNS_POLL, s->gen, (uint32_t)(s - r->socks))) == 0)
        s->busy = true;
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct resolver *r = data;
    struct resolve_sock *s = sock_find(r, fd);
    if (!s) {
        if (!readable && !writable)
            return;
        for (unsigned i = 0; i < RESOLVE_MAX_SOCKS && !s; i++)
            if (r->socks[i].fd < 0)
                s = &r->socks[i];
        if (!s)
            return; /* more sockets than name servers can need: c-ares times it out */
        s->fd = fd;
        s->busy = s->closing = false;
    }
    s->want_read = readable;
    s->want_write = writable;
    sock_arm(r, s);
}

/* ---- timeouts ------------------------------------------------------------- */

static void resolver_rearm(struct resolver *r)
{
    if (!r->channel || r->queries == 0) {
        tmr_cancel(r->timers, &r->tmr);
        return;
    }
    struct timeval tv, *t = ares_timeout(CH(r), NULL, &tv);
    if (!t) {
        tmr_cancel(r->timers, &r->tmr);
        return;
    }
    tmr_arm(r->timers, &r->tmr, tmr_now_ns() + (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_usec * 1000u);
}

static void resolver_on_timer(struct tmr *t, uint64_t now)
{
    struct resolver *r = RESOLVER_OF(t);
    (void)now;
    if (r->channel)
        ares_process_fd(CH(r), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    resolver_rearm(r);
}

/* ---- lookups ---------------------------------------------------------------- */

static void origin_fail(struct origin *o, const char *why)
{
    o->gai_err = EAI_FAIL;
    o->resolve_error = why;
}

static void origin_add(struct origin *o, const struct sockaddr *sa, socklen_t len)
{
    if (o->naddrs >= POOL_MAX_ADDRS || len > sizeof o->addrs[0])
        return;
    memcpy(&o->addrs[o->naddrs], sa, len);
    o->addrlens[o->naddrs++] = len;
}

static void resolve_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    struct origin *o = arg;
    struct resolver *r = o->resolver;
    (void)timeouts;
    r->queries--;
    o->state = ORIGIN_SETTLED;
    if (status == ARES_SUCCESS && ai) {
        for (struct ares_addrinfo_node *n = ai->nodes; n; n = n->ai_next)
            if (n->ai_socktype == SOCK_STREAM || n->ai_socktype == 0)
                origin_add(o, n->ai_addr, n->ai_addrlen);
    }
    if (ai)
        ares_freeaddrinfo(ai);
    if (o->naddrs == 0)
        origin_fail(o, status == ARES_SUCCESS ? "no address for it" : ares_strerror(status));
    r->done(r->ctx, o);
}

/* A literal address, or --resolve's answer for this host and port. */
static bool resolve_fixed(const struct resolver *r, struct origin *o)
{
    struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(o->port) };
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(o->port) };
    char port[8];
    snprintf(port, sizeof port, "%u", o->port);
    size_t hl = strlen(o->host), pl = strlen(port);
    for (unsigned i = 0; i < r->cfg->noverrides; i++) {
        const char *e = r->cfg->overrides[i];
        /* HOST:PORT:ADDR, HOST compared without case */
        if (strncasecmp(e, o->host, hl) != 0 || e[hl] != ':' || strncmp(e + hl + 1, port, pl) != 0 ||
            e[hl + 1 + pl] != ':')
            continue;
        char addr[INET6_ADDRSTRLEN + 2];
        snprintf(addr, sizeof addr, "%s", e + hl + pl + 2);
        char *a = addr;
        size_t al = strlen(a);
        if (al > 1 && a[0] == '[' && a[al - 1] == ']') {
            a[al - 1] = '\0';
            a++;
        }
        if (inet_pton(AF_INET, a, &v4.sin_addr) == 1)
            origin_add(o, (struct sockaddr *)&v4, sizeof v4);
        else if (inet_pton(AF_INET6, a, &v6.sin6_addr) == 1)
            origin_add(o, (struct sockaddr *)&v6, sizeof v6);
        return true;
    }
    if (inet_pton(AF_INET, o->host, &v4.sin_addr) == 1) {
        origin_add(o, (struct sockaddr *)&v4, sizeof v4);
        return true;
    }
    if (inet_pton(AF_INET6, o->host, &v6.sin6_addr) == 1) {
        origin_add(o, (struct sockaddr *)&v6, sizeof v6);
        return true;
    }
    return false;
}

int resolve_override_check(const char *entry)
{
    const char *c1 = strchr(entry, ':');
    if (!c1 || c1 == entry)
        return -EINVAL;
    char *end;
    long port = strtol(c1 + 1, &end, 10);
    if (end == c1 + 1 || *end != ':' || port < 1 || port > 65535)
        return -EINVAL;
    char addr[INET6_ADDRSTRLEN + 2];
    if (snprintf(addr, sizeof addr, "%s", end + 1) >= (int)sizeof addr)
        return -EINVAL;
    char *a = addr;
    size_t al = strlen(a);
    if (al > 1 && a[0] == '[' && a[al - 1] == ']') {
        a[al - 1] = '\0';
        a++;
    }
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1 ? 0 : -EINVAL;
}

int resolver_start(struct resolver *r, struct origin *o)
{
    o->resolver = r;
    o->naddrs = 0;
    if (resolve_fixed(r, o)) {
        o->state = ORIGIN_SETTLED;
        if (o->naddrs == 0)
            origin_fail(o, "--resolve gave no usable address");
        return 1;
    }
    if (!r->channel) {
        o->state = ORIGIN_SETTLED;
        origin_fail(o, "the resolver is not running");
        return 1;
    }
    char port[8];
    snprintf(port, sizeof port, "%u", o->port);
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = ARES_AI_NUMERICSERV;
    o->state = ORIGIN_RESOLVING;
    r->queries++;
    r->lookups++;
    ares_getaddrinfo(CH(r), o->host, port, &hints, resolve_cb, o);
    /* The callback may have run already (a name from /etc/hosts). */
    if (o->state == ORIGIN_SETTLED)
        return 1;
    resolver_rearm(r);
    return 0;
}

void resolver_complete(struct resolver *r, const struct be_cqe *cqe)
{
    uint32_t i = ud_idx(cqe->ud);
    if (i >= RESOLVE_MAX_SOCKS || ud_kind(cqe->ud) != OP_DNS_POLL)
        return;
    struct resolve_sock *s = &r->socks[i];
    if (!s->busy || s->gen != ud_gen(cqe->ud))
        return;
    s->busy = false;
    if (s->closing) {
        close(s->fd);
        s->fd = -1;
        s->closing = false;
        return;
    }
    int fd = s->fd;
    if (cqe->res > 0 && r->channel) {
        bool rd = cqe->res & (POLLIN | POLLERR | POLLHUP);
        bool wr = cqe->res & (POLLOUT | POLLERR);
        ares_process_fd(CH(r), rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
    }
    /* c-ares may have closed it (rs_close) or still want to hear about it. */
    if (s->fd == fd && !s->closing)
        sock_arm(r, s);
    resolver_rearm(r);
}

int resolver_init(struct resolver *r, struct be *be, struct tmr_heap *timers,
                  const struct resolve_config *cfg, resolve_done_fn done, void *ctx)
{
    memset(r, 0, sizeof *r);
    r->be = be;
    r->timers = timers;
    r->cfg = cfg;
    r->done = done;
    r->ctx = ctx;
    for (unsigned i = 0; i < RESOLVE_MAX_SOCKS; i++)
        r->socks[i].fd = -1;
    tmr_init(&r->tmr, resolver_on_timer);
    int ret = ares_library_init(ARES_LIB_INIT_ALL);
    if (ret != ARES_SUCCESS)
        return -ENOMEM;
    r->lib_inited = true;
    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = r;
    o.timeout = (int)cfg->timeout_ms;
    o.tries = (int)cfg->tries;
    o.lookups = (char *)"fb";
    ares_channel ch;
    ret = ares_init_options(&ch, &o,
                            ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
    if (ret != ARES_SUCCESS) {
        ares_library_cleanup();
        r->lib_inited = false;
        return ret == ARES_ENOMEM ? -ENOMEM : -EINVAL;
    }
    r->channel = ch;
    ares_set_socket_functions(ch, &resolve_socket_functions, r);
    if (cfg->servers && ares_set_servers_ports_csv(ch, cfg->servers) != ARES_SUCCESS) {
        resolver_free(r);
        return -EINVAL;
    }
    return 0;
}

void resolver_shutdown(struct resolver *r)
{
    if (!r->channel)
        return;
    /* Every lookup ends (its callback says ARES_ECANCELLED), every socket
     * is closed through rs_close: after a cancel where a poll is out. */
    ares_cancel(CH(r));
    ares_destroy(CH(r));
    r->channel = NULL;
    tmr_cancel(r->timers, &r->tmr);
}

bool resolver_busy(const struct resolver *r)
{
    for (unsigned i = 0; i < RESOLVE_MAX_SOCKS; i++)
        if (r->socks[i].busy)
            return true;
    return false;
}

void resolver_free(struct resolver *r)
{
    resolver_shutdown(r);
    /* Whatever is left open (the backend is gone, nothing is in flight). */
    for (unsigned i = 0; i < RESOLVE_MAX_SOCKS; i++)
        if (r->socks[i].fd >= 0) {
            close(r->socks[i].fd);
            r->socks[i].fd = -1;
        }
    if (r->lib_inited)
        ares_library_cleanup();
    r->lib_inited = false;
}
