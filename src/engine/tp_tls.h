/* TLS transport: OpenSSL over memory BIOs, wrapped around a plain TCP
 * transport (transport.h). Every byte of ciphertext still moves through the
 * backend's send and recv; OpenSSL never sees a socket and never blocks.
 *
 *   tp_connect ──> TCP ──> [GATE] ──> HANDSHAKE ──> on_open ──> OPEN ...
 *                    any failure: on_end(err), err a TCP -errno or an RF_E_TLS_*
 *
 * Ciphertext in: each received buffer (lent by the backend) is held and
 * shown to OpenSSL as a read-only memory BIO over its bytes, so nothing is
 * copied before OpenSSL's own record buffer; it is given back once OpenSSL
 * has read all of it. Plaintext out: decrypted into buffers from a pool of
 * the run's (struct lbuf, reference counted, at most
 * RF_TLS_PLAIN_BUFS_PER_CONN per connection), so the body consumers write
 * them to files without a copy, as they do receive buffers. A connection
 * waiting for the network holds none; when the consumers hold its whole
 * share, decryption waits until one comes back (tls_run_ready). Ciphertext
 * out: drained from a memory BIO after every OpenSSL call, whatever it
 * returned (handshake messages, alerts, key updates are produced on reads).
 *
 * Verification (unless insecure): the trust store, the host name (or the
 * IP literal against the IP SANs), TLS 1.2 at least, ALPN http/1.1, SNI
 * for names only.
 *
 * Framing: the stream ends cleanly (on_end(0)) only with the server's
 * close_notify. A TCP EOF without it is RF_E_TLS_TRUNCATED, whatever the
 * HTTP framing (the truncation attack: an attacker can forge a FIN, not a
 * close_notify).
 *
 * Sessions: each origin keeps the last session the server gave
 * (struct tls_cache; TLS 1.3 tickets arrive after the handshake, through
 * the new-session callback; TLS 1.2 sessions at its end). The first
 * connection to an origin does the one full handshake; the others opened
 * meanwhile wait at the GATE (TCP open) until it has a session, its first
 * response, or its end, then resume that session where the server allows.
 * The gate closes only once per origin, so a server that gives no session
 * costs one wait, not one per connection.
 */
#ifndef RF_ENGINE_TP_TLS_H
#define RF_ENGINE_TP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/transport.h"

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

/* What every TLS connection of a run shares. */
struct tls_env {
    struct ssl_ctx_st *ctx;
    bool insecure;                /* -k: neither the chain nor the name is checked */
    struct tp_tls *ready;         /* to pump after the batch: a buffer came back, a gate opened */
    struct tls_pbuf *pool;        /* free plaintext buffers, shared by the connections */
    uint64_t handshakes;          /* completed, resumed ones included */
    uint64_t resumed;             /* of those, abbreviated (a session was resumed) */
    uint64_t bytes_in, bytes_out; /* ciphertext received and sent */
};

/* Per origin: the session to resume and the first handshake's gate. */
struct tls_cache {
    struct ssl_session_st *sess;
    struct tp_tls *leader;        /* doing the first full handshake */
    struct tp_tls *waiting;       /* TCP open, waiting for it */
    bool gate_used;               /* the gate is closed once per origin only */
};

enum tls_phase { TLS_IDLE, TLS_TCP, TLS_GATE, TLS_HANDSHAKE, TLS_OPEN, TLS_DONE };

struct tls_cin;
struct tls_pbuf;

struct tp_tls {
    struct tp tp;                 /* the owner's face: state, send_busy, opened, why */
    struct tp *tcp;               /* the socket's transport, driven by us */
    struct tls_env *env;
    struct tls_cache *cache;
    const char *host;             /* the origin's host (outlives the connection) */
    bool host_is_ip;
    struct ssl_st *ssl;
    enum tls_phase phase;
    uint32_t life;                /* bumped when a connection is over: stale buffers free themselves */
    bool pumping, stalled, tcp_eof;
    int tcp_err;                  /* a TCP error seen while ciphertext was still queued */
    int alert;                    /* a fatal alert the server sent, or -1 */
    /* ciphertext received, not yet read by OpenSSL: a FIFO of held buffers */
    struct tls_cin *cin;
    unsigned cin_head, cin_n, cin_cap;
    bool cin_fed;                 /* cin[cin_head] is OpenSSL's read BIO */
    /* plaintext */
    struct tls_pbuf *cur;         /* being filled (we hold one reference) */
    uint32_t cur_from, cur_fill;  /* bytes handed to the owner, bytes decrypted */
    unsigned pbufs;               /* plaintext buffers of this life not back yet (cur included) */
    /* the owner's plaintext being sent, and ciphertext going out */
    const char *app;
    size_t app_len, app_done;
    char *out;
    size_t out_cap;
    struct tp_tls *next_ready, *next_waiting;
    bool in_ready;
    char why[160];                /* tp.why points here */
};

/* Set up the run's context: trust store (cafile and/or capath instead of
 * the system's when given), verification unless insecure. Returns 0, or
 * RF_E_TLS_SETUP with words in why. */
int tls_env_init(struct tls_env *env, const char *cafile, const char *capath, bool insecure,
                 char *why, size_t size);
void tls_env_free(struct tls_env *env);
/* Pump the connections that can go on (after a batch of completions: a
 * plaintext buffer came back, a gate opened). */
void tls_run_ready(struct tls_env *env);
/* Forget an origin's session (end of run). */
void tls_cache_free(struct tls_cache *c);

/* Make t a TLS transport over tcp (a plain transport in TP_FREE, whose
 * events t takes over), for host. t must be TP_FREE (or zeroed). */
void tp_tls_init(struct tp_tls *t, struct tp *tcp, struct tls_env *env, struct tls_cache *cache,
                 const char *host, const struct tp_events *ev, void *owner);
/* Release the memory of a TP_FREE transport. */
void tp_tls_free(struct tp_tls *t);
/* The backend is going away with t still open (the run failed): give back
 * the received buffers t holds now, while their owner still exists. */
void tp_tls_abandon(struct tp_tls *t);

#endif
