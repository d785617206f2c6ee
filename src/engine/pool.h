/* Origins: one per "host:port" (https://host:port for TLS: url_origin_key),
 * each resolved once and caching its addresses, which address last worked,
 * its connections (idle ones, and active ones with room for another
 * pipelined request), how many it has open (for a per-host cap), the jobs
 * waiting for one of them and, for https, its TLS session.
 *
 * Resolution (resolve.c) starts the first time a host is seen, off the
 * loop; its jobs wait (parked, see job.h) until it settles, and the answer
 * is kept, failure included, for the rest of the run.
 *
 * Through a proxy (http/proxy.h), connections are keyed as curl keys them:
 * - http:// URLs of every origin go to one origin per proxy, the proxy
 *   itself (ORIGIN_FORWARD, key "proxy http://host:port"): the requests
 *   are in absolute form, so its kept-alive connections serve any origin,
 *   and a per-host cap or --rate counts the proxy as the host;
 * - an https:// origin is an ORIGIN_TUNNEL of its own (key "https://h:p
 *   via http://proxy:port"): a CONNECT tunnel is to one origin only, and
 *   its TLS session and cap are that origin's. It has no addresses: its
 *   connections go to those of the proxy's FORWARD origin (via), which is
 *   resolved once for all its tunnels, whose state follows (pool_tunnel_sync).
 */
#ifndef RF_POOL_H
#define RF_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/tp_tls.h"
#include "ringfetch/url.h"

#define POOL_MAX_ADDRS 8

/* An intrusive doubly linked list: a head, or a link embedded in an element
 * (NULL pointers while it is on no list). */
struct pool_link {
    struct pool_link *prev, *next;
};

static inline void pool_list_init(struct pool_link *head)
{
    head->prev = head->next = head;
}
static inline bool pool_list_empty(const struct pool_link *head)
{
    return head->next == head;
}
static inline bool pool_linked(const struct pool_link *l)
{
    return l->next != NULL;
}
static inline void pool_link_after(struct pool_link *at, struct pool_link *l)
{
    l->next = at->next;
    l->prev = at;
    at->next->prev = l;
    at->next = l;
}
/* At the head (push_front) or the tail (push_back) of a list. */
static inline void pool_push_front(struct pool_link *head, struct pool_link *l)
{
    pool_link_after(head, l);
}
static inline void pool_push_back(struct pool_link *head, struct pool_link *l)
{
    pool_link_after(head->prev, l);
}
static inline void pool_unlink(struct pool_link *l)
{
    if (!l->next)
        return;
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = NULL;
}

struct resolver;
struct parked;
struct proxy;

enum origin_route {
    ORIGIN_DIRECT,               /* connections go to host:port */
    ORIGIN_FORWARD,              /* host:port is a proxy's: http:// requests for any origin */
    ORIGIN_TUNNEL,               /* https to host:port through a CONNECT tunnel of proxy */
};

enum origin_state {
    ORIGIN_NEW,                  /* not resolved yet */
    ORIGIN_RESOLVING,            /* a lookup is under way */
    ORIGIN_SETTLED,              /* addresses known, or gai_err set */
};

struct origin {
    char key[2 * URL_HOST_MAX + 48];
    char host[URL_HOST_MAX];
    uint16_t port;
    bool tls;                    /* https:// */
    struct tls_cache tls_cache;  /* with tls: the session to resume, the first handshake */
    enum origin_route route;
    const struct proxy *proxy;   /* FORWARD, TUNNEL: the proxy (the run's); DIRECT: NULL */
    struct origin *via;          /* TUNNEL: the proxy's FORWARD origin, whose addresses it uses */
    struct origin *tunnels;      /* FORWARD: its TUNNEL origins (linked by next_tunnel) */
    struct origin *next_tunnel;
    enum origin_state state;
    int gai_err;                 /* 0, or non-zero when resolution failed */
    const char *resolve_error;   /* static words for that failure */
    struct resolver *resolver;
    unsigned naddrs;
    unsigned pref;               /* index of the address to try first */
    struct sockaddr_storage addrs[POOL_MAX_ADDRS];
    socklen_t addrlens[POOL_MAX_ADDRS];
    struct pool_link idle;       /* idle connections to this origin (list head) */
    unsigned nidle;
    struct pool_link roomy;      /* active connections that can take another pipelined request */
    unsigned nconns;             /* connections open (or closing) to it: the per-host cap counts these */
    struct pool_link waiting;    /* jobs waiting for a connection to it, oldest first */
    unsigned nwaiting;
    struct pool_link ready_link; /* on the engine's round of origins that may start a job */
    struct parked *parked, *parked_tail; /* jobs waiting without a slot (job.h), oldest first */
    unsigned nparked;
    struct pool_link parked_link; /* on the engine's list of origins with parked jobs */
    uint64_t next_start_ns;      /* --rate: no request to it before this time */
    struct pool_link paced_link; /* on the engine's list of origins waiting for that time */
};

struct pool {
    struct origin **origins;
    unsigned n, cap;
    unsigned *index;             /* open addressing by key: positions in origins */
    unsigned index_cap;
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);

/* The origin of u, created when first seen (state ORIGIN_NEW: the caller
 * starts its resolution). Returns 0 or -ENOMEM. */
int pool_origin(struct pool *p, const struct url *u, struct origin **out);
/* The same for a request through proxy px (NULL: pool_origin): the
 * proxy's FORWARD origin for http://, a TUNNEL origin (and its via) for
 * https://. A TUNNEL origin is never resolved itself: the caller resolves
 * via and calls pool_tunnel_sync. */
int pool_origin_via(struct pool *p, const struct url *u, const struct proxy *px, struct origin **out);
/* A TUNNEL origin takes its via's resolution state (and failure words):
 * when it is made, and when via settles. */
void pool_tunnel_sync(struct origin *o);
/* Where o's connections go: its own addresses, or its via's. */
static inline struct origin *pool_addr_origin(struct origin *o)
{
    return o->via ? o->via : o;
}

/* Intrusive idle list: a connection embeds a pool_link. */
void pool_idle_push(struct origin *o, struct pool_link *l);
struct pool_link *pool_idle_pop(struct origin *o);
void pool_idle_remove(struct origin *o, struct pool_link *l);

#endif
