/* Origins and their idle connections. */
#include "engine/pool.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pool_init(struct pool *p)
{
    memset(p, 0, sizeof *p);
}

void pool_free(struct pool *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        tls_cache_free(&p->origins[i]->tls_cache);
        free(p->origins[i]);
    }
    free(p->origins);
    memset(p, 0, sizeof *p);
}

static void pool_resolve(struct origin *o)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", o->port);
    int err = getaddrinfo(o->host, port, &hints, &res);
    if (err == EAI_NONAME || err == EAI_ADDRFAMILY) {
        /* AI_ADDRCONFIG hides ::1 and 127.0.0.1 on a host with only loopback up. */
        hints.ai_flags = AI_NUMERICSERV;
        err = getaddrinfo(o->host, port, &hints, &res);
    }
    if (err) {
        o->gai_err = err;
        return;
    }
    for (struct addrinfo *ai = res; ai && o->naddrs < POOL_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof o->addrs[0])
            continue;
        memcpy(&o->addrs[o->naddrs], ai->ai_addr, ai->ai_addrlen);
        o->addrlens[o->naddrs++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (o->naddrs == 0)
        o->gai_err = EAI_NONAME;
}

int pool_origin(struct pool *p, const struct url *u, struct origin **out)
{
    char key[sizeof p->origins[0]->key];
    if (url_origin_key(u, key, sizeof key) < 0)
        return -EINVAL;
    /* Linear: runs have few hosts so far; a hash goes here with many-host lists. */
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->origins[i]->key, key) == 0) {
            *out = p->origins[i];
            return 0;
        }
    if (p->n == p->cap) {
        unsigned cap = p->cap ? 2 * p->cap : 8;
        struct origin **n = realloc(p->origins, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        p->origins = n;
        p->cap = cap;
    }
    struct origin *o = calloc(1, sizeof *o);
    if (!o)
        return -ENOMEM;
    snprintf(o->key, sizeof o->key, "%s", key);
    snprintf(o->host, sizeof o->host, "%s", u->host);
    o->port = u->port;
    o->tls = u->tls;
    o->idle.prev = o->idle.next = &o->idle;
    pool_resolve(o);
    p->origins[p->n++] = o;
    *out = o;
    return 0;
}

void pool_idle_push(struct origin *o, struct pool_link *l)
{
    /* Most recently used first: it is the least likely to have been closed by the server. */
    l->next = o->idle.next;
    l->prev = &o->idle;
    o->idle.next->prev = l;
    o->idle.next = l;
    o->nidle++;
}

void pool_idle_remove(struct origin *o, struct pool_link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = NULL;
    o->nidle--;
}

struct pool_link *pool_idle_pop(struct origin *o)
{
    if (o->idle.next == &o->idle)
        return NULL;
    struct pool_link *l = o->idle.next;
    pool_idle_remove(o, l);
    return l;
}
