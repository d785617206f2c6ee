/* The TLS transport (see tp_tls.h for the picture).
 *
 * Re-entrancy: every call into the owner (on_open, on_data, on_sent,
 * on_end, on_closed) may close the transport, and on_closed may even start
 * it again; so after each one the pump checks that the connection is still
 * the one it was working on (tls_alive) before it touches anything. */
#include "engine/tp_tls.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "engine/tunables.h"
#include "ringfetch/engine.h"

/* A received buffer of ciphertext, held until OpenSSL has read it all. */
struct tls_cin {
    struct lbuf *buf;
    const char *at;
    size_t len;
};

/* A plaintext buffer: lent to the owner as a struct lbuf. */
struct tls_pbuf {
    struct lbuf lb;           /* first: the release callback gets this pointer */
    struct tls_pbuf *next;    /* the free list */
    char data[];
};

static const struct tp_vt tls_vt;
static const struct tp_events tls_tcp_events;
static void tls_pump(struct tp_tls *t);

/* ---- the context -------------------------------------------------------------- */

static const char *tls_err_words(unsigned long e)
{
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown error";
}

static int tls_new_session(SSL *ssl, SSL_SESSION *sess);
static int tls_verify(int ok, X509_STORE_CTX *store);
static void tls_info(const SSL *ssl, int where, int ret);

int tls_env_init(struct tls_env *env, const char *cafile, const char *capath, bool insecure,
                 char *why, size_t size)
{
    memset(env, 0, sizeof *env);
    env->insecure = insecure;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(why, size, "%s", tls_err_words(ERR_get_error()));
        return RF_E_TLS_SETUP;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Our buffers never move while OpenSSL has them, but a write may be
     * retried after a renegotiation wanted a read: allow both. Idle
     * connections give their record buffers back (RELEASE_BUFFERS), which
     * is what keeps a window of 1000 connections small. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, insecure ? NULL : tls_verify);
    int ok;
    if (cafile || capath) {
        struct stat st;
        /* OpenSSL's words for a missing file are "system lib": say it ourselves. */
        if (cafile && access(cafile, R_OK) < 0) {
            snprintf(why, size, "--cacert %s: %s", cafile, strerror(errno));
            SSL_CTX_free(ctx);
            return RF_E_TLS_SETUP;
        }
        errno = 0;
        if (capath && (stat(capath, &st) < 0 || !S_ISDIR(st.st_mode))) {
            snprintf(why, size, "--capath %s: %s", capath, errno ? strerror(errno) : "not a directory");
            SSL_CTX_free(ctx);
            return RF_E_TLS_SETUP;
        }
        ok = SSL_CTX_load_verify_locations(ctx, cafile, capath);
        if (ok != 1) {
            snprintf(why, size, "could not load CA certificates from %s: %s", cafile ? cafile : capath,
                     tls_err_words(ERR_peek_last_error()));
            ERR_clear_error();
            SSL_CTX_free(ctx);
            return RF_E_TLS_SETUP;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        snprintf(why, size, "could not load the system's CA certificates: %s",
                 tls_err_words(ERR_peek_last_error()));
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return RF_E_TLS_SETUP;
    }
    /* ALPN: the only protocol we speak (returns 0 on success). */
    static const unsigned char alpn[] = "\x08http/1.1";
    if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) != 0) {
        snprintf(why, size, "ALPN: %s", tls_err_words(ERR_get_error()));
        SSL_CTX_free(ctx);
        return RF_E_TLS_SETUP;
    }
    /* Sessions go to the origin's cache through the callback, not OpenSSL's. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, tls_new_session);
    SSL_CTX_set_info_callback(ctx, tls_info);
    env->ctx = ctx;
    ERR_clear_error();
    return 0;
}

void tls_env_free(struct tls_env *env)
{
    if (env->ctx)
        SSL_CTX_free(env->ctx);
    env->ctx = NULL;
    struct tls_pbuf *p;
    while ((p = env->pool) != NULL) {
        env->pool = p->next;
        free(p);
    }
}

void tls_cache_free(struct tls_cache *c)
{
    if (c->sess)
        SSL_SESSION_free(c->sess);
    memset(c, 0, sizeof *c);
}

/* ---- lists: ready, and the gate's waiters -------------------------------------- */

static void tls_ready_push(struct tp_tls *t)
{
    if (t->in_ready)
        return;
    t->in_ready = true;
    t->next_ready = t->env->ready;
    t->env->ready = t;
}

static void tls_unlink(struct tp_tls *t)
{
    if (t->in_ready) {
        for (struct tp_tls **p = &t->env->ready; *p; p = &(*p)->next_ready)
            if (*p == t) {
                *p = t->next_ready;
                break;
            }
        t->in_ready = false;
    }
    if (t->phase == TLS_GATE && t->cache) {
        for (struct tp_tls **p = &t->cache->waiting; *p; p = &(*p)->next_waiting)
            if (*p == t) {
                *p = t->next_waiting;
                break;
            }
    }
}

/* The first full handshake to the origin is over one way or another: let
 * the waiters go (after the batch: not from inside another SSL call). */
static void tls_gate_open(struct tls_cache *c, struct tls_env *env)
{
    c->leader = NULL;
    struct tp_tls *w;
    while ((w = c->waiting) != NULL) {
        c->waiting = w->next_waiting;
        w->next_waiting = NULL;
        (void)env;
        tls_ready_push(w);
    }
}

/* ---- plaintext buffers ---------------------------------------------------------- */

/* Plaintext buffers come from one pool per run and go back to it when the
 * last reference is dropped: a connection holds one only while it
 * decrypts into it or a consumer holds it, so an idle or waiting
 * connection costs none, and the pool is as large as the most ever in use. */
static void tls_pbuf_release(struct lbuf *lb)
{
    struct tls_pbuf *p = (struct tls_pbuf *)lb;
    struct tp_tls *t = lb->owner;
    p->next = t->env->pool;
    t->env->pool = p;
    if (lb->id != t->life)
        return; /* lent during an earlier connection of this slot */
    t->pbufs--;
    if (t->stalled) {
        t->stalled = false;
        tls_ready_push(t);
    }
}

/* A buffer with room for a whole record, or false (all lent: wait). */
static bool tls_plain_room(struct tp_tls *t)
{
    if (t->cur && RF_TLS_PLAIN_BUF_BYTES - t->cur_fill >= RF_TLS_RECORD_BYTES)
        return true;
    if (t->cur) {
        /* Everything in it was handed over already (tls_deliver runs first). */
        struct tls_pbuf *old = t->cur;
        t->cur = NULL;
        lbuf_put(&old->lb);
    }
    if (t->pbufs >= RF_TLS_PLAIN_BUFS_PER_CONN) {
        t->stalled = true;
        return false;
    }
    struct tls_pbuf *p = t->env->pool;
    if (p) {
        t->env->pool = p->next;
    } else {
        p = malloc(sizeof *p + RF_TLS_PLAIN_BUF_BYTES);
        if (!p)
            return false;
        p->lb.data = p->data;
        p->lb.cap = RF_TLS_PLAIN_BUF_BYTES;
        p->lb.release = tls_pbuf_release;
    }
    t->pbufs++;
    p->lb.owner = t;
    p->lb.id = t->life;
    p->lb.refs = 1;
    t->cur = p;
    t->cur_from = t->cur_fill = 0;
    return true;
}

/* ---- ending ---------------------------------------------------------------------- */

static bool tls_alive(const struct tp_tls *t, uint32_t life)
{
    return t->life == life && (t->tp.state == TP_OPEN || t->tp.state == TP_CONNECT);
}

static void tls_end(struct tp_tls *t, int err, const char *why)
{
    if (t->tp.state == TP_ENDED || t->tp.state == TP_CLOSING || t->tp.state == TP_FREE)
        return;
    tls_unlink(t);
    if (t->cache && t->cache->leader == t)
        tls_gate_open(t->cache, t->env);
    t->phase = TLS_DONE;
    t->tp.state = TP_ENDED;
    t->tp.why = NULL;
    if (why) {
        if (why != t->why)
            snprintf(t->why, sizeof t->why, "%s", why);
        t->tp.why = t->why;
    }
    t->tp.ev->on_end(t->tp.owner, err, t->tp.opened);
}

/* The names a certificate is for, for "certificate is for X, not Y". */
static void tls_cert_names(X509 *cert, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    if (!cert)
        return;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && len + 1 < size; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char ip[INET6_ADDRSTRLEN] = "";
        const char *s = NULL;
        int n = 0;
        if (g->type == GEN_DNS) {
            s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            n = ASN1_STRING_length(g->d.dNSName);
        } else if (g->type == GEN_IPADD) {
            int al = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            if (al == 4 || al == 16)
                inet_ntop(al == 4 ? AF_INET : AF_INET6, a, ip, sizeof ip);
            s = ip;
            n = (int)strlen(ip);
        }
        if (!s || n <= 0)
            continue;
        /* Shown as they are, but never a control byte. */
        int w = snprintf(buf + len, size - len, "%s", len ? ", " : "");
        len += (size_t)w < size - len ? (size_t)w : size - len - 1;
        for (int j = 0; j < n && len + 1 < size; j++)
            buf[len++] = (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f ? s[j] : '?';
        buf[len] = '\0';
    }
    GENERAL_NAMES_free(names);
    if (len == 0) {
        /* No subjectAltName: the common name, which verification ignores. */
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, (int)size);
        if (!buf[0])
            snprintf(buf, size, "no name");
    }
}

/* An OpenSSL call failed for good: say why, in the words the user needs. */
static void tls_fail(struct tp_tls *t, int ssl_err)
{
    unsigned long e = ERR_peek_error();
    long vr = t->ssl ? SSL_get_verify_result(t->ssl) : X509_V_OK;
    bool handshake = t->phase == TLS_HANDSHAKE;
    char words[160];
    int err;

    if (handshake && !t->env->insecure && vr != X509_V_OK) {
        if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
            err = RF_E_TLS_HOST;
            snprintf(words, sizeof words, "%s", t->why[0] ? t->why : "other names");
        } else {
            err = RF_E_TLS_CERT;
            snprintf(words, sizeof words, "%s", X509_verify_cert_error_string(vr));
        }
    } else if (t->alert >= 0) {
        err = RF_E_TLS_ALERT;
        snprintf(words, sizeof words, "%s", SSL_alert_desc_string_long(t->alert));
    } else {
        err = handshake ? RF_E_TLS_HANDSHAKE : RF_E_TLS;
        if (ssl_err == SSL_ERROR_SSL || e)
            snprintf(words, sizeof words, "%s", tls_err_words(e));
        else
            snprintf(words, sizeof words, "OpenSSL error %d", ssl_err);
    }
    ERR_clear_error();
    tls_end(t, err, words);
}

/* ---- ciphertext out --------------------------------------------------------------- */

/* Send what OpenSSL wrote, unless a send is in flight (its on_sent comes
 * back here). False when the connection ended. */
static bool tls_flush(struct tp_tls *t)
{
    BIO *w = SSL_get_wbio(t->ssl);
    size_t pend = BIO_ctrl_pending(w);
    if (pend == 0 || t->tcp->send_busy || t->tcp->state != TP_OPEN)
        return true;
    if (pend > t->out_cap) {
        char *o = realloc(t->out, pend);
        if (!o) {
            tls_end(t, -ENOMEM, NULL);
            return false;
        }
        t->out = o;
        t->out_cap = pend;
    }
    int n = BIO_read(w, t->out, (int)pend);
    if (n <= 0)
        return true;
    t->env->bytes_out += (uint64_t)n;
    uint32_t life = t->life;
    tp_send(t->tcp, t->out, (size_t)n);
    return t->life == life && t->tp.state != TP_ENDED && t->tp.state != TP_CLOSING;
}

/* Encrypt what is left of the owner's send. False when the connection ended. */
static bool tls_write_app(struct tp_tls *t)
{
    while (t->app && t->app_done < t->app_len) {
        size_t n = 0;
        ERR_clear_error();
        int r = SSL_write_ex(t->ssl, t->app + t->app_done, t->app_len - t->app_done, &n);
        if (r == 1) {
            t->app_done += n;
            continue;
        }
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            break; /* a renegotiation is under way: retried from the pump */
        tls_fail(t, e);
        return false;
    }
    return tls_flush(t);
}

/* ---- ciphertext in ------------------------------------------------------------------ */

static BIO *tls_read_bio(const char *at, size_t len)
{
    BIO *b = BIO_new_mem_buf(at, (int)len);
    if (b)
        BIO_set_mem_eof_return(b, -1); /* empty means "more later", not EOF */
    return b;
}

/* OpenSSL wants more ciphertext: give the next held buffer back and show
 * it the one after. False when there is none. */
static bool tls_feed_next(struct tp_tls *t)
{
    if (t->cin_fed) {
        if (BIO_ctrl_pending(SSL_get_rbio(t->ssl)) > 0)
            return false; /* not read yet: OpenSSL cannot want more */
        struct tls_cin *c = &t->cin[t->cin_head];
        t->cin_fed = false;
        t->cin_head = (t->cin_head + 1) % t->cin_cap;
        t->cin_n--;
        lbuf_put(c->buf);
    }
    if (t->cin_n == 0)
        return false;
    struct tls_cin *c = &t->cin[t->cin_head];
    BIO *b = tls_read_bio(c->at, c->len);
    if (!b) {
        tls_end(t, -ENOMEM, NULL);
        return false;
    }
    SSL_set0_rbio(t->ssl, b);
    t->cin_fed = true;
    return true;
}

static void tls_drop_input(struct tp_tls *t)
{
    while (t->cin_n > 0) {
        lbuf_put(t->cin[t->cin_head].buf);
        t->cin_head = (t->cin_head + 1) % t->cin_cap;
        t->cin_n--;
    }
    t->cin_head = 0;
    t->cin_fed = false;
}

static int tls_queue_input(struct tp_tls *t, struct lbuf *buf, const char *at, size_t len)
{
    if (t->cin_n == t->cin_cap) {
        unsigned cap = t->cin_cap ? 2 * t->cin_cap : 4;
        struct tls_cin *n = malloc(cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        for (unsigned i = 0; i < t->cin_n; i++)
            n[i] = t->cin[(t->cin_head + i) % t->cin_cap];
        free(t->cin);
        t->cin = n;
        t->cin_cap = cap;
        t->cin_head = 0;
    }
    lbuf_hold(buf);
    t->cin[(t->cin_head + t->cin_n) % t->cin_cap] = (struct tls_cin){buf, at, len};
    t->cin_n++;
    return 0;
}

/* ---- the pump ------------------------------------------------------------------------- */

/* Hand the plaintext decrypted so far to the owner. False when the
 * connection ended (from the callback). */
static bool tls_deliver(struct tp_tls *t)
{
    if (!t->cur || t->cur_fill == t->cur_from)
        return true;
    if (t->cache && t->cache->leader == t)
        tls_gate_open(t->cache, t->env); /* an answer came: any ticket came before it */
    struct tls_pbuf *p = t->cur;
    uint32_t from = t->cur_from, life = t->life;
    t->cur_from = t->cur_fill;
    t->tp.ev->on_data(t->tp.owner, &p->lb, p->data + from, t->cur_fill - from);
    return tls_alive(t, life);
}

/* No more ciphertext for now: wait, or end if the TCP stream did. */
static void tls_input_over(struct tp_tls *t)
{
    if (t->tcp_err) {
        tls_end(t, t->tcp_err, NULL);
    } else if (t->tcp_eof) {
        if (t->phase == TLS_HANDSHAKE)
            tls_end(t, RF_E_TLS_HANDSHAKE, "the server closed the connection");
        else
            tls_end(t, RF_E_TLS_TRUNCATED, NULL); /* close_notify would have ended it before */
    }
}

static void tls_handshake_done(struct tp_tls *t)
{
    t->env->handshakes++;
    if (SSL_session_reused(t->ssl))
        t->env->resumed++;
    /* A TLS 1.2 session is known now (its callback ran); 1.3 tickets come later. */
    if (t->cache && t->cache->leader == t && SSL_version(t->ssl) < TLS1_3_VERSION)
        tls_gate_open(t->cache, t->env);
    t->phase = TLS_OPEN;
    t->tp.state = TP_OPEN;
    t->tp.opened = true;
    t->tp.ev->on_open(t->tp.owner);
}

static void tls_pump(struct tp_tls *t)
{
    if (t->pumping)
        return;
    uint32_t life = t->life;
    t->pumping = true;
    while (tls_alive(t, life)) {
        if (t->phase == TLS_HANDSHAKE) {
            ERR_clear_error();
            int r = SSL_do_handshake(t->ssl);
            if (!tls_flush(t))
                break;
            if (r == 1) {
                tls_handshake_done(t);
                continue;
            }
            int e = SSL_get_error(t->ssl, r);
            if (e == SSL_ERROR_WANT_READ) {
                if (tls_feed_next(t))
                    continue;
                if (tls_alive(t, life))
                    tls_input_over(t);
                break;
            }
            tls_fail(t, e);
            break;
        }
        if (t->phase != TLS_OPEN)
            break;
        if (t->app && t->app_done < t->app_len && !tls_write_app(t))
            break;
        if (!tls_plain_room(t)) {
            if (!t->stalled)
                tls_end(t, -ENOMEM, NULL);
            break;
        }
        size_t n = 0;
        ERR_clear_error();
        int r = SSL_read_ex(t->ssl, t->cur->data + t->cur_fill, RF_TLS_PLAIN_BUF_BYTES - t->cur_fill, &n);
        if (!tls_flush(t))
            break;
        if (r == 1) {
            t->cur_fill += (uint32_t)n;
            if (RF_TLS_PLAIN_BUF_BYTES - t->cur_fill < RF_TLS_RECORD_BYTES && !tls_deliver(t))
                break;
            continue;
        }
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_WANT_READ) {
            if (tls_feed_next(t))
                continue;
            if (!tls_alive(t, life) || !tls_deliver(t))
                break;
            /* Waiting for the network: keep no buffer meanwhile. */
            struct tls_pbuf *p = t->cur;
            t->cur = NULL;
            lbuf_put(&p->lb);
            tls_input_over(t);
            break;
        }
        if (!tls_deliver(t))
            break;
        if (e == SSL_ERROR_ZERO_RETURN)
            tls_end(t, 0, NULL); /* the server's close_notify: a clean end */
        else
            tls_fail(t, e);
        break;
    }
    if (t->life == life)
        t->pumping = false;
}

/* Start the handshake (TCP is open, the gate let us through). */
static void tls_handshake_begin(struct tp_tls *t)
{
    struct tls_cache *c = t->cache;
    if (c->sess && SSL_SESSION_is_resumable(c->sess)) {
        SSL_set_session(t->ssl, c->sess);
    } else if (!c->gate_used) {
        c->gate_used = true;
        c->leader = t;
    } else if (c->leader && c->leader != t) {
        t->phase = TLS_GATE;
        t->next_waiting = c->waiting;
        c->waiting = t;
        return;
    }
    t->phase = TLS_HANDSHAKE;
    tls_pump(t);
}

void tls_run_ready(struct tls_env *env)
{
    struct tp_tls *t;
    while ((t = env->ready) != NULL) {
        env->ready = t->next_ready;
        t->next_ready = NULL;
        t->in_ready = false;
        if (t->phase == TLS_GATE)
            tls_handshake_begin(t);
        else if (t->phase == TLS_OPEN && t->tp.state == TP_OPEN)
            tls_pump(t);
    }
}

/* OpenSSL's callbacks: the SSL's app data is its transport. */

/* OpenSSL's verdict stands; a name mismatch is the moment to note the
 * names the certificate is for (the failed handshake keeps no certificate). */
static int tls_verify(int ok, X509_STORE_CTX *store)
{
    int e = X509_STORE_CTX_get_error(store);
    if (!ok && (e == X509_V_ERR_HOSTNAME_MISMATCH || e == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        struct tp_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
        if (t)
            tls_cert_names(X509_STORE_CTX_get_current_cert(store), t->why, sizeof t->why);
    }
    return ok;
}

static int tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct tp_tls *t = SSL_get_app_data(ssl);
    if (!t || !t->cache)
        return 0;
    if (t->cache->sess)
        SSL_SESSION_free(t->cache->sess);
    t->cache->sess = sess; /* returning 1 keeps OpenSSL's reference for us */
    if (t->cache->leader == t)
        tls_gate_open(t->cache, t->env);
    return 1;
}

static void tls_info(const SSL *ssl, int where, int ret)
{
    /* SSL_CB_READ_ALERT shares its SSL_CB_ALERT bit with the write one. */
    if (!(where & SSL_CB_ALERT) || !(where & SSL_CB_READ) || (ret >> 8) != SSL3_AL_FATAL)
        return;
    struct tp_tls *t = SSL_get_app_data(ssl);
    if (t)
        t->alert = ret & 0xff;
}

/* ---- the plain transport's events --------------------------------------------------------- */

static void tls_tcp_open(void *owner)
{
    struct tp_tls *t = owner;
    if (t->tp.state != TP_CONNECT)
        return;
    SSL *ssl = SSL_new(t->env->ctx);
    BIO *r = tls_read_bio("", 0), *w = BIO_new(BIO_s_mem());
    if (!ssl || !r || !w) {
        SSL_free(ssl);
        BIO_free(r);
        BIO_free(w);
        tls_end(t, -ENOMEM, NULL);
        return;
    }
    SSL_set_bio(ssl, r, w);
    SSL_set_app_data(ssl, t);
    SSL_set_connect_state(ssl);
    t->ssl = ssl;
    int ok = 1;
    if (!t->host_is_ip)
        ok = SSL_set_tlsext_host_name(ssl, t->host); /* SNI: never for an IP literal */
    if (ok == 1 && !t->env->insecure) {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (t->host_is_ip)
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host);
        else
            ok = SSL_set1_host(ssl, t->host);
    }
    if (ok != 1) {
        tls_fail(t, SSL_ERROR_SSL);
        return;
    }
    tls_handshake_begin(t);
}

static void tls_tcp_data(void *owner, struct lbuf *buf, const char *at, size_t len)
{
    struct tp_tls *t = owner;
    if (t->tp.state != TP_CONNECT && t->tp.state != TP_OPEN)
        return;
    t->env->bytes_in += len;
    if (tls_queue_input(t, buf, at, len) < 0) {
        tls_end(t, -ENOMEM, NULL);
        return;
    }
    if (t->phase == TLS_HANDSHAKE || (t->phase == TLS_OPEN && !t->stalled))
        tls_pump(t);
}

static void tls_tcp_sent(void *owner)
{
    struct tp_tls *t = owner;
    if (t->tp.state != TP_OPEN && t->tp.state != TP_CONNECT)
        return;
    if (!tls_flush(t))
        return;
    if (t->app && t->app_done == t->app_len && !t->tcp->send_busy) {
        t->app = NULL;
        t->tp.send_busy = false;
        t->tp.ev->on_sent(t->tp.owner);
    }
}

static void tls_tcp_end(void *owner, int err, bool opened)
{
    struct tp_tls *t = owner;
    (void)opened;
    if (t->tp.state != TP_CONNECT && t->tp.state != TP_OPEN)
        return;
    if (!t->ssl) {
        tls_end(t, err, NULL); /* TCP never got to the handshake */
        return;
    }
    if (err == 0)
        t->tcp_eof = true;
    else
        t->tcp_err = err;
    if (t->phase == TLS_GATE) {
        tls_end(t, err ? err : RF_E_TLS_HANDSHAKE, err ? NULL : "the server closed the connection");
        return;
    }
    /* What was received before the end is read first (a close_notify in it
     * ends cleanly); the pump ends the stream when it runs out. A pump
     * under way, or waiting for a buffer, gets there by itself. */
    if (t->pumping || t->stalled)
        return;
    tls_pump(t);
}

static void tls_tcp_closed(void *owner)
{
    struct tp_tls *t = owner;
    if (t->ssl)
        SSL_free(t->ssl); /* frees the BIOs; the held buffers were given back at tp_close */
    t->ssl = NULL;
    t->pbufs = 0;
    t->life++; /* buffers still lent go back to the pool, not to this connection */
    t->phase = TLS_IDLE;
    t->tp.state = TP_FREE;
    t->pumping = false;
    t->tp.ev->on_closed(t->tp.owner);
}

static const struct tp_events tls_tcp_events = {
    .on_open = tls_tcp_open,
    .on_data = tls_tcp_data,
    .on_sent = tls_tcp_sent,
    .on_end = tls_tcp_end,
    .on_closed = tls_tcp_closed,
};

/* ---- the owner's calls ------------------------------------------------------------------------ */

static void tls_connect(struct tp *tp, const struct sockaddr *sa, socklen_t len)
{
    struct tp_tls *t = (struct tp_tls *)tp;
    assert(t->tp.state == TP_FREE);
    t->tp.state = TP_CONNECT;
    t->tp.opened = false;
    t->tp.send_busy = false;
    t->tp.why = NULL;
    t->phase = TLS_TCP;
    t->tcp_eof = false;
    t->tcp_err = 0;
    t->alert = -1;
    t->stalled = false;
    t->app = NULL;
    t->why[0] = '\0';
    tp_connect(t->tcp, sa, len);
}

static void tls_send(struct tp *tp, const char *buf, size_t len)
{
    struct tp_tls *t = (struct tp_tls *)tp;
    assert(t->tp.state == TP_OPEN && !t->tp.send_busy);
    t->tp.send_busy = true;
    t->app = buf;
    t->app_len = len;
    t->app_done = 0;
    tls_write_app(t);
}

static void tls_close(struct tp *tp)
{
    struct tp_tls *t = (struct tp_tls *)tp;
    assert(t->tp.state != TP_FREE && t->tp.state != TP_CLOSING);
    tls_unlink(t);
    if (t->cache && t->cache->leader == t)
        tls_gate_open(t->cache, t->env);
    t->tp.state = TP_CLOSING;
    t->phase = TLS_DONE;
    t->stalled = false;
    tls_drop_input(t);
    if (t->cur) {
        struct tls_pbuf *p = t->cur;
        t->cur = NULL;
        lbuf_put(&p->lb);
    }
    /* No close_notify of ours: the socket closes at once, as over plain TCP. */
    if (t->tcp->state == TP_FREE)
        tls_tcp_closed(t);
    else if (t->tcp->state != TP_CLOSING)
        tp_close(t->tcp);
}

static void tls_complete(struct tp *tp, const struct be_cqe *cqe)
{
    struct tp_tls *t = (struct tp_tls *)tp;
    tp_complete(t->tcp, cqe);
}

static const struct tp_vt tls_vt = {
    .name = "tls",
    .connect = tls_connect,
    .send = tls_send,
    .close = tls_close,
    .complete = tls_complete,
};

void tp_tls_init(struct tp_tls *t, struct tp *tcp, struct tls_env *env, struct tls_cache *cache,
                 const char *host, const struct tp_events *ev, void *owner)
{
    assert(t->tp.state == TP_FREE && t->ssl == NULL && t->cin_n == 0);
    memset(&t->tp, 0, sizeof t->tp);
    t->tp.vt = &tls_vt;
    t->tp.state = TP_FREE;
    t->tp.fd = -1;
    t->tp.set = tcp->set;
    t->tp.ev = ev;
    t->tp.owner = owner;
    t->tcp = tcp;
    tcp->ev = &tls_tcp_events;
    tcp->owner = t;
    t->env = env;
    t->cache = cache;
    t->host = host;
    unsigned char a[16];
    t->host_is_ip = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
    t->phase = TLS_IDLE;
    t->alert = -1;
    t->in_ready = false;
    t->next_ready = t->next_waiting = NULL;
}

void tp_tls_abandon(struct tp_tls *t)
{
    tls_drop_input(t);
}

void tp_tls_free(struct tp_tls *t)
{
    if (t->ssl)
        SSL_free(t->ssl);
    t->ssl = NULL;
    tls_drop_input(t);
    if (t->cur) {
        /* Only at the end of a run, when nothing else holds it. */
        free(t->cur);
        t->cur = NULL;
    }
    free(t->cin);
    free(t->out);
    t->cin = NULL;
    t->out = NULL;
    t->cin_cap = 0;
    t->out_cap = 0;
}
