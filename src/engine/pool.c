/* Origins and their idle connections. */
#include "engine/pool.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/proxy.h"
#include "util/mix64.h"

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
    free(p->index);
    memset(p, 0, sizeof *p);
}

static uint64_t pool_hash(const char *key)
{
    uint64_t h = MIX64_GOLDEN;
    for (const char *p = key; *p; p++)
        h = mix64(h ^ (unsigned char)*p);
    return h;
}

/* Index by key: open addressing over the origins array, at most half full,
 * so a list of thousands of hosts finds each in O(1). */
static int pool_index_grow(struct pool *p)
{
    unsigned cap = p->index_cap ? 2 * p->index_cap : 64;
    unsigned *idx = malloc(cap * sizeof *idx);
    if (!idx)
        return -ENOMEM;
    for (unsigned i = 0; i < cap; i++)
        idx[i] = UINT32_MAX;
    for (unsigned k = 0; k < p->n; k++) {
        unsigned i = (unsigned)(pool_hash(p->origins[k]->key) & (cap - 1));
        while (idx[i] != UINT32_MAX)
            i = (i + 1) & (cap - 1);
        idx[i] = k;
    }
    free(p->index);
    p->index = idx;
    p->index_cap = cap;
    return 0;
}

/* The origin under key, made with what init puts in it when first seen. */
static int pool_find_or_add(struct pool *p, const char *key, struct origin **out, bool *made)
{
    *made = false;
    if (2 * (p->n + 1) > p->index_cap && pool_index_grow(p) < 0)
        return -ENOMEM;
    unsigned mask = p->index_cap - 1, i = (unsigned)(pool_hash(key) & mask);
    for (; p->index[i] != UINT32_MAX; i = (i + 1) & mask)
        if (strcmp(p->origins[p->index[i]]->key, key) == 0) {
            *out = p->origins[p->index[i]];
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
    pool_list_init(&o->idle);
    pool_list_init(&o->roomy);
    pool_list_init(&o->waiting);
    o->state = ORIGIN_NEW;
    o->route = ORIGIN_DIRECT;
    p->index[i] = p->n;
    p->origins[p->n++] = o;
    *out = o;
    *made = true;
    return 0;
}

int pool_origin(struct pool *p, const struct url *u, struct origin **out)
{
    char key[sizeof p->origins[0]->key];
    bool made;
    if (url_origin_key(u, key, sizeof key) < 0)
        return -EINVAL;
    int ret = pool_find_or_add(p, key, out, &made);
    if (ret == 0 && made) {
        struct origin *o = *out;
        snprintf(o->host, sizeof o->host, "%s", u->host);
        o->port = u->port;
        o->tls = u->tls;
    }
    return ret;
}

/* The proxy's own origin: where http:// requests through it go. */
static int pool_forward_origin(struct pool *p, const struct proxy *px, struct origin **out)
{
    char key[sizeof p->origins[0]->key];
    bool made;
    snprintf(key, sizeof key, "proxy %s", px->name);
    int ret = pool_find_or_add(p, key, out, &made);
    if (ret == 0 && made) {
        struct origin *o = *out;
        snprintf(o->host, sizeof o->host, "%s", px->host);
        o->port = px->port;
        o->route = ORIGIN_FORWARD;
        o->proxy = px;
    }
    return ret;
}

int pool_origin_via(struct pool *p, const struct url *u, const struct proxy *px, struct origin **out)
{
    if (!px)
        return pool_origin(p, u, out);
    struct origin *fwd;
    int ret = pool_forward_origin(p, px, &fwd);
    if (ret < 0 || !u->tls) {
        *out = fwd;
        return ret;
    }
    char key[sizeof p->origins[0]->key], okey[URL_HOST_MAX + 24];
    bool made;
    if (url_origin_key(u, okey, sizeof okey) < 0)
        return -EINVAL;
    snprintf(key, sizeof key, "%s via %s", okey, px->name);
    ret = pool_find_or_add(p, key, out, &made);
    if (ret == 0 && made) {
        struct origin *o = *out;
        snprintf(o->host, sizeof o->host, "%s", u->host);
        o->port = u->port;
        o->tls = true;
        o->route = ORIGIN_TUNNEL;
        o->proxy = px;
        o->via = fwd;
        o->next_tunnel = fwd->tunnels;
        fwd->tunnels = o;
        pool_tunnel_sync(o);
    }
    return ret;
}

void pool_tunnel_sync(struct origin *o)
{
    if (!o->via || o->state == ORIGIN_SETTLED)
        return;
    o->state = o->via->state;
    o->gai_err = o->via->gai_err;
    o->resolve_error = o->via->resolve_error;
}

void pool_idle_push(struct origin *o, struct pool_link *l)
{
    /* Most recently used first: it is the least likely to have been closed by the server. */
    pool_push_front(&o->idle, l);
    o->nidle++;
}

void pool_idle_remove(struct origin *o, struct pool_link *l)
{
    pool_unlink(l);
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
