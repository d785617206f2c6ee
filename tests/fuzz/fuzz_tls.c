/* libFuzzer target: the TLS transport's plaintext feed (src/engine/tp_tls.c).
 *
 * A real OpenSSL server (memory BIOs, a key and certificate made at start)
 * and our TLS transport over a fake TCP transport that the harness drives:
 * handshake, the request, then the server writes the fuzzer's bytes as the
 * response, in records of fuzzer-chosen sizes, with or without close_notify,
 * the ciphertext reaching the client cut at fuzzer-chosen places (and, in
 * one mode, with one byte flipped); the client's plaintext buffers are
 * held by the "consumer" for a while in another mode, so decryption must
 * wait for them. The plaintext is also fed to the response parser.
 *
 * Input: byte 0 mode bits (1 close_notify, 2 TLS 1.2, 4 flip a byte, 8 hold
 * plaintext buffers), byte 1 record size seed, byte 2 cut seed, byte 3 flip
 * position seed; the rest is the plaintext the server sends.
 * Checked (a violation traps):
 * - the handshake completes; on_open once, before any data;
 * - without a flip, the plaintext delivered is exactly what the server sent,
 *   and the stream ends with 0 (close_notify) or RF_E_TLS_TRUNCATED (a FIN
 *   without it), never anything else; with a flip, what was delivered is a
 *   prefix of it and the stream ends with an error;
 * - every span lies inside its buffer; on_end comes exactly once, nothing
 *   after it; tp_close brings on_closed; every ciphertext buffer lent to
 *   the transport comes back (refs 0), and ASan sees no leak;
 * - the response parser gets the same result from the delivered plaintext as
 *   from the server's bytes in one piece (when nothing was flipped).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "engine/tp_tls.h"
#include "http/response.h"
#include "ringfetch/engine.h"

#define CHECK(cond)           \
    do {                      \
        if (!(cond))          \
            __builtin_trap(); \
    } while (0)

#define MAX_HELD 8
#define OUT_MAX (1 << 20)

static SSL_CTX *server_ctx;
static struct tls_env env;

/* ---- the fake TCP transport ---------------------------------------------------- */

struct wire {
    unsigned char *buf;
    size_t len, cap;
};

static struct wire to_server;

static void wire_put(struct wire *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2;
        w->buf = realloc(w->buf, w->cap);
        CHECK(w->buf);
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void fake_connect(struct tp *t, const struct sockaddr *sa, socklen_t len)
{
    (void)sa;
    (void)len;
    t->state = TP_CONNECT;
}

static void fake_send(struct tp *t, const char *buf, size_t len)
{
    CHECK(t->state == TP_OPEN && !t->send_busy);
    wire_put(&to_server, buf, len);
    t->send_busy = true; /* on_sent comes from the harness, later */
}

static void fake_close(struct tp *t)
{
    t->state = TP_FREE;
    t->ev->on_closed(t->owner);
}

static void fake_complete(struct tp *t, const struct be_cqe *cqe)
{
    (void)t;
    (void)cqe;
}

static const struct tp_vt fake_vt = {"fake", fake_connect, fake_send, fake_close, fake_complete};

/* Ciphertext buffers lent to the transport. */
struct cbuf {
    struct lbuf lb;
    int *live;
};

static void cbuf_release(struct lbuf *lb)
{
    struct cbuf *c = (struct cbuf *)lb;
    (*c->live)--;
    free(c->lb.data);
    free(c);
}

/* ---- the owner ------------------------------------------------------------------- */

struct owner {
    int opened, ended, closed, end_err;
    unsigned char *plain;
    size_t len;
    struct lbuf *held[MAX_HELD];
    unsigned nheld;
    bool hold;
};

static void o_open(void *p)
{
    struct owner *o = p;
    CHECK(o->opened == 0 && o->len == 0 && o->ended == 0);
    o->opened++;
}

static void o_data(void *p, struct lbuf *b, const char *at, size_t len)
{
    struct owner *o = p;
    CHECK(o->opened == 1 && o->ended == 0 && len > 0);
    CHECK(at >= b->data && at + len <= b->data + b->cap);
    CHECK(o->len + len <= OUT_MAX);
    memcpy(o->plain + o->len, at, len);
    o->len += len;
    if (o->hold && o->nheld < MAX_HELD) {
        lbuf_hold(b);
        o->held[o->nheld++] = b;
    }
}

static void o_sent(void *p)
{
    (void)p;
}

static void o_end(void *p, int err, bool opened)
{
    struct owner *o = p;
    CHECK(o->ended == 0 && opened);
    o->ended++;
    o->end_err = err;
}

static void o_closed(void *p)
{
    ((struct owner *)p)->closed++;
}

static const struct tp_events events = {
    .on_open = o_open, .on_data = o_data, .on_sent = o_sent, .on_end = o_end, .on_closed = o_closed,
};

static void release_held(struct owner *o)
{
    while (o->nheld > 0)
        lbuf_put(o->held[--o->nheld]);
}

/* ---- setup: a key and a certificate for the server, made once ------------------------ */

static void setup(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    CHECK(key && cert);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    CHECK(X509_sign(cert, key, EVP_sha256()) > 0);
    server_ctx = SSL_CTX_new(TLS_server_method());
    CHECK(server_ctx && SSL_CTX_use_certificate(server_ctx, cert) == 1 &&
          SSL_CTX_use_PrivateKey(server_ctx, key) == 1);
    X509_free(cert);
    EVP_PKEY_free(key);
    char why[128];
    CHECK(tls_env_init(&env, NULL, NULL, true, why, sizeof why) == 0);
}

/* ---- one run ----------------------------------------------------------------------------- */

/* Hand ciphertext to the client in pieces; flip one byte at flip_at (or not). */
static void deliver(struct tp *tcp, const unsigned char *p, size_t n, unsigned cut_seed, int *live)
{
    size_t off = 0;
    while (off < n && (tcp->state == TP_OPEN)) {
        size_t piece = 1 + (cut_seed * 2654435761u + off) % 3000;
        cut_seed = cut_seed * 1103515245u + 12345u;
        if (piece > n - off)
            piece = n - off;
        struct cbuf *c = malloc(sizeof *c);
        CHECK(c);
        c->lb.data = malloc(piece);
        CHECK(c->lb.data);
        memcpy(c->lb.data, p + off, piece);
        c->lb.cap = (uint32_t)piece;
        c->lb.refs = 1;
        c->lb.release = cbuf_release;
        c->live = live;
        (*live)++;
        struct tp_tls *t = tcp->owner;
        tcp->ev->on_data(tcp->owner, &c->lb, c->lb.data, piece);
        lbuf_put(&c->lb);
        off += piece;
        tls_run_ready(t->env);
    }
}

/* Move what the client sent to the server, and complete the client's send. */
static void client_to_server(struct tp *tcp, SSL *srv)
{
    if (to_server.len) {
        BIO_write(SSL_get_rbio(srv), to_server.buf, (int)to_server.len);
        to_server.len = 0;
    }
    if (tcp->send_busy && tcp->state == TP_OPEN) {
        tcp->send_busy = false;
        tcp->ev->on_sent(tcp->owner);
    }
}

static size_t server_out(SSL *srv, unsigned char *buf, size_t cap)
{
    size_t n = 0;
    int r;
    while (n < cap && (r = BIO_read(SSL_get_wbio(srv), buf + n, (int)(cap - n))) > 0)
        n += (size_t)r;
    return n;
}

static enum resp_rc parse_all(const unsigned char *p, size_t n, bool eof, int *err)
{
    static struct resp r;
    size_t used = 0;
    resp_init(&r, NULL, NULL, NULL);
    enum resp_rc rc = n ? resp_feed(&r, (const char *)p, n, &used) : RESP_MORE;
    if (rc == RESP_MORE && eof)
        rc = resp_eof(&r);
    *err = r.error;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char *cipher, *plain_out;
    if (!server_ctx) {
        setup();
        cipher = malloc(4 * OUT_MAX);
        plain_out = malloc(OUT_MAX);
        CHECK(cipher && plain_out);
    }
    if (size < 4 || size - 4 > 65536)
        return 0;
    unsigned mode = data[0], rec_seed = data[1], cut_seed = data[2], flip_seed = data[3];
    const unsigned char *body = data + 4;
    size_t blen = size - 4;
    bool close_notify = mode & 1, flip = mode & 4;

    SSL *srv = SSL_new(server_ctx);
    SSL_set_bio(srv, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(srv);
    if (mode & 2)
        SSL_set_max_proto_version(srv, TLS1_2_VERSION);

    struct owner o = {.plain = plain_out, .hold = mode & 8};
    struct tls_cache cache = {0};
    struct tp tcp = {.vt = &fake_vt, .state = TP_FREE, .fd = -1};
    struct tp_tls *t = calloc(1, sizeof *t);
    CHECK(t);
    int live = 0;
    to_server.len = 0;
    tp_tls_init(t, &tcp, &env, &cache, "localhost", &events, &o);
    tp_connect(&t->tp, NULL, 0);
    tcp.state = TP_OPEN;
    tcp.ev->on_open(tcp.owner);

    /* The handshake, both ways, until the client is open. */
    for (int round = 0; round < 20 && !o.opened && !o.ended; round++) {
        client_to_server(&tcp, srv);
        SSL_do_handshake(srv);
        size_t n = server_out(srv, cipher, 4 * OUT_MAX);
        deliver(&tcp, cipher, n, cut_seed, &live);
        client_to_server(&tcp, srv);
    }
    CHECK(o.opened == 1 && !o.ended);

    /* The request, then the server's answer: the fuzzer's bytes. */
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    tp_send(&t->tp, req, sizeof req - 1);
    client_to_server(&tcp, srv);
    char reqbuf[256];
    size_t got = 0;
    SSL_read_ex(srv, reqbuf, sizeof reqbuf, &got);
    size_t off = 0;
    while (off < blen) {
        size_t rec = 1 + (rec_seed * 131u + off * 7u) % 20000;
        if (rec > blen - off)
            rec = blen - off;
        size_t w = 0;
        CHECK(SSL_write_ex(srv, body + off, rec, &w) == 1 && w == rec);
        off += rec;
    }
    if (close_notify)
        SSL_shutdown(srv);
    size_t n = server_out(srv, cipher, 4 * OUT_MAX);
    size_t flip_at = n ? (flip_seed * 977u) % n : 0;
    if (flip && n)
        cipher[flip_at] ^= 0x40;
    deliver(&tcp, cipher, n, cut_seed ^ 0x5a, &live);
    /* The consumer lets go of what it held: decryption goes on. */
    for (int i = 0; i < 64 && !o.ended; i++) {
        release_held(&o);
        tls_run_ready(&env);
    }
    if (!o.ended && tcp.state == TP_OPEN) {
        tcp.state = TP_ENDED;
        tcp.ev->on_end(tcp.owner, 0, true); /* the FIN */
    }
    for (int i = 0; i < 64 && !o.ended; i++) {
        release_held(&o);
        tls_run_ready(&env);
    }
    CHECK(o.ended == 1);

    if (flip && n) {
        CHECK(o.len <= blen && memcmp(o.plain, body, o.len) == 0);
        CHECK(o.end_err != 0);
    } else {
        CHECK(o.len == blen && memcmp(o.plain, body, blen) == 0);
        CHECK(o.end_err == (close_notify ? 0 : RF_E_TLS_TRUNCATED));
        int e1, e2;
        enum resp_rc a = parse_all(o.plain, o.len, true, &e1);
        enum resp_rc b = parse_all(body, blen, true, &e2);
        CHECK(a == b && e1 == e2);
    }
    tp_close(&t->tp);
    CHECK(o.closed == 1);
    release_held(&o);
    tp_tls_free(t);
    free(t);
    tls_run_ready(&env);
    CHECK(live == 0);
    tls_cache_free(&cache);
    SSL_free(srv);
    ERR_clear_error();
    return 0;
}
