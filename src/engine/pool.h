/* Origins: one per scheme-less "host:port", each resolved once and caching
 * its addresses, which address last worked, its connections (idle ones,
 * and active ones with room for another pipelined request), how many it
 * has open (for a per-host cap), and the jobs waiting for one of them.
 *
 * Resolution is a blocking getaddrinfo, done the first time a host is seen
 * (before any of its jobs reaches the ring) and cached, failure included,
 * for the rest of the run.
 */
#ifndef RF_POOL_H
#define RF_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

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

struct origin {
    char key[URL_HOST_MAX + 16];
    char host[URL_HOST_MAX];
    uint16_t port;
    int gai_err;                 /* 0, or the EAI_* code resolution failed with */
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
};

struct pool {
    struct origin **origins;
    unsigned n, cap;
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);

/* The origin of u, created and resolved when first seen. Returns 0 (check
 * origin->gai_err for a failed resolution) or -ENOMEM. */
int pool_origin(struct pool *p, const struct url *u, struct origin **out);

/* Intrusive idle list: a connection embeds a pool_link. */
void pool_idle_push(struct origin *o, struct pool_link *l);
struct pool_link *pool_idle_pop(struct origin *o);
void pool_idle_remove(struct origin *o, struct pool_link *l);

#endif
