/* Origins: one per "host:port" (https://host:port for TLS: url_origin_key),
 * each resolved once and caching its addresses, which address last worked,
 * its idle connections and, for https, its TLS session.
 *
 * Resolution is a blocking getaddrinfo, done the first time a host is seen
 * (before any of its jobs reaches the ring) and cached, failure included,
 * for the rest of the run. Later: a per-host connection cap lives here.
 */
#ifndef RF_POOL_H
#define RF_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/tp_tls.h"
#include "ringfetch/url.h"

#define POOL_MAX_ADDRS 8

struct pool_link {
    struct pool_link *prev, *next;
};

struct origin {
    char key[URL_HOST_MAX + 24];
    char host[URL_HOST_MAX];
    uint16_t port;
    bool tls;                    /* https:// */
    struct tls_cache tls_cache;  /* with tls: the session to resume, the first handshake */
    int gai_err;                 /* 0, or the EAI_* code resolution failed with */
    unsigned naddrs;
    unsigned pref;               /* index of the address to try first */
    struct sockaddr_storage addrs[POOL_MAX_ADDRS];
    socklen_t addrlens[POOL_MAX_ADDRS];
    struct pool_link idle;       /* idle connections to this origin (list head) */
    unsigned nidle;
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
