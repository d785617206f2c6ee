/* Name resolution off the loop: c-ares, with its sockets polled through the
 * backend (one-shot polls, re-armed after each ares_process_fd) and its
 * timeouts on the timer heap, so a name server that never answers costs the
 * other hosts nothing. Each origin is resolved once per run.
 *
 * Before c-ares is asked: an IP literal is its own address, and
 * --resolve's HOST:PORT:ADDR entries answer for their host and port.
 * c-ares reads /etc/hosts first ("lookups fb"), then the name servers of
 * /etc/resolv.conf, or those given (--dns-servers).
 *
 * c-ares opens and closes its own sockets; it does so through functions of
 * ours, so that a socket with a poll in flight is never closed under it:
 * the poll is cancelled first and the descriptor closed when it is back.
 */
#ifndef RF_ENGINE_RESOLVE_H
#define RF_ENGINE_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pool.h"
#include "io/backend.h"
#include "io/timer.h"

/* Sockets c-ares may have open at once: one per name server, UDP and TCP. */
#define RESOLVE_MAX_SOCKS 16

struct resolve_config {
    const char *servers;            /* "ADDR[:PORT],..." or NULL: /etc/resolv.conf's */
    const char *const *overrides;   /* "HOST:PORT:ADDR" (ADDR: IPv4 or [IPv6]) */
    unsigned noverrides;
    unsigned timeout_ms;            /* per try, c-ares doubles it for each try after */
    unsigned tries;
};

/* Told once per origin: resolved (o->naddrs > 0) or not (o->gai_err set,
 * with words in o->resolve_error). */
typedef void (*resolve_done_fn)(void *ctx, struct origin *o);

struct resolve_sock {
    int fd;                         /* -1: free entry */
    bool want_read, want_write;     /* what c-ares wants to hear about */
    bool busy;                      /* a poll is in flight */
    bool closing;                   /* c-ares closed it: close once the poll is back */
    uint32_t gen;
};

struct resolver {
    void *channel;                  /* ares_channel */
    struct be *be;
    struct tmr_heap *timers;
    struct tmr tmr;                 /* c-ares's next timeout */
    struct resolve_sock socks[RESOLVE_MAX_SOCKS];
    unsigned queries;               /* lookups in flight */
    resolve_done_fn done;
    void *ctx;
    const struct resolve_config *cfg;
    uint64_t lookups;               /* counted for --stats */
    bool lib_inited;
};

/* Set up (one timer of the heap is used). Returns 0, or -errno / -EINVAL
 * for servers c-ares will not take. */
int resolver_init(struct resolver *r, struct be *be, struct tmr_heap *timers,
                  const struct resolve_config *cfg, resolve_done_fn done, void *ctx);
/* Resolve o (its host and port). Returns 1 when it is settled already (a
 * literal, an override, an error), 0 when a lookup is under way: done is
 * called when it ends. */
int resolver_start(struct resolver *r, struct origin *o);
/* A completion for one of the resolver's polls (ud kind OP_DNS_*). */
void resolver_complete(struct resolver *r, const struct be_cqe *cqe);
/* Give up on every lookup (done is called for each, with ARES_ECANCELLED's
 * words), and close the sockets once their polls are back. */
void resolver_shutdown(struct resolver *r);
/* Polls still in flight (the loop waits for them before the backend goes). */
bool resolver_busy(const struct resolver *r);
void resolver_free(struct resolver *r);

/* Check a --resolve entry; 0 or -EINVAL. */
int resolve_override_check(const char *entry);

#endif
